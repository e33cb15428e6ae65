//! Rule `require-concurrent-index-creation` (error).
//!
//! Problem: `CREATE INDEX` without `CONCURRENTLY` takes a SHARE lock on the table: every INSERT, UPDATE and DELETE waits until the whole index is built.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`.
//!
//! Solution: Build it with `.concurrently()` in a `#[migration(no_transaction)]` migration. An index on a table created in the same migration is fine as it is.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::CreateIndex { def } = op else { return None };
    if !def.concurrently
        && cx.existing(&def.table)
        && cx.model.tables.get(&def.table).is_some_and(|t| t.partition_by.is_some())
    {
        // PostgreSQL cannot build it concurrently on a partitioned table: the safe plan leaves it.
        return Some(Violation {
            message: format!(
                "builds index `{}` on every partition of `{}` while holding a SHARE lock on each: writes wait for the whole build",
                def.name, def.table
            ),
            help: "PostgreSQL cannot build it CONCURRENTLY on a partitioned table: build it on each partition \
                   `.concurrently()` first (no_transaction), then on the parent (it takes the partitions' indexes)"
                .into(),
        });
    }
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    if def.concurrently || !cx.existing(&def.table) {
        return None;
    }
    Some(Violation {
        message: format!(
            "builds index `{}` while holding a SHARE lock on `{}`: writes to it wait for the whole build",
            def.name, def.table
        ),
        help: "add `.concurrently()` and mark the migration `#[migration(no_transaction)]`".into(),
    })
}
