//! Runs through a transaction pooler (PgBouncer, `pool_mode = transaction`, fewer server connections
//! than clients): the lease table with its fencing token, unnamed statements, `direct_url` for the
//! steps outside a transaction, and a killed runner's lease expiring.

use std::process::{Command, Stdio};
use std::time::Duration;

use migrate_tests::pooler::Pooler;
use migrate_tests::{TestDb, cli_in, db_url, history, scratch_dir};

const BLOG: &str = env!("CARGO_BIN_EXE_blog");
const SLOW: &str = env!("CARGO_BIN_EXE_fx_slow");

/// How many migrations the blog example has.
fn blog_migrations() -> usize {
    let listed = migrate_tests::cli(BLOG, "", &["list"]).expect(0).stdout;
    let count = listed.lines().filter(|l| l.trim_start().starts_with("20")).count();
    assert!(count >= 5, "{listed}");
    count
}

/// Nothing of the lock is left: no advisory lock of any session in this database (other tests run
/// beside it on the server), and the lease (if any) released.
async fn nothing_held(db: &TestDb) {
    let advisory: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(advisory, 0, "an advisory lock was left behind");
    let leases: i64 = db
        .client
        .query_one("SELECT count(*) FROM migrate_history_lock WHERE holder IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(leases, 0, "a lease was left behind");
}

/// Starts `bin up` in `dir` against `url` (its output piped) with `sleep_control` holding `seconds`,
/// and waits until its migration sleeps in the server.
// The child is returned to the caller, which waits for it; a failed query here fails the test.
#[allow(clippy::zombie_processes)]
async fn start_sleeping(db: &TestDb, bin: &str, dir: &std::path::Path, url: &str, seconds: i32) -> std::process::Child {
    db.client
        .batch_execute(&format!(
            "CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES ({seconds})"
        ))
        .await
        .unwrap();
    let mut child = Command::new(bin)
        .arg("up")
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let sleeping: i64 = db
            .client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if sleeping > 0 {
            return child;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the migration never started sleeping: {}", String::from_utf8_lossy(&out.stderr));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Eight `up`s at once through a pooler with two server connections: every migration is applied
/// exactly once, every run exits 0 (the others wait, then find nothing to do), and nothing of the
/// lock is left behind. The concurrent index goes through `direct_url`.
#[tokio::test(flavor = "multi_thread")]
async fn eight_concurrent_ups_through_a_transaction_pooler_apply_each_migration_once() {
    let db = TestDb::new("pooler_eight").await;
    let pooler = Pooler::start(2);
    let count = blog_migrations();
    let dir = scratch_dir("pooler_eight");
    std::fs::write(dir.join("migrate.toml"), format!("direct_url = \"{}\"\n", db_url(&db.name))).unwrap();
    let url = pooler.url(&db.name);
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let (dir, url) = (dir.to_path_buf(), url.clone());
            std::thread::spawn(move || cli_in(&dir, BLOG, &url, &["up"]))
        })
        .collect();
    let runs: Vec<_> = runs.into_iter().map(|t| t.join().unwrap()).collect();
    let mut applied_lines = 0;
    for run in &runs {
        assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}\npgbouncer:\n{}", run.stdout, run.stderr, pooler.log());
        assert!(
            run.stderr.contains("migration lock: lease table (lock = auto: the server sees 127.0.0.1:")
                && run.stderr.contains("a pooler or proxy is in between"),
            "{}",
            run.stderr
        );
        applied_lines += run.stdout.lines().filter(|l| l.starts_with("applied m")).count();
        assert!(!run.stderr.contains("42P05") && !run.stderr.contains("26000"), "{}", run.stderr);
    }
    assert_eq!(applied_lines, count, "each migration is applied by exactly one run");
    let rows = history(&db.client).await;
    assert_eq!(rows.len(), count);
    assert!(rows.iter().all(|r| r.1 == "applied"), "{rows:?}");
    let applies: Vec<(i64, i64)> = db
        .client
        .query(
            "SELECT version, count(*) FROM migrate_history_events WHERE action = 'apply' AND outcome = 'ok' GROUP BY version ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(applies.len(), count);
    assert!(applies.iter().all(|(_, n)| *n == 1), "{applies:?}");
    nothing_held(&db).await;
    drop(pooler);
}

/// With one server connection in the pool (so the next statement always lands on the same server
/// connection) `auto` still sees the pooler. A migration with a step outside a transaction stops
/// before it, naming `direct_url`; with `direct_url` set, it runs.
#[tokio::test(flavor = "multi_thread")]
async fn a_pool_of_one_is_still_a_pooler_and_a_concurrent_index_needs_direct_url() {
    let db = TestDb::new("pooler_one").await;
    let pooler = Pooler::start(1);
    let count = blog_migrations();
    let dir = scratch_dir("pooler_one");
    let url = pooler.url(&db.name);
    let run = cli_in(&dir, BLOG, &url, &["up"]);
    assert_eq!(run.code, 2, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("migration lock: lease table (lock = auto: the server sees"), "{}", run.stderr);
    // The first migration with a step outside a transaction (the foreign key's VALIDATE, or the
    // concurrent index) is named and not started; the ones before it are applied.
    let stopped: i64 = run
        .stderr
        .split("migration m")
        .nth(1)
        .and_then(|rest| rest.split('_').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        run.stderr.contains("was not started: its step") && run.stderr.contains("runs outside a transaction"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Set `direct_url` in migrate.toml"), "{}", run.stderr);
    let rows = history(&db.client).await;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.0 < stopped), "{rows:?}");
    nothing_held(&db).await;

    // With direct_url, the concurrent index runs on the direct connection and the rest goes on.
    std::fs::write(dir.join("migrate.toml"), format!("direct_url = \"{}\"\n", db_url(&db.name))).unwrap();
    let run = cli_in(&dir, BLOG, &url, &["up"]).expect(0);
    assert!(run.stdout.contains(&format!("applied m{stopped}_")), "{}", run.stdout);
    assert!(run.stdout.contains("applied m20240106000000_index_posts_title"), "{}", run.stdout);
    assert_eq!(history(&db.client).await.len(), count);
    let valid: bool = db
        .client
        .query_one("SELECT bool_and(indisvalid) FROM pg_index WHERE indexrelid::regclass::text LIKE 'posts%'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
    // A direct_url that is the pooler itself is refused.
    std::fs::write(dir.join("migrate.toml"), format!("direct_url = \"{url}\"\n")).unwrap();
    let refused = cli_in(&dir, BLOG, &url, &["down", "--steps", "2"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("direct_url does not reach PostgreSQL directly"), "{}", refused.stderr);
    nothing_held(&db).await;
    drop(pooler);
}

/// A runner killed mid-migration through the pooler leaves its lease behind; the next run waits for
/// it to expire (its holder named), takes it over with the next fencing token, and applies the
/// migration once. `unlock` then finds nothing; a lease left by hand is removed by `unlock --force`.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_runners_lease_expires_and_the_next_run_proceeds() {
    let db = TestDb::new("pooler_kill").await;
    let pooler = Pooler::start(2);
    let dir = scratch_dir("pooler_kill");
    std::fs::write(dir.join("migrate.toml"), "lock_lease = \"2s\"\nlock_heartbeat = \"500ms\"\n").unwrap();
    let url = pooler.url(&db.name);
    let mut child = start_sleeping(&db, SLOW, &dir, &url, 4).await;
    child.kill().unwrap(); // SIGKILL: no release, no more heartbeats
    child.wait().unwrap();
    db.client.batch_execute("UPDATE sleep_control SET seconds = 0").await.unwrap();
    let (holder, killed): (Option<String>, i64) = db
        .client
        .query_one("SELECT holder, token FROM migrate_history_lock", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!(holder.is_some(), "the killed run's lease is still there");

    let run = cli_in(&dir, SLOW, &url, &["up"]).expect(0);
    assert!(
        run.stderr.contains("waiting for the migration lock") && run.stderr.contains("held by the lease of"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("applied m20240101000000_slow"), "{}", run.stdout);
    assert_eq!(history(&db.client).await, [(20240101000000, "applied".to_string(), 0)]);
    let token: i64 = db.client.query_one("SELECT token FROM migrate_history_lock", &[]).await.unwrap().get(0);
    assert_eq!(token, killed + 1, "taken over with the next token");
    nothing_held(&db).await;

    // unlock: nothing held (exit 1); a stale lease is shown, then removed with --force (exit 0).
    cli_in(&dir, SLOW, &url, &["unlock"]).expect(1);
    db.client
        .batch_execute(
            "UPDATE migrate_history_lock SET holder = 'crashed (ops@build-7)', host = 'build-7', pid = 4242, expires_at = now() + interval '1 hour'",
        )
        .await
        .unwrap();
    let shown = cli_in(&dir, SLOW, &url, &["unlock"]).expect(0);
    assert!(
        shown
            .stdout
            .contains(&format!("held: the lease of crashed (ops@build-7), pid 4242 on build-7, token {}", killed + 1)),
        "{}",
        shown.stdout
    );
    let waited = cli_in(&dir, SLOW, &url, &["up", "--no-wait"]);
    assert_eq!(waited.code, 2, "{}", waited.stderr);
    assert!(waited.stderr.contains("the lease of crashed (ops@build-7)"), "{}", waited.stderr);
    // A direct run takes the advisory lock, and a live lease holds it off as well: the two kinds of
    // lock exclude each other.
    let direct = cli_in(&dir, SLOW, &db_url(&db.name), &["up", "--no-wait"]);
    assert_eq!(direct.code, 2, "{}", direct.stderr);
    assert!(direct.stderr.contains("migration lock: session advisory lock"), "{}", direct.stderr);
    assert!(
        direct.stderr.contains("held: the lease of crashed")
            || direct.stderr.contains("the lease of crashed (ops@build-7)"),
        "{}",
        direct.stderr
    );
    let removed = cli_in(&dir, SLOW, &url, &["unlock", "--force"]).expect(0);
    assert!(removed.stdout.contains("removed the lease of crashed (ops@build-7)"), "{}", removed.stdout);
    let token: i64 = db.client.query_one("SELECT token FROM migrate_history_lock", &[]).await.unwrap().get(0);
    assert_eq!(token, killed + 2, "unlock --force moves the token on");
    cli_in(&dir, SLOW, &url, &["unlock", "--force"]).expect(1);
    // An expired lease whose run may still be alive (a stalled heartbeat): a direct run taking the
    // advisory lock revokes it, moving the token on, so that run can neither record nor renew.
    db.client
        .batch_execute("UPDATE migrate_history_lock SET holder = 'stalled', expires_at = now() - interval '1 second'")
        .await
        .unwrap();
    cli_in(&dir, SLOW, &db_url(&db.name), &["up"]).expect(0);
    let (holder, token): (Option<String>, i64) = db
        .client
        .query_one("SELECT holder, token FROM migrate_history_lock", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((holder, token), (None, killed + 3), "the stalled run's lease is revoked");
    nothing_held(&db).await;
    drop(pooler);
}

/// The fencing token: a run whose lease is removed (`unlock --force`, as a takeover would) while a
/// step runs records nothing more: that step's transaction fails in the fence just before its
/// history write and rolls back whole, the next step never starts, and the next run resumes at the
/// step that failed.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_lost_its_lease_records_nothing_more() {
    const SLOW_STEPS: &str = env!("CARGO_BIN_EXE_fx_slow_steps");
    let db = TestDb::new("pooler_fence").await;
    let dir = scratch_dir("pooler_fence");
    std::fs::write(dir.join("migrate.toml"), "lock = \"table\"\n").unwrap();
    let url = db_url(&db.name);
    let child = start_sleeping(&db, SLOW_STEPS, &dir, &url, 3).await;
    let removed = cli_in(&dir, SLOW_STEPS, &url, &["unlock", "--force"]).expect(0);
    assert!(removed.stdout.contains("removed the lease of"), "{}", removed.stdout);
    db.client.batch_execute("UPDATE sleep_control SET seconds = 0").await.unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("failed at step 3 of 4: this run no longer holds the migration lease"), "{err}");
    assert!(err.contains("(SQLSTATE MG001)"), "{err}");
    // Steps 1 and 2 were recorded; the sleep's transaction rolled back; step 4 did not start.
    assert_eq!(history(&db.client).await, [(20240101000000, "in_progress".to_string(), 2)], "{err}");
    let index: bool =
        db.client.query_one("SELECT to_regclass('stepped_id_desc_idx') IS NULL", &[]).await.unwrap().get(0);
    assert!(index, "the run without its lease built no index");
    let run = cli_in(&dir, SLOW_STEPS, &url, &["up"]).expect(0);
    assert!(run.stderr.contains("resuming m20240101000000_slow_steps at step 3"), "{}", run.stderr);
    assert_eq!(history(&db.client).await, [(20240101000000, "applied".to_string(), 0)]);
    nothing_held(&db).await;
}

/// A configured schema through a pooler: each transaction sets its `search_path` locally, the steps
/// outside a transaction run on `direct_url` with the schema's `search_path`, and no session setting
/// is left on the pooler's server connections for the next client.
#[tokio::test(flavor = "multi_thread")]
async fn a_configured_schema_through_a_pooler_leaves_no_session_setting_behind() {
    let db = TestDb::new("pooler_schema").await;
    let pooler = Pooler::start(2);
    let count = blog_migrations();
    let dir = scratch_dir("pooler_schema");
    std::fs::write(dir.join("migrate.toml"), format!("schema = \"app\"\ndirect_url = \"{}\"\n", db_url(&db.name)))
        .unwrap();
    let url = pooler.url(&db.name);
    let run = cli_in(&dir, BLOG, &url, &["up"]).expect(0);
    assert!(run.stderr.contains("lease table"), "{}", run.stderr);
    cli_in(&dir, BLOG, &url, &["status", "--exit-code"]).expect(0);
    let (in_app, in_public): (i64, i64) = db
        .client
        .query_one(
            "SELECT count(*) FILTER (WHERE table_schema = 'app'), count(*) FILTER (WHERE table_schema = 'public')
             FROM information_schema.tables WHERE table_name IN ('users', 'posts', 'migrate_history')",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((in_app, in_public), (3, 0));
    let applied: i64 = db.client.query_one("SELECT count(*) FROM app.migrate_history", &[]).await.unwrap().get(0);
    assert_eq!(applied as usize, count);
    // Both server connections of the pool still have the default search_path: one client holds a
    // transaction open (pinning one connection) while the other asks on the second.
    let connect = || async {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
    };
    let (pinned, other) = (connect().await, connect().await);
    let show = |rows: Vec<tokio_postgres::SimpleQueryMessage>| {
        rows.iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .unwrap()
    };
    pinned.batch_execute("BEGIN").await.unwrap();
    let first = show(pinned.simple_query("SHOW search_path").await.unwrap());
    let second = show(other.simple_query("SHOW search_path").await.unwrap());
    pinned.batch_execute("COMMIT").await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("\"$user\", public", "\"$user\", public"));
    drop((pinned, other, pooler));
}
