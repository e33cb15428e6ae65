//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/dupes.rs"]
mod m20240101000000_dupes;
#[path = "../../fixtures/unique_concurrently.rs"]
mod m20240102000000_unique_concurrently;

fn main() -> ExitCode {
    migrate_cli::run()
}
