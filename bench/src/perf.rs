//! `cargo run --release -p migrate-bench -- perf [N]`: the cost of the tool next to the server's own
//! work. Generates a crate of N Rust migrations (default 500; each a table with a uuid primary key
//! defaulting to gen_random_uuid(), a unique text column, a timestamptz defaulting to now() and an
//! index; every fifth also adds a column to an earlier table), builds its binary (release), then, over
//! several runs on fresh databases, times:
//! - apply: the binary's `up` against `psql` running the same SQL (from the binary's `sql up`), one
//!   transaction per migration in one session — the floor;
//! - status: the binary's `status` with N applied (whole process).
//!
//! Prints a Markdown table: median, min, max, and the ratio to psql in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const RUNS: usize = 5;

/// Writes the generated crate (idempotent: files are rewritten only when their content changes).
fn generate(dir: &Path, n: usize) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().canonicalize()?;
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
            "[package]\nname = \"perf-gen\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\nmigrate-core = {{ path = \"{r}/migrate-core\" }}\nmigrate-cli = {{ path = \"{r}/migrate-cli\" }}\n\n\
             [build-dependencies]\nmigrate-build = {{ path = \"{r}/migrate-build\" }}\n",
            r = root.display()
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
        "use perf_gen as _;\n\nfn main() -> std::process::ExitCode {\n    migrate_cli::run()\n}\n".into(),
    )?;
    for i in 0..n {
        let extra = if i % 5 == 4 {
            format!("    s.alter_table(\"t{}\", |t| {{\n        t.text(\"extra_{i}\");\n    }});\n", i / 2)
        } else {
            String::new()
        };
        write(
            migrations.join(format!("m{}_create_t{i}.rs", 20240101000000u64 + i as u64)),
            format!(
                "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {{\n    s.create_table(\"t{i}\", |t| {{\n        \
                 t.uuid(\"id\").primary_key().default(gen_random_uuid());\n        t.text(\"name\").not_null().unique();\n        \
                 t.timestamptz(\"created_at\").not_null().default(now());\n    }});\n    s.create_index(\"t{i}\", [col(\"created_at\")]);\n{extra}}}\n"
            ),
        )?;
    }
    Ok(())
}

fn admin_url() -> String {
    std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn db_url(name: &str) -> String {
    let admin = admin_url();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => admin,
    }
}

fn psql(url: &str, args: &[&str]) -> Result<std::process::Output> {
    let out = Command::new("psql").arg(url).args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]).args(args).output()?;
    if !out.status.success() {
        bail!("psql {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out)
}

fn fresh_db(name: &str) -> Result<()> {
    psql(
        &admin_url(),
        &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), "-c", &format!("CREATE DATABASE {name}")],
    )?;
    Ok(())
}

fn run_bin(bin: &Path, url: &str, args: &[&str]) -> Result<Duration> {
    let start = Instant::now();
    let out = Command::new(bin).args(args).env("DATABASE_URL", url).env("NO_COLOR", "1").output()?;
    let took = start.elapsed();
    if !out.status.success() {
        bail!("{} {args:?} failed: {}", bin.display(), String::from_utf8_lossy(&out.stderr));
    }
    Ok(took)
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
fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    (v[v.len() / 2].as_secs_f64(), v[0].as_secs_f64(), v[v.len() - 1].as_secs_f64())
}

fn row(name: &str, v: Vec<Duration>, reference: Option<f64>) -> String {
    let (med, min, max) = stats(v);
    let ratio = reference.map_or("—".to_string(), |r| format!("{:.2}x", med / r));
    format!("| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {ratio} |", med * 1e3, min * 1e3, max * 1e3)
}

pub fn run(n: usize) -> Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/perf-gen").join(format!("m{n}"));
    generate(&dir, n)?;
    eprintln!("building the {n}-migration binary (release) in {}", dir.display());
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-q"])
        .current_dir(&dir)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("building the generated crate failed");
    }
    let bin = dir.join("target/release/perf-gen");
    let script = psql_script(&bin)?;
    let script_path = dir.join("up.sql");
    std::fs::write(&script_path, &script)?;
    let name = format!("migrate_perf_{}", std::process::id());
    let url = db_url(&name);
    let (mut ours, mut floor, mut status) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..RUNS {
        eprintln!("run {}/{RUNS}", i + 1);
        fresh_db(&name)?;
        let start = Instant::now();
        psql(&url, &["-f", script_path.to_str().unwrap()])?;
        floor.push(start.elapsed());
        fresh_db(&name)?;
        ours.push(run_bin(&bin, &url, &["up"])?);
        status.push(run_bin(&bin, &url, &["status"])?);
    }
    psql(&admin_url(), &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])?;
    let reference = stats(floor.clone()).0;
    println!("| {n} migrations, {RUNS} runs | median | min | max | ratio to psql |");
    println!("|---|---|---|---|---|");
    println!("{}", row("psql, one transaction per migration (floor)", floor, None));
    println!("{}", row("`up` (whole process: lint, plan, apply, history)", ours, Some(reference)));
    println!("{}", row(&format!("`status` with {n} applied (whole process)"), status, None));
    Ok(())
}
