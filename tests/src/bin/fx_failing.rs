//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/failing.rs"]
mod m20240102000000_failing;

fn main() -> ExitCode {
    migrate_cli::run()
}
