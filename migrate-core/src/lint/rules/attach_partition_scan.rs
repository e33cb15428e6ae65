//! Rule `attach-partition-scan` (warning).
//!
//! Problem: `ATTACH PARTITION` reads every row of the table to check it against the partition's bound, while writes to that table wait (and queries on the parent cannot use the new partition until it ends).
//!
//! With `safe_operations` on (the default) the runner applies the safe form itself and this rule is
//! silent for a range or list bound; it reports when `safe_operations = false`, and for a hash or
//! DEFAULT bound, which has no CHECK form.
//!
//! Solution: Add the bound as a CHECK constraint `NOT VALID` on the table, validate it in another transaction (writes go on), then attach: PostgreSQL sees the valid CHECK implies the bound and skips the scan; drop the CHECK after. With `safe_operations` on the runner does this for range and list bounds.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AttachPartition { parent, name, bound } = op else { return None };
    if !cx.existing(name) {
        return None;
    }
    let key = cx.model.tables.get(parent).and_then(|t| t.partition_by.as_deref());
    let check = key.and_then(|k| crate::sql_ops::partition_bound_check(k, bound));
    if cx.config.safe_operations && check.is_some() {
        // The safe plan validates the bound as a CHECK first (runner::safe).
        return None;
    }
    Some(Violation {
        message: format!(
            "attaches `{name}` to `{parent}` and reads every row of `{name}` to check its bound while writes to it wait"
        ),
        help: match check {
            Some(c) => format!(
                "first `ADD CONSTRAINT .. CHECK ({c}) NOT VALID` on `{name}` and validate it in another transaction: \
                 the attach then skips its scan"
            ),
            None => {
                "a hash or DEFAULT bound has no CHECK that implies it: attach while the table is small or idle".into()
            }
        },
    })
}
