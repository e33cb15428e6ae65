//! The command line of the migration framework.
//!
//! A migrations crate's `main` calls [`run`]; it reads the migrations linked into that binary.
//! This first version works without a database: `list` and `sql`. Applying migrations to PostgreSQL
//! comes with the runner.

use std::process::ExitCode;

use migrate_core::registry::{Down, Migration, migrations};
use migrate_core::render::render_script;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: a check found problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: anything else that stopped the work (usage, loading, ...).
pub const EXIT_FAILURE: u8 = 2;

const USAGE: &str = "\
usage: <migrations binary> <command>

commands:
  list               list the migrations with their down kind and checksum
  sql up [VERSION]   print the up SQL of every migration (or of one)
  sql down [VERSION] print the down SQL of every migration, newest first (or of one)
";

/// Runs the command line on the migrations linked into this program and returns the exit code.
pub fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (code, out, err) = run_with(&args);
    print!("{out}");
    eprint!("{err}");
    ExitCode::from(code)
}

/// [`run`] with explicit arguments, returning the exit code, standard output and standard error.
pub fn run_with(args: &[String]) -> (u8, String, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let loaded = match args.first() {
        Some(&"list") | Some(&"sql") => match migrations() {
            Ok(m) => m,
            Err(e) => return (EXIT_FAILURE, String::new(), format!("error: {e}\n")),
        },
        Some(&"--help") | Some(&"-h") | Some(&"help") => {
            return (EXIT_OK, USAGE.into(), String::new());
        }
        Some(other) => {
            return (EXIT_FAILURE, String::new(), format!("error: unknown command `{other}`\n\n{USAGE}"));
        }
        None => return (EXIT_FAILURE, String::new(), USAGE.into()),
    };
    match args.as_slice() {
        ["list"] => (EXIT_OK, list(&loaded), String::new()),
        ["sql", dir @ ("up" | "down"), rest @ ..] if rest.len() <= 1 => {
            let only = match rest.first().map(|v| v.parse::<u64>()) {
                None => None,
                Some(Ok(v)) => Some(v),
                Some(Err(_)) => {
                    return (EXIT_FAILURE, String::new(), format!("error: `{}` is not a version\n", rest[0]));
                }
            };
            sql(&loaded, *dir == "up", only)
        }
        _ => (EXIT_FAILURE, String::new(), format!("error: bad arguments\n\n{USAGE}")),
    }
}

fn list(migrations: &[Migration]) -> String {
    let mut out = String::new();
    for m in migrations {
        let down = match &m.down {
            Down::Derived(_) => "derived down",
            Down::Explicit(_) => "explicit down",
            Down::Irreversible { .. } => "irreversible",
            _ => "down",
        };
        let tx = if m.transaction { "" } else { ", no transaction" };
        out.push_str(&format!("{} {} ({down}{tx}) {}\n", m.version, m.name, &m.checksum[..12]));
    }
    out
}

fn sql(migrations: &[Migration], up: bool, only: Option<u64>) -> (u8, String, String) {
    let chosen: Vec<&Migration> = migrations.iter().filter(|m| only.is_none_or(|v| v == m.version)).collect();
    if chosen.is_empty() {
        return (EXIT_FAILURE, String::new(), format!("error: no migration has version {}\n", only.unwrap_or(0)));
    }
    let mut out = String::new();
    let mut err = String::new();
    let ordered: Vec<&Migration> = if up { chosen } else { chosen.into_iter().rev().collect() };
    for m in ordered {
        out.push_str(&format!("-- {} {}\n", m.version, m.name));
        if up {
            out.push_str(&render_script(&m.up));
        } else {
            match m.down_ops() {
                Ok(ops) => out.push_str(&render_script(ops)),
                Err(reason) => err.push_str(&format!("error: {} cannot be rolled back: {reason}\n", m.id())),
            }
        }
    }
    (if err.is_empty() { EXIT_OK } else { EXIT_FAILURE }, out, err)
}
