//! The history table and the event log: DDL and every query on them (values are bound, never
//! spliced; identifiers are quoted).

use tokio_postgres::GenericClient;
use tokio_postgres::types::Type;

use super::error::RunError;
use crate::ident::quote_ident;

/// What is known of the migrating session ([`lock::prove_direct`](super::lock::prove_direct)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Session {
    /// The server sees our own socket: named prepared statements and session settings hold.
    Direct,
    /// The origin was given and the server does not see it: a pooler may be in between, so no
    /// named prepared statement and no session setting.
    Pooled,
    /// No origin was given: nothing is proven, so no named prepared statement, but the session is
    /// trusted with its settings.
    Unknown,
}

/// Where the history lives.
#[derive(Debug, Clone)]
pub struct HistoryTables {
    /// The schema, quoted.
    pub schema: String,
    /// `schema.table`, quoted.
    pub history: String,
    /// `schema.table_events`, quoted.
    pub events: String,
    /// `schema.table_meta`, quoted: the production marker ([`production`](super::production)).
    pub meta: String,
    /// `schema.table_lock`, quoted: the lease of `lock = "table"` ([`lock`](super::lock)).
    pub lock: String,
    /// `schema.table_repeat`, quoted: the repeatable migrations applied ([`crate::repeatable`](mod@crate::repeatable)).
    pub repeat: String,
    /// The lease's fencing token while this run holds it (its fence: [`check_fence`](Self::check_fence)).
    pub(crate) lease_token: Option<i64>,
    /// What is known of the migrating session.
    pub(crate) session: Session,
    /// Through a pooler with a configured schema: the schema, quoted, set with `SET LOCAL
    /// search_path` in every transaction (a session setting would not stay with this run).
    pub(crate) search_path: Option<String>,
}

impl HistoryTables {
    /// The tables of history table `table` in `schema` (both quoted here).
    pub fn new(schema: &str, table: &str) -> Self {
        let s = quote_ident(schema);
        HistoryTables {
            history: format!("{s}.{}", quote_ident(table)),
            events: format!("{s}.{}", quote_ident(&format!("{table}_events"))),
            meta: format!("{s}.{}", quote_ident(&format!("{table}_meta"))),
            lock: format!("{s}.{}", quote_ident(&format!("{table}_lock"))),
            repeat: format!("{s}.{}", quote_ident(&format!("{table}_repeat"))),
            schema: s,
            lease_token: None,
            session: Session::Direct,
            search_path: None,
        }
    }

    /// What every transaction of a run sends first: through a pooler, the `search_path` (with its
    /// `;`).
    pub(crate) fn transaction_prefix(&self) -> String {
        self.search_path.as_ref().map(|schema| format!("SET LOCAL search_path TO {schema};\n")).unwrap_or_default()
    }

    /// Checks the fence of the lease this run holds (nothing under the advisory lock), in the
    /// transaction on `c`, just before it writes the history: it fails with SQLSTATE MG001 when the
    /// lease is no longer this run's, and keeps the lease row's key share until the transaction
    /// ends. Not first in the transaction: a migration may begin with `SET TRANSACTION ISOLATION
    /// LEVEL`, which must come before any query.
    pub(crate) async fn check_fence(&self, c: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
        match self.fence() {
            Some(fence) => c.batch_execute(&fence).await,
            None => Ok(()),
        }
    }

    /// The fence statement of the lease this run holds ([`lock::fence_sql`](super::lock::fence_sql)).
    pub(crate) fn fence(&self) -> Option<String> {
        self.lease_token.map(|token| super::lock::fence_sql(&self.lock, token))
    }

