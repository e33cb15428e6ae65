//! Rule `ban-drop-table` (error).
//!
//! Problem: Dropping a table loses its data and breaks code still using it.
//!
//! Solution: Deploy code that no longer uses the table first; then drop it, acknowledging this rule with the reason.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::DropTable { name, .. } = op else { return None };
    cx.existing(name).then(|| Violation {
        message: format!("drops table `{name}` and its data; code still using it fails"),
        help: "deploy code that no longer uses the table first, then acknowledge: `#[migration(allow(ban_drop_table = \"why it is safe now\"))]`".into(),
    })
}
