//! An application that applies its migrations at start-up with `migrate_core::up` (no CLI): prints
//! what it applied, or the error and exit code 1.

use std::process::ExitCode;

#[path = "../../fixtures/one.rs"]
mod m20240101000000_one;
#[path = "../../fixtures/forgetful_down.rs"]
mod m20240102000000_forgetful_down;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (mut client, connection) =
        migrate_core::tokio_postgres::connect(&url, migrate_core::tokio_postgres::NoTls).await.expect("connects");
    tokio::spawn(connection);
    match migrate_core::up(&mut client).await {
        Ok(report) => {
            for done in &report.applied {
                println!("applied {}", done.id);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
