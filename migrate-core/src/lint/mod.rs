//! Lint: every migration checked against the schema it runs on.
//!
//! [`lint`] replays every migration into the [schema model](crate::model) and, for each op of the
//! migrations being checked, runs every rule with the model as it is just before the op. A rule knows
//! what an op does to an existing table (which lock it takes, whether it rewrites the table) and says
//! the safe way. Errors block `up` unless the migration acknowledges the rule with a reason:
//!
//! ```ignore
//! #[migration(allow(ban_drop_column = "nothing reads `legacy` since v2.3; deployed 2024-06-01"))]
//! pub fn up(s: &mut Schema) { .. }
//! ```
//!
//! The rules and their severities are listed by [`Rule::ALL`]; each rule's module documents the
//! problem and the solution.

pub mod rules;

use crate::model::Model;
use crate::op::Op;
use crate::registry::Migration;

pub use rules::Rule;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Shown; never blocks.
    Warning,
    /// Blocks `up` (and makes `lint` exit 1) unless acknowledged.
    Error,
}

impl Severity {
    /// `warning` or `error`, as the output writes it.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a rule reports about one op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What happens: which lock or rewrite, on which table.
    pub message: String,
    /// The safe way.
    pub help: String,
}

/// One finding of a lint run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that reports it.
    pub rule: Rule,
    /// How bad it is: the rule's severity, except where the schema model reports a warning.
    pub severity: Severity,
    /// The version of the migration it is in.
    pub version: u64,
    /// `m<version>_<name>`.
    pub migration: String,
    /// The op, as [`Op::describe`] names it.
    pub op: String,
    /// What happens: which lock or rewrite, on which table.
    pub message: String,
    /// What to do: the safe way, or how to fix the migration.
    pub help: String,
    /// The reason given in the migration's `allow(..)`, when it acknowledges this rule.
    pub acknowledged: Option<String>,
}

impl Finding {
    /// Whether this finding blocks `up`.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.acknowledged.is_none()
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}: {}: {}", self.severity.label(), self.rule.id(), self.migration, self.op, self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        if let Some(reason) = &self.acknowledged {
            write!(f, "\n  acknowledged: {reason}")?;
        }
        Ok(())
    }
}

/// Lint settings.
#[derive(Debug, Clone)]
pub struct LintConfig {
    /// `server_version_num` of the target server (e.g. 150004); without a connection, the configured
    /// version (default: 120000, the oldest supported).
    pub server_version: u32,
    /// Migrations at or before this version are replayed but not checked (history that predates
    /// adopting the tool never blocks).
    pub baseline: Option<u64>,
    /// Whether the runner sets a `lock_timeout`.
    pub lock_timeout: bool,
    /// Whether the runner applies changes to existing tables in their safe forms (then the rules about
    /// what it makes safe stay silent).
    pub safe_operations: bool,
    /// The migrating session's `TimeZone` when known (`up` reads it on the server; `None` offline):
    /// `timestamp` to `timestamptz` rewrites nothing under UTC.
    pub time_zone: Option<String>,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            server_version: 120_000,
            baseline: None,
            lock_timeout: true,
            safe_operations: true,
            time_zone: None,
        }
    }
}

/// What a rule sees for one op.
pub struct Context<'a> {
    /// The schema just before the op.
    pub model: &'a Model,
    /// The migration the op is in.
    pub migration: &'a Migration,
    /// The op's position in [`ops`](Context::ops).
    pub index: usize,
    /// The lint settings: the target server's version, the runner's lock timeout and safe forms.
    pub config: &'a LintConfig,
    /// The migration's ops with its raw SQL read into ops, statement by statement (and each
    /// statement the model cannot represent as raw SQL of its own); `None` when it has no raw SQL.
    pub sequence: Option<&'a [Op]>,
}

impl Context<'_> {
    /// Whether `table` existed before this migration: changes to it can block live traffic.
    pub fn existing(&self, table: &str) -> bool {
        self.model.existed_before(table, self.migration.version) && !self.created_here(table)
    }

    /// Whether an op before this one in the migration created `table` (under this name, or under one
    /// it renamed from). The model knows it for builder ops, which it applies one by one; the ops read
    /// from one SQL text reach the model together, after the checks of all of them.
    fn created_here(&self, table: &str) -> bool {
        let mut created: Vec<&str> = Vec::new();
        for op in &self.ops()[..self.index.min(self.ops().len())] {
            match op {
                Op::CreateTable { def } => created.push(&def.name),
                Op::RenameTable { from, to } if created.contains(&from.as_str()) => created.push(to),
                _ => {}
            }
        }
        created.contains(&table)
    }

    /// The migration's ops (its raw SQL read into ops), the one being checked at `index`.
    pub fn ops(&self) -> &[Op] {
        self.sequence.unwrap_or(&self.migration.up)
    }
}

