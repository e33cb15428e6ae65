//! Errors of the runner, carrying what users need to act: SQLSTATE, message, detail, hint, the
//! migration and the failing statement with a caret under the reported position.

use std::fmt;

/// A database error, taken apart (`Display` of `tokio_postgres::Error` prints only "db error").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFailure {
    /// Five-character SQLSTATE, e.g. `42P01`; empty when the failure was not a server error (I/O).
    pub code: String,
    /// The server's message (or the client's, for a failure that is not the server's).
    pub message: String,
    /// The server's DETAIL, when it gave one.
    pub detail: Option<String>,
    /// The server's HINT, when it gave one.
    pub hint: Option<String>,
    /// The statement that failed, when known.
    pub statement: Option<String>,
    /// 1-based character position in `statement` that the server reported.
    pub position: Option<u32>,
}

impl DbFailure {
    /// The SQLSTATE, when the failure was the server's.
    pub fn sqlstate(&self) -> Option<&str> {
        Some(self.code.as_str()).filter(|c| !c.is_empty())
    }

    /// Takes a tokio-postgres error apart. `batch` is the SQL that was sent and `statements` its
    /// statements with their character offsets in `batch`: the server's position (relative to the whole
    /// batch) is mapped to the statement it falls in.
    pub fn from_error(e: &tokio_postgres::Error, sent: Option<&Sent>) -> DbFailure {
        let Some(db) = e.as_db_error() else {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                message.push_str(": ");
                message.push_str(&s.to_string());
                source = s.source();
            }
            return DbFailure {
                code: String::new(),
                message,
                detail: None,
                hint: None,
                statement: sent.and_then(|s| s.statements.first().map(|(_, t)| t.clone())),
                position: None,
            };
        };
        let pos = match db.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
            _ => None,
        };
        let (statement, position) = match (sent, pos) {
            (Some(sent), Some(p)) => match sent.locate(p) {
                Some((st, rel)) => (Some(st), Some(rel)),
                None => (sent.statements.last().map(|(_, s)| s.clone()), None),
            },
            (Some(sent), None) if sent.statements.len() == 1 => (Some(sent.statements[0].1.clone()), None),
            _ => (None, None),
        };
        DbFailure {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
            statement,
            position,
        }
    }
}

/// SQL sent in one call, with each statement's starting character offset, to map error positions.
#[derive(Debug, Default, Clone)]
pub struct Sent {
    /// Each statement, with the character offset where it starts in the batch sent.
    pub statements: Vec<(usize, String)>,
}

impl Sent {
    fn locate(&self, position: u32) -> Option<(String, u32)> {
        let p = position as usize; // 1-based character index into the batch
        self.statements.iter().rev().find(|(start, _)| *start < p).and_then(|(start, text)| {
            let rel = p - start;
            (rel <= text.chars().count()).then(|| (text.clone(), rel as u32))
        })
    }
}

impl fmt::Display for DbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{} (SQLSTATE {})", self.message, self.code)?;
        }
        if let Some(d) = &self.detail {
            write!(f, "\n  detail: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        if let Some(st) = &self.statement {
            write!(f, "\n  statement:")?;
            let mut offset = 0usize; // characters before the current line
            let mut caret_done = false;
            for line in st.lines() {
                write!(f, "\n    {line}")?;
                let len = line.chars().count();
                if let Some(p) = self.position
                    && !caret_done
                {
                    let p = p as usize;
                    if p > offset && p <= offset + len + 1 {
                        let col = p - offset - 1;
                        let pad: String = line.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                        write!(f, "\n    {pad}^")?;
                        caret_done = true;
                    }
                }
                offset += len + 1;
            }
        }
        Ok(())
    }
}

