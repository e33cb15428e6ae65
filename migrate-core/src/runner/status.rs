//! Comparing the migrations in the code with the history.

use super::history::HistoryRow;
use crate::registry::Migration;

/// The state of one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryState {
    /// Applied, and its checksum is the code's.
    Applied,
    /// Not applied yet: the next `up` runs it.
    Pending,
    /// Pending, but older than the newest applied migration.
    PendingOutOfOrder,
    /// Applied, but its ops changed since.
    ChecksumMismatch,
    /// Applied, but not in the code any more.
    MissingFromCode,
    /// An earlier run failed after `step` steps done (`direction` `up` or `down`); `steps`: how many
    /// the plan has, when the history knows.
    Failed {
        /// The steps done before the failure (a rerun resumes after them).
        step: usize,
        /// `up` or `down`: the run that failed.
        direction: String,
        /// How many steps the migration's plan has, when the history knows.
        steps: Option<usize>,
    },
    /// An earlier run stopped during the migration (killed, or its connection lost) after `step` steps.
    InProgress {
        /// The steps done before it stopped (a rerun resumes after them).
        step: usize,
        /// `up` or `down`: the run that stopped.
        direction: String,
        /// How many steps the migration's plan has, when the history knows.
        steps: Option<usize>,
    },
    /// Another session is applying (or rolling back) it now: it holds the migration lock.
    Running {
        /// The steps done so far.
        step: usize,
        /// `up` or `down`: the run going on.
        direction: String,
        /// How many steps the migration's plan has, when the history knows.
        steps: Option<usize>,
    },
    /// Applied one by one, then squashed into the baseline `into` (`m<version>_<name>`), which the
    /// code holds instead.
    Squashed {
        /// The baseline that replaces it.
        into: String,
    },
    /// A baseline written by `squash`, whose migrations this database applied one by one: the next
    /// `up` records it in their place, running no SQL.
    RecordsInPlace {
        /// How many migrations it replaces.
        replaces: usize,
    },
    /// A baseline written by `squash` that `up` refuses here: the database applied only some of the
    /// migrations it replaces, or one of them stopped part-way.
    SquashBlocked {
        /// Why, in a few words.
        reason: String,
    },
    /// Pending: its last run failed and was rolled back as a whole (a migration in one transaction
    /// leaves no row), `at` that time, with that error (from the event log).
    FailedRolledBack {
        /// When it failed, in UTC (`2026-12-02 05:01:38 UTC`).
        at: String,
        /// The error it failed with, as the event log recorded it.
        error: String,
    },
}

/// "step N of M", N being the step after those done.
fn step_of(done: usize, steps: Option<usize>) -> String {
    match steps {
        Some(m) => format!("step {} of {m}", done + 1),
        None => format!("step {}", done + 1),
    }
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
            EntryState::Failed { step, direction, steps } => {
                format!("failed ({direction}) at {}", step_of(*step, *steps))
            }
            EntryState::InProgress { step, direction, steps } => {
                format!("interrupted ({direction}) at {}", step_of(*step, *steps))
            }
            EntryState::Running { step, direction, steps } => {
                format!("running ({direction}) at {}", step_of(*step, *steps))
            }
            EntryState::Squashed { into } => format!("squashed into {into}"),
            EntryState::RecordsInPlace { replaces } => {
                format!("pending: recorded in place of the {replaces} migrations it squashes (no SQL runs)")
            }
            EntryState::SquashBlocked { reason } => format!("blocked: {reason}"),
            EntryState::FailedRolledBack { at, error } => {
                let first = error.lines().next().unwrap_or("");
                format!("failed at {at}, rolled back: {first}")
            }
        }
    }

    /// Whether this state needs attention (a CI gate fails on it): everything but `Applied`; a migration
    /// missing from the code is drift between the code and the database.
    pub fn is_problem(&self) -> bool {
        !matches!(self, EntryState::Applied | EntryState::Squashed { .. })
    }
}

/// One migration in the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The migration's version.
    pub version: u64,
    /// Its name: the code's, or the history's for a migration missing from the code.
    pub name: String,
    /// How it stands.
    pub state: EntryState,
    /// When it was applied, in RFC 3339 and UTC.
    pub applied_at: Option<String>,
    /// Who applied it: the database role, and the operating-system user and host that ran the tool
    /// (`app (deploy@ci-7)`).
    pub applied_by: Option<String>,
    /// The batch it was applied in: the migrations of one `up` share a number, and `down` rolls back
    /// the last batch by default.
    pub batch: Option<i32>,
    /// Lint rules the migration acknowledges in code: `(rule id, reason)`.
    pub acks: Vec<(String, String)>,
}

