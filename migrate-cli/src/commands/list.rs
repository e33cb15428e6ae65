//! `list`: the migrations in the code.

use anstream::println;
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
                    "down": down_kind(m),
                    "irreversible_reason": match &m.down { Down::Irreversible { reason } => Some(reason.as_str()), _ => None },
                    "transaction": m.transaction,
                    "checksum": m.checksum,
                    "file": m.file,
                    "line": m.line,
                })
            })
            .collect();
        ctx.json(true, json!({ "migrations": items }));
        return Ok(crate::EXIT_OK);
    }
    for m in &migrations {
        let tx = if m.transaction { "" } else { ", no transaction" };
        let down = match &m.down {
            Down::Irreversible { reason } => format!("irreversible: {reason}"),
            _ => format!("{} down", down_kind(m)),
        };
        println!("{} {} ({down}{tx}) {}", m.version, ctx.out.bold(&m.name), ctx.out.dim(&m.checksum[..12]));
    }
    Ok(crate::EXIT_OK)
}

/// How the migration's down comes about. A down reversed from SQL that came with its down (an SQL
/// migration's `down.sql`, `sql_with_down`) is the user's own: explicit.
pub fn down_kind(m: &migrate_core::registry::Migration) -> &'static str {
    let sql_with_down =
        !m.up.is_empty() && m.up.iter().all(|op| matches!(op, migrate_core::op::Op::Sql { down: Some(_), .. }));
    match &m.down {
        Down::Derived(_) if sql_with_down => "explicit",
        Down::Derived(_) => "derived",
        Down::Explicit(_) => "explicit",
        Down::Irreversible { .. } => "irreversible",
        _ => "other",
    }
}
