//! Rule `renaming-table` (warning).
//!
//! Problem: Renaming a table breaks the application code still running against the old name during the deploy.
//!
//! Solution: Create a view with the old name for the transition, or deploy code that no longer uses the old name first.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::RenameTable { from, to } = op else { return None };
    cx.existing(from).then(|| Violation {
        message: format!(
            "renames table `{from}` to `{to}`: code still running with the old name fails until it is deployed"
        ),
        help:
            "deploy code that no longer uses the old name first, or leave a view with the old name for the transition"
                .into(),
    })
}
