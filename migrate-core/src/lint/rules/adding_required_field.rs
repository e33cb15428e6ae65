//! Rule `adding-required-field` (error).
//!
//! Problem: A NOT NULL column without a default cannot be added to a table that has rows: the migration fails in production where it passed on an empty development database.
//!
//! Solution: Add it nullable (or with a constant default), backfill, then set NOT NULL safely (a validated CHECK first).

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddColumn { table, def } = op else { return None };
    let c = &def.column;
    if !c.not_null || c.default.is_some() || c.identity.is_some() || def.backfill.is_some() || !cx.existing(table) {
        return None;
    }
    Some(Violation {
        message: format!(
            "adds `{table}.{}` NOT NULL without a default: it fails as soon as `{table}` has a row",
            c.name
        ),
        help: "give it a constant default, or add it nullable, backfill it, and set NOT NULL after a validated CHECK"
            .into(),
    })
}
