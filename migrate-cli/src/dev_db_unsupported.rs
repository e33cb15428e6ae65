//! The development cluster off Unix: it listens on a Unix socket and is started as on Unix, so
//! elsewhere every command that would use it says so and names the way out (a database URL).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

fn unsupported<T>() -> Result<T> {
    bail!(
        "the project-local development database runs on Unix only: name a database with --database-url URL, DATABASE_URL or a target in migrate.toml"
    )
}

/// Off Unix: an error naming the way out.
pub fn ensure_running(_root: &Path, _announce: bool) -> Result<String> {
    unsupported()
}

/// Off Unix: never created.
pub fn state(root: &Path) -> (&'static str, Option<String>, PathBuf) {
    ("not created", None, root.join(".migrate").join("dev-db").join("data"))
}

/// Off Unix: an error naming the way out.
pub fn status(_root: &Path) -> Result<String> {
    unsupported()
}

/// Off Unix: an error naming the way out.
pub fn stop(_root: &Path) -> Result<String> {
    unsupported()
}