/// Every migration known to the code or the history, in version order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// One entry per migration, in version order.
    pub entries: Vec<Entry>,
    /// The repeatable migrations, in name order (filled by [`Migrator::status`](super::Migrator::status)
    /// and [`Migrator::repeatable_states`](super::Migrator::repeatable_states)).
    pub repeatables: Vec<super::repeat::RepeatableState>,
}

impl Status {
    /// The entries that need attention.
    pub fn problems(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state.is_problem())
    }

    /// How many migrations and repeatable migrations need attention (a repeatable not applied as the
    /// code has it counts): what `status --exit-code` and the JSON's `problems` count.
    pub fn problem_count(&self) -> usize {
        self.problems().count() + self.repeatables.iter().filter(|r| r.state != "applied").count()
    }

    /// The versions whose schema the database holds: applied, including those changed since, and the
    /// baselines about to be recorded in place of what they squash.
    pub fn applied_versions(&self) -> Vec<u64> {
        let applied = |s: &EntryState| {
            matches!(s, EntryState::Applied | EntryState::ChecksumMismatch | EntryState::RecordsInPlace { .. })
        };
        self.entries.iter().filter(|e| applied(&e.state)).map(|e| e.version).collect()
    }

    /// The versions an `up` to `to` (all when `None`) would run: pending, or left unfinished.
    pub fn pending_versions(&self, to: Option<u64>) -> Vec<u64> {
        let done = |s: &EntryState| {
            matches!(
                s,
                EntryState::Applied
                    | EntryState::MissingFromCode
                    | EntryState::ChecksumMismatch
                    | EntryState::Squashed { .. }
                    // Recorded by the next `up` without running: nothing of it is planned or linted.
                    | EntryState::RecordsInPlace { .. }
                    // Refused by `up`: nothing of it runs.
                    | EntryState::SquashBlocked { .. }
            )
        };
        let in_range = |v: u64| to.is_none_or(|t| v <= t);
        self.entries.iter().filter(|e| !done(&e.state) && in_range(e.version)).map(|e| e.version).collect()
    }
}

/// Joins the code's migrations and the history rows by version: both in version order (the registry
/// sorts, the history is read in order; sorted input is checked in linear time), so one merge pass,
/// moving each row's strings into its entry.
/// What the migration lock and the event log add to the history rows for `status`.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// Another session holds the migration lock: a migration in progress is running, not interrupted.
    pub lock_held: bool,
    /// The last run of these migrations (no history row) failed and was rolled back: `(version, when,
    /// error)`, from the event log.
    pub rolled_back_failures: Vec<(u64, String, String)>,
}

pub(crate) fn compute(code: &[Migration], rows: Vec<HistoryRow>) -> Status {
    compute_with(code, rows, &RunFacts::default())
}

