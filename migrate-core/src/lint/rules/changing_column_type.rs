//! Rule `changing-column-type` (error).
//!
//! Problem: Most column type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock. Some do not: widening varchar, varchar to text, text to unbounded varchar, widening numeric precision at the same scale, removing a numeric's limits, cidr to inet.
//!
//! Solution: Add a new column, backfill it in batches, switch the code over, then drop the old one.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::ChangeColumnType { table, column, to, .. } = op else { return None };
    let from = cx.model.tables.get(table).and_then(|t| t.column(column)).map(|c| c.ty.clone())?;
    if !cx.existing(table) || no_rewrite(&from, to) {
        return None;
    }
    let (a, b) = (crate::render::render_column_type(&from), crate::render::render_column_type(to));
    Some(Violation {
        message: format!(
            "changes `{table}.{column}` from {a} to {b}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock"
        ),
        help: "add a new column of the new type, backfill it in batches, move the code to it, then drop the old column"
            .into(),
    })
}
