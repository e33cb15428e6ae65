//! Keeping two runs apart: a run holds the migration lock from its first read of the history to its
//! last write, so two deploys that migrate at once never both apply a migration.
//!
//! Two strategies ([`Strategy`]):
//! - **advisory**: one session-level advisory lock on the migrating connection, outside any
//!   transaction. It needs a session of its own: behind a transaction-pooling proxy (PgBouncer with
//!   `pool_mode = transaction`) the lock lands on whichever server connection served the statement,
//!   and may stay there after the run.
//! - **table**: a lease row in `<history>_lock` beside the history (holder, host, pid, acquired,
//!   expires), renewed by a heartbeat while the run lasts. Taking it over from a run whose lease
//!   expired increments its fencing token; every transaction that writes the history checks, just
//!   before it does, that the token is still this run's, and holds the lease row's key share until
//!   it commits, so a run that lost its lease cannot record anything, even through a transaction
//!   pooler.
//!
//! `auto` (the default) takes the advisory lock when the session is proven direct ([`prove_direct`])
//! and the lease otherwise.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::error::RunError;
use super::history::HistoryTables;

/// How a run keeps other runs out ([`Config::lock`](super::Config::lock)).
///
/// ```
/// use migrate_core::runner::lock::Strategy;
/// assert_eq!("table".parse::<Strategy>(), Ok(Strategy::Table));
/// assert!("session".parse::<Strategy>().unwrap_err().contains("auto, advisory or table"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// The advisory lock when the session is proven direct, the lease table otherwise.
    #[default]
    Auto,
    /// A session-level advisory lock: for direct connections only.
    Advisory,
    /// A lease row with a heartbeat and a fencing token: works through transaction poolers.
    Table,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Strategy::Auto),
            "advisory" => Ok(Strategy::Advisory),
            "table" => Ok(Strategy::Table),
            other => Err(format!("unknown lock strategy `{other}`: use auto, advisory or table")),
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Strategy::Auto => "auto",
            Strategy::Advisory => "advisory",
            Strategy::Table => "table",
        })
    }
}

/// Our end of the connection, as the program that opened the socket knows it: what
/// [`prove_direct`] compares with what the server sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A TCP connection: the socket's local address.
    Tcp(SocketAddr),
    /// A Unix-domain socket: its directory and the port in its name (`<dir>/.s.PGSQL.<port>`).
    Unix {
        /// The socket's directory.
        dir: PathBuf,
        /// The port in the socket's file name.
        port: u16,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Tcp(a) => write!(f, "{a}"),
            Origin::Unix { dir, port } => write!(f, "{}/.s.PGSQL.{port}", dir.display()),
        }
    }
}

/// Whether the server's end of this session is the socket we opened: the server's
/// `inet_client_addr()`/`inet_client_port()` equal our socket's local address (TCP), or its
/// `unix_socket_directories` and `port` name the socket we connected to (Unix). Through a pooler
/// the server sees the pooler's connection instead, whichever server connection serves the
/// statement. Gives the verdict and the reason in words. Without an origin nothing is proven.
pub async fn prove_direct(client: &Client, origin: Option<&Origin>) -> Result<(bool, String), RunError> {
    let Some(origin) = origin else {
        return Ok((false, "the connection's own address was not given, so a direct session cannot be proven".into()));
    };
    let rows = client
        .simple_query(
            "SELECT host(inet_client_addr()), inet_client_port(), current_setting('unix_socket_directories'), current_setting('port')",
        )
        .await
        .map_err(|e| RunError::db("asking the server who it is talking to", &e))?;
    let row = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    });
    let get = |i: usize| row.and_then(|r| r.get(i)).map(str::to_string);
    Ok(judge(
        origin,
        get(0).as_deref(),
        get(1).as_deref(),
        get(2).as_deref().unwrap_or(""),
        get(3).as_deref().unwrap_or(""),
    ))
}

