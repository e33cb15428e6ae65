//! Rule `prefer-identity` (warning).
//!
//! Problem: `serial` columns (and `nextval` defaults) own a sequence with separate permissions and ownership quirks; identity columns are the SQL-standard replacement.
//!
//! Solution: Use `.identity()` on an integer column.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    let serial = new_columns(op).into_iter().any(|(c, ty)| {
        matches!(ty, ColumnType::Named { name } if matches!(name.to_ascii_lowercase().as_str(), "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"))
            || matches!(&c.default, Some(DefaultValue::Expr { sql }) if sql.to_ascii_lowercase().contains("nextval("))
    });
    serial.then(|| Violation {
        message: "uses a serial column or a nextval() default".into(),
        help: "use `t.bigint(\"id\").identity()`".into(),
    })
}
