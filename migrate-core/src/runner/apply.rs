//! Applying and rolling back, step by step, with the history kept in step.

use std::time::Instant;

use tokio_postgres::Client;

use super::adopt::adopt_foreign_history;
use super::error::{DbFailure, RunError};
use super::history::{self, Event, HistoryRow, HistoryTables, NewRow};
use super::plan::{Step, from_sql};
use super::step::{At, StepOf, execute_batch, execute_each, run_step, traced, wait_before_retry};
use super::{Done, DownTarget, Failed, Migrator, Report, Resolve, actor, in_transaction};
use crate::registry::Migration;

fn fail(report: Report, error: RunError) -> Failed {
    Failed { report, error }
}

/// A migration's lint acknowledgements as stored in the history: `rule: reason`.
/// Runs one migration's `work` in its span (`migrate.migration`), recording how it ended.
async fn in_span(
    (version, name): (u64, &str),
    direction: &'static str,
    work: impl std::future::Future<Output = Result<Done, RunError>>,
) -> Result<Done, RunError> {
    crate::trace::timed(&crate::trace::migration(version, name, direction), work, RunError::sqlstate).await
}

pub(super) fn acks_of(m: &Migration) -> Vec<String> {
    m.acks.iter().map(|(rule, why)| format!("{rule}: {why}")).collect()
}

/// The history's `transactional` column, the same for every writer: whether the stored down SQL,
/// replayed without the code, may run as one transaction (the down is one transactional step).
fn down_in_one_transaction(down: &Result<Vec<Step>, String>) -> bool {
    matches!(down, Ok(d) if d.len() <= 1 && d.iter().all(|s| s.transactional))
}

pub(super) fn statements(steps: &[Step]) -> Vec<String> {
    steps.iter().flat_map(|s| s.statements.iter().cloned()).collect()
}

