//! Rule `dropping-not-null` (warning).
//!
//! Problem: Dropping NOT NULL lets NULL in: code still running may rely on the column never being NULL (a non-optional field, a comparison that drops NULL rows), and reads a NULL it cannot handle.
//!
//! Solution: Deploy code that handles NULL in the column first; then drop NOT NULL.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::DropNotNull { table, column } = op else { return None };
    cx.existing(table).then(|| Violation {
        message: format!(
            "lets NULL into `{table}.{column}`: code that relies on it never being NULL reads one it cannot handle"
        ),
        help: "deploy code that handles NULL in the column first (an `Option` field, queries that expect NULL)".into(),
    })
}