/// A setting that cannot work, and why ([`Config::validate`](super::Config::validate)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidConfig(pub String);

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A statement failed; nothing of a transactional migration remains.
    #[error("migration {migration} failed{}: {failure}", at_step(*.step, *.steps))]
    Migration {
        /// `m<version>_<name>` (with `(rolling back)` for a down).
        migration: String,
        /// The step that failed, 1-based (`None`: the migration runs as one transaction).
        step: Option<usize>,
        /// How many steps its plan has.
        steps: Option<usize>,
        /// The server's error, with the statement that failed.
        failure: DbFailure,
    },
    /// A query of the runner itself (history, lock) failed.
    #[error("{context}: {failure}")]
    Database {
        /// What the runner was doing (`reading the migration history`, ...).
        context: String,
        /// The server's error.
        failure: DbFailure,
    },
    /// Another process holds the migration lock and `--no-wait` was given.
    #[error(
        "another process is migrating this database (it holds the migration lock{}); try again when it has finished, or run without --no-wait to wait for it",
        holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default()
    )]
    LockHeld {
        /// Who holds it, in words (the session, or the lease's holder), when it could be read.
        holder: Option<String>,
    },
    /// The connection does not keep session state (a transaction-pooling proxy).
    #[error(
        "the connection does not keep session state: {0}. This usually means a transaction-pooling proxy (e.g. PgBouncer with pool_mode = transaction) sits between us and PostgreSQL; the migration lock and timeouts cannot hold there. Connect directly to PostgreSQL (or through a session-pooled port) to migrate."
    )]
    NoSession(String),
    /// The lease of the table lock is no longer this run's: it expired and another run took it over,
    /// or `unlock --force` removed it.
    #[error(
        "this run no longer holds the migration lease (its token {0} was taken over after the lease expired, or removed by `unlock --force`), so it stopped before the next migration; run `status` to see what the other run did, then `up` again"
    )]
    LeaseLost(i64),
    /// A migration has a step that runs outside a transaction (`CREATE INDEX CONCURRENTLY`, ...) and
    /// the connection goes through a pooler, with no direct connection for such steps
    /// ([`Migrator::with_direct`](super::Migrator::with_direct); `direct_url` in migrate.toml).
    #[error(
        "migration {migration} was not started: its step {step} of {steps} (`{statement}`) runs outside a transaction, and this connection is not proven direct (a transaction pooler may be in between), where that step's session settings (lock_timeout, statement_timeout) would not hold. Set `direct_url` in migrate.toml (or on the target) to a direct connection to PostgreSQL for such steps, or connect directly, and run `up` again"
    )]
    NeedsDirect {
        /// `m<version>_<name>`.
        migration: String,
        /// The step, 1-based.
        step: usize,
        /// How many steps its plan has.
        steps: usize,
        /// Its first statement.
        statement: String,
    },
    /// The server speaks PostgreSQL's protocol but is another engine (its `version()` says which).
    #[error(
        "this server is {engine}, not PostgreSQL (it says `{version}`): migrate supports PostgreSQL 12 and later only, whose catalogs, locks and DDL it relies on"
    )]
    UnsupportedServer {
        /// The engine, e.g. `CockroachDB`.
        engine: &'static str,
        /// The start of its `version()`.
        version: String,
    },
    /// The server is older than PostgreSQL 12.
    #[error("PostgreSQL {0} is not supported: the oldest supported version is 12")]
    ServerTooOld(String),
    /// Applied migrations whose code changed.
    #[error("{}", checksum_lines(.0))]
    ChecksumMismatch(Vec<(u64, String)>),
    /// Pending migrations older than the newest applied one.
    #[error(
        "{} older than the newest applied migration {newest}: {}. Applying it now may run it against a schema it was not written for; rename it with a newer timestamp, or pass --allow-out-of-order to apply it anyway",
        if .pending.len() == 1 { "a pending migration is" } else { "pending migrations are" },
        .pending.iter().map(|(v, n)| format!("m{v}_{n}")).collect::<Vec<_>>().join(", ")
    )]
    OutOfOrder {
        /// The late pending migrations: `(version, name)`.
        pending: Vec<(u64, String)>,
        /// The newest applied version.
        newest: u64,
    },
    /// A baseline written by `squash` replaces migrations of which this database applied only some.
    #[error(
        "{baseline} is a baseline that replaces {total} migrations, and this database applied only {applied} of them: it lacks {}. Apply them first with the code from before the squash (its commit in git: `migrate-cli up --to {last}` there, with `--allow-out-of-order` if it refuses a version older than one applied), then run `up` with this code",
        list_versions(.lacking),
        total = .applied + .lacking.len()
    )]
    SquashIncomplete {
        /// The baseline, `m<version>_<name>`.
        baseline: String,
        /// How many of the replaced migrations are applied.
        applied: usize,
        /// The replaced migrations not applied here.
        lacking: Vec<u64>,
        /// The newest version the baseline replaces (its own).
        last: u64,
    },
    /// A migration that cannot be rolled back.
    #[error("migration {migration} cannot be rolled back: {reason}")]
    Irreversible {
        /// `m<version>_<name>`.
        migration: String,
        /// Why it cannot be rolled back (the op that has no inverse, or no stored down SQL).
        reason: String,
    },
    /// A migration was left half-applied by an earlier run in a way `up` cannot resume.
    #[error("{0}")]
    Inconsistent(String),
    /// Bad request (unknown version, ...).
    #[error("{0}")]
    Usage(String),
    /// A setting that cannot work (a name PostgreSQL would truncate, an empty table name).
    #[error(transparent)]
    Config(#[from] InvalidConfig),
    /// The history table is gone while its event log remains: every migration would look pending and
    /// run again. `applied` is what the event log shows as applied.
    #[error("{}", missing_history(.history, .events, .applied, *.adopted))]
    HistoryMissing {
        /// The missing history table, qualified.
        history: String,
        /// Its event log, qualified.
        events: String,
        /// The versions the event log shows as applied.
        applied: Vec<u64>,
        /// Whether the log shows another tool's history adopted (its migrations are not listed).
        adopted: bool,
    },
    /// The history tables were written by a newer version of the tool.
    #[error(
        "the migration history {table} has layout {found}, newer than this tool knows (layout {known}): a newer version of the tool wrote it. Run that version or a later one; this one could misread the history, or write rows the newer one misreads"
    )]
    HistoryTooNew {
        /// The history table, qualified.
        table: String,
        /// The layout it records.
        found: u32,
        /// The newest layout this tool knows ([`layout::CURRENT`](super::layout::CURRENT)).
        known: u32,
    },
    /// A destructive command on a database carrying a valid production marker.
    #[error("{}", production_refusal(.what, .marker, *.allowable))]
    Production {
        /// What was refused, e.g. `reset`.
        what: String,
        /// The marker found.
        marker: Box<super::production::ProductionMarker>,
        /// Whether `--allow-production` would let it run (never for `reset`).
        allowable: bool,
    },
    /// A migration's ops could not be built again ([`Migration::loaded`](crate::registry::Migration::loaded)).
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
}

