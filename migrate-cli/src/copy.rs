//! The copy `rehearse` runs on: the target's schema made by `pull`'s generator on a scratch database,
//! then up to N rows of each table streamed over with `COPY`. The target is only read, in one
//! read-only repeatable-read transaction (one snapshot for every table, as `pg_dump` reads). Tables
//! that no foreign key reaches are sampled (`TABLESAMPLE SYSTEM`); a table whose foreign keys point
//! at tables copied before it gets only rows whose parents were copied, so every key holds; foreign
//! keys in a cycle (a table that refers to itself, or tables that refer to each other) cannot be
//! filtered that way and are added back `NOT VALID`. User triggers are off while the rows go in.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use migrate_core::ident::{quote_ident, quote_literal};
use tokio_postgres::Client;

use crate::rehearse::TableCopied as Table;

/// The copy as built.
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<Table>,
    /// What the copy does not hold as the target does (left-out objects, foreign keys added `NOT
    /// VALID`, schemas not copied): each a named warning.
    pub warnings: Vec<String>,
}

impl Copied {
    /// The rows copied into `table`.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables.iter().find(|t| t.table == table).map_or(0, |t| t.rows)
    }
}

/// A foreign key of the copy.
struct ForeignKey {
    name: String,
    child: String,
    parent: String,
    child_cols: Vec<String>,
    parent_cols: Vec<String>,
    parent_types: Vec<String>,
    definition: String,
}

/// The copy's foreign keys in `schema` (the partitions' clones left out: they come with their parent's).
const FOREIGN_KEYS: &str = "
SELECT con.conname::text, cl.relname::text, pl.relname::text,
       array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
       array(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
       pg_get_constraintdef(con.oid)
FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class pl ON pl.oid = con.confrelid
WHERE con.contype = 'f' AND con.conparentid = 0 AND cl.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
  AND pl.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
ORDER BY 2, 1";

/// The tables that hold rows of their own (plain tables and partitioned roots; partitions fill
/// through their root), with the target's estimate of their rows.
const TABLES: &str = "
SELECT c.relname::text,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT sum(greatest(p.reltuples, 0))::bigint FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf)
            WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname::text <> ALL($2)
ORDER BY 1";

/// A table's columns that take values (not generated, not dropped), in order.
const COLUMNS: &str = "
SELECT a.attname::text FROM pg_attribute a
WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum";

