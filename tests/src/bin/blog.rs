//! The example blog's migrations binary, for the CLI tests.

use std::process::ExitCode;

use blog_migrations as _;

fn main() -> ExitCode {
    migrate_cli::run()
}
