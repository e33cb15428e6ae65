//! Rule `require-concurrent-index-deletion` (error).
//!
//! Problem: `DROP INDEX` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait, and everything queues behind the drop while it waits for its lock.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
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
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    let table = cx.model.indexes.get(name).map(|i| i.def.table.clone())?;
    cx.existing(&table).then(|| Violation {
        message: format!("drops index `{name}` under an ACCESS EXCLUSIVE lock on `{table}`: reads and writes wait"),
        help: "use `s.drop_index(name).concurrently()` in a `#[migration(no_transaction)]` migration".into(),
    })
}