pub(super) async fn up(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    to: Option<u64>,
) -> Result<Report, Failed> {
    let mut rows = history::read_for_up(client, tables).await?;
    let mut report = Report::default();
    if rows.is_empty() {
        report.warnings = adopt_foreign_history(m, client, tables).await?;
        if !report.warnings.is_empty() {
            rows = history::read_for_up(client, tables).await?;
        }
    }
    let who = actor(client).await;
    for r in &rows {
        super::recover::log_interrupted(client, tables, r, &who).await;
    }
    if let Some(r) = rows.iter().find(|r| r.state != "applied" && r.direction == "down") {
        return Err(RunError::Inconsistent(format!(
            "migration m{v}_{} stopped while being rolled back (at step {} of its down); run `down --steps 1` to finish rolling it back, or repair it by hand and record the result with `resolve --applied {v}` or `resolve --rolled-back {v}`",
            r.name,
            r.step + 1,
            v = r.version
        ))
        .into());
    }
    // Baselines written by `squash`: refused where they cannot be recorded or run, and recorded in
    // place (after every check below) where this database applied what they replace.
    let recording = super::squash::to_record(m, &rows).map_err(|e| *e)?;
    let code: std::collections::HashMap<u64, &Migration> = m.migrations.iter().map(|c| (c.version, c)).collect();
    let squashed = super::squash::squashed_into(&m.migrations);
    let in_history: std::collections::HashSet<u64> = rows.iter().map(|r| r.version).collect();
    // Only applied migrations can have changed since they were applied; an unfinished one whose code
    // changed is compared step by step when it resumes.
    let mismatched: Vec<(u64, String)> = rows
        .iter()
        .filter(|r| r.state == "applied" && !recording.iter().any(|b| b.version == r.version))
        .filter_map(|r| {
            let code = code.get(&r.version)?;
            (!code.checksum_matches(&r.checksum, r.checksum_format)).then(|| (r.version, r.name.clone()))
        })
        .collect();
    if !mismatched.is_empty() {
        return Err(RunError::ChecksumMismatch(mismatched).into());
    }
    restamp(client, tables, &rows, &code, &who).await?;
    for r in rows.iter().filter(|r| !code.contains_key(&r.version) && !squashed.contains_key(&r.version)) {
        report.warnings.push(format!(
            "migration m{}_{} is applied but missing from the code; `down` can still roll it back with the SQL stored in the history",
            r.version, r.name
        ));
    }
    let newest_applied = rows.iter().filter(|r| r.state == "applied").map(|r| r.version).max();
    let in_range = |v: u64| to.is_none_or(|t| v <= t);
    let pending: Vec<&Migration> =
        m.migrations.iter().filter(|c| in_range(c.version) && !in_history.contains(&c.version)).collect();
    if !m.config.allow_out_of_order
        && let Some(newest) = newest_applied
    {
        let late: Vec<(u64, String)> =
            pending.iter().filter(|c| c.version < newest).map(|c| (c.version, c.name.clone())).collect();
        if !late.is_empty() {
            return Err(RunError::OutOfOrder { pending: late, newest }.into());
        }
    }
    if let Some(r) = rows.iter().find(|r| r.state != "applied" && !code.contains_key(&r.version)) {
        return Err(RunError::Inconsistent(format!(
            "migration m{v}_{} stopped while being applied (at step {}) and is missing from the code: restore it and run `up` to finish it, or `down --steps 1` to undo its done steps, or repair it by hand and record the result with `resolve --applied {v}` or `resolve --rolled-back {v}`",
            r.name,
            r.step + 1,
            v = r.version
        ))
        .into());
    }
    if !recording.is_empty() {
        super::squash::record_in_place(m, client, tables, &recording, &who, &mut report).await?;
    }
    let batch_no = rows.iter().map(|r| r.batch).max().unwrap_or(0) + 1;
    // Unfinished migrations (an earlier run failed or was killed) resume where they stopped.
    let mut work: Vec<(&Migration, Option<&HistoryRow>)> = rows
        .iter()
        .filter(|r| r.state != "applied" && in_range(r.version))
        .filter_map(|r| code.get(&r.version).map(|c| (*c, Some(r))))
        .collect();
    work.extend(pending.into_iter().map(|c| (c, None)));
    work.sort_by_key(|(c, _)| c.version);
    let prepared = history::Prepared::new(&*client, tables)
        .await
        .map_err(|e| RunError::db("preparing the history statements", &e))?;
    // Each migration is planned just before it runs (one walk of the schema model for the whole run),
    // so a long run never holds every plan at once.
    let mut walk = super::Walk::new(m);
    // Repeatables: those removed from the code go first; those that depend on what a migration
    // changes are dropped and made again around it.
    let mut repeatables = super::repeat::read(client, tables).await?;
    if let Err(e) = super::repeat::drop_removed(m, client, tables, &mut repeatables, &who, &mut report).await {
        return Err(fail(report, e));
    }
    let mut around = super::repeat::Around::read(client, tables, repeatables).await?;
    for (mig, resume) in work {
        let mut planned = match walk.plans(mig.version).unwrap_or_else(|| m.steps(mig)) {
            Ok(planned) => planned,
            Err(e) => return Err(fail(report, e.into())),
        };
        // The repeatables that depend on what it changes: dropped and made again in its transaction
        // (a changed one is left for after the last migration), or, for a plan of several steps,
        // dropped before it and applied again after the last migration. (A resumed migration keeps
        // its plan: the wrap was decided when it started.)
        if !around.is_empty() && resume.is_none() {
            let before;
            (planned.0, before) = around.around_up(m, tables, planned.0);
            if !before.is_empty()
                && let Err(e) =
                    super::repeat::drop_before(m, client, tables, &before.iter().collect::<Vec<_>>(), &who).await
            {
                return Err(fail(report, e));
            }
        }
        if let Some(e) = m.blocked_outside_transaction(tables, &mig.id(), &planned.0) {
            return Err(fail(report, e));
        }
        if let Err(e) = m.renew_between(client, tables).await {
            return Err(fail(report, e));
        }
        m.progress(match &resume {
            Some(r) => format!("resuming {} at step {} of {}", mig.id(), r.step + 1, planned.0.len()),
            None => format!("applying {}", mig.id()),
        });
        let run = Run { batch_no, who: &who, prepared: &prepared };
        match in_span((mig.version, &mig.name), "up", apply_one(m, client, tables, mig, planned, resume, &run)).await {
            Ok(done) => {
                (m.result)(super::Finished::Applied(&done));
                report.applied.push(done)
            }
            Err(e) => return Err(fail(report, e)),
        }
    }
    // After the last migration only: with `--to` short of it, they would meet a schema half-way.
    let later = m.migrations.iter().any(|c| !in_range(c.version) && !in_history.contains(&c.version));
    if later && !m.repeatables.is_empty() {
        report.warnings.push(
            "the repeatable migrations are applied after the last migration: run `up` without --to to apply them"
                .into(),
        );
    } else if let Err(e) = super::repeat::apply_changed(m, client, tables, &who, &mut report).await {
        return Err(fail(report, e));
    }
    Ok(report)
}

