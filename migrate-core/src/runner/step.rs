//! Running one step: its statements (one by one, or as one batch), its transaction or autocommit,
//! timeouts, retries after a lock timeout, the guard of a retried concurrent index build, and the
//! check for an index it left INVALID.

use std::time::Instant;
use tokio_postgres::types::Type;

use tokio_postgres::Client;

use super::Migrator;
use super::error::{DbFailure, Sent};
use super::history::{self, HistoryTables};
use super::observe::{Executed, TableLock};
use super::plan::{Guard, Step};
use super::timeouts;
use crate::ident::quote_ident;

/// Executes statements one by one, so that a failure names its statement (a multi-statement batch
/// reports no statement for errors without a position, such as a division by zero). A statement that
/// runs long is reported every 10 seconds.
pub(super) async fn execute_each(
    m: &Migrator,
    c: &impl tokio_postgres::GenericClient,
    at: At,
    statements: &[String],
) -> Result<(), DbFailure> {
    // With an observer, the locks the transaction held after the statement before.
    let mut held: Vec<TableLock> = Vec::new();
    for (k, st) in statements.iter().enumerate() {
        let head: String = st.chars().take(60).collect();
        // Outside a transaction the locks end with the statement: what it rewrote is read around it.
        let before = match m.observed() && !at.transactional {
            true => Some(super::observe::files(c).await?),
            false => None,
        };
        let started = Instant::now();
        let mut result = with_ticker(m, c.batch_execute(st), &head)
            .await
            .map_err(|e| DbFailure::from_error(&e, Some(&Sent { statements: vec![(0, st.clone())] })));
        if m.observed() {
            let duration = started.elapsed();
            let mut took = Vec::new();
            if at.transactional && result.is_ok() {
                match super::observe::held(c).await {
                    Ok(now) => {
                        took = super::observe::new_locks(&held, &now);
                        held = now;
                    }
                    Err(failure) => result = Err(failure),
                }
            }
            if let (Some(before), true) = (&before, result.is_ok()) {
                match super::observe::files(c).await {
                    Ok(after) => took = super::observe::rewritten(before, &after),
                    Err(failure) => result = Err(failure),
                }
            }
            m.executed(Executed {
                version: at.version,
                sql: st,
                started,
                duration,
                transactional: at.transactional,
                first_in_transaction: k == 0 || !at.transactional,
                rows: None,
                error: result.as_ref().err(),
                took: &took,
            });
        }
        result?;
    }
    Ok(())
}

/// Where statements run: for which migration, and whether inside a transaction.
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    /// The migration (`None` for a repeatable migration).
    pub(super) version: Option<u64>,
    pub(super) transactional: bool,
}

impl At {
    pub(super) fn tx(version: u64) -> At {
        At { version: Some(version), transactional: true }
    }

    pub(super) fn autocommit(version: u64) -> At {
        At { version: Some(version), transactional: false }
    }
}

/// Awaits `run`, reporting every 10 seconds that `what` is still running.
pub(super) async fn with_ticker<T>(m: &Migrator, run: impl std::future::Future<Output = T>, what: &str) -> T {
    tokio::pin!(run);
    let started = Instant::now();
    loop {
        tokio::select! {
            r = &mut run => return r,
            _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {
                m.progress(format!("  still running after {}s: {what}", started.elapsed().as_secs()));
            }
        }
    }
}

/// Sends `prefix` and `statements` as one simple query (one round trip). A server error is mapped to
/// the statement its position falls in; without a position the statement is unknown, so callers that
/// need it run [`execute_each`] after a failure. With an observer
/// ([`Migrator::on_statement`](super::Migrator::on_statement)) the statements go one by one, so that
/// each is seen.
pub(super) async fn execute_batch(
    m: &Migrator,
    c: &impl tokio_postgres::GenericClient,
    at: At,
    prefix: &str,
    statements: &[String],
) -> Result<(), DbFailure> {
    if m.observed() {
        c.batch_execute(prefix).await.map_err(|e| DbFailure::from_error(&e, None))?;
        return execute_each(m, c, at, statements).await;
    }
    let mut text = String::from(prefix);
    let mut sent = Sent { statements: vec![(0, prefix.to_string())] };
    let mut chars = prefix.chars().count();
    for st in statements {
        text.push_str(";\n");
        chars += 2;
        sent.statements.push((chars, st.clone()));
        text.push_str(st);
        chars += st.chars().count();
    }
    let what = format!("{} statements", statements.len());
    with_ticker(m, c.batch_execute(&text), &what).await.map_err(|e| DbFailure::from_error(&e, Some(&sent)))
}

/// Runs `work`, step `k` of the `steps` of migration `version`, in its span (`migrate.step`).
/// `work` gives the rows a backfill updated.
pub(super) async fn traced(
    version: u64,
    (k, steps): (usize, usize),
    transactional: bool,
    work: impl std::future::Future<Output = Result<Option<i64>, DbFailure>>,
) -> Result<Option<i64>, DbFailure> {
    let span = crate::trace::step(version, k, steps, transactional);
    let result = crate::trace::timed(&span, work, DbFailure::sqlstate).await;
    if let Ok(Some(rows)) = result {
        crate::trace::rows(&span, rows);
    }
    result
}

