//! What several rules need to know about ops and types.

use crate::lint::Context;
use crate::op::{ColumnDef, ColumnType, CommentTarget, Op};

/// Volatile functions whose default makes ADD COLUMN rewrite the table.
pub fn is_volatile_sql(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    ["random(", "gen_random_uuid(", "uuid_generate_", "clock_timestamp(", "nextval(", "timeofday("]
        .iter()
        .any(|f| s.contains(f))
}

/// Whether the SQL starts with a data-changing statement.
pub fn is_dml(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_lowercase();
    ["update ", "insert ", "delete ", "with "].iter().any(|k| s.starts_with(k))
}

/// Whether a CHECK expression is `col IS NOT NULL` (quotes, parentheses, spaces and case aside).
pub fn proves_not_null(expr: &str, column: &str) -> bool {
    let norm = |s: &str| {
        s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"')).collect::<String>().to_lowercase()
    };
    norm(expr) == format!("{}isnotnull", norm(column))
}

/// Type changes that PostgreSQL does without rewriting the table.
pub fn no_rewrite(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        (Varchar { length: Some(a) }, Varchar { length: Some(b) }) => b >= a,
        (Varchar { .. }, Varchar { length: None } | Text) => true,
        (Text, Varchar { length: None }) => true,
        (Numeric { precision: Some(p1), scale: s1 }, Numeric { precision: Some(p2), scale: s2 }) => {
            p2 >= p1 && s1 == s2
        }
        (Numeric { .. }, Numeric { precision: None, scale: None }) => true,
        (Cidr, Inet) => true,
        (a, b) => a == b,
    }
}

/// The columns an op adds or retypes, with their (new) types.
pub fn new_columns(op: &Op) -> Vec<(&ColumnDef, &ColumnType)> {
    match op {
        Op::CreateTable { def } => def.columns.iter().map(|c| (c, &c.ty)).collect(),
        Op::AddColumn { def, .. } => vec![(&def.column, &def.column.ty)],
        _ => vec![],
    }
}

/// Whether a type or its array element matches.
pub fn mentions(ty: &ColumnType, f: &dyn Fn(&ColumnType) -> bool) -> bool {
    f(ty) || matches!(ty, ColumnType::Array { element } if mentions(element, f))
}

/// Whether an op (other than raw SQL) may use an enum value (as a default).
pub fn uses_value(op: &Op, value: &str) -> bool {
    // A literal default, or an expression that is the quoted value (as SQL writes it: `'meh'`,
    // `'meh'::mood`).
    let quoted = format!("'{}'", value.replace('\'', "''"));
    let lit = |d: &Option<crate::op::DefaultValue>| match d {
        Some(crate::op::DefaultValue::Literal { value: crate::op::Literal::Text { value: v } }) => v == value,
        Some(crate::op::DefaultValue::Expr { sql }) => {
            sql.trim() == quoted || sql.trim().strip_prefix(quoted.as_str()).is_some_and(|r| r.starts_with("::"))
        }
        _ => false,
    };
    match op {
        Op::CreateTable { def } => def.columns.iter().any(|c| lit(&c.default)),
        Op::AddColumn { def, .. } => lit(&def.column.default),
        Op::SetDefault { default, .. } => lit(&Some(default.clone())),
        Op::Sql { up, .. } => up.contains(&format!("'{value}'")),
        Op::Backfill { set, filter, .. } => {
            set.contains(&quoted) || filter.as_ref().is_some_and(|f| f.contains(&quoted))
        }
        _ => false,
    }
}

/// The table an op changes, if any.
pub fn table_of(op: &Op) -> Option<&str> {
    match op {
        Op::DropTable { name, .. } => Some(name),
        Op::RenameTable { from, .. } => Some(from),
        Op::AddColumn { table, .. }
        | Op::DropColumn { table, .. }
        | Op::RenameColumn { table, .. }
        | Op::ChangeColumnType { table, .. }
        | Op::SetNotNull { table, .. }
        | Op::DropNotNull { table, .. }
        | Op::SetDefault { table, .. }
        | Op::DropDefault { table, .. }
        | Op::AddConstraint { table, .. }
        | Op::ValidateConstraint { table, .. }
        | Op::DropConstraint { table, .. }
        | Op::RenameConstraint { table, .. } => Some(table),
        Op::Comment {
            target:
                CommentTarget::Table { table }
                | CommentTarget::Column { table, .. }
                | CommentTarget::Constraint { table, .. }
                | CommentTarget::Trigger { table, .. },
            ..
        } => Some(table),
        Op::CreateIndex { def } => Some(&def.table),
        _ => None,
    }
}

/// Whether an op changes a table that existed before the migration.
pub fn touches_existing(op: &Op, cx: &Context) -> bool {
    table_of(op).is_some_and(|t| cx.existing(t))
}

/// The index of the migration's first op that changes an existing table (report once per migration).
pub fn first_touching(cx: &Context) -> usize {
    cx.ops().iter().position(|o| touches_existing(o, cx)).unwrap_or(usize::MAX)
}

/// The constraints `op` adds to an existing table: an added constraint, or those declared on an
/// added column (`.unique()`, `.references(..)`, `.check(..)`), which PostgreSQL adds the same way.
pub fn added_constraints(op: &Op) -> Vec<(&str, &crate::op::ConstraintDef)> {
    match op {
        Op::AddConstraint { table, def } => vec![(table.as_str(), def)],
        Op::AddColumn { table, def } => def.constraints.iter().map(|k| (table.as_str(), k)).collect(),
        _ => vec![],
    }
}

/// Whether `table` is a partitioned table (PostgreSQL has no concurrent index nor, before 18, a NOT
/// VALID foreign key there, so the safe plan runs such changes as written).
pub fn partitioned(cx: &crate::lint::Context, table: &str) -> bool {
    cx.model.tables.get(table).is_some_and(|t| t.partition_by.is_some())
}
