//! Repeatable migrations in a run ([`crate::repeatable`](mod@crate::repeatable)): `up` drops the
//! repeatables removed from the code before the versioned migrations, wraps each versioned migration
//! that changes what applied repeatables depend on (their drops before it, their creation after it,
//! in its transaction), and applies the new and changed ones after the last versioned migration, in
//! name order. `down` drops the dependent ones in the rollback's transaction and creates them again
//! after it. What is applied is kept in `<table>_repeat`, with an event per change.

use std::collections::{BTreeSet, HashMap};

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::error::RunError;
use super::history::{self, Event, HistoryTables};
use super::plan::Step;
use super::{Migrator, Report};
use crate::ident::quote_literal;
use crate::repeatable::Repeatable;

/// A repeatable as the history holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its name.
    pub name: String,
    /// The checksum of the text applied.
    pub checksum: String,
    /// The SQL that ran.
    pub up_sql: String,
    /// What drops it.
    pub down_sql: Vec<String>,
    /// The views and materialized views it made.
    pub relations: Vec<String>,
    /// The tables its triggers are on.
    pub trigger_tables: Vec<String>,
}

/// The repeatables applied to the database (none before layout 5 made the table).
pub(crate) async fn read(c: &Client, t: &HistoryTables) -> Result<Vec<Applied>, RunError> {
    let sql =
        format!("SELECT name, checksum, up_sql, down_sql, relations, trigger_tables FROM {} ORDER BY name", t.repeat);
    // One round trip (`status` reads this on every call): a history older than layout 5 has no table.
    let rows = match c.query_typed(&sql, &[]).await {
        Ok(rows) => rows,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(Vec::new()),
        Err(e) => return Err(RunError::db(format!("reading {}", t.repeat), &e)),
    };
    Ok(rows
        .iter()
        .map(|r| Applied {
            name: r.get(0),
            checksum: r.get(1),
            up_sql: r.get(2),
            down_sql: r.get(3),
            relations: r.get(4),
            trigger_tables: r.get(5),
        })
        .collect())
}

/// A string literal that reads the same whatever `standard_conforming_strings` says: `E'..'` with
/// its backslashes doubled when it has any (a view's `'\d+'` is kept as written).
fn lit(value: &str) -> String {
    if value.contains('\\') {
        format!("E{}", quote_literal(&value.replace('\\', "\\\\")))
    } else {
        quote_literal(value)
    }
}