/// Which migration a step belongs to, for its progress record.
pub(super) struct StepOf<'a> {
    pub(super) m: &'a Migrator,
    pub(super) tables: &'a HistoryTables,
    pub(super) version: u64,
    /// `up` or `down`.
    pub(super) direction: &'a str,
}

/// Runs step `k` of a non-transactional migration, retrying it when it could not get its lock in
/// time (a retried autocommit index step first cleans what the failed attempt left); gives the rows
/// a backfill step updated.
pub(super) async fn run_step(
    of: &StepOf<'_>,
    client: &mut Client,
    k: usize,
    step: &Step,
    resuming: bool,
    cursor: Option<String>,
) -> Result<Option<i64>, DbFailure> {
    if let Some(b) = &step.backfill {
        // Its batches retry on their own and record their progress: never restarted from here.
        let rows = super::backfill::run(of, client, b, cursor).await?;
        let done = history::set_progress(&*client, of.tables, of.version, "in_progress", of.direction, k + 1);
        of.tables.fenced(client, done).await.map_err(|e| DbFailure::from_error(&e, None))?;
        return Ok(Some(rows));
    }
    let mut attempt = 0;
    loop {
        match run_step_once(of, client, k, step, resuming || attempt > 0).await {
            Err(failure) if wait_before_retry(of.m, &failure, &mut attempt, step.transactional).await => continue,
            other => return other.map(|()| None),
        }
    }
}

/// Why a failure is worth another attempt, if it is: a lock timeout (55P03) always; a serialization
/// failure (40001) or a deadlock (40P01) when the work ran in a transaction, which rolled back whole.
pub(super) fn retry_reason(code: &str, transactional: bool) -> Option<&'static str> {
    match code {
        "55P03" => Some("could not get a lock within lock_timeout"),
        "40P01" if transactional => Some("was chosen to end a deadlock"),
        "40001" if transactional => Some("hit a serialization failure"),
        _ => None,
    }
}

/// Whether a failure is worth another attempt ([`retry_reason`]; at most `lock_retries` more); if
/// so, reports it and waits (200 ms, doubling, at most 5 s) before returning true.
pub(super) async fn wait_before_retry(
    m: &Migrator,
    failure: &DbFailure,
    attempt: &mut u32,
    transactional: bool,
) -> bool {
    let Some(reason) = retry_reason(&failure.code, transactional) else { return false };
    if *attempt >= m.config.lock_retries {
        return false;
    }
    *attempt += 1;
    let delay = std::time::Duration::from_millis((200u64 << (*attempt - 1).min(5)).min(5_000));
    crate::trace::retry(*attempt, m.config.lock_retries + 1, delay.as_millis() as u64, &failure.code);
    m.progress(format!(
        "  try {} of {} {reason} (SQLSTATE {}); retrying in {} ms",
        *attempt,
        m.config.lock_retries + 1,
        failure.code,
        delay.as_millis()
    ));
    tokio::time::sleep(delay).await;
    true
}

