//! `cargo run --release -p migrate-bench -- perf [N ...]`: the cost of the tool next to the server's
//! own work. For each N (default 500 5000 10000) it generates a crate of N Rust migrations (each a
//! table with a uuid primary key defaulting to gen_random_uuid(), a unique text column, a timestamptz
//! defaulting to now() and an index; every fifth also adds a column to an earlier table), builds its
//! binary (release), then, 5 times on a fresh database of the benchmark's server ([`Server`]):
//! - apply: the binary's `up` against `psql` running the same SQL (from the binary's `sql up`), one
//!   transaction per migration in one session — the floor;
//! - status: the binary's `status` with N applied;
//! - peak memory (max RSS) of both.
//!
//! Prints a Markdown table: median, min, max, the ratio to psql in the same run, peak memory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cluster::Server;

pub const RUNS: usize = 5;

/// The checkout whose crates the generated crates are built against: this one, or the one
/// The generated crate's dependency on migrate-core in the checkout at `root`: its package is
/// `migrate-pg-core` since session 11, `migrate-core` in earlier checkouts (measured side by side).
pub fn core_dependency(root: &std::path::Path) -> String {
    let manifest = std::fs::read_to_string(root.join("migrate-core/Cargo.toml")).unwrap_or_default();
    let package = if manifest.contains("name = \"migrate-pg-core\"") { "package = \"migrate-pg-core\", " } else { "" };
    format!("migrate-core = {{ {package}path = \"{}/migrate-core\" }}", root.display())
}

/// `MIGRATE_BENCH_ROOT` names (to measure an earlier commit with this same program).
pub fn checkout_root() -> Result<PathBuf> {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    Ok(std::env::var_os("MIGRATE_BENCH_ROOT").map(PathBuf::from).unwrap_or(own).canonicalize()?)
}

/// Writes the generated crate (idempotent: files are rewritten only when their content changes).
pub fn generate(dir: &Path, n: usize) -> Result<()> {
    let root = checkout_root()?;
    let migrations = dir.join("src/migrations");
    std::fs::create_dir_all(&migrations)?;
    let write = |path: PathBuf, text: String| -> Result<()> {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(&text) {
            std::fs::write(&path, text)?;
        }
        Ok(())
    };
    write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"perf-gen-m{n}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\n{core}\nmigrate-cli = {{ path = \"{r}/migrate-cli\" }}\n\n\
             [build-dependencies]\nmigrate-build = {{ path = \"{r}/migrate-build\" }}\n",
            r = root.display(),
            core = core_dependency(&root),
        ),
    )?;
    write(
        dir.join("build.rs"),
        "fn main() {\n    migrate_build::generate_module_list(\"src/migrations\");\n}\n".into(),
    )?;
    write(
        dir.join("src/lib.rs"),
        "pub mod migrations {\n    include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));\n}\n".into(),
    )?;
    write(
        dir.join("src/main.rs"),
        format!("use perf_gen_m{n} as _;\n\nfn main() -> std::process::ExitCode {{\n    migrate_cli::run()\n}}\n"),
    )?;
    for i in 0..n {
        write(migrations.join(file_name(i)), migration_source(i, ""))?;
    }
    Ok(())
}

/// The file of the `i`th generated migration.
pub fn file_name(i: usize) -> String {
    format!("m{}_create_t{i}.rs", 20240101000000u64 + i as u64)
}

