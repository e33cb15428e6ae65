//! `drift`: the live database against a scratch database migrated to the same applied migrations.

use anstream::println;
use anyhow::Result;
use migrate_core::introspect::{diff, snapshot};
use migrate_core::runner::{EntryState, Migrator};
use serde_json::json;

use super::Ctx;
use super::verify::{Scratch, scope};

/// What `drift` found.
pub struct Drift {
    /// Differences between the database and its applied migrations.
    pub changes: Vec<String>,
    /// Functions that differ only in whitespace or comments (said, no drift).
    layout: Vec<String>,
    /// Applied migrations missing from the code.
    missing: Vec<String>,
    applied: usize,
}

impl Drift {
    /// The JSON body of `drift` (and `status --drift`'s `drift` field).
    pub fn json(&self) -> serde_json::Value {
        json!({ "drift": self.changes, "layout_only": self.layout, "applied_missing_from_code": self.missing })
    }

    fn print(&self) {
        for c in &self.changes {
            println!("{c}");
        }
        for c in &self.layout {
            println!("note: {c}");
        }
        for m in &self.missing {
            println!("note: {m} is applied but missing from the code; its changes count as drift");
        }
        if self.changes.is_empty() {
            println!("no drift: the database matches its {} applied migration(s)", self.applied);
        } else {
            println!("{} difference(s) between the database and its applied migrations", self.changes.len());
        }
    }
}

pub async fn run(ctx: &Ctx, args: crate::cli::ScratchArgs) -> Result<u8> {
    let found = compare(ctx, args).await?;
    if ctx.out.json {
        ctx.json(found.changes.is_empty(), found.json());
    } else {
        found.print();
    }
    Ok(if found.changes.is_empty() { crate::EXIT_OK } else { crate::EXIT_PROBLEMS })
}

/// Compares the database with a scratch database migrated to its applied migrations.
pub async fn compare(ctx: &Ctx, args: crate::cli::ScratchArgs) -> Result<Drift> {
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
    // The repeatables as the database applied them (their text may have changed in the code since).
    let applied_repeatables: Vec<migrate_core::repeatable::Repeatable> = live
        .applied_repeatables(&client)
        .await?
        .iter()
        .map(|a| {
            migrate_core::repeatable::Repeatable::new(&a.name, "the history", &a.up_sql, Some(&a.down_sql.join(";\n")))
        })
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut scratch = Scratch::create(ctx, &db.url, "drift", &args).await?;
    let expected = async {
        let code: Vec<_> = migrations.into_iter().filter(|m| applied.contains(&m.version)).collect();
        let mut m = Migrator::new(code);
        m.with_repeatables(applied_repeatables);
        m.with_config(live.config().clone());
        m.connected_from(scratch.origin.clone());
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
    Ok(Drift {
        changes: changes.iter().map(ToString::to_string).collect(),
        layout: layout.iter().map(ToString::to_string).collect(),
        missing,
        applied: applied.len(),
    })
}
