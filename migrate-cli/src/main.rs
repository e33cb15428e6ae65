//! `migrate-cli`: a thin driver. It finds `migrate.toml` and runs the configured migrations crate
//! (`cargo run` with that crate's manifest, the arguments passed through), since only a binary that
//! links the migrations knows them. `new`, `init` and `dev-db` need no build and run here.

use anstream::eprintln;
use std::process::{Command, ExitCode};

use migrate_cli::cli::{Cli, Command as Cmd};

/// The migrations program must not run on when the driver is stopped (a CI job cancelled, a deploy
/// script killed): on Linux the child (cargo, which execs the program) gets SIGTERM when this process
/// dies, however it dies. The program's connection then closes, and the server ends its statement
/// within a second (`client_connection_check_interval`) and frees the migration lock.
#[cfg(target_os = "linux")]
fn stop_with_this_process(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent; it runs in the forked
    // child before exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_this_process(_command: &mut Command) {}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Parse first: --help, usage errors, and the commands that need no build are handled here.
    let cli = match Cli::parse_args(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { migrate_cli::EXIT_FAILURE } else { migrate_cli::EXIT_OK });
        }
    };
    if matches!(cli.command, Cmd::New(_) | Cmd::Init(_) | Cmd::DevDb(_) | Cmd::Import(_)) {
        return migrate_cli::run();
    }
    // An error of the driver is an `error:` line, and with --format json also the command's envelope.
    let json = cli.format == migrate_cli::cli::Format::Json;
    let stop = |message: String| {
        migrate_cli::output::stopped(cli.command.name(), json, &message);
        ExitCode::from(migrate_cli::EXIT_FAILURE)
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return stop(format!("reading the current folder: {e}")),
    };
    let loaded = match migrate_cli::config::load_for(cli.config.as_deref(), &cwd) {
        Ok(l) => l,
        Err(e) => return stop(format!("{e:#}")),
    };
    let Some(krate) = loaded.migrations_crate() else {
        return stop(format!(
            "{} the migrations crate: set `migrations = \"path/to/crate\"` in migrate.toml, or run `migrate-cli init` to create one",
            if loaded.found {
                "migrate.toml does not name"
            } else {
                "no migrate.toml found here or above, so migrate-cli does not know"
            }
        ));
    };
    let manifest = krate.join("Cargo.toml");
    if !manifest.is_file() {
        return stop(format!("the migrations crate {} (from migrate.toml) has no Cargo.toml", krate.display()));
    }
    // Under `cargo run`, CARGO names the cargo in use; cargo has released its build lock by now.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The program checks that it was built from this crate (another project's crate of the same
    // package name, built into a shared target folder, would leave its binary in the same place).
    let dir = std::fs::canonicalize(&krate).unwrap_or(krate.clone());
    // A first build takes a while: say so, and on a terminal let cargo show its progress.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    eprintln!("building the migrations crate {} (cargo run)…", krate.display());
    let mut command = Command::new(cargo);
    command.env(migrate_cli::CRATE_DIR_VAR, dir).arg("run");
    stop_with_this_process(&mut command);
    if !terminal {
        command.arg("--quiet");
    }
    let status = command.arg("--manifest-path").arg(&manifest).arg("--").args(&args[1..]).status();
    match status {
        // A failed build of the migrations crate exits 101: report it as "stopped the work".
        Ok(s) => match s.code() {
            Some(c @ 0..=2) => ExitCode::from(c as u8),
            // The program did not build, or did not end by itself: it printed no envelope.
            code => stop(format!(
                "the migrations crate {} did not build or its program did not finish ({}): see the messages above",
                krate.display(),
                code.map_or_else(|| "stopped by a signal".to_string(), |c| format!("exit code {c}"))
            )),
        },
        Err(e) => stop(format!("cannot run cargo to build the migrations crate: {e}")),
    }
}
