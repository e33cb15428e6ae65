//! One call for an application's start-up: apply the pending migrations linked into the program, as
//! `migrate-cli up` does with the default configuration (the lint gate first, then the run under the
//! migration lock).

use tokio_postgres::Client;

use crate::lint::{Finding, LintConfig};
use crate::registry::RegistryErrors;
use crate::runner::{Failed, Migrator, Report, RunError};

/// Why [`up`] applied nothing, or stopped part-way.
#[derive(Debug, thiserror::Error)]
pub enum UpError {
    /// The program's migrations do not load (see [`crate::registry::migrations`]).
    #[error("{0}")]
    Registry(#[from] RegistryErrors),
    /// The program's repeatable migrations do not load (see [`crate::repeatable::repeatables`]).
    #[error("{}", .0.join("\n"))]
    Repeatables(Vec<String>),
    /// The history could not be read.
    #[error("{0}")]
    History(#[from] RunError),
    /// Pending migrations have lint errors: nothing ran (as `migrate-cli up` refuses them).
    #[error(
        "{} lint error(s) in pending migrations, nothing ran: {}. Make the change the safe way, or acknowledge the rule in the migration with #[migration(allow(rule_name = \"reason\"))]",
        .0.len(),
        .0.iter().map(|f| format!("{} [{}] {}", f.migration, f.rule.id(), f.message)).collect::<Vec<_>>().join("; ")
    )]
    Lint(Vec<Finding>),
    /// A migration failed; [`Failed::report`] holds the ones applied before it.
    #[error("{0}")]
    Run(#[from] Failed),
}

/// Applies every pending migration linked into this program with the default configuration: the
/// history tables `migrate_history` and `migrate_history_events` in the connection's current schema,
/// lock_timeout 200ms per statement with retries, safe plans on. Pending migrations are linted first
/// and a lint error stops the call before any SQL, as `migrate-cli up` does. Runs hold the migration
/// lock (the lease table: this call cannot prove the session direct, so it takes the lock that holds
/// through a pooler as well; [`runner::Migrator::connected_from`](crate::runner::Migrator::connected_from)
/// is the way to the advisory lock), so several instances of an application starting at once apply
/// each migration once; with a connection pool, take one connection for the call.
///
/// ```no_run
/// // At start-up, with a client connected by tokio-postgres (or taken from a pool):
/// async fn start(client: &mut migrate_core::tokio_postgres::Client) -> Result<(), migrate_core::startup::UpError> {
///     let report = migrate_core::up(client).await?;
///     for done in &report.applied {
///         println!("applied {} in {} ms", done.id, done.duration_ms);
///     }
///     Ok(())
/// }
/// ```
pub async fn up(client: &mut Client) -> Result<Report, UpError> {
    let migrations = crate::registry::migrations()?;
    let mut migrator = Migrator::new(migrations.clone());
    migrator.with_repeatables(crate::repeatable::repeatables().map_err(UpError::Repeatables)?);
    let pending = migrator.status(client).await?.pending_versions(None);
    let last = migrations.iter().rposition(|m| pending.contains(&m.version));
    if let Some(last) = last {
        let blocking: Vec<Finding> = crate::lint::lint(&migrations[..=last], &LintConfig::default())
            .into_iter()
            .filter(|f| pending.contains(&f.version) && f.blocks())
            .collect();
        if !blocking.is_empty() {
            return Err(UpError::Lint(blocking));
        }
    }
    Ok(migrator.up(client, None).await?)
}
