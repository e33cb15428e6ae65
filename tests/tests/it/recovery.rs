//! Recovery: every state a migration can be left in, and the way out of it with the tool's own
//! commands; each message's suggested commands are run and do not refuse.

use std::time::Duration;

use migrate_core::Schema;
use migrate_core::prelude::*;
use migrate_core::registry::Migration;
use migrate_core::runner::{DownTarget, EntryState, Migrator, Resolve, RunError};
use migrate_core::schema::mode::ExplicitDown;
use migrate_tests::{TestDb, catalog, connect_to, migration};
use tokio_postgres::Client;

type S = Schema<ExplicitDown>;

/// A table with a duplicated value: a unique index on it fails.
fn base(s: &mut S) {
    s.create_table("t", |t| {
        t.integer("id");
        t.integer("n");
    });
    s.sql_with_down("INSERT INTO t VALUES (1, 1), (1, 2)", "DELETE FROM t");
}

/// Two steps outside a transaction: an index (`first_on`), then a unique index that fails on the
/// duplicate (or, "fixed", a plain one).
fn two_steps(first_on: &'static str, second_unique: bool) -> Migration {
    migration(2, false, move |s| {
        s.create_index("t", [first_on]).name("t_first");
        let second = s.create_index("t", ["id"]).name("t_second");
        if second_unique {
            second.unique();
        }
    })
}

fn history_of(second: Migration) -> Vec<Migration> {
    vec![migration(1, true, base), second]
}

async fn state(client: &Client, migrations: Vec<Migration>, version: u64) -> EntryState {
    let status = Migrator::new(migrations).status(client).await.unwrap();
    status.entries.into_iter().find(|e| e.version == version).unwrap().state
}

/// A database where migration 2 failed at its second step (the first done).
async fn failed_at_step_two(tag: &str) -> (TestDb, Client, String) {
    let db = TestDb::new(tag).await;
    let mut client = connect_to(&db.name).await;
    Migrator::new(history_of(two_steps("n", false))).up(&mut client, Some(1)).await.unwrap();
    let before = catalog(&client, "public").await;
    let err = Migrator::new(history_of(two_steps("n", true))).up(&mut client, None).await.unwrap_err();
    assert!(matches!(&err.error, RunError::Migration { step: Some(2), .. }), "{err}");
    assert!(err.to_string().contains("failed at step 2 of 2"), "{err}");
    (db, client, before)
}

#[tokio::test]
async fn a_failed_transactional_migration_shows_as_failed_and_runs_again_when_fixed() {
    let db = TestDb::new("recover_tx").await;
    let mut client = connect_to(&db.name).await;
    let failing = || {
        vec![
            migration(1, true, base),
            migration(2, true, |s| {
                s.sql_with_down("SELECT 1 / 0", "SELECT 1");
            }),
        ]
    };
    Migrator::new(failing()).up(&mut client, None).await.unwrap_err();
    match state(&client, failing(), 2).await {
        EntryState::FailedRolledBack { at, error } => {
            assert!(error.contains("division by zero"), "{error}");
            assert!(at.ends_with(" UTC"), "{at}");
        }
        other => panic!("{other:?}"),
    }
    let label = Migrator::new(failing()).status(&client).await.unwrap().entries[1].state.label();
    assert!(label.starts_with("failed at ") && label.contains(", rolled back: division by zero"), "{label}");
    let fixed = || {
        vec![
            migration(1, true, base),
            migration(2, true, |s| {
                s.sql_with_down("SELECT 1", "SELECT 1");
            }),
        ]
    };
    Migrator::new(fixed()).up(&mut client, None).await.unwrap();
    assert_eq!(state(&client, fixed(), 2).await, EntryState::Applied);
}

#[tokio::test]
async fn a_failed_step_resumes_with_code_changed_after_the_done_steps() {
    let (_db, mut client, _) = failed_at_step_two("recover_resume").await;
    let label = state(&client, history_of(two_steps("n", true)), 2).await.label();
    assert_eq!(label, "failed (up) at step 2 of 2");
    // The cause fixed in the step that failed; the done step unchanged: `up` goes on from there.
    let fixed = || history_of(two_steps("n", false));
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = messages.clone();
    let mut m = Migrator::new(fixed());
    m.on_progress(move |msg| sink.lock().unwrap().push(msg));
    let report = m.up(&mut client, None).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    let log = messages.lock().unwrap().join("\n");
    assert!(log.contains("resuming m2_m2 at step 2 of 2"), "{log}");
    assert!(log.contains("changed after its done steps: going on with the new plan"), "{log}");
    assert_eq!(state(&client, fixed(), 2).await, EntryState::Applied, "the history holds the new checksum");
    let invalid: i64 =
        client.query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[]).await.unwrap().get(0);
    assert_eq!(invalid, 0);
}

