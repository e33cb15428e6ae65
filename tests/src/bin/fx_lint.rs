//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/index_blocking.rs"]
mod m20240102000000_index_blocking;

fn main() -> ExitCode {
    migrate_cli::run()
}
