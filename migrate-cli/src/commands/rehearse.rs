//! `rehearse`: the pending migrations run on a copy of the target with real rows (`crate::copy`), as
//! `up` would run them (same plan, safe operations and timeouts), while a second connection samples
//! the migrating session's table locks; then their downs, and their ups again. The report says per
//! statement how long it ran, the strongest lock it took on each table and for how long, whether it
//! rewrote the table and how many rows a backfill updated. Exit 1 when a statement held a lock that
//! blocks writes on a table with rows for longer than `--max-lock`, or a migration, a down or an up
//! again failed. The target is only read.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anstream::{eprintln, println};
use anyhow::{Context, Result};
use migrate_core::ident::quote_ident;
use migrate_core::runner::observe::{BLOCKS_WRITES, TableLock, lock_strength};
use migrate_core::runner::{DownTarget, Migrator};
use serde_json::{Value, json};
use tokio_postgres::Client;

use super::Ctx;
use super::verify::Scratch;
use crate::cli::RehearseArgs;

/// How often the second connection reads the migrating session's locks.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// A statement the run reported ([`Migrator::on_statement`]), kept.
#[derive(Debug, Clone)]
struct Ran {
    version: Option<u64>,
    sql: String,
    started: Instant,
    duration: Duration,
    transactional: bool,
    /// Rows a backfill updated (its batches summed).
    rows: Option<i64>,
    /// Batches of a backfill taken together.
    batches: usize,
    error: Option<String>,
    took: Vec<TableLock>,
}

/// What the second connection saw at one moment: the migrating session's table locks.
struct Sample {
    at: Instant,
    /// (schema, table, strength)
    locks: Vec<(String, String, u8)>,
}

/// A lock in the report.
struct Held {
    table: String,
    mode: String,
    held: Duration,
    rewritten: bool,
    rows: u64,
}

impl Held {
    fn blocks_writes(&self) -> bool {
        lock_strength(&self.mode) >= BLOCKS_WRITES
    }
}

/// Samples the table locks of the session `pid` on `client` until `stop` is set.
async fn sample(client: Client, pid: i32, stop: Arc<std::sync::atomic::AtomicBool>) -> Vec<Sample> {
    let query = "SELECT n.nspname::text, c.relname::text, l.mode FROM pg_locks l
        JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm')";
    let Ok(statement) = client.prepare_typed(query, &[tokio_postgres::types::Type::INT4]).await else {
        return Vec::new();
    };
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        tick.tick().await;
        let at = Instant::now();
        let Ok(rows) = client.query(&statement, &[&pid]).await else { break };
        let locks = rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), lock_strength(&r.get::<_, String>(2))))
            .collect();
        samples.push(Sample { at, locks });
    }
    samples
}

/// How long `table` stayed locked at `strength` or stronger after `r` began: to the last sighting in
/// the run of samples that starts during `r` and goes on after it, and at least `r`'s duration
/// (a lock held for less than a sample's interval is not seen).
fn held_for(r: &Ran, samples: &[Sample], schema: &str, table: &str, strength: u8) -> Duration {
    let end = r.started + r.duration;
    let mut last = end;
    for s in samples.iter().filter(|s| s.at >= r.started) {
        let seen = s.locks.iter().any(|(n, t, st)| n == schema && t == table && *st >= strength);
        if s.at <= end {
            continue;
        }
        if !seen {
            break;
        }
        last = s.at;
    }
    last - r.started
}

/// Consecutive backfill batches of one migration as one entry.
fn merge_batches(ran: Vec<Ran>) -> Vec<Ran> {
    let mut out: Vec<Ran> = Vec::new();
    for r in ran {
        match out.last_mut() {
            Some(prev)
                if prev.rows.is_some() && r.rows.is_some() && prev.version == r.version && prev.error.is_none() =>
            {
                prev.rows = Some(prev.rows.unwrap_or(0) + r.rows.unwrap_or(0));
                prev.batches += 1;
                prev.duration = (r.started + r.duration) - prev.started;
                prev.error = r.error;
            }
            _ => out.push(r),
        }
    }
    out
}