/// Builds the copy of `schema` of the database `target` reads (in the transaction it has begun) on
/// `copy` (an empty database), leaving out the runner's own tables `own`.
pub async fn build(target: &Client, copy: &Client, schema: &str, own: &[String], rows: u64) -> Result<Copied> {
    let mut out = Copied::default();
    // Both sides read and write dates, intervals and floats the same way whatever the servers' or
    // databases' settings (as pg_dump sets them); the copy's types come out of `format_type` as the
    // target reads them; and rows that row-level security would hide fail the copy instead of going
    // missing from it.
    let q = quote_ident(schema);
    let formats = "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3";
    target
        .batch_execute(&format!(
            "{}; SET LOCAL search_path TO {q}; SET LOCAL row_security = off",
            formats.replace("SET ", "SET LOCAL ")
        ))
        .await
        .context("setting up the target's read-only transaction")?;
    copy.batch_execute(formats).await?;
    let own_refs: Vec<&str> = own.iter().map(String::as_str).collect();
    // The schema, made as `pull` would write it.
    let crate::baseline::Baseline { ops, left_out } = crate::baseline::read(target, schema, &own_refs).await?;
    for l in left_out {
        out.warnings.push(format!("not in the copy: {l}"));
    }
    let others: Vec<String> = target
        .query(
            "SELECT DISTINCT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname <> $1 AND n.nspname NOT LIKE 'pg\\_%'
               AND n.nspname <> 'information_schema'
               AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e') ORDER BY 1",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for s in others {
        out.warnings.push(format!(
            "schema {s} is not copied: rehearse copies the migrations' schema {schema}; a migration that uses {s} fails on the copy"
        ));
    }
    copy.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {q}; SET search_path TO {q}"))
        .await
        .with_context(|| format!("creating the schema {schema} on the copy"))?;
    let script = migrate_core::render::render_script(&ops);
    copy.batch_execute(&script).await.map_err(|e| {
        let failure = migrate_core::runner::DbFailure::from_error(&e, None);
        anyhow::anyhow!("making the target's schema on the copy: {failure}")
    })?;

    // The keys go while the rows go in, and come back after.
    let keys: Vec<ForeignKey> = copy
        .query(FOREIGN_KEYS, &[&schema])
        .await?
        .iter()
        .map(|r| ForeignKey {
            name: r.get(0),
            child: r.get(1),
            parent: r.get(2),
            child_cols: r.get(3),
            parent_cols: r.get(4),
            parent_types: r.get(5),
            definition: r.get(6),
        })
        .collect();
    for k in &keys {
        copy.batch_execute(&format!("ALTER TABLE {} DROP CONSTRAINT {}", quote_ident(&k.child), quote_ident(&k.name)))
            .await?;
    }
    let cyclic = in_cycles(&keys);
    // The user triggers stay off while the rows go in (an audit trigger would write rows of its own),
    // and row-level security forced on the owner is lifted.
    let triggers: Vec<(String, String, String)> = copy
        .query(
            "SELECT c.relname::text, t.tgname::text, t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND NOT t.tgisinternal ORDER BY 1, 2",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let with_triggers: BTreeSet<&str> = triggers.iter().map(|t| t.0.as_str()).collect();
    for t in &with_triggers {
        copy.batch_execute(&format!("ALTER TABLE {} DISABLE TRIGGER USER", quote_ident(t))).await?;
    }
    let forced: Vec<String> = copy
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relforcerowsecurity ORDER BY 1",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in &forced {
        copy.batch_execute(&format!("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY", quote_ident(t))).await?;
    }

    // The rows, parents before children.
    let tables: Vec<(String, Option<i64>)> =
        target.query(TABLES, &[&schema, &own]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut left: Vec<(String, Option<i64>)> = tables;
    while !left.is_empty() {
        // The next table whose parents (through keys not in a cycle) are all copied; a parent outside
        // the tables copied (none of its rows) holds nothing back.
        let names: BTreeSet<&str> = left.iter().map(|t| t.0.as_str()).collect();
        let ready = left.iter().position(|(t, _)| {
            keys.iter()
                .filter(|k| &k.child == t && !cyclic.contains(&(k.child.clone(), k.name.clone())))
                .all(|k| !names.contains(k.parent.as_str()))
        });
        let Some(i) = ready else {
            bail!("the foreign keys of {} could not be ordered (a cycle not found): please report this", left[0].0)
        };
        let (table, estimate) = left.remove(i);
        let filters: Vec<&ForeignKey> = keys
            .iter()
            .filter(|k| {
                k.child == table && !cyclic.contains(&(k.child.clone(), k.name.clone())) && done.contains(&k.parent)
            })
            .collect();
        let copied = copy_table(target, copy, schema, &table, estimate, &filters, rows).await?;
        if copied.how == "sample" && copied.rows * 10 < rows * 9 {
            out.warnings.push(format!(
                "table {table}: the sample gave {} rows of the {rows} asked (TABLESAMPLE SYSTEM takes whole pages at random): lock times on it are measured on fewer rows",
                copied.rows
            ));
        }
        out.tables.push(copied);
        done.insert(table);
    }

    // Keys back: each holds (a cycle's as NOT VALID), then triggers and forced security as they were.
    for k in &keys {
        let mut def = k.definition.clone();
        if cyclic.contains(&(k.child.clone(), k.name.clone())) && !def.ends_with("NOT VALID") {
            def.push_str(" NOT VALID");
            out.warnings.push(format!(
                "foreign key {} of {} is in a cycle of foreign keys: its rows were not filtered by it, and it is added NOT VALID on the copy (the target's is validated)",
                k.name, k.child
            ));
        }
        copy.batch_execute(&format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {def}",
            quote_ident(&k.child),
            quote_ident(&k.name)
        ))
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "adding the foreign key {} of {} back on the copy: {}",
                k.name,
                k.child,
                migrate_core::runner::DbFailure::from_error(&e, None)
            )
        })?;
    }
    for (table, trigger, state) in &triggers {
        let how = match state.as_str() {
            "O" => "ENABLE TRIGGER",
            "A" => "ENABLE ALWAYS TRIGGER",
            "R" => "ENABLE REPLICA TRIGGER",
            _ => continue,
        };
        copy.batch_execute(&format!("ALTER TABLE {} {how} {}", quote_ident(table), quote_ident(trigger))).await?;
    }
    for t in &forced {
        copy.batch_execute(&format!("ALTER TABLE {} FORCE ROW LEVEL SECURITY", quote_ident(t))).await?;
    }
    out.warnings.extend(sequences_and_views(target, copy, schema).await?);
    copy.batch_execute("ANALYZE").await.context("analyzing the copy")?;
    Ok(out)
}

