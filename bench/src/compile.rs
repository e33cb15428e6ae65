//! `cargo run --release -p migrate-bench -- compile [N]`: compile time and rustc peak memory of the
//! generated crate of N Rust migrations (default 500), dev profile, its dependencies already built:
//! a clean build of the crate, a rebuild after editing one migration, after adding one, the binary
//! that links it (link time included), and the macro's expanded size per migration.
//! `MIGRATE_BENCH_ROOT` builds it against another checkout's crates (see `perf::checkout_root`).
//!
//! Every rustc runs under this program as `RUSTC_WRAPPER`, which records each compilation's crate,
//! wall time and peak memory (max RSS, from `wait4`): so the figures are the crate's own rustc, not
//! cargo's bookkeeping, which is reported beside them.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::perf::{cargo, cells, gen_dir, generate, migration_source};

const ENV_LOG: &str = "MIGRATE_BENCH_RUSTC_LOG";

/// The wrapper mode: `migrate-bench <rustc> <args>` with `MIGRATE_BENCH_RUSTC_LOG` set runs rustc and
/// appends `crate<TAB>ms<TAB>max_rss_kib` to that file. Returns `None` when not in wrapper mode.
pub fn wrapper() -> Option<i32> {
    let log = std::env::var_os(ENV_LOG)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (rustc, rest) = args.split_first()?;
    let start = Instant::now();
    let child = Command::new(rustc).args(rest).spawn().ok()?;
    // rustc is started from this small process, not from cargo: its max RSS is its own (see
    // `perf::measure_wrapper`).
    let (code, usage) = crate::perf::wait_for(child.id());
    let took = start.elapsed();
    let name = rest.iter().position(|a| a == "--crate-name").and_then(|i| rest.get(i + 1));
    if let Some(name) = name
        && let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log)
    {
        let kind = if rest.iter().any(|a| a == "build_script_build") || name == "build_script_build" {
            "build-script"
        } else if rest.windows(2).any(|w| w[0] == "--crate-type" && w[1] == "bin") {
            "bin"
        } else {
            "lib"
        };
        let _ = writeln!(f, "{name}\t{kind}\t{}\t{}", took.as_millis(), usage.ru_maxrss);
    }
    Some(code)
}

/// One rustc run from the log.
struct Rustc {
    krate: String,
    kind: String,
    ms: u64,
    rss_kib: u64,
}

fn read_log(path: &Path) -> Vec<Rustc> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            // A line two rustc runs wrote into at once is not one of the four fields: skipped (it is
            // a dependency's or a build script's; the crate's own runs are one at a time).
            let f: Vec<&str> = l.split('\t').collect();
            let [krate, kind, ms, rss] = f[..] else { return None };
            Some(Rustc { krate: krate.into(), kind: kind.into(), ms: ms.parse().ok()?, rss_kib: rss.parse().ok()? })
        })
        .collect()
}

struct Build {
    wall: Duration,
    /// The generated crate's own rustc runs (lib, bin, build script).
    ours: Vec<Rustc>,
}

impl Build {
    fn rustc(&self, kind: &str) -> Duration {
        Duration::from_millis(self.ours.iter().filter(|r| r.kind == kind).map(|r| r.ms).sum())
    }
    fn rss(&self, kind: &str) -> u64 {
        self.ours.iter().filter(|r| r.kind == kind).map(|r| r.rss_kib).max().unwrap_or(0)
    }
}