    /// Runs `write`, history writes on a connection outside any transaction, in a transaction that
    /// first checks the lease's fence; as it is under the advisory lock.
    pub(crate) async fn fenced<T>(
        &self,
        c: &tokio_postgres::Client,
        write: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, tokio_postgres::Error> {
        let Some(fence) = self.fence() else { return write.await };
        if let Err(e) = c.batch_execute(&format!("BEGIN; {fence}")).await {
            let _ = c.batch_execute("ROLLBACK").await;
            return Err(e);
        }
        match write.await {
            Ok(v) => {
                c.batch_execute("COMMIT").await?;
                Ok(v)
            }
            Err(e) => {
                let _ = c.batch_execute("ROLLBACK").await;
                Err(e)
            }
        }
    }

    /// The DDL of the three tables as this tool creates them (documented in the README, and checked
    /// against it by a test). A history of an older layout is upgraded in place instead
    /// ([`layout`](super::layout)).
    pub fn ddl(&self) -> String {
        format!(
            "{};\n{};\n{};\n{};\n{}",
            self.history_ddl(),
            self.events_ddl(),
            self.meta_ddl(),
            self.lock_ddl(),
            self.repeat_ddl()
        )
    }

    /// The repeatable migrations applied (layout 5 on): one row per repeatable, with what it ran and
    /// what drops it (a repeatable removed from the code is dropped with it).
    pub fn repeat_ddl(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    up_sql text NOT NULL,
    down_sql text[] NOT NULL,
    relations text[] NOT NULL,
    trigger_tables text[] NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL
)",
            self.repeat
        )
    }

    /// The lock table (layout 4 on): the lease of `lock = "table"`, one row. The token is unique, so
    /// taking the lease over (a new token) is a key update, which waits for the fences' key shares,
    /// while the heartbeat's renewal (a new `expires_at`) does not.
    pub fn lock_ddl(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
    id integer PRIMARY KEY CHECK (id = 1),
    token bigint NOT NULL UNIQUE,
    holder text,
    host text,
    pid integer,
    acquired_at timestamptz,
    expires_at timestamptz
)",
            self.lock
        )
    }

    /// The history table: a row per migration applied or being applied.
    pub fn history_ddl(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    checksum_format integer NOT NULL,
    state text NOT NULL CHECK (state IN ('applied', 'in_progress', 'failed')),
    direction text NOT NULL DEFAULT 'up' CHECK (direction IN ('up', 'down')),
    step integer NOT NULL DEFAULT 0,
    step_cursor text,
    batch integer NOT NULL,
    transactional boolean NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL,
    duration_ms bigint,
    up_sql text[] NOT NULL,
    down_sql text[],
    irreversible_reason text,
    lint_acks text[] NOT NULL DEFAULT '{{}}',
    original_id text,
    tool_version text NOT NULL,
    up_step_sizes integer[],
    step_undo_sql text[],
    step_undo_sizes integer[]
)",
            self.history
        )
    }

    /// The event log: append-only.
    pub fn events_ddl(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    version bigint,
    name text,
    action text NOT NULL,
    outcome text NOT NULL,
    actor text NOT NULL,
    sql text[],
    detail text,
    tool_version text NOT NULL
)",
            self.events
        )
    }

    /// The meta table (layout 2 on): the production marker.
    pub fn meta_ddl(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
    key text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)",
            self.meta
        )
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The migration's version.
    pub version: u64,
    /// The migration's name (the module name after the version).
    pub name: String,
    /// The checksum of the migration as applied.
    pub checksum: String,
    /// Which form the checksum is of (1: the ops; 2: an SQL file's normalised text).
    pub checksum_format: u32,
    /// `applied`, `in_progress` or `failed`.
    pub state: String,
    /// `up` or `down`: the direction of an unfinished or failed run.
    pub direction: String,
    /// Steps completed (for `in_progress` / `failed`: the step to resume at).
    pub step: usize,
    /// The `up` run that applied it (`down` rolls back the last batch).
    pub batch: i32,
    /// Whether `down_sql`, replayed without the code, runs as one transaction.
    pub transactional: bool,
    /// When, in RFC 3339 and UTC (`2026-12-02T05:01:38.653822Z`).
    pub applied_at: String,
    /// Who applied it: the database role (OS user@host).
    pub applied_by: String,
    /// How long it took, in milliseconds (unknown for a row recorded without running).
    pub duration_ms: Option<i64>,
    /// The exact statements that ran.
    pub up_sql: Vec<String>,
    /// The statements that undo it; `None`: it cannot be rolled back.
    pub down_sql: Option<Vec<String>>,
    /// Why it cannot be rolled back, when it cannot.
    pub irreversible_reason: Option<String>,
    /// The version of the tool that applied it.
    pub tool_version: String,
    /// How far the current batched step got (its last key), for resuming it.
    pub step_cursor: Option<String>,
    /// The plan's steps as stored (layout 3 on; `None` for rows older tools wrote, and in summaries).
    pub steps: Option<super::plan::StepColumns>,
    /// How many steps the plan has, when known (summaries too).
    pub steps_total: Option<usize>,
}

