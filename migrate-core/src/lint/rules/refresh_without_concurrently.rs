//! Rule `refresh-without-concurrently` (warning).
//!
//! Problem: `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the view: every query reading it waits until the refresh has run the view's whole query again.
//!
//! Solution: Refresh it `.concurrently()` (`REFRESH MATERIALIZED VIEW CONCURRENTLY`): reads go on while it runs. It needs a unique index on columns of the view, and a view already populated.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::RefreshMaterializedView { name, concurrently: false } = op else { return None };
    // A view made in this migration has no readers yet (and a view made WITH NO DATA cannot be
    // refreshed concurrently the first time).
    let made_here = cx.ops()[..cx.index.min(cx.ops().len())]
        .iter()
        .any(|o| matches!(o, Op::CreateMaterializedView { def } if &def.name == name));
    if made_here || cx.model.materialized_views.get(name).is_some_and(|m| !m.with_data) {
        return None;
    }
    Some(Violation {
        message: format!(
            "refreshes materialized view `{name}` under an ACCESS EXCLUSIVE lock: every read of it waits until its query has run again"
        ),
        help:
            "refresh it `CONCURRENTLY` (`.concurrently()`): reads go on; it needs a unique index on columns of the view"
                .into(),
    })
}
