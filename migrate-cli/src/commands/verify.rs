//! `verify`: on a scratch database, every migration's down must restore the schema exactly, and its up
//! again must give the same schema.

use anyhow::{Context, Result};
use migrate_core::introspect::{Change, diff, snapshot};
use migrate_core::runner::{DownTarget, Migrator};
use serde_json::json;

use super::Ctx;

/// A database of the same server that lives for one command.
pub struct Scratch {
    pub name: String,
    pub client: tokio_postgres::Client,
    admin: tokio_postgres::Client,
}

impl Scratch {
    pub async fn create(url: &str, purpose: &str) -> Result<Scratch> {
        let admin = crate::connect::connect(url).await?;
        let name = format!("migrate_{purpose}_{}", std::process::id());
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .with_context(|| format!("creating the scratch database {name} (the role needs CREATEDB)"))?;
        let client = crate::connect::connect_to_db(url, &name).await?;
        Ok(Scratch { name, client, admin })
    }

    pub async fn drop(self) {
        drop(self.client);
        let _ = self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await;
    }
}

/// The schema the migrations run in, and the tables to leave out of snapshots: the framework's own and
/// the config's `ignore_tables`.
pub fn scope(ctx: &Ctx, m: &Migrator) -> (String, Vec<String>) {
    let c = m.config();
    let table = c.history_table.clone();
    let mut ignore = vec![table.clone(), format!("{table}_events")];
    ignore.extend(ctx.loaded.config.ignore_tables.iter().cloned());
    (c.schema.clone().unwrap_or_else(|| "public".into()), ignore)
}

pub async fn run(ctx: &Ctx) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let db = ctx.database().await?;
    let mut scratch = Scratch::create(&db.url, "verify").await?;
    // Quiet: the report says what matters.
    let mut m = Migrator::new(migrations.clone());
    m.with_config(ctx.loaded.runner_config()?);
    let (schema, ignore) = scope(ctx, &m);
    let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
    let mut failures = 0;
    let mut results = Vec::new();
    let outcome: Result<()> = async {
        for mig in &migrations {
            let before = snapshot(&scratch.client, &schema, &ignore).await?;
            m.up(&mut scratch.client, Some(mig.version)).await?;
            let after = snapshot(&scratch.client, &schema, &ignore).await?;
            let mut problems: Vec<Change> = Vec::new();
            let mut notes: Vec<String> = Vec::new();
            match mig.down_ops() {
                Err(reason) => notes.push(format!("irreversible ({reason}): down not checked")),
                Ok(_) => {
                    m.down(&mut scratch.client, DownTarget::Steps(1)).await?;
                    let restored = snapshot(&scratch.client, &schema, &ignore).await?;
                    for change in diff(&before, &restored) {
                        if change.only_position() {
                            notes.push(format!(
                                "column order differs after the down (a re-added column goes last): {change}"
                            ));
                        } else {
                            problems.push(change);
                        }
                    }
                    m.up(&mut scratch.client, Some(mig.version)).await?;
                    let again = snapshot(&scratch.client, &schema, &ignore).await?;
                    problems.extend(diff(&after, &again).into_iter().filter(|c| !c.only_position()));
                }
            }
            if !problems.is_empty() {
                failures += 1;
            }
            if !ctx.out.json {
                let label = if problems.is_empty() { ctx.out.green("ok") } else { ctx.out.red("FAILED") };
                println!("{label} {}", mig.id());
                for p in &problems {
                    println!("    {p}");
                }
                for n in &notes {
                    println!("    note: {n}");
                }
            }
            results.push(json!({
                "version": mig.version,
                "id": mig.id(),
                "ok": problems.is_empty(),
                "differences": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "notes": notes,
            }));
        }
        Ok(())
    }
    .await;
    scratch.drop().await;
    outcome?;
    if ctx.out.json {
        ctx.json(&json!({ "migrations": results, "failed": failures }));
    } else {
        println!("{} migration(s) verified, {failures} failed", migrations.len());
    }
    Ok(if failures > 0 { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}
