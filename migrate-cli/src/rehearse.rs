//! Rehearsing the pending migrations on a copy of a database with real rows (the engine of
//! `migrate-cli rehearse`).
//!
//! The copy is built on a scratch database: the target's schema through `pull`'s generator, then up
//! to [`Options::rows`] rows of each table streamed over with `COPY` (parents sampled, children only
//! where their parents were copied, foreign keys in cycles added back `NOT VALID`), and the target's
//! history. The target is only read, in one read-only repeatable-read transaction. The pending
//! migrations then run on the copy as `up` runs them (the same plan, safe operations and timeouts),
//! each statement reported by [`Migrator::on_statement`] with the locks it took, while a second
//! connection samples the migrating session's table locks every 10 ms; then their downs, and their
//! ups again.
//!
//! ```no_run
//! # async fn check() -> anyhow::Result<()> {
//! use migrate_cli::rehearse::{Options, rehearse};
//! let migrations = migrate_core::registry::migrations()?;
//! let options = Options { max_lock: std::time::Duration::from_millis(500), ..Options::default() };
//! let report = rehearse("postgres://deploy@db.internal/app", migrations, Vec::new(), Default::default(), &options, &|line| eprintln!("{line}")).await?;
//! for p in &report.problems {
//!     println!("{p}");
//! }
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use migrate_core::ident::quote_ident;
use migrate_core::registry::Migration;
use migrate_core::repeatable::Repeatable;
use migrate_core::runner::observe::{BLOCKS_WRITES, TableLock, lock_strength};
use migrate_core::runner::{Config, DownTarget, Migrator};
use serde::Serialize;
use tokio_postgres::Client;

use crate::commands::verify::Scratch;

/// How often the second connection reads the migrating session's locks.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// How a rehearsal runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many rows of each table go to the copy.
    pub rows: u64,
    /// The longest a statement may hold a lock that blocks writes on a table with rows.
    pub max_lock: Duration,
    /// Keep the copy afterwards instead of dropping it.
    pub keep: bool,
    /// The server for the copy (a role that may `CREATE DATABASE`); `None`: the target's.
    pub scratch_url: Option<String>,
}

impl Default for Options {
    /// 100,000 rows, 1 s, the copy dropped, on the target's server.
    fn default() -> Self {
        Options { rows: 100_000, max_lock: Duration::from_secs(1), keep: false, scratch_url: None }
    }
}

/// What a rehearsal found.
#[derive(Debug, Clone, Serialize)]
pub struct Rehearsal {
    /// The migrations pending on the target (rehearsed).
    pub pending: Vec<u64>,
    /// [`Options::max_lock`], in milliseconds.
    pub max_lock_ms: f64,
    /// The copy; `None` when there was nothing to rehearse.
    pub copy: Option<CopyReport>,
    /// Each migration run on the copy (and the repeatable migrations, `version` `None`), in order.
    pub migrations: Vec<Rehearsed>,
    /// Tables rewritten where no statement showed it (by a repeatable migration's statement, or a
    /// data step's Rust code outside the statements read): named, since their statement is not known.
    pub rewritten_outside_transactions: Vec<String>,
    /// What the report says besides the statements (where the downs stopped, and why).
    pub notes: Vec<String>,
    /// The downs back to the target's state; `None` when the first run failed or nothing was pending.
    pub down: Option<DownReport>,
    /// The ups again after the downs; `None` when the downs failed or did not run.
    pub up_again: Option<AgainReport>,
    /// What fails the rehearsal: a lock that blocks writes held too long, a migration, a down or an
    /// up again that fails.
    pub problems: Vec<String>,
}

/// The copy a rehearsal ran on.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// The copy's database.
    pub name: String,
    /// Whether it was kept ([`Options::keep`]).
    pub kept: bool,
    /// [`Options::rows`].
    pub rows_limit: u64,
    /// Each table copied.
    pub tables: Vec<TableCopied>,
    /// What the copy does not hold as the target does.
    pub warnings: Vec<String>,
}

/// A table copied.
#[derive(Debug, Clone, Serialize)]
pub struct TableCopied {
    /// Its name.
    pub table: String,
    /// Rows copied.
    pub rows: u64,
    /// The target's estimate of its rows (`pg_class.reltuples`, partitions summed), when analyzed.
    pub estimate: Option<i64>,
    /// How its rows were chosen: `all`, `sample` (`TABLESAMPLE`), `first` (not analyzed: the first
    /// rows), `parents` (only rows whose parents were copied).
    pub how: &'static str,
}

