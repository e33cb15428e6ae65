//! Rule `adding-identity-column` (error).
//!
//! Problem: Adding an identity column (`GENERATED .. AS IDENTITY`) or a serial one (`serial`, `bigserial`) to a table with rows makes PostgreSQL number every row as it adds it: the whole table is rewritten under an ACCESS EXCLUSIVE lock.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
//!
//! Solution: Add the column bare, number new rows from a sequence at once (`SET DEFAULT nextval(..)`), fill the existing rows in batches, make it NOT NULL through a validated CHECK, then `ADD GENERATED .. AS IDENTITY` (no rewrite: the column is NOT NULL) with its sequence set where the fill stopped. With `safe_operations` on the runner does this.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddColumn { table, def } = op else { return None };
    let serial = crate::runner::safe::serial_base(&def.column.ty);
    if cx.config.safe_operations || !cx.existing(table) || (def.column.identity.is_none() && serial.is_none()) {
        return None;
    }
    let what = if serial.is_some() { "serial" } else { "identity" };
    Some(Violation {
        message: format!(
            "adds the {what} column `{table}.{}`: PostgreSQL numbers every row as it adds it, rewriting `{table}` under an ACCESS EXCLUSIVE lock",
            def.column.name
        ),
        help: "add it bare, `SET DEFAULT nextval(..)` of a sequence for new rows, fill the rows in batches, NOT NULL through a validated CHECK, then `ADD GENERATED .. AS IDENTITY` and `setval` its sequence (what `safe_operations = true` runs)".into(),
    })
}
