//! Say what happened: results as they happen, a JSON envelope that includes partial work, migrations
//! named as the tool prints them, `up --to` an unknown version, `up --steps`, and tries counted.

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::runner::{Config, Migrator};
use migrate_tests::{TestDb, cli, db_url, history, migration};

const BASE: &str = env!("CARGO_BIN_EXE_fx_base");
const FAILING: &str = env!("CARGO_BIN_EXE_fx_failing");
const ORDERED: &str = env!("CARGO_BIN_EXE_fx_ordered");

#[tokio::test]
async fn each_result_is_printed_when_its_migration_finishes() {
    let db = TestDb::new("report_order").await;
    let dir = migrate_tests::scratch_dir("order");
    let mut child = Command::new(ORDERED)
        .arg("up")
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", db_url(&db.name))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let lines: Vec<(Duration, String)> =
        std::io::BufReader::new(child.stdout.take().unwrap()).lines().map(|l| (start.elapsed(), l.unwrap())).collect();
    assert!(child.wait().unwrap().success(), "{lines:?}");
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(text.len(), 4, "{text:?}");
    assert!(text[0].starts_with("applied m20240101000000_one ("), "{text:?}");
    assert!(text[1].starts_with("applied m20240102000000_slow (1.0 s)") || text[1].contains("_slow (1."), "{text:?}");
    assert!(text[2].starts_with("applied m20240103000000_three ("), "{text:?}");
    assert!(text[3].starts_with("applied 3 migrations in 1."), "{text:?}");
    // The first result came out before the slow migration finished, not at the end of the run.
    assert!(lines[1].0 >= lines[0].0 + Duration::from_millis(800), "{lines:?}");
}

