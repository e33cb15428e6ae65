//! SQL-file migrations (`up.sql` / `down.sql` folders) in one ordered history with Rust migrations.

use migrate_tests::{TestDb, cli, db_url, history};

const SQL: &str = env!("CARGO_BIN_EXE_fx_sql");

#[tokio::test]
async fn sql_file_migrations_apply_roll_back_and_keep_their_promises() {
    let db = TestDb::new("cli_sql_files").await;
    let url = db_url(&db.name);
    let list = cli(SQL, "", &["list"]).expect(0);
    let names: Vec<&str> = list.stdout.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(names, ["create_things", "add_note", "index_things", "drop_things", "derived_shop"]);
    assert!(list.stdout.contains("derived_shop (derived down)"), "{}", list.stdout);
    assert!(list.stdout.contains("index_things (explicit down, no transaction)"), "{}", list.stdout);
    assert!(list.stdout.contains("create_things (explicit down)"), "{}", list.stdout);
    assert!(list.stdout.contains("add_note (explicit down)"), "{}", list.stdout);
    assert!(list.stdout.contains("drop_things (irreversible: drops the things and their data)"), "{}", list.stdout);

    let up = cli(SQL, &url, &["up", "--to", "20240102000000"]).expect(0);
    assert!(up.stderr.contains("  step 1/2 (outside a transaction)"), "{}", up.stderr);
    let row = db
        .client
        .query_one(
            "SELECT string_agg(name, ',' ORDER BY id), (SELECT indisvalid FROM pg_index WHERE indexrelid = 'things_name_idx'::regclass) FROM things",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, bool>(1)), ("a;b,c;d".to_string(), true));

    cli(SQL, &url, &["down", "--steps", "3"]).expect(0);
    assert!(history(&db.client).await.is_empty());
    assert!(!db.client.query_one("SELECT to_regclass('things') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));

    cli(SQL, &url, &["up", "--to", "20240103000000"]).expect(0);
    let down = cli(SQL, &url, &["down", "--steps", "1"]).expect(2);
    assert!(
        down.stderr.contains("m20240103000000_drop_things cannot be rolled back: drops the things and their data"),
        "{}",
        down.stderr
    );
    let acks: Vec<String> = db
        .client
        .query_one("SELECT lint_acks FROM migrate_history WHERE version = 20240103000000", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(acks, ["ban-drop-table: a test fixture"]);
}

/// An SQL-file concurrent index build killed while it waits: the INVALID leftover is dropped by the
/// next `up`, which builds the index again (the name comes from the parse tree), instead of failing
/// on "already exists" forever.
#[tokio::test]
async fn an_sql_concurrent_build_killed_mid_way_is_built_again() {
    let db = TestDb::new("sql_file_cic_kill").await;
    let url = db_url(&db.name);
    cli(SQL, &url, &["up", "--to", "20240101120000"]).expect(0);
    // A transaction holding an old snapshot: the concurrent build waits for it, its index already
    // in the catalog as INVALID.
    let blocker = migrate_tests::connect_to(&db.name).await;
    blocker.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM things").await.unwrap();
    let dir = migrate_tests::scratch_dir("cic_kill");
    let mut child = migrate_tests::spawn_in(&dir, SQL, &url, &["up", "--to", "20240102000000"]);
    let invalid = "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('things_name_idx') AND NOT indisvalid";
    let start = std::time::Instant::now();
    while db.client.query_one(invalid, &[]).await.unwrap().get::<_, i64>(0) == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the build never started");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server ends the killed program's statement within a second; the leftover stays INVALID.
    let building = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()";
    let killed = std::time::Instant::now();
    while db.client.query_one(building, &[]).await.unwrap().get::<_, i64>(0) > 0 {
        assert!(killed.elapsed() < std::time::Duration::from_secs(5), "the build ran on after its program was killed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    blocker.batch_execute("COMMIT").await.unwrap();
    assert_eq!(db.client.query_one(invalid, &[]).await.unwrap().get::<_, i64>(0), 1);
    let up = cli(SQL, &url, &["up", "--to", "20240102000000"]).expect(0);
    assert!(up.stderr.contains("resuming m20240102000000_index_things at step 1 of 2"), "{}", up.stderr);
    let valid: bool = db
        .client
        .query_one("SELECT indisvalid FROM pg_index WHERE indexrelid = 'things_name_idx'::regclass", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
}

/// An SQL-file concurrent build that runs out of `lock_timeout` while it waits for an old snapshot
/// (its index already in the catalog, INVALID) and out of retries: the run stops with the server's
/// error; once the snapshot is gone the next `up` drops the leftover and builds one valid index.
/// The runner sets no lock_timeout of its own for a concurrent build (it blocks no writes), so the
/// timeout here is the database's own setting, as a DBA may give it.
#[tokio::test]
async fn an_sql_concurrent_build_after_a_lock_timeout_is_built_again() {
    let db = TestDb::new("sql_file_cic_timeout").await;
    let url = db_url(&db.name);
    cli(SQL, &url, &["up", "--to", "20240101120000"]).expect(0);
    db.client.batch_execute(&format!("ALTER DATABASE {} SET lock_timeout = '300ms'", db.name)).await.unwrap();
    let blocker = migrate_tests::connect_to(&db.name).await;
    blocker.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM things").await.unwrap();
    let dir = migrate_tests::scratch_dir("cic_timeout");
    std::fs::write(dir.join("migrate.toml"), "lock_retries = 1\n").unwrap();
    let run = migrate_tests::cli_in(&dir, SQL, &url, &["up", "--to", "20240102000000"]).expect(2);
    assert!(run.stderr.contains("(SQLSTATE 55P03)"), "{}", run.stderr);
    assert!(run.stderr.contains("try 1 of 2 could not get a lock within lock_timeout"), "{}", run.stderr);
    let invalid = "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('things_name_idx') AND NOT indisvalid";
    assert_eq!(db.client.query_one(invalid, &[]).await.unwrap().get::<_, i64>(0), 1);
    blocker.batch_execute("COMMIT").await.unwrap();
    let up = migrate_tests::cli_in(&dir, SQL, &url, &["up", "--to", "20240102000000"]).expect(0);
    assert!(up.stderr.contains("resuming m20240102000000_index_things at step 1 of 2"), "{}", up.stderr);
    let (indexes, valid): (i64, bool) = {
        let row = db
            .client
            .query_one(
                "SELECT count(*), bool_and(i.indisvalid) FROM pg_index i WHERE i.indrelid = 'things'::regclass AND NOT i.indisprimary",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((indexes, valid), (1, true));
}

/// An SQL file without down.sql whose every statement has an inverse (each kind the model reads:
/// extension, schema, enum, tables with their keys, checks and references, named and unnamed indexes,
/// a view, added columns and constraints, validation, renames of columns, constraints, indexes, enum
/// values and tables): `up` applies it as written, and the derived down gives back
/// exactly the schema before it.
#[tokio::test]
async fn an_sql_file_without_down_sql_rolls_back_through_its_derived_down() {
    let db = TestDb::new("sql_file_derived").await;
    let url = db_url(&db.name);
    cli(SQL, &url, &["up", "--to", "20240103000000"]).expect(0);
    let ignore = ["migrate_history", "migrate_history_events", "migrate_history_meta"];
    let objects = "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'hstore')
                        + (SELECT count(*) FROM pg_namespace WHERE nspname = 'shop_archive')";
    let before = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    cli(SQL, &url, &["up"]).expect(0);
    let after = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    assert!(!migrate_core::introspect::diff(&before, &after).is_empty());
    assert_eq!(db.client.query_one(objects, &[]).await.unwrap().get::<_, i64>(0), 2);
    let state: Vec<String> = db
        .client
        .query("SELECT unnest(enum_range(NULL::shop_state))::text", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(state, ["open", "closed", "closed_for_good"]);
    // The down is the inverse of each statement, last first, as `sql down` shows it.
    let shown = cli(SQL, &url, &["sql", "down", "20240104000000"]).expect(0).stdout;
    let order = [
        "RENAME TO \"items\"",
        "RENAME VALUE 'closed_for_good' TO 'gone'",
        "DROP VIEW \"open_shops\"",
        "DROP TABLE \"items\"",
        "DROP TABLE \"shops\"",
        "DROP EXTENSION \"hstore\"",
    ];
    let at: Vec<usize> =
        order.iter().map(|o| shown.find(o).unwrap_or_else(|| panic!("no `{o}` in:\n{shown}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{shown}");
    cli(SQL, &url, &["down", "--steps", "1"]).expect(0);
    let back = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    assert_eq!(migrate_core::introspect::diff(&before, &back), vec![]);
    assert_eq!(db.client.query_one(objects, &[]).await.unwrap().get::<_, i64>(0), 0);
    // And applied again, the same schema as the first time.
    cli(SQL, &url, &["up"]).expect(0);
    let again = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    assert_eq!(migrate_core::introspect::diff(&after, &again), vec![]);
}
