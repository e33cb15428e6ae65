//! Rule `detach-partition-without-concurrently` (warning).
//!
//! Problem: `DETACH PARTITION` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on it, on any partition, waits for the detach (and queues behind it while it waits for its lock).
//!
//! Solution: Detach it `.concurrently()` (`DETACH PARTITION .. CONCURRENTLY`, PostgreSQL 14 and later): queries go on; it runs outside a transaction, and a table with a DEFAULT partition cannot use it.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::DetachPartition { parent, name, concurrently: false, .. } = op else { return None };
    cx.existing(parent).then(|| Violation {
        message: format!(
            "detaches `{name}` under an ACCESS EXCLUSIVE lock on `{parent}`: every query on `{parent}` waits"
        ),
        help: "`DETACH PARTITION .. CONCURRENTLY` (`.concurrently()`): queries go on; it runs outside a transaction"
            .into(),
    })
}
