//! Test support: a throwaway database per test, applying ops, and a text snapshot of the catalog.
//!
//! The server comes from `MIGRATE_TEST_DATABASE_URL` (default: the local PostgreSQL on 127.0.0.1:5432
//! as `postgres`). Each [`TestDb`] creates its own database and drops it when dropped, so tests run in
//! parallel.

pub mod pooler;
use std::sync::atomic::{AtomicU32, Ordering};

use migrate_core::op::Op;
use migrate_core::registry::{Down, Migration};
use migrate_core::render::render_ops;
use migrate_core::schema::mode::ExplicitDown;
use tokio_postgres::{Client, NoTls};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The admin connection string (a database that exists: `postgres`).
pub fn admin_url() -> String {
    std::env::var("MIGRATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=postgres".into())
}

async fn connect(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL ({url}): {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A new connection to the test database `db`.
pub async fn connect_to(db: &str) -> Client {
    connect(&format!("{} dbname={db}", admin_url())).await
}

/// A database created for one test and dropped after it.
pub struct TestDb {
    pub name: String,
    pub client: Client,
}

impl TestDb {
    /// Creates a fresh database named after `tag`, the process and a counter, and connects to it.
    pub async fn new(tag: &str) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("mt_{tag}_{}_{n}", std::process::id());
        let admin = connect(&admin_url()).await;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        let client = connect(&format!("{} dbname={name}", admin_url())).await;
        TestDb { name, client }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside async context: a short-lived runtime on its own thread does the cleanup,
        // even when the test panicked.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let admin = connect(&admin_url()).await;
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            });
        })
        .join();
    }
}

/// Many databases created for one test and dropped after it, without a connection held to each (the
/// server allows 100 connections).
pub struct ManyDbs {
    pub names: Vec<String>,
}

impl ManyDbs {
    pub async fn new(tag: &str, n: usize) -> ManyDbs {
        let admin = connect(&admin_url()).await;
        let mut names = Vec::new();
        for _ in 0..n {
            let name = format!("mt_{tag}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
            admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            names.push(name);
        }
        ManyDbs { names }
    }
}

impl Drop for ManyDbs {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let admin = connect(&admin_url()).await;
                for name in names {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                }
            });
        })
        .join();
    }
}

/// Executes ops on the server: transactional statements in one transaction, the others (e.g.
/// `CREATE INDEX CONCURRENTLY`) on their own. Returns the server's error with the failing statement.
pub async fn apply(client: &Client, ops: &[Op]) -> Result<(), String> {
    let mut batch = String::new();
    for st in render_ops(ops) {
        if st.transactional {
            batch.push_str(&st.sql);
            batch.push_str(";\n");
        } else {
            flush(client, &mut batch).await?;
            client.batch_execute(&st.sql).await.map_err(|e| describe(&e, &st.sql))?;
        }
    }
    flush(client, &mut batch).await
}

async fn flush(client: &Client, batch: &mut String) -> Result<(), String> {
    if batch.is_empty() {
        return Ok(());
    }
    let sql = format!("BEGIN;\n{batch}COMMIT;");
    let result = client.batch_execute(&sql).await.map_err(|e| describe(&e, batch));
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    batch.clear();
    result
}

fn describe(e: &tokio_postgres::Error, sql: &str) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}: {}\n{sql}", db.code().code(), db.message(), db.detail().unwrap_or("")),
        None => format!("{e}\n{sql}"),
    }
}

/// A text snapshot of everything the migrations can create in `schema`: tables and their columns
/// (type, nullability, default, identity, comment), constraints, indexes (with validity), table
/// comments, enums with their labels in order, views, functions, and the database's extensions. Two states are
/// the same schema exactly when their snapshots are equal.
pub async fn catalog(client: &Client, schema: &str) -> String {
    migrate_core::introspect::snapshot(client, schema, &[]).await.expect("catalog query").lines.join("\n")
}