/// [`prove_direct`]'s verdict on what the server said (pure, for tests).
fn judge(origin: &Origin, addr: Option<&str>, port: Option<&str>, dirs: &str, server_port: &str) -> (bool, String) {
    match origin {
        Origin::Tcp(ours) => {
            let theirs = addr.and_then(|a| a.parse::<IpAddr>().ok()).zip(port.and_then(|p| p.parse::<u16>().ok()));
            match theirs {
                Some((ip, port)) if ip.to_canonical() == ours.ip().to_canonical() && port == ours.port() => {
                    (true, format!("the server sees our own socket {ours}"))
                }
                Some((ip, port)) => (
                    false,
                    format!(
                        "the server sees {}, not our socket {ours}: a pooler or proxy is in between",
                        SocketAddr::new(ip, port)
                    ),
                ),
                None => (false, format!("the server sees a Unix-socket client, not our TCP socket {ours}")),
            }
        }
        Origin::Unix { dir, port: ours } => {
            if addr.is_some() {
                return (false, format!("the server sees a TCP client, not our Unix socket in {}", dir.display()));
            }
            let listed = dirs.split(',').map(str::trim).any(|d| std::path::Path::new(d) == dir.as_path());
            match (listed, server_port.parse::<u16>().ok() == Some(*ours)) {
                (true, true) => (true, format!("the server listens on our socket {}", origin)),
                _ => (
                    false,
                    format!(
                        "the server listens on port {server_port} in `{dirs}`, not on our socket {origin}: a pooler or proxy is in between"
                    ),
                ),
            }
        }
    }
}

/// The lock a run holds, released by [`release`].
#[derive(Debug, Clone)]
pub enum Held {
    /// The session advisory lock on this key.
    Advisory(i64),
    /// The lease with this fencing token, in this lock table.
    Lease {
        /// The fencing token.
        token: i64,
        /// The lock table, quoted.
        table: String,
    },
}

/// The `pg_locks` rows of the advisory lock on the bigint key `$1`: such a key appears as classid =
/// its high half, objid = its low half.
const ADVISORY_KEY: &str = "locktype = 'advisory' AND granted
    AND classid::bigint = (($1::bigint >> 32) & 4294967295) AND objid::bigint = ($1::bigint & 4294967295)";

/// Whether lock table `table` holds a live lease: held, and not expired.
fn live(table: &str) -> String {
    format!("EXISTS (SELECT 1 FROM {table} WHERE id = 1 AND holder IS NOT NULL AND expires_at > clock_timestamp())")
}

/// The columns of a lease that nobody holds.
const FREED: &str = "holder = NULL, host = NULL, pid = NULL, expires_at = NULL";

/// The lock key: a stable 64-bit hash of the history table's qualified name, so separate histories
/// (tenant schemas, other tables) lock separately.
pub fn key(history: &str) -> i64 {
    let digest = Sha256::digest(format!("migrate-core lock {history}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Waits for a lock, reporting every 5 seconds through `waiting`; `holder` says who holds it.
struct Waiter<'a> {
    start: Instant,
    last_report: Option<Instant>,
    wait: bool,
    waiting: &'a (dyn Fn(String) + Send + Sync),
}

impl Waiter<'_> {
    /// After a failed try: an error when not waiting, else a report now and then and a pause.
    async fn again(&mut self, holder: Option<String>) -> Result<(), RunError> {
        if !self.wait {
            return Err(RunError::LockHeld { holder });
        }
        if self.last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
            crate::trace::lock_wait(self.start.elapsed().as_millis() as u64, holder.as_deref());
            (self.waiting)(format!(
                "waiting for the migration lock ({}s so far){}",
                self.start.elapsed().as_secs(),
                holder.map(|h| format!(", held by {h}")).unwrap_or_default()
            ));
            self.last_report = Some(Instant::now());
        }
        // 150 to 250 ms: two runs that took the two kinds of lock at once and both stepped back
        // ([`acquire`], [`take_lease`]) do not meet again in step.
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() % 100)
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(150 + u64::from(jitter))).await;
        Ok(())
    }
}