fn array(items: &[String]) -> String {
    format!("ARRAY[{}]::text[]", items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

/// The statement that records `a` as applied (inserted or replaced), run in the transaction that
/// applies it.
fn record_sql(t: &HistoryTables, a: &Applied, who: &str) -> String {
    format!(
        "INSERT INTO {} (name, checksum, up_sql, down_sql, relations, trigger_tables, applied_by) VALUES ({}, {}, {}, {}, {}, {}, {})
         ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, up_sql = EXCLUDED.up_sql, down_sql = EXCLUDED.down_sql,
           relations = EXCLUDED.relations, trigger_tables = EXCLUDED.trigger_tables, applied_at = now(), applied_by = EXCLUDED.applied_by",
        t.repeat,
        lit(&a.name),
        lit(&a.checksum),
        lit(&a.up_sql),
        array(&a.down_sql),
        array(&a.relations),
        array(&a.trigger_tables),
        lit(who)
    )
}

fn forget_sql(t: &HistoryTables, name: &str) -> String {
    format!("DELETE FROM {} WHERE name = {}", t.repeat, lit(name))
}

/// Runs `statements` in one fenced transaction with an event; the error names the repeatable.
async fn in_transaction(
    m: &Migrator,
    client: &mut Client,
    t: &HistoryTables,
    name: &str,
    statements: Vec<String>,
    event: (&str, String),
    who: &str,
) -> Result<(), RunError> {
    let context = format!("{} the repeatable {name}", event.0);
    let failed = |e: tokio_postgres::Error| RunError::db(context.clone(), &e);
    let tx = client.transaction().await.map_err(failed)?;
    t.check_fence(&tx).await.map_err(failed)?;
    let begin = super::in_transaction(&m.config, t);
    if let Err(failure) =
        super::step::execute_batch(m, &tx, super::step::At { version: None, transactional: true }, &begin, &statements)
            .await
    {
        return Err(RunError::Database { context, failure });
    }
    let logged = Event {
        version: None,
        name: Some(name),
        action: "repeatable",
        outcome: "ok",
        actor: who,
        sql: Some(&statements),
        detail: Some(event.1),
    };
    history::log(&tx, t, &logged).await.map_err(failed)?;
    tx.commit().await.map_err(failed)
}

/// Before the versioned migrations: drops the repeatables removed from the code (newest name first),
/// with their stored drops.
pub(super) async fn drop_removed(
    m: &Migrator,
    client: &mut Client,
    t: &HistoryTables,
    applied: &mut Vec<Applied>,
    who: &str,
    report: &mut Report,
) -> Result<(), RunError> {
    let removed: Vec<Applied> =
        applied.iter().rev().filter(|a| !m.repeatables.iter().any(|r| r.name == a.name)).cloned().collect();
    for a in removed {
        let mut statements = a.down_sql.clone();
        statements.push(forget_sql(t, &a.name));
        in_transaction(m, client, t, &a.name, statements, ("dropping", "dropped: removed from the code".into()), who)
            .await?;
        m.progress(format!("dropped the repeatable {} (removed from the code)", a.name));
        report.repeatables.push(format!("dropped {} (removed from the code)", a.name));
        applied.retain(|x| x.name != a.name);
    }
    Ok(())
}

/// After the versioned migrations: applies the new repeatables and those whose text changed (the
/// old version dropped first), in name order.
pub(super) async fn apply_changed(
    m: &Migrator,
    client: &mut Client,
    t: &HistoryTables,
    who: &str,
    report: &mut Report,
) -> Result<(), RunError> {
    if m.repeatables.is_empty() {
        return Ok(());
    }
    let applied = read(client, t).await?;
    let changing = m.repeatables.iter().any(|r| applied.iter().any(|a| a.name == r.name && a.checksum != r.checksum));
    // What they depend on is asked only when one changes (then its dependents go and come back).
    let around = if changing { Around::read(client, t, applied).await? } else { Around::unread(applied) };
    for r in &m.repeatables {
        let before = around.applied.iter().find(|a| a.name == r.name);
        if before.is_some_and(|a| a.checksum == r.checksum) {
            continue;
        }
        // What depends on the old version goes first and comes back after the new one.
        let after: Vec<&Applied> = before.map(|a| around.dependents_of(&a.relations)).unwrap_or_default();
        let mut statements: Vec<String> = after.iter().rev().flat_map(|d| d.down_sql.iter().cloned()).collect();
        statements.extend(before.map(|a| a.down_sql.clone()).unwrap_or_default());
        statements.push(r.up.clone());
        statements.push(record_sql(t, &Applied::from(r), who));
        statements.extend(after.iter().map(|d| d.up_sql.clone()));
        let (verb, detail) = if before.is_some() { ("re-applied", "changed") } else { ("applied", "new") };
        in_transaction(m, client, t, &r.name, statements, ("applying", format!("{verb} ({detail})")), who).await?;
        m.progress(format!("{verb} the repeatable {} ({detail})", r.name));
        report.repeatables.push(format!("{verb} {} ({detail})", r.name));
    }
    Ok(())
}

/// The applied repeatables and what each depends on (the relations its views and materialized views
/// select from, and the tables its triggers are on): what decides which of them a plan drops and
/// makes again.
pub(crate) struct Around {
    applied: Vec<Applied>,
    deps: HashMap<String, BTreeSet<String>>,
}

impl Around {
    /// What `applied` depends on, from the catalog (asked only when one of them makes a view).
    pub(crate) async fn read(client: &Client, t: &HistoryTables, applied: Vec<Applied>) -> Result<Around, RunError> {
        let mut around = Around::unread(applied);
        let relations: Vec<String> = around.applied.iter().flat_map(|a| a.relations.iter().cloned()).collect();
        if relations.is_empty() {
            return Ok(around);
        }
        let rows = client
            .query_typed(
                "SELECT DISTINCT v.relname::text, c.relname::text
                   FROM pg_class v
                   JOIN pg_rewrite w ON w.ev_class = v.oid
                   JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass
                   JOIN pg_class c ON c.oid = d.refobjid
                  WHERE v.relnamespace = $1::text::regnamespace AND v.relname = ANY($2) AND c.oid <> v.oid",
                // The schema as the history tables hold it: quoted, so `regnamespace` keeps its case.
                &[(&t.schema, Type::TEXT), (&relations, Type::TEXT_ARRAY)],
            )
            .await
            .map_err(|e| RunError::db("reading what the repeatables depend on", &e))?;
        for row in rows {
            let (view, on): (String, String) = (row.get(0), row.get(1));
            if let Some(a) = around.applied.iter().find(|a| a.relations.contains(&view)) {
                around.deps.entry(a.name.clone()).or_default().insert(on);
            }
        }
        Ok(around)
    }

    /// `applied` with only the tables their triggers are on (no catalog asked).
    fn unread(applied: Vec<Applied>) -> Around {
        let deps = applied.iter().map(|a| (a.name.clone(), a.trigger_tables.iter().cloned().collect())).collect();
        Around { applied, deps }
    }

    /// Without a database (`sql up`): the code's repeatables taken as applied, each depending on the
    /// names its queries use.
    pub(crate) fn from_code(code: &[Repeatable]) -> Around {
        Around {
            applied: code.iter().map(Applied::from).collect(),
            deps: code.iter().map(|r| (r.name.clone(), r.uses.iter().cloned().collect())).collect(),
        }
    }

    /// Whether no repeatable is applied.
    pub(crate) fn is_empty(&self) -> bool {
        self.applied.is_empty()
    }

    /// The applied repeatables (in name order) that `steps` affect.
    pub(super) fn affected_by(&self, steps: &[Step]) -> Vec<Applied> {
        affected(&self.applied, &self.deps, &super::apply::statements(steps)).into_iter().cloned().collect()
    }

    /// The applied repeatables that depend on `relations`, and on theirs in turn.
    fn dependents_of(&self, relations: &[String]) -> Vec<&Applied> {
        dependents(&self.applied, &self.deps, relations.iter().map(|r| r.to_lowercase()).collect())
    }

    /// For `up`: `steps` with the affected repeatables dropped and made again in its transaction, for
    /// a plan of one transactional step ([`wrap`]: a changed one is left dropped and forgotten);
    /// otherwise `steps` as they are and the affected repeatables, to drop and forget before it
    /// ([`drop_before`]). What is left dropped leaves the list.
    pub(crate) fn around_up(&mut self, m: &Migrator, t: &HistoryTables, steps: Vec<Step>) -> (Vec<Step>, Vec<Applied>) {
        let hit = self.affected_by(&steps);
        if one_transaction(&steps) {
            let steps = wrap(m, t, &hit.iter().collect::<Vec<_>>(), steps, true);
            self.applied.retain(|a| !hit.iter().any(|h| h.name == a.name) || unchanged(m, a));
            (steps, Vec::new())
        } else {
            self.forget(&hit.iter().map(|h| h.name.clone()).collect::<Vec<_>>());
            (steps, hit)
        }
    }

    /// Takes `names` off the list (dropped and forgotten).
    pub(super) fn forget(&mut self, names: &[String]) {
        self.applied.retain(|a| !names.contains(&a.name));
    }
}

impl From<&Repeatable> for Applied {
    fn from(r: &Repeatable) -> Applied {
        Applied {
            name: r.name.clone(),
            checksum: r.checksum.clone(),
            up_sql: r.up.clone(),
            down_sql: r.down.clone(),
            relations: r.relations.clone(),
            trigger_tables: r.trigger_tables.clone(),
        }
    }
}

/// How a repeatable migration stands: `applied`, `new` (the next `up` applies it), `changed` (the
/// next `up` applies it again) or `removed` (gone from the code; the next `up` drops it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatableState {
    /// The repeatable's name.
    pub name: String,
    /// `applied`, `new`, `changed` or `removed`.
    pub state: &'static str,
}

/// The states of the code's repeatables and of those the database holds, in name order.
pub fn states(code: &[Repeatable], applied: &[Applied]) -> Vec<RepeatableState> {
    let mut out: Vec<RepeatableState> = code
        .iter()
        .map(|r| RepeatableState {
            name: r.name.clone(),
            state: match applied.iter().find(|a| a.name == r.name) {
                None => "new",
                Some(a) if a.checksum != r.checksum => "changed",
                Some(_) => "applied",
            },
        })
        .collect();
    out.extend(
        applied
            .iter()
            .filter(|a| !code.iter().any(|r| r.name == a.name))
            .map(|a| RepeatableState { name: a.name.clone(), state: "removed" }),
    );
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The identifiers of the statements that change existing objects (`ALTER`, `DROP`, `RENAME`,
/// `TRUNCATE`), lowercased, quotes dropped: what a migration may change under a view. An index build
/// or a data statement changes nothing a view or trigger depends on.
fn changed_names(statements: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for st in statements {
        let code = st.lines().map(str::trim).filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join(" ");
        let first = code.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        if !matches!(first.as_str(), "ALTER" | "DROP" | "TRUNCATE") {
            continue;
        }
        for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !word.is_empty() {
                out.insert(word.to_lowercase());
            }
        }
    }
    out
}

/// The applied repeatables (in name order) whose views depend on, or whose triggers are on, what
/// `statements` change, and those that depend on theirs in turn.
pub(super) fn affected<'a>(
    applied: &'a [Applied],
    deps: &HashMap<String, BTreeSet<String>>,
    statements: &[String],
) -> Vec<&'a Applied> {
    dependents(applied, deps, changed_names(statements))
}

