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
    let Op::Sql { up, .. } = op else { return None };
    if !cx.migration.transaction || !is_dml(up) {
        return None;
    }
    let ddl = cx.ops().iter().any(|o| !matches!(o, Op::Sql { .. }) && touches_existing(o, cx));
    ddl.then(|| Violation {
        message: "changes data in the transaction that also alters an existing table: the table stays locked until the data change ends".into(),
        help: "move the data change to its own migration (or mark this one `no_transaction`), updating in batches".into(),
    })
}
