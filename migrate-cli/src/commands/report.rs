//! What `up`, `down`, `redo` and `reset` say: each migration's result as it finishes, one summary line
//! at the end, and with `--format json` one envelope (`docs/json.md`) that includes the work done
//! before a failure.

use anstream::{eprintln, println};
use std::time::Duration;

use migrate_core::runner::{DbFailure, Done, Failed, Report, RunError};
use serde_json::{Value, json};

use super::Ctx;

/// A duration as people read it: `612 ms`, `33.2 s`, `2 min 5 s`, `1 h 2 min`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", d.as_secs_f64()),
        60_000..3_600_000 => format!("{} min {} s", ms / 60_000, ms / 1_000 % 60),
        _ => format!("{} h {} min", ms / 3_600_000, ms / 60_000 % 60),
    }
}

fn human_ms(ms: i64) -> String {
    human(Duration::from_millis(ms.max(0) as u64))
}

/// One migration's result line, printed as soon as it is committed.
pub fn result_line(out: &crate::output::Out, verb: &str, d: &Done) -> String {
    format!("{} {} ({})", out.green(verb), d.id, human_ms(d.duration_ms))
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

/// The summary line of a run that applied (`verb` "applied") or rolled back migrations.
/// `planned`: how many the run set out to do; `failed`: the one that stopped it.
pub fn summary(verb: &str, done: usize, planned: usize, failed: Option<&str>, took: Duration) -> String {
    match failed {
        None if done == 0 => {
            if verb == "applied" {
                "nothing to do: the database is up to date".to_string()
            } else {
                "nothing to do: nothing to roll back".to_string()
            }
        }
        None => format!("{verb} {} in {}", plural(done, "migration"), human(took)),
        Some(id) => {
            let skipped = planned.saturating_sub(done + 1);
            format!(
                "{verb} {} in {}; {id} failed{}",
                plural(done, "migration"),
                human(took),
                if skipped > 0 { format!("; {skipped} not run") } else { String::new() }
            )
        }
    }
}

fn failure_json(f: &DbFailure) -> Value {
    json!({
        "sqlstate": if f.code.is_empty() { Value::Null } else { json!(f.code) },
        "message": f.message,
        "detail": f.detail,
        "hint": f.hint,
        "statement": f.statement,
        "position": f.position,
    })
}

/// A run's error as JSON: its message, and when it came from the server, the migration, the step
/// and the server's fields.
pub fn error_json(e: &anyhow::Error) -> Value {
    let run =
        e.chain().find_map(|c| c.downcast_ref::<Failed>().map(|f| &f.error).or_else(|| c.downcast_ref::<RunError>()));
    let mut v = json!({ "message": format!("{e:#}") });
    match run {
        Some(RunError::Migration { migration, step, failure, .. }) => {
            v["migration"] = json!(migration);
            v["step"] = json!(step);
            v["database_error"] = failure_json(failure);
        }
        Some(RunError::Database { failure, .. }) => v["database_error"] = failure_json(failure),
        _ => {}
    }
    v
}

/// The JSON body of a run on `database`: what was done (also when the run failed part-way), the
/// warnings and the error.
pub fn run_json(database: &str, report: &Report, error: Option<&anyhow::Error>) -> Value {
    // The report's own serialization (migrate-core's feature `serde`): what an application gets.
    let mut v = serde_json::to_value(report).unwrap_or_default();
    v["database"] = json!(database);
    v["error"] = json!(error.map(error_json));
    v
}

/// A run's result as what it did and the error that stopped it.
pub fn settle(result: Result<Report, Failed>) -> (Report, Option<anyhow::Error>) {
    match result {
        Ok(report) => (report, None),
        Err(mut failed) => {
            let report = std::mem::take(&mut failed.report);
            (report, Some(anyhow::Error::from(failed)))
        }
    }
}

/// Ends a run: prints the warnings and the summary (or, with JSON, the envelope) and passes the
/// result on. `planned` is how many migrations the run set out to apply (or roll back).
pub fn finish(
    ctx: &Ctx,
    command: &str,
    database: &str,
    result: Result<Report, Failed>,
    planned: usize,
    took: Duration,
) -> anyhow::Result<u8> {
    let (report, error) = settle(result);
    if ctx.out.json {
        ctx.json(error.is_none(), run_json(database, &report, error.as_ref()));
    } else {
        for w in &report.warnings {
            eprintln!("{} {w}", ctx.out.yellow("warning:"));
        }
        for r in &report.recorded {
            println!("{} {r}", ctx.out.green("recorded"));
        }
        for r in &report.repeatables {
            println!("repeatable {r}");
        }
        let failed_id = error.as_ref().map(|e| failed_migration(e).unwrap_or_else(|| "the run".to_string()));
        let failed_id = failed_id.as_deref();
        let line = match command {
            "down" => summary("rolled back", report.rolled_back.len(), planned, failed_id, took),
            "redo" if error.is_none() => match report.applied.first() {
                Some(d) => format!("redid {} in {}", d.id, human(took)),
                None => "nothing to do: nothing to redo".to_string(),
            },
            _ => summary("applied", report.applied.len(), planned, failed_id, took),
        };
        if error.is_some() { eprintln!("{line}") } else { println!("{line}") }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(crate::EXIT_OK),
    }
}

fn failed_migration(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|c| match c.downcast_ref::<Failed>().map(|f| &f.error) {
        Some(RunError::Migration { migration, .. }) => Some(migration.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(Duration::from_millis(612)), "612 ms");
        assert_eq!(human(Duration::from_millis(33_240)), "33.2 s");
        assert_eq!(human(Duration::from_millis(125_000)), "2 min 5 s");
        assert_eq!(human(Duration::from_secs(3_720)), "1 h 2 min");
    }

    #[test]
    fn summaries_count_what_ran_failed_and_was_not_run() {
        let t = Duration::from_millis(1_200);
        assert_eq!(summary("applied", 3, 3, None, t), "applied 3 migrations in 1.2 s");
        assert_eq!(summary("applied", 1, 4, Some("m2_x"), t), "applied 1 migration in 1.2 s; m2_x failed; 2 not run");
        assert_eq!(summary("applied", 0, 0, None, t), "nothing to do: the database is up to date");
        assert_eq!(summary("rolled back", 0, 0, None, t), "nothing to do: nothing to roll back");
    }
}
