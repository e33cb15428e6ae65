//! Recovery: the ways out of a migration that stopped part-way.
//!
//! The states of a migration in the history, and what moves it (the README's "Recovery" section):
//!
//! | state | row | `up` | `down` | `resolve` |
//! |---|---|---|---|---|
//! | pending | none | applies it | — | `--applied V`: applied without running |
//! | applied | `applied` | — | runs its down, deletes the row | `--rolled-back V`: row deleted; `--accept-checksum V` |
//! | failed (transactional) | none (rolled back); an `apply error` event | applies it again | — | as pending |
//! | failed at step k+1 | `failed`, `up`, `step` = k steps done | resumes at step k+1, also with changed code whose first k steps are unchanged | undoes the k done steps (stored undos), newest first, then deletes the row | `--applied V` / `--rolled-back V` after repairing by hand |
//! | interrupted at step k+1 | `in_progress`, `up`, k (the run was killed or lost its connection; an `interrupted` event is logged by the next run that finds it) | as failed | as failed | as failed |
//! | running | `in_progress` while another session holds the migration lock | waits for the lock | waits for the lock | waits for the lock |
//! | failed rolling back | `failed`/`in_progress`, `down`, k down steps done | refused: finish the rollback first | resumes the rollback | as failed |
//!
//! `step` always counts the steps done; messages say "step N of M" with N = steps done + 1.

use std::time::Instant;

use tokio_postgres::Client;

use super::error::{DbFailure, RunError};
use super::history::{self, Event, HistoryRow, HistoryTables};
use super::plan::{Step, StepColumns, Undo};
use super::step::{At, execute_each};
use super::{Done, Migrator};

/// Whether a migration that stopped after `row.step` steps can go on with the plan `steps`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resume {
    /// The plan is the one that ran.
    Same,
    /// The code changed after the steps done: the done steps are the first steps of the new plan.
    ChangedAfterTheDoneSteps,
    /// The steps done differ from the new plan's (or the history cannot tell).
    Changed,
}

/// Compares the plan that ran (as stored) with the plan this run would use.
pub(crate) fn resume(row: &HistoryRow, steps: &[Step]) -> Resume {
    let up_sql: Vec<&String> = steps.iter().flat_map(|s| s.statements.iter()).collect();
    let same_sql = row.up_sql.len() == up_sql.len() && row.up_sql.iter().zip(&up_sql).all(|(a, b)| a == *b);
    let Some(stored) = &row.steps else {
        // Written by an older tool: without step boundaries only an identical plan is safe.
        return if same_sql { Resume::Same } else { Resume::Changed };
    };
    let new = StepColumns::of(steps);
    if same_sql && stored.sizes == new.sizes {
        return Resume::Same;
    }
    let done = row.step;
    if stored.sizes.len() < done || new.sizes.len() < done || stored.sizes[..done] != new.sizes[..done] {
        return Resume::Changed;
    }
    let prefix: usize = new.sizes[..done].iter().map(|n| *n as usize).sum();
    if row.up_sql.len() >= prefix && row.up_sql[..prefix].iter().zip(&up_sql[..prefix]).all(|(a, b)| a == *b) {
        Resume::ChangedAfterTheDoneSteps
    } else {
        Resume::Changed
    }
}

/// The message for a migration whose done steps changed: every way out, in order, with the real
/// version.
pub(crate) fn changed_message(id: &str, version: u64, row: &HistoryRow) -> String {
    let of = row.steps_total.map(|m| format!(" of {m}")).unwrap_or_default();
    format!(
        "migration {id} stopped after {} step(s){of} (step {}{of} did not finish), and its code changed in the steps already done, so this run cannot go on from there. Either restore the code it ran with and run `up` to finish it; or run `down --steps 1` to undo the steps done (their undos are stored in the history), then `up`; or finish it by hand and record it with `resolve --applied {version}`",
        row.step,
        row.step + 1
    )
}

/// Logs that an earlier run left `row` in progress (it was killed, or lost its connection). Called by
/// a run that holds the migration lock, so that no other run is working on it.
pub(crate) async fn log_interrupted(client: &Client, tables: &HistoryTables, row: &HistoryRow, who: &str) {
    if row.state != "in_progress" {
        return;
    }
    let detail = format!(
        "found interrupted while being {} at step {}{}: the run that worked on it was killed or lost its connection",
        if row.direction == "down" { "rolled back" } else { "applied" },
        row.step + 1,
        row.steps_total.map(|m| format!(" of {m}")).unwrap_or_default()
    );
    let event = Event {
        version: Some(row.version),
        name: Some(&row.name),
        action: "interrupted",
        outcome: "ok",
        actor: who,
        sql: None,
        detail: Some(detail),
    };
    let _ = history::log(client, tables, &event).await;
}

/// Whether running `undo` is harmless whether or not its step took effect (each statement only drops
/// what exists): the undo of a step that failed, or was cut off, outside a transaction.
fn idempotent(undo: &Undo) -> bool {
    matches!(undo, Undo::Sql(sql) if { let sql = statements_of(sql); !sql.is_empty() && sql.iter().all(|(s, _)| s.contains(" IF EXISTS ")) })
}

