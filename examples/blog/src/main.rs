use std::process::ExitCode;

// Names the library so the linker keeps its migrations (inventory registers them at link time).
use blog_migrations as _;

fn main() -> ExitCode {
    migrate_cli::run()
}