/// The commands a message suggests, as written between backticks.
fn suggested(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| ["up", "down", "resolve"].iter().any(|v| *c == *v || c.starts_with(&format!("{v} "))))
        .map(str::to_string)
        .collect()
}

/// Runs a suggested command on `client` with `code`; the error, if it refused.
async fn run_suggestion(client: &mut Client, code: Vec<Migration>, command: &str) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut m = Migrator::new(code);
    match words.as_slice() {
        ["up"] => m.up(client, None).await.map(|_| ()).map_err(|e| e.to_string()),
        ["down", "--steps", n] => {
            m.down(client, DownTarget::Steps(n.parse().unwrap())).await.map(|_| ()).map_err(|e| e.to_string())
        }
        ["resolve", "--applied", v] => {
            m.resolve(client, Resolve::Applied(v.parse().unwrap())).await.map(|_| ()).map_err(|e| e.to_string())
        }
        ["resolve", "--rolled-back", v] => {
            m.resolve(client, Resolve::RolledBack(v.parse().unwrap())).await.map(|_| ()).map_err(|e| e.to_string())
        }
        other => panic!("a suggestion this test does not know: {other:?}"),
    }
}

#[tokio::test]
async fn done_steps_that_changed_stop_up_with_every_way_out_and_each_way_works() {
    let changed = || history_of(two_steps("id", false));
    let (_db, mut client, _) = failed_at_step_two("recover_changed").await;
    let err = Migrator::new(changed()).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("stopped after 1 step(s) of 2 (step 2 of 2 did not finish)"), "{err}");
    let commands = suggested(&err);
    assert_eq!(commands, ["up", "down --steps 1", "up", "resolve --applied 2"], "{err}");
    // Each way out, from the same state: restore the code and `up`; `down --steps 1` then `up` with the
    // new code; `resolve --applied 2`.
    let original = || history_of(two_steps("n", false));
    let (_db1, mut c1, _) = failed_at_step_two("recover_way_up").await;
    run_suggestion(&mut c1, original(), "up").await.unwrap();
    let (_db2, mut c2, before) = failed_at_step_two("recover_way_down").await;
    run_suggestion(&mut c2, changed(), "down --steps 1").await.unwrap();
    assert_eq!(catalog(&c2, "public").await, before, "the done step and the failed build's leftover are undone");
    run_suggestion(&mut c2, changed(), "up").await.unwrap();
    assert_eq!(state(&c2, changed(), 2).await, EntryState::Applied);
    let (_db3, mut c3, _) = failed_at_step_two("recover_way_resolve").await;
    run_suggestion(&mut c3, changed(), "resolve --applied 2").await.unwrap();
}