/// The `i`th generated migration, with `more` added to its table's body.
pub fn migration_source(i: usize, more: &str) -> String {
    let extra = if i % 5 == 4 {
        format!("    s.alter_table(\"t{}\", |t| {{\n        t.text(\"extra_{i}\");\n    }});\n", i / 2)
    } else {
        String::new()
    };
    format!(
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {{\n    s.create_table(\"t{i}\", |t| {{\n        \
             t.uuid(\"id\").primary_key().default(gen_random_uuid());\n        t.text(\"name\").not_null().unique();\n        \
             t.timestamptz(\"created_at\").not_null().default(now());\n{more}    }});\n    s.create_index(\"t{i}\", [col(\"created_at\")]);\n{extra}}}\n"
    )
}

pub fn psql(url: &str, args: &[&str]) -> Result<std::process::Output> {
    let out = Command::new("psql").arg(url).args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]).args(args).output()?;
    if !out.status.success() {
        bail!("psql {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out)
}

pub fn fresh_db(server: &Server, name: &str) -> Result<()> {
    psql(
        &server.admin_url,
        &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), "-c", &format!("CREATE DATABASE {name}")],
    )?;
    Ok(())
}

/// A whole process: wall time and peak memory.
pub struct Measured {
    pub took: Duration,
    pub max_rss_kib: u64,
}

/// The measuring mode: `migrate-bench <program> <args>` with `MIGRATE_BENCH_MEASURE=<file>` runs the
/// program and writes `<ms> <max_rss_kib>` to the file. Returns `None` when not in this mode.
///
/// Measuring goes through this small process because a child's max RSS starts at its parent's RSS
/// when it was started (Linux records the pre-exec memory as the high-water mark): measured straight
/// from the benchmark, which holds workloads in memory, every program would seem at least as large.
pub fn measure_wrapper() -> Option<i32> {
    let report = std::env::var_os("MIGRATE_BENCH_MEASURE")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (program, rest) = args.split_first()?;
    let start = Instant::now();
    let child = Command::new(program).args(rest).env_remove("MIGRATE_BENCH_MEASURE").spawn().ok()?;
    let (code, usage) = wait_for(child.id());
    let took = start.elapsed();
    std::fs::write(report, format!("{} {}", took.as_nanos(), usage.ru_maxrss)).ok()?;
    Some(code)
}

/// Waits for child `pid`: its exit code (1 when it did not exit normally or could not be waited for)
/// and resource usage.
pub fn wait_for(pid: u32) -> (i32, libc::rusage) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child (std's handle is never waited on), writing into locals.
        if unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) } >= 0 {
            return (if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 1 }, usage);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            eprintln!("waiting for process {pid}: {e}");
            return (1, usage);
        }
    }
}

