//! Rule `changing-column-type` (error).
//!
//! Problem: Most column type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock. Some do not: widening varchar, varchar to text, text to unbounded varchar, widening numeric precision at the same scale, removing a numeric's limits, cidr to inet, and `timestamp` to `timestamptz` (or back) when the migrating session's TimeZone is UTC (`up` reads it on the server; under another zone every value shifts by its offset).
//!
//! Solution: Add a new column, backfill it in batches, switch the code over, then drop the old one.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::ChangeColumnType { table, column, to, using, assume_utc, .. } = op else { return None };
    let from = cx.model.tables.get(table).and_then(|t| t.column(column)).map(|c| c.ty.clone())?;
    if !cx.existing(table) || no_rewrite(&from, to) {
        return None;
    }
    let (a, b) = (crate::render::render_column_type(&from), crate::render::render_column_type(to));
    // timestamp <-> timestamptz keeps the stored bytes when the session's zone is UTC: PostgreSQL then
    // rewrites nothing. Under another zone every value shifts by its offset (and the table is
    // rewritten), so the zone decides; `up` reads it on the migrating session.
    let zoned = matches!(
        (&from, to),
        (ColumnType::Timestamp, ColumnType::Timestamptz) | (ColumnType::Timestamptz, ColumnType::Timestamp)
    ) && using.is_none();
    if zoned {
        let zone = cx.config.time_zone.as_deref();
        if assume_utc.0 || zone.is_some_and(is_utc) {
            return None;
        }
        let why = match zone {
            Some(z) => format!("the migrating session's TimeZone is `{z}`, not UTC"),
            None => {
                "unless the migrating session's TimeZone is UTC (`up` checks it on the server; offline, lint cannot)"
                    .into()
            }
        };
        return Some(Violation {
            message: format!(
                "changes `{table}.{column}` from {a} to {b}: {why}, so every value is converted by the zone's offset and the table rewritten under an ACCESS EXCLUSIVE lock"
            ),
            help: "`.assume_utc()` on the change runs it with TimeZone UTC (the stored values read as UTC, nothing rewritten); or migrate through a new column".into(),
        });
    }
    Some(Violation {
        message: format!(
            "changes `{table}.{column}` from {a} to {b}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock"
        ),
        help: "add a new column of the new type, backfill it in batches, move the code to it, then drop the old column"
            .into(),
    })
}

/// Whether a `TimeZone` setting has no offset from UTC, ever.
fn is_utc(zone: &str) -> bool {
    let z = zone.to_ascii_lowercase();
    let z = z.strip_prefix("etc/").unwrap_or(&z);
    ["utc", "uct", "zulu", "universal", "gmt", "gmt0", "gmt+0", "gmt-0", "greenwich", "utc0"].contains(&z)
}