#[tokio::test]
async fn down_of_a_migration_with_an_irreversible_done_step_names_it_and_the_resolve_that_works() {
    let db = TestDb::new("recover_irreversible").await;
    let mut client = connect_to(&db.name).await;
    let code = || {
        vec![
            migration(1, true, |s| {
                s.create_table("u", |t| {
                    t.bigint("id").primary_key();
                    t.integer("n");
                });
                s.sql_with_down("INSERT INTO u SELECT g, 1 FROM generate_series(1, 10) g", "DELETE FROM u");
            }),
            migration(2, false, |s| {
                s.backfill("u", "n = n + 1");
                s.sql_with_down("SELECT 1 / 0", "SELECT 1");
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, None).await.unwrap_err();
    let err = Migrator::new(code()).down(&mut client, DownTarget::Steps(1)).await.unwrap_err().to_string();
    assert!(err.contains("step 1 cannot be undone (a batched backfill"), "{err}");
    let commands = suggested(&err);
    assert_eq!(commands, ["resolve --rolled-back 2", "resolve --applied 2"], "{err}");
    for command in commands {
        let db = TestDb::new("recover_irreversible_way").await;
        let mut c = connect_to(&db.name).await;
        Migrator::new(code()).up(&mut c, None).await.unwrap_err();
        run_suggestion(&mut c, code(), &command).await.unwrap_or_else(|e| panic!("{command}: {e}"));
    }
}

#[tokio::test]
async fn a_rollback_that_fails_part_way_is_finished_by_down() {
    let db = TestDb::new("recover_down").await;
    let mut client = connect_to(&db.name).await;
    let code = || {
        vec![
            migration(1, true, base),
            migration(2, false, |s| {
                s.create_table("a", |t| {
                    t.integer("id");
                });
                s.create_table("b", |t| {
                    t.integer("id");
                });
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, None).await.unwrap();
    // A view on `a` stops the second step of the down (dropping `a`).
    client.batch_execute("CREATE VIEW a_view AS SELECT * FROM a").await.unwrap();
    Migrator::new(code()).down(&mut client, DownTarget::Steps(1)).await.unwrap_err();
    let err = Migrator::new(code()).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("stopped while being rolled back"), "{err}");
    assert_eq!(suggested(&err), ["down --steps 1", "resolve --applied 2", "resolve --rolled-back 2"], "{err}");
    client.batch_execute("DROP VIEW a_view").await.unwrap();
    run_suggestion(&mut client, code(), "down --steps 1").await.unwrap();
    assert_eq!(migrate_tests::history(&client).await.len(), 1);
}

/// Waits until `f` holds, for at most 10 seconds.
async fn until(mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out");
}

/// `status` of the fx_slow_steps program: its one line about the migration.
fn status_line(url: &str) -> String {
    let run = migrate_tests::cli(SLOW_STEPS, url, &["status"]);
    run.stdout.lines().find(|l| l.contains("slow_steps")).unwrap_or("").to_string()
}

const SLOW_STEPS: &str = env!("CARGO_BIN_EXE_fx_slow_steps");

#[tokio::test]
async fn a_process_killed_mid_step_is_running_then_interrupted_and_resumes() {
    let db = TestDb::new("recover_killed").await;
    let url = migrate_tests::db_url(&db.name);
    db.client
        .batch_execute("CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES (60)")
        .await
        .unwrap();
    let dir = migrate_tests::scratch_dir("killed");
    let mut child = migrate_tests::spawn_in(&dir, SLOW_STEPS, &url, &["up"]);
    until(async || status_line(&url).contains("running (up) at step 3 of 4")).await;
    child.kill().unwrap(); // SIGKILL: no cleanup of its own
    child.wait().unwrap();
    // The server notices the closed connection within a second, ends the statement and frees the lock.
    until(async || status_line(&url).contains("interrupted (up) at step 3 of 4")).await;
    db.client.batch_execute("UPDATE sleep_control SET seconds = 0").await.unwrap();
    migrate_tests::cli(SLOW_STEPS, &url, &["up"]).expect(0);
    let logged: String = db
        .client
        .query_one("SELECT detail FROM migrate_history_events WHERE action = 'interrupted'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(logged.contains("found interrupted while being applied at step 3 of 4"), "{logged}");
    assert!(status_line(&url).contains(" applied"), "{}", status_line(&url));
}

#[tokio::test]
async fn a_lost_connection_leaves_a_migration_the_next_run_finishes() {
    let db = TestDb::new("recover_lost").await;
    let mut client = connect_to(&db.name).await;
    client
        .batch_execute("CREATE TABLE sleep_control (seconds float8); INSERT INTO sleep_control VALUES (30)")
        .await
        .unwrap();
    let code = || {
        vec![
            migration(1, true, base),
            migration(2, false, |s| {
                s.create_table("done_first", |t| {
                    t.integer("id");
                });
                s.sql_with_down("SELECT pg_sleep((SELECT seconds FROM sleep_control))", "SELECT 1");
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, Some(1)).await.unwrap();
    let name = db.name.clone();
    let run = tokio::spawn(async move {
        let mut c = connect_to(&name).await;
        Migrator::new(code()).up(&mut c, None).await.map(|_| ()).map_err(|e| e.to_string())
    });
    until(async || {
        client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep((SELECT seconds%' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
            == 1
    })
    .await;
    client
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep((SELECT seconds%' AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    let err = run.await.unwrap().unwrap_err();
    assert!(err.contains("SQLSTATE 57P01") || err.contains("closed"), "{err}");
    client.batch_execute("UPDATE sleep_control SET seconds = 0").await.unwrap();
    Migrator::new(code()).up(&mut client, None).await.unwrap();
    assert_eq!(state(&client, code(), 2).await, EntryState::Applied);
}

#[tokio::test]
async fn an_sql_concurrent_build_never_hides_an_invalid_index_and_is_retried() {
    let db = TestDb::new("recover_invalid").await;
    let mut client = connect_to(&db.name).await;
    // Raw SQL in a no_transaction migration: a unique build on a duplicated value.
    let code = || {
        vec![
            migration(1, true, base),
            migration(2, false, |s| {
                s.sql_with_down("DO $$ BEGIN PERFORM 1; END $$", "SELECT 1");
                s.sql_with_down(
                    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_unique ON t (id)",
                    "DROP INDEX CONCURRENTLY IF EXISTS t_unique",
                );
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, Some(1)).await.unwrap();
    // An INVALID index of that name is already there (a build that failed before the tool ran it):
    // IF NOT EXISTS would skip the build and leave it INVALID. The step fails instead.
    let _ = client.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_unique ON t (id)").await;
    let err = Migrator::new(code()).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("the index t_unique is INVALID"), "{err}");
    assert!(err.contains("DROP INDEX CONCURRENTLY \"t_unique\""), "{err}");
    assert!(matches!(state(&client, code(), 2).await, EntryState::Failed { .. }), "never recorded applied");
    // The next run resumes the step: the name from the parse tree lets it drop the INVALID index and
    // build again, which fails on the duplicate as it should.
    let err = Migrator::new(code()).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("could not create unique index \"t_unique\""), "{err}");
    // Fixed data: the retry builds it.
    client.batch_execute("DELETE FROM t WHERE n = 2").await.unwrap();
    Migrator::new(code()).up(&mut client, None).await.unwrap();
    let valid: bool = client
        .query_one("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_unique'::regclass", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
    assert_eq!(state(&client, code(), 2).await, EntryState::Applied);
}

#[tokio::test]
async fn a_changed_applied_migration_names_the_resolve_that_accepts_it() {
    let db = TestDb::new("recover_checksum").await;
    let mut client = connect_to(&db.name).await;
    Migrator::new(history_of(two_steps("n", false))).up(&mut client, None).await.unwrap();
    let edited = || history_of(two_steps("id", false));
    let err = Migrator::new(edited()).up(&mut client, None).await.unwrap_err();
    assert!(err.error.is_check_failure(), "{err}");
    let commands = suggested(&err.to_string());
    assert_eq!(commands, ["resolve --accept-checksum 2"], "{err}");
    Migrator::new(edited()).resolve(&mut client, Resolve::AcceptChecksum(2)).await.unwrap();
    Migrator::new(edited()).up(&mut client, None).await.unwrap();
}

/// Raw SQL's down is stored whole with its step and split only when it runs: undoing the done steps
/// of a migration that stopped part-way runs a down holding a concurrent drop statement by statement,
/// outside a transaction, as PostgreSQL requires.
#[tokio::test]
async fn a_stored_sql_down_is_split_when_it_undoes_a_done_step() {
    let db = TestDb::new("recover_sql_down").await;
    let mut client = connect_to(&db.name).await;
    let code = || {
        vec![
            migration(1, true, base),
            migration(2, false, |s| {
                s.sql_with_down(
                    "CREATE INDEX CONCURRENTLY t_n_idx ON t (n)",
                    "DROP INDEX CONCURRENTLY t_n_idx; COMMENT ON TABLE t IS 'undone'",
                );
                s.sql_with_down("SELECT 1 / 0", "SELECT 1");
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, None).await.unwrap_err();
    let exists = "SELECT to_regclass('t_n_idx') IS NOT NULL";
    assert!(client.query_one(exists, &[]).await.unwrap().get::<_, bool>(0));
    Migrator::new(code()).down(&mut client, DownTarget::Steps(1)).await.unwrap();
    assert!(!client.query_one(exists, &[]).await.unwrap().get::<_, bool>(0));
    let comment: String = client.query_one("SELECT obj_description('t'::regclass)", &[]).await.unwrap().get(0);
    assert_eq!(comment, "undone");
    assert_eq!(migrate_tests::history(&client).await.len(), 1);
}