/// Replays `migrations` (sorted) and returns the findings for those after the baseline.
pub fn lint(migrations: &[Migration], config: &LintConfig) -> Vec<Finding> {
    let mut model = Model::default();
    let mut findings = Vec::new();
    for m in migrations {
        let checked = config.baseline.is_none_or(|b| m.version > b);
        let m = match m.loaded() {
            Ok(m) => m,
            Err(e) => {
                findings.push(Finding {
                    rule: Rule::SchemaModel,
                    severity: Severity::Error,
                    version: m.version,
                    migration: m.id(),
                    op: "building the migration".into(),
                    message: e.to_string(),
                    help: "make the migration build the same ops every time".into(),
                    acknowledged: None,
                });
                continue;
            }
        };
        let m = &*m;
        // A down written by hand (`fn down`, `down.sql`, the down SQL of `sql_with_down`) is replayed
        // on the model after the up: it must give the schema back.
        let by_hand = m.up.iter().any(|op| matches!(op, Op::Sql { down: Some(_), .. }));
        let explicit = match &m.down {
            crate::registry::Down::Explicit(down) if checked => Some(down),
            crate::registry::Down::Derived(down) if checked && by_hand => Some(down),
            _ => None,
        };
        let before = explicit.map(|down| {
            let all: Vec<Op> = m.up.iter().chain(down.iter()).cloned().collect();
            // Raw SQL names its tables only once read: the whole model then.
            match all.iter().any(|op| matches!(op, Op::Sql { declares, .. } if declares.is_empty())) {
                true => model.clone(),
                false => model.scoped(&all),
            }
        });
        let read = checked.then(|| expand(&m.up)).flatten();
        let mut at = 0usize;
        for (index, op) in m.up.iter().enumerate() {
            if checked {
                match &read {
                    Some((seq, items)) => {
                        // This op's items: itself, or what its raw SQL reads into.
                        let end = at + items[at..].iter().take_while(|i| i.of == index).count();
                        for (k, item) in items.iter().enumerate().take(end).skip(at) {
                            check_item(&mut findings, &model, m, config, seq, k, item);
                        }
                        at = end;
                    }
                    None => {
                        let cx = Context { model: &model, migration: m, index, config, sequence: None };
                        for rule in Rule::ALL {
                            if let Some(v) = rule.check(op, &cx) {
                                findings.push(finding(m, op, *rule, rule.severity(), v));
                            }
                        }
                    }
                }
            }
            for problem in model.apply(op, m.version) {
                if checked {
                    let severity = if problem.error { Severity::Error } else { Severity::Warning };
                    let v = Violation {
                        message: problem.message,
                        help: "fix the migration so it matches the schema the earlier migrations build".into(),
                    };
                    findings.push(finding(m, op, Rule::SchemaModel, severity, v));
                }
            }
        }
        if let (Some(down), Some(before)) = (explicit, before) {
            findings.extend(check_down(m, down, before));
        }
    }
    findings
}