/// The applied repeatables that depend on the relations `named` (lowercased), and on theirs in turn.
fn dependents<'a>(
    applied: &'a [Applied],
    deps: &HashMap<String, BTreeSet<String>>,
    mut named: BTreeSet<String>,
) -> Vec<&'a Applied> {
    let mut hit: BTreeSet<&str> = BTreeSet::new();
    loop {
        let before = hit.len();
        for a in applied {
            if !hit.contains(a.name.as_str())
                && deps.get(&a.name).is_some_and(|d| d.iter().any(|x| named.contains(&x.to_lowercase())))
            {
                hit.insert(&a.name);
                named.extend(a.relations.iter().map(|r| r.to_lowercase()));
            }
        }
        if hit.len() == before {
            break;
        }
    }
    applied.iter().filter(|a| hit.contains(a.name.as_str())).collect()
}

/// Whether a plan is one transactional step of statements (what a wrap can join).
pub(super) fn one_transaction(steps: &[Step]) -> bool {
    steps.len() == 1 && steps[0].transactional && steps[0].backfill.is_none() && steps[0].data.is_none()
}

/// Wraps a plan of one transactional step ([`one_transaction`]) in the drops (newest name first) of
/// the `affected` repeatables and, with `create_after`, their creation after it (in name order, the
/// text they were applied with, which is the code's unless it changed; a changed one is left dropped
/// and forgotten, for the run to apply its new text after the last migration). The drops come after
/// the step's leading `SET` statements (`SET TRANSACTION ISOLATION LEVEL` must come first).
pub(super) fn wrap(
    m: &Migrator,
    t: &HistoryTables,
    affected: &[&Applied],
    mut steps: Vec<Step>,
    create_after: bool,
) -> Vec<Step> {
    if affected.is_empty() || !one_transaction(&steps) {
        return steps;
    }
    let drops: Vec<String> = affected.iter().rev().flat_map(|a| a.down_sql.iter().cloned()).collect();
    let s = &mut steps[0];
    let lead = s
        .statements
        .iter()
        .take_while(|st| st.trim_start().get(..4).is_some_and(|w| w.eq_ignore_ascii_case("SET ")))
        .count();
    let mut statements: Vec<String> = s.statements.drain(..lead).collect();
    statements.extend(drops);
    statements.append(&mut s.statements);
    if create_after {
        for a in affected {
            if unchanged(m, a) {
                statements.push(a.up_sql.clone());
            } else {
                statements.push(forget_sql(t, &a.name));
            }
        }
    }
    s.statements = statements;
    steps
}

