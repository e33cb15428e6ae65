//! Watching a run statement by statement ([`Migrator::on_statement`](super::Migrator::on_statement)):
//! each statement's timing, the rows a backfill batch updated, and which table locks it took.
//! `migrate-cli rehearse` builds its report from these on a copy of the database.

use std::time::{Duration, Instant};

use super::error::DbFailure;

/// A statement the runner ran for a migration, as [`Migrator::on_statement`](super::Migrator::on_statement)
/// receives it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Executed<'a> {
    /// The migration it belongs to; `None` for a repeatable migration's statement.
    pub version: Option<u64>,
    /// The SQL as sent.
    pub sql: &'a str,
    /// When it was sent.
    pub started: Instant,
    /// How long it ran (until the server answered).
    pub duration: Duration,
    /// True when it ran inside a transaction (its locks are held until the transaction ends); false
    /// in autocommit (they end with it).
    pub transactional: bool,
    /// True for the first statement of its transaction (and for every statement in autocommit): the
    /// statements after it up to the next first one ran in the same transaction, which holds their
    /// locks until it ends.
    pub first_in_transaction: bool,
    /// For a batch of a backfill, the rows it updated.
    pub rows: Option<i64>,
    /// The error it failed with.
    pub error: Option<&'a DbFailure>,
    /// Inside a transaction: the table locks (tables, partitioned tables and materialized views
    /// outside PostgreSQL's own schemas) this statement took that the transaction did not hold before
    /// it, as the session sees them right after it, with each table's relfilenode then (a new one
    /// means it rewrote the table). Outside one, where the locks end with the statement: the tables
    /// it rewrote (their relfilenode read before and after it), in `AccessExclusiveLock`, which every
    /// rewrite takes. Empty when the statement failed, and for a backfill's batch.
    pub took: &'a [TableLock],
}

/// A lock a statement holds on a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLock {
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub table: String,
    /// The strongest mode held, as `pg_locks` names it (`AccessExclusiveLock`, ...).
    pub mode: String,
    /// The table's relfilenode as the transaction sees it.
    pub relfilenode: i64,
    /// Its rows as the planner last counted them (`pg_class.reltuples`; 0 when never counted).
    pub rows: u64,
}

/// How strong a lock mode is (`pg_locks.mode`), 1 (`AccessShareLock`) to 8 (`AccessExclusiveLock`); 0
/// for a name that is not a table lock mode. Modes from 5 (`ShareLock`) up block writes.
///
/// ```
/// use migrate_core::runner::observe::lock_strength;
/// assert!(lock_strength("AccessExclusiveLock") > lock_strength("ShareUpdateExclusiveLock"));
/// assert!(lock_strength("ShareLock") >= migrate_core::runner::observe::BLOCKS_WRITES);
/// assert!(lock_strength("RowExclusiveLock") < migrate_core::runner::observe::BLOCKS_WRITES);
/// ```
pub fn lock_strength(mode: &str) -> u8 {
    match mode {
        "AccessShareLock" => 1,
        "RowShareLock" => 2,
        "RowExclusiveLock" => 3,
        "ShareUpdateExclusiveLock" => 4,
        "ShareLock" => 5,
        "ShareRowExclusiveLock" => 6,
        "ExclusiveLock" => 7,
        "AccessExclusiveLock" => 8,
        _ => 0,
    }
}

/// The weakest mode that blocks writes (`ShareLock`): `INSERT`, `UPDATE` and `DELETE` wait for it.
pub const BLOCKS_WRITES: u8 = 5;

/// The table locks the session holds now, the strongest mode per table.
const HELD: &str = "SELECT n.nspname::text, c.relname::text, c.relfilenode::bigint, l.mode, c.reltuples
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

