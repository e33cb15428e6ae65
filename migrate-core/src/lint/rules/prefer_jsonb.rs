//! Rule `prefer-jsonb` (warning).
//!
//! Problem: `json` stores text and reparses it on every use; it has no equality operator, so it cannot be indexed, compared, or used in DISTINCT.
//!
//! Solution: Use `jsonb`.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    new_columns(op).into_iter().any(|(_, ty)| mentions(ty, &|t| matches!(t, ColumnType::Json))).then(|| Violation {
        message: "uses `json`, which cannot be indexed or compared".into(),
        help: "use `t.jsonb(..)`".into(),
    })
}
