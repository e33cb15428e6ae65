//! A migration as an ordered plan of steps: transactional groups, and statements that must run on
//! their own in autocommit (`CREATE INDEX CONCURRENTLY` and the like).

use crate::op::Op;
use crate::render::render_op;

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
    pub statements: Vec<String>,
    /// Runs in a transaction (with its progress update) when true, alone in autocommit otherwise.
    pub transactional: bool,
    pub guard: Option<Guard>,
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
    let mut steps: Vec<Step> = Vec::new();
    for op in ops {
        let mut op_step: Option<usize> = None;
        for st in render_op(op) {
            let together = transaction || st.transactional;
            let joins = if transaction { steps.last().map(|_| steps.len() - 1) } else { op_step };
            match joins.and_then(|i| steps.get_mut(i)) {
                Some(last) if together && last.transactional => last.statements.push(st.sql),
                _ => {
                    let guard = if together {
                        None
                    } else {
                        match op {
                            Op::CreateIndex { def } => Some(Guard::CreateIndex { name: def.name.clone() }),
                            Op::DropIndex { name, .. } => Some(Guard::DropIndex { name: name.clone() }),
                            _ => None,
                        }
                    };
                    steps.push(Step { statements: vec![st.sql], transactional: together, guard });
                    if together {
                        op_step = Some(steps.len() - 1);
                    }
                }
            }
        }
    }
    steps
}

/// Steps from stored SQL (the history's down SQL of a migration missing from the code): one
/// transactional step, or one autocommit step per statement.
pub fn from_sql(statements: &[String], transaction: bool) -> Vec<Step> {
    if transaction {
        vec![Step { statements: statements.to_vec(), transactional: true, guard: None }]
    } else {
        statements.iter().map(|s| Step { statements: vec![s.clone()], transactional: false, guard: None }).collect()
    }
}