/// Applied rows whose checksums are of an older format (SQL-file migrations checksummed by their ops,
/// before [`SQL_TEXT_FORMAT`](crate::registry::SQL_TEXT_FORMAT)) get the current ones, under the run's
/// lock, in one transaction with a `restamp` event. Only rows whose old checksum still matches the
/// code are re-stamped: a changed migration stays a mismatch.
async fn restamp(
    client: &mut Client,
    tables: &HistoryTables,
    rows: &[HistoryRow],
    code: &std::collections::HashMap<u64, &Migration>,
    who: &str,
) -> Result<(), RunError> {
    let stale: Vec<(u64, &str, u32)> = rows
        .iter()
        .filter(|r| r.state == "applied")
        .filter_map(|r| {
            let c = code.get(&r.version)?;
            c.restamps(&r.checksum, r.checksum_format).then_some((r.version, c.checksum.as_str(), c.checksum_format))
        })
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    let failed = |e: tokio_postgres::Error| RunError::db("re-stamping checksums in the history", &e);
    let tx = client.transaction().await.map_err(failed)?;
    tables.check_fence(&tx).await.map_err(failed)?;
    history::restamp(&tx, tables, &stale).await.map_err(failed)?;
    let detail = format!(
        "{} checksum(s) of SQL-file migrations re-stamped to format {} (their normalised SQL text): {}",
        stale.len(),
        crate::registry::SQL_TEXT_FORMAT,
        stale.iter().map(|s| s.0.to_string()).collect::<Vec<_>>().join(", ")
    );
    let event = Event {
        version: None,
        name: None,
        action: "restamp",
        outcome: "ok",
        actor: who,
        sql: None,
        detail: Some(detail),
    };
    history::log(&tx, tables, &event).await.map_err(failed)?;
    tx.commit().await.map_err(failed)
}

/// What one `up` run shares across its migrations.
struct Run<'a> {
    batch_no: i32,
    /// Who applies: role (OS user@host).
    who: &'a str,
    prepared: &'a history::Prepared,
}