/// Takes the advisory lock of `tables`' history, waiting (and reporting every few seconds through
/// `waiting`) unless `wait` is false; a live lease of another run (`lock = "table"`, e.g. an
/// application starting up through a pooler) counts as held too, so runs of either kind exclude each
/// other. Then checks that the session really holds it: behind a transaction-pooling proxy the next
/// statement may run on another server connection.
pub async fn acquire(
    client: &Client,
    tables: &HistoryTables,
    wait: bool,
    waiting: &(dyn Fn(String) + Send + Sync),
) -> Result<i64, RunError> {
    let key = key(&tables.history);
    let mut waiter = Waiter { start: Instant::now(), last_report: None, wait, waiting };
    loop {
        let got: bool = client
            .query_typed_one("SELECT pg_try_advisory_lock($1)", &[(&key, Type::INT8)])
            .await
            .map_err(|e| RunError::db("taking the migration lock", &e))?
            .get(0);
        if !got {
            waiter.again(holder(client, key).await).await?;
            continue;
        }
        match live_lease(client, tables).await {
            Some(lease) => {
                release_advisory(client, key).await;
                waiter.again(Some(lease)).await?;
            }
            None => break,
        }
    }
    let held: Result<bool, _> = client
        .query_typed_one(
            &format!("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE {ADVISORY_KEY} AND pid = pg_backend_pid())"),
            &[(&key, Type::INT8)],
        )
        .await
        .map(|r| r.get(0));
    let held = match held {
        Ok(held) => held,
        Err(e) => {
            release_advisory(client, key).await;
            return Err(RunError::db("checking the migration lock", &e));
        }
    };
    if !held {
        // Behind a pooling proxy the lock may sit on another server connection: release it there too
        // (best effort), so later runs do not wait for it forever.
        release_advisory(client, key).await;
        return Err(RunError::NoSession("the migration lock taken by one statement is not held by the next".into()));
    }
    Ok(key)
}

/// Who holds a live lease in the lock table (when it exists), in words.
async fn live_lease(client: &Client, tables: &HistoryTables) -> Option<String> {
    if !super::history::table_exists(client, &tables.lock).await.ok()? {
        return None;
    }
    // An expired lease whose run may still be alive (a stalled heartbeat) is revoked: its token moves
    // on (waiting for that run's fences), so it records nothing more and cannot renew it. Gives
    // whether a live lease remains.
    let revoke_or_live = format!(
        "WITH revoked AS (
             UPDATE {t} SET token = token + 1, {FREED}
             WHERE id = 1 AND holder IS NOT NULL AND (expires_at IS NULL OR expires_at <= clock_timestamp())
             RETURNING 1)
         SELECT {}",
        live(&tables.lock),
        t = tables.lock
    );
    if !client.query_typed_one(&revoke_or_live, &[]).await.ok()?.get::<_, bool>(0) {
        return None;
    }
    lease_holder(client, &tables.lock).await.ok().flatten()
}

