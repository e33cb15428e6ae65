//! The migration lock: one session-level advisory lock, held on the migrating connection for the
//! whole run, outside any transaction. Two deploys that migrate at once never both apply a migration.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use super::error::RunError;

/// The lock key: a stable 64-bit hash of the history table's qualified name, so separate histories
/// (tenant schemas, other tables) lock separately.
pub fn key(history: &str) -> i64 {
    let digest = Sha256::digest(format!("migrate-core lock {history}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes the lock, waiting (and reporting every few seconds through `waiting`) unless `wait` is
/// false. Then checks that the session really holds it: behind a transaction-pooling proxy the next
/// statement may run on another server connection.
pub async fn acquire(
    client: &Client,
    key: i64,
    wait: bool,
    waiting: &(dyn Fn(String) + Send + Sync),
) -> Result<(), RunError> {
    let start = Instant::now();
    let mut last_report: Option<Instant> = None;
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await
            .map_err(|e| RunError::db("taking the migration lock", &e))?
            .get(0);
        if got {
            break;
        }
        let holder = holder(client, key).await;
        if !wait {
            return Err(RunError::LockHeld { holder });
        }
        if last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
            crate::trace::lock_wait(start.elapsed().as_millis() as u64, holder.as_deref());
            waiting(format!(
                "waiting for the migration lock ({}s so far){}",
                start.elapsed().as_secs(),
                holder.map(|h| format!(", held by {h}")).unwrap_or_default()
            ));
            last_report = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Advisory locks on a bigint key appear in pg_locks as classid = high half, objid = low half.
    let held: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
               AND classid::bigint = (($1::bigint >> 32) & 4294967295) AND objid::bigint = ($1::bigint & 4294967295))",
            &[&key],
        )
        .await
        .map_err(|e| RunError::db("checking the migration lock", &e))?
        .get(0);
    if !held {
        // Behind a pooling proxy the lock may sit on another server connection: release it there too
        // (best effort), so later runs do not wait for it forever.
        release(client, key).await;
        return Err(RunError::NoSession("the migration lock taken by one statement is not held by the next".into()));
    }
    Ok(())
}

/// Whether another session holds the lock (a run is migrating now). Best effort: false when it
/// cannot be read.
pub async fn held_elsewhere(client: &Client, key: i64) -> bool {
    client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
               AND classid::bigint = (($1::bigint >> 32) & 4294967295) AND objid::bigint = ($1::bigint & 4294967295))",
            &[&key],
        )
        .await
        .is_ok_and(|r| r.get(0))
}

async fn holder(client: &Client, key: i64) -> Option<String> {
    let row = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), a.backend_start::text
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.classid::bigint = (($1::bigint >> 32) & 4294967295) AND l.objid::bigint = ($1::bigint & 4294967295)
             LIMIT 1",
            &[&key],
        )
        .await
        .ok()??;
    let pid: i32 = row.get(0);
    let app: String = row.get(1);
    let addr: String = row.get(2);
    let since: String = row.get(3);
    Some(format!(
        "backend pid {pid} ({}from {addr}, connected since {since})",
        if app.is_empty() { String::new() } else { format!("{app} ") }
    ))
}

/// Releases the lock (also released when the connection closes).
pub async fn release(client: &Client, key: i64) {
    let _ = client.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await;
}
