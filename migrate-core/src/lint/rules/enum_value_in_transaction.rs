//! Rule `enum-value-in-transaction` (error).
//!
//! Problem: Before PostgreSQL 12, `ALTER TYPE .. ADD VALUE` cannot run inside a transaction block. From 12 on it can, but the new value cannot be used in the same transaction.
//!
//! Solution: On older servers, mark the migration `#[migration(no_transaction)]`; use the new value only in a later migration.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddEnumValue { name, value, .. } = op else { return None };
    if !cx.migration.transaction {
        return None;
    }
    if cx.config.server_version < 120_000 {
        return Some(Violation {
            message: format!(
                "adds `{value}` to enum `{name}` inside a transaction, which PostgreSQL before 12 refuses"
            ),
            help: "mark the migration `#[migration(no_transaction)]`".into(),
        });
    }
    // A builder backfill runs in its own transactions (after this one commits) when the runner makes
    // it safe; as written (one UPDATE) it runs in this one, as does a column's `.backfill(..)` on a
    // table made here.
    let in_this_transaction = |o: &Op| match o {
        Op::Backfill { .. } => !cx.config.safe_operations,
        Op::AddColumn { table, def } if def.backfill.is_some() => !cx.config.safe_operations || !cx.existing(table),
        _ => true,
    };
    let quoted = format!("'{}'", value.replace('\'', "''"));
    let used_later = cx.ops()[cx.index + 1..].iter().filter(|o| in_this_transaction(o)).any(|o| {
        uses_value(o, value)
            || matches!(o, Op::AddColumn { def, .. } if def.backfill.as_ref().is_some_and(|b| b.contains(&quoted)))
    });
    used_later.then(|| Violation {
        message: format!(
            "uses the new value `{value}` of enum `{name}` in the transaction that added it (SQLSTATE 55P04)"
        ),
        help: "use the value in a later migration, or mark this one `#[migration(no_transaction)]`".into(),
    })
}
