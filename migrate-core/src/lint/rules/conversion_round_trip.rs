//! Rule `conversion-round-trip` (warning).
//!
//! Problem: A type change with a conversion each way (`.converting(up, down)`) has a derived down, but the way back rebuilds each value from the new one: what the new type cannot hold (the fraction of a number made an integer, text that was not a number) is lost on a rollback.
//!
//! Solution: Check that `down(up(value))` is `value` for the data there is; otherwise keep the old column until the change has proven itself (add the new one, backfill, switch, drop later), or write a `down` that restores from a copy.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::ChangeColumnType { table, column, using: Some(up), using_down: Some(down), .. } = op else { return None };
    cx.existing(table).then(|| Violation {
        message: format!(
            "converts `{table}.{column}` with `{up}` and back with `{down}`: a rollback rebuilds every value from the converted one, and what the conversion dropped stays lost"
        ),
        help: "make sure the way back gives every value again, or keep the old column until the change has proven itself".into(),
    })
}
