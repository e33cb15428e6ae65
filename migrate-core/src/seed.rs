//! Seeds: data a development or test database starts with, written in Rust against the database client.
//!
//! `#[seed]` registers an `async fn` taking the seeding transaction; `#[seed(env = "dev")]` or
//! `#[seed(env = ["dev", "test"])]` limits it to those environments (without `env` it runs in every
//! one). `migrate-cli seed --env dev` runs the seeds of that environment in name order, all in one
//! transaction: a failing seed leaves nothing behind. Seeds run again on every call, so write them as
//! upserts (`INSERT .. ON CONFLICT .. DO UPDATE`).
//!
//! ```
//! use migrate_core::prelude::*;
//!
//! #[seed(env = ["dev", "test"])]
//! pub async fn admin_user(tx: &Transaction<'_>) -> Result<(), migrate_core::tokio_postgres::Error> {
//!     tx.execute(
//!         "INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name",
//!         &[&"admin@example.com", &"Admin"],
//!     )
//!     .await?;
//!     Ok(())
//! }
//!
//! assert!(migrate_core::seed::seeds().unwrap().iter().any(|s| s.name == "admin_user"));
//! ```

use std::future::Future;
use std::pin::Pin;

use tokio_postgres::{Client, Transaction};

use crate::runner::DbFailure;

/// The error a seed may return: anything that converts into a boxed error (`tokio_postgres::Error`,
/// `anyhow::Error`, `String`, ...).
pub type SeedError = Box<dyn std::error::Error + Send + Sync>;

/// The future a seed's wrapper returns.
pub type SeedFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SeedError>> + 'a>>;

/// What `#[seed]` registers for each seed. Not built by hand.
pub struct SeedDef {
    /// The function's name.
    pub name: &'static str,
    /// The environments it runs in; empty for every one.
    pub envs: &'static [&'static str],
    /// The source file of the function.
    pub file: &'static str,
    /// The function's line in `file`.
    pub line: u32,
    /// The wrapper `#[seed]` generates: runs the function with the seeding transaction.
    pub run: for<'a> fn(&'a Transaction<'a>) -> SeedFuture<'a>,
}

inventory::collect!(SeedDef);

impl SeedDef {
    /// Whether the seed runs in `env`.
    pub fn runs_in(&self, env: &str) -> bool {
        self.envs.is_empty() || self.envs.contains(&env)
    }
}

/// Every seed linked into the program, by name. Two seeds with one name are an error naming both.
pub fn seeds() -> Result<Vec<&'static SeedDef>, String> {
    let mut all: Vec<&'static SeedDef> = inventory::iter::<SeedDef>.into_iter().collect();
    all.sort_by_key(|s| (s.name, s.file, s.line));
    for pair in all.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(format!(
                "two seeds are named `{}` ({}:{} and {}:{}): rename one",
                pair[0].name, pair[0].file, pair[0].line, pair[1].file, pair[1].line
            ));
        }
    }
    Ok(all)
}

/// Why seeding stopped. Nothing was kept: the transaction was rolled back.
#[derive(Debug)]
pub struct SeedFailure {
    /// The seed that failed (`None` when the transaction itself failed).
    pub seed: Option<String>,
    /// The database error taken apart, when the failure came from the server.
    pub db: Option<DbFailure>,
    /// The error's text (shown when the failure did not come from the server).
    pub message: String,
}

impl std::fmt::Display for SeedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.seed {
            Some(s) => write!(f, "seed `{s}` failed; nothing was seeded (the transaction was rolled back): ")?,
            None => write!(f, "seeding failed; nothing was seeded: ")?,
        }
        match &self.db {
            Some(db) => write!(f, "{db}"),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for SeedFailure {}

fn failure(seed: Option<&str>, e: &(dyn std::error::Error + 'static)) -> SeedFailure {
    let db = e.downcast_ref::<tokio_postgres::Error>().map(|pg| DbFailure::from_error(pg, None));
    SeedFailure { seed: seed.map(str::to_string), db, message: e.to_string() }
}

/// Runs `seeds` in order in one transaction; returns their names. On failure everything is rolled back.
pub async fn run(client: &mut Client, seeds: &[&SeedDef]) -> Result<Vec<&'static str>, SeedFailure> {
    run_reporting(client, seeds, |_, _| {}).await
}

/// [`run`], telling `ran` each seed's name and duration as it finishes (inside the transaction: a
/// later failure still rolls it back).
pub async fn run_reporting(
    client: &mut Client,
    seeds: &[&SeedDef],
    mut ran: impl FnMut(&str, std::time::Duration),
) -> Result<Vec<&'static str>, SeedFailure> {
    let tx = client.transaction().await.map_err(|e| failure(None, &e))?;
    let mut done = Vec::new();
    for s in seeds {
        let started = std::time::Instant::now();
        if let Err(e) = (s.run)(&tx).await {
            // Dropping the transaction rolls it back.
            return Err(failure(Some(s.name), &*e));
        }
        ran(s.name, started.elapsed());
        done.push(s.name);
    }
    tx.commit().await.map_err(|e| failure(None, &e))?;
    Ok(done)
}
