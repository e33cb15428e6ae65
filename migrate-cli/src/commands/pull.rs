//! `pull`: adopting the framework on an existing database. Writes a baseline migration that creates the
//! database's whole schema (builder code, formatted), records it as applied there, and sets
//! `lint_baseline` so history before the tool never blocks `up`. What the op model does not hold yet
//! (functions, triggers, sequences, ...) is named in warnings, and `pull` then exits 1.

use anstream::{eprintln, println};
use anyhow::{Context, Result, bail};
use migrate_core::registry::{Down, Migration, checksum};
use migrate_core::runner::{Migrator, Resolve};

use super::Ctx;
use crate::cli::PullArgs;

pub async fn run(ctx: &Ctx, args: PullArgs) -> Result<u8> {
    let (db, mut client) = ctx.connect().await?;
    let config = ctx.loaded.runner_config()?;
    let own = config.own_tables();
    let schema = match &config.schema {
        Some(s) => s.clone(),
        None => client.query_one("SELECT current_schema()::text", &[]).await?.get(0),
    };
    // The framework's tables, the other tools' history tables (diesel, sqlx, refinery) and
    // `ignore_tables` are not the application's schema.
    let mut ignore: Vec<&str> = own.iter().map(String::as_str).collect();
    ignore.extend(migrate_core::runner::FOREIGN_HISTORY_TABLES);
    ignore.extend(ctx.loaded.config.ignore_tables.iter().map(String::as_str));
    let crate::baseline::Baseline { ops, mut left_out } = crate::baseline::read(&client, &schema, &ignore).await?;
    // The baseline writes no owners and grants: when `drift` compares them, those a new database
    // would not get are named.
    if ctx.loaded.config.compare_privileges {
        let me: String = client.query_one("SELECT quote_ident(current_user)", &[]).await?.get(0);
        for line in migrate_core::introspect::privileges(&client, &schema, &ignore).await? {
            // What a new database has without a word: objects owned by the role that migrates, the
            // owner's own privileges, PUBLIC's EXECUTE on routines and USAGE on types, the schema.
            let not_made = if let Some(rest) = line.strip_prefix("owner ") {
                !rest.starts_with("schema ") && !line.ends_with(&format!(" {me}"))
            } else if line.starts_with("grant schema ") {
                false
            } else {
                let starts = |ks: &[&str]| ks.iter().any(|k| line.starts_with(k));
                let public = (starts(&["grant function ", "grant procedure "])
                    && line.ends_with(" to PUBLIC privileges=EXECUTE"))
                    || (starts(&["grant type ", "grant domain "]) && line.ends_with(" to PUBLIC privileges=USAGE"));
                !line.contains(" to OWNER privileges=") && !public
            };
            if not_made {
                left_out.push(format!("`{line}`: owners and grants are not in the baseline (compare_privileges = true); set them in a migration"));
            }
        }
    }
    if ops.is_empty() {
        bail!("the schema `{schema}` of {} is empty: there is nothing to pull", db.describe()?);
    }
    let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
    let version = crate::scaffold::timestamp_now();
    let name = args.name;
    let path = dir.join(format!("m{version}_{name}.rs"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(&path, crate::baseline::rust(&ops)?).with_context(|| format!("writing {}", path.display()))?;
    // Recorded as applied with the checksum the compiled file will have: the same ops.
    let down = Down::Derived(migrate_core::reverse::reverse_ops(&ops).map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let baseline = Migration {
        version,
        name: name.clone(),
        checksum: checksum(&ops, &down, true),
        up: ops,
        down,
        transaction: true,
        checksum_format: migrate_core::canonical::CANONICAL_FORMAT,
        legacy_checksum: None,
        squashes: vec![],
        file: "pull",
        line: 1,
        acks: vec![],
        original: None,
        source: None,
    };
    let mut m = Migrator::new(vec![baseline]);
    m.with_config(config);
    m.resolve(&mut client, Resolve::Applied(version)).await?;
    set_lint_baseline(ctx, version)?;
    if ctx.out.json {
        // Never silently: what the baseline leaves out is listed, and `ok` and the exit code say so.
        ctx.json(
            left_out.is_empty(),
            serde_json::json!({ "file": path, "migration": { "version": version, "id": format!("m{version}_{name}") }, "left_out": left_out }),
        );
        return Ok(if left_out.is_empty() { crate::EXIT_OK } else { crate::EXIT_PROBLEMS });
    }
    println!("wrote {} and recorded it as applied; lint_baseline = {version}", path.display());
    // Never silently: what the baseline does not create is named, and the exit code says so.
    for what in &left_out {
        eprintln!("warning [pull] the baseline leaves out {what}");
    }
    if left_out.is_empty() {
        return Ok(crate::EXIT_OK);
    }
    eprintln!(
        "warning [pull] {} object(s) of `{schema}` are not in the baseline: on a new database it does not create them; add them to the baseline as SQL (`s.sql_with_down(..)`) or in a migration after it",
        left_out.len()
    );
    Ok(crate::EXIT_PROBLEMS)
}

/// Sets `lint_baseline` in migrate.toml (the pulled schema predates the rules).
pub fn set_lint_baseline(ctx: &Ctx, version: u64) -> Result<()> {
    if !ctx.loaded.found {
        return Ok(());
    }
    let path = ctx.loaded.root.join(crate::config::FILE_NAME);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines: Vec<String> =
        text.lines().filter(|l| !l.trim_start().starts_with("lint_baseline")).map(String::from).collect();
    // Top-level keys go before the first table.
    let at = lines.iter().position(|l| l.trim_start().starts_with('[')).unwrap_or(lines.len());
    lines.insert(at, format!("lint_baseline = {version}"));
    std::fs::write(&path, lines.join("\n") + "\n").with_context(|| format!("writing {}", path.display()))
}
