//! An application that applies its migrations at start-up, from a connection pool, and hands the
//! run's spans and events to its own `tracing` subscriber. It prints what it applied and the status
//! as JSON (the shapes of the CLI's `--format json`).
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/blog cargo run -p blog-migrations --example startup
//! ```

use blog_migrations as _; // links the migrations: `#[migration]` registers them

use tracing_subscriber::fmt::format::FmtSpan;

// `pub`: the tests run this same file as their application (tests/src/bin/fx_app.rs).
#[tokio::main(flavor = "current_thread")]
pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The application's own subscriber: each span of the run (run, migration, step) on stderr when
    // it closes, with its fields (version, name, step, duration_ms, rows, sqlstate), and the events.
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_span_events(FmtSpan::CLOSE).with_ansi(false).init();

    let config: tokio_postgres::Config = std::env::var("DATABASE_URL")?.parse()?;
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager).max_size(4).build()?;

    // One connection for the whole run: its steps outside a transaction keep their settings in the
    // session, so the run must not hop between the pool's connections. It goes back to the pool
    // afterwards.
    let mut conn = pool.get().await?;
    let report = migrate_core::up(&mut conn).await?;

    let mut migrator = migrate_core::runner::Migrator::new(migrate_core::registry::migrations()?);
    let status = migrator.status(&conn).await?;
    drop(conn);
    println!("{}", serde_json::json!({ "report": report, "status": status }));
    Ok(())
}
