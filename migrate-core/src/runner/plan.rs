//! A migration as an ordered plan of steps: transactional groups, and statements that must run on
//! their own in autocommit (`CREATE INDEX CONCURRENTLY` and the like).

use crate::op::Op;

/// What a retry must check before an autocommit index step: a failed concurrent build leaves an
/// INVALID index behind, and a step that succeeded just before a crash must not run twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// `CREATE INDEX CONCURRENTLY name`: drop an INVALID leftover first; skip if a valid one exists.
    CreateIndex { name: String },
    /// `DROP INDEX CONCURRENTLY name`: skip if it no longer exists.
    DropIndex { name: String },
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The SQL (for a backfill step, a description of it: the runner builds each batch).
    pub statements: Vec<String>,
    /// Runs in a transaction (with its progress update) when true, alone in autocommit otherwise.
    pub transactional: bool,
    pub guard: Option<Guard>,
    /// A batched update: many short transactions instead of the statements.
    pub backfill: Option<BackfillStep>,
    /// A data step: Rust code run with the step's transaction instead of the statements.
    pub data: Option<crate::op::DataFn>,
}

/// A batched update: rows taken in key order, `batch_size` at a time, each batch its own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillStep {
    pub table: String,
    /// The SET list, as written (`"col" = expr`).
    pub set: String,
    /// Only rows matching this condition (for a new column: `col IS NULL`, which also makes a rerun
    /// skip what is done).
    pub filter: Option<String>,
    /// The primary key's columns and their SQL types, in key order, for key-ordered batches (a
    /// composite key is compared as a row value); without one (empty), batches are taken by `ctid`
    /// among the rows matching `filter` (which must then be given, and which the update must make false).
    pub key: Vec<(String, String)>,
    pub batch_size: u32,
    pub pause_ms: u32,
}

impl BackfillStep {
    /// What the history and `sql` show for this step.
    pub fn describe(&self) -> String {
        let filter = self.filter.as_ref().map(|f| format!(" WHERE {f}")).unwrap_or_default();
        let by = match self.key.as_slice() {
            [] => "by ctid".into(),
            [(k, _)] => format!("by {}", crate::ident::quote_ident(k)),
            keys => format!(
                "by ({})",
                keys.iter().map(|(k, _)| crate::ident::quote_ident(k)).collect::<Vec<_>>().join(", ")
            ),
        };
        format!(
            "-- backfill in batches of {} rows {by}: UPDATE {} SET {}{filter}",
            self.batch_size,
            crate::ident::quote_ident(&self.table),
            self.set
        )
    }
}

/// The steps of `ops`. A transactional migration is one step. Otherwise each op is a step of its own
/// (its statements in one transaction), and each statement that cannot run in a transaction is a step
/// alone in autocommit: a `VALIDATE CONSTRAINT` after its `ADD .. NOT VALID` then runs in a separate
/// transaction, as it must to let writes through.
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::runner::plan::plan;
/// let mut s = Schema::new();
/// s.create_table("t", |t| { t.integer("a"); });
/// s.create_index("t", ["a"]).concurrently();
/// s.rename_table("t", "u");
/// let ops = s.finish().unwrap();
/// let steps = plan(&ops, false);
/// assert_eq!(steps.iter().map(|s| s.transactional).collect::<Vec<_>>(), [true, false, true]);
/// // In one transaction, the same ops are one step.
/// assert_eq!(plan(&ops, true).len(), 1);
/// ```
pub fn plan(ops: &[Op], transaction: bool) -> Vec<Step> {
    super::safe::safe_plan(ops, transaction, &crate::model::Model::default(), 0, false)
}

/// Steps from stored SQL (the history's down SQL of a migration missing from the code): one
/// transactional step, or one autocommit step per statement.
pub fn from_sql(statements: &[String], transaction: bool) -> Vec<Step> {
    if transaction {
        vec![Step { statements: statements.to_vec(), transactional: true, guard: None, backfill: None, data: None }]
    } else {
        statements
            .iter()
            .map(|s| Step {
                statements: vec![s.clone()],
                transactional: false,
                guard: None,
                backfill: None,
                data: None,
            })
            .collect()
    }
}
