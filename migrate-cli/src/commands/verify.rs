//! `verify`: on a scratch database, every migration's down must restore the schema exactly, and its up
//! again must give the same schema.

use anstream::{eprintln, println};
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

    /// Drops and creates the database again, empty.
    pub async fn recreate(&mut self, url: &str) -> Result<()> {
        self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await?;
        self.admin.batch_execute(&format!("CREATE DATABASE \"{}\"", self.name)).await?;
        self.client = crate::connect::connect_to_db(url, &self.name).await?;
        Ok(())
    }

    pub async fn drop(self) {
        drop(self.client);
        let _ = self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await;
    }
}

/// The schema the migrations run in, and the tables to leave out of snapshots: the framework's own, the
/// history tables of the tools `import` reads (kept in place after an import), and the config's
/// `ignore_tables`.
pub fn scope(ctx: &Ctx, m: &Migrator) -> (String, Vec<String>) {
    let c = m.config();
    let mut ignore = c.own_tables().to_vec();
    ignore.extend(migrate_core::runner::FOREIGN_HISTORY_TABLES.iter().map(|t| t.to_string()));
    ignore.extend(ctx.loaded.config.ignore_tables.iter().cloned());
    (c.schema.clone().unwrap_or_else(|| "public".into()), ignore)
}

pub async fn run(ctx: &Ctx) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let db = ctx.database().await?;
    ctx.announce(&db)?;
    let mut scratch = Scratch::create(&db.url, "verify").await?;
    eprintln!("verifying on the scratch database {} (dropped at the end)", scratch.name);
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
            m.up(&mut scratch.client, Some(mig.version)).await.with_context(|| format!("applying {}", mig.id()))?;
            let after = snapshot(&scratch.client, &schema, &ignore).await?;
            let mut problems: Vec<Change> = Vec::new();
            let mut notes: Vec<String> = Vec::new();
            let mut errors: Vec<String> = Vec::new();
            let mut stop = false;
            if let Err(reason) = mig.down_ops() {
                notes.push(format!("irreversible ({reason}): down not checked"));
            } else if let Err(e) = m.down(&mut scratch.client, DownTarget::Steps(1)).await {
                // The down itself fails: report it and go on from the up state.
                errors.push(format!("the down fails: {}", e.error));
                m.resolve(&mut scratch.client, migrate_core::runner::Resolve::Applied(mig.version)).await.ok();
                if snapshot(&scratch.client, &schema, &ignore).await? != after {
                    notes.push(
                        "the failed down left part of its changes behind; later results may follow from it".into(),
                    );
                }
            } else {
                let restored = snapshot(&scratch.client, &schema, &ignore).await?;
                for change in diff(&before, &restored) {
                    if change.only_layout() {
                        notes.push(format!("{change}"));
                    } else if change.only_position() {
                        notes.push(format!(
                            "column order differs after the down (a re-added column goes last): {change}"
                        ));
                    } else {
                        problems.push(change);
                    }
                }
                match m.up(&mut scratch.client, Some(mig.version)).await {
                    Ok(_) => {
                        let again = snapshot(&scratch.client, &schema, &ignore).await?;
                        for change in diff(&after, &again).into_iter().filter(|c| !c.only_position()) {
                            if change.only_layout() {
                                notes.push(format!("{change}"));
                            } else {
                                problems.push(change);
                            }
                        }
                    }
                    Err(e) => {
                        errors.push(format!("up again after the down fails: {}", e.error));
                        // Go on from the up state: rebuild it in a new scratch database.
                        scratch.recreate(&db.url).await?;
                        stop = m.up(&mut scratch.client, Some(mig.version)).await.is_err()
                            || snapshot(&scratch.client, &schema, &ignore).await? != after;
                    }
                }
            }
            let ok = problems.is_empty() && errors.is_empty();
            if !ok {
                failures += 1;
            }
            if !ctx.out.json {
                let label = if ok { ctx.out.green("ok") } else { ctx.out.red("FAILED") };
                println!("{label} {}", mig.id());
                for e in &errors {
                    println!("    {}", e.replace('\n', "\n    "));
                }
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
                "ok": ok,
                "errors": errors,
                "differences": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "notes": notes,
            }));
            if stop {
                anyhow::bail!("the schema after {} could not be rebuilt: verify stops here", mig.id());
            }
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
