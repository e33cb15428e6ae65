//! Rule `prefer-bigint-keys` (warning).
//!
//! Problem: An `integer` primary key runs out at 2,147,483,647 rows; widening it later rewrites the table and every referencing one.
//!
//! Solution: Use `bigint` keys.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let _ = cx;
    let Op::CreateTable { def } = op else { return None };
    let pk: Vec<&String> = def
        .constraints
        .iter()
        .flat_map(|k| match &k.kind {
            ConstraintKind::PrimaryKey { columns } => columns.iter().collect(),
            _ => vec![],
        })
        .collect();
    let small: Vec<&str> = def
        .columns
        .iter()
        .filter(|c| pk.contains(&&c.name) && matches!(c.ty, ColumnType::Integer | ColumnType::SmallInt))
        .map(|c| c.name.as_str())
        .collect();
    (!small.is_empty()).then(|| Violation {
        message: format!(
            "table `{}` has a 32-bit (or smaller) primary key column `{}`, which can run out of values",
            def.name,
            small.join("`, `")
        ),
        help: "use `t.bigint(..)` for keys".into(),
    })
}
