//! Baselines written by `squash` ([`Migration::squashes`]): on a database that applied the migrations a
//! baseline replaces, `up` rewrites the history row of the baseline's version in place into the
//! baseline's row, running no SQL, with a `squash` event; on a new database the baseline runs instead of
//! them; a database that applied only some of them is refused. The rows of the replaced migrations stay
//! in the history (nothing is deleted), shown as squashed, and nothing below the baseline is rolled
//! back on such a database: the downs that would do it went with the code.

use std::collections::HashMap;

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::error::RunError;
use super::history::{self, Event, HistoryRow, HistoryTables};
use super::{Migrator, Report};
use crate::registry::Migration;

/// How a baseline stands on a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The row of its version is its own (it bears the baseline's name: `squash` refuses a baseline
    /// named as the migration whose version it takes): it ran here, or was recorded in place of what
    /// it replaces. From there it is an ordinary migration: applied, changed since (a checksum
    /// mismatch), or stopped part-way (resumed by `up`).
    Own,
    /// Every migration it replaces is applied, one by one: the next `up` records it in their place.
    Replaces,
    /// None of them is in the history: it runs as any pending migration.
    Fresh,
    /// Some are applied, these are not: refused until they are applied with the code before the squash.
    Lacks(Vec<u64>),
    /// One of them stopped part-way (failed or interrupted): it must be finished with the old code.
    Unfinished(u64),
}

/// Where `baseline` stands, given the history `rows` (in any order).
pub(crate) fn standing(baseline: &Migration, rows: &[HistoryRow]) -> Standing {
    let of: HashMap<u64, &HistoryRow> =
        rows.iter().filter(|r| baseline.squashes.contains(&r.version)).map(|r| (r.version, r)).collect();
    if of.get(&baseline.version).is_some_and(|r| r.name == baseline.name) {
        return Standing::Own;
    }
    if of.is_empty() {
        return Standing::Fresh;
    }
    if let Some(r) = baseline.squashes.iter().filter_map(|v| of.get(v)).find(|r| r.state != "applied") {
        return Standing::Unfinished(r.version);
    }
    let lacking: Vec<u64> = baseline.squashes.iter().copied().filter(|v| !of.contains_key(v)).collect();
    if lacking.is_empty() { Standing::Replaces } else { Standing::Lacks(lacking) }
}

/// Whether the history shows `baseline` recorded in place of migrations applied one by one (rows of
/// the versions it replaces, other than its own, are there): nothing below it can be rolled back.
pub(crate) fn recorded_in_place(baseline: &Migration, rows: &[HistoryRow]) -> bool {
    rows.iter().any(|r| r.version != baseline.version && baseline.squashes.contains(&r.version))
}

/// For each version a baseline in the code replaces (other than its own), the baseline.
pub(crate) fn squashed_into(code: &[Migration]) -> HashMap<u64, &Migration> {
    code.iter()
        .filter(|m| !m.squashes.is_empty())
        .flat_map(|m| m.squashes.iter().filter(move |v| **v != m.version).map(move |v| (*v, m)))
        .collect()
}

/// Why nothing below a baseline recorded in place can be rolled back.
pub(crate) fn below_reason(baseline: &Migration) -> String {
    format!(
        "it is a baseline recorded in place of the {} migrations it squashes, applied here one by one, and their downs went with the code: rolling back below it needs the code from before the squash (its commit in git)",
        baseline.squashes.len()
    )
}

/// The refusal for a baseline that cannot be recorded or run here.
pub(crate) fn refusal(baseline: &Migration, standing: &Standing) -> Option<RunError> {
    let id = baseline.id();
    let last = baseline.squashes.last().copied().unwrap_or(baseline.version);
    match standing {
        Standing::Lacks(lacking) => Some(RunError::SquashIncomplete {
            baseline: id,
            applied: baseline.squashes.len() - lacking.len(),
            lacking: lacking.clone(),
            last,
        }),
        Standing::Unfinished(v) => Some(RunError::Inconsistent(format!(
            "migration {v}, squashed into {id}, stopped part-way on this database: finish it with the code from before the squash (its commit in git: `migrate-cli up --to {last}` there, with `--allow-out-of-order` if it refuses a version older than one applied), then run `up` with this code"
        ))),
        _ => None,
    }
}

