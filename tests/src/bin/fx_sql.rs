//! SQL-file migrations (tests/fixtures/sql) for the CLI tests.

use std::process::ExitCode;

mod migrations {
    include!(concat!(env!("OUT_DIR"), "/sql_migrations.rs"));
}

fn main() -> ExitCode {
    migrate_cli::run()
}
