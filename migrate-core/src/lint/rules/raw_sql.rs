//! Rule `raw-sql` (warning).
//!
//! Problem: Raw SQL cannot be inspected: the framework cannot tell what it locks or rewrites, and the schema model does not see its changes.
//!
//! Solution: Use the builder where it covers the change; review raw SQL's locks by hand.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    let Op::Sql { .. } = op else { return None };
    Some(Violation {
        message: "runs raw SQL, whose locks and effects the framework cannot check".into(),
        help: "prefer the builder; review what this SQL locks and for how long".into(),
    })
}
