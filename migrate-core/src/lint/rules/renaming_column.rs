//! Rule `renaming-column` (warning).
//!
//! Problem: Renaming a column breaks the application code still running against the old name during the deploy.
//!
//! Solution: Add the new column, write to both, backfill, move reads, then drop the old one; or rename when no running code uses the column.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::RenameColumn { table, from, to } = op else { return None };
    cx.existing(table).then(|| Violation {
        message: format!(
            "renames `{table}.{from}` to `{to}`: code still running with the old name fails until it is deployed"
        ),
        help: "deploy code that no longer uses the old name first, or migrate through a new column".into(),
    })
}