/// Every row of the history, whole, in version order.
pub async fn read(c: &impl GenericClient, t: &HistoryTables) -> Result<Vec<HistoryRow>, RunError> {
    read_rows(c, t, "").await
}

/// What `up` needs: [`read_summary`] of every row, and the whole row (its SQL, the cursor of a
/// batched step) of each migration an earlier run left unfinished, which `up` resumes. A long
/// history's SQL is not read on every run.
pub async fn read_for_up(c: &impl GenericClient, t: &HistoryTables) -> Result<Vec<HistoryRow>, RunError> {
    let mut rows = read_summary(c, t).await?;
    if rows.iter().any(|r| r.state != "applied") {
        for full in read_rows(c, t, "WHERE state <> 'applied'").await? {
            if let Ok(i) = rows.binary_search_by_key(&full.version, |r| r.version) {
                rows[i] = full;
            }
        }
    }
    Ok(rows)
}

/// What `status` compares: each row's version, name, checksum (and its format), state, direction, step, batch and
/// when and by whom it was applied; the other fields are left empty (`up_sql`, `down_sql`,
/// `tool_version`, ...). Rows are converted as they arrive: a long history is never held twice.
pub async fn read_summary(c: &impl GenericClient, t: &HistoryTables) -> Result<Vec<HistoryRow>, RunError> {
    read_summary_of(c, t, super::layout::CURRENT).await
}

/// [`read_summary`] of a history of `layout` (read without upgrading it: `status` writes nothing).
/// Column `i` of `row`, a `timestamptz`, as RFC 3339 text in UTC with microseconds
/// (`2026-12-02T05:01:38.653822Z`), whatever the session's `TimeZone` and `DateStyle`: read in
/// binary and formatted here (the server's `to_char` for 500 rows cost `status` 0.3 ms).
pub(crate) fn rfc3339(row: &tokio_postgres::Row, i: usize) -> String {
    // humantime formats 1970 to 9999 (and panics outside): a row edited by hand to another time
    // (`infinity` reads as a time far ahead) is said as such.
    let last = std::time::UNIX_EPOCH + std::time::Duration::from_secs(253_402_300_799);
    match row.try_get::<_, std::time::SystemTime>(i) {
        Ok(t) if t >= std::time::UNIX_EPOCH && t <= last => humantime::format_rfc3339_micros(t).to_string(),
        Ok(_) => "outside 1970-9999".to_string(),
        Err(_) => "unreadable".to_string(),
    }
}

