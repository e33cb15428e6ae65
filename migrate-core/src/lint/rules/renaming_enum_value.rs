//! Rule `renaming-enum-value` (warning).
//!
//! Problem: Renaming an enum value breaks the application code still running with the old value during the deploy: writing it fails (invalid input value for enum), and reads no longer match it.
//!
//! Solution: Add the new value, deploy code that writes it, update the rows, then stop using the old one; or rename when no running code uses the value.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::RenameEnumValue { name, from, to } = op else { return None };
    // An enum made in this migration has no users yet.
    let made_here = cx.ops()[..cx.index.min(cx.ops().len())]
        .iter()
        .any(|o| matches!(o, Op::CreateEnum { def } if &def.name == name));
    (!made_here).then(|| Violation {
        message: format!(
            "renames value `{from}` of enum `{name}` to `{to}`: code still running writes `{from}`, which then fails"
        ),
        help: "deploy code that no longer writes the old value first, or add the new value, move the rows, and stop using the old one".into(),
    })
}
