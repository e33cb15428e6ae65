//! A migrations binary for the CLI tests (see tests/fixtures): one explicit down is wrong.

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/forgetful_down.rs"]
mod m20240102000000_forgetful_down;

fn main() -> ExitCode {
    migrate_cli::run()
}
