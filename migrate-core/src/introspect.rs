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
    /// One line per object, sorted (a function's first line is followed by its definition).
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
select 'table ' || quote_ident(c.relname) || ' kind=' || c.relkind::text
       || coalesce(' partition_by=' || pg_get_partkeydef(c.oid), '')
       || coalesce((select ' partition_of=' || quote_ident(p.relname) || ' ' || pg_get_expr(c.relpartbound, c.oid)
                      from pg_inherits h join pg_class p on p.oid = h.inhparent where c.relispartition and h.inhrelid = c.oid), '')
       || case when c.relrowsecurity then ' row_security' else '' end
       || case when c.relforcerowsecurity then ' force_row_security' else '' end
       || ' comment=' || coalesce(quote_literal(obj_description(c.oid, 'pg_class')), '-')
  from pg_class c where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p')
union all
select 'policy ' || quote_ident(p.tablename) || '.' || quote_ident(p.policyname) || ' ' || lower(p.permissive) || ' for ' || p.cmd
       || ' to ' || array_to_string(p.roles, ',') || coalesce(' using (' || p.qual || ')', '') || coalesce(' with check (' || p.with_check || ')', '')
  from pg_policies p where p.schemaname = $1
union all
select 'column ' || quote_ident(c.relname) || '.' || quote_ident(a.attname)
       || ' #' || (row_number() over (partition by c.oid order by a.attnum))::text
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || case when a.attnotnull then ' not null' else '' end
       || coalesce(case when a.attgenerated = 's' then ' generated ' else ' default ' end || pg_get_expr(d.adbin, d.adrelid), '')
       || case when a.attidentity <> '' then ' identity ' || a.attidentity::text
            || coalesce((select ' (start=' || q.seqstart || ' increment=' || q.seqincrement || ' min=' || q.seqmin || ' max=' || q.seqmax
                                || ' cache=' || q.seqcache || case when q.seqcycle then ' cycle' else '' end || ')'
                           from pg_depend d join pg_sequence q on q.seqrelid = d.objid
                          where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.refobjid = c.oid
                            and d.refobjsubid = a.attnum and d.deptype = 'i'), '')
            else '' end
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
select 'view ' || quote_ident(c.relname)
       || case when c.reloptions is null then '' else ' with (' || array_to_string(array(select o from unnest(c.reloptions) o order by 1), ', ') || ')' end
       || ' ' || pg_get_viewdef(c.oid)
  from pg_class c where c.relnamespace = (select oid from ns) and c.relkind = 'v'
union all
select 'materialized_view ' || quote_ident(c.relname) || case when c.relispopulated then ' ' else ' (not populated) ' end || pg_get_viewdef(c.oid)
  from pg_class c where c.relnamespace = (select oid from ns) and c.relkind = 'm'
union all
select 'type ' || quote_ident(t.typname) || ' composite ('
       || (select string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
             from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) || ')'
  from pg_type t join pg_class c on c.oid = t.typrelid where t.typnamespace = (select oid from ns) and t.typtype = 'c' and c.relkind = 'c'
union all
select 'domain ' || quote_ident(t.typname) || ' ' || format_type(t.typbasetype, t.typtypmod)
       || case when t.typnotnull then ' not null' else '' end || coalesce(' default ' || t.typdefault, '')
  from pg_type t where t.typnamespace = (select oid from ns) and t.typtype = 'd'
union all
select 'domain_constraint ' || quote_ident(t.typname) || '.' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
       || case when k.convalidated then '' else ' (not validated)' end
  from pg_constraint k join pg_type t on t.oid = k.contypid where t.typnamespace = (select oid from ns)
union all
select 'range ' || quote_ident(t.typname) || ' subtype=' || format_type(r.rngsubtype, NULL)
       || ' opclass=' || o.opcname || coalesce(' collation=' || nullif(r.rngcollation, 0)::regcollation::text, '')
       || coalesce(' diff=' || nullif(r.rngsubdiff, 0)::regproc::text, '') || coalesce(' canonical=' || nullif(r.rngcanonical, 0)::regproc::text, '')
       || ' multirange=' || format_type(r.rngmultitypid, NULL)
  from pg_range r join pg_type t on t.oid = r.rngtypid join pg_opclass o on o.oid = r.rngsubopc where t.typnamespace = (select oid from ns)
union all
select 'function ' || replace(p.oid::regprocedure::text, ' ', '') || E'\n' || rtrim(pg_get_functiondef(p.oid), E' \t\r\n')
  from pg_proc p where p.pronamespace = (select oid from ns) and p.prokind in ('f', 'p')
union all
select 'sequence ' || quote_ident(c.relname) || ' ' || format_type(q.seqtypid, NULL) || ' increment=' || q.seqincrement
       || ' min=' || q.seqmin || ' max=' || q.seqmax || ' start=' || q.seqstart || ' cache=' || q.seqcache
       || case when q.seqcycle then ' cycle' else '' end
       || coalesce(' owned_by=' || (select quote_ident(oc.relname) || '.' || quote_ident(a.attname) from pg_depend d
            join pg_class oc on oc.oid = d.refobjid join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
           where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype = 'a'), '')
  from pg_class c join pg_sequence q on q.seqrelid = c.oid
  where c.relnamespace = (select oid from ns) and c.relkind = 'S'
    and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('i', 'e'))
union all
select 'trigger ' || quote_ident(c.relname) || '.' || quote_ident(t.tgname) || ' '
       || case t.tgenabled when 'D' then 'disabled' when 'R' then 'enabled replica' when 'A' then 'enabled always' else 'enabled' end
       || ' ' || pg_get_triggerdef(t.oid)
  from pg_trigger t join pg_class c on c.oid = t.tgrelid
  where c.relnamespace = (select oid from ns) and not t.tgisinternal
union all
select 'event_trigger ' || quote_ident(e.evtname) || ' on ' || e.evtevent
       || coalesce(' when tag in (' || array_to_string(e.evttags, ', ') || ')', '')
       || ' execute ' || e.evtfoid::regproc::text
       || case e.evtenabled when 'D' then ' disabled' when 'R' then ' enabled replica' when 'A' then ' enabled always' else '' end
  from pg_event_trigger e
union all
select 'statistics ' || quote_ident(c.relname) || '.' || quote_ident(a.attname) || ' ' || a.attstattarget
  from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and a.attstattarget >= 0
union all
select 'comment ' || o.type || ' ' || o.identity || ' ' || quote_literal(d.description)
  from pg_description d, pg_identify_object(d.classoid, d.objoid, d.objsubid) o
  where o.schema = $1 and d.objsubid = 0 and o.type not in ('table', 'table column')
    and d.classoid in ('pg_proc'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass, 'pg_type'::regclass, 'pg_trigger'::regclass)
union all
select 'extension ' || quote_ident(x.extname) || ' schema=' || x.extnamespace::regnamespace::text from pg_extension x
union all
select 'schema ' || quote_ident(n.nspname) from pg_namespace n
  where n.nspname not like 'pg\_%' and n.nspname <> 'information_schema'
order by 1
"#;
    let rows = client.query(QUERY, &[&schema]).await?;
    // A function's line is `function name(args)` with its whole definition on the lines after it:
    // compared as written, and a difference only in whitespace or comments is told apart
    // ([`Change::only_layout`]).
    let lines = rows
        .iter()
        .map(|r| r.get::<_, String>(0))
        .filter(|l| !ignore.iter().any(|t| table_of(l) == Some(*t)))
        .collect();
    Ok(Snapshot { lines })
}

/// Who owns each object of `schema` and what each role may do with it, one line per object and
/// grantee: `owner table users app`, `grant table users to reporting privileges=SELECT`, `grant column
/// users.email to support privileges=UPDATE*` (`*`: with grant option). The owner's own privileges are
/// granted `to OWNER`, so that they compare whoever owns the object (its owner line says who). Tables,
/// views, materialized views, sequences, functions and procedures, types and the schema itself; not
/// the objects of extensions, nor those of the tables in `ignore`. `drift` compares them when
/// `compare_privileges = true`.
pub async fn privileges(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Vec<String>, tokio_postgres::Error> {
    const QUERY: &str = r#"
with ns as (select quote_ident($1)::regnamespace as oid),
ext as (select objid from pg_depend where deptype = 'e'),
ignored as (select c.oid from pg_class c where c.relnamespace = (select oid from ns) and c.relname = any($2)
            union select d.objid from pg_depend d join pg_class c on c.oid = d.refobjid
             where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
               and c.relnamespace = (select oid from ns) and c.relname = any($2)),
objs as (
  select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized_view' else 'table' end as kind,
         quote_ident(c.relname) as name, c.relowner as owner,
         coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner)) as acl
    from pg_class c where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
     and c.oid not in (select objid from ext) and c.oid not in (select oid from ignored)
  union all
  select case p.prokind when 'p' then 'procedure' else 'function' end,
         quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner,
         coalesce(p.proacl, acldefault('f'::"char", p.proowner))
    from pg_proc p where p.pronamespace = (select oid from ns) and p.oid not in (select objid from ext)
  union all
  select case t.typtype when 'd' then 'domain' else 'type' end, quote_ident(t.typname), t.typowner,
         coalesce(t.typacl, acldefault('T'::"char", t.typowner))
    from pg_type t left join pg_class c on c.oid = t.typrelid
   where t.typnamespace = (select oid from ns) and t.typtype in ('e', 'd', 'r', 'c') and (t.typtype <> 'c' or c.relkind = 'c')
     and t.oid not in (select objid from ext)
  union all
  select 'schema', quote_ident(n.nspname), n.nspowner, coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))
    from pg_namespace n where n.oid = (select oid from ns)
)
select 'owner ' || o.kind || ' ' || o.name || ' ' || quote_ident(pg_get_userbyid(o.owner)) from objs o
union all
select 'grant ' || o.kind || ' ' || o.name || ' to '
       || case when a.grantee = 0 then 'PUBLIC' when a.grantee = o.owner then 'OWNER' else quote_ident(pg_get_userbyid(a.grantee)) end
       || ' privileges=' || string_agg(a.privilege_type || case when a.is_grantable then '*' else '' end, ',' order by a.privilege_type)
  from objs o, aclexplode(o.acl) a
 group by o.kind, o.name, o.owner, a.grantee
