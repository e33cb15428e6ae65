//! Rule `prefer-timestamptz` (warning).
//!
//! Problem: `timestamp` without time zone stores wall-clock time without saying where: the same value means different instants to clients in different time zones.
//!
//! Solution: Use `timestamptz`.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    new_columns(op).into_iter().any(|(_, ty)| mentions(ty, &|t| matches!(t, ColumnType::Timestamp))).then(|| {
        Violation { message: "uses `timestamp` without time zone".into(), help: "use `t.timestamptz(..)`".into() }
    })
}