/// Whether the code holds `a` as it was applied.
pub(super) fn unchanged(m: &Migrator, a: &Applied) -> bool {
    m.repeatables.iter().any(|r| r.name == a.name && r.checksum == a.checksum)
}

/// For a plan a wrap cannot join (several steps, or one outside a transaction): drops the `affected`
/// repeatables and forgets them, in a transaction of its own before the migration runs. The run
/// applies them again after the last migration (`up`, as new ones), or [`recreate_after_down`] does.
pub(super) async fn drop_before(
    m: &Migrator,
    client: &mut Client,
    t: &HistoryTables,
    affected: &[&Applied],
    who: &str,
) -> Result<(), RunError> {
    for a in affected.iter().rev() {
        let mut statements = a.down_sql.clone();
        statements.push(forget_sql(t, &a.name));
        in_transaction(
            m,
            client,
            t,
            &a.name,
            statements,
            ("dropping", "dropped before a migration that changes what it depends on".into()),
            who,
        )
        .await?;
    }
    Ok(())
}

/// After a rollback that dropped `affected`: creates each again (its stored text, its record kept or
/// written again) in its own transaction; one that no longer fits the schema (its table went with
/// the rollback) stays dropped, its record removed, with a warning: the next `up` creates it when it
/// fits again. Returns the names left dropped.
pub(super) async fn recreate_after_down(
    m: &Migrator,
    client: &mut Client,
    t: &HistoryTables,
    affected: &[Applied],
    who: &str,
    report: &mut Report,
) -> Result<Vec<String>, RunError> {
    let mut left = Vec::new();
    for a in affected {
        let result = in_transaction(
            m,
            client,
            t,
            &a.name,
            vec![a.up_sql.clone(), record_sql(t, a, who)],
            ("re-creating", "re-created after a rollback".into()),
            who,
        )
        .await;
        if let Err(e) = result {
            in_transaction(
                m,
                client,
                t,
                &a.name,
                vec![forget_sql(t, &a.name)],
                ("forgetting", format!("left dropped after a rollback: {e}")),
                who,
            )
            .await?;
            report.warnings.push(format!(
                "the repeatable {} could not be created again after the rollback ({}): it stays dropped, and the next `up` creates it",
                a.name,
                first_line(&e)
            ));
            left.push(a.name.clone());
        }
    }
    Ok(left)
}

