//! Rule `adding-volatile-default` (error).
//!
//! Problem: A new column whose default is volatile (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval(..)`), or a new stored generated column, makes PostgreSQL rewrite the whole table under an ACCESS EXCLUSIVE lock. (Constant and stable defaults such as `now()` are instant from PostgreSQL 11.) The generated column has no safe form: this speaks with `safe_operations` on too.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
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
    // A stored generated column is computed for every row as it is added: no safe form exists, so
    // this speaks with the safe plan on too.
    if let Some(expression) = &def.column.generated
        && cx.existing(table)
    {
        return Some(Violation {
            message: format!(
                "adds the generated column `{table}.{}` (`{expression}`): PostgreSQL computes it for every row, rewriting the whole table under an ACCESS EXCLUSIVE lock",
                def.column.name
            ),
            help: "add a plain column and fill it in batches (keeping it current from the code or a trigger), or add it while the table is small and acknowledge this rule".into(),
        });
    }
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    let Some(DefaultValue::Expr { sql }) = &def.column.default else { return None };
    if !cx.existing(table) || !is_volatile_sql(sql) {
        return None;
    }
    Some(Violation {
        message: format!("adds `{table}.{}` with the volatile default `{sql}`: the whole table is rewritten under an ACCESS EXCLUSIVE lock", def.column.name),
        help: "add the column without a default, `set_default` it for new rows, then backfill the existing rows in batches".into(),
    })
}