/// Runs `sql`, retrying when a concurrent run created the same object at the same moment
/// (`IF NOT EXISTS` still fails then: 23505 on the catalog's unique index, or 42P07/42P06).
pub(crate) async fn create_race_free(client: &Client, sql: &str, what: &str) -> Result<(), RunError> {
    let mut tries = 0;
    loop {
        match client.batch_execute(sql).await {
            Ok(()) => return Ok(()),
            Err(e)
                if tries < 5 && e.code().is_some_and(|c| ["23505", "42P07", "42P06", "42710"].contains(&c.code())) =>
            {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(RunError::db(format!("creating {what}"), &e)),
        }
    }
}

/// Takes the lease in `tables.lock` for `lease`, waiting unless `wait` is false (a live lease of
/// another run), and returns its fencing token. The lock table (and a configured schema) must exist
/// (`create_race_free`).
pub async fn take_lease(
    client: &Client,
    tables: &HistoryTables,
    lease: Duration,
    wait: bool,
    waiting: &(dyn Fn(String) + Send + Sync),
) -> Result<i64, RunError> {
    let mut waiter = Waiter { start: Instant::now(), last_report: None, wait, waiting };
    let holder_name = super::actor(client).await;
    let host = whoami::hostname().unwrap_or_else(|_| "unknown-host".into());
    let pid = std::process::id() as i32;
    let seconds = lease.as_secs_f64();
    // Looked at first without locking the row: taking it (a key update, since the token is unique)
    // waits for every run's fence, and a waiting taker would hold up the holder's heartbeat too.
    let free_sql = format!("SELECT NOT {}", live(&tables.lock));
    let take_sql = format!(
        "INSERT INTO {t} AS l (id, token, holder, host, pid, acquired_at, expires_at)
         VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, $1, $2, $3, clock_timestamp(),
                 clock_timestamp() + $4 * interval '1 second')
         ON CONFLICT (id) DO UPDATE SET token = l.token + 1, holder = EXCLUDED.holder, host = EXCLUDED.host,
             pid = EXCLUDED.pid, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
         WHERE l.holder IS NULL OR l.expires_at IS NULL OR l.expires_at <= clock_timestamp()
         RETURNING token",
        t = tables.lock
    );
    let failed = |e: tokio_postgres::Error| RunError::db("taking the migration lease", &e);
    loop {
        let free: bool = client.query_typed_one(&free_sql, &[]).await.map_err(failed)?.get(0);
        if free {
            let taken = client
                .query_typed_opt(
                    &take_sql,
                    &[(&holder_name, Type::TEXT), (&host, Type::TEXT), (&pid, Type::INT4), (&seconds, Type::FLOAT8)],
                )
                .await;
            // Two first runs inserting the row in the same millisecond: the other one's insert won
            // (its token is the same clock value), and this one waits for its lease like any other.
            let taken = match taken {
                Err(e) if e.code().is_some_and(|c| c.code() == "23505") => None,
                other => other.map_err(failed)?,
            };
            if let Some(row) = taken {
                let token: i64 = row.get(0);
                // A run of the other kind (`lock = "advisory"`, or an older release) holds the
                // advisory lock: step back and wait for it.
                let key = key(&tables.history);
                match advisory_holder(client, key).await {
                    Some((_, words)) => {
                        release(client, &Held::Lease { token, table: tables.lock.clone() }).await;
                        waiter.again(Some(format!("the advisory lock of {words}"))).await?;
                        continue;
                    }
                    None => return Ok(token),
                }
            }
        }
        waiter.again(lease_holder(client, &tables.lock).await.ok().flatten()).await?;
    }
}

/// Renews the lease for `lease` from now. False when it is no longer this run's (another run took
/// it over after it expired, or `unlock --force` removed it).
pub async fn renew(client: &Client, table: &str, token: i64, lease: Duration) -> Result<bool, tokio_postgres::Error> {
    let sql = format!(
        "UPDATE {table} SET expires_at = clock_timestamp() + $2 * interval '1 second' WHERE id = 1 AND token = $1 AND holder IS NOT NULL"
    );
    let n = client.execute_typed(&sql, &[(&token, Type::INT8), (&lease.as_secs_f64(), Type::FLOAT8)]).await?;
    Ok(n == 1)
}

/// Renews the lease every `every` until dropped, on its own connection (a statement that runs for
/// minutes on the migrating connection must not let the lease expire). Reports a lost lease once.
pub async fn heartbeat(
    client: &Client,
    (table, token): (&str, i64),
    (lease, every): (Duration, Duration),
    progress: &(dyn Fn(String) + Send + Sync),
) {
    let mut said = false;
    loop {
        tokio::time::sleep(every).await;
        match renew(client, table, token, lease).await {
            Ok(true) => crate::trace::heartbeat(token),
            Ok(false) if !said => {
                progress(format!(
                    "the migration lease (token {token}) is no longer this run's: another run took it over or it was removed; this run's next history write will fail"
                ));
                said = true;
            }
            Ok(false) => {}
            Err(e) if !said => {
                progress(format!("renewing the migration lease failed: {e}"));
                said = true;
            }
            Err(_) => {}
        }
    }
}

