//! Rule `domain-check-missing-not-valid` (error).
//!
//! Problem: `ALTER DOMAIN .. ADD CONSTRAINT` checks every value of every column of the domain, in every table that uses it, holding a SHARE lock on each of those tables (writes wait) until the migration's transaction ends.
//!
//! Solution: Add it `.not_valid()` (new values are checked at once; existing ones are not read), then `validate_domain_check` in a migration of its own, so the scan holds its locks for no longer than it needs.

#[allow(unused_imports)]
use super::helpers::*;
use crate::lint::{Context, Violation};
#[allow(unused_imports)]
use crate::op::{ColumnType, ConstraintKind, DefaultValue, Op};

/// Runs the rule on one op.
pub fn check(op: &Op, cx: &Context) -> Option<Violation> {
    let Op::AddDomainCheck { domain, check } = op else { return None };
    if check.not_valid {
        return None;
    }
    let tables: Vec<&str> = cx
        .model
        .tables
        .iter()
        .filter(|(t, tab)| cx.existing(t) && tab.columns.iter().any(|c| crate::model::uses_type(&c.ty, domain)))
        .map(|(t, _)| t.as_str())
        .collect();
    (!tables.is_empty()).then(|| Violation {
        message: format!(
            "adds check `{}` to domain `{domain}` and checks every value of it in {} under SHARE locks (writes wait)",
            check.name,
            tables.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        ),
        help: "add it with `.not_valid()` (`NOT VALID`), then `validate_domain_check` (`VALIDATE CONSTRAINT`) in a migration of its own".into(),
    })
}