/// The explicit `down` of `m` replayed on the model after its up (`before` the schema before the up,
/// scoped to what they name): what it does not give back is an `inexact-down` finding; when raw SQL
/// the model cannot read ran, the check is not possible, and that is said.
fn check_down(m: &Migration, down: &[Op], before: Model) -> Option<Finding> {
    let mut replay = before.clone();
    for op in m.up.iter().chain(down) {
        replay.apply(op, m.version);
    }
    let first = down.first().or(m.up.first())?;
    if replay.opaque != before.opaque {
        let v = Violation {
            message: format!(
                "its `down` cannot be checked on the schema model: raw SQL it cannot read ran ({})",
                replay.opaque.as_deref().unwrap_or("raw SQL")
            ),
            help: "`verify` checks the down on a real database".into(),
        };
        return Some(finding(m, first, Rule::SchemaModel, Severity::Warning, v));
    }
    // What the model judges without a database: objects there or not, columns' types, NULLs and
    // defaults, constraints. A function or index present on both sides but written otherwise (the
    // model compares their text: whitespace, `date` against `date(date)`), and triggers (which
    // `DROP FUNCTION .. CASCADE` takes with it, beyond the model), are left to `verify`.
    let both_index = |name: &str| replay.indexes.contains_key(name) && before.indexes.contains_key(name);
    let missing: Vec<Op> = crate::introspect::diff_ops(&replay, &before)
        .into_iter()
        .filter(|op| match op {
            Op::CreateIndex { def } => !both_index(&def.name),
            Op::DropIndex { name, .. } => !both_index(name),
            Op::CreateFunction { def, .. } => {
                !replay.functions.contains_key(&crate::model::function_key(&def.name, &def.arg_types()))
            }
            Op::DropFunction { name, arg_types, .. } => {
                !before.functions.contains_key(&crate::model::function_key(name, arg_types))
            }
            Op::CreateTrigger { .. } | Op::DropTrigger { .. } | Op::SetTriggerState { .. } => false,
            _ => true,
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let shown: Vec<String> = missing.iter().take(6).map(Op::describe).collect();
    let more =
        if missing.len() > shown.len() { format!(" and {} more", missing.len() - shown.len()) } else { String::new() };
    let v = Violation {
        message: format!(
            "its `down` does not give back the schema before the migration: still needed {}{more}",
            shown.join(", ")
        ),
        help: "make the `down` undo every change of the `up` (`verify` shows it on a database); acknowledge `inexact_down` when it is deliberate".into(),
    };
    Some(finding(m, first, Rule::InexactDown, Rule::InexactDown.severity(), v))
}

/// Where one op of a migration as lint sees it comes from: a builder op, or one read from a
/// statement of raw SQL.
struct Item {
    /// The index of the migration's op it comes from.
    of: usize,
    /// For an op read from SQL, where it was read.
    sql: Option<Read>,
}

/// The statement an op was read from.
struct Read {
    line: usize,
    /// `CREATE TABLE`, `INSERT`, ...
    kind: String,
    /// The model cannot represent it: the item's op is the statement itself, as raw SQL, and `what`
    /// names the part not read (or the kind).
    raw: Option<String>,
}

/// The migration's ops with raw SQL (without `.declares(..)`) read statement by statement; `None`
/// when it has no such SQL (the ops are linted as they are). The ops in order, and where each comes
/// from.
fn expand(up: &[Op]) -> Option<(Vec<Op>, Vec<Item>)> {
    if !up.iter().any(|op| matches!(op, Op::Sql { declares, .. } if declares.is_empty())) {
        return None;
    }
    let (mut ops, mut items) = (Vec::new(), Vec::new());
    for (of, op) in up.iter().enumerate() {
        let Op::Sql { up: script, declares, .. } = op else {
            ops.push(op.clone());
            items.push(Item { of, sql: None });
            continue;
        };
        if !declares.is_empty() {
            ops.push(op.clone());
            items.push(Item { of, sql: None });
            continue;
        }
        for st in crate::sql_ops::read_sql_cached(script).iter() {
            for read in &st.ops {
                let sql = Read { line: st.line, kind: st.kind.clone(), raw: None };
                ops.push(read.clone());
                items.push(Item { of, sql: Some(sql) });
            }
            if st.outside || !st.not_read.is_empty() {
                let what = st.not_read.first().cloned().unwrap_or_else(|| st.kind.clone());
                let raw = Op::Sql { up: st.text.clone(), down: None, declares: vec![] };
                let sql = Read { line: st.line, kind: st.kind.clone(), raw: Some(what) };
                ops.push(raw);
                items.push(Item { of, sql: Some(sql) });
            }
        }
    }
    Some((ops, items))
}

/// The safe way in SQL, for the rules whose help names builder calls.
fn sql_help(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::RequireConcurrentIndexCreation => {
            "write `CREATE INDEX CONCURRENTLY` in a migration of its own marked `-- migrate: no_transaction`"
        }
        Rule::RequireConcurrentIndexDeletion => {
            "write `DROP INDEX CONCURRENTLY` in a migration of its own marked `-- migrate: no_transaction`"
        }
        Rule::ConstraintMissingNotValid => {
            "add it `NOT VALID`, then `ALTER TABLE .. VALIDATE CONSTRAINT ..` in a separate transaction (a later migration)"
        }
        Rule::DisallowedUniqueConstraint => {
            "`CREATE UNIQUE INDEX CONCURRENTLY` first (no_transaction), then `ALTER TABLE .. ADD CONSTRAINT .. UNIQUE USING INDEX ..`"
        }
        Rule::AddingVolatileDefault => {
            "add the column without a default, then `ALTER COLUMN .. SET DEFAULT ..` for new rows, and fill the existing rows in batches"
        }
        Rule::SettingNotNullableField => {
            "add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in another transaction, then `SET NOT NULL` (it skips the scan) and drop the CHECK"
        }
        Rule::ValidateInSameTransaction => {
            "validate in a later migration, or mark this one no_transaction (`-- migrate: no_transaction` at the top of up.sql) so each statement is its own transaction"
        }
        Rule::EnumValueInTransaction => {
            "use the new value in a later migration, or mark this one no_transaction (`-- migrate: no_transaction` at the top of up.sql)"
        }
        Rule::PreferIdentity => "use `bigint GENERATED ALWAYS AS IDENTITY` (or `BY DEFAULT`)",
        Rule::PreferBigintKeys => "use `bigint` for keys",
        Rule::PreferJsonb => "use `jsonb`",
        Rule::PreferText => "use `text`, with `CHECK (length(col) <= n)` if the limit matters",
        Rule::PreferTimestamptz => "use `timestamptz`",
        Rule::BanDropColumn | Rule::BanDropTable | Rule::RenamingColumn | Rule::RenamingTable => {
            "deploy code that no longer uses it first, then acknowledge the rule: `-- migrate: allow rule_name = \"why it is safe now\"` at the top of up.sql (in a Rust migration, `#[migration(allow(rule_name = \"..\"))]`)"
        }
        _ => return None,
    })
}

