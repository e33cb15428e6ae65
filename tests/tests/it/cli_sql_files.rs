//! SQL-file migrations (`up.sql` / `down.sql` folders) in one ordered history with Rust migrations.

use migrate_tests::{TestDb, cli, db_url, history};

const SQL: &str = env!("CARGO_BIN_EXE_fx_sql");

#[tokio::test]
async fn sql_file_migrations_apply_roll_back_and_keep_their_promises() {
    let db = TestDb::new("cli_sql_files").await;
    let url = db_url(&db.name);
    let list = cli(SQL, "", &["list"]).expect(0);
    let names: Vec<&str> = list.stdout.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(names, ["create_things", "add_note", "index_things", "drop_things"]);
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

    cli(SQL, &url, &["up"]).expect(0);
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
    assert_eq!(acks, ["raw-sql: a test fixture"]);
}
