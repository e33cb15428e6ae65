//! Rule `adding-exclusion-constraint` (error).
//!
//! Problem: Adding an exclusion constraint to an existing table builds its index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends. It has no `NOT VALID` form and no concurrent one.
//!
//! Solution: Declare it when the table is created; on a table with rows, add it at a quiet time (the lock timeout makes it fail fast rather than queue), or enforce the rule with a trigger until the table can be rebuilt with it.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddConstraint { table, def } = op else { return None };
    if !matches!(def.kind, ConstraintKind::Exclude { .. }) || !cx.existing(table) {
        return None;
    }
    Some(Violation {
        message: format!(
            "adds exclusion constraint `{}` to `{table}`: its index is built and every row checked under an ACCESS EXCLUSIVE lock (no NOT VALID or concurrent form)",
            def.name
        ),
        help: "declare it when the table is created; on a table with rows, add it at a quiet time and acknowledge this rule with the reason".into(),
    })
}
