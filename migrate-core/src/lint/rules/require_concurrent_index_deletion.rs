//! Rule `require-concurrent-index-deletion` (error).
//!
//! Problem: `DROP INDEX` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait, and everything queues behind the drop while it waits for its lock.
//!
//! Solution: Drop it with `.concurrently()` in a `#[migration(no_transaction)]` migration.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::DropIndex { name, concurrently: false, .. } = op else { return None };
    let table = cx.model.indexes.get(name).map(|i| i.def.table.clone())?;
    cx.existing(&table).then(|| Violation {
        message: format!("drops index `{name}` under an ACCESS EXCLUSIVE lock on `{table}`: reads and writes wait"),
        help: "use `s.drop_index(name).concurrently()` in a `#[migration(no_transaction)]` migration".into(),
    })
}
