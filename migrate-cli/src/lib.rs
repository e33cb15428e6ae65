//! The command line of the migration framework, as a library.
//!
//! A migrations crate's `main` calls [`run`]: the binary then knows its migrations (registered by
//! `#[migration]`) and runs any command on them. The `migrate-cli` binary is a thin driver that finds
//! `migrate.toml` and runs that crate with `cargo run`.
//!
//! ```no_run
//! // src/main.rs of a migrations crate
//! use my_migrations as _; // link the migrations (see migrate_core's registry docs)
//! # mod my_migrations {}
//!
//! fn main() -> std::process::ExitCode {
//!     migrate_cli::run()
//! }
//! ```
//!
//! Exit codes, the same for every command: 0 success; 1 a check found problems (pending or changed
//! migrations with `status --exit-code`, a checksum mismatch or an out-of-order migration refused by
//! `up`); 2 anything else that stopped the work.

pub mod cli;
mod commands;
pub mod config;
pub mod connect;
pub mod dev_db;
pub mod output;
pub mod scaffold;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// The program's allocator, with the default feature `mimalloc`: loading, checksumming and planning a
/// long history is a stream of small allocations, which mimalloc serves in about half the time of the
/// system allocator (`docs/benchmarks.md`). A program with its own `#[global_allocator]` turns the
/// feature off.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: a check found problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: anything else that stopped the work.
pub const EXIT_FAILURE: u8 = 2;

/// Runs the command line on the process's arguments, with the migrations linked into this program.
pub fn run() -> ExitCode {
    ExitCode::from(run_from(std::env::args_os()))
}

/// [`run`] with explicit arguments (the first is the program name); returns the exit code.
pub fn run_from(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_FAILURE } else { EXIT_OK };
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_FAILURE;
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit_code_of(&e)
        }
    }
}

/// 1 for a check that found problems, 2 for everything else.
fn exit_code_of(e: &anyhow::Error) -> u8 {
    let check = e.chain().any(|c| {
        c.downcast_ref::<migrate_core::runner::Failed>().is_some_and(|f| f.error.is_check_failure())
            || c.downcast_ref::<migrate_core::runner::RunError>().is_some_and(|r| r.is_check_failure())
    });
    if check { EXIT_PROBLEMS } else { EXIT_FAILURE }
}
