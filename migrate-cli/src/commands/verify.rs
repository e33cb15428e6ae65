//! `verify`: on a scratch database, every migration's down must restore the schema exactly, and its up
//! again must give the same schema.

use anstream::{eprintln, println};
use anyhow::{Context, Result};
use migrate_core::introspect::{Change, diff, snapshot};
use migrate_core::runner::{DownTarget, Migrator};
use serde_json::json;

use super::Ctx;
use crate::cli::ScratchArgs;

/// A database that lives for one command, on the target's server or on the scratch server
/// (`--scratch-url`, `scratch_url` in migrate.toml).
pub struct Scratch {
    pub name: String,
    pub client: tokio_postgres::Client,
    admin: tokio_postgres::Client,
    server: String,
    /// Our end of `client`'s connection (runs on the scratch database prove it direct).
    pub origin: crate::connect::Origin,
}

/// The scratch database's name: `<target database>__migrate_<command>_<pid>_<n>`, the database part
/// cut (with a hash of the whole name, so that two long names stay apart) to fit PostgreSQL's 63 bytes.
pub fn scratch_name(target_db: &str, purpose: &str, pid: u32, n: usize) -> String {
    let suffix = format!("__migrate_{purpose}_{pid}_{n}");
    if target_db.len() + suffix.len() <= 63 {
        return format!("{target_db}{suffix}");
    }
    // Only distinctness within this server matters, not a stable hash: std's SipHash with its fixed
    // keys is enough.
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    target_db.hash(&mut h);
    let hash = format!("{:08x}", h.finish() as u32);
    let mut room = 63 - suffix.len() - hash.len() - 1;
    while !target_db.is_char_boundary(room) {
        room -= 1;
    }
    format!("{}_{hash}{suffix}", &target_db[..room])
}

impl Scratch {
    pub async fn create(ctx: &Ctx, url: &str, purpose: &str, flag: &ScratchArgs) -> Result<Scratch> {
        let server = flag.scratch_url.clone().or_else(|| ctx.loaded.config.scratch_url.clone());
        Scratch::create_on(url, server.as_deref(), purpose).await
    }