/// The sequences at the target's values (new rows on the copy get new keys), and the materialized
/// views the target has populated refreshed from the copied rows; warnings for the sequences whose
/// value the role may not read.
async fn sequences_and_views(target: &Client, copy: &Client, schema: &str) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let sequences = target
        .query(
            "SELECT sequencename::text, last_value, has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'SELECT')
             FROM pg_sequences WHERE schemaname = $1",
            &[&schema],
        )
        .await?;
    // Those of the copy (the runner's own tables' are not there yet).
    let ours: Vec<String> = copy
        .query("SELECT sequencename::text FROM pg_sequences WHERE schemaname = $1", &[&schema])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for r in sequences {
        let (name, value, readable): (String, Option<i64>, bool) = (r.get(0), r.get(1), r.get(2));
        if !ours.contains(&name) {
            continue;
        }
        let Some(value) = value else {
            if !readable {
                warnings.push(format!(
                    "sequence {name}: the role may not read its value on the target (GRANT SELECT ON SEQUENCE): it starts over on the copy, and rows a migration inserts may collide with the copied keys"
                ));
            }
            continue;
        };
        let regclass = quote_literal(&format!("{}.{}", quote_ident(schema), quote_ident(&name)));
        copy.batch_execute(&format!("SELECT setval({regclass}, {value}, true)"))
            .await
            .with_context(|| format!("setting the sequence {name} on the copy"))?;
    }
    let views: Vec<String> = target
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'm' AND relispopulated ORDER BY oid",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for v in views {
        copy.batch_execute(&format!("REFRESH MATERIALIZED VIEW {}", quote_ident(&v)))
            .await
            .with_context(|| format!("refreshing the materialized view {v} on the copy"))?;
    }
    Ok(warnings)
}

/// Streams up to `limit` rows of `table` from the target to the copy.
async fn copy_table(
    target: &Client,
    copy: &Client,
    schema: &str,
    table: &str,
    estimate: Option<i64>,
    filters: &[&ForeignKey],
    limit: u64,
) -> Result<Table> {
    let columns: Vec<String> = target.query(COLUMNS, &[&schema, &table]).await?.iter().map(|r| r.get(0)).collect();
    let list = columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
    let qt = format!("{}.{}", quote_ident(schema), quote_ident(table));
    let mut conditions = Vec::new();
    for k in filters {
        conditions.push(parent_condition(copy, k).await?);
    }
    let (sample, how) = match estimate {
        _ if !conditions.is_empty() => (String::new(), "parents"),
        Some(n) if n > limit as i64 => {
            // Blocks at random, half again as many as needed (the estimate may be low), cut to the limit.
            let percent = (limit as f64 * 150.0 / n as f64).min(100.0);
            (format!(" TABLESAMPLE SYSTEM ({percent:.6})"), "sample")
        }
        None => (String::new(), "first"),
        Some(_) => (String::new(), "all"),
    };
    let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let select = format!("SELECT {list} FROM {qt}{sample}{filter} LIMIT {limit}");
    let rows = stream(target, copy, &select, &format!("{qt} ({list})"))
        .await
        .with_context(|| format!("copying the rows of {table}"))?;
    Ok(Table { table: table.to_string(), rows, estimate, how })
}

