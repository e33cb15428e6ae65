//! Rule `adding-volatile-default` (error).
//!
//! Problem: A new column whose default is volatile (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval(..)`) makes PostgreSQL rewrite the whole table under an ACCESS EXCLUSIVE lock. (Constant and stable defaults such as `now()` are instant from PostgreSQL 11.)
//!
//! Solution: Add the column without a default, set the default for new rows, and fill the existing rows in batches.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddColumn { table, def } = op else { return None };
    let Some(DefaultValue::Expr { sql }) = &def.column.default else { return None };
    if !cx.existing(table) || !is_volatile(sql) {
        return None;
    }
    Some(Violation {
        message: format!("adds `{table}.{}` with the volatile default `{sql}`: the whole table is rewritten under an ACCESS EXCLUSIVE lock", def.column.name),
        help: "add the column without a default, `set_default` it for new rows, then backfill the existing rows in batches".into(),
    })
}
