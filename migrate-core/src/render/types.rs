//! Types, literals and defaults.

use crate::ident::{quote_ident, quote_literal};
use crate::op::{ColumnType, DefaultValue, Literal};

/// Renders a column type: `varchar(255)`, `numeric(10, 2)`, `"user_role"[]`.
pub fn render_column_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "smallint".into(),
        ColumnType::Integer => "integer".into(),
        ColumnType::BigInt => "bigint".into(),
        ColumnType::Numeric { precision: Some(p), scale: Some(s) } => format!("numeric({p}, {s})"),
        ColumnType::Numeric { precision: Some(p), scale: None } => format!("numeric({p})"),
        // A scale without a precision is refused by validation; render the plain type for it.
        ColumnType::Numeric { precision: None, .. } => "numeric".into(),
        ColumnType::Real => "real".into(),
        ColumnType::Double => "double precision".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Varchar { length: Some(n) } => format!("varchar({n})"),
        ColumnType::Varchar { length: None } => "varchar".into(),
        ColumnType::Char { length } => format!("char({length})"),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Bytea => "bytea".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::Timestamptz => "timestamptz".into(),
        ColumnType::Interval => "interval".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Jsonb => "jsonb".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::Cidr => "cidr".into(),
        ColumnType::Array { element } => format!("{}[]", render_column_type(element)),
        ColumnType::Enum { name } | ColumnType::Named { name } => quote_ident(name),
    }
}

/// Renders a default: a literal (quoted) or an expression (as written).
pub fn render_default(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Literal { value } => render_literal(value),
        DefaultValue::Expr { sql } => sql.clone(),
    }
}

fn render_literal(lit: &Literal) -> String {
    match lit {
        Literal::Bool { value } => value.to_string(),
        Literal::Int { value } => value.to_string(),
        Literal::Float { text } if is_special_float(text) => quote_literal(text),
        Literal::Float { text } => text.clone(),
        Literal::Text { value } => quote_literal(value),
        // An untyped array literal ('{..}') coerces to the column's array type, enum arrays included,
        // where ARRAY[..] would be typed text[] and refused for them.
        Literal::Array { items } => {
            let mut body = String::from("{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&array_element(item));
            }
            body.push('}');
            quote_literal(&body)
        }
    }
}

fn is_special_float(text: &str) -> bool {
    matches!(text, "NaN" | "Infinity" | "-Infinity")
}

/// An element inside an array literal: strings are double-quoted with `"` and `\` escaped.
fn array_element(item: &Literal) -> String {
    match item {
        Literal::Bool { value } => value.to_string(),
        Literal::Int { value } => value.to_string(),
        Literal::Float { text } => text.clone(),
        Literal::Text { value } => {
            let mut out = String::from("\"");
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        }
        Literal::Array { .. } => {
            // Nested arrays are not built by the typed builder; render the inner literal's body.
            let quoted = render_literal(item);
            quoted[1..quoted.len() - 1].replace("''", "'")
        }
    }
}
