//! A migration as an ordered plan of steps: transactional groups, and statements that must run on
//! their own in autocommit (`CREATE INDEX CONCURRENTLY` and the like).

use crate::op::Op;

/// What a retry must check before an autocommit index step: a failed concurrent build leaves an
/// INVALID index behind, and a step that succeeded just before a crash must not run twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// `CREATE INDEX CONCURRENTLY name`: drop an INVALID leftover first; skip if a valid one exists.
    CreateIndex {
        /// The index's name.
        name: String,
    },
    /// `DROP INDEX CONCURRENTLY name`: skip if it no longer exists.
    DropIndex {
        /// The index's name.
        name: String,
    },
}

/// How a step is undone when its migration stopped part-way and `down` undoes the steps it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// These statements undo it, in this order (none: nothing to undo, e.g. a `VALIDATE`).
    Sql(Vec<String>),
    /// It cannot be undone on its own, and why (a batched backfill, Rust code, one statement of raw
    /// SQL whose down undoes the whole SQL).
    Irreversible(String),
}

impl Undo {
    /// The undo of several pieces done in order: each one's undo, the last piece's first.
    pub fn of_sequence(pieces: impl DoubleEndedIterator<Item = Undo>) -> Undo {
        let mut sql = Vec::new();
        for piece in pieces.rev() {
            match piece {
                Undo::Sql(s) => sql.extend(s),
                irreversible => return irreversible,
            }
        }
        Undo::Sql(sql)
    }
}

/// A plan's steps as the history keeps them (layout 3 on), so that a migration that stopped part-way
/// can be compared with a changed plan and its done steps undone without its code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepColumns {
    /// How many of the stored `up_sql` statements each step ran.
    pub sizes: Vec<i32>,
    /// Each step's undo statements, one step after the other; for a step that cannot be undone, the
    /// reason, as one element.
    pub undo_sql: Vec<String>,
    /// How many elements of `undo_sql` each step has: -1 for a step that cannot be undone (its one
    /// element is the reason).
    pub undo_sizes: Vec<i32>,
}

impl StepColumns {
    /// The columns of a plan's steps, as the history stores them.
    pub fn of(steps: &[Step]) -> StepColumns {
        let mut c = StepColumns::default();
        for s in steps {
            c.sizes.push(s.statements.len() as i32);
            match &s.undo {
                Undo::Sql(sql) => {
                    c.undo_sizes.push(sql.len() as i32);
                    c.undo_sql.extend(sql.iter().cloned());
                }
                Undo::Irreversible(reason) => {
                    c.undo_sizes.push(-1);
                    c.undo_sql.push(reason.clone());
                }
            }
        }
        c
    }

    /// Each step's undo; `None` when the columns do not fit together (written by hand).
    pub fn undos(&self) -> Option<Vec<Undo>> {
        let mut out = Vec::with_capacity(self.undo_sizes.len());
        let mut at = 0usize;
        for &n in &self.undo_sizes {
            if n < 0 {
                out.push(Undo::Irreversible(self.undo_sql.get(at)?.clone()));
                at += 1;
            } else {
                let n = n as usize;
                out.push(Undo::Sql(self.undo_sql.get(at..at + n)?.to_vec()));
                at += n;
            }
        }
        (at == self.undo_sql.len()).then_some(out)
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The SQL (for a backfill step, a description of it: the runner builds each batch).
    pub statements: Vec<String>,
    /// Runs in a transaction (with its progress update) when true, alone in autocommit otherwise.
    pub transactional: bool,
    /// For an autocommit index step, what a retry checks before running it again.
    pub guard: Option<Guard>,
    /// A batched update: many short transactions instead of the statements.
    pub backfill: Option<BackfillStep>,
    /// A data step: Rust code run with the step's transaction instead of the statements.
    pub data: Option<crate::op::DataFn>,
    /// How this step alone is undone (the history keeps it, so that `down` can undo the steps of a
    /// migration that stopped part-way).
    pub undo: Undo,
}

/// A batched update: rows taken in key order, `batch_size` at a time, each batch its own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillStep {
    /// The table's name.
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
    /// Rows per batch.
    pub batch_size: u32,
    /// Milliseconds to wait between batches.
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
        vec![Step {
            statements: statements.to_vec(),
            transactional: true,
            guard: None,
            backfill: None,
            data: None,
            undo: Undo::Irreversible("replayed from the SQL stored in the history".into()),
        }]
    } else {
        statements
            .iter()
            .map(|s| Step {
                statements: vec![s.clone()],
                transactional: false,
                guard: None,
                backfill: None,
                data: None,
                undo: Undo::Irreversible("replayed from the SQL stored in the history".into()),
            })
            .collect()
    }
}