/// A migration run on the copy.
#[derive(Debug, Clone, Serialize)]
pub struct Rehearsed {
    /// Its version; `None` for the repeatable migrations.
    pub version: Option<u64>,
    /// `m<version>_<name>`, or `repeatables`.
    pub id: String,
    /// Whether it was applied on the copy.
    pub applied: bool,
    /// How long it took, when applied.
    pub duration_ms: Option<f64>,
    /// Its statements, in order (a backfill's batches as one).
    pub statements: Vec<StatementReport>,
}

/// A statement run on the copy.
#[derive(Debug, Clone, Serialize)]
pub struct StatementReport {
    /// The SQL (a backfill's first batch).
    pub sql: String,
    /// How long it ran (a backfill: its batches, first to last).
    pub duration_ms: f64,
    /// Whether it ran in a transaction.
    pub transactional: bool,
    /// The rows a backfill updated.
    pub rows: Option<i64>,
    /// A backfill's batches.
    pub batches: Option<usize>,
    /// The error it failed with.
    pub error: Option<String>,
    /// How long the samples saw it wait for a lock (on the copy, only another session of the copy
    /// holds one: autovacuum, or a trigger's or a function's own session).
    pub lock_wait_ms: f64,
    /// The table locks it took.
    pub locks: Vec<LockReport>,
}

/// A table lock a statement took.
#[derive(Debug, Clone, Serialize)]
pub struct LockReport {
    /// The table (schema-qualified outside the migrations' schema).
    pub table: String,
    /// The strongest mode, as `pg_locks` names it.
    pub mode: String,
    /// How long it was held: in a transaction, from the statement's start to the last sample that saw
    /// it (at least the statement's duration); outside one, the statement's duration.
    pub held_ms: f64,
    /// Whether the mode blocks writes (SHARE or stronger).
    pub blocks_writes: bool,
    /// Whether the statement rewrote the table (a new relfilenode).
    pub rewritten: bool,
    /// The table's rows in the copy.
    pub rows: u64,
}

impl LockReport {
    /// Whether this lock fails the rehearsal: it blocks writes to a table with rows for longer than
    /// `max_lock`.
    pub fn too_long(&self, max_lock: Duration) -> bool {
        self.blocks_writes && self.rows > 0 && self.held_ms > ms(max_lock)
    }
}

/// The downs of a rehearsal.
#[derive(Debug, Clone, Serialize)]
pub struct DownReport {
    /// Whether they ran.
    pub ok: bool,
    /// The version they went back to (0: none applied).
    pub to: u64,
    /// How many were rolled back.
    pub rolled_back: usize,
    /// The error they failed with.
    pub error: Option<String>,
}

/// The ups again of a rehearsal.
#[derive(Debug, Clone, Serialize)]
pub struct AgainReport {
    /// Whether they ran.
    pub ok: bool,
    /// How many were applied.
    pub applied: usize,
    /// The error they failed with.
    pub error: Option<String>,
}

/// A duration in milliseconds, to a tenth.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A statement the run reported ([`Migrator::on_statement`]), kept.
#[derive(Debug, Clone)]
struct Ran {
    version: Option<u64>,
    sql: String,
    started: Instant,
    duration: Duration,
    transactional: bool,
    /// When the last statement of its transaction ended (its own end outside a transaction).
    transaction_end: Instant,
    /// When the next transaction's first statement began: the samples after it see that one's locks.
    next_start: Option<Instant>,
    first_in_transaction: bool,
    /// Rows a backfill updated (its batches summed).
    rows: Option<i64>,
    /// Batches of a backfill taken together.
    batches: usize,
    error: Option<String>,
    took: Vec<TableLock>,
}

/// What the second connection saw at one moment: the migrating session's table locks, and whether
/// it was waiting for a lock (`pg_stat_activity.wait_event_type`).
struct Sample {
    at: Instant,
    /// (schema, table, strength, rows as `pg_class.reltuples` counts them)
    locks: Vec<(String, String, u8, u64)>,
    waiting: bool,
}

