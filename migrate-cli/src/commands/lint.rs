//! `lint`: every migration checked against the schema it runs on; `up` runs the same check on the
//! migrations it is about to apply.

use anstream::{eprintln, println};
use anyhow::Result;
use migrate_core::lint::{Finding, LintConfig, Severity, lint};
use migrate_core::registry::Migration;
use serde_json::json;

use super::Ctx;
use crate::cli::LintArgs;

pub fn run(ctx: &Ctx, args: LintArgs) -> Result<u8> {
    let mut migrations = ctx.migrations()?;
    let mut config = ctx.loaded.lint_config(None)?;
    if args.all {
        config.baseline = None;
    }
    // The repeatables, on the schema of every migration, after them (as `up` applies them): their
    // findings name them.
    let repeatables = Ctx::repeatables()?;
    let first = u64::MAX - repeatables.len() as u64;
    migrations.extend(repeatables.iter().enumerate().map(|(i, r)| r.as_migration(first + i as u64)));
    let mut findings = lint(&migrations, &config);
    for f in findings.iter_mut().filter(|f| f.version >= first && !repeatables.is_empty()) {
        let r = &repeatables[(f.version - first) as usize];
        f.migration = format!("repeatable {} ({})", r.name, r.file);
    }
    print(ctx, &findings);
    Ok(if findings.iter().any(Finding::blocks) { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}

/// The findings for the migrations `up` is about to apply; `Err` when one blocks, with the error for
/// the JSON envelope (its `message` and the `findings`; the human output is printed here).
pub fn gate(
    ctx: &Ctx,
    migrations: &[Migration],
    pending: &[u64],
    config: &LintConfig,
) -> Result<(), serde_json::Value> {
    // Linting replays the history from the start: it stops at the last pending migration, and with
    // none pending there is nothing to check (`up` on an up-to-date database builds no ops).
    let Some(&last) = pending.iter().max() else { return Ok(()) };
    let upto = migrations.partition_point(|m| m.version <= last);
    let findings: Vec<Finding> =
        lint(&migrations[..upto], config).into_iter().filter(|f| pending.contains(&f.version)).collect();
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    if blocking > 0 {
        let message = format!(
            "`up` stopped before running any SQL: {blocking} lint error(s) in pending migrations. Make the change the safe way, or acknowledge the rule in the migration with `#[migration(allow(rule_name = \"reason\"))]`"
        );
        if !ctx.out.json {
            print(ctx, &findings);
            eprintln!("{} {message}", crate::output::error_label());
        }
        return Err(json!({ "message": message, "findings": findings_json(&findings) }));
    }
    if !ctx.out.json {
        for f in findings.iter().filter(|f| f.severity == Severity::Warning) {
            eprintln!("{} [{}] {}: {}", ctx.out.yellow("warning"), f.rule.id(), f.migration, f.message);
        }
    }
    Ok(())
}

/// Findings as JSON: their own serialization (migrate-core's feature `serde`).
fn findings_json(findings: &[Finding]) -> serde_json::Value {
    serde_json::to_value(findings).unwrap_or_default()
}

fn print(ctx: &Ctx, findings: &[Finding]) {
    if ctx.out.json {
        let blocking = findings.iter().filter(|f| f.blocks()).count();
        ctx.json(blocking == 0, json!({ "findings": findings_json(findings), "blocking": blocking }));
        return;
    }
    for f in findings {
        let label = match (f.severity, &f.acknowledged) {
            (_, Some(_)) => ctx.out.dim("acknowledged"),
            (Severity::Error, None) => ctx.out.red("error"),
            (Severity::Warning, None) => ctx.out.yellow("warning"),
        };
        println!("{label} [{}] {}: {}\n  {}", f.rule.id(), f.migration, f.op, f.message);
        if let Some(reason) = &f.acknowledged {
            println!("  acknowledged: {reason}");
        } else if !f.help.is_empty() {
            println!("  help: {}", f.help);
        }
    }
    let errors = findings.iter().filter(|f| f.blocks()).count();
    let warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
    let acked = findings.iter().filter(|f| f.acknowledged.is_some()).count();
    println!("{errors} error(s), {warnings} warning(s), {acked} acknowledged");
}
