//! `drift`: the live database against a scratch database migrated to the same applied migrations.

use anstream::println;
use anyhow::Result;
use migrate_core::introspect::{diff, snapshot};
use migrate_core::runner::{EntryState, Migrator};
use serde_json::json;

use super::Ctx;
use super::verify::{Scratch, scope};

pub async fn run(ctx: &Ctx, args: crate::cli::ScratchArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let (db, client) = ctx.connect().await?;
    let mut live = ctx.migrator(migrations.clone())?;
    let status = live.status(&client).await?;
    let applied = status.applied_versions();
    let missing: Vec<String> = status
        .entries
        .iter()
        .filter(|e| e.state == EntryState::MissingFromCode)
        .map(|e| format!("m{}_{}", e.version, e.name))
        .collect();
    let (schema, ignore) = scope(ctx, &live);
    let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
    let privileges = ctx.loaded.config.compare_privileges;
    let mut actual = snapshot(&client, &schema, &ignore).await?;
    if privileges {
        actual.lines.extend(migrate_core::introspect::privileges(&client, &schema, &ignore).await?);
    }
    let mut scratch = Scratch::create(ctx, &db.url, "drift", &args).await?;
    let expected = async {
        let code: Vec<_> = migrations.into_iter().filter(|m| applied.contains(&m.version)).collect();
        let mut m = Migrator::new(code);
        m.with_config(live.config().clone());
        m.up(&mut scratch.client, None).await?;
        let mut expected = snapshot(&scratch.client, &schema, &ignore).await?;
        if privileges {
            expected.lines.extend(migrate_core::introspect::privileges(&scratch.client, &schema, &ignore).await?);
        }
        Ok::<_, anyhow::Error>(expected)
    }
    .await;
    scratch.drop().await;
    // A function that differs only in whitespace or comments is said, but is no drift.
    let (layout, changes): (Vec<_>, Vec<_>) = diff(&expected?, &actual).into_iter().partition(|c| c.only_layout());
    if ctx.out.json {
        ctx.json(&json!({
            "drift": changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "layout_only": layout.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "applied_missing_from_code": missing,
        }));
    } else {
        for c in &changes {
            println!("{c}");
        }
        for c in &layout {
            println!("note: {c}");
        }
        for m in &missing {
            println!("note: {m} is applied but missing from the code; its changes count as drift");
        }
        if changes.is_empty() {
            println!("no drift: the database matches its {} applied migration(s)", applied.len());
        } else {
            println!("{} difference(s) between the database and its applied migrations", changes.len());
        }
    }
    Ok(if changes.is_empty() { crate::EXIT_OK } else { crate::EXIT_PROBLEMS })
}
