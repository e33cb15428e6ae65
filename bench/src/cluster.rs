//! The server the timing benchmarks run against: a throwaway PostgreSQL cluster on tmpfs
//! (`/dev/shm`), so the comparison measures the tools and not the shared disk (on which the same psql
//! run varies from 1 s to 8 s). `BENCH_DATABASE_URL` overrides it with a server of your choice.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A running server: its admin URL, and the cluster to stop and remove when it was started here.
pub struct Server {
    pub admin_url: String,
    pub description: String,
    started: Option<Started>,
}

struct Started {
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
}

/// Runs a PostgreSQL server program, as the `postgres` OS user when this process is root (initdb and
/// postgres refuse to run as root).
fn pg_command(bin: &std::path::Path, program: &str, as_postgres: bool) -> Command {
    let path = bin.join(program);
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

/// Stops the cluster in `data` (`mode`: `fast` or `immediate`), whatever state it is in.
fn stop(bin: &std::path::Path, data: &std::path::Path, as_postgres: bool, mode: &str) {
    let mut stop = pg_command(bin, "pg_ctl", as_postgres);
    stop.args(["-D"]).arg(data).args(["-m", mode, "-w", "stop"]);
    let _ = stop.output();
}

fn run(mut c: Command, what: &str) -> Result<()> {
    let out = c.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!("{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

impl Server {
    /// `BENCH_DATABASE_URL` when set; otherwise a new cluster on tmpfs, listening on 127.0.0.1:54329.
    pub fn start() -> Result<Server> {
        if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
            return Ok(Server {
                admin_url: url,
                description: "the server at BENCH_DATABASE_URL".into(),
                started: None,
            });
        }
        let out = Command::new("pg_config").arg("--bindir").output().context("running pg_config")?;
        let bin = PathBuf::from(String::from_utf8(out.stdout)?.trim());
        // Debian's pg_config names the client's bindir; the server programs live beside it.
        let bin = if bin.join("initdb").exists() {
            bin
        } else {
            std::fs::read_dir("/usr/lib/postgresql")?
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .find(|b| b.join("initdb").exists())
                .context("no initdb found (pg_config --bindir, /usr/lib/postgresql/*/bin)")?
        };
        let as_postgres = unsafe { libc::geteuid() } == 0;
        // A run that was interrupted (Ctrl-C skips `Drop`) left its cluster running on the port.
        for old in std::fs::read_dir("/dev/shm")?.filter_map(|e| e.ok()) {
            if old.file_name().to_string_lossy().starts_with("migrate-bench-pg-") {
                eprintln!("stopping and removing the cluster an interrupted run left: {}", old.path().display());
                stop(&bin, &old.path(), as_postgres, "immediate");
                std::fs::remove_dir_all(old.path())?;
            }
        }
        let data = PathBuf::from(format!("/dev/shm/migrate-bench-pg-{}", std::process::id()));
        std::fs::create_dir_all(&data)?;
        if as_postgres {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&data);
                    c
                },
                "chown",
            )?;
        }
        let mut initdb = pg_command(&bin, "initdb", as_postgres);
        initdb.args(["-D"]).arg(&data).args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"]);
        run(initdb, "initdb")?;
        let mut start = pg_command(&bin, "pg_ctl", as_postgres);
        start
            .args(["-D"])
            .arg(&data)
            .args(["-w", "-l"])
            .arg(data.join("log"))
            .args(["-o", &format!("-p 54329 -c listen_addresses=127.0.0.1 -k {}", data.display())])
            .arg("start");
        let server = Server {
            admin_url: "postgres://postgres@127.0.0.1:54329/postgres".into(),
            description: format!("a PostgreSQL cluster on tmpfs ({}), default settings", data.display()),
            started: Some(Started { bin, data, as_postgres }),
        };
        run(start, "pg_ctl start")?;
        Ok(server)
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        match self.admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => self.admin_url.clone(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = &self.started {
            stop(&s.bin, &s.data, s.as_postgres, "fast");
            let _ = std::fs::remove_dir_all(&s.data);
        }
    }
}
