//! `sql [up|down] [range]`: the exact SQL, without running it.

use anstream::print;
use anyhow::{Result, bail};
use migrate_core::registry::Migration;

use super::Ctx;
use crate::cli::{Direction, SqlArgs};

/// Parses `V`, `A..B`, `A..`, `..B`.
fn range(text: Option<&str>) -> Result<(u64, u64)> {
    let parse = |s: &str, default: u64| -> Result<u64> {
        if s.is_empty() {
            return Ok(default);
        }
        crate::cli::version_arg(s).map_err(anyhow::Error::msg)
    };
    match text {
        None => Ok((0, u64::MAX)),
        Some(t) => match t.split_once("..") {
            Some((a, b)) => Ok((parse(a, 0)?, parse(b, u64::MAX)?)),
            None => {
                let v = parse(t, 0)?;
                Ok((v, v))
            }
        },
    }
}

pub fn run(ctx: &Ctx, args: SqlArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let runner = ctx.migrator(migrations.clone())?;
    let (from, to) = range(args.range.as_deref())?;
    let mut chosen: Vec<&Migration> = migrations.iter().filter(|m| m.version >= from && m.version <= to).collect();
    if chosen.is_empty() {
        bail!("no migration in {}", args.range.as_deref().unwrap_or("the code"));
    }
    let up = args.direction == Direction::Up;
    if !up {
        chosen.reverse();
    }
    let mut out = String::new();
    let mut json = Vec::new();
    let mut plans = runner.plans_for(&chosen.iter().map(|m| m.version).collect::<Vec<_>>())?;
    if up {
        // The repeatables that depend on what a migration changes, dropped and made again around it.
        runner.wrap_from_code(&mut plans);
    }
    for m in chosen {
        let (up_steps, down_steps) = match plans.remove(&m.version) {
            Some(plans) => plans,
            None => runner.steps(m)?,
        };
        let steps = if up {
            up_steps
        } else {
            match down_steps {
                Ok(steps) => steps,
                Err(reason) => bail!("{} cannot be rolled back: {reason}", m.id()),
            }
        };
        let statements: Vec<String> = steps.iter().flat_map(|s| s.statements.clone()).collect();
        let how = if steps.len() == 1 && steps[0].transactional {
            "one transaction".to_string()
        } else {
            format!("{} step{}", steps.len(), if steps.len() == 1 { "" } else { "s" })
        };
        out.push_str(&format!("-- {} ({how})\n", m.id()));
        for st in &statements {
            out.push_str(st);
            out.push_str(";\n");
        }
        json.push(
            serde_json::json!({ "version": m.version, "name": m.name, "steps": steps.len(), "statements": statements }),
        );
    }
    if ctx.out.json {
        ctx.json(true, serde_json::json!({ "direction": if up { "up" } else { "down" }, "migrations": json }));
    } else {
        print!("{out}");
    }
    Ok(crate::EXIT_OK)
}
