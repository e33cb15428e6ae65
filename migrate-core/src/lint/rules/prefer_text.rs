//! Rule `prefer-text` (warning).
//!
//! Problem: `varchar(n)` and `char(n)` give no storage or speed benefit over `text` in PostgreSQL; changing the limit later can rewrite the table, and `char(n)` pads with spaces.
//!
//! Solution: Use `text`, with a CHECK on `length(..)` if a limit is a business rule.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    let bounded = new_columns(op).into_iter().any(|(_, ty)| {
        mentions(ty, &|t| matches!(t, ColumnType::Varchar { length: Some(_) } | ColumnType::Char { .. }))
    });
    bounded.then(|| Violation {
        message: "uses varchar(n) or char(n)".into(),
        help: "use `t.text(..)`, with `.check(\"length(col) <= n\")` if the limit matters".into(),
    })
}