/// Who holds the lease (live or expired), in words; `None` when nobody does.
pub async fn lease_holder(client: &Client, table: &str) -> Result<Option<String>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT holder, coalesce(host, '?'), coalesce(pid, 0), token,
                coalesce(to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', 'an unknown time'),
                coalesce(extract(epoch FROM expires_at - clock_timestamp())::float8, 0)
         FROM {table} WHERE id = 1 AND holder IS NOT NULL"
    );
    let Some(row) = client.query_typed_opt(&sql, &[]).await? else { return Ok(None) };
    let (who, host, pid, token, since, left): (String, String, i32, i64, String, f64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
    let expiry = if left > 0.0 {
        format!("expires in {:.0}s unless renewed", left.ceil())
    } else {
        format!("expired {:.0}s ago", (-left).ceil())
    };
    Ok(Some(format!("the lease of {who}, pid {pid} on {host}, token {token}, since {since} ({expiry})")))
}

/// Removes the lease whatever holds it (`unlock --force`), and moves the fencing token on, so that
/// a run still holding it can record nothing more. Gives the holder it removed.
pub async fn remove_lease(client: &Client, table: &str) -> Result<Option<String>, tokio_postgres::Error> {
    let holder = lease_holder(client, table).await?;
    if holder.is_some() {
        let sql = format!("UPDATE {table} SET token = token + 1, {FREED} WHERE id = 1");
        client.batch_execute(&sql).await?;
    }
    Ok(holder)
}

/// The statement that puts this run's lease back, with its token, into a lock table just created
/// again (`reset` drops the schema it lives in).
pub(crate) fn restore_sql(table: &str, token: i64, lease: Duration) -> String {
    format!(
        "INSERT INTO {table} (id, token, holder, host, pid, acquired_at, expires_at)
         VALUES (1, {token}, 'reset', NULL, {}, clock_timestamp(), clock_timestamp() + interval '{} seconds')",
        std::process::id() as i32,
        lease.as_secs_f64()
    )
}

/// The DO statement that checks, in a transaction that writes the history, that the lease's fencing
/// token is still `token`, and keeps the lease row's key share until the transaction ends (taking the
/// lease over waits for it). Fails with SQLSTATE `MG001` otherwise.
pub(crate) fn fence_sql(table: &str, token: i64) -> String {
    let message = crate::ident::quote_literal(&format!(
        "this run no longer holds the migration lease (its token {token} was taken over after the lease expired, or removed by unlock --force): it records nothing more"
    ));
    format!(
        "DO $fence$ BEGIN PERFORM 1 FROM {table} WHERE id = 1 AND token = {token} FOR KEY SHARE; IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'MG001', MESSAGE = {message}, HINT = 'run `status` to see what the other run did, then `up` again'; END IF; END $fence$"
    )
}

/// Whether another run holds the lock: another session's advisory lock, or a live lease (when the
/// lock table exists). Best effort: false when it cannot be read.
pub async fn held_elsewhere(client: &Client, tables: &HistoryTables) -> bool {
    let key = key(&tables.history);
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE {ADVISORY_KEY} AND pid <> pg_backend_pid()), to_regclass({})::text",
        crate::ident::quote_literal(&tables.lock)
    );
    let Ok(row) = client.query_typed_one(&sql, &[(&key, Type::INT8)]).await else { return false };
    if row.get::<_, bool>(0) {
        return true;
    }
    if row.get::<_, Option<String>>(1).is_none() {
        return false;
    }
    client.query_typed_one(&format!("SELECT {}", live(&tables.lock)), &[]).await.is_ok_and(|r| r.get(0))
}

