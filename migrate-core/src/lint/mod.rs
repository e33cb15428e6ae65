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
    pub rule: Rule,
    pub severity: Severity,
    pub version: u64,
    /// `m<version>_<name>`.
    pub migration: String,
    /// The op, as [`Op::describe`] names it.
    pub op: String,
    pub message: String,
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
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig { server_version: 120_000, baseline: None, lock_timeout: true, safe_operations: true }
    }
}

/// What a rule sees for one op.
pub struct Context<'a> {
    /// The schema just before the op.
    pub model: &'a Model,
    pub migration: &'a Migration,
    /// The op's position in the migration's up.
    pub index: usize,
    pub config: &'a LintConfig,
}

impl Context<'_> {
    /// Whether `table` existed before this migration: changes to it can block live traffic.
    pub fn existing(&self, table: &str) -> bool {
        self.model.existed_before(table, self.migration.version)
    }

    /// The migration's other ops.
    pub fn ops(&self) -> &[Op] {
        &self.migration.up
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
        for (index, op) in m.up.iter().enumerate() {
            if checked {
                match op {
                    Op::Sql { up, declares, .. } if declares.is_empty() => {
                        sql_findings(&mut findings, &model, m, index, config, up)
                    }
                    _ => {
                        let cx = Context { model: &model, migration: m, index, config };
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
    }
    findings
}

/// The findings of raw SQL: every rule on the ops its statements are read into, as on the builder's
/// (but SQL runs as written, so the rules about what the safe plan would make safe speak), each
/// pointing at its statement's line; `raw-sql` only for the statements the model cannot represent,
/// naming their kind.
fn sql_findings(
    findings: &mut Vec<Finding>,
    model: &Model,
    m: &Migration,
    index: usize,
    config: &LintConfig,
    up: &str,
) {
    let as_written = LintConfig { safe_operations: false, ..config.clone() };
    for st in crate::sql_ops::read_sql_cached(up).iter() {
        let at = |what: String| format!("SQL line {}: {what}", st.line);
        for op in &st.ops {
            let cx = Context { model, migration: m, index, config: &as_written };
            for rule in Rule::ALL {
                if let Some(v) = rule.check(op, &cx) {
                    let mut f = finding(m, op, *rule, rule.severity(), v);
                    f.op = at(f.op);
                    findings.push(f);
                }
            }
        }
        if st.outside || !st.not_read.is_empty() {
            // The statement itself, for the rules about raw SQL (a data change beside DDL, ...).
            let op = Op::Sql { up: st.text.clone(), down: None, declares: vec![] };
            let cx = Context { model, migration: m, index, config: &as_written };
            for rule in Rule::ALL.iter().filter(|r| **r != Rule::RawSql) {
                if let Some(v) = rule.check(&op, &cx) {
                    let mut f = finding(m, &op, *rule, rule.severity(), v);
                    f.op = at(st.kind.clone());
                    findings.push(f);
                }
            }
            let what = st.not_read.first().cloned().unwrap_or_else(|| st.kind.clone());
            let v = Violation {
                message: format!("runs `{what}`, whose locks and effects the framework cannot check"),
                help: "prefer the builder where it covers the change; review what this statement locks and for how long; say what it does to the schema with `.declares(..)`".into(),
            };
            let mut f = finding(m, &op, Rule::RawSql, Rule::RawSql.severity(), v);
            f.op = at(st.kind.clone());
            findings.push(f);
        }
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
