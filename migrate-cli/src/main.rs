//! `migrate-cli`: the command line. In this first version it runs the example project's migrations
//! binary, passing the arguments through.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status = Command::new(cargo).args(["run", "--quiet", "-p", "blog-migrations", "--"]).args(&args).status();
    match status {
        Ok(s) => ExitCode::from(s.code().map_or(2, |c| c as u8)),
        Err(e) => {
            eprintln!("error: cannot run cargo to build the migrations crate: {e}");
            ExitCode::from(2)
        }
    }
}
