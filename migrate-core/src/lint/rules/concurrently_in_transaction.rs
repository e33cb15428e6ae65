//! Rule `concurrently-in-transaction` (error).
//!
//! Problem: `CREATE/DROP INDEX CONCURRENTLY` cannot run inside a transaction: PostgreSQL refuses it (SQLSTATE 25001).
//!
//! Solution: Mark the migration `#[migration(no_transaction)]`: each op then runs as its own step.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let concurrent = matches!(op, Op::CreateIndex { def } if def.concurrently)
        || matches!(op, Op::DropIndex { concurrently: true, .. });
    (concurrent && cx.migration.transaction).then(|| Violation {
        message: "runs CONCURRENTLY, which PostgreSQL refuses inside the migration's transaction".into(),
        help: "mark the migration `#[migration(no_transaction)]`".into(),
    })
}
