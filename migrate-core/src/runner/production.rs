//! The production marker. `up` through a target marked production ([`Config::production`]) records
//! in the history's meta table which server (its `system_identifier`, from `pg_control_system()`) and
//! which database it ran on. Destructive commands refuse a database whose marker still matches both,
//! whatever URL reached it, unless allowed ([`Config::allow_production`]; `reset` never). A copy
//! restored on another server, or under another name, from a production dump carries a marker that no
//! longer matches, so a staging copy is not blocked. Read-only commands never write it;
//! [`Migrator::clear_production_marker`] removes it.
//!
//! [`Config::production`]: super::Config::production
//! [`Config::allow_production`]: super::Config::allow_production
//! [`Migrator::clear_production_marker`]: super::Migrator::clear_production_marker

use std::fmt;
use tokio_postgres::types::Type;

use tokio_postgres::Client;

use super::error::RunError;
use super::history::HistoryTables;

/// The meta table's key of the marker; its value is `<system_identifier>:<database>`.
const KEY: &str = "production";

/// A production marker found in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionMarker {
    /// The `system_identifier` of the server `up` ran on.
    pub system_identifier: String,
    /// The database `up` ran on.
    pub database: String,
    /// When it was written, in RFC 3339 and UTC.
    pub written_at: String,
    /// Whether it matches the server and database it is read on (a restored copy's does not).
    pub valid: bool,
}

impl fmt::Display for ProductionMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "database {} on the server with system identifier {}, written {}",
            self.database, self.system_identifier, self.written_at
        )
    }
}

/// The server's `system_identifier` and the current database.
async fn here(c: &Client) -> Result<(String, String), RunError> {
    let row = c
        .query_typed_one(
            "SELECT (SELECT system_identifier::text FROM pg_control_system()), current_database()::text",
            &[],
        )
        .await
        .map_err(|e| RunError::db("reading the server's system identifier", &e))?;
    Ok((row.get(0), row.get(1)))
}

/// The marker in `t`'s meta table, if any (the table may not exist: nothing is written).
pub(crate) async fn read(c: &Client, t: &HistoryTables) -> Result<Option<ProductionMarker>, RunError> {
    if !super::history::table_exists(c, &t.meta).await? {
        return Ok(None);
    }
    let sql = format!("SELECT value, updated_at FROM {} WHERE key = $1", t.meta);
    let Some(row) = c
        .query_typed_opt(&sql, &[(&KEY, Type::TEXT)])
        .await
        .map_err(|e| RunError::db("reading the production marker", &e))?
    else {
        return Ok(None);
    };
    let value: String = row.get(0);
    let (system_identifier, database) = value.split_once(':').unwrap_or((value.as_str(), ""));
    let (sys, db) = here(c).await?;
    Ok(Some(ProductionMarker {
        valid: sys == system_identifier && db == database,
        system_identifier: system_identifier.to_string(),
        database: database.to_string(),
        written_at: super::history::rfc3339(&row, 1),
    }))
}

/// Writes (or renews) the marker for this server and database.
pub(crate) async fn write(c: &Client, t: &HistoryTables) -> Result<ProductionMarker, RunError> {
    let (sys, db) = here(c).await?;
    let sql = format!(
        "INSERT INTO {} (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         RETURNING updated_at",
        t.meta
    );
    let row = c
        .query_typed_one(&sql, &[(&KEY, Type::TEXT), (&format!("{sys}:{db}"), Type::TEXT)])
        .await
        .map_err(|e| RunError::db("writing the production marker", &e))?;
    let written_at = super::history::rfc3339(&row, 0);
    Ok(ProductionMarker { system_identifier: sys, database: db, written_at, valid: true })
}

/// Removes the marker; returns the one removed.
pub(crate) async fn clear(c: &Client, t: &HistoryTables) -> Result<Option<ProductionMarker>, RunError> {
    let found = read(c, t).await?;
    if found.is_some() {
        let sql = format!("DELETE FROM {} WHERE key = $1", t.meta);
        c.execute_typed(&sql, &[(&KEY, Type::TEXT)])
            .await
            .map_err(|e| RunError::db("removing the production marker", &e))?;
    }
    Ok(found)
}

/// Refuses `what` when the database carries a valid marker, unless `allowed` (`allowable` false: never).
pub(crate) async fn guard(
    c: &Client,
    t: &HistoryTables,
    what: &str,
    allowable: bool,
    allowed: bool,
) -> Result<(), RunError> {
    if allowable && allowed {
        return Ok(());
    }
    match read(c, t).await? {
        Some(marker) if marker.valid => {
            Err(RunError::Production { what: what.to_string(), marker: Box::new(marker), allowable })
        }
        _ => Ok(()),
    }
}
