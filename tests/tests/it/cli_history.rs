//! The history's guarantees: checksums, migrations missing from the code, out-of-order migrations,
//! the migration lock, resolve and reset.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_tests::{TestDb, cli, cli_in, db_url, history, scratch_dir};

const BASE: &str = env!("CARGO_BIN_EXE_fx_base");
const FEWER: &str = env!("CARGO_BIN_EXE_fx_fewer");
const LATE: &str = env!("CARGO_BIN_EXE_fx_late");
const CHANGED: &str = env!("CARGO_BIN_EXE_fx_changed");

#[tokio::test]
async fn a_changed_migration_stops_the_run_until_resolved() {
    let db = TestDb::new("cli_checksum").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    let run = cli(CHANGED, &url, &["up"]).expect(1);
    assert!(
        run.stderr.contains("applied migration m20240102000000_two changed since it was applied"),
        "{}",
        run.stderr
    );
    cli(CHANGED, &url, &["status", "--exit-code"]).expect(1);
    let status = cli(CHANGED, &url, &["status"]).expect(0);
    assert!(status.stdout.contains("two") && status.stdout.contains("checksum mismatch"), "{}", status.stdout);
    // `down` refuses it too: its down is not the one that matches what ran.
    cli(CHANGED, &url, &["down", "--steps", "2"]).expect(1);

    let resolved = cli(CHANGED, &url, &["resolve", "--accept-checksum", "20240102000000"]).expect(0);
    assert!(resolved.stdout.contains("resolved m20240102000000_two: checksum"), "{}", resolved.stdout);
    cli(CHANGED, &url, &["up"]).expect(0);
    cli(CHANGED, &url, &["status", "--exit-code"]).expect(0);

    // Tampering with the stored checksum is caught the same way.
    db.client
        .batch_execute("UPDATE migrate_history SET checksum = 'tampered' WHERE version = 20240101000000")
        .await
        .unwrap();
    let run = cli(CHANGED, &url, &["up"]).expect(1);
    assert!(run.stderr.contains("m20240101000000_one"), "{}", run.stderr);
    let events: i64 = db
        .client
        .query_one("SELECT count(*) FROM migrate_history_events WHERE action = 'resolve'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(events, 1);
}

#[tokio::test]
async fn a_migration_missing_from_the_code_is_reported_and_rolled_back_from_history() {
    let db = TestDb::new("cli_missing").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    let status = cli(FEWER, &url, &["status", "--exit-code"]).expect(1);
    assert!(status.stdout.contains("missing from code"), "{}", status.stdout);
    let up = cli(FEWER, &url, &["up"]).expect(0);
    assert!(up.stderr.contains("m20240103000000_three is applied but missing from the code"), "{}", up.stderr);
    let down = cli(FEWER, &url, &["down", "--steps", "1"]).expect(0);
    assert!(down.stderr.contains("rolling it back with the down SQL stored in the history"), "{}", down.stderr);
    let column: i64 = db
        .client
        .query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'created_at'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(column, 0);
    assert_eq!(history(&db.client).await.len(), 2);
}

#[tokio::test]
async fn out_of_order_migrations_are_refused_unless_allowed() {
    let db = TestDb::new("cli_ooo").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    let run = cli(LATE, &url, &["up"]).expect(1);
    assert!(
        run.stderr.contains(
            "a pending migration is older than the newest applied migration 20240103000000: m20240102120000_late"
        ),
        "{}",
        run.stderr
    );
    let status = cli(LATE, &url, &["status"]).expect(0);
    assert!(status.stdout.contains("pending (out of order)"), "{}", status.stdout);
    cli(LATE, &url, &["up", "--allow-out-of-order"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 4);
}

#[tokio::test]
async fn the_lock_makes_a_second_deploy_wait_or_fail() {
    let db = TestDb::new("cli_lock").await;
    let url = db_url(&db.name);
    let key = migrate_core::runner::lock::key("\"public\".\"migrate_history\"");
    db.client.query_one("SELECT pg_advisory_lock($1)", &[&key]).await.unwrap();

    let run = cli(BASE, &url, &["up", "--no-wait"]).expect(2);
    assert!(
        run.stderr.contains("another process is migrating this database (it holds the migration lock: backend pid"),
        "{}",
        run.stderr
    );
    assert!(history(&db.client).await.is_empty());

    let child = Command::new(BASE)
        .arg("up")
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    db.client.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await.unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(start.elapsed() >= Duration::from_millis(1500));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("waiting for the migration lock (0s so far), held by backend pid"), "{err}");
    assert_eq!(history(&db.client).await.len(), 3);
}

#[tokio::test]
async fn resolve_marks_applied_and_rolled_back() {
    let db = TestDb::new("cli_resolve").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up", "--to", "20240101000000"]).expect(0);
    cli(BASE, &url, &["resolve", "--applied", "20240102000000"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 2);
    assert!(!db.client.query_one("SELECT to_regclass('notes') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
    cli(BASE, &url, &["resolve", "--applied", "20240102000000"]).expect(2);
    cli(BASE, &url, &["resolve", "--rolled-back", "20240102000000"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 1);
    let run = cli(BASE, &url, &["resolve", "--applied", "20990101000000"]).expect(2);
    assert!(run.stderr.contains("no migration has version 20990101000000"), "{}", run.stderr);
    cli(BASE, &url, &["resolve"]).expect(2);
}

#[tokio::test]
async fn reset_needs_confirmation_and_refuses_production() {
    let db = TestDb::new("cli_reset").await;
    let url = db_url(&db.name);
    cli(BASE, &url, &["up"]).expect(0);
    db.client.batch_execute("CREATE TABLE stray (id int)").await.unwrap();
    let run = cli(BASE, &url, &["reset"]).expect(2);
    assert!(run.stderr.contains("run `reset --yes` to confirm"), "{}", run.stderr);
    cli(BASE, &url, &["reset", "--yes"]).expect(0);
    assert!(!db.client.query_one("SELECT to_regclass('stray') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
    assert_eq!(history(&db.client).await.len(), 3);

    let dir = scratch_dir("reset");
    std::fs::write(dir.join("migrate.toml"), format!("[targets.prod]\nurl = \"{url}\"\nproduction = true\n")).unwrap();
    let run = cli_in(&dir, BASE, "", &["--target", "prod", "reset", "--yes"]).expect(2);
    assert!(run.stderr.contains("refusing to reset a production database"), "{}", run.stderr);
    // The same URL given directly is recognised as production.
    cli_in(&dir, BASE, &url, &["reset", "--yes"]).expect(2);
    assert!(db.client.query_one("SELECT to_regclass('notes') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
}

/// A migration applied by an earlier version of the tool, which a stricter rule now refuses (a
/// narrowing with a derived down): loading names the fix, and the command it names works once the
/// `down` is added.
#[tokio::test]
async fn an_applied_migration_a_stricter_rule_refuses_names_the_way_out() {
    const NARROW: &str = env!("CARGO_BIN_EXE_fx_narrow");
    const NARROW_DERIVED: &str = env!("CARGO_BIN_EXE_fx_narrow_derived");
    let db = TestDb::new("cli_stricter").await;
    let url = db_url(&db.name);
    cli(NARROW, &url, &["up"]).expect(0);
    // As the earlier version recorded it: the up with its derived down.
    let up = {
        use migrate_core::prelude::*;
        let mut s = migrate_core::Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
        s.alter_table("accounts", |t| {
            t.change_type("nick", Varchar(100), Varchar(50));
        });
        s.finish().unwrap()
    };
    let old = migrate_core::registry::checksum(&up, &migrate_core::registry::Down::Derived(vec![]), true);
    db.client
        .execute("UPDATE migrate_history SET checksum = $1 WHERE version = 20240103000000", &[&old])
        .await
        .unwrap();

    // The code as it was: refused when the migrations load, before any SQL, with the way out.
    for args in [&["status"][..], &["up"], &["down"]] {
        let run = cli(NARROW_DERIVED, &url, args);
        assert_ne!(run.code, 0, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("narrows `accounts.nick` from varchar(100) to varchar(50)")
                && run.stderr.contains("Add the `down`")
                && run.stderr.contains("then run `migrate-cli resolve --accept-checksum 20240103000000`"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // With the down added: the checksum differs from the recorded one until resolved as told.
    cli(NARROW, &url, &["status", "--exit-code"]).expect(1);
    cli(NARROW, &url, &["resolve", "--accept-checksum", "20240103000000"]).expect(0);
    cli(NARROW, &url, &["status", "--exit-code"]).expect(0);
    // And the down it now has runs.
    cli(NARROW, &url, &["down", "--steps", "1"]).expect(0);
    let ty: String = db
        .client
        .query_one(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'nick'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(ty, "character varying(100)");
}

/// An application applies its migrations at start-up with one call: the pending ones once (a second
/// start applies nothing), and none when a pending one has a lint error.
#[tokio::test]
async fn an_application_applies_its_migrations_with_one_call() {
    const STARTUP: &str = env!("CARGO_BIN_EXE_fx_startup");
    const STARTUP_LINT: &str = env!("CARGO_BIN_EXE_fx_startup_lint");
    let db = TestDb::new("startup").await;
    let url = db_url(&db.name);
    let first = cli(STARTUP, &url, &[]).expect(0);
    let applied: Vec<&str> = first.stdout.lines().collect();
    assert_eq!(
        applied,
        ["applied m20240101000000_one", "applied m20240102000000_two", "applied m20240103000000_three"]
    );
    assert_eq!(cli(STARTUP, &url, &[]).expect(0).stdout, "");
    assert_eq!(history(&db.client).await.len(), 3);
    // The CLI agrees: nothing pending.
    cli(BASE, &url, &["status", "--exit-code"]).expect(0);

    let other = TestDb::new("startup_lint").await;
    let url = db_url(&other.name);
    // A pending migration whose down does not restore what its up changes (lint inexact-down).
    let refused = cli(STARTUP_LINT, &url, &[]).expect(1);
    assert!(
        refused.stderr.contains(
            "lint error(s) in pending migrations, nothing ran: m20240102000000_forgetful_down [inexact-down]"
        ),
        "{}",
        refused.stderr
    );
    assert!(history(&other.client).await.is_empty());
}
