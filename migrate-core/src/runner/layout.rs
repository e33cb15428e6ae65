//! The history tables' layout: which version a database holds, creating the tables, upgrading an
//! older layout in place, and refusing a layout newer than this tool knows.
//!
//! | layout | tables |
//! |---|---|
//! | 1 | `<table>` and `<table>_events` (the first release; no version recorded) |
//! | 2 | `<table>_meta` added (the production marker); the layout recorded in the history table's comment |
//! | 3 | `up_step_sizes`, `step_undo_sql`, `step_undo_sizes` added to `<table>`: each step of the plan and how it is undone (NULL in older rows) |
//! | 4 | `<table>_lock` added: the lease of `lock = "table"` ([`lock`](super::lock)); a run with that strategy creates it before the others, race-free |
//! | 5 | `<table>_repeat` added: the repeatable migrations applied ([`crate::repeatable`](mod@crate::repeatable)) |
//!
//! The rules every later layout keeps:
//! - the layout is recorded in the history table's comment (`migrate history, layout N ...`), read
//!   together with the tables' existence in one round trip;
//! - the first run of a newer tool upgrades the tables in place, under the migration lock, in one
//!   transaction that also records the new version and an `upgrade` event;
//! - a column an upgrade adds is nullable or has a default, so rows written by older tools stay valid;
//!   the tool reads their missing values as unknown;
//! - a tool refuses a layout newer than [`CURRENT`]: it could misread it, or write rows the newer tool
//!   misreads.

use tokio_postgres::Client;

use super::error::RunError;
use super::history::{self, Event, HistoryTables};

/// The layout this tool writes.
pub const CURRENT: u32 = 5;

/// What a run may do to the history tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reads only (`status`): creates and upgrades nothing; refuses a layout it does not know and a
    /// deleted history table.
    Read,
    /// Runs migrations: creates the tables on first use, upgrades an older layout, refuses a history
    /// table that was deleted while its event log remains (every migration would run again).
    Run,
    /// Repairs the history (`resolve`): as [`Run`](Self::Run), but recreates a deleted history table,
    /// so that the applied migrations can be recorded again.
    Repair,
    /// Replaces everything (`reset`): checks nothing, the schema is dropped.
    Replace,
}

/// The tables found.
#[derive(Debug, Clone, Copy)]
struct Found {
    history: bool,
    events: bool,
    /// The layout: `None` when there is no history at all.
    layout: Option<u32>,
}

/// The first row's columns of a simple query (one round trip, no statement to prepare: `status` runs
/// this on every call).
async fn simple_row(c: &Client, sql: &str, context: &str) -> Result<Vec<Option<String>>, RunError> {
    let messages = c.simple_query(sql).await.map_err(|e| RunError::db(context, &e))?;
    Ok(messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .unwrap_or_default())
}

/// The layout a history table's comment names (`migrate history, layout 3 ...`).
fn layout_of_comment(comment: &str) -> Option<u32> {
    let rest = comment.split_once("layout ")?.1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One round trip: which tables exist, and the layout the history table's comment records (`status`
/// runs this on every call).
async fn inspect(c: &Client, t: &HistoryTables) -> Result<Found, RunError> {
    let lit = crate::ident::quote_literal;
    let sql = format!(
        "SELECT to_regclass({h}) IS NOT NULL, to_regclass({}) IS NOT NULL, to_regclass({}) IS NOT NULL,
                obj_description(to_regclass({h}), 'pg_class')",
        lit(&t.events),
        lit(&t.meta),
        h = lit(&t.history),
    );
    let row = simple_row(c, &sql, "looking for the migration history tables").await?;
    let yes = |i: usize| row.get(i).and_then(|v| v.as_deref()) == Some("t");
    let (history, events, meta) = (yes(0), yes(1), yes(2));
    let comment = row.get(3).cloned().flatten();
    let layout = match (history, events) {
        (false, false) => None,
        // A first-release table has no such comment; a history table deleted and gone leaves the
        // meta table as the only sign of layout 2 or later.
        _ => Some(comment.as_deref().and_then(layout_of_comment).unwrap_or(if meta { 2 } else { 1 })),
    };
    Ok(Found { history, events, layout })
}

/// Makes the history tables ready for `access`, under the migration lock (except for
/// [`Access::Read`], which writes nothing): creates them on first use, upgrades an older layout, and
/// refuses what a run must not touch. Returns the layout the tables have now, `None` when there is
/// no history table (only with [`Access::Read`]).
pub(crate) async fn prepare(c: &Client, t: &HistoryTables, access: Access) -> Result<Option<u32>, RunError> {
    if access == Access::Replace {
        return Ok(Some(CURRENT));
    }
    let found = inspect(c, t).await?;
    if let Some(layout) = found.layout
        && layout > CURRENT
    {
        return Err(RunError::HistoryTooNew { table: t.history.clone(), found: layout, known: CURRENT });
    }
    if found.events && !found.history && access != Access::Repair {
        let (applied, adopted) = applied_by_the_event_log(c, t).await?;
        // With nothing applied by the log's account, the history held nothing: a new one loses
        // nothing (and running `up` runs nothing twice).
        if !applied.is_empty() || adopted || access == Access::Read {
            if applied.is_empty() && !adopted {
                return Ok(None);
            }
            return Err(RunError::HistoryMissing {
                history: t.history.clone(),
                events: t.events.clone(),
                applied,
                adopted,
            });
        }
    }
    if access == Access::Read {
        return Ok(found.history.then(|| found.layout.unwrap_or(CURRENT)));
    }
    match found.layout {
        None => {
            let sql = format!("{};\n{}", t.ddl(), set_version_sql(t));
            c.batch_execute(&sql).await.map_err(|e| RunError::db("creating the migration history tables", &e))?;
        }
        Some(layout) => {
            if !found.history || !found.events {
                // A deleted history table being repaired (or a deleted event log): recreated empty.
                let sql = format!("{};\n{}", t.history_ddl(), t.events_ddl());
                c.batch_execute(&sql).await.map_err(|e| RunError::db("recreating the migration history tables", &e))?;
            }
            if layout < CURRENT {
                upgrade(c, t, layout).await?;
            }
        }
    }
    Ok(Some(CURRENT))
}

/// Records the layout in the history table's comment: read with the tables' existence in one query.
fn set_version_sql(t: &HistoryTables) -> String {
    format!(
        "COMMENT ON TABLE {} IS 'migrate history, layout {CURRENT} (migrate-core reads this to upgrade the table: keep it)'",
        t.history
    )
}

/// The SQL that takes a history of layout `from` to `from + 1`.
fn upgrade_sql(t: &HistoryTables, from: u32) -> String {
    match from {
        1 => t.meta_ddl(),
        2 => format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS up_step_sizes integer[], ADD COLUMN IF NOT EXISTS step_undo_sql text[], ADD COLUMN IF NOT EXISTS step_undo_sizes integer[]",
            t.history
        ),
        3 => t.lock_ddl(),
        4 => t.repeat_ddl(),
        _ => String::new(),
    }
}

