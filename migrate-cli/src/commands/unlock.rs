//! `unlock`: who holds the migration lock, and, with `--force`, removing it.

use anstream::println;
use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::cli::UnlockArgs;

pub async fn run(ctx: &Ctx, args: UnlockArgs) -> Result<u8> {
    let (_db, client) = ctx.connect().await?;
    let m = ctx.migrator(vec![])?;
    let held = m.unlock(&client, args.force).await?;
    let code = if held.is_empty() { crate::EXIT_PROBLEMS } else { crate::EXIT_OK };
    if ctx.out.json {
        ctx.json(!held.is_empty(), json!({ "force": args.force, "held": held }));
        return Ok(code);
    }
    match (held.is_empty(), args.force) {
        (true, _) => println!("nobody holds the migration lock"),
        (false, true) => {
            for h in &held {
                println!("removed {h}");
            }
        }
        (false, false) => {
            for h in &held {
                println!("held: {h}");
            }
            println!("nothing removed: run `unlock --force` to remove it (only when that run is dead or stuck)");
        }
    }
    Ok(code)
}