async fn apply_one(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    mig: &Migration,
    (steps, down_steps): super::Plans,
    resume: Option<&HistoryRow>,
    run: &Run<'_>,
) -> Result<Done, RunError> {
    let Run { batch_no, who, prepared } = *run;
    let up_sql = statements(&steps);
    let columns = super::plan::StepColumns::of(&steps);
    // The step number recorded belongs to the plan that ran: a changed plan goes on from there only
    // when its first steps are the ones done.
    let changed = match resume.map(|r| (r, super::recover::resume(r, &steps))) {
        Some((r, super::recover::Resume::Changed)) => {
            return Err(RunError::Inconsistent(super::recover::changed_message(&mig.id(), mig.version, r)));
        }
        Some((_, super::recover::Resume::ChangedAfterTheDoneSteps)) => true,
        _ => false,
    };
    let single_transaction_down = down_in_one_transaction(&down_steps);
    let (down_sql, reason) = match down_steps {
        Ok(down) => (Some(statements(&down)), None),
        Err(r) => (None, Some(r)),
    };
    let id = mig.id();
    let acks = acks_of(mig);
    let start = Instant::now();
    let row = |state: &'static str, duration_ms: Option<i64>| NewRow {
        version: mig.version,
        name: &mig.name,
        checksum: &mig.checksum,
        checksum_format: mig.checksum_format,
        state,
        batch: batch_no,
        transactional: single_transaction_down,
        applied_by: who,
        duration_ms,
        up_sql: &up_sql,
        down_sql: down_sql.as_deref(),
        irreversible_reason: reason.as_deref(),
        lint_acks: &acks,
        original_id: mig.original.as_deref(),
        steps: &columns,
    };
    if changed {
        m.progress(format!("  the code of {} changed after its done steps: going on with the new plan", mig.id()));
        tables
            .fenced(client, history::replace_plan(&*client, tables, &row("in_progress", None)))
            .await
            .map_err(|e| RunError::db(format!("recording the new plan of {}", mig.id()), &e))?;
    }
    let event = |action, outcome, detail: Option<String>| Event {
        version: Some(mig.version),
        name: Some(&mig.name),
        action,
        outcome,
        actor: who,
        sql: Some(&up_sql),
        detail,
    };
    if resume.is_none() && steps.len() == 1 && steps[0].transactional && steps[0].data.is_none() {
        // One transaction: the migration's statements and its history row commit together or not at all.
        let mut attempt = 0;
        // First the fast way, two round trips: BEGIN, the settings and all statements as one simple
        // query; then the history row, the event and COMMIT pipelined (an insert that fails aborts the
        // transaction, so the COMMIT rolls it back). After a failure the statements go one by one, so
        // the error names its statement for certain (the rolled-back batch left nothing behind).
        // Observed, the statements go one by one from the start (and a failure is not run again).
        let mut batched = !m.observed();
        let begin = format!("BEGIN;\n{}", in_transaction(&m.config, tables));
        let span = crate::trace::step(mig.version, 0, 1, true);
        let work = async {
            loop {
                let c = &*client;
                let outcome = async {
                    if batched {
                        execute_batch(m, c, At::tx(mig.version), &begin, &up_sql).await?;
                    } else {
                        c.batch_execute(&begin).await.map_err(|e| DbFailure::from_error(&e, None))?;
                        execute_each(m, c, At::tx(mig.version), &up_sql).await?;
                    }
                    let ms = start.elapsed().as_millis() as i64;
                    let (new_row, ok_event) = (row("applied", Some(ms)), event("apply", "ok", None));
                    // The fence first (when the run holds a lease): a failed fence aborts the
                    // transaction, so the inserts fail after it and the COMMIT rolls back.
                    let (fenced, inserted, logged, committed) = tokio::join!(
                        tables.check_fence(c),
                        prepared.insert(c, &new_row),
                        prepared.log(c, &ok_event),
                        c.batch_execute("COMMIT")
                    );
                    fenced.and(inserted).and(logged).map_err(|e| DbFailure::from_error(&e, None))?;
                    Ok::<_, DbFailure>((ms, committed))
                }
                .await;
                match outcome {
                    Ok((ms, committed)) => {
                        committed.map_err(|e| RunError::Migration {
                            migration: id.clone(),
                            step: None,
                            steps: None,
                            failure: DbFailure::from_error(&e, None),
                        })?;
                        return Ok(Done { version: mig.version, id, duration_ms: ms, statements: up_sql.clone() });
                    }
                    Err(failure) => {
                        // Ends the failed transaction (a warning only when the COMMIT already did).
                        let _ = client.batch_execute("ROLLBACK").await;
                        // A lock timeout is retried (each try counts, the first batched one too, so
                        // `lock_retries` = N means at most N + 1 tries), statement by statement. Another
                        // error in the SQL: go again statement by statement once, to name the failing
                        // statement for certain (it fails again; nothing is retried). A lost or
                        // terminated connection (no SQLSTATE, class 08, class 57) is final.
                        if wait_before_retry(m, &failure, &mut attempt, true).await {
                            batched = false;
                            continue;
                        }
                        let connection_lost =
                            failure.code.is_empty() || failure.code.starts_with("08") || failure.code.starts_with("57");
                        if batched && !connection_lost && super::step::retry_reason(&failure.code, true).is_none() {
                            batched = false;
                            continue;
                        }
                        let _ =
                            history::log(&*client, tables, &event("apply", "error", Some(failure.to_string()))).await;
                        return Err(RunError::Migration { migration: id, step: None, steps: None, failure });
                    }
                }
            }
        };
        crate::trace::timed(&span, work, RunError::sqlstate).await
    } else {
        let first = match resume {
            Some(r) => r.step,
            None => {
                tables
                    .fenced(client, history::insert(&*client, tables, &row("in_progress", None)))
                    .await
                    .map_err(|e| RunError::db(format!("recording the start of {id}"), &e))?;
                0
            }
        };
        for (k, step) in steps.iter().enumerate().skip(first) {
            let resuming = resume.is_some() && k == first;
            let cursor = if resuming { resume.and_then(|r| r.step_cursor.clone()) } else { None };
            m.progress(format!(
                "  step {}/{}{}",
                k + 1,
                steps.len(),
                if step.transactional { "" } else { " (outside a transaction)" }
            ));
            let of = StepOf { m, tables, version: mig.version, direction: "up" };
            let run = run_step(&of, client, k, step, resuming, cursor);
            if let Err(failure) = traced(mig.version, (k, steps.len()), step.transactional, run).await {
                let failed = history::set_progress(&*client, tables, mig.version, "failed", "up", k);
                let _ = tables.fenced(client, failed).await;
                let _ = history::log(&*client, tables, &event("apply", "error", Some(failure.to_string()))).await;
                return Err(RunError::Migration {
                    migration: id,
                    step: Some(k + 1),
                    steps: Some(steps.len()),
                    failure,
                });
            }
        }
        let ms = start.elapsed().as_millis() as i64;
        tables
            .fenced(client, history::mark_applied(&*client, tables, mig.version, batch_no, ms, who))
            .await
            .map_err(|e| RunError::db(format!("recording {id} as applied"), &e))?;
        let _ = history::log(&*client, tables, &event("apply", "ok", None)).await;
        Ok(Done { version: mig.version, id, duration_ms: ms, statements: up_sql })
    }
}

