//! Rule `backfill-with-ddl` (error).
//!
//! Problem: A data change (UPDATE/INSERT/DELETE) in the same transaction as DDL on an existing table holds the DDL's ACCESS EXCLUSIVE lock until the data change ends.
//!
//! Solution: Put the backfill in its own migration (or a `no_transaction` one), in batches.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    // The builder's backfills run as one UPDATE in the migration's transaction when the runner does not
    // make them safe (batches of their own); a column's `.backfill(..)` is its own ALTER and UPDATE.
    let written = !cx.config.safe_operations;
    match op {
        Op::AddColumn { table, def } if def.backfill.is_some() && written && cx.existing(table) => {
            return Some(Violation {
                message: format!(
                    "adds `{table}.{}` and fills every row in the same statement's transaction: `{table}` stays locked (ACCESS EXCLUSIVE) until every row is updated",
                    def.column.name
                ),
                help: "add the column, then `s.backfill(..)` in a migration of its own (or turn `safe_operations` on: it fills in batches)".into(),
            });
        }
        Op::Backfill { .. } if written && cx.migration.transaction => {}
        Op::Sql { up, .. } if cx.migration.transaction && is_dml(up) => {}
        _ => return None,
    }
    let ddl = cx.ops().iter().any(|o| !matches!(o, Op::Sql { .. } | Op::Backfill { .. }) && touches_existing(o, cx));
    ddl.then(|| Violation {
        message: "changes data in the transaction that also alters an existing table: the table stays locked until the data change ends".into(),
        help: "move the data change to its own migration (or mark this one `no_transaction`), updating in batches".into(),
    })
}