pub(crate) async fn read_summary_of(
    c: &impl GenericClient,
    t: &HistoryTables,
    layout: u32,
) -> Result<Vec<HistoryRow>, RunError> {
    use futures_util::TryStreamExt as _;
    let steps = if layout >= 3 { "cardinality(up_step_sizes)" } else { "NULL::int" };
    let sql = format!(
        "SELECT version, name, checksum, state, direction, step, batch, applied_at, applied_by, {steps},
                checksum_format
         FROM {} ORDER BY version",
        t.history,
    );
    let failed = |e: tokio_postgres::Error| RunError::db("reading the migration history", &e);
    let rows = c.query_typed_raw(&sql, std::iter::empty::<(i32, Type)>()).await.map_err(failed)?;
    let mut rows = std::pin::pin!(rows);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await.map_err(failed)? {
        out.push(HistoryRow {
            version: r.get::<_, i64>(0) as u64,
            name: r.get(1),
            checksum: r.get(2),
            checksum_format: r.get::<_, i32>(10) as u32,
            state: r.get(3),
            direction: r.get(4),
            step: r.get::<_, i32>(5).max(0) as usize,
            batch: r.get(6),
            transactional: false,
            applied_at: rfc3339(&r, 7),
            applied_by: r.get(8),
            duration_ms: None,
            up_sql: Vec::new(),
            down_sql: None,
            irreversible_reason: None,
            tool_version: String::new(),
            step_cursor: None,
            steps: None,
            steps_total: r.get::<_, Option<i32>>(9).map(|n| n.max(0) as usize),
        });
    }
    Ok(out)
}

/// Whole rows, those `filter` (a `WHERE` clause, or empty) keeps, in version order.
async fn read_rows(c: &impl GenericClient, t: &HistoryTables, filter: &str) -> Result<Vec<HistoryRow>, RunError> {
    let sql = format!(
        "SELECT version, name, checksum, checksum_format, state, direction, step, batch, transactional,
                applied_at, applied_by, duration_ms, up_sql, down_sql, irreversible_reason, tool_version,
                step_cursor, up_step_sizes, step_undo_sql, step_undo_sizes
         FROM {} {filter} ORDER BY version",
        t.history,
    );
    let rows = c.query_typed(&sql, &[]).await.map_err(|e| RunError::db("reading the migration history", &e))?;
    Ok(rows
        .iter()
        .map(|r| HistoryRow {
            version: r.get::<_, i64>(0) as u64,
            name: r.get(1),
            checksum: r.get(2),
            checksum_format: r.get::<_, i32>(3) as u32,
            state: r.get(4),
            direction: r.get(5),
            step: r.get::<_, i32>(6).max(0) as usize,
            batch: r.get(7),
            transactional: r.get(8),
            applied_at: rfc3339(r, 9),
            applied_by: r.get(10),
            duration_ms: r.get(11),
            up_sql: r.get(12),
            down_sql: r.get(13),
            irreversible_reason: r.get(14),
            tool_version: r.get(15),
            step_cursor: r.get(16),
            steps: match (r.get(17), r.get(18), r.get(19)) {
                (Some(sizes), Some(undo_sql), Some(undo_sizes)) => {
                    Some(super::plan::StepColumns { sizes, undo_sql, undo_sizes })
                }
                _ => None,
            },
            steps_total: r.get::<_, Option<Vec<i32>>>(17).map(|s| s.len()),
        })
        .collect())
}

/// Whether the table `qualified` (quoted) exists, without creating anything (read-only commands ask).
pub(crate) async fn table_exists(c: &impl GenericClient, qualified: &str) -> Result<bool, RunError> {
    let row = c
        .query_typed_one("SELECT to_regclass($1) IS NOT NULL", &[(&qualified, Type::TEXT)])
        .await
        .map_err(|e| RunError::db(format!("looking for {qualified}"), &e))?;
    Ok(row.get(0))
}

