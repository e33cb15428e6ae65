//! Rule `validate-in-same-transaction` (error).
//!
//! Problem: A constraint added NOT VALID and validated in the same transaction keeps the ADD's write-blocking lock for the whole validation: NOT VALID then buys nothing.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
//!
//! Solution: Validate in a separate transaction: a later migration, or a `#[migration(no_transaction)]` migration (each op its own step).

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::ValidateConstraint { table, name } = op else { return None };
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    if !cx.migration.transaction {
        return None;
    }
    let added_here = cx.ops()[..cx.index]
        .iter()
        .any(|o| matches!(o, Op::AddConstraint { table: t, def } if t == table && &def.name == name));
    added_here.then(|| Violation {
        message: format!("validates `{name}` in the transaction that added it: the lock taken by the ADD is held while every row of `{table}` is checked"),
        help: "mark the migration `#[migration(no_transaction)]` so the ADD and the VALIDATE are separate transactions, or validate in a later migration".into(),
    })
}