fn first_line(e: &RunError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(name: &str, relations: &[&str]) -> Applied {
        Applied {
            name: name.into(),
            checksum: String::new(),
            up_sql: String::new(),
            down_sql: vec![],
            relations: relations.iter().map(|r| r.to_string()).collect(),
            trigger_tables: vec![],
        }
    }

    #[test]
    fn only_changes_to_what_a_repeatable_depends_on_affect_it() {
        let list = [applied("a_view", &["a_view"]), applied("b_on_a", &["b_on_a"]), applied("c_other", &["c_other"])];
        let deps: HashMap<String, BTreeSet<String>> = [
            ("a_view".to_string(), BTreeSet::from(["users".to_string()])),
            ("b_on_a".to_string(), BTreeSet::from(["a_view".to_string()])),
            ("c_other".to_string(), BTreeSet::from(["orders".to_string()])),
        ]
        .into();
        let names = |sql: &[&str]| -> Vec<String> {
            let statements: Vec<String> = sql.iter().map(|s| s.to_string()).collect();
            affected(&list, &deps, &statements).iter().map(|a| a.name.clone()).collect()
        };
        // A change to users reaches the view on it and the view on that view, not the other one.
        assert_eq!(names(&["ALTER TABLE \"users\" ALTER COLUMN email TYPE varchar(320)"]), ["a_view", "b_on_a"]);
        assert_eq!(names(&["-- a note\nDROP TABLE orders"]), ["c_other"]);
        // An index build, a data statement, a grant or a refresh changes nothing a view depends on.
        assert!(names(&["CREATE INDEX CONCURRENTLY users_email_idx ON users (email)"]).is_empty());
        assert!(names(&["UPDATE users SET email = lower(email)", "GRANT SELECT ON a_view TO PUBLIC"]).is_empty());
        // Its own name alone does not count.
        assert!(names(&["COMMENT ON VIEW a_view IS 'x'"]).is_empty());
    }

    #[test]
    fn literals_keep_backslashes_whatever_the_server_setting() {
        assert_eq!(lit("it's"), "'it''s'");
        assert_eq!(lit("a\\d+"), "E'a\\\\d+'");
    }
}
