//! `resolve`: repair the history without running migrations.

use anstream::println;
use anyhow::Result;
use migrate_core::runner::Resolve;

use super::Ctx;
use crate::cli::ResolveArgs;

pub async fn run(ctx: &Ctx, args: ResolveArgs) -> Result<u8> {
    let w = &args.what;
    let what: Vec<Resolve> = match (w.applied.is_empty(), w.rolled_back, w.accept_checksum) {
        (false, _, _) => w.applied.iter().map(|v| Resolve::Applied(*v)).collect(),
        (_, Some(v), _) => vec![Resolve::RolledBack(v)],
        (_, _, Some(v)) => vec![Resolve::AcceptChecksum(v)],
        _ => anyhow::bail!("give --applied, --rolled-back or --accept-checksum"),
    };
    let migrations = ctx.migrations()?;
    let (db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.allow_production = args.allow_production;
    m.with_config(config);
    ctx.ready_lock(&mut m, &db, &client).await?;
    let mut messages = Vec::new();
    // One at a time, each logged: a failure stops the rest, and what was done before it stays done.
    for w in what {
        match m.resolve(&mut client, w).await {
            Ok(message) => {
                if !ctx.out.json {
                    println!("resolved {message}");
                }
                messages.push(message);
            }
            Err(e) if !messages.is_empty() => {
                return Err(anyhow::Error::from(e).context(format!("after resolving {} migration(s)", messages.len())));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if ctx.out.json {
        ctx.json(true, serde_json::json!({ "resolved": messages }));
    }
    Ok(crate::EXIT_OK)
}