/// Before `up` runs anything: refuses a baseline that cannot be recorded or run here, and returns
/// the baselines to record in place (whose versions' rows are still the replaced migration's: the
/// checksum check passes them over).
pub(super) fn to_record<'a>(m: &'a Migrator, rows: &[HistoryRow]) -> Result<Vec<&'a Migration>, Box<RunError>> {
    let mut out = Vec::new();
    // Whatever `--to` says: recording runs nothing, and the database holds what the baseline makes.
    for baseline in m.migrations.iter().filter(|b| !b.squashes.is_empty()) {
        let standing = standing(baseline, rows);
        if let Some(refused) = refusal(baseline, &standing) {
            return Err(Box::new(refused));
        }
        if standing == Standing::Replaces {
            out.push(baseline);
        }
    }
    Ok(out)
}

/// Records each of `baselines` ([`to_record`]) in place of the migrations it replaces, which this
/// database applied one by one: one transaction each, fenced, with a `squash` event; no SQL of theirs
/// runs.
pub(super) async fn record_in_place(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    baselines: &[&Migration],
    who: &str,
    report: &mut Report,
) -> Result<(), RunError> {
    for baseline in baselines {
        let loaded = baseline.loaded()?;
        let (up, _) = m.steps(&loaded)?;
        let up_sql = super::apply::statements(&up);
        let failed = |e: tokio_postgres::Error| RunError::db(format!("recording {} in the history", baseline.id()), &e);
        let tx = client.transaction().await.map_err(failed)?;
        tables.check_fence(&tx).await.map_err(failed)?;
        let sql = format!(
            "UPDATE {} SET name = $2, checksum = $3, checksum_format = $4, transactional = $5, up_sql = $6,
                    down_sql = NULL, irreversible_reason = $7, lint_acks = $8, original_id = NULL, tool_version = $9,
                    up_step_sizes = NULL, step_undo_sql = NULL, step_undo_sizes = NULL
             WHERE version = $1 AND state = 'applied'",
            tables.history
        );
        let acks = super::apply::acks_of(baseline);
        let reason = below_reason(baseline);
        let format = baseline.checksum_format as i32;
        let updated = tx
            .execute_typed(
                &sql,
                &[
                    (&(baseline.version as i64), Type::INT8),
                    (&baseline.name, Type::TEXT),
                    (&baseline.checksum, Type::TEXT),
                    (&format, Type::INT4),
                    (&baseline.transaction, Type::BOOL),
                    (&up_sql, Type::TEXT_ARRAY),
                    (&reason, Type::TEXT),
                    (&acks, Type::TEXT_ARRAY),
                    (&env!("CARGO_PKG_VERSION"), Type::TEXT),
                ],
            )
            .await
            .map_err(failed)?;
        if updated != 1 {
            // The row changed under the run (the lock keeps other runs out; a hand edit does not).
            return Err(RunError::Inconsistent(format!(
                "the history row of {} changed while it was being recorded in place: run `up` again",
                baseline.id()
            )));
        }
        let first = baseline.squashes.first().copied().unwrap_or(baseline.version);
        let detail = format!(
            "recorded in place of the {} migrations it squashes ({first} to {}), applied here one by one; no SQL run",
            baseline.squashes.len(),
            baseline.version
        );
        let event = Event {
            version: Some(baseline.version),
            name: Some(&baseline.name),
            action: "squash",
            outcome: "ok",
            actor: who,
            sql: None,
            detail: Some(detail.clone()),
        };
        history::log(&tx, tables, &event).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        m.progress(format!("recorded {}: {detail}", baseline.id()));
        report.recorded.push(format!("{} {detail}", baseline.id()));
    }
    Ok(())
}