/// Samples the table locks of the session `pid` on `client` until `stop` is set; the error that
/// stopped it early, if one did.
async fn sample(client: Client, pid: i32, stop: Arc<AtomicBool>) -> (Vec<Sample>, Option<String>) {
    // The session's wait comes with every row, and alone (no lock held) as a row of NULLs.
    let query = "SELECT n.nspname::text, c.relname::text, l.mode, greatest(c.reltuples, 0)::float8,
            coalesce((SELECT a.wait_event_type = 'Lock' FROM pg_stat_activity a WHERE a.pid = $1), false)
        FROM (SELECT 1) one
        LEFT JOIN (pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace)
          ON l.pid = $1 AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm')";
    let statement = match client.prepare_typed(query, &[tokio_postgres::types::Type::INT4]).await {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Some(migrate_core::runner::DbFailure::from_error(&e, None).to_string())),
    };
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::SeqCst) {
        tick.tick().await;
        let at = Instant::now();
        let rows = match client.query(&statement, &[&pid]).await {
            Ok(rows) => rows,
            Err(e) => return (samples, Some(migrate_core::runner::DbFailure::from_error(&e, None).to_string())),
        };
        let waiting = rows.first().is_some_and(|r| r.get::<_, bool>(4));
        let locks = rows
            .iter()
            .filter_map(|r| {
                let n: String = r.get::<_, Option<String>>(0)?;
                Some((n, r.get(1), lock_strength(&r.get::<_, String>(2)), r.get::<_, f64>(3) as u64))
            })
            .collect();
        samples.push(Sample { at, locks, waiting });
    }
    (samples, None)
}

/// How long `table` stayed locked at `strength` or stronger after `r` began: at least until the last
/// statement of its transaction ended, and then to the last sighting of the samples that go on
/// seeing it (the transaction's commit is not reported; a lock held for less than a sample's
/// interval is not seen).
fn held_for(r: &Ran, samples: &[Sample], schema: &str, table: &str, strength: u8) -> Duration {
    let end = r.transaction_end;
    let mut last = end;
    for s in samples.iter().filter(|s| s.at > end) {
        let seen = s.locks.iter().any(|(n, t, st, _)| n == schema && t == table && *st >= strength);
        if !seen || r.next_start.is_some_and(|next| s.at >= next) {
            break;
        }
        last = s.at;
    }
    last - r.started
}

/// Each statement's `transaction_end`: the end of the last statement of its transaction.
fn transactions(ran: &mut [Ran]) {
    let mut k = ran.len();
    while k > 0 {
        // [start, k): one transaction, from its first statement.
        let start = ran[..k].iter().rposition(|r| r.first_in_transaction || !r.transactional).unwrap_or(0);
        let end = ran[k - 1].started + ran[k - 1].duration;
        let next = ran.get(k).map(|r| r.started);
        for r in &mut ran[start..k] {
            r.transaction_end = end;
            r.next_start = next;
        }
        k = start;
    }
}

/// What a backfill batch updates: its `UPDATE <table> SET <set>` (the same in every batch of one
/// backfill, whether it starts from a key or not).
fn backfill_target(sql: &str) -> &str {
    let from = sql.find("UPDATE ").unwrap_or(0);
    let rest = &sql[from..];
    &rest[..rest.find(" WHERE ").unwrap_or(rest.len())]
}

/// Consecutive backfill batches of one migration as one entry.
fn merge_batches(ran: Vec<Ran>) -> Vec<Ran> {
    let mut out: Vec<Ran> = Vec::new();
    for r in ran {
        match out.last_mut() {
            Some(prev)
                if prev.rows.is_some()
                    && r.rows.is_some()
                    && prev.version == r.version
                    && prev.error.is_none()
                    && backfill_target(&prev.sql) == backfill_target(&r.sql) =>
            {
                prev.rows = Some(prev.rows.unwrap_or(0) + r.rows.unwrap_or(0));
                prev.batches += 1;
                prev.duration = (r.started + r.duration) - prev.started;
                prev.transaction_end = r.transaction_end;
                prev.error = r.error;
            }
            _ => out.push(r),
        }
    }
    out
}

