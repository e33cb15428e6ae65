//! Batched updates: many short transactions instead of one long one, each recording how far it got.
//!
//! With a primary key, batches go in key order (a composite key compared as a row value), and each
//! batch's last key, recorded in the history in the batch's own transaction, is where a resumed run
//! starts: every row is updated exactly once, across kills and restarts. Without a key, batches are
//! taken by `ctid` among the rows the filter selects; a `ctid` is never kept from one transaction to
//! the next (rows move and their slots are reused on a live table), so progress rests on the filter
//! alone: a batch in which an updated row still matches it is rolled back and the backfill stops.

use std::time::{Duration, Instant};
use tokio_postgres::types::Type;

use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::error::{DbFailure, Sent};
use super::history;
use super::in_transaction;
use super::plan::BackfillStep;
use super::step::{StepOf, wait_before_retry};
use crate::ident::quote_ident;

/// A failure of the backfill itself (not of the server), with the statement it concerns.
fn stopped(message: String, statement: Option<String>) -> DbFailure {
    DbFailure { code: String::new(), message, detail: None, hint: None, statement, position: None }
}

/// One batch's SQL. It returns the batch's last key as text (`NULL` when the batch was empty: the
/// backfill is done), the rows updated, and how many of those still match the filter. With a key,
/// `$1` (when resuming) is the last key done: its text, or for a composite key the text of an array of its columns' texts.
fn batch_sql(b: &BackfillStep, after_cursor: bool) -> String {
    let t = quote_ident(&b.table);
    let n = b.batch_size;
    let set = &b.set;
    let still = b.filter.as_ref().map(|f| format!("({f})")).unwrap_or_else(|| "false".into());
    let filter = b.filter.as_ref().map(|f| format!(" AND ({f})")).unwrap_or_default();
    if b.key.is_empty() {
        return format!(
            "WITH upd AS (UPDATE {t} SET {set} WHERE ctid IN (SELECT ctid FROM {t} WHERE true{filter} LIMIT {n}) RETURNING {still} AS still) \
             SELECT NULL::text, count(*), count(*) FILTER (WHERE still) FROM upd"
        );
    }
    let cols: Vec<String> = b.key.iter().map(|(k, _)| quote_ident(k)).collect();
    let list = cols.join(", ");
    let after = if !after_cursor {
        "true".to_string()
    } else if let [(_, ty)] = b.key.as_slice() {
        format!("{list} > $1::text::{ty}")
    } else {
        let values: Vec<String> =
            b.key.iter().enumerate().map(|(i, (_, ty))| format!("($1::text::text[])[{}]::{ty}", i + 1)).collect();
        format!("({list}) > ({})", values.join(", "))
    };
    // The last key is read from `b.` columns: a bare name in ORDER BY would bind to the `::text` output
    // column and order the keys as text (1..1000 would end at '999' and key 1000 be updated twice).
    let desc: Vec<String> = cols.iter().map(|c| format!("b.{c} DESC")).collect();
    let last = match cols.as_slice() {
        [c] => format!("b.{c}::text"),
        _ => format!("ARRAY[{}]::text", cols.iter().map(|c| format!("b.{c}::text")).collect::<Vec<_>>().join(", ")),
    };
    format!(
        "WITH batch AS (SELECT {list} FROM {t} WHERE {after}{filter} ORDER BY {list} LIMIT {n}), \
         upd AS (UPDATE {t} SET {set} WHERE ({list}) IN (SELECT {list} FROM batch){filter} RETURNING {still} AS still) \
         SELECT (SELECT {last} FROM batch b ORDER BY {desc} LIMIT 1), (SELECT count(*) FROM upd), \
                (SELECT count(*) FROM upd WHERE still)",
        desc = desc.join(", ")
    )
}

