//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/slow.rs"]
mod m20240101000000_slow;

fn main() -> ExitCode {
    migrate_cli::run()
}