/// The relfilenode of each table of the copy, by (schema, table).
async fn relfilenodes(client: &Client) -> Result<std::collections::BTreeMap<(String, String), i64>> {
    Ok(client
        .query(
            "SELECT n.nspname::text, c.relname::text, c.relfilenode::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'm') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'",
            &[],
        )
        .await?
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

/// Copies the rows of the runner's history tables `tables` (history, repeatables) from the target to
/// the copy, in the columns both have (the copy's tables have this tool's layout; the target's may be
/// older, whose missing columns are nullable or have defaults).
async fn copy_history(target: &Client, copy: &Client, tables: &[String]) -> Result<()> {
    let columns = "SELECT array(SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum)";
    for t in tables {
        let theirs: Vec<String> = target.query_one(columns, &[t]).await?.get(0);
        if theirs.is_empty() {
            continue;
        }
        let ours: Vec<String> = copy.query_one(columns, &[t]).await?.get(0);
        let list = theirs.iter().filter(|c| ours.contains(c)).map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
        use futures_util::{SinkExt, StreamExt};
        let source = target.copy_out(&format!("COPY (SELECT {list} FROM {t}) TO STDOUT")).await?;
        let sink = copy.copy_in(&format!("COPY {t} ({list}) FROM STDIN")).await?;
        futures_util::pin_mut!(source, sink);
        while let Some(chunk) = source.next().await {
            sink.send(chunk?).await?;
        }
        sink.finish().await.with_context(|| format!("copying the history table {t} to the copy"))?;
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, args: RehearseArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let db = ctx.database().await?;
    ctx.announce(&db)?;
    let target = crate::connect::connect(&db.url).await?;
    let config = ctx.loaded.runner_config()?;
    let repeatables = Ctx::repeatables()?;
    let mut m = Migrator::new(migrations.clone());
    m.with_config(config.clone());
    m.with_repeatables(repeatables.clone());
    let status = m.status(&target).await?;
    let pending = status.pending_versions(None);
    let database = db.describe()?;
    let repeatables_to_do = status.repeatables.iter().filter(|r| r.state != "applied").count();
    if pending.is_empty() && repeatables_to_do == 0 {
        if ctx.out.json {
            ctx.json(
                true,
                json!({
                    "database": database,
                    "pending": [],
                    "max_lock_ms": ms(args.max_lock),
                    "copy": null,
                    "migrations": [],
                    "rewritten_outside_transactions": [],
                    "down": null,
                    "up_again": null,
                    "problems": [],
                }),
            );
        } else {
            println!("nothing to rehearse: the database is up to date");
        }
        return Ok(crate::EXIT_OK);
    }
    // The migrations' schema on the target, and the last migration it has applied (where the downs go
    // back to).
    let schema: String = match &config.schema {
        Some(s) => s.clone(),
        None => target.query_one("SELECT current_schema()::text", &[]).await?.get(0),
    };
    let last_applied = status.applied_versions().into_iter().max().unwrap_or(0);
    // One snapshot for the schema and every table, read-only: nothing is written to the target.
    target
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .context("starting a read-only transaction on the target")?;
    let scratch_args = crate::cli::ScratchArgs { scratch_url: args.scratch_url.clone(), conn: Default::default() };
    let mut copy = Scratch::create(ctx, &db.url, "rehearse", &scratch_args).await?;
    if !ctx.out.json {
        eprintln!(
            "copying the schema {schema} and up to {} rows per table to {}{}",
            args.rows,
            copy.name,
            if args.keep { " (kept: --keep)" } else { " (dropped at the end)" }
        );
    }
    let outcome = rehearse(ctx, &args, &target, &mut copy, &m, &schema, &pending, last_applied).await;
    if args.keep {
        eprintln!("the copy {} is kept (--keep): drop it with `DROP DATABASE \"{}\"` when done", copy.name, copy.name);
    } else {
        copy.drop().await;
    }
    let report = outcome?;
    let failed = !report.problems.is_empty();
    if ctx.out.json {
        let mut body = report.json;
        body["database"] = json!(database);
        ctx.json(!failed, body);
    } else if failed {
        println!("{}", ctx.out.red(&format!("{} problem(s):", report.problems.len())));
        for p in &report.problems {
            println!("  {p}");
        }
    } else {
        println!(
            "{}",
            ctx.out.green("rehearsal passed: no lock that blocks writes held past --max-lock, downs and ups again ran")
        );
    }
    Ok(if failed { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}

/// A duration in milliseconds, to a tenth.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// What a rehearsal found.
struct Rehearsal {
    problems: Vec<String>,
    json: Value,
}

#[allow(clippy::too_many_arguments)]
async fn rehearse(
    ctx: &Ctx,
    args: &RehearseArgs,
    target: &Client,
    copy: &mut Scratch,
    m: &Migrator,
    schema: &str,
    pending: &[u64],
    last_applied: u64,
) -> Result<Rehearsal> {
    let out = ctx.out;
    let started = Instant::now();
    let own = m.config().own_tables();
    let copied = crate::copy::build(target, &copy.client, schema, &own, args.rows).await?;
    // The copy's history tables (this tool's layout), then the target's rows: the copy's `up` runs
    // exactly the migrations the target's would.
    let mut empty = Migrator::new(Vec::new());
    empty.with_config(m.config().clone());
    empty.connected_from(copy.origin.clone());
    empty.up(&mut copy.client, None).await.context("creating the history tables on the copy")?;
    let tables = m.tables(schema);
    copy_history(target, &copy.client, &[tables.history.clone(), tables.repeat.clone()]).await?;
    target.batch_execute("COMMIT").await.ok();
    let rows: u64 = copied.tables.iter().map(|t| t.rows).sum();
    if !out.json {
        eprintln!("copied {rows} rows of {} tables in {:.1}s", copied.tables.len(), started.elapsed().as_secs_f64());
        for w in &copied.warnings {
            eprintln!("{} [rehearse] {w}", out.yellow("warning"));
        }
    }

    // The run, watched.
    let ran: Arc<Mutex<Vec<Ran>>> = Arc::default();
    let mut run = Migrator::new(m.migrations().to_vec());
    run.with_config(m.config().clone());
    run.with_repeatables(Ctx::repeatables()?);
    run.connected_from(copy.origin.clone());
    {
        let ran = ran.clone();
        run.on_statement(move |e| {
            ran.lock().expect("not poisoned").push(Ran {
                version: e.version,
                sql: e.sql.to_string(),
                started: e.started,
                duration: e.duration,
                transactional: e.transactional,
                rows: e.rows,
                batches: 1,
                error: e.error.map(|f| f.to_string()),
                took: e.took.to_vec(),
            });
        });
    }
    let pid: i32 = copy.client.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
    let watcher = copy.connect_again().await?;
    let before = relfilenodes(&copy.client).await?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = tokio::spawn(sample(watcher, pid, stop.clone()));
    let first = run.up(&mut copy.client, None).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let samples = sampler.await.unwrap_or_default();
    let after = relfilenodes(&copy.client).await?;

    let mut problems = Vec::new();
    let max_lock = args.max_lock;
    let (report, up_error) = match first {
        Ok(r) => (r, None),
        Err(f) => (f.report, Some(f.error.to_string())),
    };
    let ran = merge_batches(std::mem::take(&mut *ran.lock().expect("not poisoned")));
    let mut known = before.clone();
    let mut migrations_json = Vec::new();
    let name_of = |s: &str, t: &str| if s == schema { t.to_string() } else { format!("{s}.{t}") };
    let mut rewritten_seen = std::collections::BTreeSet::new();
    let ids: Vec<(Option<u64>, String)> = {
        let mut ids: Vec<(Option<u64>, String)> = Vec::new();
        for r in &ran {
            if !ids.iter().any(|(v, _)| *v == r.version) {
                let id = match r.version {
                    Some(v) => m.migrations().iter().find(|x| x.version == v).map_or(v.to_string(), |x| x.id()),
                    None => "repeatables".to_string(),
                };
                ids.push((r.version, id));
            }
        }
        ids
    };
    for (version, id) in &ids {
        let done = report.applied.iter().find(|d| Some(d.version) == *version);
        if !out.json {
            let how = match (version, done) {
                (None, _) => format!("applied on the copy: {}", report.repeatables.join(", ")),
                (Some(_), Some(d)) => format!("applied on the copy in {} ms", d.duration_ms),
                (Some(_), None) => out.red("FAILED on the copy"),
            };
            println!("{} {how}", out.bold(id));
        }
        let mut statements = Vec::new();
        for r in ran.iter().filter(|r| r.version == *version) {
            let mut locks: Vec<Held> = Vec::new();
            if r.transactional {
                for l in &r.took {
                    let key = (l.schema.clone(), l.table.clone());
                    let rewritten = known.get(&key).is_some_and(|n| *n != l.relfilenode);
                    if rewritten {
                        rewritten_seen.insert(key.clone());
                    }
                    if known.contains_key(&key) {
                        known.insert(key, l.relfilenode);
                    }
                    let held = held_for(r, &samples, &l.schema, &l.table, lock_strength(&l.mode));
                    let rows = if l.schema == schema { copied.rows(&l.table) } else { 0 };
                    locks.push(Held {
                        table: name_of(&l.schema, &l.table),
                        mode: l.mode.clone(),
                        held,
                        rewritten,
                        rows,
                    });
                }
            } else {
                // Outside a transaction the locks end with the statement: what the samples saw during it.
                let end = r.started + r.duration;
                let mut seen: Vec<(String, String, u8)> = Vec::new();
                for s in samples.iter().filter(|s| s.at >= r.started && s.at <= end) {
                    for (n, t, st) in &s.locks {
                        match seen.iter_mut().find(|(a, b, _)| a == n && b == t) {
                            Some(x) => x.2 = x.2.max(*st),
                            None => seen.push((n.clone(), t.clone(), *st)),
                        }
                    }
                }
                for (n, t, st) in seen {
                    let rows = if n == schema { copied.rows(&t) } else { 0 };
                    locks.push(Held {
                        table: name_of(&n, &t),
                        mode: mode_name(st).into(),
                        held: r.duration,
                        rewritten: false,
                        rows,
                    });
                }
            }
            for l in locks.iter().filter(|l| l.blocks_writes() && l.rows > 0 && l.held > max_lock) {
                problems.push(format!(
                    "{id}: `{}` held {} on {} ({} rows in the copy) for {} ms, longer than --max-lock {} ms: writes to {} wait that long",
                    first_line(&r.sql),
                    l.mode,
                    l.table,
                    l.rows,
                    ms(l.held),
                    ms(max_lock),
                    l.table
                ));
            }
            if !out.json {
                let what = match (r.rows, r.batches) {
                    (Some(n), b) => format!("{} ({n} rows updated in {b} batch(es))", first_line(&r.sql)),
                    _ => first_line(&r.sql),
                };
                println!("  {:>9.1} ms  {what}", ms(r.duration));
                for l in &locks {
                    let mut line = format!("{} {} ms", l.mode, ms(l.held));
                    if l.blocks_writes() {
                        line.push_str(", blocks writes");
                    }
                    if l.rewritten {
                        line.push_str(", rewrote the table");
                    }
                    let text = format!("                 {} ({} rows): {line}", l.table, l.rows);
                    let flagged = l.blocks_writes() && l.rows > 0 && l.held > max_lock;
                    println!("{}", if flagged { out.red(&text) } else { text });
                }
                if let Some(e) = &r.error {
                    println!("                 {}", out.red(&e.replace('\n', "\n                 ")));
                }
            }
            statements.push(json!({
                "sql": r.sql,
                "duration_ms": ms(r.duration),
                "transactional": r.transactional,
                "rows": r.rows,
                "batches": r.rows.map(|_| r.batches),
                "error": r.error,
                "locks": locks.iter().map(|l| json!({
                    "table": l.table,
                    "mode": l.mode,
                    "held_ms": ms(l.held),
                    "blocks_writes": l.blocks_writes(),
                    "rewritten": l.rewritten,
                    "rows": l.rows,
                })).collect::<Vec<_>>(),
            }));
        }
        migrations_json.push(json!({
            "version": version,
            "id": id,
            "applied": version.is_none() || done.is_some(),
            "duration_ms": done.map(|d| d.duration_ms),
            "statements": statements,
        }));
    }
    // A table rewritten where no statement in a transaction showed it (outside one): named too.
    let unattributed: Vec<String> = after
        .iter()
        .filter(|(k, n)| before.get(*k).is_some_and(|b| b != *n) && !rewritten_seen.contains(*k))
        .map(|((s, t), _)| name_of(s, t))
        .collect();
    for t in &unattributed {
        if !out.json {
            println!("note: {t} was rewritten (its relfilenode changed) by a statement outside a transaction");
        }
    }
    if let Some(e) = &up_error {
        problems.push(format!("the pending migrations fail on the copy: {e}"));
    }

    // The downs back to the target's state, then the ups again.
    let mut down_json = Value::Null;
    let mut again_json = Value::Null;
    if up_error.is_none() && !pending.is_empty() {
        // An irreversible migration stops the downs: they go back to it, not past it.
        let irreversible = m
            .migrations()
            .iter()
            .filter(|x| pending.contains(&x.version) && x.down_ops().is_err())
            .map(|x| x.version)
            .max();
        let back_to = irreversible.unwrap_or(0).max(last_applied);
        if let Some(v) = irreversible
            && !out.json
        {
            println!("note: the downs go back to {v} only: it is irreversible");
        }
        let mut again = Migrator::new(m.migrations().to_vec());
        again.with_config(m.config().clone());
        again.with_repeatables(Ctx::repeatables()?);
        again.connected_from(copy.origin.clone());
        let down = again.down(&mut copy.client, DownTarget::To(back_to)).await;
        let down_error = down.as_ref().err().map(|f| f.error.to_string());
        let rolled_back = match &down {
            Ok(r) => r.rolled_back.len(),
            Err(f) => f.report.rolled_back.len(),
        };
        down_json =
            json!({ "ok": down_error.is_none(), "to": back_to, "rolled_back": rolled_back, "error": down_error });
        match &down_error {
            Some(e) => problems.push(format!("the downs fail on the copy: {e}")),
            None => {
                let up = again.up(&mut copy.client, None).await;
                let error = up.as_ref().err().map(|f| f.error.to_string());
                let applied = match &up {
                    Ok(r) => r.applied.len(),
                    Err(f) => f.report.applied.len(),
                };
                if let Some(e) = &error {
                    problems.push(format!("the ups fail on the copy after the downs: {e}"));
                }
                again_json = json!({ "ok": error.is_none(), "applied": applied, "error": error });
            }
        }
        if !out.json {
            let said = |ok: bool| if ok { out.green("ok") } else { out.red("FAILED") };
            println!("downs back to {back_to}: {} ({rolled_back} rolled back)", said(down_json["ok"] == true));
            if again_json.is_object() {
                println!("ups again: {} ({} applied)", said(again_json["ok"] == true), again_json["applied"]);
            }
        }
    }
    let json = json!({
        "pending": pending,
        "max_lock_ms": ms(max_lock),
        "copy": {
            "name": copy.name,
            "kept": args.keep,
            "rows_limit": args.rows,
            "tables": copied.tables.iter().map(|t| json!({ "table": t.name, "rows": t.rows, "estimate": t.estimate, "how": t.how })).collect::<Vec<_>>(),
            "warnings": copied.warnings,
        },
        "migrations": migrations_json,
        "rewritten_outside_transactions": unattributed,
        "down": down_json,
        "up_again": again_json,
        "problems": problems,
    });
    Ok(Rehearsal { problems, json })
}

/// The name `pg_locks` gives a lock strength ([`lock_strength`]'s inverse).
fn mode_name(strength: u8) -> &'static str {
    [
        "",
        "AccessShareLock",
        "RowShareLock",
        "RowExclusiveLock",
        "ShareUpdateExclusiveLock",
        "ShareLock",
        "ShareRowExclusiveLock",
        "ExclusiveLock",
        "AccessExclusiveLock",
    ][strength.min(8) as usize]
}

/// A statement's first line, cut to 100 characters.
fn first_line(sql: &str) -> String {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("--")).unwrap_or(sql.trim());
    if line.chars().count() > 100 { format!("{}…", line.chars().take(100).collect::<String>()) } else { line.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(at: Instant, ms: u64) -> Ran {
        Ran {
            version: Some(1),
            sql: "ALTER TABLE t".into(),
            started: at,
            duration: Duration::from_millis(ms),
            transactional: true,
            rows: None,
            batches: 1,
            error: None,
            took: vec![],
        }
    }

    #[test]
    fn a_lock_is_held_until_the_samples_stop_seeing_it_after_its_statement() {
        let t0 = Instant::now();
        let r = ran(t0, 100);
        let seen = |ms: u64, held: bool| Sample {
            at: t0 + Duration::from_millis(ms),
            locks: if held { vec![("public".into(), "t".into(), 8)] } else { vec![] },
        };
        // Seen during the statement and after it until 300 ms, then gone.
        let samples =
            [seen(10, false), seen(50, true), seen(200, true), seen(300, true), seen(310, false), seen(400, true)];
        assert_eq!(held_for(&r, &samples, "public", "t", 8), Duration::from_millis(300));
        // A weaker lock seen does not count for a stronger one: at least the statement's duration.
        assert_eq!(held_for(&r, &samples, "public", "t", 9), Duration::from_millis(100));
        assert_eq!(mode_name(lock_strength("ShareLock")), "ShareLock");
    }

    #[test]
    fn backfill_batches_are_taken_together() {
        let t0 = Instant::now();
        let batch = |ms: u64, rows: i64| Ran { rows: Some(rows), ..ran(t0 + Duration::from_millis(ms), 10) };
        let merged = merge_batches(vec![ran(t0, 5), batch(10, 100), batch(20, 100), batch(30, 7)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[1].rows, Some(207));
        assert_eq!(merged[1].batches, 3);
        assert_eq!(merged[1].duration, Duration::from_millis(30));
    }
}