/// Runs a batched update: `batch_size` rows at a time in key order (or by `ctid` among the rows the
/// filter selects), each batch its own short transaction with `batch_statement_timeout`, reporting
/// rows, rate and ETA about every 2 seconds. `start` is the last key an interrupted run recorded.
pub(super) async fn run(
    of: &StepOf<'_>,
    client: &mut Client,
    b: &BackfillStep,
    start: Option<String>,
) -> Result<i64, DbFailure> {
    let m = of.m;
    if b.key.is_empty() && b.filter.is_none() {
        return Err(stopped(
            format!(
                "backfill of {}: the table has no primary key to take batches in order, so the backfill needs a `.where_(..)` that the update makes false (the rows still to do)",
                b.table
            ),
            None,
        ));
    }
    let estimate: i64 = client
        .query_typed_one(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass($1)",
            &[(&quote_ident(&b.table), Type::TEXT)],
        )
        .await
        .map(|r| r.get(0))
        .unwrap_or(0);
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut done: i64 = 0;
    let mut cursor: Option<String> = start;
    if let Some(c) = &cursor {
        m.progress(format!("  resuming the backfill of {} after key {c}", b.table));
    }
    let timeout = format!("SET LOCAL statement_timeout = {}", m.config.batch_statement_timeout.as_millis());
    let (first, next) = (batch_sql(b, false), batch_sql(b, true));
    loop {
        let sql = if cursor.is_some() { &next } else { &first };
        let params: Vec<(&(dyn ToSql + Sync), Type)> = match &cursor {
            Some(c) => vec![(c, Type::TEXT)],
            None => vec![],
        };
        let sent = Sent { statements: vec![(0, sql.clone())] };
        let mut attempt = 0;
        let (last, updated) = loop {
            let tx = client.transaction().await.map_err(|e| DbFailure::from_error(&e, None))?;
            let result = async {
                tx.batch_execute(&format!("{}; {timeout}", in_transaction(&m.config, of.tables)))
                    .await
                    .map_err(|e| DbFailure::from_error(&e, None))?;
                let started = Instant::now();
                let row = tx.query_typed_one(sql, &params).await.map_err(|e| DbFailure::from_error(&e, Some(&sent)));
                if m.observed() {
                    m.executed(super::observe::Executed {
                        version: Some(of.version),
                        sql,
                        started,
                        duration: started.elapsed(),
                        transactional: true,
                        first_in_transaction: true,
                        rows: row.as_ref().ok().map(|r| r.get(1)),
                        error: row.as_ref().err(),
                        took: &[],
                    });
                }
                let row = row?;
                let last: Option<String> = row.get(0);
                let updated: i64 = row.get(1);
                let still: i64 = row.get(2);
                if b.key.is_empty() && still > 0 {
                    // Taken by ctid, a row the filter still selects would be picked again: updated
                    // twice, or forever. The batch is rolled back (the transaction is dropped).
                    return Err(stopped(
                        format!(
                            "backfill of {}: after the update {still} of the batch's {updated} rows still match `{}`, so they would be updated again; the batch was rolled back. Make the SET change what the filter tests, or give the table a primary key",
                            b.table,
                            b.filter.as_deref().unwrap_or("")
                        ),
                        Some(sql.clone()),
                    ));
                }
                if let Some(c) = &last {
                    of.tables.check_fence(&tx).await.map_err(|e| DbFailure::from_error(&e, None))?;
                    history::set_cursor(&tx, of.tables, of.version, c)
                        .await
                        .map_err(|e| DbFailure::from_error(&e, None))?;
                }
                Ok::<_, DbFailure>((last, updated))
            }
            .await;
            match result {
                Ok(r) => {
                    tx.commit().await.map_err(|e| DbFailure::from_error(&e, None))?;
                    break r;
                }
                Err(failure) => {
                    drop(tx);
                    // Each batch is a transaction of its own: a deadlock or serialization failure is
                    // retried too.
                    if wait_before_retry(m, &failure, &mut attempt, true).await {
                        continue;
                    }
                    return Err(failure);
                }
            }
        };
        done += updated;
        if updated > 0 {
            crate::trace::backfill_batch(&b.table, updated, done);
        }
        let finished = if b.key.is_empty() { updated == 0 } else { last.is_none() };
        if finished {
            m.progress(format!("  backfilled {done} rows of {} in {:.1}s", b.table, started.elapsed().as_secs_f64()));
            return Ok(done);
        }
        cursor = last;
        if last_report.elapsed() >= Duration::from_secs(2) {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            let eta = if estimate > done && rate > 0.0 {
                format!(", about {:.0}s left", (estimate - done) as f64 / rate)
            } else {
                String::new()
            };
            m.progress(format!("  backfill {}: {done} rows ({rate:.0} rows/s{eta})", b.table));
            last_report = Instant::now();
        }
        if b.pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(b.pause_ms))).await;
        }
    }
}
