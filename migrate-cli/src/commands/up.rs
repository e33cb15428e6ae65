//! `up`: apply pending migrations (or, with `--dry-run`, print what would run).

use anstream::{eprintln, println};
use anyhow::{Result, bail};
use serde_json::json;

use super::Ctx;
use crate::cli::UpArgs;

pub async fn run(ctx: &Ctx, args: UpArgs) -> Result<u8> {
    if args.fleet.all_targets {
        return super::fleet::up(ctx, &args).await;
    }
    // Summaries: each migration's ops are built again as the run reaches it, so a long history is
    // never held whole (`Migration::loaded`).
    let (migrations, db, mut client) = ctx.summaries_and_connection().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.wait_for_lock = !args.lock.no_wait;
    config.allow_out_of_order = args.allow_out_of_order;
    config.production = db.production;
    m.with_config(config);
    ctx.ready_lock(&mut m, &db, &client).await?;
    // Lint the pending migrations against the schema, on this server's version, before any SQL.
    let version: u32 = client
        .query_typed_one("SHOW server_version_num", &[])
        .await
        .ok()
        .and_then(|r| r.get::<_, String>(0).parse().ok())
        .unwrap_or(120_000);
    let status = m.status(&client).await?;
    if let Some(to) = args.to
        && !m.migrations().iter().any(|mig| mig.version == to)
    {
        bail!("{}", no_such_migration(to, m.migrations()));
    }
    let mut to = args.to;
    if let Some(n) = args.steps {
        // The next N to run, unfinished ones included, in order.
        to = status.pending_versions(None).into_iter().nth(n as usize - 1).or(to);
    }
    let mut pending = status.pending_versions(to);
    if let Some(n) = args.steps {
        pending.truncate(n as usize);
    }
    let mut lint_config = ctx.loaded.lint_config(Some(version))?;
    // The migrating session's zone: `timestamp` to `timestamptz` rewrites nothing under UTC.
    lint_config.time_zone =
        client.query_typed_one("SELECT current_setting('TimeZone')", &[]).await.ok().map(|r| r.get::<_, String>(0));
    if let Err(error) = super::lint::gate(ctx, m.migrations(), &pending, &lint_config) {
        if ctx.out.json {
            let mut body = super::report::run_json(&db.describe()?, &Default::default(), None);
            body["error"] = error;
            ctx.json(false, body);
        }
        return Ok(crate::EXIT_PROBLEMS);
    }
    if args.dry_run {
        // What `up` would refuse, it refuses here too.
        if let Some(e) =
            status.entries.iter().find(|e| matches!(e.state, migrate_core::runner::EntryState::SquashBlocked { .. }))
        {
            bail!("up would refuse m{}_{}: {}", e.version, e.name, e.state.label());
        }
        let mut json = Vec::new();
        let recorded: Vec<String> = status
            .entries
            .iter()
            .filter(|e| matches!(e.state, migrate_core::runner::EntryState::RecordsInPlace { .. }))
            .map(|e| format!("m{}_{} {}", e.version, e.name, e.state.label()))
            .collect();
        if !ctx.out.json {
            for r in &recorded {
                println!("-- {r}");
            }
        }
        let mut plans = m.plans_for(&pending)?;
        m.wrap_for_repeatables(&client, &mut plans).await?;
        for mig in m.migrations() {
            let Some((steps, _)) = plans.remove(&mig.version) else { continue };
            if !ctx.out.json {
                println!("-- {} ({} step{})", mig.id(), steps.len(), if steps.len() == 1 { "" } else { "s" });
                for (i, s) in steps.iter().enumerate() {
                    println!(
                        "-- step {}: {}",
                        i + 1,
                        if s.transactional { "in a transaction" } else { "alone, outside a transaction" }
                    );
                    for st in &s.statements {
                        println!("{st};");
                    }
                }
            }
            json.push(json!({ "version": mig.version, "id": mig.id(), "steps": steps.iter().map(|s| json!({"transactional": s.transactional, "statements": s.statements})).collect::<Vec<_>>() }));
        }
        if ctx.out.json {
            ctx.json(
                true,
                json!({ "database": db.describe()?, "dry_run": true, "pending": json, "recorded": recorded }),
            );
        } else if pending.is_empty() && recorded.is_empty() {
            println!("nothing to do: the database is up to date");
        }
        return Ok(crate::EXIT_OK);
    }
    let monitor = index_progress(ctx, &client, &db.url).await;
    let started = std::time::Instant::now();
    let result = m.up(&mut client, to).await;
    if let Some(task) = monitor {
        task.abort();
    }
    let database = db.describe()?;
    super::report::finish(ctx, "up", &database, result, pending.len(), started.elapsed())
}

/// The error for `up --to V` when no migration has version V: the nearest ones around it.
fn no_such_migration(v: u64, migrations: &[migrate_core::registry::Migration]) -> String {
    let before = migrations.iter().rev().find(|m| m.version < v).map(|m| m.id());
    let after = migrations.iter().find(|m| m.version > v).map(|m| m.id());
    let nearest = match (before, after) {
        (Some(b), Some(a)) => format!("the nearest are {b} before it and {a} after it"),
        (Some(b), None) => format!("the newest is {b}"),
        (None, Some(a)) => format!("the oldest is {a}"),
        (None, None) => "the code has none".to_string(),
    };
    format!("no migration has version {v}: {nearest}")
}

/// While `up` runs, reports the progress of index builds on the migrating connection every 2 seconds,
/// from `pg_stat_progress_create_index` (read on a second connection, since the first is busy).
async fn index_progress(ctx: &Ctx, client: &tokio_postgres::Client, url: &str) -> Option<tokio::task::JoinHandle<()>> {
    if ctx.out.json {
        return None;
    }
    let pid: i32 = client.query_typed_one("SELECT pg_backend_pid()", &[]).await.ok()?.get(0);
    let url = url.to_string();
    Some(tokio::spawn(async move {
        // Connects beside the run, not before it: a run without a long index build never waits for it.
        let Ok(watcher) = crate::connect::connect(&url).await else { return };
        let mut last = String::new();
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let row = watcher
                .query_typed_opt(
                    "SELECT relid::regclass::text, index_relid::regclass::text, phase, blocks_done, blocks_total, tuples_done, tuples_total
                     FROM pg_stat_progress_create_index WHERE pid = $1",
                    &[(&pid, tokio_postgres::types::Type::INT4)],
                )
                .await;
            let Ok(Some(r)) = row else { continue };
            let (table, index, phase): (Option<String>, Option<String>, String) = (r.get(0), r.get(1), r.get(2));
            let (blocks, blocks_total, tuples, tuples_total): (i64, i64, i64, i64) =
                (r.get(3), r.get(4), r.get(5), r.get(6));
            let share = if blocks_total > 0 {
                format!(", {}% of blocks", blocks * 100 / blocks_total)
            } else if tuples_total > 0 {
                format!(", {}% of tuples", tuples * 100 / tuples_total)
            } else {
                String::new()
            };
            let line = format!(
                "  building index {} on {}: {phase}{share}",
                index.unwrap_or_else(|| "?".into()),
                table.unwrap_or_else(|| "?".into())
            );
            if line != last {
                eprintln!("{line}");
                last = line;
            }
        }
    }))
}