/// The table locks the session holds, strongest mode per table. An error is the statement's: the
/// observer asked for the locks, and a failed read leaves the transaction aborted.
pub(super) async fn held(c: &impl tokio_postgres::GenericClient) -> Result<Vec<TableLock>, DbFailure> {
    let rows = c.query(HELD, &[]).await.map_err(|e| {
        let mut failure = DbFailure::from_error(&e, None);
        failure.message = format!("reading the session's table locks for on_statement: {}", failure.message);
        failure
    })?;
    let mut out: Vec<TableLock> = Vec::new();
    for r in rows {
        let lock = TableLock {
            schema: r.get(0),
            table: r.get(1),
            relfilenode: r.get(2),
            mode: r.get(3),
            rows: r.get::<_, f32>(4).max(0.0) as u64,
        };
        match out.iter_mut().find(|l| l.schema == lock.schema && l.table == lock.table) {
            Some(l) if lock_strength(&lock.mode) > lock_strength(&l.mode) => *l = lock,
            Some(_) => {}
            None => out.push(lock),
        }
    }
    Ok(out)
}

/// Every table's relfilenode and rows as the session sees them (outside PostgreSQL's own schemas).
const FILES: &str = "SELECT n.nspname::text, c.relname::text, c.relfilenode::bigint, c.reltuples
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

/// Every table with its relfilenode, as [`TableLock`]s without a mode.
pub(super) async fn files(c: &impl tokio_postgres::GenericClient) -> Result<Vec<TableLock>, DbFailure> {
    let rows = c.query(FILES, &[]).await.map_err(|e| {
        let mut failure = DbFailure::from_error(&e, None);
        failure.message = format!("reading the tables' files for on_statement: {}", failure.message);
        failure
    })?;
    Ok(rows
        .iter()
        .map(|r| TableLock {
            schema: r.get(0),
            table: r.get(1),
            relfilenode: r.get(2),
            mode: String::new(),
            rows: r.get::<_, f32>(3).max(0.0) as u64,
        })
        .collect())
}

/// The tables of `after` whose relfilenode is not the one of `before`: rewritten, under
/// `AccessExclusiveLock`.
pub(super) fn rewritten(before: &[TableLock], after: &[TableLock]) -> Vec<TableLock> {
    after
        .iter()
        .filter(|a| before.iter().any(|b| b.schema == a.schema && b.table == a.table && b.relfilenode != a.relfilenode))
        .map(|a| TableLock { mode: "AccessExclusiveLock".into(), ..a.clone() })
        .collect()
}

/// The locks of `now` that are new against `before`: a table not held before, held in a stronger
/// mode, or with another relfilenode.
pub(super) fn new_locks(before: &[TableLock], now: &[TableLock]) -> Vec<TableLock> {
    now.iter()
        .filter(|l| {
            !before.iter().any(|b| {
                b.schema == l.schema
                    && b.table == l.table
                    && lock_strength(&b.mode) >= lock_strength(&l.mode)
                    && b.relfilenode == l.relfilenode
            })
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(table: &str, mode: &str, node: i64) -> TableLock {
        TableLock { schema: "public".into(), table: table.into(), mode: mode.into(), relfilenode: node, rows: 0 }
    }

    #[test]
    fn a_statement_took_what_was_not_held_before_it() {
        let before = vec![lock("users", "RowExclusiveLock", 1), lock("posts", "AccessExclusiveLock", 2)];
        let now = vec![
            lock("users", "AccessExclusiveLock", 1),
            lock("posts", "AccessExclusiveLock", 2),
            lock("tags", "ShareLock", 3),
        ];
        let took = new_locks(&before, &now);
        assert_eq!(took, vec![lock("users", "AccessExclusiveLock", 1), lock("tags", "ShareLock", 3)]);
        // The same lock with a new relfilenode: the statement rewrote the table it held.
        let rewritten_now = vec![lock("posts", "AccessExclusiveLock", 9)];
        assert_eq!(new_locks(&before, &rewritten_now), rewritten_now);
    }

    #[test]
    fn outside_a_transaction_a_new_relfilenode_is_a_rewrite() {
        let before = vec![lock("users", "", 1), lock("posts", "", 2)];
        let after = vec![lock("users", "", 1), lock("posts", "", 7), lock("new", "", 8)];
        assert_eq!(rewritten(&before, &after), vec![lock("posts", "AccessExclusiveLock", 7)]);
    }
}
