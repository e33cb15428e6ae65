//! `rehearse`: the pending migrations run on a copy with real rows and their locks measured
//! ([`crate::rehearse`]); the report as a table or as JSON. Exit 1 when the rehearsal found problems.

use anstream::{eprintln, println};
use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::cli::RehearseArgs;
use crate::rehearse::{Options, first_line, rehearse};

pub async fn run(ctx: &Ctx, args: RehearseArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let db = ctx.database().await?;
    ctx.announce(&db)?;
    let options = Options {
        rows: args.rows,
        max_lock: args.max_lock,
        keep: args.keep,
        scratch_url: args.scratch_url.clone().or_else(|| ctx.loaded.config.scratch_url.clone()),
    };
    let out = ctx.out;
    let progress = move |line: String| {
        if !out.json {
            match line.strip_prefix("warning ") {
                Some(rest) => eprintln!("{} {rest}", out.yellow("warning")),
                None => eprintln!("{line}"),
            }
        }
    };
    let config = ctx.loaded.runner_config()?;
    let report = rehearse(&db.url, migrations, Ctx::repeatables()?, config, &options, &progress).await?;
    let failed = !report.problems.is_empty();
    if ctx.out.json {
        let mut body = serde_json::to_value(&report)?;
        body["database"] = json!(db.describe()?);
        ctx.json(!failed, body);
        return Ok(if failed { crate::EXIT_PROBLEMS } else { crate::EXIT_OK });
    }
    if report.copy.is_none() {
        println!("nothing to rehearse: the database is up to date");
        return Ok(crate::EXIT_OK);
    }
    for m in &report.migrations {
        let how = match (m.version, m.duration_ms) {
            (None, _) if m.applied => "applied on the copy".to_string(),
            (Some(_), Some(d)) => format!("applied on the copy in {d} ms"),
            _ => out.red("FAILED on the copy"),
        };
        println!("{} {how}", out.bold(&m.id));
        for s in &m.statements {
            let what = match (s.rows, s.batches) {
                (Some(n), Some(b)) => format!("{} ({n} rows updated in {b} batch(es))", first_line(&s.sql)),
                _ => first_line(&s.sql),
            };
            println!("  {:>9.1} ms  {what}", s.duration_ms);
            if s.lock_wait_ms > 0.0 {
                println!("                 waited about {} ms for a lock", s.lock_wait_ms);
            }
            for l in &s.locks {
                let mut line = format!("{} ({} rows): {} {} ms", l.table, l.rows, l.mode, l.held_ms);
                if l.blocks_writes {
                    line.push_str(", blocks writes");
                }
                if l.rewritten {
                    line.push_str(", rewrote the table");
                }
                let line = format!("                 {line}");
                println!("{}", if l.too_long(args.max_lock) { out.red(&line) } else { line });
            }
            if let Some(e) = &s.error {
                println!("                 {}", out.red(&e.replace('\n', "\n                 ")));
            }
        }
    }
    for t in &report.rewritten_outside_transactions {
        println!("note: {t} was rewritten (its relfilenode changed) where no statement of the report showed it");
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    let said = |ok: bool| if ok { out.green("ok") } else { out.red("FAILED") };
    if let Some(d) = &report.down {
        println!("downs back to {}: {} ({} rolled back)", d.to, said(d.ok), d.rolled_back);
    }
    if let Some(u) = &report.up_again {
        println!("ups again: {} ({} applied)", said(u.ok), u.applied);
    }
    if failed {
        println!("{}", out.red(&format!("{} problem(s):", report.problems.len())));
        for p in &report.problems {
            println!("  {p}");
        }
        Ok(crate::EXIT_PROBLEMS)
    } else {
        let downs = if report.down.is_some() { "downs and ups again ran" } else { "no pending migration to roll back" };
        println!(
            "{}",
            out.green(&format!(
                "rehearsal passed: no lock that blocks writes held on a table with rows past --max-lock ({} ms); {downs}",
                report.max_lock_ms
            ))
        );
        Ok(crate::EXIT_OK)
    }
}
