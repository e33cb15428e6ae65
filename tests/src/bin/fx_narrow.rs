//! A migrations binary for the CLI tests (see tests/fixtures).

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/nick.rs"]
mod m20240102000000_nick;
#[path = "../../fixtures/narrow_nick.rs"]
mod m20240103000000_narrow_nick;

fn main() -> ExitCode {
    migrate_cli::run()
}
