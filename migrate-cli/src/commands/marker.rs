//! `production-marker`: show, set or clear the marker that makes destructive commands refuse a
//! production database whatever URL reaches it.

use anstream::println;
use anyhow::Result;
use migrate_core::runner::ProductionMarker;
use serde_json::json;

use super::Ctx;
use crate::cli::{MarkerAction, ProductionMarkerArgs};

fn marker_json(m: &ProductionMarker) -> serde_json::Value {
    json!({
        "system_identifier": m.system_identifier,
        "database": m.database,
        "written_at": m.written_at,
        "valid": m.valid,
    })
}

pub async fn run(ctx: &Ctx, args: ProductionMarkerArgs) -> Result<u8> {
    let (db, mut client) = ctx.connect().await?;
    let mut m = ctx.migrator(vec![])?;
    if !matches!(args.action, MarkerAction::Status) {
        ctx.ready_lock(&mut m, &db, &client).await?;
    }
    let (verb, marker) = match args.action {
        MarkerAction::Status => ("found", m.production_marker(&client).await?),
        MarkerAction::Set => ("set", Some(m.set_production_marker(&mut client).await?)),
        MarkerAction::Clear => ("cleared", m.clear_production_marker(&mut client).await?),
    };
    if ctx.out.json {
        ctx.json(true, json!({ "action": verb, "marker": marker.as_ref().map(marker_json) }));
        return Ok(crate::EXIT_OK);
    }
    match marker {
        None => println!("no production marker"),
        Some(marker) => println!(
            "{verb} production marker: {marker}{}",
            match (verb, marker.valid) {
                ("cleared", _) => "",
                (_, true) => " (valid: destructive commands refuse this database)",
                (_, false) =>
                    " (not valid here: it was written on another server or database, e.g. before a restore from a dump, so nothing is refused)",
            }
        ),
    }
    Ok(crate::EXIT_OK)
}