fn json(run: &migrate_tests::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

#[tokio::test]
async fn the_json_of_a_failing_up_and_of_a_down_stopping_part_way_holds_the_work_done() {
    let db = TestDb::new("report_json").await;
    let url = db_url(&db.name);
    let up = cli(FAILING, &url, &["up", "--format", "json"]).expect(2);
    let v = json(&up);
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "up");
    assert_eq!(v["ok"], false);
    assert_eq!(v["database"], format!("database `{}` on 127.0.0.1:5432 as `postgres`", db.name));
    assert_eq!(v["applied"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["applied"][0]["id"], "m20240101000000_one");
    assert_eq!(v["error"]["migration"], "m20240102000000_failing");
    assert_eq!(v["error"]["database_error"]["sqlstate"], "22012");
    assert!(v["error"]["database_error"]["statement"].as_str().unwrap().contains("1 / (count(*) - count(*))"), "{v}");

    let db = TestDb::new("report_json_down").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    // A view on `notes` keeps the second down from dropping it.
    db.client.batch_execute("CREATE VIEW notes_view AS SELECT * FROM notes").await.unwrap();
    let down = cli(BASE, &url, &["down", "--steps", "2", "--format", "json"]).expect(2);
    let v = json(&down);
    assert_eq!(v["command"], "down");
    assert_eq!(v["rolled_back"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["rolled_back"][0]["id"], "m20240103000000_three");
    assert_eq!(v["error"]["migration"], "m20240102000000_two (rolling back)");
    assert_eq!(v["error"]["database_error"]["sqlstate"], "2BP01");
}

#[tokio::test]
async fn migrations_are_named_as_the_tool_prints_them() {
    let db = TestDb::new("report_names").await;
    let url = db_url(&db.name);
    for to in ["20240101000000", "m20240101000000_one", "20240101000000_one"] {
        cli(BASE, &url, &["up", "--to", to]).expect(0);
        assert_eq!(history(&db.client).await.len(), 1, "up --to {to}");
        cli(BASE, &url, &["down", "--to", "0"]).expect(0);
    }
    for form in ["20240102000000", "m20240102000000_two", "20240102000000_two"] {
        let sql = cli(BASE, "", &["sql", "up", form]).expect(0);
        assert!(sql.stdout.contains("CREATE TABLE \"notes\""), "{form}: {}", sql.stdout);
    }
    let sql = cli(BASE, "", &["sql", "up", "m20240101000000_one..m20240102000000_two"]).expect(0);
    assert!(sql.stdout.contains("\"accounts\"") && sql.stdout.contains("\"notes\""), "{}", sql.stdout);
    for form in ["20240101000000", "m20240101000000_one", "20240101000000_one"] {
        cli(BASE, &url, &["resolve", "--applied", form]).expect(0);
        cli(BASE, &url, &["resolve", "--accept-checksum", form]).expect(0);
        cli(BASE, &url, &["resolve", "--rolled-back", form]).expect(0);
    }
    let bad = cli(BASE, &url, &["resolve", "--applied", "m2024x_one"]).expect(2);
    assert!(bad.stderr.contains("`m2024x_one` is not a migration: give its version"), "{}", bad.stderr);
}

#[tokio::test]
async fn up_to_an_unknown_version_and_up_steps() {
    let db = TestDb::new("report_to_steps").await;
    let url = db_url(&db.name);
    let unknown = cli(BASE, &url, &["up", "--to", "20240101120000"]).expect(2);
    assert!(
        unknown.stderr.contains(
            "no migration has version 20240101120000: the nearest are m20240101000000_one before it and m20240102000000_two after it"
        ),
        "{}",
        unknown.stderr
    );
    assert!(history(&db.client).await.is_empty());
    let two = cli(BASE, &url, &["up", "--steps", "2"]).expect(0);
    assert!(two.stdout.contains("applied 2 migrations in"), "{}", two.stdout);
    assert_eq!(history(&db.client).await.len(), 2);
    // Pending is not "needing attention"; an applied migration missing from the code counts as applied.
    let status = cli(BASE, &url, &["status"]).expect(0);
    assert!(status.stdout.contains("2 applied, 1 pending, 0 needing attention"), "{}", status.stdout);
    cli(BASE, &url, &["up", "--steps", "5"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 3);
    let fewer = cli(env!("CARGO_BIN_EXE_fx_fewer"), &url, &["status"]).expect(0);
    assert!(fewer.stdout.contains("3 applied, 0 pending, 1 needing attention"), "{}", fewer.stdout);
    cli(BASE, &url, &["up", "--steps", "1", "--to", "20240101000000"]).expect(2);
}

#[tokio::test]
async fn lock_retries_n_means_at_most_n_plus_one_tries() {
    let db = TestDb::new("report_tries").await;
    let mut client = migrate_tests::connect_to(&db.name).await;
    let migrations = || {
        vec![
            migration(1, true, |s| {
                s.create_table("locked", |t| {
                    t.integer("id");
                });
                s.sql_with_down("CREATE SEQUENCE tries", "DROP SEQUENCE tries");
            }),
            // Each try takes a number (sequences ignore rollbacks), then waits for the lock.
            migration(2, true, |s| {
                s.sql_with_down("SELECT nextval('tries')", "SELECT 1");
                s.alter_table("locked", |t| {
                    t.integer("extra");
                });
            }),
        ]
    };
    Migrator::new(migrations()).up(&mut client, Some(1)).await.unwrap();
    let blocker = migrate_tests::connect_to(&db.name).await;
    blocker.batch_execute("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = messages.clone();
    let mut m = Migrator::new(migrations());
    m.with_config(Config { lock_retries: 2, lock_timeout: Some(Duration::from_millis(50)), ..Config::default() });
    m.on_progress(move |msg| sink.lock().unwrap().push(msg));
    let err = m.up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("SQLSTATE 55P03"), "{err}");
    blocker.batch_execute("ROLLBACK").await.unwrap();
    let tries: i64 = client.query_one("SELECT last_value FROM tries", &[]).await.unwrap().get(0);
    assert_eq!(tries, 3, "lock_retries = 2: three tries in all");
    let log = messages.lock().unwrap().join("\n");
    assert!(log.contains("try 1 of 3 could not get a lock") && log.contains("try 2 of 3"), "{log}");
    assert!(!log.contains("try 3 of 3 could not"), "the last try is the error: {log}");
}

/// Timestamps are RFC 3339 in UTC whatever the session's zone and date style, and a history row
/// edited by hand to a time RFC 3339 cannot hold is said, not a panic.
#[tokio::test]
async fn timestamps_are_rfc3339_in_utc_and_odd_ones_are_said() {
    let db = TestDb::new("report_times").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    let name = &db.name;
    db.client
        .batch_execute(&format!("ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Kolkata'; ALTER DATABASE \"{name}\" SET DateStyle = 'SQL, DMY'"))
        .await
        .unwrap();
    let at: String = db
        .client
        .query_one("SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM migrate_history WHERE version = 20240101000000", &[])
        .await
        .unwrap()
        .get(0);
    let status = json(&cli(BASE, &url, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["migrations"][0]["applied_at"], at.as_str(), "{status}");
    let human = cli(BASE, &url, &["status"]).expect(0).stdout;
    assert!(human.contains(&format!("{} {} UTC", &at[..10], &at[11..19])), "{human}");

    db.client
        .batch_execute(
            "UPDATE migrate_history SET applied_at = 'infinity' WHERE version = 20240101000000;
             UPDATE migrate_history SET applied_at = '1960-01-01 00:00:00+00' WHERE version = 20240102000000",
        )
        .await
        .unwrap();
    let status = json(&cli(BASE, &url, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["migrations"][0]["applied_at"], "outside 1970-9999", "{status}");
    assert_eq!(status["migrations"][1]["applied_at"], "outside 1970-9999", "{status}");
    cli(BASE, &url, &["status"]).expect(0);
}

/// A deadlock in a transactional migration rolls the whole transaction back: it is tried again, and
/// said. The other session waits long before it looks for deadlocks, so the migration's is the one the
/// server ends.
#[tokio::test]
async fn a_deadlock_in_a_transaction_is_retried() {
    let db = TestDb::new("report_deadlock").await;
    db.client
        .batch_execute(
            "CREATE TABLE a (v int); CREATE TABLE b (v int); INSERT INTO a VALUES (0); INSERT INTO b VALUES (0)",
        )
        .await
        .unwrap();
    let other = migrate_tests::connect_to(&db.name).await;
    other.batch_execute("SET deadlock_timeout = '10s'; BEGIN; UPDATE b SET v = v + 1").await.unwrap();
    let mut m = Migrator::new(vec![migration(1, true, |s| {
        s.sql_with_down("UPDATE a SET v = v + 1; SELECT pg_sleep(0.5); UPDATE b SET v = v + 1", "SELECT 1");
    })]);
    // Waiting for `b` must end in the deadlock, not in lock_timeout.
    m.with_config(Config { lock_timeout: Some(Duration::from_secs(10)), ..Config::default() });
    let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = said.clone();
    m.on_progress(move |line| sink.lock().unwrap().push(line));
    let mut client = migrate_tests::connect_to(&db.name).await;
    let cross = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Waits for the migration's row of `a`: a deadlock, which the migration's session detects.
        other.batch_execute("UPDATE a SET v = v + 1").await.unwrap();
        other.batch_execute("COMMIT").await.unwrap();
    };
    let (result, ()) = tokio::join!(m.up(&mut client, None), cross);
    result.unwrap();
    let said = said.lock().unwrap().join("\n");
    assert!(said.contains("try 1 of 11 was chosen to end a deadlock (SQLSTATE 40P01); retrying in 200 ms"), "{said}");
    let (a, b): (i32, i32) = db
        .client
        .query_one("SELECT (SELECT v FROM a), (SELECT v FROM b)", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((a, b), (2, 2), "the migration ran once, the other session once");
    assert_eq!(history(&db.client).await.len(), 1);
}

/// A serialization failure (40001) in a migration's transaction is retried like a deadlock, and said.
/// The migration runs SERIALIZABLE (its first statement, which must come before any query of the
/// transaction: the lease's fence, taken by a run without the connection's origin, comes just before
/// the history write), and fails once on purpose: a sequence, which no rollback resets, counts the tries.
#[tokio::test]
async fn a_serialization_failure_in_a_transaction_is_retried() {
    let db = TestDb::new("report_serialization").await;
    db.client.batch_execute("CREATE SEQUENCE tries").await.unwrap();
    let mut m = Migrator::new(vec![migration(1, true, |s| {
        s.sql_with_down(
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; CREATE TABLE ran (isolation text); INSERT INTO ran SELECT current_setting('transaction_isolation'); DO $$ BEGIN IF nextval('tries') = 1 THEN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END IF; END $$",
            "DROP TABLE ran",
        );
    })]);
    let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = said.clone();
    m.on_progress(move |line| sink.lock().unwrap().push(line));
    let mut client = migrate_tests::connect_to(&db.name).await;
    m.up(&mut client, None).await.unwrap();
    let said = said.lock().unwrap().join("\n");
    assert!(said.contains("migration lock: lease table"), "{said}");
    assert!(said.contains("try 1 of 11 hit a serialization failure (SQLSTATE 40001); retrying in 200 ms"), "{said}");
    let (isolation, tries): (String, i64) = db
        .client
        .query_one("SELECT (SELECT isolation FROM ran), (SELECT last_value FROM tries)", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((isolation.as_str(), tries), ("serializable", 2));
    assert_eq!(history(&db.client).await.len(), 1);
}