    /// A scratch database named after the target `url`'s, on `server` (default: the target's).
    pub async fn create_on(url: &str, server: Option<&str>, purpose: &str) -> Result<Scratch> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let parsed = crate::connect::parse(url)?;
        let target_db = parsed.config.get_dbname().or(parsed.config.get_user()).unwrap_or("db").to_string();
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = scratch_name(&target_db, purpose, std::process::id(), n);
        let server = server.unwrap_or(url).to_string();
        let admin = crate::connect::connect(&server).await?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.with_context(|| {
            format!(
                "creating the scratch database {name} (the role needs CREATEDB; or give a server where it may with --scratch-url URL or `scratch_url` in migrate.toml)"
            )
        })?;
        let (client, origin) = crate::connect::connect_to_db_with_origin(&server, &name).await?;
        Ok(Scratch { name, client, admin, server, origin })
    }

    /// A second connection to the scratch database.
    pub async fn connect_again(&self) -> Result<tokio_postgres::Client> {
        Ok(crate::connect::connect_to_db_with_origin(&self.server, &self.name).await?.0)
    }

    /// Drops and creates the database again, empty.
    pub async fn recreate(&mut self) -> Result<()> {
        self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await?;
        self.admin.batch_execute(&format!("CREATE DATABASE \"{}\"", self.name)).await?;
        (self.client, self.origin) = crate::connect::connect_to_db_with_origin(&self.server, &self.name).await?;
        Ok(())
    }

    /// Drops the database; when that fails, a warning names it and the statement that drops it.
    pub async fn drop(self) {
        drop(self.client);
        if let Err(e) =
            self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await
        {
            eprintln!(
                "warning [scratch] the scratch database {} could not be dropped ({}): drop it with `DROP DATABASE \"{}\"`",
                self.name,
                migrate_core::runner::DbFailure::from_error(&e, None),
                self.name
            );
        }
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

pub async fn run(ctx: &Ctx, args: ScratchArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let db = ctx.database().await?;
    ctx.announce(&db)?;
    let mut scratch = Scratch::create(ctx, &db.url, "verify", &args).await?;
    eprintln!("verifying on the scratch database {} (dropped at the end)", scratch.name);
    // Quiet: the report says what matters.
    let mut m = Migrator::new(migrations.clone());
    m.with_config(ctx.loaded.runner_config()?);
    m.connected_from(scratch.origin.clone());
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
                        scratch.recreate().await?;
                        m.connected_from(scratch.origin.clone());
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
        // The repeatables, on the schema of every migration: made by `up`, dropped by their downs (in
        // reverse name order) back to that schema, and made again to the same schema.
        let repeatables = Ctx::repeatables()?;
        if !repeatables.is_empty() {
            let before = snapshot(&scratch.client, &schema, &ignore).await?;
            m.with_repeatables(repeatables.clone());
            m.up(&mut scratch.client, None).await.context("applying the repeatables")?;
            let after = snapshot(&scratch.client, &schema, &ignore).await?;
            let mut errors: Vec<String> = Vec::new();
            let mut problems: Vec<String> = Vec::new();
            let run = async |sql: String| scratch.client.batch_execute(&sql).await;
            let mut dropped = true;
            for r in repeatables.iter().rev() {
                if let Err(e) = run(r.down.join(";\n")).await {
                    errors.push(format!(
                        "the down of the repeatable {} fails: {}",
                        r.name,
                        migrate_core::runner::DbFailure::from_error(&e, None)
                    ));
                    dropped = false;
                    break;
                }
            }
            if dropped {
                problems.extend(
                    diff(&before, &snapshot(&scratch.client, &schema, &ignore).await?)
                        .iter()
                        .map(|c| format!("after the repeatables' downs: {c}")),
                );
                for r in &repeatables {
                    if let Err(e) = run(r.up.clone()).await {
                        errors.push(format!(
                            "the repeatable {} fails when made again: {}",
                            r.name,
                            migrate_core::runner::DbFailure::from_error(&e, None)
                        ));
                        break;
                    }
                }
                problems.extend(
                    diff(&after, &snapshot(&scratch.client, &schema, &ignore).await?)
                        .iter()
                        .map(|c| format!("after making them again: {c}")),
                );
            }
            let ok = problems.is_empty() && errors.is_empty();
            if !ok {
                failures += 1;
            }
            if !ctx.out.json {
                let label = if ok { ctx.out.green("ok") } else { ctx.out.red("FAILED") };
                println!(
                    "{label} repeatables ({})",
                    repeatables.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
                );
                for line in errors.iter().chain(&problems) {
                    println!("    {}", line.replace('\n', "\n    "));
                }
            }
            results.push(json!({
                "version": null,
                "id": "repeatables",
                "ok": ok,
                "errors": errors,
                "differences": problems,
                "notes": [],
            }));
        }
        Ok(())
    }
    .await;
    scratch.drop().await;
    outcome?;
    if ctx.out.json {
        ctx.json(failures == 0, json!({ "migrations": results, "failed": failures }));
    } else {
        println!("{} migration(s) verified, {failures} failed", migrations.len());
    }
    Ok(if failures > 0 { crate::EXIT_PROBLEMS } else { crate::EXIT_OK })
}

#[cfg(test)]
mod tests {
    use super::scratch_name;

    #[test]
    fn scratch_names_fit_63_bytes_and_stay_apart() {
        assert_eq!(scratch_name("app", "verify", 42, 0), "app__migrate_verify_42_0");
        let long = "a".repeat(70);
        let (a, b) =
            (scratch_name(&long, "drift", 4_000_000, 1), scratch_name(&format!("{long}b"), "drift", 4_000_000, 1));
        assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
        assert_ne!(a, b);
        assert!(a.ends_with("__migrate_drift_4000000_1"), "{a}");
        let wide = "é".repeat(40);
        let c = scratch_name(&wide, "diff", 1, 0);
        assert!(c.len() <= 63 && c.ends_with("__migrate_diff_1_0"), "{c}");
    }
}