/// The statements of stored undo texts, each with whether it must run alone (outside a
/// transaction): a raw SQL down is stored whole (`safe::reverse_undo`), the rest one statement each.
fn statements_of(stored: &[String]) -> Vec<(String, bool)> {
    stored.iter().flat_map(|s| migrate_sql::split_with_autocommit(s)).collect()
}

/// Undoes the steps a migration did before it stopped (`row`: direction `up`, not applied), newest
/// first, from the undos stored with it; then deletes its row. Each undone step lowers the row's
/// count of steps done in the same transaction, so a failure part-way leaves a migration that stopped
/// after fewer steps: `down` again goes on, `up` redoes them.
pub(crate) async fn undo_done_steps(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    row: &HistoryRow,
    who: &str,
) -> Result<Done, RunError> {
    let id = format!("m{}_{}", row.version, row.name);
    let v = row.version;
    let Some(undos) = row.steps.as_ref().and_then(StepColumns::undos) else {
        return Err(RunError::Inconsistent(format!(
            "migration {id} stopped after {} step(s), and the history has no undo for its steps (an older version of the tool ran it): undo by hand what they did, then record it with `resolve --rolled-back {v}`; or finish it by hand and record it with `resolve --applied {v}`",
            row.step
        )));
    };
    let total = undos.len();
    let done = row.step.min(total);
    if let Some((k, Undo::Irreversible(reason))) =
        undos[..done].iter().enumerate().find(|(_, u)| matches!(u, Undo::Irreversible(_)))
    {
        return Err(RunError::Irreversible {
            migration: id,
            reason: format!(
                "it stopped after {done} of {total} steps, and step {} cannot be undone ({reason}). Undo by hand what steps 1 to {done} did, then record it with `resolve --rolled-back {v}`; or finish it by hand and record it with `resolve --applied {v}`",
                k + 1
            ),
        });
    }
    let start = Instant::now();
    let mut sql_run: Vec<String> = Vec::new();
    // The step that failed or was cut off outside a transaction may have left something behind (an
    // INVALID index): its undo runs too when it is harmless either way.
    let mut order: Vec<usize> = Vec::new();
    if undos.get(done).is_some_and(idempotent) {
        order.push(done);
    }
    order.extend((0..done).rev());
    m.progress(format!("undoing the {done} done step(s) of {id}, newest first"));
    for k in order {
        let Undo::Sql(stored) = &undos[k] else { continue };
        let read = statements_of(stored);
        let autocommit = read.iter().any(|(_, alone)| *alone);
        let statements: &Vec<String> = &read.into_iter().map(|(s, _)| s).collect();
        let remaining = k.min(done);
        let result: Result<(), DbFailure> = async {
            if autocommit {
                let outside = m.outside_transaction(client, tables).ok_or_else(super::needs_direct)?;
                execute_each(m, outside, At::autocommit(v), statements).await?;
                let done = history::set_progress(&*client, tables, v, "failed", "up", remaining);
                tables.fenced(client, done).await.map_err(|e| DbFailure::from_error(&e, None))
            } else {
                let tx = client.transaction().await.map_err(|e| DbFailure::from_error(&e, None))?;
                tx.batch_execute(&super::in_transaction(&m.config, tables))
                    .await
                    .map_err(|e| DbFailure::from_error(&e, None))?;
                execute_each(m, &tx, At::tx(v), statements).await?;
                tables.check_fence(&tx).await.map_err(|e| DbFailure::from_error(&e, None))?;
                history::set_progress(&tx, tables, v, "failed", "up", remaining)
                    .await
                    .map_err(|e| DbFailure::from_error(&e, None))?;
                tx.commit().await.map_err(|e| DbFailure::from_error(&e, None))
            }
        }
        .await;
        sql_run.extend(statements.iter().cloned());
        if let Err(failure) = result {
            let event = Event {
                version: Some(v),
                name: Some(&row.name),
                action: "rollback",
                outcome: "error",
                actor: who,
                sql: Some(&sql_run),
                detail: Some(failure.to_string()),
            };
            let _ = history::log(&*client, tables, &event).await;
            return Err(RunError::Migration {
                migration: format!("{id} (undoing step {} of {total})", k + 1),
                step: Some(k + 1),
                steps: Some(total),
                failure,
            });
        }
    }
    tables
        .fenced(client, history::delete(&*client, tables, v))
        .await
        .map_err(|e| RunError::db(format!("removing {id} from the history"), &e))?;
    let event = Event {
        version: Some(v),
        name: Some(&row.name),
        action: "rollback",
        outcome: "ok",
        actor: who,
        sql: Some(&sql_run),
        detail: Some(format!("undid the {done} step(s) done of {total}")),
    };
    let _ = history::log(&*client, tables, &event).await;
    Ok(Done { version: v, id, duration_ms: start.elapsed().as_millis() as i64, statements: sql_run })
}
