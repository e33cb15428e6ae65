//! A PgBouncer in transaction mode in front of the test server, for the tests of runs through a
//! pooler. `.ci/run` installs PgBouncer from the system packages when it is missing.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running PgBouncer (`pool_mode = transaction`), stopped and its folder removed when dropped.
pub struct Pooler {
    child: Child,
    dir: crate::ScratchDir,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

/// The PgBouncer program: on PATH, or where Debian's package puts it.
fn program() -> PathBuf {
    let on_path = Command::new("sh").args(["-c", "command -v pgbouncer"]).output().ok();
    match on_path.filter(|o| o.status.success()) {
        Some(o) => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        None => {
            let debian = PathBuf::from("/usr/sbin/pgbouncer");
            assert!(
                debian.exists(),
                "PgBouncer is not installed: `bash .ci/run` installs it (apt-get install pgbouncer)"
            );
            debian
        }
    }
}

impl Pooler {
    /// Starts one in front of 127.0.0.1:5432 for every database, with `pool_size` server
    /// connections per database and user. PgBouncer refuses to run as root: when the tests run as
    /// root it drops to the `postgres` OS user (`user` setting).
    pub fn start(pool_size: u32) -> Pooler {
        let dir = crate::scratch_dir("pgbouncer");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = dir.display().to_string();
        let as_root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
        std::fs::write(dir.join("userlist.txt"), "\"postgres\" \"\"\n").unwrap();
        std::fs::write(
            dir.join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host=127.0.0.1 port=5432\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {d}/userlist.txt\npool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\nlogfile = {d}/pgbouncer.log\nserver_lifetime = 3600\n{}",
                if as_root { "user = postgres\n" } else { "" }
            ),
        )
        .unwrap();
        if as_root {
            // The postgres user reads the files and writes the log.
            let _ = Command::new("chown").args(["-R", "postgres", &d]).status();
        }
        let child = Command::new(program())
            .arg(dir.join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting pgbouncer");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "pgbouncer did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Pooler { child, dir, port }
    }

    /// The URL of database `db` through the pooler.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
