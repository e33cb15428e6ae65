//! `seed`: runs the `#[seed]` functions of an environment, in name order, in one transaction.

use anstream::println;
use anyhow::{Result, bail};
use migrate_core::seed::{SeedDef, seeds};
use serde_json::json;

use super::Ctx;
use crate::cli::SeedArgs;

fn list(ctx: &Ctx, all: &[&SeedDef]) {
    let envs = |s: &SeedDef| if s.envs.is_empty() { "every environment".to_string() } else { s.envs.join(", ") };
    if ctx.out.json {
        ctx.json(true, json!({
            "seeds": all.iter().map(|s| json!({ "name": s.name, "envs": s.envs, "file": s.file, "line": s.line })).collect::<Vec<_>>()
        }));
        return;
    }
    if all.is_empty() {
        println!("no seeds: mark an `async fn(tx: &Transaction<'_>) -> Result<(), E>` with #[seed]");
    }
    for s in all {
        println!("{}  ({})  {}:{}", s.name, envs(s), s.file, s.line);
    }
}

/// Runs the seeds of `env` on `client` (in the configured schema); says so unless the output is JSON,
/// and returns the names of the seeds run.
pub async fn seed(ctx: &Ctx, client: &mut tokio_postgres::Client, env: &str) -> Result<Vec<String>> {
    let all = seeds().map_err(anyhow::Error::msg)?;
    let chosen: Vec<&SeedDef> = all.iter().copied().filter(|s| s.runs_in(env)).collect();
    if chosen.is_empty() {
        let known: std::collections::BTreeSet<&str> = all.iter().flat_map(|s| s.envs.iter().copied()).collect();
        bail!(
            "no seed runs in environment `{env}` (environments the seeds name: {})",
            if known.is_empty() { "none".to_string() } else { known.into_iter().collect::<Vec<_>>().join(", ") }
        );
    }
    if let Some(schema) = &ctx.loaded.runner_config()?.schema {
        client.batch_execute(&format!("SET search_path TO {}", migrate_core::ident::quote_ident(schema))).await?;
    }
    let started = std::time::Instant::now();
    let out = ctx.out;
    let done = migrate_core::seed::run_reporting(client, &chosen, |name, took| {
        if !out.json {
            println!("{} {name} ({})", out.green("ran seed"), super::report::human(took));
        }
    })
    .await?;
    if !ctx.out.json {
        let n = done.len();
        println!(
            "seeded {n} seed{} of `{env}` in {}, committed",
            if n == 1 { "" } else { "s" },
            super::report::human(started.elapsed())
        );
    }
    Ok(done.into_iter().map(String::from).collect())
}

pub async fn run(ctx: &Ctx, args: SeedArgs) -> Result<u8> {
    if args.list {
        list(ctx, &seeds().map_err(anyhow::Error::msg)?);
        return Ok(crate::EXIT_OK);
    }
    let db = ctx.database().await?;
    let env = match (&args.env, db.production) {
        (Some(env), _) => env.clone(),
        (None, false) => "dev".to_string(),
        (None, true) => bail!("the target is marked `production = true`: name the environment to seed with `--env`"),
    };
    let mut client = ctx.connect_to(&db).await?;
    let mut m = ctx.migrator(vec![])?;
    let mut config = m.config().clone();
    config.allow_production = args.allow_production;
    m.with_config(config);
    m.refuse_on_production(&client, &format!("run the `{env}` seeds")).await?;
    let done = seed(ctx, &mut client, &env).await?;
    if ctx.out.json {
        ctx.json(true, json!({ "env": env, "seeded": done }));
    }
    Ok(crate::EXIT_OK)
}
