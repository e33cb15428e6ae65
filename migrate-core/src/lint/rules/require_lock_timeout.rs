//! Rule `require-lock-timeout` (warning).
//!
//! Problem: A DDL statement waiting for its lock makes every later query on the table wait behind it: without a lock_timeout, one long-running transaction turns a fast ALTER into an outage.
//!
//! Solution: Keep `lock_timeout` set in migrate.toml (it is by default; "0" disables it).

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    if cx.config.lock_timeout || !touches_existing(op, cx) || cx.index != first_touching(cx) {
        return None;
    }
    Some(Violation {
        message:
            "changes an existing table with lock_timeout disabled: waiting for the lock queues every query on the table"
                .into(),
        help: "set `lock_timeout` in migrate.toml (e.g. \"2s\")".into(),
    })
}