/// A catalog snapshot without column positions: for comparisons after an explicit down that re-adds a
/// dropped column, which PostgreSQL can only append at the end of the table.
pub fn without_column_positions(catalog: &str) -> String {
    catalog
        .lines()
        .map(|l| match (l.starts_with("column "), l.find(" #")) {
            (true, Some(i)) => {
                let rest = &l[i + 2..];
                let skip = rest.find(' ').unwrap_or(rest.len());
                format!("{}{}", &l[..i], &rest[skip..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The URL of a test database (TLS `prefer`, as the CLI's default).
pub fn db_url(db: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{db}")
}

/// What a CLI run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with the whole output unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// A folder of its own for a test, removed with everything in it when dropped (a test leaves nothing
/// in the temp folder).
#[derive(Debug)]
pub struct ScratchDir(std::path::PathBuf);

impl std::ops::Deref for ScratchDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for ScratchDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A folder of its own for a CLI run, so no migrate.toml or .env of the repository is picked up;
/// removed when the returned guard is dropped.
pub fn scratch_dir(tag: &str) -> ScratchDir {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("migrate-test-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    ScratchDir(dir)
}

/// Runs a migrations binary with `DATABASE_URL` set (unless `url` is empty), in `dir`.
pub fn cli_in(dir: &std::path::Path, bin: &str, url: &str, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(bin);
    // As on a developer's machine: CI's own `CI` variable would change which database is chosen.
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1").env_remove("DATABASE_URL").env_remove("CI");
    // libpq's variables of the machine running the tests would name another database.
    for var in [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "PGAPPNAME",
        "PGPASSFILE",
    ] {
        cmd.env_remove(var);
    }
    if !url.is_empty() {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().unwrap_or_else(|e| panic!("cannot run {bin}: {e}")).into()
}

/// Starts a migrations binary in the background (its output discarded), with `DATABASE_URL` set, in
/// `dir`: for tests that kill it part-way.
pub fn spawn_in(dir: &std::path::Path, bin: &str, url: &str, args: &[&str]) -> std::process::Child {
    std::process::Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env_remove("CI")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
}

/// [`cli_in`] in a fresh scratch folder.
pub fn cli(bin: &str, url: &str, args: &[&str]) -> Run {
    cli_in(&scratch_dir("cli"), bin, url, args)
}

/// The history rows as `(version, state, step)`.
pub async fn history(client: &Client) -> Vec<(i64, String, i32)> {
    client
        .query("SELECT version, state, step FROM migrate_history ORDER BY version", &[])
        .await
        .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        .unwrap_or_default()
}

/// A migration built from a closure, for tests that drive the library without `#[migration]`: its
/// down is derived when the ops allow it, empty otherwise.
pub fn migration(
    version: u64,
    transaction: bool,
    f: impl FnOnce(&mut migrate_core::Schema<ExplicitDown>),
) -> Migration {
    let mut s = migrate_core::Schema::<ExplicitDown>::in_mode();
    f(&mut s);
    let up = s.finish().expect("valid ops");
    let down = match migrate_core::reverse::reverse_ops(&up) {
        Ok(ops) => Down::Derived(ops),
        Err(_) => Down::Explicit(vec![]),
    };
    Migration {
        version,
        name: format!("m{version}"),
        checksum: migrate_core::registry::checksum(&up, &down, transaction),
        up,
        down,
        transaction,
        checksum_format: 1,
        legacy_checksum: None,
        squashes: vec![],
        file: "test.rs",
        line: 1,
        acks: vec![],
        original: None,
        source: None,
    }
}

/// The user guide (`docs/guide/`): its Rust snippets are doctests of these items (`cargo test -p
/// migrate-tests --doc`); the integration test `guide` checks every other snippet and that each page
/// with Rust snippets is listed here.
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../../docs/guide/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../docs/guide/writing-migrations.md")]
    pub struct WritingMigrations;
    #[doc = include_str!("../../docs/guide/sql-migrations.md")]
    pub struct SqlMigrations;
    #[doc = include_str!("../../docs/guide/safety.md")]
    pub struct Safety;
    #[doc = include_str!("../../docs/guide/library.md")]
    pub struct Library;
}
