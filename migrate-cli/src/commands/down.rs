//! `down` and `redo`.

use anyhow::Result;
use migrate_core::runner::DownTarget;

use super::Ctx;
use crate::cli::{DownArgs, LockArgs};

pub async fn run(ctx: &Ctx, args: DownArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.wait_for_lock = !args.lock.no_wait;
    config.allow_production = args.allow_production;
    m.with_config(config);
    ctx.ready_lock(&mut m, &db, &client).await?;
    let target = match (args.steps, args.to) {
        (Some(n), _) => DownTarget::Steps(n),
        (None, Some(v)) => DownTarget::To(v),
        (None, None) => DownTarget::LastBatch,
    };
    let started = std::time::Instant::now();
    let result = m.down(&mut client, target).await;
    let database = db.describe()?;
    super::report::finish(ctx, "down", &database, result, 0, started.elapsed())
}

pub async fn redo(ctx: &Ctx, args: LockArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(migrations)?;
    let mut config = m.config().clone();
    config.wait_for_lock = !args.no_wait;
    m.with_config(config);
    ctx.ready_lock(&mut m, &db, &client).await?;
    let started = std::time::Instant::now();
    let result = m.redo(&mut client).await;
    let database = db.describe()?;
    super::report::finish(ctx, "redo", &database, result, 1, started.elapsed())
}
