//! `reset`: drop the migrations' schema and apply everything again (development only).

use anyhow::{Result, bail};

use super::Ctx;
use crate::cli::ResetArgs;

pub async fn run(ctx: &Ctx, args: ResetArgs) -> Result<u8> {
    let db = ctx.database().await?;
    if db.production {
        bail!("refusing to reset a production database (its target is marked `production = true` in migrate.toml)");
    }
    if !args.yes {
        bail!(
            "reset drops every object in the migrations' schema, data included, then applies every migration again; run `reset --yes` to confirm"
        );
    }
    let migrations = ctx.migrations()?;
    let mut client = ctx.connect_to(&db).await?;
    let mut m = ctx.migrator(migrations)?;
    ctx.ready_lock(&mut m, &db, &client).await?;
    let started = std::time::Instant::now();
    let planned = m.migrations().len();
    let result = m.reset(&mut client).await;
    let database = db.describe()?;
    if ctx.out.json {
        // One document: the run, then the seeds run after it (`seeded`, null without --seed).
        let (report, mut error) = super::report::settle(result);
        let mut seeded = serde_json::Value::Null;
        if let (None, Some(env)) = (&error, &args.seed) {
            match super::seed::seed(ctx, &mut client, env).await {
                Ok(done) => seeded = serde_json::json!(done),
                Err(e) => error = Some(e),
            }
        }
        let mut body = super::report::run_json(&database, &report, error.as_ref());
        body["seeded"] = seeded;
        ctx.json(error.is_none(), body);
        return match error {
            Some(e) => Err(e),
            None => Ok(crate::EXIT_OK),
        };
    }
    let code = super::report::finish(ctx, "reset", &database, result, planned, started.elapsed())?;
    if let Some(env) = &args.seed {
        super::seed::seed(ctx, &mut client, env).await?;
    }
    Ok(code)
}