pub(super) async fn down(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    target: DownTarget,
) -> Result<Report, Failed> {
    let rows = history::read(client, tables).await?;
    let who = actor(client).await;
    for r in &rows {
        super::recover::log_interrupted(client, tables, r, &who).await;
    }
    let mut applied: Vec<&HistoryRow> = rows.iter().collect();
    applied.sort_by_key(|r| std::cmp::Reverse(r.version));
    let targets: Vec<&HistoryRow> = match target {
        DownTarget::LastBatch => {
            let last = applied.iter().map(|r| r.batch).max();
            applied.into_iter().filter(|r| Some(r.batch) == last).collect()
        }
        DownTarget::Steps(n) => applied.into_iter().take(n).collect(),
        DownTarget::To(v) => applied.into_iter().filter(|r| r.version > v).collect(),
    };
    // Nothing below a baseline recorded in place of migrations applied one by one: their downs went
    // with the code. Refused before anything is rolled back.
    let squashed = super::squash::squashed_into(&m.migrations);
    for row in &targets {
        let refused = match (squashed.get(&row.version), m.migrations.iter().find(|c| c.version == row.version)) {
            (Some(baseline), _) => Some(format!(
                "it was squashed into {} (a baseline that replaces it): rolling it back needs the code from before the squash (its commit in git)",
                baseline.id()
            )),
            (None, Some(c)) if !c.squashes.is_empty() && super::squash::recorded_in_place(c, &rows) => {
                Some(super::squash::below_reason(c))
            }
            _ => None,
        };
        if let Some(reason) = refused {
            return Err(RunError::Irreversible { migration: format!("m{}_{}", row.version, row.name), reason }.into());
        }
    }
    if !targets.is_empty() && targets.len() == rows.len() {
        let what = "roll back every applied migration";
        super::production::guard(client, tables, what, true, m.config.allow_production).await?;
    }
    let mut report = Report::default();
    let mut plans = m.plans_for(&targets.iter().map(|r| r.version).collect::<Vec<_>>()).map_err(RunError::from)?;
    // Repeatables that depend on what a rollback changes are dropped in its transaction and made
    // again after it.
    let mut around = super::repeat::Around::read(client, tables, super::repeat::read(client, tables).await?).await?;
    for row in targets {
        let row = row.clone();
        let id = format!("m{}_{}", row.version, row.name);
        if row.state != "applied" && row.direction == "up" {
            // Stopped part-way: its done steps are undone from the undos stored with it.
            match super::recover::undo_done_steps(m, client, tables, &row, &who).await {
                Ok(done) => {
                    (m.result)(super::Finished::RolledBack(&done));
                    report.rolled_back.push(done);
                    continue;
                }
                Err(e) => return Err(fail(report, e)),
            }
        }
        let code = m.migrations.iter().find(|c| c.version == row.version).cloned();
        let steps = match &code {
            Some(c) if !c.checksum_matches(&row.checksum, row.checksum_format) => {
                return Err(fail(report, RunError::ChecksumMismatch(vec![(row.version, row.name.clone())])));
            }
            Some(c) => match plans.remove(&c.version).map_or_else(|| m.steps(c), Ok) {
                Ok((_, Ok(steps))) => steps,
                Ok((_, Err(reason))) => {
                    return Err(fail(report, RunError::Irreversible { migration: id, reason }));
                }
                Err(e) => return Err(fail(report, e.into())),
            },
            None => match &row.down_sql {
                Some(sql) => {
                    report.warnings.push(format!(
                        "{id} is missing from the code: rolling it back with the down SQL stored in the history"
                    ));
                    from_sql(sql, row.transactional)
                }
                None => {
                    let reason = row.irreversible_reason.clone().unwrap_or_else(|| "no down SQL is stored".into());
                    return Err(fail(report, RunError::Irreversible { migration: id, reason }));
                }
            },
        };
        let hit = around.affected_by(&steps);
        let refs: Vec<&super::repeat::Applied> = hit.iter().collect();
        let steps = if super::repeat::one_transaction(&steps) {
            super::repeat::wrap(m, tables, &refs, steps, false)
        } else {
            if !hit.is_empty()
                && let Err(e) = super::repeat::drop_before(m, client, tables, &refs, &who).await
            {
                return Err(fail(report, e));
            }
            steps
        };
        if let Some(e) = m.blocked_outside_transaction(tables, &id, &steps) {
            return Err(fail(report, e));
        }
        if let Err(e) = m.renew_between(client, tables).await {
            return Err(fail(report, e));
        }
        m.progress(format!("rolling back {id}"));
        match in_span((row.version, &row.name), "down", rollback_one(m, client, tables, &row, &steps, &who)).await {
            Ok(done) => {
                (m.result)(super::Finished::RolledBack(&done));
                report.rolled_back.push(done)
            }
            Err(e) => return Err(fail(report, e)),
        }
        match super::repeat::recreate_after_down(m, client, tables, &hit, &who, &mut report).await {
            Ok(left) => around.forget(&left),
            Err(e) => return Err(fail(report, e)),
        }
    }
    Ok(report)
}

