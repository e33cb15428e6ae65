//! `status`: every migration's state; `--exit-code` makes it a CI gate.

use anyhow::Result;
use migrate_core::runner::EntryState;
use serde_json::json;

use super::Ctx;
use crate::cli::StatusArgs;

/// A timestamp of the history (RFC 3339 in UTC) as people read it, to the second:
/// `2026-12-02T05:01:38.653822Z` becomes `2026-12-02 05:01:38 UTC`.
fn to_the_second(at: &str) -> String {
    match humantime::parse_rfc3339(at) {
        Ok(t) => format!("{} UTC", humantime::format_rfc3339_seconds(t)).replacen('T', " ", 1).replacen("Z ", " ", 1),
        Err(_) => at.to_string(),
    }
}

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<u8> {
    if args.all_targets {
        return super::fleet::status(ctx, args.exit_code).await;
    }
    // The history is read while the migrations are still being built: with a long history both take
    // a while.
    let reader = ctx.migrator(Vec::new())?;
    let (migrations, _db, client, (rows, applied)) =
        ctx.summaries_while_connected(async |client| Ok(reader.history_and_repeatables(client).await?)).await?;
    let m = ctx.migrator(migrations)?;
    // The lock and the event log, asked only when a migration is in progress or has no row.
    let facts = m.run_facts(&client, &rows).await?;
    let mut status = m.status_of_with(rows, &facts);
    status.repeatables = m.repeatable_states(&applied);
    let problems = status.problem_count();
    // With JSON, the drift goes into the one document; the human output says it after the states.
    let mut drift = None;
    if args.drift && ctx.out.json {
        drift = Some(super::drift::compare(ctx, crate::cli::ScratchArgs::default()).await?);
    }
    if ctx.out.json {
        let drifted = drift.as_ref().is_some_and(|d| !d.changes.is_empty());
        // The status's own serialization (migrate-core's feature `serde`), and the drift.
        let mut body = serde_json::to_value(&status)?;
        body["drift"] = json!(drift.as_ref().map(super::drift::Drift::json));
        ctx.json(problems == 0 && !drifted, body);
    } else {
        use std::io::Write as _;
        // One write per 64 KiB instead of one per line: a long history prints thousands of lines.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, anstream::AutoStream::auto(std::io::stdout().lock()));
        for e in &status.entries {
            let label = e.state.label();
            let shown = match e.state {
                EntryState::Applied => ctx.out.green(&label),
                EntryState::Pending | EntryState::MissingFromCode | EntryState::RecordsInPlace { .. } => {
                    ctx.out.yellow(&label)
                }
                EntryState::Squashed { .. } => ctx.out.dim(&label),
                _ => ctx.out.red(&label),
            };
            let when =
                e.applied_at.as_deref().map(|a| format!("  {}", ctx.out.dim(&to_the_second(a)))).unwrap_or_default();
            writeln!(out, "{} {:<40} {shown}{when}", e.version, e.name)?;
            for (rule, why) in &e.acks {
                writeln!(out, "    acknowledges {rule}: {}", ctx.out.dim(why))?;
            }
        }
        let count = |f: fn(&EntryState) -> bool| status.entries.iter().filter(|e| f(&e.state)).count();
        // Applied: what the database holds, a migration missing from the code or changed since
        // included. Needing attention: everything but applied and plainly pending.
        let applied =
            count(|s| matches!(s, EntryState::Applied | EntryState::MissingFromCode | EntryState::ChecksumMismatch));
        let pending = count(|s| {
            matches!(s, EntryState::Pending | EntryState::PendingOutOfOrder | EntryState::RecordsInPlace { .. })
        });
        let attention =
            count(|s| s.is_problem() && !matches!(s, EntryState::Pending | EntryState::RecordsInPlace { .. }));
        for r in &status.repeatables {
            let shown = match r.state {
                "applied" => ctx.out.green(r.state),
                "removed" => ctx.out.yellow("removed from the code (the next `up` drops it)"),
                "new" => ctx.out.yellow("new (the next `up` applies it)"),
                _ => ctx.out.yellow("changed (the next `up` applies it again)"),
            };
            writeln!(out, "repeatable {:<38} {shown}", r.name)?;
        }
        let squashed = count(|s| matches!(s, EntryState::Squashed { .. }));
        let squashed = if squashed > 0 { format!(" ({squashed} squashed into a baseline)") } else { String::new() };
        writeln!(out, "{applied} applied, {pending} pending, {attention} needing attention{squashed}")?;
        out.flush()?;
    }
    let drifted = match drift {
        Some(d) => !d.changes.is_empty(),
        None if args.drift => super::drift::run(ctx, crate::cli::ScratchArgs::default()).await? != crate::EXIT_OK,
        None => false,
    };
    Ok(if args.exit_code && (problems > 0 || drifted) { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_shown_to_the_second() {
        assert_eq!(super::to_the_second("2026-12-02T05:01:38.653822Z"), "2026-12-02 05:01:38 UTC");
        assert_eq!(super::to_the_second("2026-12-02T05:01:38.999999Z"), "2026-12-02 05:01:38 UTC");
        assert_eq!(super::to_the_second("not a time"), "not a time");
    }
}