/// Upgrades the tables from layout `from` to [`CURRENT`] in one transaction, with an `upgrade` event.
async fn upgrade(c: &Client, t: &HistoryTables, from: u32) -> Result<(), RunError> {
    let mut sql = String::from("BEGIN;\n");
    for layout in from..CURRENT {
        sql.push_str(&upgrade_sql(t, layout));
        sql.push_str(";\n");
    }
    sql.push_str(&set_version_sql(t));
    let who = super::actor(c).await;
    let detail = format!("history tables upgraded from layout {from} to {CURRENT}");
    let event = Event {
        version: None,
        name: None,
        action: "upgrade",
        outcome: "ok",
        actor: &who,
        sql: None,
        detail: Some(detail),
    };
    let result = async {
        c.batch_execute(&sql).await?;
        history::log(c, t, &event).await?;
        c.batch_execute("COMMIT").await
    }
    .await;
    if let Err(e) = result {
        let _ = c.batch_execute("ROLLBACK").await;
        return Err(RunError::db(
            format!("upgrading the migration history tables from layout {from} to {CURRENT}"),
            &e,
        ));
    }
    Ok(())
}

/// What the event log shows as applied (for a history table deleted while its event log remains, so
/// the message can give the `resolve` that records them again), and whether it shows another tool's
/// history adopted (whose migrations it does not list one by one).
/// An error reading the log is an error: taken for "nothing applied", it would let a run recreate the
/// history and apply everything again.
async fn applied_by_the_event_log(c: &Client, t: &HistoryTables) -> Result<(Vec<u64>, bool), RunError> {
    // The last decisive event of each migration: applied, rolled back, or changed by a resolve.
    let sql = format!(
        "SELECT version, action, coalesce(detail, '') FROM (
             SELECT DISTINCT ON (version) version, action, detail FROM {}
             WHERE version IS NOT NULL AND outcome = 'ok' AND action IN ('apply', 'rollback', 'resolve')
               AND NOT (action = 'resolve' AND detail LIKE 'checksum%')
             ORDER BY version, id DESC) last
         ORDER BY version",
        t.events
    );
    let failed = |e: tokio_postgres::Error| RunError::db(format!("reading the event log {}", t.events), &e);
    let applied: Vec<u64> = c
        .query_typed(&sql, &[])
        .await
        .map_err(failed)?
        .iter()
        .filter(|r| {
            let (action, detail): (&str, &str) = (r.get(1), r.get(2));
            action == "apply" || (action == "resolve" && detail.starts_with("marked applied"))
        })
        .map(|r| r.get::<_, i64>(0) as u64)
        .collect();
    let adopted: bool = c
        .query_typed_one(&format!("SELECT EXISTS (SELECT 1 FROM {} WHERE action = 'adopt')", t.events), &[])
        .await
        .map_err(failed)?
        .get(0);
    Ok((applied, adopted))
}
