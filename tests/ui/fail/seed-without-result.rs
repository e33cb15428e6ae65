use migrate_core::prelude::*;

#[seed(env = "dev")]
pub async fn users(tx: &Transaction<'_>) {
    let _ = tx;
}

fn main() {}
