//! Rule `raw-sql` (warning).
//!
//! Problem: A statement of raw SQL the schema model cannot represent (a `DO` block, a data change, a grant, ...): the framework cannot tell what it locks or rewrites.
//!
//! Solution: Use the builder where it covers the change; review the statement's locks by hand; say what it does to the schema with `.declares(..)`.
//!
//! The lint reads raw SQL statement by statement (`lint::sql_findings`) and reports this rule there,
//! per statement; this check covers raw SQL whose effect is declared (`.declares(..)`).

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