/// Who holds the advisory lock, in words.
pub async fn holder(client: &Client, key: i64) -> Option<String> {
    advisory_holder(client, key).await.map(|(_, words)| words)
}

/// The backend holding the advisory lock and its description.
async fn advisory_holder(client: &Client, key: i64) -> Option<(i32, String)> {
    let row = client
        .query_typed_opt(
            &format!(
                "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'),
                        coalesce(a.backend_start::text, 'a time this role may not see')
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE {ADVISORY_KEY}
                 LIMIT 1"
            ),
            &[(&key, Type::INT8)],
        )
        .await
        .ok()??;
    let pid: i32 = row.get(0);
    let app: String = row.get(1);
    let addr: String = row.get(2);
    let since: String = row.get(3);
    Some((
        pid,
        format!(
            "backend pid {pid} ({}from {addr}, connected since {since})",
            if app.is_empty() { String::new() } else { format!("{app} ") }
        ),
    ))
}

/// Ends the session holding the advisory lock (`unlock --force`): an idle pooled server connection
/// can keep it after its run ended. Gives the holder it ended.
pub async fn end_advisory_holder(client: &Client, key: i64) -> Result<Option<String>, RunError> {
    let Some((pid, words)) = advisory_holder(client, key).await else { return Ok(None) };
    let ended: bool = client
        .query_typed_one("SELECT pg_terminate_backend($1)", &[(&pid, Type::INT4)])
        .await
        .map_err(|e| RunError::db(format!("ending {words}"), &e))?
        .get(0);
    if !ended {
        return Err(RunError::Usage(format!("could not end {words}: it is gone, or this role may not end it")));
    }
    Ok(Some(words))
}

/// Releases the advisory lock (also released when the connection closes).
async fn release_advisory(client: &Client, key: i64) {
    let _ = client.query_typed_one("SELECT pg_advisory_unlock($1)", &[(&key, Type::INT8)]).await;
}

/// Releases what [`acquire`] or [`take_lease`] took (best effort: an advisory lock goes with the
/// connection, a lease expires).
pub async fn release(client: &Client, held: &Held) {
    match held {
        Held::Advisory(key) => release_advisory(client, *key).await,
        Held::Lease { token, table } => {
            let sql = format!("UPDATE {table} SET {FREED} WHERE id = 1 AND token = $1");
            let _ = client.execute_typed(&sql, &[(token, Type::INT8)]).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Origin, judge};

    #[test]
    fn a_session_is_direct_only_when_the_server_sees_our_own_socket() {
        let ours = Origin::Tcp("127.0.0.1:50123".parse().unwrap());
        assert!(judge(&ours, Some("127.0.0.1"), Some("50123"), "/var/run/postgresql", "5432").0);
        let (direct, why) = judge(&ours, Some("127.0.0.1"), Some("40777"), "/tmp", "5432");
        assert!(!direct);
        assert!(why.contains("127.0.0.1:40777") && why.contains("pooler"), "{why}");
        assert!(!judge(&ours, None, None, "/tmp", "5432").0, "a Unix-socket client is not our TCP socket");
        // IPv4 seen as IPv4-mapped IPv6 is the same address.
        assert!(judge(&ours, Some("::ffff:127.0.0.1"), Some("50123"), "", "5432").0);

        let unix = Origin::Unix { dir: "/var/run/postgresql".into(), port: 5432 };
        assert!(judge(&unix, None, None, "/var/run/postgresql, /tmp", "5432").0);
        assert!(!judge(&unix, None, None, "/var/run/postgresql", "5433").0, "another port: a pooler");
        assert!(!judge(&unix, None, None, "/tmp", "5432").0, "another directory");
        assert!(!judge(&unix, Some("127.0.0.1"), Some("5000"), "/var/run/postgresql", "5432").0);
    }
}
