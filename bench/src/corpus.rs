//! `cargo run --release -p migrate-bench -- corpus`: the real history of `tests/corpus/` (the Rust
//! package registry's 285 diesel migrations, SQL only) imported with `import --from diesel` into a
//! crate, then, 5 times on a fresh database of the benchmark's server: psql applying the same files
//! (one transaction per migration, as diesel runs them; none for `run_in_transaction = false`) — the
//! floor —, the crate's `up`, and its `status` with the 285 applied.
//!
//! `MIGRATE_BENCH_ROOT=/path/to/an/other/checkout` builds the crate against that checkout's crates
//! instead of this one's, so an earlier commit is measured by the same program (side by side, in
//! alternating runs of this program).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cluster::Server;
use crate::perf::{RUNS, cargo, fresh_db, gen_target, psql, row, run_bin, stats};

/// The checkout whose crates the corpus crate is built against, and a short name for it.
fn root() -> Result<(PathBuf, String)> {
    let root = crate::perf::checkout_root()?;
    let tag: String = root
        .file_name()
        .map(|n| n.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect())
        .unwrap_or_else(|| "root".into());
    Ok((root, tag.to_lowercase()))
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/rust-registry-app/migrations")
}

/// Writes the crate (empty migrations folder), builds it, imports the corpus with its own `import`,
/// corrects the one down.sql PostgreSQL cannot read (a missing `;`), and builds it again. Returns the
/// release binary.
fn crate_dir(tag: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/perf-gen").join(format!("corpus-{tag}"))
}

fn build(root: &Path, tag: &str) -> Result<PathBuf> {
    let dir = crate_dir(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/migrations"))?;
    std::fs::write(dir.join("src/migrations/.gitkeep"), "")?;
    let name = format!("perf-gen-corpus-{tag}");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\n{core}\nmigrate-cli = {{ path = \"{r}/migrate-cli\" }}\n\n\
             [build-dependencies]\nmigrate-build = {{ path = \"{r}/migrate-build\" }}\n",
            r = root.display(),
            core = crate::perf::core_dependency(root),
        ),
    )?;
    std::fs::write(dir.join("migrate.toml"), "migrations = \".\"\n")?;
    std::fs::write(
        dir.join("build.rs"),
        "fn main() {\n    migrate_build::generate_module_list(\"src/migrations\");\n}\n",
    )?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub mod migrations {\n    include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));\n}\n",
    )?;
    let krate = name.replace('-', "_");
    std::fs::write(
        dir.join("src/main.rs"),
        format!("use {krate} as _;\n\nfn main() -> std::process::ExitCode {{\n    migrate_cli::run()\n}}\n"),
    )?;
    let release = || -> Result<()> {
        eprintln!("building the corpus crate against {} (release)", root.display());
        let status = cargo(&dir).args(["build", "--release", "-q"]).status().context("running cargo")?;
        if !status.success() {
            bail!("building {} failed", dir.display());
        }
        Ok(())
    };
    release()?;
    let bin = gen_target().join("release").join(&name);
    let out = std::process::Command::new(&bin)
        .args(["import", "--from", "diesel"])
        .arg(corpus())
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()?;
    if !String::from_utf8_lossy(&out.stdout).starts_with("imported 285 migration(s)") {
        bail!("import failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    let broken = dir.join("src/migrations/m20170318181441_downloads_need_no_id/down.sql");
    let text = std::fs::read_to_string(&broken)?;
    std::fs::write(&broken, text.replacen("crate_downloads_pkey\n", "crate_downloads_pkey;\n", 1))?;
    release()?;
    Ok(bin)
}

/// The corpus as psql applies it: each up.sql in order, in a transaction unless diesel runs it
/// outside one.
fn psql_script() -> Result<String> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(corpus())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("up.sql").is_file())
        .collect();
    // In diesel's order: by version, its dashes dropped (the history mixes `2017-03-18-...` and
    // `20170318...` names).
    let version = |p: &PathBuf| {
        let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
        (name.split('_').next().unwrap_or_default().replace('-', ""), name)
    };
    folders.sort_by_key(version);
    let mut script = String::new();
    for f in folders {
        let up = std::fs::read_to_string(f.join("up.sql"))?;
        let alone = std::fs::read_to_string(f.join("metadata.toml"))
            .is_ok_and(|m| m.replace(' ', "").contains("run_in_transaction=false"));
        if alone {
            script.push_str(&format!("{up}\n;\n"));
        } else {
            script.push_str(&format!("BEGIN;\n{up}\n;\nCOMMIT;\n"));
        }
    }
    Ok(script)
}

pub fn run(server: &Server) -> Result<()> {
    let (root, tag) = root()?;
    let bin = build(&root, &tag)?;
    // The runs read the crate's migrate.toml, as a user's do: `import` set its lint baseline there
    // (the imported history is not checked again).
    std::env::set_current_dir(crate_dir(&tag))?;
    let dir = bin.parent().unwrap().to_path_buf();
    let script_path = dir.join(format!("corpus-{tag}.sql"));
    std::fs::write(&script_path, psql_script()?)?;
    let name = format!("migrate_corpus_{}", std::process::id());
    let url = server.url(&name);
    let log = dir.join(format!("corpus-{tag}.log"));
    let (mut floor, mut up, mut status) = (vec![], vec![], vec![]);
    for i in 0..RUNS {
        eprintln!("corpus: run {}/{RUNS}", i + 1);
        fresh_db(server, &name)?;
        let start = Instant::now();
        psql(&url, &["-f", script_path.to_str().unwrap()])?;
        floor.push(start.elapsed());
        fresh_db(server, &name)?;
        up.push(run_bin(&bin, &url, &["up"], &log)?.took);
        status.push(run_bin(&bin, &url, &["status"], &log)?.took);
    }
    psql(&server.admin_url, &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])?;
    println!("Server: {}. Crates of {}.\n", server.description, root.display());
    println!("| {RUNS} runs each | median | min | max | ratio to psql |");
    println!("|---|---|---|---|---|");
    let reference = stats(floor.clone()).0;
    println!("{}", row("psql, the corpus's 285 up.sql (floor)", floor, None));
    println!("{}", row("`up`, the imported corpus (whole process)", up, Some(reference)));
    println!("{}", row("`status`, 285 applied (whole process)", status, None));
    Ok(())
}