/// A new row, as `insert` writes it.
pub struct NewRow<'a> {
    /// The migration's version.
    pub version: u64,
    /// The migration's name.
    pub name: &'a str,
    /// Its checksum.
    pub checksum: &'a str,
    /// The form of its checksum.
    pub checksum_format: u32,
    /// `applied` or `in_progress`.
    pub state: &'a str,
    /// The `up` run applying it.
    pub batch: i32,
    /// Whether its down SQL, replayed without the code, runs as one transaction.
    pub transactional: bool,
    /// Who applies it: role (OS user@host).
    pub applied_by: &'a str,
    /// How long it took, when it is done.
    pub duration_ms: Option<i64>,
    /// The statements its up runs.
    pub up_sql: &'a [String],
    /// The statements that undo it, when it can be undone.
    pub down_sql: Option<&'a [String]>,
    /// Why it cannot be undone, when it cannot.
    pub irreversible_reason: Option<&'a str>,
    /// Acknowledged lint rules, as `rule: reason`.
    pub lint_acks: &'a [String],
    /// The identifier in the tool the migration was imported from.
    pub original_id: Option<&'a str>,
    /// The plan's steps: their sizes and undos.
    pub steps: &'a super::plan::StepColumns,
}

/// Inserts a history row (an unnamed statement).
pub async fn insert(c: &impl GenericClient, t: &HistoryTables, row: &NewRow<'_>) -> Result<(), tokio_postgres::Error> {
    let version = row.version as i64;
    let format = row.checksum_format as i32;
    c.execute_typed(&insert_sql(t), &insert_params(row, &version, &format)).await.map(|_| ())
}

fn insert_sql(t: &HistoryTables) -> String {
    format!(
        "INSERT INTO {} (version, name, checksum, checksum_format, state, direction, step, batch, transactional,
                         applied_by, duration_ms, up_sql, down_sql, irreversible_reason, tool_version, lint_acks, original_id,
                         up_step_sizes, step_undo_sql, step_undo_sizes)
         VALUES ($1, $2, $3, $4, $5, 'up', 0, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        t.history
    )
}

/// A statement parameter with its type (for the unnamed statements of `query_typed`).
type Typed<'a> = (&'a (dyn tokio_postgres::types::ToSql + Sync), Type);

fn insert_params<'a>(row: &'a NewRow<'_>, version: &'a i64, format: &'a i32) -> [Typed<'a>; 18] {
    [
        (version, Type::INT8),
        (&row.name, Type::TEXT),
        (&row.checksum, Type::TEXT),
        (format, Type::INT4),
        (&row.state, Type::TEXT),
        (&row.batch, Type::INT4),
        (&row.transactional, Type::BOOL),
        (&row.applied_by, Type::TEXT),
        (&row.duration_ms, Type::INT8),
        (&row.up_sql, Type::TEXT_ARRAY),
        (&row.down_sql, Type::TEXT_ARRAY),
        (&row.irreversible_reason, Type::TEXT),
        (&TOOL_VERSION, Type::TEXT),
        (&row.lint_acks, Type::TEXT_ARRAY),
        (&row.original_id, Type::TEXT),
        (&row.steps.sizes, Type::INT4_ARRAY),
        (&row.steps.undo_sql, Type::TEXT_ARRAY),
        (&row.steps.undo_sizes, Type::INT4_ARRAY),
    ]
}

const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The history row insert and the event insert, prepared once for a run of many migrations: each
/// migration then sends only its values (no parse and describe round trip per statement). Unless the
/// session is proven direct nothing is prepared: through a pooler a named statement would stay on
/// one server connection while the next statement may run on another, so each insert is sent as an
/// unnamed statement.
pub struct Prepared {
    statements: Option<(tokio_postgres::Statement, tokio_postgres::Statement)>,
    tables: HistoryTables,
}

impl Prepared {
    /// Prepares both statements (only when the session is proven direct).
    pub async fn new(c: &impl GenericClient, t: &HistoryTables) -> Result<Prepared, tokio_postgres::Error> {
        if t.session != Session::Direct {
            return Ok(Prepared { statements: None, tables: t.clone() });
        }
        let (insert, log) = (insert_sql(t), log_sql(t));
        let statements = tokio::try_join!(c.prepare(&insert), c.prepare(&log))?;
        Ok(Prepared { statements: Some(statements), tables: t.clone() })
    }