/// `cargo build <args>` in the generated crate with the wrapper.
fn build(dir: &Path, krate: &str, args: &[&str]) -> Result<Build> {
    let log = dir.join("rustc.log");
    let _ = std::fs::remove_file(&log);
    let start = Instant::now();
    let out = cargo(dir)
        .arg("build")
        .args(args)
        .env("RUSTC_WRAPPER", std::env::current_exe()?)
        .env(ENV_LOG, &log)
        .output()
        .context("running cargo")?;
    let wall = start.elapsed();
    if !out.status.success() {
        bail!("cargo build {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ours = read_log(&log).into_iter().filter(|r| r.krate == krate || r.kind == "build-script").collect();
    Ok(Build { wall, ours })
}

pub fn run(n: usize) -> Result<()> {
    const RUNS: usize = 5;
    let dir = gen_dir(n);
    generate(&dir, n)?;
    let krate = format!("perf_gen_m{n}");
    eprintln!("building the {n}-migration crate and its dependencies (dev profile) in {}", dir.display());
    build(&dir, &krate, &[])?;

    let (mut clean, mut clean_rustc, mut clean_rss, mut clean_script) = (vec![], vec![], 0, vec![]);
    for i in 0..RUNS {
        eprintln!("clean build {}/{RUNS}", i + 1);
        let status = cargo(&dir).args(["clean", "-q", "--profile", "dev", "-p", &format!("perf-gen-m{n}")]).status()?;
        anyhow::ensure!(status.success(), "cargo clean failed");
        let b = build(&dir, &krate, &["--lib"])?;
        clean.push(b.wall);
        clean_rustc.push(b.rustc("lib"));
        clean_script.push(b.rustc("build-script"));
        clean_rss = clean_rss.max(b.rss("lib"));
    }

    let file = dir.join("src/migrations").join(crate::perf::file_name(n / 2));
    let (mut edit, mut edit_rustc, mut edit_rss, mut link, mut link_bin) = (vec![], vec![], 0, vec![], vec![]);
    for i in 0..RUNS {
        eprintln!("edit one migration {}/{RUNS}", i + 1);
        std::fs::write(&file, migration_source(n / 2, &format!("        t.text(\"note_{i}\");\n")))?;
        let b = build(&dir, &krate, &["--lib"])?;
        edit.push(b.wall);
        edit_rustc.push(b.rustc("lib"));
        edit_rss = edit_rss.max(b.rss("lib"));
        std::fs::write(&file, migration_source(n / 2, &format!("        t.text(\"other_{i}\");\n")))?;
        let b = build(&dir, &krate, &[])?;
        link.push(b.wall);
        link_bin.push(b.rustc("bin"));
    }
    std::fs::write(&file, migration_source(n / 2, ""))?;

    let added = dir.join("src/migrations").join(crate::perf::file_name(n));
    let (mut add, mut add_rustc, mut add_rss) = (vec![], vec![], 0);
    for i in 0..RUNS {
        eprintln!("add one migration {}/{RUNS}", i + 1);
        std::fs::write(&added, migration_source(n, ""))?;
        let b = build(&dir, &krate, &["--lib"])?;
        add.push(b.wall);
        add_rustc.push(b.rustc("lib"));
        add_rss = add_rss.max(b.rss("lib"));
        std::fs::remove_file(&added)?;
        build(&dir, &krate, &["--lib"])?;
    }

    eprintln!("expanding the crate's macros");
    let out = cargo(&dir)
        .args(["rustc", "-q", "--lib", "--profile", "check", "--", "-Zunpretty=expanded"])
        .env("RUSTC_BOOTSTRAP", "1")
        .output()?;
    let expanded = if out.status.success() { Some(out.stdout.len()) } else { None };
    let source: u64 =
        std::fs::read_dir(dir.join("src/migrations"))?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();

    let mib = |k: u64| k as f64 / 1024.0;
    println!("| {n}-migration crate, dev profile, {RUNS} runs | median | min | max | rustc peak memory |");
    println!("|---|---|---|---|---|");
    println!("| clean build: the crate's rustc | {} | {:.0} MiB |", cells(clean_rustc, 0), mib(clean_rss));
    println!(
        "| clean build: its build script (compile + run, in cargo's time below) | {} | — |",
        cells(clean_script, 0)
    );
    println!("| clean build: whole `cargo build --lib` | {} | — |", cells(clean, 0));
    println!("| edit one migration: the crate's rustc | {} | {:.0} MiB |", cells(edit_rustc, 0), mib(edit_rss));
    println!("| edit one migration: whole `cargo build --lib` | {} | — |", cells(edit, 0));
    println!("| add one migration: the crate's rustc | {} | {:.0} MiB |", cells(add_rustc, 0), mib(add_rss));
    println!("| add one migration: whole `cargo build --lib` | {} | — |", cells(add, 0));
    println!("| edit one migration, then the binary: its rustc (link included) | {} | — |", cells(link_bin, 0));
    println!("| edit one migration, then the binary: whole `cargo build` | {} | — |", cells(link, 0));
    match expanded {
        Some(bytes) => println!(
            "\nMacro expansion: {:.0} bytes of expanded code per migration (source: {:.0} bytes per migration).",
            bytes as f64 / n as f64,
            source as f64 / n as f64
        ),
        None => println!("\nMacro expansion: not measured ({}).", String::from_utf8_lossy(&out.stderr).trim()),
    }
    Ok(())
}