/// Versions for a message: all of them up to 10, else the first 10 and how many more.
fn list_versions(versions: &[u64]) -> String {
    let shown: Vec<String> = versions.iter().take(10).map(u64::to_string).collect();
    match versions.len() {
        n if n > 10 => format!("{} and {} more", shown.join(", "), n - 10),
        _ => shown.join(", "),
    }
}

fn at_step(step: Option<usize>, steps: Option<usize>) -> String {
    match (step, steps) {
        (Some(s), Some(m)) => format!(" at step {s} of {m}"),
        (Some(s), None) => format!(" at step {s}"),
        _ => String::new(),
    }
}

fn missing_history(history: &str, events: &str, applied: &[u64], adopted: bool) -> String {
    let mut text = format!(
        "the migration history table {history} is missing, but its event log {events} is there: the history was deleted, and without it every migration would look pending and run again (data migrations twice). Restore {history} from a backup, or record the migrations that are applied without running them"
    );
    if applied.is_empty() {
        text.push_str(" with `resolve --applied` followed by their versions");
    } else {
        let list: Vec<String> = applied.iter().map(u64::to_string).collect();
        text.push_str(&format!(
            ": the event log shows {} applied, recorded again by `resolve --applied {}`",
            applied.len(),
            list.join(" ")
        ));
    }
    if adopted {
        text.push_str(
            "; it also shows migrations recorded from another tool's history, which it does not list one by one: add those that are applied",
        );
    }
    text
}

fn production_refusal(what: &str, marker: &super::production::ProductionMarker, allowable: bool) -> String {
    let way_out = if allowable {
        "pass --allow-production to do it anyway"
    } else {
        "it never runs on a production database; if this database is no longer one, clear the marker first with `production-marker clear`"
    };
    format!(
        "refusing to {what}: this database carries a production marker ({marker}), written by `up` through a target marked `production = true`, whatever URL reached it now; {way_out}"
    )
}

fn checksum_lines(list: &[(u64, String)]) -> String {
    let names: Vec<String> = list.iter().map(|(v, n)| format!("m{v}_{n}")).collect();
    let (noun, pronoun) = if names.len() == 1 { ("migration", "it was") } else { ("migrations", "they were") };
    let accept: Vec<String> = list.iter().map(|(v, _)| format!("`resolve --accept-checksum {v}`")).collect();
    format!(
        "applied {noun} {} changed since {pronoun} applied. Changing an applied migration does not change the databases it ran on: write a new migration instead. If the change is deliberate and changes nothing a database holds (a `fn down` added because a newer version of the tool requires it, a reformatting that changed the ops' form), accept it with {}",
        names.join(", "),
        accept.join(", then ")
    )
}

impl RunError {
    /// The SQLSTATE of the server's error behind this one, if any.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            RunError::Migration { failure, .. } | RunError::Database { failure, .. } => failure.sqlstate(),
            _ => None,
        }
    }

    /// Whether this is a check that found problems (exit code 1) rather than a failure (exit code 2).
    pub fn is_check_failure(&self) -> bool {
        matches!(self, RunError::ChecksumMismatch(_) | RunError::OutOfOrder { .. } | RunError::SquashIncomplete { .. })
    }

    pub(crate) fn db(context: impl Into<String>, e: &tokio_postgres::Error) -> RunError {
        RunError::Database { context: context.into(), failure: DbFailure::from_error(e, None) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_reported_position() {
        let f = DbFailure {
            code: "42601".into(),
            message: "syntax error at or near \"TABL\"".into(),
            detail: None,
            hint: Some("check it".into()),
            statement: Some("CREATE TABL x (\n  id int\n)".into()),
            position: Some(8),
        };
        assert_eq!(
            f.to_string(),
            "syntax error at or near \"TABL\" (SQLSTATE 42601)\n  hint: check it\n  statement:\n    CREATE TABL x (\n           ^\n      id int\n    )"
        );
    }

    #[test]
    fn positions_map_to_the_statement_in_a_batch() {
        let sent = Sent { statements: vec![(0, "SELECT 1".into()), (10, "SELEC 2".into())] };
        assert_eq!(sent.locate(11), Some(("SELEC 2".into(), 1)));
        assert_eq!(sent.locate(3), Some(("SELECT 1".into(), 3)));
    }
}