/// The relfilenode of each table of a database, by (schema, table).
async fn relfilenodes(client: &Client) -> Result<BTreeMap<(String, String), i64>> {
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
        crate::copy::stream(target, copy, &format!("SELECT {list} FROM {t}"), &format!("{t} ({list})"))
            .await
            .with_context(|| format!("copying the history table {t} to the copy"))?;
    }
    Ok(())
}

/// A runner of `migrations` with `config` and `repeatables` on the copy.
fn runner(migrations: &[Migration], repeatables: &[Repeatable], config: &Config, copy: &Scratch) -> Migrator {
    let mut m = Migrator::new(migrations.to_vec());
    m.with_config(config.clone());
    m.with_repeatables(repeatables.to_vec());
    m.connected_from(copy.origin.clone());
    m
}

/// Rehearses the migrations pending on the database at `url` ([module docs](self)); `progress`
/// receives what is done as it goes (the copy made, its warnings).
pub async fn rehearse(
    url: &str,
    migrations: Vec<Migration>,
    repeatables: Vec<Repeatable>,
    config: Config,
    options: &Options,
    progress: &dyn Fn(String),
) -> Result<Rehearsal> {
    let target = crate::connect::connect(url).await?;
    let mut m = Migrator::new(migrations.clone());
    m.with_config(config.clone());
    m.with_repeatables(repeatables.clone());
    let status = m.status(&target).await?;
    let pending = status.pending_versions(None);
    let mut report = Rehearsal {
        pending: pending.clone(),
        max_lock_ms: ms(options.max_lock),
        copy: None,
        migrations: Vec::new(),
        rewritten_outside_transactions: Vec::new(),
        notes: Vec::new(),
        down: None,
        up_again: None,
        problems: Vec::new(),
    };
    if pending.is_empty() && status.repeatables.iter().all(|r| r.state == "applied") {
        return Ok(report);
    }
    // The migrations' schema on the target.
    let schema: String = match &config.schema {
        Some(s) => s.clone(),
        None => target.query_one("SELECT current_schema()::text", &[]).await?.get::<_, Option<String>>(0).context(
            "the target's session has no current schema (its search_path names no schema that exists): set `schema` in migrate.toml",
        )?,
    };
    // One snapshot for the schema and every table, read-only: nothing is written to the target.
    target
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .context("starting a read-only transaction on the target")?;
    let mut copy = Scratch::create_on(url, options.scratch_url.as_deref(), "rehearse").await?;
    progress(format!(
        "copying the schema {schema} and up to {} rows per table to {}{}",
        options.rows,
        copy.name,
        if options.keep { " (kept: --keep)" } else { " (dropped at the end)" }
    ));
    let outcome =
        on_copy(&target, &mut copy, (&migrations, &repeatables, &config), &schema, options, progress, &mut report)
            .await;
    if options.keep {
        progress(format!("the copy {} is kept: drop it with `DROP DATABASE \"{}\"` when done", copy.name, copy.name));
    } else {
        copy.drop().await;
    }
    outcome?;
    Ok(report)
}

