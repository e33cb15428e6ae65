//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/two.rs"]
mod m20240102000000_two;
#[path = "../../fixtures/late.rs"]
mod m20240102120000_late;
#[path = "../../fixtures/three.rs"]
mod m20240103000000_three;

fn main() -> ExitCode {
    migrate_cli::run()
}