union all
select 'grant column ' || quote_ident(c.relname) || '.' || quote_ident(t.attname) || ' to '
       || case when a.grantee = 0 then 'PUBLIC' when a.grantee = c.relowner then 'OWNER' else quote_ident(pg_get_userbyid(a.grantee)) end
       || ' privileges=' || string_agg(a.privilege_type || case when a.is_grantable then '*' else '' end, ',' order by a.privilege_type)
  from pg_attribute t join pg_class c on c.oid = t.attrelid, aclexplode(t.attacl) a
 where c.relnamespace = (select oid from ns) and t.attacl is not null and not t.attisdropped
   and c.oid not in (select objid from ext) and c.oid not in (select oid from ignored)
 group by c.relname, t.attname, c.relowner, a.grantee
order by 1
"#;
    let ignore: Vec<String> = ignore.iter().map(|t| t.to_string()).collect();
    let rows = client.query(QUERY, &[&schema, &ignore]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The table a line is about, for filtering (`None` for enums, views, functions, ...).
fn table_of(line: &str) -> Option<&str> {
    let mut words = line.split(' ');
    match words.next()? {
        "table" => words.next().map(unquote),
        "column" | "constraint" | "trigger" | "statistics" | "policy" => {
            words.next().and_then(|w| w.split('.').next()).map(unquote)
        }
        // A sequence goes with the table that owns it.
        "sequence" => {
            line.split(' ').find_map(|w| w.strip_prefix("owned_by=")).and_then(|o| o.split('.').next()).map(unquote)
        }
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
    // A function's definition follows its first line.
    let line = line.lines().next().unwrap_or_default();
    let words: Vec<&str> = line.split(' ').collect();
    match words.first() {
        // `owner <kind> <name> <role>`; `grant <kind> <name> to <role> privileges=..`.
        Some(&"owner") => words.iter().take(3).copied().collect::<Vec<_>>().join(" "),
        Some(&"grant") => line.split(" privileges=").next().unwrap_or_default().to_string(),
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
    Differs {
        /// The object's line in the expected schema.
        expected: String,
        /// Its line in the actual schema.
        actual: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A function is named by its first line; its definition follows it.
            Change::Extra(l) => write!(f, "extra: {}", l.lines().next().unwrap_or_default()),
            Change::Missing(l) => write!(f, "missing: {}", l.lines().next().unwrap_or_default()),
            // A function: its name, then the lines of the two definitions that differ.
            Change::Differs { expected, actual } if expected.starts_with("function ") => {
                let (name, was) = expected.split_once('\n').unwrap_or((expected, ""));
                let now = actual.split_once('\n').map_or("", |(_, d)| d);
                let how = if self.only_layout() { " (only in whitespace or comments)" } else { "" };
                write!(f, "differs: {name}{how}")?;
                let diff = similar::TextDiff::from_lines(was, now);
                for change in diff.iter_all_changes().filter(|c| c.tag() != similar::ChangeTag::Equal) {
                    let sign = if change.tag() == similar::ChangeTag::Delete { "- expected" } else { "+ actual  " };
                    write!(f, "\n    {sign} | {}", change.value().trim_end())?;
                }
                Ok(())
            }
            Change::Differs { expected, actual } => write!(f, "differs: {actual}\n    expected: {expected}"),
        }
    }
}

impl Change {
    /// Whether the change is a function's definition that differs only in whitespace and comments
    /// (the SQL the lexer reads is the same).
    pub fn only_layout(&self) -> bool {
        match self {
            Change::Differs { expected, actual } if expected.starts_with("function ") => {
                // Only SQL and PL/pgSQL bodies are read as SQL: in another language (PL/Python, ...)
                // whitespace and case can be code.
                let sql_body = |l: &str| l.contains("\n LANGUAGE sql\n") || l.contains("\n LANGUAGE plpgsql\n");
                let body = |l: &str| l.split_once('\n').map(|(_, d)| migrate_sql::derive::normalize_code(d));
                sql_body(expected) && sql_body(actual) && body(expected) == body(actual)
            }
            _ => false,
        }
    }

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

/// Reads the schema of `schema` as the ops that would create it, in an order that creates each object
/// after what it needs: extensions, enums, sequences no column owns, tables with their columns
/// (identity options, generated columns) and constraints, the sequences columns own with their
/// `nextval` defaults, where each used sequence and identity stands, other indexes, foreign keys
/// (last, so any order of tables works), views (each after the views it selects from). The tables
/// named in `ignore` are left out, with what they own; [`not_expressed`] names what the ops cannot
/// hold yet. Defaults and CHECK expressions are kept as PostgreSQL prints
/// them (SQL expressions); types PostgreSQL knows by other names map to the builder's types.
pub async fn ops(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Vec<crate::op::Op>, tokio_postgres::Error> {
    use crate::op::*;
    let mut out = Vec::new();
    let ext = client
        .query(
            "SELECT extname::text, CASE WHEN extnamespace::regnamespace::text = $1 THEN NULL ELSE extnamespace::regnamespace::text END
             FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
            &[&schema],
        )
        .await?;
    for r in ext {
        out.push(Op::CreateExtension { def: ExtensionDef { name: r.get(0), schema: r.get(1) } });
    }
    let enums = client
        .query(
            "SELECT t.typname::text, array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
             FROM pg_type t WHERE t.typnamespace = quote_ident($1)::regnamespace AND t.typtype = 'e' ORDER BY 1",
            &[&schema],
        )
        .await?;
    for r in enums {
        out.push(Op::CreateEnum { def: EnumDef { name: r.get(0), values: r.get(1) } });
    }
    out.extend(types(client, schema).await?);
    // Sequences (not an identity column's, which is part of its column): those a column owns are
    // created after their table, with the column's `nextval` default set after them; the others
    // before the tables, whose defaults may use them.
    let sequences = client
        .query(
            "SELECT c.relname::text, format_type(q.seqtypid, NULL), q.seqincrement, q.seqmin, q.seqmax, q.seqstart, q.seqcache, q.seqcycle,
                    oc.relname::text, a.attname::text,
                    (SELECT s.last_value FROM pg_sequences s WHERE s.schemaname = $1 AND s.sequencename = c.relname)
             FROM pg_class c JOIN pg_sequence q ON q.seqrelid = c.oid
             LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
             LEFT JOIN pg_class oc ON oc.oid = d.refobjid
             LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE c.relnamespace = quote_ident($1)::regnamespace AND c.relkind = 'S'
               AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype IN ('i', 'e'))
             ORDER BY 1",
            &[&schema],
        )
        .await?;
    let mut owned: Vec<SequenceDef> = Vec::new();
    // Where each sequence stands (NULL until its first `nextval`), set after it is created.
    let mut positions = Vec::new();
    for r in sequences {
        let def = sequence_def(&r);
        // A sequence an ignored table owns is left out with it.
        if def.owned_by.as_ref().is_some_and(|o| ignore.contains(&o.table.as_str())) {
            continue;
        }
        if let Some(value) = r.get::<_, Option<i64>>(10) {
            positions.push(Op::SetSequenceValue { name: def.name.clone(), value, is_called: true });
        }
        match def.owned_by {
            Some(_) => owned.push(def),
            None => out.push(Op::CreateSequence { def }),
        }
    }
    let mut owned_defaults = Vec::new();
    let tables = client
        .query(
            "SELECT c.oid, c.relname::text, obj_description(c.oid, 'pg_class'), pg_get_partkeydef(c.oid),
                    p.oid, p.relname::text, pg_get_expr(c.relpartbound, c.oid), c.relrowsecurity, c.relforcerowsecurity
             FROM pg_class c
             LEFT JOIN pg_inherits h ON c.relispartition AND h.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = h.inhparent
             WHERE c.relnamespace = quote_ident($1)::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            &[&schema],
        )
        .await?;
    let mut foreign_keys = Vec::new();
    // Each table: its name, its creation with what follows it, and its parent when a partition.
    let mut created: Vec<(String, Vec<Op>, Option<String>)> = Vec::new();
    for t in tables {
        let (oid, name): (u32, String) = (t.get(0), t.get(1));
        if ignore.contains(&name.as_str()) {
            continue;
        }
        let mut after = Vec::new();
        for (on, setting) in [(t.get::<_, bool>(7), RowSecurity::Enable), (t.get(8), RowSecurity::Force)] {
            if on {
                after.push(Op::SetRowSecurity { table: name.clone(), setting });
            }
        }
        let parent: Option<(u32, String)> = t.get::<_, Option<u32>>(4).map(|p| (p, t.get(5)));
        let partition_of = parent.as_ref().map(|(_, p)| PartitionOf { parent: p.clone(), bound: t.get(6) });
        // A partition has its parent's columns: only where it differs (NOT NULL, default) is said.
        let cols = if let Some((parent_oid, _)) = &parent {
            let differs = client
                .query(
                    "SELECT a.attname::text, a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                            a.attnotnull <> pa.attnotnull, pg_get_expr(d.adbin, d.adrelid) IS DISTINCT FROM pg_get_expr(pd.adbin, pd.adrelid)
                     FROM pg_attribute a JOIN pg_attribute pa ON pa.attrelid = $2 AND pa.attname = a.attname
                     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    &[&oid, parent_oid],
                )
                .await?;
            for c in differs {
                let (column, not_null, default): (String, bool, Option<String>) = (c.get(0), c.get(1), c.get(2));
                let table = name.clone();
                if c.get(3) {
                    after.push(match not_null {
                        true => Op::SetNotNull { table: table.clone(), column: column.clone() },
                        false => Op::DropNotNull { table: table.clone(), column: column.clone() },
                    });
                }
                if c.get(4) {
                    after.push(match default {
                        Some(sql) => {
                            Op::SetDefault { table, column, default: DefaultValue::Expr { sql }, previous: None }
                        }
                        None => Op::DropDefault { table, column, previous: None },
                    });
                }
            }
            vec![]
        } else {
            client
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), ty.typtype::text, ty.typname::text,
                        et.typtype::text, et.typname::text, a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                        col_description(a.attrelid, a.attnum), a.attgenerated = 's',
                        iq.seqincrement, iq.seqmin, iq.seqmax, iq.seqstart, iq.seqcache, iq.seqcycle,
                        CASE WHEN iq.seqrelid IS NOT NULL THEN pg_sequence_last_value(iq.seqrelid::regclass) END
                 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                 LEFT JOIN pg_depend idd ON idd.classid = 'pg_class'::regclass AND idd.refclassid = 'pg_class'::regclass
                      AND idd.refobjid = a.attrelid AND idd.refobjsubid = a.attnum AND idd.deptype = 'i'
                 LEFT JOIN pg_sequence iq ON iq.seqrelid = idd.objid
                 LEFT JOIN pg_type et ON et.oid = ty.typelem AND ty.typcategory = 'A'
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                &[&oid],
            )
            .await?
        };
        let columns = cols
            .iter()
            .map(|c| {
                let formatted: String = c.get(1);
                let (typtype, typname): (String, String) = (c.get(2), c.get(3));
                let (elem_type, elem_name): (Option<String>, Option<String>) = (c.get(4), c.get(5));
                let ty = match (typtype.as_str(), elem_type.as_deref()) {
                    ("e", _) => ColumnType::Enum { name: typname },
                    (_, Some("e")) => ColumnType::Array {
                        element: Box::new(ColumnType::Enum { name: elem_name.unwrap_or_default() }),
                    },
                    _ => column_type(&formatted),
                };
                let identity: String = c.get(8);
                let identity_options = c.get::<_, Option<i64>>(11).map(|increment| {
                    let [increment, min, max, start, cache] =
                        non_default(&ty, increment, c.get(12), c.get(13), c.get(14), c.get(15));
                    IdentityOptions { start, increment, min, max, cache, cycle: c.get(16) }
                });
                let identity_options = identity_options.filter(|o| *o != IdentityOptions::default());
                // Where the identity's numbering stands (NULL until its first value).
                if let Some(value) = c.get::<_, Option<i64>>(17) {
                    positions.push(Op::SetIdentityValue { table: name.clone(), column: c.get(0), value });
                }
                // A generated column's expression is stored where a default is.
                let expression: Option<String> = c.get(7);
                let generated: bool = c.get(10);
                let mut default = expression.clone().filter(|_| !generated).map(|sql| DefaultValue::Expr { sql });
                // A `nextval` default drawing from a sequence a column owns (its own or another
                // table's) is set once that sequence exists, after the tables.
                let draws = matches!(&default, Some(DefaultValue::Expr { sql }) if owned.iter().any(|q| names_sequence(sql, &q.name)));
                if draws && let Some(default) = default.take() {
                    owned_defaults.push(Op::SetDefault {
                        table: name.clone(),
                        column: c.get(0),
                        default,
                        previous: None,
                    });
                }
                ColumnDef {
                    identity_options,
                    name: c.get(0),
                    ty,
                    not_null: c.get(6),
                    generated: expression.filter(|_| generated),
                    default,
                    identity: match identity.as_str() {
                        "a" => Some(Identity::Always),
                        "d" => Some(Identity::ByDefault),
                        _ => None,
                    },
                    comment: c.get(9),
                }
            })
            .collect();
        let cons = client
            .query(
                "SELECT k.conname::text, k.contype::text, pg_get_constraintdef(k.oid),
                        array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
                        k.confrelid::regclass::text,
                        array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
                        k.confdeltype::text, k.confupdtype::text, k.convalidated, k.condeferrable AND k.condeferred
                 FROM pg_constraint k WHERE k.conrelid = $1 AND k.contype IN ('p', 'u', 'c', 'f', 'x')
                   AND k.conparentid = 0 AND k.conislocal
                 ORDER BY k.contype = 'f', k.conname",
                &[&oid],
            )
            .await?;
        let mut constraints = Vec::new();
        let mut not_valid = Vec::new();
        for k in cons {
            let (kname, kind, def, cols): (String, String, String, Vec<String>) =
                (k.get(0), k.get(1), k.get(2), k.get(3));
            let action = |c: String| match c.as_str() {
                "r" => Some(FkAction::Restrict),
                "c" => Some(FkAction::Cascade),
                "n" => Some(FkAction::SetNull),
                "d" => Some(FkAction::SetDefault),
                _ => None,
            };
            let kind = match kind.as_str() {
                "p" => ConstraintKind::PrimaryKey { columns: cols },
                "u" => ConstraintKind::Unique { columns: cols, nulls_not_distinct: def.contains("NULLS NOT DISTINCT") },
                "c" => {
                    let expr = def.strip_prefix("CHECK ").unwrap_or(&def).trim_end_matches(" NOT VALID").to_string();
                    ConstraintKind::Check { expr }
                }
                "x" => ConstraintKind::Exclude { definition: def.strip_prefix("EXCLUDE ").unwrap_or(&def).to_string() },
                _ => ConstraintKind::ForeignKey {
                    columns: cols,
                    ref_table: k
                        .get::<_, String>(4)
                        .rsplit('.')
                        .next()
                        .unwrap_or_default()
                        .trim_matches('"')
                        .to_string(),
                    ref_columns: k.get(5),
                    on_delete: action(k.get(6)),
                    on_update: action(k.get(7)),
                },
            };
            let c = ConstraintDef { name: kname, kind, not_valid: !k.get::<_, bool>(8), deferred: k.get(9) };
            // Foreign keys after all tables; a check not validated yet after its table, as such.
            if matches!(c.kind, ConstraintKind::ForeignKey { .. }) {
                foreign_keys.push(Op::AddConstraint { table: name.clone(), def: c });
            } else if c.not_valid {
                not_valid.push(Op::AddConstraint { table: name.clone(), def: c });
            } else {
                constraints.push(c);
            }
        }
        // A partition's constraints of its own are added after it (as `create_partition` writes it).
        if partition_of.is_some() {
            let own = constraints.drain(..).map(|def| Op::AddConstraint { table: name.clone(), def });
            not_valid.splice(0..0, own);
        }
        let def = TableDef {
            name: name.clone(),
            columns,
            constraints,
            comment: t.get(2),
            partition_by: t.get(3),
            partition_of,
        };
        let mut ops = vec![Op::CreateTable { def }];
        ops.append(&mut not_valid);
        ops.append(&mut after);
        created.push((name, ops, parent.map(|(_, p)| p)));
    }
    // A partition after its parent.
    while !created.is_empty() {
        let waiting: std::collections::HashSet<String> = created.iter().map(|c| c.0.clone()).collect();
        let (ready, rest): (Vec<_>, Vec<_>) =
            created.into_iter().partition(|c| c.2.as_ref().is_none_or(|p| !waiting.contains(p)));
        if ready.is_empty() {
            out.extend(rest.into_iter().flat_map(|c| c.1));
            break;
        }
        out.extend(ready.into_iter().flat_map(|c| c.1));
        created = rest;
    }
    // Statistics targets other than the default.
    for r in client
        .query(
            "SELECT c.relname::text, a.attname::text, a.attstattarget::int FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = quote_ident($1)::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attstattarget >= 0 ORDER BY 1, 2",
            &[&schema],
        )
        .await?
    {
        let table: String = r.get(0);
        if !ignore.contains(&table.as_str()) {
            out.push(Op::SetStatistics { table, column: r.get(1), value: r.get(2), previous: None });
        }
    }
    out.extend(owned.into_iter().map(|def| Op::CreateSequence { def }));
    out.extend(owned_defaults);
    out.extend(positions);
    let matviews: std::collections::HashSet<String> = client
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = quote_ident($1)::regnamespace AND relkind = 'm'",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut matview_indexes = Vec::new();
    let indexes = client
        .query(
            "SELECT ic.relname::text, tc.relname::text, i.indisunique, am.amname::text, pg_get_expr(i.indpred, i.indrelid),
                    i.indnkeyatts::int, i.indnatts::int, i.indkey::int2[], i.indoption::int2[], i.indnullsnotdistinct,
                    array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnatts) k ORDER BY k),
                    array(SELECT CASE WHEN o.opcdefault THEN NULL ELSE o.opcname::text END FROM unnest(i.indclass) WITH ORDINALITY u(c, n) JOIN pg_opclass o ON o.oid = u.c ORDER BY u.n),
                    coalesce(ic.reloptions, '{}')
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_am am ON am.oid = ic.relam
             WHERE tc.relnamespace = quote_ident($1)::regnamespace AND tc.relkind IN ('r', 'p', 'm')
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
               AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
             ORDER BY 1",
            &[&schema],
        )
        .await?;
    for r in indexes {
        let table: String = r.get(1);
        if ignore.contains(&table.as_str()) {
            continue;
        }
        let (keys, all): (i32, i32) = (r.get(5), r.get(6));
        let indkey: Vec<i16> = r.get(7);
        let options: Vec<i16> = r.get(8);
        let defs: Vec<String> = r.get(10);
        let classes: Vec<Option<String>> = r.get(11);
        let method: String = r.get(3);
        let mut def = IndexDef::new(&table);
        def.name = r.get(0);
        def.unique = r.get(2);
        def.method = (method != "btree").then_some(method);
        def.predicate = r.get(4);
        def.nulls_not_distinct = r.get(9);
        def.with = r.get(12);
        for k in 0..keys as usize {
            let text = defs.get(k).cloned().unwrap_or_default();
            let target = if indkey.get(k).copied().unwrap_or(0) == 0 {
                IndexTarget::Expr { sql: text }
            } else {
                IndexTarget::Column { name: text.trim_matches('"').replace("\"\"", "\"") }
            };
            let desc = options.get(k).is_some_and(|o| o & 1 == 1);
            def.elems.push(IndexElem { target, opclass: classes.get(k).cloned().flatten(), desc });
        }
        def.include = defs
            .iter()
            .skip(keys as usize)
            .take((all - keys) as usize)
            .map(|c| c.trim_matches('"').to_string())
            .collect();
        // A materialized view's indexes come after it.
        match matviews.contains(&def.table) {
            true => matview_indexes.push(Op::CreateIndex { def }),
            false => out.push(Op::CreateIndex { def }),
        }
    }
    out.extend(foreign_keys);
    // Functions and procedures, views and triggers, in an order that builds: a function that reads
    // no relation (its body aside) comes before the tables, whose defaults and checks may call it;
    // the views and the functions that depend on a relation (a table's row type, a `BEGIN ATOMIC`
    // body) after the tables, each after what it depends on (pg_depend, pg_rewrite); triggers last.
    // `check_function_bodies` is off while they are created, as pg_dump does: a SQL function's body
    // may read tables made later.
    let routines = client
        .query(
            "SELECT p.oid, rtrim(pg_get_functiondef(p.oid), E' \\t\\r\\n'), p.oid::regprocedure::text
             FROM pg_proc p WHERE p.pronamespace = quote_ident($1)::regnamespace AND p.prokind IN ('f', 'p')
               AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
             ORDER BY 3",
            &[&schema],
        )
        .await?;
    let views = client
        .query(
            "SELECT c.oid, c.relname::text, pg_get_viewdef(c.oid), c.relkind = 'm', c.relispopulated, coalesce(c.reloptions, '{}')
             FROM pg_class c WHERE c.relnamespace = quote_ident($1)::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 2",
            &[&schema],
        )
        .await?;
    // What each function and view depends on: relations (a row type counts as its relation), and
    // functions; a view's dependencies are those of its rewrite rule.
    let deps: Vec<(u32, u32)> = client
        .query(
            "SELECT DISTINCT coalesce(r.ev_class, d.objid), coalesce(t.typrelid, d.refobjid)
             FROM pg_depend d
             LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
             LEFT JOIN pg_type t ON d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid AND t.typrelid <> 0
             WHERE d.classid IN ('pg_proc'::regclass, 'pg_rewrite'::regclass)
               AND (d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass) OR t.typrelid IS NOT NULL)
               AND d.deptype = 'n'",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let tables_here: std::collections::HashSet<u32> = client
        .query(
            "SELECT c.oid FROM pg_class c WHERE c.relnamespace = quote_ident($1)::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Each object: its oid, its ops, and whether it waits for the tables.
    let mut objects: Vec<(u32, Vec<Op>, bool)> = Vec::new();
    for r in &routines {
        let (oid, text): (u32, String) = (r.get(0), r.get(1));
        objects.push((oid, vec![routine_op(&text, r.get(2))], false));
    }
    for v in &views {
        let query = v.get::<_, String>(2).trim().trim_end_matches(';').to_string();
        let op = if v.get(3) {
            Op::CreateMaterializedView {
                def: MaterializedViewDef { name: v.get(1), query, columns: vec![], with_data: v.get(4) },
            }
        } else {
            let options: Vec<String> = v.get(5);
            let check_option = match options.iter().find_map(|o| o.strip_prefix("check_option=")) {
                Some("local") => Some(CheckOption::Local),
                Some(_) => Some(CheckOption::Cascaded),
                None => None,
            };
            let security_barrier = options.iter().any(|o| o == "security_barrier=true");
            Op::CreateView { def: ViewDef { name: v.get(1), query, columns: vec![], security_barrier, check_option } }
        };
        objects.push((v.get(0), vec![op], true));
    }
    // Late: a view, or a function that depends on a relation of the schema or on a late function.
    loop {
        let late: std::collections::HashSet<u32> = objects.iter().filter(|o| o.2).map(|o| o.0).collect();
        let mut changed = false;
        for o in objects.iter_mut().filter(|o| !o.2) {
            if deps
                .iter()
                .any(|(from, to)| *from == o.0 && *to != o.0 && (tables_here.contains(to) || late.contains(to)))
            {
                o.2 = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let in_order = |objects: Vec<(u32, Vec<Op>, bool)>| {
        dependency_order(objects.into_iter().map(|(oid, ops, _)| (oid, ops)).collect(), &deps).concat()
    };
    let (late, early): (Vec<_>, Vec<_>) = objects.into_iter().partition(|o| o.2);
    let early = in_order(early);
    let late = in_order(late);
    let has_routines = !routines.is_empty();
    let triggers = client
        .query(
            "SELECT c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid), t.tgenabled::text
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = quote_ident($1)::regnamespace AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY 1, 2",
            &[&schema],
        )
        .await?;
    let mut trigger_ops = Vec::new();
    for t in triggers {
        let (table, name, text, enabled): (String, String, String, String) = (t.get(0), t.get(1), t.get(2), t.get(3));
        if ignore.contains(&table.as_str()) {
            continue;
        }
        let read = crate::sql_ops::read_sql(&text);
        match read.as_slice() {
            [st] if st.not_read.is_empty() && matches!(st.ops.as_slice(), [Op::CreateTrigger { .. }]) => {
                trigger_ops.extend(st.ops.iter().cloned())
            }
            _ => trigger_ops.push(Op::Sql {
                up: text,
                down: Some(format!(
                    "DROP TRIGGER {} ON {}",
                    crate::ident::quote_ident(&name),
                    crate::ident::quote_ident(&table)
                )),
                declares: vec![],
            }),
        }
        let state = match enabled.as_str() {
            "D" => TriggerState::Disabled,
            "R" => TriggerState::Replica,
            "A" => TriggerState::Always,
            _ => continue,
        };
        trigger_ops.push(Op::SetTriggerState { table, name, state, previous: Some(TriggerState::Enabled) });
    }
    if has_routines {
        let off = "SET LOCAL check_function_bodies = off".to_string();
        out.insert(0, Op::Sql { up: off.clone(), down: Some(off), declares: vec![] });
    }
    // The early functions go before the tables: after the extensions, enums and sequences made before them.
    let first_table = out.iter().position(|o| matches!(o, Op::CreateTable { .. })).unwrap_or(out.len());
    out.splice(first_table..first_table, early);
    out.extend(late);
    out.extend(matview_indexes);
    out.extend(comments(client, schema, ignore).await?);
    out.extend(trigger_ops);
    out.extend(policies(client, schema, ignore).await?);
    Ok(out)
}

/// The row-level security policies of the tables of `schema`.
async fn policies(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Vec<crate::op::Op>, tokio_postgres::Error> {
    use crate::op::{Op, PolicyCommand, PolicyDef};
    let rows = client
        .query(
            "SELECT c.relname::text, p.polname::text, NOT p.polpermissive, p.polcmd::text,
                    CASE WHEN 0 = ANY (p.polroles) THEN '{}'::text[]
                         ELSE array(SELECT r.rolname::text FROM pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY 1) END,
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             WHERE c.relnamespace = quote_ident($1)::regnamespace ORDER BY 1, 2",
            &[&schema],
        )
        .await?;
    Ok(rows
        .iter()
        .filter(|r| !ignore.contains(&r.get::<_, &str>(0)))
        .map(|r| {
            let command = match r.get::<_, &str>(3) {
                "r" => PolicyCommand::Select,
                "a" => PolicyCommand::Insert,
                "w" => PolicyCommand::Update,
                "d" => PolicyCommand::Delete,
                _ => PolicyCommand::All,
            };
            Op::CreatePolicy {
                def: PolicyDef {
                    table: r.get(0),
                    name: r.get(1),
                    restrictive: r.get(2),
                    command,
                    roles: r.get(4),
                    using: r.get(5),
                    with_check: r.get(6),
                },
            }
        })
        .collect())
}

/// The comments on the objects of `schema` other than tables and columns (which their table holds),
/// as ops that set them.
async fn comments(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Vec<crate::op::Op>, tokio_postgres::Error> {
    use crate::op::{CommentTarget, Op, RoutineKind};
    const QUERY: &str = r#"
with ns as (select quote_ident($1)::regnamespace as oid)
select 'constraint', c.relname::text, k.conname::text, null::text[], d.description
  from pg_constraint k join pg_class c on c.oid = k.conrelid
  join pg_description d on d.classoid = 'pg_constraint'::regclass and d.objoid = k.oid
 where c.relnamespace = (select oid from ns)
union all
select case p.prokind when 'p' then 'procedure' else 'function' end, p.proname::text, null,
       array(select format_type(t, null) from unnest(p.proargtypes::oid[]) with ordinality u(t, n) order by n), d.description
  from pg_proc p join pg_description d on d.classoid = 'pg_proc'::regclass and d.objoid = p.oid
 where p.pronamespace = (select oid from ns) and p.prokind in ('f', 'p')
union all
select case c.relkind when 'i' then 'index' when 'v' then 'view' when 'm' then 'materialized view' else 'sequence' end,
       c.relname::text, null, null, d.description
  from pg_class c join pg_description d on d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid = 0
 where c.relnamespace = (select oid from ns) and c.relkind in ('i', 'v', 'm', 'S')
union all
select case t.typtype when 'd' then 'domain' else 'type' end, t.typname::text, null, null, d.description
  from pg_type t join pg_description d on d.classoid = 'pg_type'::regclass and d.objoid = t.oid
 where t.typnamespace = (select oid from ns)
   and (t.typtype in ('d', 'e', 'r') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
union all
select 'trigger', c.relname::text, g.tgname::text, null, d.description
  from pg_trigger g join pg_class c on c.oid = g.tgrelid
  join pg_description d on d.classoid = 'pg_trigger'::regclass and d.objoid = g.oid
 where c.relnamespace = (select oid from ns) and not g.tgisinternal
order by 1, 2, 3
"#;
    let mut out = Vec::new();
    for r in client.query(QUERY, &[&schema]).await? {
        let (kind, a, b): (String, String, Option<String>) = (r.get(0), r.get(1), r.get(2));
        let target = match (kind.as_str(), b) {
            ("constraint", Some(name)) if !ignore.contains(&a.as_str()) => CommentTarget::Constraint { table: a, name },
            ("trigger", Some(name)) if !ignore.contains(&a.as_str()) => CommentTarget::Trigger { table: a, name },
            ("function" | "procedure", _) => CommentTarget::Function {
                name: a,
                arg_types: r.get(3),
                kind: if kind == "procedure" { RoutineKind::Procedure } else { RoutineKind::Function },
            },
            ("index", _) => CommentTarget::Index { name: a },
            ("view", _) => CommentTarget::View { name: a },
            ("materialized view", _) => CommentTarget::MaterializedView { name: a },
            ("sequence", _) => CommentTarget::Sequence { name: a },
            ("domain", _) => CommentTarget::Domain { name: a },
            ("type", _) => CommentTarget::Type { name: a },
            _ => continue,
        };
        out.push(Op::Comment { target, comment: Some(r.get(4)), previous: None });
    }
    Ok(out)
}

/// The composite types, domains and range types of `schema` (not an extension's), each after the
/// types it is made of.
async fn types(client: &impl GenericClient, schema: &str) -> Result<Vec<crate::op::Op>, tokio_postgres::Error> {
    use crate::op::{CompositeField, DomainCheck, TypeDef};
    let rows = client
        .query(
            "SELECT t.oid, t.typname::text, t.typtype::text,
                    format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
                    array(SELECT k.conname::text FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                    array(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                    array(SELECT NOT k.convalidated FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
                    array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                    array(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                    format_type(r.rngsubtype, NULL),
                    CASE WHEN o.opcdefault THEN NULL ELSE o.opcname::text END,
                    CASE WHEN r.rngcollation = 0 OR r.rngcollation = st.typcollation THEN NULL ELSE r.rngcollation::regcollation::text END,
                    CASE WHEN r.rngsubdiff = 0 THEN NULL ELSE r.rngsubdiff::regproc::text END,
                    mt.typname::text
             FROM pg_type t
             LEFT JOIN pg_range r ON r.rngtypid = t.oid
             LEFT JOIN pg_type st ON st.oid = r.rngsubtype
             LEFT JOIN pg_opclass o ON o.oid = r.rngsubopc
             LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid
             WHERE t.typnamespace = quote_ident($1)::regnamespace
               AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
               AND coalesce(r.rngcanonical, 0) = 0
               AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
             ORDER BY 2",
            &[&schema],
        )
        .await?;
    // What each type is made of (an array's element counts as the type).
    let deps: Vec<(u32, u32)> = client
        .query(
            "SELECT t.oid, CASE WHEN rt.typcategory = 'A' THEN rt.typelem ELSE rt.oid END
             FROM pg_type t JOIN pg_depend d
               ON (d.classid = 'pg_type'::regclass AND d.objid = t.oid) OR (d.classid = 'pg_class'::regclass AND d.objid = t.typrelid AND t.typrelid <> 0)
             JOIN pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid
             WHERE t.typnamespace = quote_ident($1)::regnamespace",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut pending: Vec<(u32, TypeDef)> = Vec::new();
    for r in rows {
        let name: String = r.get(1);
        let def = match r.get::<_, String>(2).as_str() {
            "d" => {
                let names: Vec<String> = r.get(6);
                let defs: Vec<String> = r.get(7);
                let not_valid: Vec<bool> = r.get(8);
                let checks = names
                    .into_iter()
                    .zip(defs)
                    .zip(not_valid)
                    .map(|((name, def), not_valid)| {
                        // `CHECK ((VALUE > 0)) [NOT VALID]`: the condition inside `CHECK (..)`.
                        let def = def.strip_suffix(" NOT VALID").unwrap_or(&def);
                        let expr = def.strip_prefix("CHECK (").and_then(|e| e.strip_suffix(')')).unwrap_or(def);
                        DomainCheck { name, expr: expr.to_string(), not_valid }
                    })
                    .collect();
                TypeDef::Domain { name, data_type: r.get(3), not_null: r.get(4), default: r.get(5), checks }
            }
            "c" => {
                let names: Vec<String> = r.get(9);
                let types: Vec<String> = r.get(10);
                let fields =
                    names.into_iter().zip(types).map(|(name, data_type)| CompositeField { name, data_type }).collect();
                TypeDef::Composite { name, fields }
            }
            _ => {
                let multirange: Option<String> = r.get(15);
                let default_multirange = match name.strip_suffix("range") {
                    Some(stem) => format!("{stem}multirange"),
                    None => format!("{name}_multirange"),
                };
                TypeDef::Range {
                    subtype: r.get(11),
                    subtype_opclass: r.get(12),
                    collation: r.get(13),
                    subtype_diff: r.get(14),
                    multirange_type_name: multirange.filter(|m| *m != default_multirange),
                    name,
                }
            }
        };
        pending.push((r.get(0), def));
    }
    let mut out = Vec::new();
    for def in dependency_order(pending, &deps) {
        out.extend(def.creation());
    }
    Ok(out)
}

/// `objects` (by oid) each after those it depends on (`deps`: (object, what it depends on)), in their
/// given order otherwise.
fn dependency_order<T>(mut pending: Vec<(u32, T)>, deps: &[(u32, u32)]) -> Vec<T> {
    let mut sorted = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(oid, _)| {
                !deps.iter().any(|(from, to)| from == oid && to != oid && pending.iter().any(|p| p.0 == *to))
            })
            // A cycle cannot be built in PostgreSQL; should the catalog show one, keep the order.
            .unwrap_or(0);
        sorted.push(pending.remove(ready).1);
    }
    sorted
}

/// `ALTER TABLE .. ALTER COLUMN` taking column `was` to `now`'s identity (added, dropped, ALWAYS or
/// BY DEFAULT, sequence options: each option set, PostgreSQL's default where `now` has none).
fn alter_identity(table: &str, was: &crate::op::ColumnDef, now: &crate::op::ColumnDef) -> String {
    use crate::ident::quote_ident as q;
    use crate::op::Identity;
    let head = format!("ALTER TABLE {} ALTER COLUMN {}", q(table), q(&now.name));
    let kind = |i: &Identity| if *i == Identity::Always { "ALWAYS" } else { "BY DEFAULT" };
    let Some(identity) = &now.identity else {
        return format!("{head} DROP IDENTITY");
    };
    let o = now.identity_options.clone().unwrap_or_default();
    if was.identity.is_none() {
        let options = o.sql();
        let options = if options.is_empty() { String::new() } else { format!(" ({options})") };
        return format!("{head} ADD GENERATED {} AS IDENTITY{options}", kind(identity));
    }
    let increment = o.increment.unwrap_or(1);
    let min = o.min.map_or("NO MINVALUE".to_string(), |v| format!("MINVALUE {v}"));
    let max = o.max.map_or("NO MAXVALUE".to_string(), |v| format!("MAXVALUE {v}"));
    let start = o.start.unwrap_or(if increment > 0 { o.min.unwrap_or(1) } else { o.max.unwrap_or(-1) });
    format!(
        "{head} SET GENERATED {} SET INCREMENT BY {increment} SET {min} SET {max} SET START WITH {start} SET CACHE {} SET {}CYCLE",
        kind(identity),
        o.cache.unwrap_or(1),
        if o.cycle { "" } else { "NO " }
    )
}

/// `ALTER SEQUENCE` setting every option of `def` (PostgreSQL's default where it has none).
fn alter_sequence(def: &crate::op::SequenceDef) -> String {
    use crate::ident::quote_ident as q;
    use crate::op::ColumnType;
    let ty = def.data_type.clone().unwrap_or(ColumnType::BigInt);
    let increment = def.increment.unwrap_or(1);
    let (default_min, default_max) = sequence_bounds(&ty, increment);
    let min = def.min.unwrap_or(default_min);
    let max = def.max.unwrap_or(default_max);
    let start = def.start.unwrap_or(if increment > 0 { min } else { max });
    let owner = match &def.owned_by {
        Some(o) => format!("{}.{}", q(&o.table), q(&o.column)),
        None => "NONE".into(),
    };
    format!(
        "ALTER SEQUENCE {} AS {} INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} START WITH {start} CACHE {} {}CYCLE OWNED BY {owner}",
        q(&def.name),
        crate::render::render_column_type(&ty),
        def.cache.unwrap_or(1),
        if def.cycle { "" } else { "NO " },
    )
}

/// Whether a `nextval('..'::regclass)` default draws from sequence `name`.
fn names_sequence(default: &str, name: &str) -> bool {
    let Some(inner) = default.strip_prefix("nextval('").and_then(|d| d.strip_suffix("'::regclass)")) else {
        return false;
    };
    let inner = inner.strip_prefix("public.").unwrap_or(inner);
    inner == name || inner.trim_matches('"').replace("\"\"", "\"") == name
}

/// A sequence row of [`ops`] as its definition, the options PostgreSQL would choose anyway left out.
fn sequence_def(r: &tokio_postgres::Row) -> crate::op::SequenceDef {
    use crate::op::{ColumnType, SequenceDef, SequenceOwner};
    let ty = column_type(&r.get::<_, String>(1));
    let [increment, min, max, start, cache] = non_default(&ty, r.get(2), r.get(3), r.get(4), r.get(5), r.get(6));
    let owner: (Option<String>, Option<String>) = (r.get(8), r.get(9));
    SequenceDef {
        name: r.get(0),
        data_type: (ty != ColumnType::BigInt).then_some(ty),
        increment,
        min,
        max,
        start,
        cache,
        cycle: r.get(7),
        owned_by: match owner {
            (Some(table), Some(column)) => Some(SequenceOwner { table, column }),
            _ => None,
        },
    }
}

/// The MINVALUE and MAXVALUE PostgreSQL gives a sequence of type `ty` that counts by `increment`
/// when it is given none.
fn sequence_bounds(ty: &crate::op::ColumnType, increment: i64) -> (i64, i64) {
    use crate::op::ColumnType;
    let (type_min, type_max) = match ty {
        ColumnType::SmallInt => (i16::MIN as i64, i16::MAX as i64),
        ColumnType::Integer => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    if increment > 0 { (1, type_max) } else { (type_min, -1) }
}

/// A sequence's increment, min, max, start and cache, each `None` where it is what PostgreSQL
/// chooses for a sequence of type `ty` without it.
fn non_default(
    ty: &crate::op::ColumnType,
    increment: i64,
    min: i64,
    max: i64,
    start: i64,
    cache: i64,
) -> [Option<i64>; 5] {
    let (default_min, default_max) = sequence_bounds(ty, increment);
    let default_start = if increment > 0 { min } else { max };
    [
        (increment != 1).then_some(increment),
        (min != default_min).then_some(min),
        (max != default_max).then_some(max),
        (start != default_start).then_some(start),
        (cache != 1).then_some(cache),
    ]
}

/// A function's or procedure's definition (`pg_get_functiondef`) as its op; as SQL (with the `DROP`
/// that undoes it) when the builder's op cannot hold it (a C function, `RETURN expr`).
fn routine_op(definition: &str, signature: String) -> crate::op::Op {
    use crate::op::Op;
    let read = crate::sql_ops::read_sql(definition);
    if let [st] = read.as_slice()
        && st.not_read.is_empty()
        && let [Op::CreateFunction { def, .. }] = st.ops.as_slice()
    {
        return Op::CreateFunction { def: def.clone(), or_replace: false };
    }
    let kind = if definition.contains(" PROCEDURE ") { "PROCEDURE" } else { "FUNCTION" };
    Op::Sql { up: definition.to_string(), down: Some(format!("DROP {kind} {signature}")), declares: vec![] }
}

/// What [`ops`] leaves out of `schema`, one line per object with what it is: the objects the op model
/// does not hold yet (aggregates, event triggers, range types with a CANONICAL function, base types,
/// inheritance, partitions of another schema's tables, rules, foreign tables). `pull` prints them as warnings: a baseline
/// that leaves something out must say so. Objects of extensions and tables in `ignore` are not listed.
pub async fn not_expressed(
    client: &impl GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Vec<String>, tokio_postgres::Error> {
    const QUERY: &str = r#"
with ns as (select quote_ident($1)::regnamespace as oid),
ext as (select objid from pg_depend where deptype = 'e'),
rel as (select c.oid, c.relname::text as name, c.relkind from pg_class c where c.relnamespace = (select oid from ns) and c.oid not in (select objid from ext))
select 'aggregate ' || p.oid::regprocedure::text || ': aggregates are not in the schema model yet'
  from pg_proc p where p.pronamespace = (select oid from ns) and p.prokind in ('a', 'w') and p.oid not in (select objid from ext)
union all
select 'event trigger ' || quote_ident(e.evtname) || ': event triggers are database-wide and need a superuser; a baseline does not make them'
  from pg_event_trigger e where e.oid not in (select objid from ext)
union all
select 'foreign table ' || quote_ident(r.name) || ': foreign tables are not in the schema model'
  from rel r where r.relkind = 'f'
union all
select 'range type ' || quote_ident(t.typname) || ': a range type with a CANONICAL function is not in the schema model (its function needs a shell type first)'
  from pg_type t join pg_range g on g.rngtypid = t.oid where t.typnamespace = (select oid from ns) and g.rngcanonical <> 0 and t.oid not in (select objid from ext)
union all
select 'base type ' || quote_ident(t.typname) || ': base types (written in C) are not in the schema model'
  from pg_type t where t.typnamespace = (select oid from ns) and t.typtype = 'b' and t.typcategory <> 'A' and t.oid not in (select objid from ext)
union all
select 'table ' || quote_ident(r.name) || ': inherited tables are read as plain tables (INHERITS is not in the schema model)'
  from rel r join pg_class c on c.oid = r.oid where not c.relispartition and r.oid in (select inhrelid from pg_inherits) and r.name <> all($2)
union all
select 'table ' || quote_ident(r.name) || ': a partition of ' || h.inhparent::regclass::text || ', in another schema, is read as a plain table'
  from rel r join pg_class c on c.oid = r.oid join pg_inherits h on h.inhrelid = r.oid join pg_class p on p.oid = h.inhparent
  where c.relispartition and p.relnamespace <> (select oid from ns) and r.name <> all($2)
union all
select 'rule ' || quote_ident(w.rulename) || ' on ' || quote_ident(r.name) || ': rules are not in the schema model'
  from pg_rewrite w join rel r on r.oid = w.ev_class where w.rulename <> '_RETURN' and r.name <> all($2)
order by 1
"#;
    let ignore: Vec<String> = ignore.iter().map(|t| t.to_string()).collect();
    let rows = client.query(QUERY, &[&schema, &ignore]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A type as `format_type` prints it, as the builder's type.
pub(crate) fn column_type(formatted: &str) -> crate::op::ColumnType {
    use crate::op::ColumnType as T;
    if let Some(element) = formatted.strip_suffix("[]") {
        return T::Array { element: Box::new(column_type(element)) };
    }
    let (base, args) = match formatted.split_once('(') {
        Some((b, rest)) => (
            b.trim(),
            rest.trim_end_matches(')').split(',').filter_map(|a| a.trim().parse::<u32>().ok()).collect::<Vec<_>>(),
        ),
        None => (formatted, vec![]),
    };
    match (base, args.as_slice()) {
        ("smallint", []) => T::SmallInt,
        ("integer", []) => T::Integer,
        ("bigint", []) => T::BigInt,
        ("numeric", []) => T::Numeric { precision: None, scale: None },
        ("numeric", [p]) => T::Numeric { precision: Some(*p as u16), scale: Some(0) },
        ("numeric", [p, s]) => T::Numeric { precision: Some(*p as u16), scale: Some(*s as u16) },
        ("real", []) => T::Real,
        ("double precision", []) => T::Double,
        ("boolean", []) => T::Boolean,
        ("text", []) => T::Text,
        ("character varying", []) => T::Varchar { length: None },
        ("character varying", [n]) => T::Varchar { length: Some(*n) },
        ("character", [n]) => T::Char { length: *n },
        ("uuid", []) => T::Uuid,
        ("bytea", []) => T::Bytea,
        ("date", []) => T::Date,
        ("time without time zone", []) => T::Time,
        ("timestamp without time zone", []) => T::Timestamp,
        ("timestamp with time zone", []) => T::Timestamptz,
        ("interval", []) => T::Interval,
        ("json", []) => T::Json,
        ("jsonb", []) => T::Jsonb,
        ("inet", []) => T::Inet,
        ("cidr", []) => T::Cidr,
        _ => T::Named { name: formatted.trim_matches('"').to_string() },
    }
}

/// The ops that turn schema `from` into schema `to` (both read from catalogs, so written alike):
/// tables, columns (type, nullability, default, comment), constraints, indexes, enums (new values),
/// views. Objects that must go first are dropped first; foreign keys are added last.
pub fn diff_ops(from: &crate::model::Model, to: &crate::model::Model) -> Vec<crate::op::Op> {
    use crate::ident::quote_ident as qi;
    use crate::op::*;
    let mut drops = Vec::new();
    let mut creates = Vec::new();
    let mut late = Vec::new();
    let mut partitions = Vec::new();
    // Row-level security and policies, after the tables (a policy may read another table).
    fn table_extras(name: &str, old: &crate::model::Table, t: &crate::model::Table, late: &mut Vec<Op>) {
        for (was, now, on, off) in [
            (old.row_security, t.row_security, RowSecurity::Enable, RowSecurity::Disable),
            (old.force_row_security, t.force_row_security, RowSecurity::Force, RowSecurity::NoForce),
        ] {
            if was != now {
                late.push(Op::SetRowSecurity { table: name.into(), setting: if now { on } else { off } });
            }
        }
        for (p, def) in &t.policies {
            if old.policies.get(p) != Some(def) {
                late.push(Op::CreatePolicy { def: def.clone() });
            }
        }
    }
    // Views and materialized views: a dropped or changed one goes first (a changed one is created
    // again after the tables, a materialized view with its indexes).
    let mut views = Vec::new();
    for (name, v) in &from.views {
        if to.views.get(name) != Some(v) {
            drops.push(Op::DropView { name: name.clone(), def: None });
        }
    }
    for (name, v) in &to.views {
        if from.views.get(name) != Some(v) {
            views.push(Op::CreateView { def: v.clone() });
        }
    }
    let remade = |m: &String| from.materialized_views.get(m) != to.materialized_views.get(m);
    for (name, _) in from.materialized_views.iter().filter(|(m, _)| remade(m)) {
        drops.push(Op::DropMaterializedView { name: name.clone(), def: None });
    }
    for (name, m) in to.materialized_views.iter().filter(|(m, _)| remade(m)) {
        views.push(Op::CreateMaterializedView { def: m.clone() });
        for i in to.indexes.values().filter(|i| &i.def.table == name) {
            views.push(Op::CreateIndex { def: i.def.clone() });
        }
    }
    // Types: a new one before the tables that use it, a dropped one last; a domain whose checks
    // changed gets them added and dropped; another change drops the type and creates it again.
    let mut types_first = Vec::new();
    let mut types_last = Vec::new();
    for (name, def) in &to.types {
        let Some(old) = from.types.get(name) else {
            types_first.extend(def.clone().creation());
            continue;
        };
        // The domain without its checks.
        fn bare(t: &TypeDef) -> Option<(&String, &String, &bool, &Option<String>)> {
            match t {
                TypeDef::Domain { name, data_type, not_null, default, .. } => {
                    Some((name, data_type, not_null, default))
                }
                _ => None,
            }
        }
        match (old, def) {
            _ if old == def => {}
            (TypeDef::Domain { checks: was, .. }, TypeDef::Domain { checks: now, .. }) if bare(old) == bare(def) => {
                // A check validated since is validated; any other change drops and adds it.
                let validated =
                    |k: &DomainCheck| k.not_valid && now.contains(&DomainCheck { not_valid: false, ..k.clone() });
                for k in was.iter().filter(|k| !now.contains(k)) {
                    if validated(k) {
                        types_first.push(Op::ValidateDomainCheck { domain: name.clone(), name: k.name.clone() });
                    } else {
                        drops.push(Op::DropDomainCheck {
                            domain: name.clone(),
                            name: k.name.clone(),
                            def: Some(k.clone()),
                        });
                    }
                }
                for k in
                    now.iter().filter(|k| !was.contains(k) && !was.iter().any(|w| validated(w) && w.name == k.name))
                {
                    types_first.push(Op::AddDomainCheck { domain: name.clone(), check: k.clone() });
                }
            }
            _ => {
                drops.push(Op::DropType {
                    name: name.clone(),
                    domain: matches!(old, TypeDef::Domain { .. }),
                    def: None,
                });
                types_first.extend(def.clone().creation());
            }
        }
    }
    for (name, def) in &from.types {
        if !to.types.contains_key(name) {
            types_last.push(Op::DropType {
                name: name.clone(),
                domain: matches!(def, TypeDef::Domain { .. }),
                def: None,
            });
        }
    }
    for (name, idx) in &from.indexes {
        let gone = match to.indexes.get(name) {
            None => true,
            Some(other) => other.def != idx.def,
        };
        let kept = |t: &String| to.tables.contains_key(t) || (to.materialized_views.contains_key(t) && !remade(t));
        if gone && idx.constraint.is_none() && kept(&idx.def.table) {
            drops.push(Op::DropIndex { name: name.clone(), concurrently: false, def: None });
        }
    }
    for (name, t) in &from.tables {
        match to.tables.get(name) {
            None => drops.push(Op::DropTable { name: name.clone(), def: None }),
            Some(target) => {
                for (k, def) in &t.constraints {
                    if target.constraints.get(k) != Some(def) {
                        drops.push(Op::DropConstraint { table: name.clone(), name: k.clone(), def: None });
                    }
                }
            }
        }
    }
    for (name, values) in &to.enums {
        match from.enums.get(name) {
            None => creates.push(Op::CreateEnum { def: EnumDef { name: name.clone(), values: values.clone() } }),
            Some(old) => {
                for v in values.iter().filter(|v| !old.contains(v)) {
                    creates.push(Op::AddEnumValue { name: name.clone(), value: v.clone(), position: None });
                }
            }
        }
    }
    for (name, t) in &to.tables {
        let fks = |kind: &ConstraintKind| matches!(kind, ConstraintKind::ForeignKey { .. });
        match from.tables.get(name) {
            None => {
                let constraints = t.constraints.values().filter(|k| !fks(&k.kind)).cloned().collect();
                let def = TableDef {
                    name: name.clone(),
                    // A partition has its parent's columns.
                    columns: if t.partition_of.is_some() { vec![] } else { t.columns.clone() },
                    constraints,
                    comment: t.comment.clone(),
                    partition_by: t.partition_by.clone(),
                    partition_of: t.partition_of.clone(),
                };
                // A partition after its parent (and a partition of a partition after that).
                let depth = std::iter::successors(t.partition_of.as_ref(), |p| {
                    to.tables.get(&p.parent).and_then(|t| t.partition_of.as_ref())
                })
                .take(32)
                .count();
                partitions.push((depth, Op::CreateTable { def }));
                let bare = crate::model::Table {
                    policies: Default::default(),
                    row_security: false,
                    force_row_security: false,
                    ..t.clone()
                };
                table_extras(name, &bare, t, &mut late);
                for k in t.constraints.values().filter(|k| fks(&k.kind)) {
                    late.push(Op::AddConstraint { table: name.clone(), def: k.clone() });
                }
            }
            Some(old) => {
                table_extras(name, old, t, &mut late);
                for p in old.policies.keys().filter(|p| old.policies.get(*p) != t.policies.get(*p)) {
                    drops.push(Op::DropPolicy {
                        table: name.clone(),
                        name: p.clone(),
                        def: old.policies.get(p).cloned(),
                    });
                }
                match (&old.partition_of, &t.partition_of) {
                    (was, now) if was == now => {}
                    (was, now) => {
                        if let Some(p) = was {
                            drops.push(Op::DetachPartition {
                                parent: p.parent.clone(),
                                name: name.clone(),
                                bound: p.bound.clone(),
                                concurrently: false,
                            });
                        }
                        if let Some(p) = now {
                            late.push(Op::AttachPartition {
                                parent: p.parent.clone(),
                                name: name.clone(),
                                bound: p.bound.clone(),
                            });
                        }
                    }
                }
                if old.partition_by != t.partition_by {
                    // PostgreSQL cannot change a table's partitioning in place: said, not skipped.
                    creates.push(Op::Sql {
                        up: format!(
                            "-- table {} is partitioned {} here and {} there: PostgreSQL cannot change that in place; \
                             create the table anew and move its rows",
                            qi(name),
                            old.partition_by.as_deref().map_or("not at all".into(), |k| format!("BY {k}")),
                            t.partition_by.as_deref().map_or("not at all".into(), |k| format!("BY {k}"))
                        ),
                        down: None,
                        declares: vec![],
                    });
                }
                // A partition's columns change with its parent's.
                let own_columns = t.partition_of.is_none();
                for c in old.columns.iter().filter(|c| own_columns && t.column(&c.name).is_none()) {
                    creates.push(Op::DropColumn { table: name.clone(), column: c.name.clone(), def: None });
                }
                for c in t.columns.iter().filter(|_| own_columns) {
                    let table = name.clone();
                    let column = c.name.clone();
                    let Some(was) = old.column(&c.name) else {
                        let def = AddColumnDef { column: c.clone(), constraints: vec![], backfill: None };
                        creates.push(Op::AddColumn { table, def });
                        continue;
                    };
                    // A generation expression cannot be changed or added in place: the column is
                    // added again (its values follow from the row).
                    if was.generated != c.generated {
                        if was.generated.is_some() && c.generated.is_none() {
                            let sql =
                                format!("ALTER TABLE {} ALTER COLUMN {} DROP EXPRESSION", qi(&table), qi(&column));
                            creates.push(Op::Sql { up: sql, down: None, declares: vec![] });
                        } else {
                            creates.push(Op::DropColumn { table: table.clone(), column: column.clone(), def: None });
                            let def = AddColumnDef { column: c.clone(), constraints: vec![], backfill: None };
                            creates.push(Op::AddColumn { table, def });
                            continue;
                        }
                    }
                    // An identity is added after the column's default is dropped and it is made NOT NULL
                    // (PostgreSQL refuses it before); dropped before a new default is set.
                    let identity = ((&was.identity, &was.identity_options) != (&c.identity, &c.identity_options))
                        .then(|| Op::Sql { up: alter_identity(&table, was, c), down: None, declares: vec![] });
                    let identity_last = c.identity.is_some();
                    if let Some(op) = identity.clone().filter(|_| !identity_last) {
                        creates.push(op);
                    }
                    if was.ty != c.ty {
                        creates.push(Op::ChangeColumnType {
                            table: table.clone(),
                            column: column.clone(),
                            to: c.ty.clone(),
                            using: None,
                            from: Some(was.ty.clone()),
                            using_down: None,
                            assume_utc: Default::default(),
                        });
                    }
                    if was.default != c.default {
                        creates.push(match &c.default {
                            Some(d) => Op::SetDefault {
                                table: table.clone(),
                                column: column.clone(),
                                default: d.clone(),
                                previous: was.default.clone(),
                            },
                            None => Op::DropDefault {
                                table: table.clone(),
                                column: column.clone(),
                                previous: was.default.clone(),
                            },
                        });
                    }
                    if was.not_null != c.not_null {
                        creates.push(if c.not_null {
                            Op::SetNotNull { table: table.clone(), column: column.clone() }
                        } else {
                            Op::DropNotNull { table: table.clone(), column: column.clone() }
                        });
                    }
                    if let Some(op) = identity.filter(|_| identity_last) {
                        creates.push(op);
                    }
                    if was.comment != c.comment {
                        let target = CommentTarget::Column { table, column };
                        creates.push(Op::Comment { target, comment: c.comment.clone(), previous: was.comment.clone() });
                    }
                }
                if old.comment != t.comment {
                    let target = CommentTarget::Table { table: name.clone() };
                    creates.push(Op::Comment { target, comment: t.comment.clone(), previous: old.comment.clone() });
                }
                for (k, def) in &t.constraints {
                    if old.constraints.get(k) != Some(def) {
                        let add = Op::AddConstraint { table: name.clone(), def: def.clone() };
                        if fks(&def.kind) { late.push(add) } else { creates.push(add) }
                    }
                }
            }
        }
    }
    partitions.sort_by_key(|(depth, _)| *depth);
    creates.extend(partitions.into_iter().map(|(_, op)| op));
    for (name, idx) in &to.indexes {
        let new = match from.indexes.get(name) {
            None => true,
            Some(other) => other.def != idx.def,
        };
        if new && idx.constraint.is_none() && !to.materialized_views.contains_key(&idx.def.table) {
            creates.push(Op::CreateIndex { def: idx.def.clone() });
        } else if new && !remade(&idx.def.table) && to.materialized_views.contains_key(&idx.def.table) {
            views.push(Op::CreateIndex { def: idx.def.clone() });
        }
    }
    // Sequences: new ones before what uses them (a column's own after its column, the defaults that
    // draw from it after that), dropped ones after nothing uses them any more.
    let new_sequences: Vec<&SequenceDef> =
        to.sequences.values().filter(|q| !from.sequences.contains_key(&q.name)).collect();
    let mut first = Vec::new();
    let mut then = Vec::new();
    for q in &new_sequences {
        match &q.owned_by {
            None => first.push(Op::CreateSequence { def: (*q).clone() }),
            Some(_) => then.push(Op::CreateSequence { def: (*q).clone() }),
        }
    }
    let owned_new: Vec<&str> = new_sequences.iter().filter(|q| q.owned_by.is_some()).map(|q| q.name.as_str()).collect();
    let draws_from_new = |d: Option<&DefaultValue>| matches!(d, Some(DefaultValue::Expr { sql }) if owned_new.iter().any(|q| names_sequence(sql, q)));
    let mut defaults_after = Vec::new();
    for op in creates.iter_mut() {
        let columns: Vec<(&str, &mut ColumnDef)> = match op {
            Op::CreateTable { def } => def.columns.iter_mut().map(|c| (def.name.as_str(), c)).collect(),
            Op::AddColumn { table, def } => vec![(table.as_str(), &mut def.column)],
            _ => vec![],
        };
        for (table, c) in columns {
            if draws_from_new(c.default.as_ref())
                && let Some(default) = c.default.take()
            {
                defaults_after.push(Op::SetDefault {
                    table: table.into(),
                    column: c.name.clone(),
                    default,
                    previous: None,
                });
            }
        }
    }
    // A changed default that draws from a new sequence waits for it too.
    let (moved, kept): (Vec<Op>, Vec<Op>) = creates
        .into_iter()
        .partition(|op| matches!(op, Op::SetDefault { default, .. } if draws_from_new(Some(default))));
    defaults_after.extend(moved);
    // A sequence whose owning table or column goes is dropped with it.
    let goes_with_owner = |q: &SequenceDef| {
        q.owned_by.as_ref().is_some_and(|o| to.tables.get(&o.table).is_none_or(|t| t.column(&o.column).is_none()))
    };
    for (name, q) in &from.sequences {
        match to.sequences.get(name) {
            None if goes_with_owner(q) => {}
            None => late.push(Op::DropSequence { name: name.clone(), def: Some(q.clone()) }),
            Some(now) if now != q => {
                late.push(Op::Sql { up: alter_sequence(now), down: Some(alter_sequence(q)), declares: vec![] })
            }
            Some(_) => {}
        }
    }
    // Functions: a new or changed one after the tables (its body may read them); a changed one in
    // place (`OR REPLACE`) when PostgreSQL allows it (same kind, result and argument names), dropped
    // and created again otherwise; a dropped one after the triggers that ran it.
    let mut functions = Vec::new();
    let mut dropped_functions = Vec::new();
    for (key, def) in &to.functions {
        match from.functions.get(key) {
            None => functions.push(Op::CreateFunction { def: def.clone(), or_replace: false }),
            Some(old) if old == def => {}
            Some(old) => {
                let names = |d: &FunctionDef| d.args.iter().map(|a| (a.mode, a.name.clone())).collect::<Vec<_>>();
                let replaceable = old.kind == RoutineKind::Function && def.kind == RoutineKind::Function;
                if replaceable && old.returns == def.returns && names(old) == names(def) {
                    functions.push(Op::CreateFunction { def: def.clone(), or_replace: true });
                } else {
                    drops.insert(0, drop_function(old));
                    functions.push(Op::CreateFunction { def: def.clone(), or_replace: false });
                }
            }
        }
    }
    for (key, def) in &from.functions {
        if !to.functions.contains_key(key) {
            dropped_functions.push(drop_function(def));
        }
    }
    // Triggers: a dropped or changed one first (a table dropped takes its triggers along), a new or
    // changed one last; a trigger that only fires differently gets ENABLE/DISABLE.
    let mut triggers = Vec::new();
    for (table, t) in &from.tables {
        let Some(target) = to.tables.get(table) else { continue };
        for (name, (def, state)) in &t.triggers {
            match target.triggers.get(name) {
                Some((d, s)) if d == def => {
                    if s != state {
                        triggers.push(Op::SetTriggerState {
                            table: table.clone(),
                            name: name.clone(),
                            state: *s,
                            previous: Some(*state),
                        });
                    }
                }
                _ => drops.insert(0, Op::DropTrigger { table: table.clone(), name: name.clone(), def: None }),
            }
        }
    }
    for (table, t) in &to.tables {
        for (name, (def, state)) in &t.triggers {
            let same = from.tables.get(table).and_then(|f| f.triggers.get(name)).is_some_and(|(d, _)| d == def);
            if !same {
                triggers.push(Op::CreateTrigger { def: def.clone() });
                if *state != TriggerState::Enabled {
                    triggers.push(Op::SetTriggerState {
                        table: table.clone(),
                        name: name.clone(),
                        state: *state,
                        previous: Some(TriggerState::Enabled),
                    });
                }
            }
        }
    }
    drops.extend(types_first);
    drops.extend(first);
    drops.extend(kept);
    drops.extend(then);
    drops.extend(defaults_after);
    drops.extend(functions);
    drops.extend(views);
    drops.extend(triggers);
    drops.extend(late);
    drops.extend(dropped_functions);
    drops.extend(types_last);
    drops
}

fn drop_function(def: &crate::op::FunctionDef) -> crate::op::Op {
    crate::op::Op::DropFunction { name: def.name.clone(), arg_types: def.arg_types(), kind: def.kind, def: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sequence a table owns is left out of snapshots with that table (`ignore_tables`), as the
    /// table's columns and indexes are; a standalone one belongs to no table.
    #[test]
    fn owned_sequences_go_with_their_table() {
        let owned =
            "sequence legacy_id_seq integer increment=1 min=1 max=2147483647 start=1 cache=1 owned_by=legacy.id";
        assert_eq!(table_of(owned), Some("legacy"));
        let quoted = "sequence \"Odd_seq\" bigint increment=1 min=1 max=9 start=1 cache=1 owned_by=\"Odd\".id";
        assert_eq!(table_of(quoted), Some("Odd"));
        assert_eq!(table_of("sequence tickets bigint increment=1 min=1 max=9 start=1 cache=1"), None);
        let snapshot = Snapshot { lines: vec![owned.to_string(), "sequence tickets bigint".into()] };
        let kept: Vec<&String> = snapshot.lines.iter().filter(|l| table_of(l) != Some("legacy")).collect();
        assert_eq!(kept, ["sequence tickets bigint"]);
    }

    /// A function's definition is compared as written; a difference only in whitespace or comments
    /// is told apart, and a real one is shown as the lines that differ.
    #[test]
    fn functions_differ_by_their_definition() {
        let f = |body: &str| {
            format!(
                "function touch()\nCREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function${body}$function$"
            )
        };
        let expected = Snapshot { lines: vec![f("\nBEGIN\n  RETURN NEW;\nEND\n")] };
        let spaced = Snapshot { lines: vec![f("\nBEGIN -- keep\n      RETURN NEW;\n\nEND\n")] };
        let changed = Snapshot { lines: vec![f("\nBEGIN\n  RETURN OLD;\nEND\n")] };
        let layout = diff(&expected, &spaced);
        assert_eq!(layout.len(), 1);
        assert!(layout[0].only_layout());
        assert!(
            layout[0].to_string().starts_with("differs: function touch() (only in whitespace or comments)"),
            "{}",
            layout[0]
        );
        let real = diff(&expected, &changed);
        assert!(!real[0].only_layout());
        let shown = real[0].to_string();
        assert!(shown.starts_with("differs: function touch()\n"), "{shown}");
        assert!(
            shown.contains("- expected |   RETURN NEW;") && shown.contains("+ actual   |   RETURN OLD;"),
            "{shown}"
        );
        assert!(!shown.contains("LANGUAGE"), "only the lines that differ: {shown}");
        // Gone or new: named by its first line.
        assert_eq!(diff(&expected, &Snapshot::default())[0].to_string(), "missing: function touch()");
    }

    #[test]
    fn nextval_defaults_name_their_sequence() {
        assert!(names_sequence("nextval('t_id_seq'::regclass)", "t_id_seq"));
        assert!(names_sequence("nextval('public.t_id_seq'::regclass)", "t_id_seq"));
        assert!(names_sequence("nextval('\"Odd_seq\"'::regclass)", "Odd_seq"));
        assert!(!names_sequence("nextval('t_id_seq2'::regclass)", "t_id_seq"));
        assert!(!names_sequence("0", "t_id_seq"));
    }
}
