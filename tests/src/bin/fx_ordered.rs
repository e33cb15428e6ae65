//! A migrations binary for the CLI tests: three migrations, the second slow (about a second), to see
//! each result printed as it finishes.

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;

mod m20240102000000_slow {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.sql_with_down("SELECT pg_sleep(1)", "SELECT 1");
    }
}

#[path = "../../fixtures/three.rs"]
mod m20240103000000_three;

fn main() -> ExitCode {
    migrate_cli::run()
}