/// Runs `program args` to completion (output to `log`) through the measuring mode: wall time and
/// peak memory (max RSS).
pub fn measure(program: &Path, args: &[&str], envs: &[(&str, &str)], log: &Path) -> Result<Measured> {
    let out = std::fs::File::create(log)?;
    let report = log.with_extension("measure");
    let status = Command::new(std::env::current_exe()?)
        .arg(program)
        .args(args)
        .envs(envs.iter().copied())
        .env("MIGRATE_BENCH_MEASURE", &report)
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .status()?;
    if !status.success() {
        bail!(
            "{} {args:?} failed (see {}): {}",
            program.display(),
            log.display(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
    let text = std::fs::read_to_string(&report)?;
    let (ns, kib) = text.split_once(' ').context("the measuring process wrote no figures")?;
    Ok(Measured { took: Duration::from_nanos(ns.parse()?), max_rss_kib: kib.parse()? })
}

pub fn run_bin(bin: &Path, url: &str, args: &[&str], log: &Path) -> Result<Measured> {
    measure(bin, args, &[("DATABASE_URL", url), ("NO_COLOR", "1")], log)
}

/// [`run_bin`] with the settings of `folder`'s migrate.toml (`--config`).
pub fn run_bin_in(bin: &Path, folder: &Path, url: &str, args: &[&str], log: &Path) -> Result<Measured> {
    let config = folder.join("migrate.toml");
    let mut all = vec!["--config", config.to_str().unwrap_or_default()];
    all.extend_from_slice(args);
    measure(bin, &all, &[("DATABASE_URL", url), ("NO_COLOR", "1")], log)
}

/// The binary's `sql up`, one transaction per migration.
fn psql_script(bin: &Path) -> Result<String> {
    let out = Command::new(bin).args(["sql", "up"]).env("NO_COLOR", "1").output()?;
    if !out.status.success() {
        bail!("sql up failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut script = String::new();
    let mut open = false;
    for line in String::from_utf8(out.stdout)?.lines() {
        if line.starts_with("-- m") {
            if !line.ends_with("(one transaction)") {
                bail!("the workload should be transactional: {line}");
            }
            if open {
                script.push_str("COMMIT;\n");
            }
            script.push_str("BEGIN;\n");
            open = true;
        } else {
            script.push_str(line);
            script.push('\n');
        }
    }
    if open {
        script.push_str("COMMIT;\n");
    }
    Ok(script)
}

/// `(median, min, max)` in seconds.
pub fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    (v[v.len() / 2].as_secs_f64(), v[0].as_secs_f64(), v[v.len() - 1].as_secs_f64())
}

/// Table cells: median, min and max in ms, with `decimals` digits.
pub fn cells(v: Vec<Duration>, decimals: usize) -> String {
    let (med, min, max) = stats(v);
    format!("{:.decimals$} ms | {:.decimals$} ms | {:.decimals$} ms", med * 1e3, min * 1e3, max * 1e3)
}

/// A table row: median, min, max in ms, and the ratio of the median to `reference`.
pub fn row(name: &str, v: Vec<Duration>, reference: Option<f64>) -> String {
    let ratio = reference.map_or("—".to_string(), |r| format!("{:.2}x", stats(v.clone()).0 / r));
    format!("| {name} | {} | {ratio} |", cells(v, 1))
}

/// Where the generated crates live; they share one target directory, so dependencies build once.
pub fn gen_dir(n: usize) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/perf-gen").join(format!("m{n}"))
}

pub fn gen_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/perf-gen/target")
}

/// `cargo` in the generated crate `dir`, on the shared target directory.
pub fn cargo(dir: &Path) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(dir).env("CARGO_TARGET_DIR", gen_target());
    c
}

/// The release binary of the generated crate of `n` migrations, built if needed.
pub fn binary(n: usize) -> Result<PathBuf> {
    let dir = gen_dir(n);
    generate(&dir, n)?;
    eprintln!("building the {n}-migration binary (release) in {}", dir.display());
    let status = cargo(&dir).args(["build", "--release", "-q"]).status().context("running cargo")?;
    if !status.success() {
        bail!("building the generated crate failed");
    }
    Ok(gen_target().join(format!("release/perf-gen-m{n}")))
}

/// What one size measured.
pub struct Sized {
    pub n: usize,
    pub psql: Vec<Duration>,
    pub up: Vec<Measured>,
    pub status: Vec<Measured>,
}

/// Apply and status for `n` migrations (binary `bin`): `RUNS` times on a fresh database, psql then
/// the binary's `up` then `status`.
pub fn measure_size(server: &Server, n: usize, bin: &Path) -> Result<Sized> {
    let dir = gen_dir(n);
    let script = psql_script(bin)?;
    let script_path = dir.join("up.sql");
    std::fs::write(&script_path, &script)?;
    let name = format!("migrate_perf_{}", std::process::id());
    let url = server.url(&name);
    let log = dir.join("last-run.log");
    let mut out = Sized { n, psql: vec![], up: vec![], status: vec![] };
    for i in 0..RUNS {
        eprintln!("{n} migrations: run {}/{RUNS}", i + 1);
        fresh_db(server, &name)?;
        let start = Instant::now();
        psql(&url, &["-f", script_path.to_str().unwrap()])?;
        out.psql.push(start.elapsed());
        fresh_db(server, &name)?;
        out.up.push(run_bin(bin, &url, &["up"], &log)?);
        out.status.push(run_bin(bin, &url, &["status"], &log)?);
    }
    psql(&server.admin_url, &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])?;
    Ok(out)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn peak(v: &[Measured]) -> u64 {
    v.iter().map(|m| m.max_rss_kib).max().unwrap_or(0)
}

/// The apply/status/memory table for several sizes, measured against `server`. The binaries are all
/// built first (so no build runs beside a measurement); each size's rows print as soon as measured.
pub fn run(server: &Server, sizes: &[usize]) -> Result<()> {
    let bins: Vec<PathBuf> = sizes.iter().map(|&n| binary(n)).collect::<Result<_>>()?;
    println!("Server: {}.\n", server.description);
    println!("| {RUNS} runs each | median | min | max | ratio to psql | peak memory (max RSS) |");
    println!("|---|---|---|---|---|---|");
    let mut results = Vec::new();
    for (&n, bin) in sizes.iter().zip(&bins) {
        let r = measure_size(server, n, bin)?;
        let floor = stats(r.psql.clone()).0;
        println!("{} — |", row(&format!("psql, {n} migrations, one transaction each (floor)"), r.psql.clone(), None));
        let up =
            row(&format!("`up`, {n} migrations (whole process)"), r.up.iter().map(|m| m.took).collect(), Some(floor));
        println!("{up} {:.1} MiB |", mib(peak(&r.up)));
        let status =
            row(&format!("`status`, {n} applied (whole process)"), r.status.iter().map(|m| m.took).collect(), None);
        println!("{status} {:.1} MiB |", mib(peak(&r.status)));
        results.push(r);
    }
    let us: Vec<String> = results
        .iter()
        .map(|r| {
            let extra = stats(r.up.iter().map(|m| m.took).collect()).0 - stats(r.psql.clone()).0;
            format!("{} migrations: {:.0} µs", r.n, extra / r.n as f64 * 1e6)
        })
        .collect();
    println!("\nTime `up` adds per migration over psql (medians): {}.", us.join(", "));
    Ok(())
}
