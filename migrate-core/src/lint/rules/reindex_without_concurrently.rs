//! Rule `reindex-without-concurrently` (error).
//!
//! Problem: `REINDEX` without `CONCURRENTLY` locks the table against writes (and the index against the queries that would use it) until the index is rebuilt.
//!
//! Solution: Rebuild it `.concurrently()` (`REINDEX INDEX CONCURRENTLY`): writes go on while it runs, outside a transaction.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::Reindex { table, name, concurrently: false } = op else { return None };
    let on = match table {
        true => name.as_str(),
        false => cx.model.indexes.get(name).map_or(name.as_str(), |i| i.def.table.as_str()),
    };
    cx.existing(on).then(|| Violation {
        message: format!(
            "rebuilds {} `{name}` while writes to `{on}` wait",
            if *table { "the indexes of" } else { "index" }
        ),
        help: "`REINDEX .. CONCURRENTLY` (`.concurrently()`): writes go on while it rebuilds, outside a transaction"
            .into(),
    })
}
