//! `resolve`: repair the history without running migrations.

use anyhow::Result;
use migrate_core::runner::Resolve;

use super::Ctx;
use crate::cli::ResolveArgs;

pub async fn run(ctx: &Ctx, args: ResolveArgs) -> Result<u8> {
    let what = match (args.applied, args.rolled_back, args.accept_checksum) {
        (Some(v), _, _) => Resolve::Applied(v),
        (_, Some(v), _) => Resolve::RolledBack(v),
        (_, _, Some(v)) => Resolve::AcceptChecksum(v),
        _ => anyhow::bail!("give --applied, --rolled-back or --accept-checksum"),
    };
    let migrations = ctx.migrations()?;
    let (_db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let message = m.resolve(&mut client, what).await?;
    if ctx.out.json {
        ctx.json(&serde_json::json!({ "resolved": message }));
    } else {
        println!("resolved {message}");
    }
    Ok(crate::EXIT_OK)
}
