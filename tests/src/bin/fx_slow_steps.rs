//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/slow_steps.rs"]
mod m20240101000000_slow_steps;

fn main() -> ExitCode {
    migrate_cli::run()
}