    /// Inserts a history row.
    pub async fn insert(&self, c: &impl GenericClient, row: &NewRow<'_>) -> Result<(), tokio_postgres::Error> {
        let Some((insert, _)) = &self.statements else { return insert(c, &self.tables, row).await };
        let (version, format) = (row.version as i64, row.checksum_format as i32);
        let params = insert_params(row, &version, &format).map(|(p, _)| p);
        c.execute(insert, &params).await.map(|_| ())
    }

    /// Appends an event.
    pub async fn log(&self, c: &impl GenericClient, e: &Event<'_>) -> Result<(), tokio_postgres::Error> {
        let Some((_, statement)) = &self.statements else { return log(c, &self.tables, e).await };
        let version = e.version.map(|v| v as i64);
        let params = log_params(e, &version).map(|(p, _)| p);
        c.execute(statement, &params).await.map(|_| ())
    }
}

/// Records the state, direction and steps done of an unfinished migration.
pub async fn set_progress(
    c: &impl GenericClient,
    t: &HistoryTables,
    version: u64,
    state: &str,
    direction: &str,
    step: usize,
) -> Result<(), tokio_postgres::Error> {
    let sql = format!(
        "UPDATE {} SET state = $2, direction = $3, step = $4, step_cursor = NULL WHERE version = $1",
        t.history
    );
    c.execute_typed(
        &sql,
        &[
            (&(version as i64), Type::INT8),
            (&state, Type::TEXT),
            (&direction, Type::TEXT),
            (&(step as i32), Type::INT4),
        ],
    )
    .await
    .map(|_| ())
}

/// Records how far a batched step got (the last key done), in the batch's own transaction.
pub async fn set_cursor(
    c: &impl GenericClient,
    t: &HistoryTables,
    version: u64,
    cursor: &str,
) -> Result<(), tokio_postgres::Error> {
    let sql = format!("UPDATE {} SET step_cursor = $2 WHERE version = $1", t.history);
    c.execute_typed(&sql, &[(&(version as i64), Type::INT8), (&cursor, Type::TEXT)]).await.map(|_| ())
}

/// Replaces the stored plan of an unfinished migration whose code changed after its done steps (the
/// done steps are the new plan's first steps): its checksum, SQL and steps become the new plan's.
pub async fn replace_plan(
    c: &impl GenericClient,
    t: &HistoryTables,
    row: &NewRow<'_>,
) -> Result<(), tokio_postgres::Error> {
    let sql = format!(
        "UPDATE {} SET checksum = $2, checksum_format = $3, up_sql = $4, down_sql = $5, irreversible_reason = $6,
                transactional = $7, up_step_sizes = $8, step_undo_sql = $9, step_undo_sizes = $10
         WHERE version = $1",
        t.history
    );
    c.execute_typed(
        &sql,
        &[
            (&(row.version as i64), Type::INT8),
            (&row.checksum, Type::TEXT),
            (&(row.checksum_format as i32), Type::INT4),
            (&row.up_sql, Type::TEXT_ARRAY),
            (&row.down_sql, Type::TEXT_ARRAY),
            (&row.irreversible_reason, Type::TEXT),
            (&row.transactional, Type::BOOL),
            (&row.steps.sizes, Type::INT4_ARRAY),
            (&row.steps.undo_sql, Type::TEXT_ARRAY),
            (&row.steps.undo_sizes, Type::INT4_ARRAY),
        ],
    )
    .await
    .map(|_| ())
}

/// Marks a migration applied, with its batch, duration and who.
pub async fn mark_applied(
    c: &impl GenericClient,
    t: &HistoryTables,
    version: u64,
    batch: i32,
    duration_ms: i64,
    applied_by: &str,
) -> Result<(), tokio_postgres::Error> {
    let sql = format!(
        "UPDATE {} SET state = 'applied', direction = 'up', step = 0, batch = $2, duration_ms = $3,
                applied_at = now(), applied_by = $4 WHERE version = $1",
        t.history
    );
    c.execute_typed(
        &sql,
        &[(&(version as i64), Type::INT8), (&batch, Type::INT4), (&duration_ms, Type::INT8), (&applied_by, Type::TEXT)],
    )
    .await
    .map(|_| ())
}