/// Runs step `k` once and records the progress (`k + 1` steps done).
async fn run_step_once(
    of: &StepOf<'_>,
    client: &mut Client,
    k: usize,
    step: &Step,
    resuming: bool,
) -> Result<(), DbFailure> {
    let StepOf { m, tables, version, direction } = *of;
    if let Some(run) = step.data {
        let tx = client.transaction().await.map_err(|e| DbFailure::from_error(&e, None))?;
        tx.batch_execute(&super::in_transaction(&m.config, tables))
            .await
            .map_err(|e| DbFailure::from_error(&e, None))?;
        let started = Instant::now();
        let result = (run.get())(&tx).await.map_err(|e| {
            DbFailure::from_error(
                &e,
                step.statements.first().map(|s| Sent { statements: vec![(0, s.clone())] }).as_ref(),
            )
        });
        if m.observed() {
            let duration = started.elapsed();
            let took = match &result {
                Ok(()) => super::observe::held(&tx).await?,
                Err(_) => Vec::new(),
            };
            m.executed(Executed {
                version: Some(version),
                sql: step.statements.first().map_or("-- data step", String::as_str),
                started,
                duration,
                transactional: true,
                first_in_transaction: true,
                rows: None,
                error: result.as_ref().err(),
                took: &took,
            });
        }
        result?;
        tables.check_fence(&tx).await.map_err(|e| DbFailure::from_error(&e, None))?;
        history::set_progress(&tx, tables, version, "in_progress", direction, k + 1)
            .await
            .map_err(|e| DbFailure::from_error(&e, None))?;
        return tx.commit().await.map_err(|e| DbFailure::from_error(&e, None));
    }
    if step.statements.iter().any(|s| s.starts_with("-- backfill") || s.starts_with("-- data step")) {
        return Err(DbFailure {
            code: String::new(),
            message: "this step (a batched backfill or Rust code) is stored as a description in the history; it cannot be replayed without the migration's code: restore the migration, or repair by hand and `resolve`".into(),
            detail: None,
            hint: None,
            statement: step.statements.first().cloned(),
            position: None,
        });
    }
    if step.transactional {
        let tx = client.transaction().await.map_err(|e| DbFailure::from_error(&e, None))?;
        tx.batch_execute(&super::in_transaction(&m.config, tables))
            .await
            .map_err(|e| DbFailure::from_error(&e, None))?;
        execute_each(m, &tx, At::tx(version), &step.statements).await?;
        tables.check_fence(&tx).await.map_err(|e| DbFailure::from_error(&e, None))?;
        history::set_progress(&tx, tables, version, "in_progress", direction, k + 1)
            .await
            .map_err(|e| DbFailure::from_error(&e, None))?;
        return tx.commit().await.map_err(|e| DbFailure::from_error(&e, None));
    }
    // Through a pooler, the session settings, the statements and the guard (which resolves the index
    // by the session's search_path) go to the direct connection.
    let session = m.outside_transaction(client, tables).ok_or_else(super::needs_direct)?;
    let skip = if resuming { guard(session, step.guard.as_ref()).await? } else { false };
    if !skip {
        // A run that lost its lease starts no more DDL: the fence is checked before the step too, on
        // its own (its record after the step is fenced as well).
        tables.check_fence(&*client).await.map_err(|e| DbFailure::from_error(&e, None))?;
        let client = session;
        // A concurrent index build waits for older transactions through lock waits: a short
        // lock_timeout would fail it after its scan. It takes no lock that blocks writes, so it may wait.
        let settings = if step.guard.is_some() {
            let mut c = m.config.clone();
            c.lock_timeout = None;
            timeouts(&c, false)
        } else {
            timeouts(&m.config, false)
        };
        client.batch_execute(&settings).await.map_err(|e| DbFailure::from_error(&e, None))?;
        let before = invalid_indexes(client).await?;
        // Each statement alone: `CREATE INDEX CONCURRENTLY` fails even in a multi-statement string's
        // implicit transaction.
        let result = execute_each(m, client, At::autocommit(version), &step.statements).await;
        let _ = client.batch_execute("RESET lock_timeout; RESET statement_timeout").await;
        result?;
        // A concurrent build that failed leaves an INVALID index; `IF NOT EXISTS` on the retry then
        // succeeds without building it. Such a step did not take effect.
        // New ones, and those the step names (a leftover of an earlier try, which `IF NOT EXISTS`
        // skipped).
        let named = |i: &String| step.statements.iter().any(|st| st.contains(i.as_str()));
        let left: Vec<String> =
            invalid_indexes(client).await?.into_iter().filter(|i| !before.contains(i) || named(i)).collect();
        if !left.is_empty() {
            let drops: Vec<String> =
                left.iter().map(|i| format!("DROP INDEX CONCURRENTLY {}", quote_ident(i))).collect();
            return Err(DbFailure {
                code: String::new(),
                message: format!(
                    "after this step the index {} is INVALID (a concurrent build that failed or was cut off, e.g. by a duplicate value or a timeout), so the step did not take effect: drop it ({}), fix the cause, and run `up` again",
                    left.join(", "),
                    drops.join("; ")
                ),
                detail: None,
                hint: None,
                statement: step.statements.last().cloned(),
                position: None,
            });
        }
    }
    let done = history::set_progress(&*client, tables, version, "in_progress", direction, k + 1);
    tables.fenced(client, done).await.map_err(|e| DbFailure::from_error(&e, None))
}

/// The INVALID indexes of the current schema.
async fn invalid_indexes(client: &Client) -> Result<Vec<String>, DbFailure> {
    let rows = client
        .query_typed(
            "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE NOT i.indisvalid AND c.relnamespace = quote_ident(current_schema())::regnamespace ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| DbFailure::from_error(&e, None))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Before retrying an autocommit index step: drops an INVALID index a failed concurrent build left,
/// and reports whether the step already took effect (so it is skipped).
async fn guard(client: &Client, guard: Option<&Guard>) -> Result<bool, DbFailure> {
    let valid = |name: &str| {
        let name = quote_ident(name);
        async move {
            client
                .query_typed_opt(
                    "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
                    &[(&name, Type::TEXT)],
                )
                .await
                .map(|r| r.map(|r| r.get::<_, bool>(0)))
                .map_err(|e| DbFailure::from_error(&e, None))
        }
    };
    match guard {
        Some(Guard::CreateIndex { name }) => match valid(name).await? {
            Some(true) => Ok(true),
            Some(false) => {
                let drop = format!("DROP INDEX CONCURRENTLY {}", quote_ident(name));
                let sent = Sent { statements: vec![(0, drop.clone())] };
                client.batch_execute(&drop).await.map_err(|e| DbFailure::from_error(&e, Some(&sent)))?;
                Ok(false)
            }
            None => Ok(false),
        },
        Some(Guard::DropIndex { name }) => Ok(valid(name).await?.is_none()),
        None => Ok(false),
    }
}