/// Streams the rows of `select` on `from` into `into` (`table (columns)`) on `to` with `COPY`; gives
/// the rows written.
pub(crate) async fn stream(from: &Client, to: &Client, select: &str, into: &str) -> Result<u64> {
    let failed = |what: &str, e: tokio_postgres::Error| {
        anyhow::anyhow!("{what}: {}", migrate_core::runner::DbFailure::from_error(&e, None))
    };
    let source = from.copy_out(&format!("COPY ({select}) TO STDOUT")).await.map_err(|e| failed("reading", e))?;
    let sink = to.copy_in(&format!("COPY {into} FROM STDIN")).await.map_err(|e| failed("writing", e))?;
    futures_util::pin_mut!(source, sink);
    while let Some(chunk) = source.next().await {
        sink.send(chunk.map_err(|e| failed("reading", e))?).await.map_err(|e| failed("writing", e))?;
    }
    sink.finish().await.map_err(|e| failed("writing", e))
}

/// The condition that keeps the rows of `k.child` whose parent row was copied (or whose key has a
/// NULL, which the key does not check): the copied keys as array literals, since the rows come from
/// another database.
async fn parent_condition(copy: &Client, k: &ForeignKey) -> Result<String> {
    let order = k.parent_cols.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
    let aggregates = k
        .parent_cols
        .iter()
        .map(|c| format!("coalesce(array_agg({} ORDER BY {order}), '{{}}')::text", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let row = copy.query_one(&format!("SELECT {aggregates} FROM {}", quote_ident(&k.parent)), &[]).await?;
    let arrays: Vec<String> = (0..k.parent_cols.len())
        .map(|i| format!("{}::{}[]", quote_literal(&row.get::<_, String>(i)), k.parent_types[i]))
        .collect();
    let cols: Vec<String> = k.child_cols.iter().map(|c| quote_ident(c)).collect();
    let nulls = cols.iter().map(|c| format!("{c} IS NULL")).collect::<Vec<_>>().join(" OR ");
    let matched = if cols.len() == 1 {
        format!("{} = ANY({})", cols[0], arrays[0])
    } else {
        format!("({}) IN (SELECT * FROM unnest({}))", cols.join(", "), arrays.join(", "))
    };
    Ok(format!("({nulls} OR {matched})"))
}

/// The foreign keys in a cycle of tables (a table's key to itself included), as (table, key name).
fn in_cycles(keys: &[ForeignKey]) -> BTreeSet<(String, String)> {
    // Tables reachable from each table through the keys (child to parent).
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for k in keys {
        edges.entry(k.child.as_str()).or_default().insert(k.parent.as_str());
    }
    let reaches = |from: &str, to: &str| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(t) = stack.pop() {
            for &n in edges.get(t).into_iter().flatten() {
                if n == to {
                    return true;
                }
                if seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        false
    };
    // A key child -> parent is in a cycle when the parent reaches the child back.
    keys.iter()
        .filter(|k| k.child == k.parent || reaches(&k.parent, &k.child))
        .map(|k| (k.child.clone(), k.name.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, child: &str, parent: &str) -> ForeignKey {
        ForeignKey {
            name: name.into(),
            child: child.into(),
            parent: parent.into(),
            child_cols: vec![],
            parent_cols: vec![],
            parent_types: vec![],
            definition: String::new(),
        }
    }

    #[test]
    fn keys_in_cycles_are_found_and_the_others_are_not() {
        let keys = [
            key("posts_user", "posts", "users"),
            key("users_manager", "users", "users"),
            key("a_b", "a", "b"),
            key("b_c", "b", "c"),
            key("c_a", "c", "a"),
            key("d_a", "d", "a"),
        ];
        let cyclic = in_cycles(&keys);
        let names: Vec<&str> = cyclic.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["a_b", "b_c", "c_a", "users_manager"]);
    }
}
