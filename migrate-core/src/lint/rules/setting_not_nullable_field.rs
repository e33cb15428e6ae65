//! Rule `setting-not-nullable-field` (error).
//!
//! Problem: `SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock, unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+).
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
//!
//! Solution: Add `CHECK (col IS NOT NULL)` NOT VALID, validate it in a separate transaction, then SET NOT NULL (instant), then drop the CHECK.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::SetNotNull { table, column } = op else { return None };
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    if !cx.existing(table) || cx.model.tables.get(table).and_then(|t| t.column(column)).is_none() {
        return None;
    }
    let proven = cx.model.tables[table]
        .constraints
        .values()
        .any(|k| !k.not_valid && matches!(&k.kind, ConstraintKind::Check { expr } if proves_not_null(expr, column)));
    (!proven).then(|| Violation {
        message: format!("sets `{table}.{column}` NOT NULL, scanning every row under an ACCESS EXCLUSIVE lock"),
        help: format!("first add `CHECK ({} IS NOT NULL)` `.not_valid()` and validate it in a separate transaction; SET NOT NULL is then instant", crate::ident::quote_ident(column)),
    })
}
