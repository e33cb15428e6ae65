use migrate_core::prelude::*;

#[seed]
pub fn users(_tx: &Transaction<'_>) -> Result<(), migrate_core::tokio_postgres::Error> {
    Ok(())
}

fn main() {}
