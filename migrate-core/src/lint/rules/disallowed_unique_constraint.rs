//! Rule `disallowed-unique-constraint` (error).
//!
//! Problem: `ADD CONSTRAINT .. UNIQUE` or `PRIMARY KEY` on an existing table builds the index under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent; it reports when `safe_operations = false`, and on a partitioned table, where the safe
//! plan runs it as written (PostgreSQL 15 has no NOT VALID foreign key and no concurrent index there).
//!
//! Solution: Build a unique index `.concurrently()` first; then add the constraint from it (`USING INDEX`), which is instant.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let (table, def, kind) = added_constraints(op).into_iter().find_map(|(table, def)| match def.kind {
        ConstraintKind::Unique { .. } => Some((table, def, "unique constraint")),
        ConstraintKind::PrimaryKey { .. } => Some((table, def, "primary key")),
        _ => None,
    })?;
    if partitioned(cx, table) && cx.existing(table) {
        // No concurrent index on a partitioned table: the safe plan runs it as written.
        return Some(Violation {
            message: format!(
                "adds {kind} `{}` to the partitioned table `{table}`, building its index on every partition under a lock that blocks writes",
                def.name
            ),
            help: "build the unique index on each partition `.concurrently()` first (no_transaction), then add the constraint to the parent: it takes the partitions' indexes without building again".into(),
        });
    }
    if cx.config.safe_operations {
        // The safe plan runs this change in its safe form (runner::safe).
        return None;
    }
    cx.existing(table).then(|| Violation {
        message: format!("adds {kind} `{}` to `{table}`, building its index under an ACCESS EXCLUSIVE lock", def.name),
        help: "create a unique index `.concurrently()` in a `no_transaction` migration first, then add the constraint using that index".into(),
    })
}
