//! `lint`, the lint gate of `up`, acknowledgements in status and history, and lock-timeout retries.

use std::time::Duration;

use migrate_tests::{TestDb, cli, cli_in, db_url, history, scratch_dir};

const LINT: &str = env!("CARGO_BIN_EXE_fx_lint");
const BLOG: &str = env!("CARGO_BIN_EXE_blog");
const BASE: &str = env!("CARGO_BIN_EXE_fx_base");

#[tokio::test]
async fn lint_errors_block_up_before_any_sql() {
    let db = TestDb::new("cli_lint").await;
    let url = db_url(&db.name);
    // With safe_operations off, the runner would apply the index as written: lint reports it.
    let plain = scratch_dir("plain");
    std::fs::write(plain.join("migrate.toml"), "safe_operations = false\n").unwrap();
    let plain_cli = |url: &str, args: &[&str]| cli_in(&plain, LINT, url, args);
    let lint = plain_cli("", &["lint"]).expect(1);
    assert!(lint.stdout.contains("error [require-concurrent-index-creation] m20240102000000_index_blocking: create_index accounts_email_id_idx on accounts"), "{}", lint.stdout);
    assert!(lint.stdout.contains("1 error(s), 0 warning(s), 0 acknowledged"), "{}", lint.stdout);
    let json = plain_cli("", &["lint", "--format", "json"]).expect(1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["blocking"], 1);
    assert_eq!(v["findings"][0]["rule"], "require-concurrent-index-creation");

    let up = plain_cli(&url, &["up"]).expect(1);
    assert!(
        up.stderr.contains("`up` stopped before running any SQL: 1 lint error(s) in pending migrations"),
        "{}",
        up.stderr
    );
    assert!(history(&db.client).await.is_empty(), "nothing may run");

    // Migrations at or before the baseline are not linted.
    let dir = scratch_dir("baseline");
    std::fs::write(dir.join("migrate.toml"), "safe_operations = false\nlint_baseline = 20240102000000\n").unwrap();
    cli_in(&dir, LINT, "", &["lint"]).expect(0);
    cli_in(&dir, LINT, "", &["lint", "--all"]).expect(1);
    cli_in(&dir, LINT, &url, &["up"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 2);
}

#[tokio::test]
async fn with_safe_operations_the_same_index_is_built_concurrently() {
    let db = TestDb::new("cli_safe_index").await;
    let url = db_url(&db.name);
    migrate_tests::cli(LINT, "", &["lint"]).expect(0);
    let run = migrate_tests::cli(LINT, &url, &["up"]).expect(0);
    assert!(run.stderr.contains("  step 1/1 (outside a transaction)"), "{}", run.stderr);
    let up_sql: Vec<String> = db
        .client
        .query_one("SELECT up_sql FROM migrate_history WHERE version = 20240102000000", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(up_sql, [r#"CREATE INDEX CONCURRENTLY "accounts_email_id_idx" ON "accounts" ("email", "id")"#]);
    migrate_tests::cli(LINT, &url, &["down"]).expect(0);
}

#[tokio::test]
async fn acknowledgements_are_shown_and_stored() {
    let db = TestDb::new("cli_acks").await;
    let url = db_url(&db.name);
    let up = cli(BLOG, &url, &["up"]).expect(0);
    assert!(up.stderr.contains("warning [renaming-column] m20240105000000_rename_display_name"), "{}", up.stderr);
    let acks: Vec<String> = db
        .client
        .query_one("SELECT lint_acks FROM migrate_history WHERE version = 20240107000000", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        acks,
        [
            "ban-drop-column: the application reads deactivated_at since release 1.4; nothing reads is_active",
            "backfill-with-ddl: users is a small table: the UPDATE holds its lock for milliseconds"
        ]
    );
    let status = cli(BLOG, &url, &["status"]).expect(0);
    assert!(
        status.stdout.contains("    acknowledges ban-drop-column: the application reads deactivated_at"),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn a_lock_timeout_is_retried_with_backoff() {
    let db = TestDb::new("cli_lock_retry").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up", "--to", "20240101000000"]).expect(0);

    // A long transaction holds the table: the next migration's foreign key to it cannot get its lock.
    let blocker = migrate_tests::connect_to(&db.name).await;
    blocker.batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let cwd = scratch_dir("retry");
    let child = std::process::Command::new(BASE)
        .arg("up")
        .current_dir(&cwd)
        .env("DATABASE_URL", &url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    blocker.batch_execute("COMMIT").await.unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("try 1 of 11 could not get a lock within lock_timeout (SQLSTATE 55P03); retrying in 200 ms"),
        "{err}"
    );
    assert_eq!(history(&db.client).await.len(), 3);

    // When the lock never comes, the run stops after its retries with the server's error.
    let dir = scratch_dir("retries");
    std::fs::write(dir.join("migrate.toml"), "lock_retries = 1\nlock_timeout = \"100ms\"\n").unwrap();
    cli(BASE, &url, &["down", "--steps", "2"]).expect(0);
    blocker.batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let run = cli_in(&dir, BASE, &url, &["up"]);
    blocker.batch_execute("COMMIT").await.unwrap();
    let run = run.expect(2);
    assert!(run.stderr.contains("(SQLSTATE 55P03)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("try 1 of 2 could not") && !run.stderr.contains("try 2 of 2 could not"),
        "{}",
        run.stderr
    );
    assert_eq!(history(&db.client).await.len(), 1);
}
