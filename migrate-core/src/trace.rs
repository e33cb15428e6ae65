//! What a run reports to an application's [`tracing`](https://docs.rs/tracing) subscriber, with the
//! feature `tracing` (on in the CLI): spans and events, the same facts the CLI prints.
//!
//! | span | fields |
//! |---|---|
//! | `migrate.run` | `command` (`up`, `down`, `redo`, `reset`) |
//! | `migrate.migration` | `version`, `name`, `direction` (`up` or `down`); when it ends `duration_ms`, and `sqlstate` when it failed |
//! | `migrate.step` | `version`, `step` (1-based), `steps`, `transactional`; when it ends `duration_ms`, `rows` (rows a backfill updated), and `sqlstate` when it failed |
//!
//! | event | fields |
//! |---|---|
//! | `migrate.lock_wait` | `waited_ms`, `holder` (who holds the migration lock) |
//! | `migrate.retry` | `attempt`, `tries` (at most), `wait_ms`, `sqlstate` (`55P03` lock timeout; in a transaction also `40P01` deadlock, `40001` serialization failure) |
//! | `migrate.backfill_batch` | `table`, `rows` (in the batch), `done` (so far) |
//! | `migrate.lock_chosen` | `strategy` (`advisory` or `table`), `reason` |
//! | `migrate.lease_renewed` | `token` (the lease's fencing token; level TRACE) |
//!
//! Without the feature these functions compile to nothing.

/// A span, or nothing without the feature.
#[cfg(feature = "tracing")]
pub(crate) type Span = tracing::Span;

/// Nothing: the feature `tracing` is off.
#[cfg(not(feature = "tracing"))]
#[derive(Clone)]
pub(crate) struct Span;

/// The span of one run.
pub(crate) fn run(command: &'static str) -> Span {
    #[cfg(feature = "tracing")]
    return tracing::info_span!(target: "migrate", "migrate.run", command);
    #[cfg(not(feature = "tracing"))]
    {
        let _ = command;
        Span
    }
}

/// The span of one migration, applied or rolled back.
pub(crate) fn migration(version: u64, name: &str, direction: &'static str) -> Span {
    #[cfg(feature = "tracing")]
    return tracing::info_span!(
        target: "migrate",
        "migrate.migration",
        version,
        name,
        direction,
        duration_ms = tracing::field::Empty,
        sqlstate = tracing::field::Empty
    );
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (version, name, direction);
        Span
    }
}

/// The span of one step of a migration (`step` 0-based here, 1-based in the span).
pub(crate) fn step(version: u64, step: usize, steps: usize, transactional: bool) -> Span {
    #[cfg(feature = "tracing")]
    return tracing::info_span!(
        target: "migrate",
        "migrate.step",
        version,
        step = step + 1,
        steps,
        transactional,
        duration_ms = tracing::field::Empty,
        rows = tracing::field::Empty,
        sqlstate = tracing::field::Empty
    );
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (version, step, steps, transactional);
        Span
    }
}

/// Runs `work` inside `span`, then records how it ended: its duration, and when it failed, the
/// SQLSTATE `sqlstate` finds in the error.
pub(crate) async fn timed<T, E>(
    span: &Span,
    work: impl std::future::Future<Output = Result<T, E>>,
    sqlstate: fn(&E) -> Option<&str>,
) -> Result<T, E> {
    let started = std::time::Instant::now();
    // Boxed: a migration's or step's future is large in a debug build, and nesting it by value in
    // this one's doubled the stack a run needs (a test thread's 2 MiB overflowed).
    let result = within(span, Box::pin(work)).await;
    ended(span, started, result.as_ref().err().and_then(sqlstate));
    result
}

/// Records how a span's work ended: its duration, and the SQLSTATE of its failure.
fn ended(span: &Span, started: std::time::Instant, sqlstate: Option<&str>) {
    #[cfg(feature = "tracing")]
    {
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        if let Some(code) = sqlstate {
            span.record("sqlstate", code);
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, started, sqlstate);
}

/// Records the rows a step updated.
pub(crate) fn rows(span: &Span, rows: i64) {
    #[cfg(feature = "tracing")]
    span.record("rows", rows);
    #[cfg(not(feature = "tracing"))]
    let _ = (span, rows);
}

/// Runs `work` inside `span`.
pub(crate) async fn within<F: std::future::Future>(span: &Span, work: F) -> F::Output {
    #[cfg(feature = "tracing")]
    return tracing::Instrument::instrument(work, span.clone()).await;
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        work.await
    }
}

/// Another process holds the migration lock: this run waits for it.
pub(crate) fn lock_wait(waited_ms: u64, holder: Option<&str>) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        name: "migrate.lock_wait",
        target: "migrate",
        waited_ms,
        holder = holder.unwrap_or("unknown"),
        "waiting for the migration lock"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (waited_ms, holder);
}

/// A step failed in a way worth another try (`sqlstate` 55P03, 40P01 or 40001) and is tried again
/// after `wait_ms`.
pub(crate) fn retry(attempt: u32, tries: u32, wait_ms: u64, sqlstate: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(name: "migrate.retry", target: "migrate", attempt, tries, wait_ms, sqlstate, "retrying");
    #[cfg(not(feature = "tracing"))]
    let _ = (attempt, tries, wait_ms, sqlstate);
}

/// A batch of a backfill committed.
pub(crate) fn backfill_batch(table: &str, rows: i64, done: i64) {
    #[cfg(feature = "tracing")]
    tracing::debug!(name: "migrate.backfill_batch", target: "migrate", table, rows, done, "backfill batch committed");
    #[cfg(not(feature = "tracing"))]
    let _ = (table, rows, done);
}

/// The migration lease was renewed by the heartbeat (`lock = "table"`).
pub(crate) fn heartbeat(token: i64) {
    #[cfg(feature = "tracing")]
    tracing::trace!(name: "migrate.lease_renewed", target: "migrate", token, "migration lease renewed");
    #[cfg(not(feature = "tracing"))]
    let _ = token;
}

/// Which lock a run takes, and why.
pub(crate) fn lock_chosen(strategy: &str, reason: &str) {
    #[cfg(feature = "tracing")]
    tracing::info!(name: "migrate.lock_chosen", target: "migrate", strategy, reason, "migration lock chosen");
    #[cfg(not(feature = "tracing"))]
    let _ = (strategy, reason);
}
