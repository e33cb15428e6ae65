//! `down` and `redo`.

use anyhow::Result;
use migrate_core::runner::DownTarget;

use super::Ctx;
use super::up::print_report;
use crate::cli::{DownArgs, LockArgs};

pub async fn run(ctx: &Ctx, args: DownArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (_db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.wait_for_lock = !args.lock.no_wait;
    config.allow_production = args.allow_production;
    m.with_config(config);
    let target = match (args.steps, args.to) {
        (Some(n), _) => DownTarget::Steps(n),
        (None, Some(v)) => DownTarget::To(v),
        (None, None) => DownTarget::LastBatch,
    };
    let report = m.down(&mut client, target).await?;
    print_report(ctx, &report, "rolled back");
    Ok(crate::EXIT_OK)
}

pub async fn redo(ctx: &Ctx, args: LockArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (_db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.wait_for_lock = !args.no_wait;
    m.with_config(config);
    let report = m.redo(&mut client).await?;
    if ctx.out.json {
        ctx.json(&super::up::report_json(&report));
    } else {
        print_report(ctx, &report, "rolled back");
        print_report(ctx, &report, "applied");
    }
    Ok(crate::EXIT_OK)
}
