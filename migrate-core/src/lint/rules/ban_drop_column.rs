//! Rule `ban-drop-column` (error).
//!
//! Problem: Dropping a column loses its data, and breaks code (and ORMs that cache the columns) still running against it.
//!
//! Solution: Stop using the column in the code and deploy that first; then drop it, acknowledging this rule with the reason.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::DropColumn { table, column, .. } = op else { return None };
    cx.existing(table).then(|| Violation {
        message: format!("drops `{table}.{column}` and its data; code still reading it fails"),
        help: "deploy code that no longer uses the column first, then acknowledge: `#[migration(allow(ban_drop_column = \"why it is safe now\"))]`".into(),
    })
}