async fn rollback_one(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    row: &HistoryRow,
    steps: &[Step],
    who: &str,
) -> Result<Done, RunError> {
    let id = format!("m{}_{}", row.version, row.name);
    let sql = statements(steps);
    let start = Instant::now();
    let event = |outcome, detail: Option<String>| Event {
        version: Some(row.version),
        name: Some(&row.name),
        action: "rollback",
        outcome,
        actor: who,
        sql: Some(&sql),
        detail,
    };
    let single_tx = steps.len() <= 1 && steps.iter().all(|s| s.transactional);
    if single_tx {
        let span = crate::trace::step(row.version, 0, 1, true);
        let work = async {
            let mut attempt = 0;
            loop {
                let tx = client.transaction().await.map_err(|e| RunError::db("starting a transaction", &e))?;
                let outcome = async {
                    tx.batch_execute(&in_transaction(&m.config, tables))
                        .await
                        .map_err(|e| DbFailure::from_error(&e, None))?;
                    execute_each(m, &tx, At::tx(row.version), &sql).await?;
                    tables.check_fence(&tx).await.map_err(|e| DbFailure::from_error(&e, None))?;
                    history::delete(&tx, tables, row.version).await.map_err(|e| DbFailure::from_error(&e, None))?;
                    history::log(&tx, tables, &event("ok", None)).await.map_err(|e| DbFailure::from_error(&e, None))?;
                    Ok::<(), DbFailure>(())
                }
                .await;
                match outcome {
                    Ok(()) => {
                        tx.commit().await.map_err(|e| RunError::Migration {
                            migration: id.clone(),
                            step: None,
                            steps: None,
                            failure: DbFailure::from_error(&e, None),
                        })?;
                        break;
                    }
                    Err(failure) => {
                        drop(tx);
                        if wait_before_retry(m, &failure, &mut attempt, true).await {
                            continue;
                        }
                        let _ = history::log(&*client, tables, &event("error", Some(failure.to_string()))).await;
                        return Err(RunError::Migration {
                            migration: format!("{id} (rolling back)"),
                            step: None,
                            steps: None,
                            failure,
                        });
                    }
                }
            }
            Ok(())
        };
        crate::trace::timed(&span, work, RunError::sqlstate).await?;
    } else {
        let first = if row.state != "applied" && row.direction == "down" { row.step } else { 0 };
        if first == 0 {
            let start = history::set_progress(&*client, tables, row.version, "in_progress", "down", 0);
            tables
                .fenced(client, start)
                .await
                .map_err(|e| RunError::db(format!("recording the rollback of {id}"), &e))?;
        }
        let unfinished = row.state != "applied" && row.direction == "down";
        for (k, step) in steps.iter().enumerate().skip(first) {
            let resuming = unfinished && first == k;
            let cursor = if resuming { row.step_cursor.clone() } else { None };
            let of = StepOf { m, tables, version: row.version, direction: "down" };
            let run = run_step(&of, client, k, step, resuming, cursor);
            if let Err(failure) = traced(row.version, (k, steps.len()), step.transactional, run).await {
                let failed = history::set_progress(&*client, tables, row.version, "failed", "down", k);
                let _ = tables.fenced(client, failed).await;
                let _ = history::log(&*client, tables, &event("error", Some(failure.to_string()))).await;
                return Err(RunError::Migration {
                    migration: format!("{id} (rolling back)"),
                    step: Some(k + 1),
                    steps: Some(steps.len()),
                    failure,
                });
            }
        }
        tables
            .fenced(client, history::delete(&*client, tables, row.version))
            .await
            .map_err(|e| RunError::db(format!("removing {id} from the history"), &e))?;
        let _ = history::log(&*client, tables, &event("ok", None)).await;
    }
    Ok(Done { version: row.version, id, duration_ms: start.elapsed().as_millis() as i64, statements: sql })
}