/// The rehearsal on the copy: built, run, analysed into `report`.
async fn on_copy(
    target: &Client,
    copy: &mut Scratch,
    (migrations, repeatables, config): (&[Migration], &[Repeatable], &Config),
    schema: &str,
    options: &Options,
    progress: &dyn Fn(String),
    report: &mut Rehearsal,
) -> Result<()> {
    let started = Instant::now();
    // The copy is loaded on a connection of its own (its session settings for COPY stay there); the
    // migrating session uses the schema as the target's current one.
    let loader = copy.connect_again().await?;
    let copied = crate::copy::build(target, &loader, schema, &config.own_tables(), options.rows).await?;
    drop(loader);
    copy.client
        .batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))
        .await
        .context("setting the copy's search_path")?;
    // The copy's history tables (this tool's layout), then the target's rows: the copy's `up` runs
    // exactly the migrations the target's would.
    let mut empty = runner(&[], &[], config, copy);
    empty.up(&mut copy.client, None).await.context("creating the history tables on the copy")?;
    let tables = empty.tables(schema);
    copy_history(target, &copy.client, &[tables.history.clone(), tables.repeat.clone()]).await?;
    target.batch_execute("COMMIT").await.ok();
    let last_applied = runner(migrations, repeatables, config, copy)
        .status(&copy.client)
        .await?
        .applied_versions()
        .into_iter()
        .max()
        .unwrap_or(0);
    progress(format!(
        "copied {} rows of {} tables in {:.1}s",
        copied.tables.iter().map(|t| t.rows).sum::<u64>(),
        copied.tables.len(),
        started.elapsed().as_secs_f64()
    ));
    for w in &copied.warnings {
        progress(format!("warning [rehearse] {w}"));
    }
    report.copy = Some(CopyReport {
        name: copy.name.clone(),
        kept: options.keep,
        rows_limit: options.rows,
        tables: copied.tables.clone(),
        warnings: copied.warnings.clone(),
    });

    // The run, watched.
    let ran: Arc<Mutex<Vec<Ran>>> = Arc::default();
    let mut run = runner(migrations, repeatables, config, copy);
    {
        let ran = ran.clone();
        run.on_statement(move |e| {
            ran.lock().expect("not poisoned").push(Ran {
                version: e.version,
                sql: e.sql.to_string(),
                started: e.started,
                duration: e.duration,
                transactional: e.transactional,
                transaction_end: e.started + e.duration,
                next_start: None,
                first_in_transaction: e.first_in_transaction,
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
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample(watcher, pid, stop.clone()));
    let first = run.up(&mut copy.client, None).await;
    stop.store(true, Ordering::SeqCst);
    let (samples, stopped) = sampler.await.unwrap_or_else(|e| (Vec::new(), Some(e.to_string())));
    if let Some(e) = stopped {
        let note =
            format!("the lock sampler stopped early ({e}): hold times after that are the statements' own durations");
        progress(format!("warning [rehearse] {note}"));
        report.notes.push(note);
    }
    let after = relfilenodes(&copy.client).await?;
    let (done, up_error) = match first {
        Ok(r) => (r, None),
        Err(f) => (f.report, Some(f.error.to_string())),
    };
    let mut ran = std::mem::take(&mut *ran.lock().expect("not poisoned"));
    transactions(&mut ran);
    let ran = merge_batches(ran);

    let name_of = |s: &str, t: &str| if s == schema { t.to_string() } else { format!("{s}.{t}") };
    // The rows copied, or (a partition, a materialized view, a table renamed or filled by an earlier
    // pending migration) the planner's count.
    let rows_of = |s: &str, t: &str, counted: u64| if s == schema { copied.rows(t).max(counted) } else { counted };
    let mut known = before.clone();
    let mut rewritten_seen = BTreeSet::new();
    let mut order: Vec<Option<u64>> = Vec::new();
    for r in &ran {
        if !order.contains(&r.version) {
            order.push(r.version);
        }
    }
    for version in order {
        let id = match version {
            Some(v) => migrations.iter().find(|x| x.version == v).map_or(v.to_string(), Migration::id),
            None => "repeatables".to_string(),
        };
        let applied = done.applied.iter().find(|d| Some(d.version) == version);
        let mut statements = Vec::new();
        for r in ran.iter().filter(|r| r.version == version) {
            let mut locks: Vec<LockReport> = Vec::new();
            if r.transactional {
                for l in &r.took {
                    let key = (l.schema.clone(), l.table.clone());
                    let rewritten = known.get(&key).is_some_and(|n| *n != l.relfilenode);
                    if rewritten {
                        rewritten_seen.insert(key.clone());
                    }
                    if let Some(n) = known.get_mut(&key) {
                        *n = l.relfilenode;
                    }
                    let held = held_for(r, &samples, &l.schema, &l.table, lock_strength(&l.mode));
                    locks.push(LockReport {
                        table: name_of(&l.schema, &l.table),
                        mode: l.mode.clone(),
                        held_ms: ms(held),
                        blocks_writes: lock_strength(&l.mode) >= BLOCKS_WRITES,
                        rewritten,
                        rows: rows_of(&l.schema, &l.table, l.rows),
                    });
                }
            } else {
                // Outside a transaction the locks end with the statement: what the samples saw during it.
                let end = r.started + r.duration;
                let mut seen: Vec<(String, String, u8, u64)> = Vec::new();
                for s in samples.iter().filter(|s| s.at >= r.started && s.at <= end) {
                    for (n, t, st, rows) in &s.locks {
                        match seen.iter_mut().find(|(a, b, _, _)| a == n && b == t) {
                            Some(x) => x.2 = x.2.max(*st),
                            None => seen.push((n.clone(), t.clone(), *st, *rows)),
                        }
                    }
                }
                // The tables it rewrote (under ACCESS EXCLUSIVE, whether the samples saw it or not).
                for l in &r.took {
                    let key = (l.schema.clone(), l.table.clone());
                    rewritten_seen.insert(key.clone());
                    if let Some(n) = known.get_mut(&key) {
                        *n = l.relfilenode;
                    }
                    match seen.iter_mut().find(|(a, b, _, _)| *a == l.schema && *b == l.table) {
                        Some(x) => x.2 = x.2.max(lock_strength(&l.mode)),
                        None => seen.push((l.schema.clone(), l.table.clone(), lock_strength(&l.mode), l.rows)),
                    }
                }
                for (n, t, st, counted) in seen {
                    let rewritten = r.took.iter().any(|l| l.schema == n && l.table == t);
                    locks.push(LockReport {
                        table: name_of(&n, &t),
                        mode: mode_name(st).into(),
                        held_ms: ms(r.duration),
                        blocks_writes: st >= BLOCKS_WRITES,
                        rewritten,
                        rows: rows_of(&n, &t, counted),
                    });
                }
            }
            for l in locks.iter().filter(|l| l.too_long(options.max_lock)) {
                report.problems.push(format!(
                    "{id}: `{}` held {} on {} ({} rows in the copy) for {} ms, longer than --max-lock {} ms: writes to {} wait that long",
                    first_line(&r.sql),
                    l.mode,
                    l.table,
                    l.rows,
                    l.held_ms,
                    ms(options.max_lock),
                    l.table
                ));
            }
            let end = r.started + r.duration;
            let waited = samples.iter().filter(|s| s.at >= r.started && s.at <= end && s.waiting).count();
            statements.push(StatementReport {
                lock_wait_ms: ms(SAMPLE_EVERY * waited as u32),
                sql: r.sql.clone(),
                duration_ms: ms(r.duration),
                transactional: r.transactional,
                rows: r.rows,
                batches: r.rows.map(|_| r.batches),
                error: r.error.clone(),
                locks,
            });
        }
        report.migrations.push(Rehearsed {
            version,
            id,
            applied: version.is_none() && up_error.is_none() || applied.is_some(),
            duration_ms: applied.map(|d| d.duration_ms as f64),
            statements,
        });
    }
    // A table rewritten where no statement showed it.
    report.rewritten_outside_transactions = after
        .iter()
        .filter(|(k, n)| before.get(*k).is_some_and(|b| b != *n) && !rewritten_seen.contains(*k))
        .map(|((s, t), _)| name_of(s, t))
        .collect();
    if let Some(e) = up_error {
        report.problems.push(format!("the pending migrations fail on the copy: {e}"));
        return Ok(());
    }
    if report.pending.is_empty() {
        return Ok(());
    }

    // The downs back to the target's state, then the ups again. An irreversible migration stops the
    // downs: they go back to it, not past it.
    // Back to just before the oldest pending one (below the target's last applied migration when it
    // runs out of order: the ones after it are rolled back and applied again too).
    let oldest = report.pending.iter().min().copied().unwrap_or(0);
    let mut back_to = last_applied.min(oldest.saturating_sub(1));
    let irreversible =
        migrations.iter().filter(|x| x.version > back_to && x.down_ops().is_err()).map(|x| x.version).max();
    back_to = back_to.max(irreversible.unwrap_or(0));
    if let Some(v) = irreversible {
        report.notes.push(format!("the downs go back to {v} only: it is irreversible"));
    }
    let mut again = runner(migrations, repeatables, config, copy);
    let down = again.down(&mut copy.client, DownTarget::To(back_to)).await;
    let (rolled_back, error) = match &down {
        Ok(r) => (r.rolled_back.len(), None),
        Err(f) => (f.report.rolled_back.len(), Some(f.error.to_string())),
    };
    if let Some(e) = &error {
        report.problems.push(format!("the downs fail on the copy: {e}"));
    }
    let ok = error.is_none();
    report.down = Some(DownReport { ok, to: back_to, rolled_back, error });
    if ok {
        let up = again.up(&mut copy.client, None).await;
        let (applied, error) = match &up {
            Ok(r) => (r.applied.len(), None),
            Err(f) => (f.report.applied.len(), Some(f.error.to_string())),
        };
        if let Some(e) = &error {
            report.problems.push(format!("the ups fail on the copy after the downs: {e}"));
        }
        report.up_again = Some(AgainReport { ok: error.is_none(), applied, error });
    }
    Ok(())
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
pub fn first_line(sql: &str) -> String {
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
            transaction_end: at + Duration::from_millis(ms),
            next_start: None,
            first_in_transaction: true,
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
            locks: if held { vec![("public".into(), "t".into(), 8, 10)] } else { vec![] },
            waiting: false,
        };
        // Seen after the statement until 300 ms, then gone (a later sighting is another lock).
        let samples =
            [seen(10, false), seen(50, true), seen(200, true), seen(300, true), seen(310, false), seen(400, true)];
        assert_eq!(held_for(&r, &samples, "public", "t", 8), Duration::from_millis(300));
        // A weaker lock seen does not count for a stronger one: at least the statement's duration.
        assert_eq!(held_for(&r, &samples, "public", "t", 9), Duration::from_millis(100));
        assert_eq!(mode_name(lock_strength("ShareLock")), "ShareLock");
    }

    #[test]
    fn a_lock_taken_in_a_transaction_is_held_until_its_last_statement() {
        let t0 = Instant::now();
        let mut ran = vec![
            ran(t0, 10),
            Ran { first_in_transaction: false, ..ran(t0 + Duration::from_millis(10), 40) },
            ran(t0 + Duration::from_millis(60), 5),
        ];
        transactions(&mut ran);
        assert_eq!(ran[0].transaction_end, t0 + Duration::from_millis(50));
        assert_eq!(ran[1].transaction_end, t0 + Duration::from_millis(50));
        assert_eq!(ran[2].transaction_end, t0 + Duration::from_millis(65));
        assert_eq!(held_for(&ran[0], &[], "public", "t", 8), Duration::from_millis(50));
        // The next transaction's locks on the same table are not this one's.
        assert_eq!(ran[1].next_start, Some(t0 + Duration::from_millis(60)));
        let seen = |ms: u64| Sample {
            at: t0 + Duration::from_millis(ms),
            locks: vec![("public".into(), "t".into(), 8, 10)],
            waiting: false,
        };
        assert_eq!(held_for(&ran[0], &[seen(55), seen(62), seen(64)], "public", "t", 8), Duration::from_millis(55));
    }

    #[test]
    fn backfill_batches_are_taken_together() {
        let t0 = Instant::now();
        let batch = |ms: u64, rows: i64, table: &str| Ran {
            rows: Some(rows),
            sql: format!("WITH batch AS (..), upd AS (UPDATE {table} SET n = 1 WHERE (id) IN (..)) SELECT .."),
            ..ran(t0 + Duration::from_millis(ms), 10)
        };
        let merged = merge_batches(vec![
            ran(t0, 5),
            batch(10, 100, "a"),
            batch(20, 100, "a"),
            batch(30, 7, "a"),
            batch(40, 3, "b"),
        ]);
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[2].rows, Some(3));
        assert_eq!(merged[1].rows, Some(207));
        assert_eq!(merged[1].batches, 3);
        assert_eq!(merged[1].duration, Duration::from_millis(30));
    }

    #[test]
    fn a_lock_fails_the_rehearsal_only_when_it_blocks_writes_to_rows_for_too_long() {
        let lock = |mode: &str, rows: u64, held_ms: f64| LockReport {
            table: "t".into(),
            mode: mode.into(),
            held_ms,
            blocks_writes: lock_strength(mode) >= BLOCKS_WRITES,
            rewritten: false,
            rows,
        };
        let max = Duration::from_millis(100);
        assert!(lock("AccessExclusiveLock", 10, 150.0).too_long(max));
        assert!(!lock("AccessExclusiveLock", 10, 50.0).too_long(max));
        assert!(!lock("AccessExclusiveLock", 0, 150.0).too_long(max));
        assert!(!lock("ShareUpdateExclusiveLock", 10, 150.0).too_long(max));
        assert!(lock("ShareLock", 10, 150.0).too_long(max));
    }
}
