//! Rule `constraint-missing-not-valid` (error).
//!
//! Problem: Adding a CHECK or FOREIGN KEY to an existing table checks every row while holding a lock that blocks writes (ACCESS EXCLUSIVE for CHECK; SHARE ROW EXCLUSIVE on both tables for a foreign key).
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`, and on a partitioned table, where the safe
//! plan runs it as written (PostgreSQL 15 has no NOT VALID foreign key and no concurrent index there).
//!
//! Solution: Add it `.not_valid()` (instant), then `validate_constraint` in a separate transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock, which lets writes through.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let checked = |def: &crate::op::ConstraintDef| {
        !def.not_valid && matches!(def.kind, ConstraintKind::ForeignKey { .. } | ConstraintKind::Check { .. })
    };
    let (table, def) = added_constraints(op).into_iter().find(|(table, def)| checked(def) && cx.existing(table))?;
    let fk = matches!(def.kind, ConstraintKind::ForeignKey { .. });
    if fk && partitioned(cx, table) {
        // PostgreSQL (before 18) refuses a NOT VALID foreign key there: the safe plan runs it as written.
        return Some(Violation {
            message: format!(
                "adds foreign key `{}` to the partitioned table `{table}`: every partition's rows are checked under a lock that blocks writes, and PostgreSQL has no NOT VALID form there",
                def.name
            ),
            help: "add the foreign key to each partition `.not_valid()` and validate it apart, then to the parent: it takes the partitions' keys without checking again".into(),
        });
    }
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    let what = if fk { "foreign key" } else { "check" };
    Some(Violation {
        message: format!("adds {what} `{}` to `{table}` and checks every row under a lock that blocks writes", def.name),
        help: "add it with `.not_valid()`, then `validate_constraint` in a separate transaction (a later migration, or a `no_transaction` one)".into(),
    })
}