/// Writes a history row saying `c` is applied, without running it (its SQL, planned as `plans`, is
/// stored as for a run).
pub(super) async fn record_applied(
    client: &Client,
    tables: &HistoryTables,
    c: &Migration,
    (steps, down_steps): super::Plans,
    batch: i32,
    who: &str,
) -> Result<(), RunError> {
    let up_sql = statements(&steps);
    let columns = super::plan::StepColumns::of(&steps);
    let transactional = down_in_one_transaction(&down_steps);
    let (down_sql, reason) = match down_steps {
        Ok(down) => (Some(statements(&down)), None),
        Err(r) => (None, Some(r)),
    };
    let row = NewRow {
        version: c.version,
        name: &c.name,
        checksum: &c.checksum,
        checksum_format: c.checksum_format,
        state: "applied",
        batch,
        transactional,
        applied_by: who,
        duration_ms: None,
        up_sql: &up_sql,
        down_sql: down_sql.as_deref(),
        irreversible_reason: reason.as_deref(),
        lint_acks: &acks_of(c),
        original_id: c.original.as_deref(),
        steps: &columns,
    };
    tables
        .fenced(client, history::insert(client, tables, &row))
        .await
        .map_err(|e| RunError::db("updating the history", &e))
}

/// Logs a change to the history made without running SQL (best effort: the change itself is done).
pub(super) async fn log_change(
    client: &Client,
    tables: &HistoryTables,
    migration: Option<(u64, &str)>,
    action: &str,
    who: &str,
    detail: &str,
) {
    let event = Event {
        version: migration.map(|m| m.0),
        name: migration.map(|m| m.1),
        action,
        outcome: "ok",
        actor: who,
        sql: None,
        detail: Some(detail.to_string()),
    };
    let _ = history::log(client, tables, &event).await;
}

