//! `list`: the migrations in the code.

use anyhow::Result;
use migrate_core::registry::Down;
use serde_json::json;

use super::Ctx;

pub fn run(ctx: &Ctx) -> Result<u8> {
    let migrations = ctx.migrations()?;
    if ctx.out.json {
        let items: Vec<_> = migrations
            .iter()
            .map(|m| {
                json!({
                    "version": m.version,
                    "name": m.name,
                    "down": down_kind(&m.down),
                    "transaction": m.transaction,
                    "checksum": m.checksum,
                    "file": m.file,
                    "line": m.line,
                })
            })
            .collect();
        ctx.json(&json!(items));
        return Ok(crate::EXIT_OK);
    }
    for m in &migrations {
        let tx = if m.transaction { "" } else { ", no transaction" };
        println!(
            "{} {} ({} down{tx}) {}",
            m.version,
            ctx.out.bold(&m.name),
            down_kind(&m.down),
            ctx.out.dim(&m.checksum[..12])
        );
    }
    Ok(crate::EXIT_OK)
}

pub fn down_kind(d: &Down) -> &'static str {
    match d {
        Down::Derived(_) => "derived",
        Down::Explicit(_) => "explicit",
        Down::Irreversible { .. } => "irreversible",
        _ => "other",
    }
}