/// The findings of one item. An op read from SQL gets every rule as the builder's would, pointing at
/// its statement (`up.sql:line` for an SQL-file migration, the line in the `s.sql(..)` text else); SQL runs as written, so the rules about what the safe plan would make safe
/// speak, and a concurrent statement is run alone by the runner (no `concurrently-in-transaction`).
/// `raw-sql` is only for the statements the model cannot represent, naming their kind.
fn check_item(
    findings: &mut Vec<Finding>,
    model: &Model,
    m: &Migration,
    config: &LintConfig,
    seq: &[Op],
    k: usize,
    item: &Item,
) {
    let op = &seq[k];
    let Some(read) = &item.sql else {
        let cx = Context { model, migration: m, index: k, config, sequence: Some(seq) };
        for rule in Rule::ALL {
            if let Some(v) = rule.check(op, &cx) {
                findings.push(finding(m, op, *rule, rule.severity(), v));
            }
        }
        return;
    };
    let as_written = LintConfig { safe_operations: false, ..config.clone() };
    let cx = Context { model, migration: m, index: k, config: &as_written, sequence: Some(seq) };
    let at = |what: &str| match m.file.ends_with(".sql") {
        true => format!("{}:{}: {what}", m.file, read.line),
        false => format!("SQL line {}: {what}", read.line),
    };
    for rule in Rule::ALL.iter().filter(|r| !matches!(r, Rule::RawSql | Rule::ConcurrentlyInTransaction)) {
        if let Some(mut v) = rule.check(op, &cx) {
            if let Some(help) = sql_help(*rule) {
                v.help = help.into();
            }
            let mut f = finding(m, op, *rule, rule.severity(), v);
            f.op = if read.raw.is_some() { at(&read.kind) } else { at(&f.op) };
            findings.push(f);
        }
    }
    if let Some(what) = &read.raw {
        let v = Violation {
            message: format!("runs `{what}`, whose locks and effects the framework cannot check"),
            help: "prefer the builder where it covers the change; review what this statement locks and for how long; say what it does to the schema with `.declares(..)`".into(),
        };
        let mut f = finding(m, op, Rule::RawSql, Rule::RawSql.severity(), v);
        f.op = at(&read.kind);
        findings.push(f);
    }
}

fn finding(m: &Migration, op: &Op, rule: Rule, severity: Severity, v: Violation) -> Finding {
    Finding {
        rule,
        severity,
        version: m.version,
        migration: m.id(),
        op: op.describe(),
        message: v.message,
        help: v.help,
        acknowledged: m.acks.iter().find(|(r, _)| r == rule.id()).map(|(_, reason)| reason.clone()),
    }
}

/// The model after every migration (no checks reported).
pub fn model_of(migrations: &[Migration]) -> Model {
    let mut model = Model::default();
    for m in migrations {
        // A summary whose second build fails is left out; `lint` reports it.
        let Ok(m) = m.loaded() else { continue };
        for op in &m.up {
            model.apply(op, m.version);
        }
    }
    model
}