pub(super) async fn resolve(
    m: &Migrator,
    client: &mut Client,
    tables: &HistoryTables,
    what: Resolve,
) -> Result<String, RunError> {
    let rows = history::read(client, tables).await?;
    let who = actor(client).await;
    let find_row = |v: u64| rows.iter().find(|r| r.version == v);
    let find_code = |v: u64| m.migrations.iter().find(|c| c.version == v);
    let (version, name, detail) = match what {
        Resolve::Applied(v) => match (find_row(v), find_code(v)) {
            (Some(r), _) if r.state == "applied" => {
                return Err(RunError::Usage(format!("migration m{v}_{} is already applied", r.name)));
            }
            (Some(r), _) => {
                let batch = rows.iter().map(|r| r.batch).max().unwrap_or(0);
                let mark = history::mark_applied(&*client, tables, v, batch, r.duration_ms.unwrap_or(0), &who);
                tables.fenced(client, mark).await.map_err(|e| RunError::db("updating the history", &e))?;
                (v, r.name.clone(), format!("marked applied (was {} {} at step {})", r.state, r.direction, r.step))
            }
            (None, Some(c)) => {
                let batch = rows.iter().map(|r| r.batch).max().unwrap_or(0) + 1;
                record_applied(client, tables, c, m.steps(c)?, batch, &who).await?;
                (v, c.name.clone(), "marked applied without running it".to_string())
            }
            (None, None) => return Err(RunError::Usage(format!("no migration has version {v}"))),
        },
        Resolve::RolledBack(v) => match find_row(v) {
            Some(r) => {
                let what = format!("remove m{v}_{} from the history without running its down", r.name);
                super::production::guard(client, tables, &what, true, m.config.allow_production).await?;
                tables
                    .fenced(client, history::delete(&*client, tables, v))
                    .await
                    .map_err(|e| RunError::db("updating the history", &e))?;
                (v, r.name.clone(), "removed from the history without running its down".to_string())
            }
            None => return Err(RunError::Usage(format!("migration {v} is not in the history"))),
        },
        Resolve::AcceptChecksum(v) => match (find_row(v), find_code(v)) {
            (Some(r), Some(c)) => {
                let accept = history::set_checksum(&*client, tables, v, &c.checksum, c.checksum_format);
                tables.fenced(client, accept).await.map_err(|e| RunError::db("updating the history", &e))?;
                (v, r.name.clone(), format!("checksum {} accepted (was {})", c.checksum, r.checksum))
            }
            (None, _) => return Err(RunError::Usage(format!("migration {v} is not in the history"))),
            (_, None) => return Err(RunError::Usage(format!("migration {v} is not in the code"))),
        },
    };
    log_change(&*client, tables, Some((version, &name)), "resolve", &who, &detail).await;
    Ok(format!("m{version}_{name}: {detail}"))
}
