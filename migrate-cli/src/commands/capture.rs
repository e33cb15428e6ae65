//! `diff`: a new Rust migration whose up turns the schema the migrations build into the live database's
//! schema (to capture a hotfix made by hand), and whose down turns it back; `--reverse` the other way.

use anstream::println;
use anyhow::{Context, Result};
use migrate_core::model::Model;
use migrate_core::runner::Migrator;

use super::Ctx;
use super::verify::{Scratch, scope};
use crate::cli::DiffArgs;

fn model_of(ops: &[migrate_core::op::Op]) -> Model {
    let mut m = Model::default();
    for op in ops {
        m.apply(op, 0);
    }
    m
}

pub async fn run(ctx: &Ctx, args: DiffArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (db, client) = ctx.connect().await?;
    let mut live = ctx.migrator(migrations.clone())?;
    let status = live.status(&client).await?;
    let applied = status.applied_versions();
    let (schema, ignore) = scope(ctx, &live);
    let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
    let actual = migrate_core::introspect::ops(&client, &schema, &ignore).await?;
    let mut scratch = Scratch::create(ctx, &db.url, "diff", &args.scratch).await?;
    let expected = async {
        let code: Vec<_> = migrations.into_iter().filter(|m| applied.contains(&m.version)).collect();
        let mut m = Migrator::new(code);
        m.with_config(live.config().clone());
        m.connected_from(scratch.origin.clone());
        m.up(&mut scratch.client, None).await?;
        Ok::<_, anyhow::Error>(migrate_core::introspect::ops(&scratch.client, &schema, &ignore).await?)
    }
    .await;
    scratch.drop().await;
    let (from, to) = (model_of(&expected?), model_of(&actual));
    let (from, to) = if args.reverse { (to, from) } else { (from, to) };
    let up = migrate_core::introspect::diff_ops(&from, &to);
    if up.is_empty() {
        if ctx.out.json {
            ctx.json(true, serde_json::json!({ "file": null, "up": 0, "down": 0 }));
        } else {
            println!("no difference: nothing to write");
        }
        return Ok(crate::EXIT_OK);
    }
    let down = migrate_core::introspect::diff_ops(&to, &from);
    let direction = if args.reverse {
        "the live database's schema into the migrations' schema"
    } else {
        "the migrations' schema into the live database's schema (a change made by hand)"
    };
    let code = format!(
        "// Written by `migrate-cli diff`: turns {direction}. Review it before committing.\n\
         use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {{\n{}}}\n\n#[migration]\npub fn down(s: &mut Schema) {{\n{}}}\n",
        crate::baseline::body(&up)?,
        crate::baseline::body(&down)?
    );
    let path = match args.out {
        Some(p) => p,
        None => {
            let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
            dir.join(format!("m{}_{}.rs", crate::scaffold::timestamp_now(), args.name))
        }
    };
    std::fs::write(&path, code).with_context(|| format!("writing {}", path.display()))?;
    if ctx.out.json {
        ctx.json(true, serde_json::json!({ "file": path, "up": up.len(), "down": down.len() }));
    } else {
        println!("wrote {} ({} change(s) up, {} down)", path.display(), up.len(), down.len());
    }
    Ok(crate::EXIT_OK)
}
