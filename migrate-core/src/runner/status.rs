//! Comparing the migrations in the code with the history.

use super::history::HistoryRow;
use crate::registry::Migration;

/// The state of one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryState {
    Applied,
    Pending,
    /// Pending, but older than the newest applied migration.
    PendingOutOfOrder,
    /// Applied, but its ops changed since.
    ChecksumMismatch,
    /// Applied, but not in the code any more.
    MissingFromCode,
    /// An earlier run failed at `step` (`direction` `up` or `down`).
    Failed {
        step: usize,
        direction: String,
    },
    /// An earlier run stopped during the migration (killed) at `step`.
    InProgress {
        step: usize,
        direction: String,
    },
}

impl EntryState {
    /// A short label: `applied`, `pending`, `checksum mismatch`, ...
    pub fn label(&self) -> String {
        match self {
            EntryState::Applied => "applied".into(),
            EntryState::Pending => "pending".into(),
            EntryState::PendingOutOfOrder => "pending (out of order)".into(),
            EntryState::ChecksumMismatch => "checksum mismatch".into(),
            EntryState::MissingFromCode => "missing from code".into(),
            EntryState::Failed { step, direction } => format!("failed ({direction}) at step {step}"),
            EntryState::InProgress { step, direction } => format!("interrupted ({direction}) at step {step}"),
        }
    }

    /// Whether this state needs attention (a CI gate fails on it): everything but `Applied`; a migration
    /// missing from the code is drift between the code and the database.
    pub fn is_problem(&self) -> bool {
        !matches!(self, EntryState::Applied)
    }
}

/// One migration in the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub version: u64,
    pub name: String,
    pub state: EntryState,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
    pub batch: Option<i32>,
    /// Lint rules the migration acknowledges in code: `(rule id, reason)`.
    pub acks: Vec<(String, String)>,
}

/// Every migration known to the code or the history, in version order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub entries: Vec<Entry>,
}

impl Status {
    /// The entries that need attention.
    pub fn problems(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state.is_problem())
    }

    /// The versions whose schema the database holds: applied, including those changed since.
    pub fn applied_versions(&self) -> Vec<u64> {
        let applied = |s: &EntryState| matches!(s, EntryState::Applied | EntryState::ChecksumMismatch);
        self.entries.iter().filter(|e| applied(&e.state)).map(|e| e.version).collect()
    }

    /// The versions an `up` to `to` (all when `None`) would run: pending, or left unfinished.
    pub fn pending_versions(&self, to: Option<u64>) -> Vec<u64> {
        let done = |s: &EntryState| {
            matches!(s, EntryState::Applied | EntryState::MissingFromCode | EntryState::ChecksumMismatch)
        };
        let in_range = |v: u64| to.is_none_or(|t| v <= t);
        self.entries.iter().filter(|e| !done(&e.state) && in_range(e.version)).map(|e| e.version).collect()
    }
}

pub(crate) fn compute(code: &[Migration], rows: &[HistoryRow]) -> Status {
    let newest_applied = rows.iter().map(|r| r.version).max();
    let by_version: std::collections::HashMap<u64, &HistoryRow> = rows.iter().map(|r| (r.version, r)).collect();
    let in_code: std::collections::HashSet<u64> = code.iter().map(|m| m.version).collect();
    let mut entries = Vec::with_capacity(code.len());
    for m in code {
        let row = by_version.get(&m.version).copied();
        let state = match row {
            None if newest_applied.is_some_and(|n| n > m.version) => EntryState::PendingOutOfOrder,
            None => EntryState::Pending,
            Some(r) if r.state == "failed" => EntryState::Failed { step: r.step, direction: r.direction.clone() },
            Some(r) if r.state == "in_progress" => {
                EntryState::InProgress { step: r.step, direction: r.direction.clone() }
            }
            Some(r) if r.checksum != m.checksum => EntryState::ChecksumMismatch,
            Some(_) => EntryState::Applied,
        };
        entries.push(Entry {
            version: m.version,
            name: m.name.clone(),
            state,
            applied_at: row.map(|r| r.applied_at.clone()),
            applied_by: row.map(|r| r.applied_by.clone()),
            batch: row.map(|r| r.batch),
            acks: m.acks.clone(),
        });
    }
    for r in rows.iter().filter(|r| !in_code.contains(&r.version)) {
        entries.push(Entry {
            version: r.version,
            name: r.name.clone(),
            state: EntryState::MissingFromCode,
            applied_at: Some(r.applied_at.clone()),
            applied_by: Some(r.applied_by.clone()),
            batch: Some(r.batch),
            acks: vec![],
        });
    }
    entries.sort_by_key(|e| e.version);
    Status { entries }
}
