//! `up --all-targets` and `status --all-targets`: every target of migrate.toml, each tenant schema of a
//! target as one more. `up` migrates the canary first and alone, then the others with bounded
//! concurrency; after a failure no new target starts. Each ends with a table, a line per target.

use anstream::{eprintln, println};
use std::time::Instant;

use anyhow::{Result, bail};
use migrate_core::registry::Migration;
use migrate_core::runner::{EntryState, Migrator};
use serde_json::json;
use tokio::task::JoinSet;

use super::Ctx;
use crate::cli::UpArgs;

/// One database, or one tenant schema of it.
#[derive(Debug, Clone)]
struct Unit {
    /// `target` or `target/schema`.
    label: String,
    url: String,
    schema: Option<String>,
    canary: bool,
    /// Marked `production = true`: `up` writes the production marker.
    production: bool,
    /// The target's `lock` setting.
    lock: migrate_core::runner::lock::Strategy,
    /// The target's `direct_url`, for the steps outside a transaction through a pooler.
    direct_url: Option<String>,
}

/// The targets in order: the canary (the one marked `canary = true`, else the first by name) first.
fn units(ctx: &Ctx) -> Result<Vec<Unit>> {
    let targets = &ctx.loaded.config.targets;
    if targets.is_empty() {
        bail!("--all-targets: migrate.toml has no [targets.NAME] sections");
    }
    let marked: Vec<&String> = targets.iter().filter(|(_, t)| t.canary).map(|(n, _)| n).collect();
    if marked.len() > 1 {
        bail!(
            "more than one target is marked `canary = true` ({}): keep one",
            marked.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut out = Vec::new();
    for (name, t) in targets {
        let db = crate::connect::resolve(&ctx.loaded, None, Some(name), true)?.expect("a named target resolves");
        let canary = marked.first().map_or(out.is_empty(), |m| *m == name);
        let (settings, direct_url) = ctx.loaded.for_target(Some(name))?;
        let unit = |label: String, schema: Option<String>, canary: bool| Unit {
            label,
            url: db.url.clone(),
            schema,
            canary,
            production: db.production,
            lock: settings.lock,
            direct_url: direct_url.clone(),
        };
        if t.schemas.is_empty() {
            out.push(unit(name.clone(), None, canary));
        } else {
            for (i, schema) in t.schemas.iter().enumerate() {
                out.push(unit(format!("{name}/{schema}"), Some(schema.clone()), canary && i == 0));
            }
        }
    }
    out.sort_by_key(|u| !u.canary);
    Ok(out)
}

fn migrator(ctx: &Ctx, migrations: &[Migration], unit: &Unit, wait: bool) -> Result<Migrator> {
    let mut m = Migrator::new(migrations.to_vec());
    m.with_repeatables(Ctx::repeatables()?);
    let mut config = ctx.loaded.runner_config()?;
    if unit.schema.is_some() {
        config.schema = unit.schema.clone();
    }
    config.wait_for_lock = wait;
    config.production = unit.production;
    config.lock = unit.lock;
    m.with_config(config);
    let label = unit.label.clone();
    let quiet = ctx.out.json;
    m.on_progress(move |msg| {
        if !quiet {
            eprintln!("[{label}] {msg}");
        }
    });
    Ok(m)
}

/// What happened to one target.
#[derive(Debug, Default, Clone)]
struct Outcome {
    applied: Option<usize>,
    error: Option<String>,
    ms: u128,
}

async fn up_one(mut m: Migrator, (url, direct_url): (String, Option<String>), to: Option<u64>) -> Outcome {
    let start = Instant::now();
    let result = async {
        let (mut client, origin) = crate::connect::connect_with_origin(&url).await?;
        super::ready_lock(&mut m, &url, &client, Some(origin), direct_url).await?;
        m.up(&mut client, to).await.map_err(anyhow::Error::from)
    }
    .await;
    let ms = start.elapsed().as_millis();
    match result {
        Ok(report) => Outcome { applied: Some(report.applied.len()), error: None, ms },
        Err(e) => Outcome { applied: None, error: Some(format!("{e:#}")), ms },
    }
}

fn print_table(ctx: &Ctx, units: &[Unit], outcomes: &[Option<Outcome>]) {
    let width = units.iter().map(|u| u.label.len()).max().unwrap_or(6).max(6);
    println!("{:width$}  {:>7}  {:8}  {:>9}", "target", "applied", "result", "duration");
    for (u, o) in units.iter().zip(outcomes) {
        let (applied, result, ms) = match o {
            None => ("-".to_string(), ctx.out.yellow("skipped"), "-".to_string()),
            Some(o) => (
                o.applied.map_or("-".to_string(), |n| n.to_string()),
                if o.error.is_some() { ctx.out.red("FAILED") } else { ctx.out.green("ok") },
                format!("{} ms", o.ms),
            ),
        };
        // Pad by the plain word's length: colour codes do not take columns.
        let plain = match o {
            None => 7,
            Some(o) if o.error.is_some() => 6,
            Some(_) => 2,
        };
        println!("{:width$}  {applied:>7}  {result}{}  {ms:>9}", u.label, " ".repeat(8 - plain));
    }
    for (u, o) in units.iter().zip(outcomes) {
        if let Some(Outcome { error: Some(e), .. }) = o {
            println!("\n{} {}: {}", ctx.out.red("error in"), u.label, e);
        }
    }
}

pub async fn up(ctx: &Ctx, args: &UpArgs) -> Result<u8> {
    if args.dry_run {
        bail!("--dry-run shows one database's plan: run it with --target NAME instead of --all-targets");
    }
    let migrations = ctx.migrations()?;
    let units = units(ctx)?;
    // Lint what is pending anywhere, before any SQL anywhere.
    let mut pending: Vec<u64> = Vec::new();
    for u in &units {
        let client = crate::connect::connect(&u.url).await?;
        let mut m = migrator(ctx, &migrations, u, true)?;
        let status = m.status(&client).await?;
        pending.extend(status.pending_versions(args.to));
    }
    pending.sort_unstable();
    pending.dedup();
    if let Err(error) = super::lint::gate(ctx, &migrations, &pending, &ctx.loaded.lint_config(None)?) {
        if ctx.out.json {
            ctx.json(false, json!({ "error": error }));
        }
        return Ok(crate::EXIT_PROBLEMS);
    }
    let wait = !args.lock.no_wait;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; units.len()];
    let mut next = 0;
    // The canary alone.
    if units[0].canary {
        let target = (units[0].url.clone(), units[0].direct_url.clone());
        let o = up_one(migrator(ctx, &migrations, &units[0], wait)?, target, args.to).await;
        let failed = o.error.is_some();
        outcomes[0] = Some(o);
        next = 1;
        if failed && !ctx.out.json {
            eprintln!("the canary {} failed: no other target is started", units[0].label);
        }
    }
    let mut stop = outcomes[0].as_ref().is_some_and(|o| o.error.is_some());
    let mut running: JoinSet<(usize, Outcome)> = JoinSet::new();
    loop {
        while !stop && next < units.len() && running.len() < usize::from(args.fleet.concurrency) {
            let m = migrator(ctx, &migrations, &units[next], wait)?;
            let (i, target, to) = (next, (units[next].url.clone(), units[next].direct_url.clone()), args.to);
            running.spawn(async move { (i, up_one(m, target, to).await) });
            next += 1;
        }
        let Some(done) = running.join_next().await else { break };
        let (i, o) = done?;
        if o.error.is_some() && !stop {
            stop = true;
            if !ctx.out.json {
                eprintln!("{} failed: no new target is started; the running ones finish", units[i].label);
            }
        }
        outcomes[i] = Some(o);
    }
    let failed = outcomes.iter().flatten().filter(|o| o.error.is_some()).count();
    let skipped = outcomes.iter().filter(|o| o.is_none()).count();
    if ctx.out.json {
        ctx.json(
            failed == 0,
            json!({
                "targets": units.iter().zip(&outcomes).map(|(u, o)| json!({
                    "target": u.label,
                    "canary": u.canary,
                    "result": match o { None => "skipped", Some(o) if o.error.is_some() => "failed", Some(_) => "ok" },
                    "applied": o.as_ref().and_then(|o| o.applied),
                    "duration_ms": o.as_ref().map(|o| o.ms as u64),
                    "error": o.as_ref().and_then(|o| o.error.clone()),
                })).collect::<Vec<_>>(),
                "failed": failed,
                "skipped": skipped,
            }),
        );
    } else {
        print_table(ctx, &units, &outcomes);
        println!(
            "\n{} target(s): {} ok, {failed} failed, {skipped} skipped",
            units.len(),
            units.len() - failed - skipped
        );
    }
    Ok(if failed > 0 { crate::EXIT_FAILURE } else { crate::EXIT_OK })
}

pub async fn status(ctx: &Ctx, exit_code: bool) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let units = units(ctx)?;
    let width = units.iter().map(|u| u.label.len()).max().unwrap_or(6).max(6);
    let mut rows = Vec::new();
    let mut attention = 0;
    for u in &units {
        let row = async {
            let client = crate::connect::connect(&u.url).await?;
            let mut m = migrator(ctx, &migrations, u, true)?;
            anyhow::Ok(m.status(&client).await?)
        }
        .await;
        let is_pending = |e: &EntryState| {
            matches!(e, EntryState::Pending | EntryState::PendingOutOfOrder | EntryState::RecordsInPlace { .. })
        };
        let (applied, pending, problems, error) = match row {
            // Problems: changed, missing from the code, failed or stopped.
            Ok(s) => (
                s.entries.iter().filter(|e| e.state == EntryState::Applied).count(),
                s.entries.iter().filter(|e| is_pending(&e.state)).count(),
                s.problems().filter(|e| !is_pending(&e.state)).count(),
                None,
            ),
            Err(e) => (0, 0, 0, Some(format!("{e:#}"))),
        };
        if pending + problems > 0 || error.is_some() {
            attention += 1;
        }
        rows.push((u.label.clone(), applied, pending, problems, error));
    }
    if ctx.out.json {
        ctx.json(
            attention == 0,
            json!({ "targets": rows.iter().map(|(t, a, p, x, e)| json!({
            "target": t, "applied": a, "pending": p, "problems": x, "error": e
        })).collect::<Vec<_>>() }),
        );
    } else {
        println!("{:width$}  {:>7}  {:>7}  {:>8}", "target", "applied", "pending", "problems");
        for (t, a, p, x, e) in &rows {
            match e {
                None => println!("{t:width$}  {a:>7}  {p:>7}  {x:>8}"),
                Some(e) => println!("{t:width$}  {}: {e}", ctx.out.red("error")),
            }
        }
    }
    Ok(if exit_code && attention > 0 { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}
