//! The project-local development database: a PostgreSQL cluster started from the binaries on the
//! machine, in `.migrate/dev-db` (git-ignored, and outside `target/` so `cargo clean` keeps it),
//! listening only on a Unix socket.
//!
//! Two processes starting it at once get one cluster: starting holds an exclusive file lock. As root,
//! the server runs as the `postgres` OS user (PostgreSQL refuses to run as root), which must be able to
//! traverse the project's folders; when it cannot, the cluster lives under /var/tmp, keyed by project.

use anstream::eprintln;
use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2_lite::short_hash;

/// The cluster's folders.
struct Paths {
    base: PathBuf,
    data: PathBuf,
    log: PathBuf,
    /// Unix socket folder: short, since a socket path is limited to 107 bytes.
    socket: PathBuf,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() == 0 }
}

unsafe extern "C" {
    fn geteuid() -> u32;
}

/// Whether the `postgres` OS user can traverse every folder down to `dir`.
fn traversable(dir: &Path) -> bool {
    dir.ancestors().all(|a| std::fs::metadata(a).map(|m| m.permissions().mode() & 0o001 != 0).unwrap_or(false))
}

fn paths(root: &Path) -> Paths {
    let key = short_hash(&root.display().to_string());
    let local = root.join(".migrate").join("dev-db");
    let base =
        if is_root() && !traversable(root) { PathBuf::from(format!("/var/tmp/migrate-dev-{key}")) } else { local };
    Paths {
        data: base.join("data"),
        log: base.join("server.log"),
        socket: PathBuf::from(format!("/tmp/migrate-dev-{key}")),
        base,
    }
}

/// Finds a PostgreSQL binary: on PATH, in `pg_config --bindir`, or in the usual install folders.
fn binary(name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin").join(name)).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().or_else(|| {
        ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.is_file())
    })
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root.
fn pg(name: &str, args: &[&str]) -> Result<std::process::Output> {
    let Some(bin) = binary(name) else {
        bail!(
            "no database is configured and the PostgreSQL server binaries ({name}) are not installed: install PostgreSQL (e.g. `apt-get install postgresql`), or set DATABASE_URL / a target in migrate.toml"
        );
    };
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]).arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.args(args).output().with_context(|| format!("running {}", bin.display()))
}

fn chown_to_postgres(path: &Path) -> Result<()> {
    if is_root() {
        let status =
            Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).status().context("running chown")?;
        if !status.success() {
            bail!("cannot give {} to the postgres user", path.display());
        }
    }
    Ok(())
}

fn url(p: &Paths) -> String {
    format!("host={} user=postgres dbname=postgres sslmode=disable", p.socket.display())
}

fn running(p: &Paths) -> bool {
    p.data.join("PG_VERSION").is_file()
        && pg("pg_ctl", &["-D", &p.data.display().to_string(), "status"]).is_ok_and(|o| o.status.success())
}

/// Starts the cluster if needed (creating it on first use) and returns its connection string.
/// `announce` prints one line saying which database is used.
pub fn ensure_running(root: &Path, announce: bool) -> Result<String> {
    let p = paths(root);
    std::fs::create_dir_all(&p.base).with_context(|| format!("creating {}", p.base.display()))?;
    if p.base.starts_with(root) {
        let ignore = root.join(".migrate").join(".gitignore");
        if !ignore.exists() {
            let _ = std::fs::write(&ignore, "*\n");
        }
    }
    let lock = File::create(p.base.join("start.lock")).context("creating the dev-db lock file")?;
    lock.lock().context("waiting for the dev-db lock")?;
    let mut started = false;
    if !running(&p) {
        std::fs::create_dir_all(&p.socket).with_context(|| format!("creating {}", p.socket.display()))?;
        std::fs::set_permissions(&p.socket, std::fs::Permissions::from_mode(0o700)).ok();
        chown_to_postgres(&p.socket)?;
        if !p.data.join("PG_VERSION").is_file() {
            std::fs::create_dir_all(&p.data).with_context(|| format!("creating {}", p.data.display()))?;
            std::fs::set_permissions(&p.data, std::fs::Permissions::from_mode(0o700)).ok();
            chown_to_postgres(&p.base)?;
            let out = pg(
                "initdb",
                &["-D", &p.data.display().to_string(), "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8"],
            )?;
            if !out.status.success() {
                bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
        chown_to_postgres(&p.base)?;
        let options = format!("-k {} -c listen_addresses=''", p.socket.display());
        let out = pg(
            "pg_ctl",
            &["-D", &p.data.display().to_string(), "-l", &p.log.display().to_string(), "-o", &options, "-w", "start"],
        )?;
        if !out.status.success() {
            bail!(
                "the development database did not start: {} (see {})",
                String::from_utf8_lossy(&out.stderr).trim(),
                p.log.display()
            );
        }
        started = true;
    }
    drop(lock);
    if announce {
        eprintln!(
            "using the development database in {}{} (set DATABASE_URL or a target in migrate.toml to use another)",
            p.base.display(),
            if started { ", started now" } else { "" }
        );
    }
    Ok(url(&p))
}

/// The cluster's state (`running`, `stopped` or `not created`), its connection string when it runs,
/// and its data folder.
pub fn state(root: &Path) -> (&'static str, Option<String>, PathBuf) {
    let p = paths(root);
    if running(&p) {
        ("running", Some(url(&p)), p.data)
    } else if p.data.join("PG_VERSION").is_file() {
        ("stopped", None, p.data)
    } else {
        ("not created", None, p.data)
    }
}

/// Whether the cluster runs, and where, in a sentence.
pub fn status(root: &Path) -> Result<String> {
    Ok(match state(root) {
        ("running", Some(url), data) => format!("running: {url} (data in {})", data.display()),
        ("stopped", _, data) => format!("stopped (data in {})", data.display()),
        _ => "not created yet: the first command that needs a database creates it".into(),
    })
}

/// Stops the cluster.
pub fn stop(root: &Path) -> Result<String> {
    let p = paths(root);
    if !running(&p) {
        return Ok("not running".into());
    }
    let out = pg("pg_ctl", &["-D", &p.data.display().to_string(), "-m", "fast", "-w", "stop"])?;
    if !out.status.success() {
        bail!("pg_ctl stop failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    // The socket folder in /tmp is ours and empty once the server is down: nothing is left there.
    let _ = std::fs::remove_dir(&p.socket);
    Ok("stopped".into())
}

mod sha2_lite {
    //! An FNV-1a hash: enough to key folders by project path.
    pub fn short_hash(text: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{:08x}", h as u32)
    }
}