/// Deletes a migration's row (rolled back); gives how many rows went.
pub async fn delete(c: &impl GenericClient, t: &HistoryTables, version: u64) -> Result<u64, tokio_postgres::Error> {
    c.execute_typed(&format!("DELETE FROM {} WHERE version = $1", t.history), &[(&(version as i64), Type::INT8)]).await
}

/// Stores a checksum (and its form) for an applied migration (`resolve --accept-checksum`).
pub async fn set_checksum(
    c: &impl GenericClient,
    t: &HistoryTables,
    version: u64,
    checksum: &str,
    format: u32,
) -> Result<u64, tokio_postgres::Error> {
    let sql = format!("UPDATE {} SET checksum = $2, checksum_format = $3 WHERE version = $1", t.history);
    c.execute_typed(&sql, &[(&(version as i64), Type::INT8), (&checksum, Type::TEXT), (&(format as i32), Type::INT4)])
        .await
}

/// Stores newer checksums (with their format) for applied rows whose stored ones are of an older
/// format: one statement for all of them. `(version, checksum, format)`.
pub async fn restamp(
    c: &impl GenericClient,
    t: &HistoryTables,
    rows: &[(u64, &str, u32)],
) -> Result<u64, tokio_postgres::Error> {
    let versions: Vec<i64> = rows.iter().map(|r| r.0 as i64).collect();
    let checksums: Vec<&str> = rows.iter().map(|r| r.1).collect();
    let formats: Vec<i32> = rows.iter().map(|r| r.2 as i32).collect();
    let sql = format!(
        "UPDATE {} h SET checksum = v.checksum, checksum_format = v.format
         FROM unnest($1::bigint[], $2::text[], $3::int[]) AS v(version, checksum, format)
         WHERE h.version = v.version AND h.state = 'applied'",
        t.history
    );
    c.execute_typed(
        &sql,
        &[(&versions, Type::INT8_ARRAY), (&checksums, Type::TEXT_ARRAY), (&formats, Type::INT4_ARRAY)],
    )
    .await
}

/// One entry of the append-only event log.
pub struct Event<'a> {
    /// The migration's version (`None` for an event of the history itself, e.g. `upgrade`).
    pub version: Option<u64>,
    /// The migration's name.
    pub name: Option<&'a str>,
    /// `apply`, `rollback`, `resolve`, `adopt`, `failure`, `reset`, `upgrade`, `restamp`, `squash`.
    pub action: &'a str,
    /// `ok` or `error`.
    pub outcome: &'a str,
    /// Who: role (OS user@host).
    pub actor: &'a str,
    /// The SQL that ran, if any.
    pub sql: Option<&'a [String]>,
    /// The error, or what the change was.
    pub detail: Option<String>,
}

/// Appends an event to the event log (an unnamed statement).
pub async fn log(c: &impl GenericClient, t: &HistoryTables, e: &Event<'_>) -> Result<(), tokio_postgres::Error> {
    let version = e.version.map(|v| v as i64);
    c.execute_typed(&log_sql(t), &log_params(e, &version)).await.map(|_| ())
}

fn log_sql(t: &HistoryTables) -> String {
    format!(
        "INSERT INTO {} (version, name, action, outcome, actor, sql, detail, tool_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        t.events
    )
}

fn log_params<'a>(e: &'a Event<'_>, version: &'a Option<i64>) -> [Typed<'a>; 8] {
    [
        (version, Type::INT8),
        (&e.name, Type::TEXT),
        (&e.action, Type::TEXT),
        (&e.outcome, Type::TEXT),
        (&e.actor, Type::TEXT),
        (&e.sql, Type::TEXT_ARRAY),
        (&e.detail, Type::TEXT),
        (&TOOL_VERSION, Type::TEXT),
    ]
}
