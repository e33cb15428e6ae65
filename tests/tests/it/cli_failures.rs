//! Failures: a failing statement, a killed CLI, a terminated backend, a failed concurrent index build,
//! and eight deploys migrating at once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_tests::{TestDb, cli, db_url, history};

const BASE: &str = env!("CARGO_BIN_EXE_fx_base");
const FAILING: &str = env!("CARGO_BIN_EXE_fx_failing");
const SLOW: &str = env!("CARGO_BIN_EXE_fx_slow");
const SLOW_STEPS: &str = env!("CARGO_BIN_EXE_fx_slow_steps");
const UNIQUE: &str = env!("CARGO_BIN_EXE_fx_unique");

async fn exists(db: &TestDb, table: &str) -> bool {
    db.client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_failing_statement_leaves_nothing_behind() {
    let db = TestDb::new("cli_failing").await;
    let url = db_url(&db.name);
    let run = cli(FAILING, &url, &["up"]).expect(2);
    assert!(run.stdout.contains("applied m20240101000000_one"), "{}", run.stdout);
    let err = &run.stderr;
    assert!(
        err.contains("error: migration m20240102000000_failing failed: division by zero (SQLSTATE 22012)"),
        "{err}"
    );
    assert!(
        err.contains("statement:\n    INSERT INTO doomed (id) SELECT 1 / (count(*) - count(*)) FROM doomed"),
        "{err}"
    );
    assert!(!exists(&db, "doomed").await, "the failed migration's table remains");
    assert_eq!(history(&db.client).await, [(20240101000000, "applied".to_string(), 0)]);
    let failure: (String, String) = db
        .client
        .query_one("SELECT outcome, detail FROM migrate_history_events WHERE version = 20240102000000", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(failure.0, "error");
    assert!(failure.1.contains("SQLSTATE 22012"), "{}", failure.1);
}

/// Waits until a backend runs `pg_sleep` and returns its pid.
async fn sleeping_backend(db: &TestDb) -> i32 {
    let start = Instant::now();
    loop {
        let row = db
            .client
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep((SELECT seconds%' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .unwrap();
        if let Some(r) = row {
            return r.get(0);
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the migration never started sleeping");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `up`, waits until its migration sleeps, SIGKILLs the CLI, then terminates the backend it
/// leaves running (as an operator would).
async fn kill_while_sleeping(bin: &str, db: &TestDb) {
    let mut child = Command::new(bin)
        .arg("up")
        .env("DATABASE_URL", db_url(&db.name))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeping_backend(db).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    db.client.query_one("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
    // Wait until the backend is gone, so the next look for a sleeping backend cannot find it.
    let start = std::time::Instant::now();
    while db
        .client
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &[&pid])
        .await
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(start.elapsed() < Duration::from_secs(30), "backend {pid} did not exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sleep_for(db: &TestDb, seconds: i32) {
    db.client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS sleep_control (seconds int); DELETE FROM sleep_control; INSERT INTO sleep_control VALUES ({seconds})"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn killed_cli_and_terminated_backend_leave_a_consistent_state() {
    let db = TestDb::new("cli_kill").await;
    let url = db_url(&db.name);
    sleep_for(&db, 60).await;

    // SIGKILL the CLI mid-migration; its backend keeps running until an operator (here: the test)
    // terminates it. The transaction dies with it.
    kill_while_sleeping(SLOW, &db).await;
    assert!(!exists(&db, "slow_result").await);
    assert!(history(&db.client).await.is_empty());

    // The backend terminated under a running CLI: it reports the failure and exits 2.
    let child = Command::new(SLOW)
        .arg("up")
        .env("DATABASE_URL", &url)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = sleeping_backend(&db).await;
    db.client.query_one("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("m20240101000000_slow failed"), "{err}");
    assert!(history(&db.client).await.is_empty());

    sleep_for(&db, 0).await;
    cli(SLOW, &url, &["up"]).expect(0);
    assert!(exists(&db, "slow_result").await);
    assert_eq!(history(&db.client).await, [(20240101000000, "applied".to_string(), 0)]);
}

#[tokio::test]
async fn a_killed_multi_step_migration_resumes_at_its_step() {
    let db = TestDb::new("cli_resume").await;
    let url = db_url(&db.name);
    sleep_for(&db, 60).await;
    kill_while_sleeping(SLOW_STEPS, &db).await;
    // Steps 1 (table) and 2 (concurrent index) are done and recorded; step 3 was interrupted.
    assert_eq!(history(&db.client).await, [(20240101000000, "in_progress".to_string(), 2)]);
    cli(SLOW_STEPS, &url, &["status", "--exit-code"]).expect(1);

    sleep_for(&db, 0).await;
    let run = cli(SLOW_STEPS, &url, &["up"]).expect(0);
    assert!(run.stderr.contains("resuming m20240101000000_slow_steps at step 3"), "{}", run.stderr);
    assert!(
        run.stderr.contains("  step 3/4\n  step 4/4 (outside a transaction)") && !run.stderr.contains("step 2/4"),
        "{}",
        run.stderr
    );
    assert_eq!(history(&db.client).await, [(20240101000000, "applied".to_string(), 0)]);
    let valid: i64 = db
        .client
        .query_one("SELECT count(*) FROM pg_index WHERE indrelid = 'stepped'::regclass AND indisvalid", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(valid, 2);
    // And it rolls back step by step too.
    cli(SLOW_STEPS, &url, &["down"]).expect(0);
    assert!(!exists(&db, "stepped").await);
}

async fn index_valid(db: &TestDb) -> Option<bool> {
    db.client
        .query_opt("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('dupes_v_idx')", &[])
        .await
        .unwrap()
        .map(|r| r.get::<_, bool>(0))
}

#[tokio::test]
async fn a_failed_concurrent_index_is_dropped_and_rebuilt_on_retry() {
    let db = TestDb::new("cli_invalid_index").await;
    let url = db_url(&db.name);
    cli(UNIQUE, &url, &["up", "--to", "20240101000000"]).expect(0);
    db.client.batch_execute("INSERT INTO dupes VALUES (1), (1), (2)").await.unwrap();
    let run = cli(UNIQUE, &url, &["up"]).expect(2);
    assert!(run.stderr.contains("SQLSTATE 23505"), "{}", run.stderr);
    assert!(run.stderr.contains("failed at step 1"), "{}", run.stderr);
    assert_eq!(index_valid(&db).await, Some(false), "a failed concurrent build leaves an INVALID index");
    assert_eq!(history(&db.client).await[1], (20240102000000, "failed".to_string(), 0));

    db.client.batch_execute("DELETE FROM dupes WHERE ctid = (SELECT max(ctid) FROM dupes WHERE v = 1)").await.unwrap();
    let run = cli(UNIQUE, &url, &["up"]).expect(0);
    assert!(run.stderr.contains("resuming m20240102000000_unique_concurrently at step 1"), "{}", run.stderr);
    assert_eq!(index_valid(&db).await, Some(true));
    assert_eq!(history(&db.client).await[1], (20240102000000, "applied".to_string(), 0));
}

#[tokio::test]
async fn eight_processes_apply_every_migration_exactly_once() {
    let db = TestDb::new("cli_eight").await;
    let url = db_url(&db.name);
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(BASE)
                .arg("up")
                .env("DATABASE_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied_lines = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        applied_lines += String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("applied m")).count();
    }
    assert_eq!(applied_lines, 3, "each migration is applied by exactly one process");
    assert_eq!(history(&db.client).await.len(), 3);
    let applies: i64 = db
        .client
        .query_one("SELECT count(*) FROM migrate_history_events WHERE action = 'apply' AND outcome = 'ok'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applies, 3);
}

/// The history row is written in the migration's transaction, pipelined with its COMMIT: when the
/// write fails, the migration's DDL is rolled back with it and the connection is usable again.
#[tokio::test]
async fn a_failing_history_write_rolls_the_migration_back_with_it() {
    use migrate_core::prelude::*;
    use migrate_core::runner::Migrator;
    let db = TestDb::new("history_write").await;
    let migrations = vec![
        migrate_tests::migration(1, true, |s| {
            s.create_table("kept", |t| {
                t.bigint("id");
            })
        }),
        migrate_tests::migration(2, true, |s| {
            s.create_table("doomed", |t| {
                t.bigint("id");
            })
        }),
    ];
    let mut m = Migrator::new(migrations);
    let mut client = migrate_tests::connect_to(&db.name).await;
    m.up(&mut client, Some(1)).await.unwrap();
    db.client
        .batch_execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                 IF NEW.version = 2 THEN RAISE EXCEPTION 'history refused'; END IF; RETURN NEW; END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON migrate_history FOR EACH ROW EXECUTE FUNCTION refuse()",
        )
        .await
        .unwrap();
    let failed = m.up(&mut client, None).await.unwrap_err();
    assert!(failed.to_string().contains("history refused"), "{failed}");
    assert!(exists(&db, "kept").await);
    assert!(!exists(&db, "doomed").await, "the migration's DDL outlived its failed history write");
    let idle: String = client.query_one("SELECT 'idle'", &[]).await.expect("the connection is usable").get(0);
    assert_eq!(idle, "idle");
    let outcome: String = db
        .client
        .query_one("SELECT outcome FROM migrate_history_events WHERE version = 2 ORDER BY id DESC LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(outcome, "error");
    db.client.batch_execute("DROP TRIGGER refuse ON migrate_history").await.unwrap();
    m.up(&mut client, None).await.unwrap();
    assert!(exists(&db, "doomed").await);
    assert_eq!(history(&db.client).await.len(), 2);
}
