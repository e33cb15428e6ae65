//! Reading the real schema from the catalog: a normalized snapshot of everything migrations can
//! create in a schema, and the differences between two snapshots in plain words. `verify` compares the
//! schema before an up with the schema after its down; `drift` compares a live database with a scratch
//! database migrated to the same version.

use std::collections::BTreeMap;
use std::fmt;

use tokio_postgres::GenericClient;

/// One line per object: `table users ...`, `column users.email #2 text not null ...`,
/// `constraint ...`, `index CREATE INDEX ...` (with `(INVALID)`), `enum`, `view`, `function`,
/// `extension`, `schema`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub lines: Vec<String>,
}

/// Reads the snapshot of `schema`, leaving out the objects of the tables named in `ignore` (the
/// framework's history tables, another tool's history table).
pub async fn snapshot(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Snapshot, tokio_postgres::Error> {
    const QUERY: &str = r#"
with ns as (select oid from pg_namespace where nspname = $1)
select 'table ' || quote_ident(c.relname) || ' kind=' || c.relkind::text || ' comment=' || coalesce(quote_literal(obj_description(c.oid, 'pg_class')), '-')
  from pg_class c where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p')
union all
select 'column ' || quote_ident(c.relname) || '.' || quote_ident(a.attname)
       || ' #' || (row_number() over (partition by c.oid order by a.attnum))::text
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || case when a.attnotnull then ' not null' else '' end
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end
       || ' comment=' || coalesce(quote_literal(col_description(c.oid, a.attnum)), '-')
  from pg_class c join pg_attribute a on a.attrelid = c.oid
  left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
  where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p', 'v') and a.attnum > 0 and not a.attisdropped
union all
select 'constraint ' || quote_ident(c.relname) || '.' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
       || case when k.convalidated then '' else ' (not validated)' end
  from pg_constraint k join pg_class c on c.oid = k.conrelid where k.connamespace = (select oid from ns)
union all
select 'index ' || pg_get_indexdef(i.indexrelid) || case when i.indisvalid then '' else ' (INVALID)' end
  from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = (select oid from ns)
union all
select 'enum ' || quote_ident(t.typname) || ' ' || coalesce((select string_agg(quote_literal(e.enumlabel), ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '')
  from pg_type t where t.typnamespace = (select oid from ns) and t.typtype = 'e'
union all
select 'view ' || quote_ident(c.relname) || ' ' || pg_get_viewdef(c.oid)
  from pg_class c where c.relnamespace = (select oid from ns) and c.relkind = 'v'
union all
select 'function ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid))
  from pg_proc p where p.pronamespace = (select oid from ns) and p.prokind in ('f', 'p')
union all
select 'extension ' || quote_ident(x.extname) || ' schema=' || x.extnamespace::regnamespace::text from pg_extension x
union all
select 'schema ' || quote_ident(n.nspname) from pg_namespace n
  where n.nspname not like 'pg\_%' and n.nspname <> 'information_schema'
order by 1
"#;
    let rows = client.query(QUERY, &[&schema]).await?;
    let lines = rows
        .iter()
        .map(|r| r.get::<_, String>(0))
        .filter(|l| !ignore.iter().any(|t| table_of(l) == Some(*t)))
        .collect();
    Ok(Snapshot { lines })
}

/// The table a line is about, for filtering (`None` for enums, views, functions, ...).
fn table_of(line: &str) -> Option<&str> {
    let mut words = line.split(' ');
    match words.next()? {
        "table" => words.next().map(unquote),
        "column" | "constraint" => words.next().and_then(|w| w.split('.').next()).map(unquote),
        "index" => line
            .split(" ON ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .map(|t| unquote(t.rsplit('.').next().unwrap_or(t))),
        _ => None,
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches('"')
}

/// The identity of a line's object: kind and name (`column users.email`, `index users_email_idx`).
fn key(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    match words.first() {
        Some(&"index") => {
            let at = words.iter().position(|w| *w == "INDEX").map(|i| i + 1).unwrap_or(1);
            let at = if words.get(at) == Some(&"CONCURRENTLY") { at + 1 } else { at };
            format!("index {}", words.get(at).unwrap_or(&""))
        }
        _ => words.iter().take(2).copied().collect::<Vec<_>>().join(" "),
    }
}

/// How two snapshots differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// In the actual schema only.
    Extra(String),
    /// In the expected schema only.
    Missing(String),
    /// In both, defined differently.
    Differs { expected: String, actual: String },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Extra(l) => write!(f, "extra: {l}"),
            Change::Missing(l) => write!(f, "missing: {l}"),
            Change::Differs { expected, actual } => write!(f, "differs: {actual}\n    expected: {expected}"),
        }
    }
}

impl Change {
    /// Whether the change is only a column's position (an explicit down that re-adds a dropped column
    /// can only append it).
    pub fn only_position(&self) -> bool {
        match self {
            Change::Differs { expected, actual } => strip_position(expected) == strip_position(actual),
            _ => false,
        }
    }
}

fn strip_position(line: &str) -> String {
    line.split(' ')
        .filter(|w| !(w.starts_with('#') && w[1..].chars().all(|c| c.is_ascii_digit())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The changes that turn `expected` into `actual`, by object.
///
/// ```
/// use migrate_core::introspect::{Change, Snapshot, diff};
/// let expected = Snapshot { lines: vec!["column users.role #2 text default 'user'::text comment=-".into()] };
/// let actual = Snapshot { lines: vec![
///     "column users.role #2 text default 'member'::text comment=-".into(),
///     "column users.favorite_color #3 text comment=-".into(),
/// ] };
/// let changes = diff(&expected, &actual);
/// assert_eq!(changes.len(), 2);
/// assert_eq!(changes[0], Change::Extra("column users.favorite_color #3 text comment=-".into()));
/// ```
pub fn diff(expected: &Snapshot, actual: &Snapshot) -> Vec<Change> {
    let by_key = |s: &Snapshot| s.lines.iter().map(|l| (key(l), l.clone())).collect::<BTreeMap<String, String>>();
    let (e, a) = (by_key(expected), by_key(actual));
    let mut out = Vec::new();
    for (k, line) in &a {
        match e.get(k) {
            None => out.push(Change::Extra(line.clone())),
            Some(exp) if exp != line => out.push(Change::Differs { expected: exp.clone(), actual: line.clone() }),
            Some(_) => {}
        }
    }
    for (k, line) in &e {
        if !a.contains_key(k) {
            out.push(Change::Missing(line.clone()));
        }
    }
    out
}
