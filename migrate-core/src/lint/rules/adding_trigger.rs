//! Rule `adding-trigger` (warning).
//!
//! Problem: `CREATE TRIGGER` on an existing table takes a SHARE ROW EXCLUSIVE lock: every write to the table waits while it waits for running transactions, and from then on the trigger's function runs in every write it fires on.
//!
//! Solution: Create it with the lock timeout the runner sets (a busy table makes it fail fast and retry, not stall writes), at a quiet time, with a function cheap enough to run on every write.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::CreateTrigger { def } = op else { return None };
    cx.existing(&def.table).then(|| Violation {
        message: format!(
            "creates trigger `{}` on `{}`: a SHARE ROW EXCLUSIVE lock, so writes to the table wait while it waits for running transactions; then `{}()` runs on each write it fires on",
            def.name, def.table, def.function
        ),
        help: "keep a lock timeout (the runner's default) so a busy table makes it fail fast instead of stalling writes, and keep the trigger's function cheap".into(),
    })
}
