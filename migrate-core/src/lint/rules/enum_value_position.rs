//! Rule `enum-value-position` (warning).
//!
//! Problem: An enum value added without `BEFORE`/`AFTER` goes last in the enum's order, and an enum sorts by that order, not by name: where the enum is used in an index, in a CHECK that compares with `<`/`>`, or in a view's `ORDER BY`, the new value's place decides what is returned.
//!
//! Solution: Say where it goes (`.before(..)` / `.after(..)`), or confirm that last is right for the orderings that use the enum.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, IndexTarget, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddEnumValue { name, value, position: None } = op else { return None };
    let model = cx.model;
    let mut uses = Vec::new();
    for (table, t) in &model.tables {
        for col in t.columns.iter().filter(|c| crate::model::uses_type(&c.ty, name)) {
            let c = col.name.as_str();
            let indexed = model.indexes.values().any(|i| {
                &i.def.table == table
                    && i.def.elems.iter().any(|e| match &e.target {
                        IndexTarget::Column { name } => name == c,
                        IndexTarget::Expr { sql } => crate::model::mentions(sql, c),
                    })
            });
            if indexed {
                uses.push(format!("an index on `{table}.{c}`"));
            }
            for k in t.constraints.values() {
                if let ConstraintKind::Check { expr } = &k.kind
                    && crate::model::mentions(expr, c)
                    && (expr.contains('<') || expr.contains('>'))
                {
                    uses.push(format!("check `{}` of `{table}`", k.name));
                }
            }
            let ordered = |query: &str| query.to_lowercase().contains("order by") && crate::model::mentions(query, c);
            for v in model.views.values().filter(|v| ordered(&v.query)) {
                uses.push(format!("the ORDER BY of view `{}`", v.name));
            }
            for v in model.materialized_views.values().filter(|v| ordered(&v.query)) {
                uses.push(format!("the ORDER BY of materialized view `{}`", v.name));
            }
        }
    }
    uses.dedup();
    (!uses.is_empty()).then(|| Violation {
        message: format!(
            "adds `{value}` last in enum `{name}`, which orders {}: its place decides what they return",
            uses.join(", ")
        ),
        help: "say where it goes with `.before(..)` or `.after(..)`, or acknowledge that last is right".into(),
    })
}