pub(crate) fn compute_with(code: &[Migration], mut rows: Vec<HistoryRow>, facts: &RunFacts) -> Status {
    rows.sort_by_key(|r| r.version);
    let newest_applied = rows.last().map(|r| r.version);
    let squashed = super::squash::squashed_into(code);
    let standings: std::collections::HashMap<u64, super::squash::Standing> = code
        .iter()
        .filter(|m| !m.squashes.is_empty())
        .map(|m| (m.version, super::squash::standing(m, &rows)))
        .collect();
    let mut code: Vec<&Migration> = code.iter().collect();
    code.sort_by_key(|m| m.version);
    let missing = |r: HistoryRow| Entry {
        version: r.version,
        state: match squashed.get(&r.version) {
            Some(b) => EntryState::Squashed { into: b.id() },
            None => EntryState::MissingFromCode,
        },
        name: r.name,
        applied_at: Some(r.applied_at),
        applied_by: Some(r.applied_by),
        batch: Some(r.batch),
        acks: vec![],
    };
    let mut entries = Vec::with_capacity(code.len() + rows.len());
    let mut rows = rows.into_iter().peekable();
    for m in code {
        while let Some(r) = rows.next_if(|r| r.version < m.version) {
            entries.push(missing(r));
        }
        let row = rows.next_if(|r| r.version == m.version);
        use super::squash::Standing;
        let state = match (standings.get(&m.version), &row) {
            (Some(Standing::Replaces), _) => Some(EntryState::RecordsInPlace { replaces: m.squashes.len() }),
            (Some(Standing::Lacks(lacking)), _) => Some(EntryState::SquashBlocked {
                reason: format!(
                    "this database applied {} of the {} migrations it squashes; it lacks {} (first: {})",
                    m.squashes.len() - lacking.len(),
                    m.squashes.len(),
                    lacking.len(),
                    lacking[0]
                ),
            }),
            (Some(Standing::Unfinished(v)), _) => Some(EntryState::SquashBlocked {
                reason: format!("migration {v}, which it squashes, stopped part-way on this database"),
            }),
            _ => None,
        };
        let state = state.unwrap_or_else(|| match &row {
            None if newest_applied.is_some_and(|n| n > m.version) => EntryState::PendingOutOfOrder,
            None => match facts.rolled_back_failures.iter().find(|f| f.0 == m.version) {
                Some((_, at, error)) => EntryState::FailedRolledBack { at: at.clone(), error: error.clone() },
                None => EntryState::Pending,
            },
            Some(r) if r.state == "failed" => {
                EntryState::Failed { step: r.step, direction: r.direction.clone(), steps: r.steps_total }
            }
            Some(r) if r.state == "in_progress" && facts.lock_held => {
                EntryState::Running { step: r.step, direction: r.direction.clone(), steps: r.steps_total }
            }
            Some(r) if r.state == "in_progress" => {
                EntryState::InProgress { step: r.step, direction: r.direction.clone(), steps: r.steps_total }
            }
            Some(r) if !m.checksum_matches(&r.checksum, r.checksum_format) => EntryState::ChecksumMismatch,
            Some(_) => EntryState::Applied,
        });
        let batch = row.as_ref().map(|r| r.batch);
        let (applied_at, applied_by) = row.map(|r| (r.applied_at, r.applied_by)).unzip();
        entries.push(Entry {
            version: m.version,
            name: m.name.clone(),
            state,
            applied_at,
            applied_by,
            batch,
            acks: m.acks.clone(),
        });
    }
    entries.extend(rows.map(missing));
    Status { entries, repeatables: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(version: u64, checksum: &str) -> Migration {
        Migration {
            version,
            name: format!("c{version}"),
            up: vec![],
            down: crate::registry::Down::Derived(vec![]),
            transaction: true,
            checksum: checksum.into(),
            checksum_format: 1,
            legacy_checksum: None,
            squashes: vec![],
            file: "x.rs",
            line: 1,
            acks: vec![],
            original: None,
            source: None,
        }
    }

    fn row(version: u64, checksum: &str, state: &str) -> HistoryRow {
        HistoryRow {
            version,
            name: format!("h{version}"),
            checksum: checksum.into(),
            checksum_format: 1,
            state: state.into(),
            direction: "up".into(),
            step: 2,
            batch: 7,
            transactional: true,
            applied_at: format!("t{version}"),
            applied_by: "me".into(),
            duration_ms: None,
            up_sql: vec![],
            down_sql: None,
            irreversible_reason: None,
            tool_version: String::new(),
            step_cursor: None,
            steps: None,
            steps_total: None,
        }
    }

    #[test]
    fn code_and_history_are_joined_in_version_order() {
        // Rows before, between and after the code's migrations, in any order; code in any order.
        let migrations = [code(5, "e"), code(1, "a"), code(3, "c"), code(7, "g")];
        let rows = vec![
            row(6, "f", "applied"),
            row(2, "b", "applied"),
            row(3, "changed", "applied"),
            row(1, "a", "applied"),
            row(4, "d", "failed"),
            row(9, "i", "applied"),
        ];
        let status = compute(&migrations, rows);
        let got: Vec<(u64, &str, EntryState, Option<&str>)> = status
            .entries
            .iter()
            .map(|e| (e.version, e.name.as_str(), e.state.clone(), e.applied_at.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "c1", EntryState::Applied, Some("t1")),
                (2, "h2", EntryState::MissingFromCode, Some("t2")),
                (3, "c3", EntryState::ChecksumMismatch, Some("t3")),
                (4, "h4", EntryState::MissingFromCode, Some("t4")),
                (5, "c5", EntryState::PendingOutOfOrder, None),
                (6, "h6", EntryState::MissingFromCode, Some("t6")),
                (7, "c7", EntryState::PendingOutOfOrder, None),
                (9, "h9", EntryState::MissingFromCode, Some("t9")),
            ]
        );
        let failed = compute(&[code(4, "d")], vec![row(4, "d", "failed")]);
        assert_eq!(failed.entries[0].state, EntryState::Failed { step: 2, direction: "up".into(), steps: None });
        assert_eq!(failed.entries[0].state.label(), "failed (up) at step 3");
        assert_eq!((failed.entries[0].batch, failed.entries[0].applied_by.as_deref()), (Some(7), Some("me")));
        let pending = compute(&[code(1, "a")], vec![]);
        assert_eq!(pending.entries[0].state, EntryState::Pending);
    }

    #[test]
    fn a_baseline_stands_by_what_the_history_holds_of_what_it_squashes() {
        use crate::runner::squash::{Standing, recorded_in_place, standing};
        let baseline = Migration { squashes: vec![1, 2, 3], ..code(3, "base") };
        // A row of checksum "base" is the baseline's own: it bears its name.
        let rows = |list: &[(u64, &str, &str)]| {
            list.iter()
                .map(|(v, c, s)| HistoryRow {
                    name: if *c == "base" { "c3".into() } else { format!("h{v}") },
                    ..row(*v, c, s)
                })
                .collect::<Vec<_>>()
        };
        let all = rows(&[(1, "a", "applied"), (2, "b", "applied"), (3, "c", "applied"), (4, "d", "applied")]);
        assert_eq!(standing(&baseline, &all), Standing::Replaces);
        assert_eq!(standing(&baseline, &rows(&[(4, "d", "applied")])), Standing::Fresh);
        assert_eq!(standing(&baseline, &rows(&[(3, "base", "applied")])), Standing::Own);
        let recorded = rows(&[(1, "a", "applied"), (2, "b", "applied"), (3, "base", "applied")]);
        assert_eq!(standing(&baseline, &recorded), Standing::Own);
        // Its own row stopped part-way, or changed since: an ordinary migration's states, not a squash's.
        assert_eq!(standing(&baseline, &rows(&[(3, "base", "failed")])), Standing::Own);
        let failed = compute(std::slice::from_ref(&baseline), rows(&[(3, "base", "failed")]));
        assert!(matches!(failed.entries[0].state, EntryState::Failed { .. }), "{failed:?}");
        let mut edited = recorded.clone();
        edited[2].checksum = "an older baseline".into();
        let changed = compute(std::slice::from_ref(&baseline), edited);
        assert_eq!(changed.entries[2].state, EntryState::ChecksumMismatch);
        assert!(recorded_in_place(&baseline, &recorded));
        assert!(!recorded_in_place(&baseline, &rows(&[(3, "base", "applied")])));
        assert_eq!(standing(&baseline, &rows(&[(1, "a", "applied")])), Standing::Lacks(vec![2, 3]));
        assert_eq!(standing(&baseline, &rows(&[(1, "a", "applied"), (2, "b", "failed")])), Standing::Unfinished(2));

        // As status shows it: the squashed rows by the baseline's name, the baseline by its standing.
        let states = |rows: Vec<HistoryRow>| -> Vec<(u64, String)> {
            compute(&[baseline.clone(), code(4, "d")], rows)
                .entries
                .iter()
                .map(|e| (e.version, e.state.label()))
                .collect()
        };
        let pending = "pending: recorded in place of the 3 migrations it squashes (no SQL runs)".to_string();
        assert_eq!(
            states(all),
            [
                (1, "squashed into m3_c3".into()),
                (2, "squashed into m3_c3".into()),
                (3, pending.clone()),
                (4, "applied".into())
            ]
        );
        let status = compute(std::slice::from_ref(&baseline), recorded);
        assert_eq!(status.problems().count(), 0, "{status:?}");
        assert_eq!(status.pending_versions(None), Vec::<u64>::new());
        let blocked = compute(std::slice::from_ref(&baseline), rows(&[(1, "a", "applied")]));
        assert_eq!(
            blocked.entries[1].state.label(),
            "blocked: this database applied 1 of the 3 migrations it squashes; it lacks 2 (first: 2)"
        );
        assert!(blocked.entries[1].state.is_problem());
        // Recording in place runs nothing: not among what `up` plans.
        let replaces = compute(
            std::slice::from_ref(&baseline),
            rows(&[(1, "a", "applied"), (2, "b", "applied"), (3, "c", "applied")]),
        );
        assert_eq!(replaces.pending_versions(None), Vec::<u64>::new());
        assert!(replaces.entries[2].state.is_problem());
        assert_eq!(blocked.pending_versions(None), Vec::<u64>::new(), "up refuses it: nothing of it is planned");
    }
}
