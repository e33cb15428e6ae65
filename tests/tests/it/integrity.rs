//! Data integrity: names PostgreSQL would cut short are refused, concurrent first runs create their
//! schema one after the other, a deleted history table is never taken for a fresh database, the
//! history layout is upgraded in place and a newer one refused, the `transactional` column means one
//! thing, and the production marker stops destructive operations whatever URL reached the database.

use migrate_core::prelude::*;
use migrate_core::registry::Migration;
use migrate_core::runner::{Config, DownTarget, Migrator, Resolve, RunError};
use migrate_tests::{TestDb, connect_to, migration};

fn two() -> Vec<Migration> {
    vec![
        migration(1, true, |s| {
            s.create_table("a", |t| {
                t.bigint("id").primary_key();
            });
        }),
        migration(2, true, |s| {
            s.create_table("b", |t| {
                t.bigint("id").primary_key();
            });
        }),
    ]
}

fn with(config: Config) -> Migrator {
    let mut m = Migrator::new(two());
    m.with_config(config);
    m
}

#[tokio::test]
async fn names_postgresql_would_cut_short_are_refused_before_anything_runs() {
    let db = TestDb::new("integrity_names").await;
    let mut client = connect_to(&db.name).await;
    let cases = [
        (Config { history_table: "h".repeat(57), ..Config::default() }, "can be at most 56 bytes"),
        (Config { history_table: String::new(), ..Config::default() }, "history_table is empty"),
        (Config { schema: Some(format!("{}x", "s".repeat(63))), ..Config::default() }, "is 64 bytes long"),
        (Config { schema: Some(String::new()), ..Config::default() }, "schema is empty"),
    ];
    for (config, expected) in cases {
        let err = with(config).up(&mut client, None).await.unwrap_err();
        assert!(matches!(err.error, RunError::Config(_)), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
    }
    // Nothing was created.
    let tables: i64 = client
        .query_one("SELECT count(*) FROM pg_class WHERE relname LIKE 'h%' OR relname LIKE 'migrate%'", &[])
        .await
        .unwrap()
        .get(0);
    let schemas: i64 =
        client.query_one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sss%'", &[]).await.unwrap().get(0);
    assert_eq!((tables, schemas), (0, 0));
    // 56 bytes fit, with `_events` and `_meta` beside.
    let fits = Config { history_table: "h".repeat(56), ..Config::default() };
    with(fits).up(&mut client, None).await.unwrap();
}

#[tokio::test]
async fn concurrent_first_runs_in_a_configured_schema_do_not_collide() {
    // The schema is created under the migration lock: eight first runs at once, several times.
    for round in 0..4 {
        let db = TestDb::new("integrity_schema_race").await;
        let mut runs = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let name = db.name.clone();
            runs.spawn(async move {
                let mut c = connect_to(&name).await;
                let config = Config { schema: Some("tenant".into()), ..Config::default() };
                with(config).up(&mut c, None).await.map(|r| r.applied.len()).map_err(|e| e.to_string())
            });
        }
        let mut applied = 0;
        while let Some(r) = runs.join_next().await {
            applied += r.unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        assert_eq!(applied, 2, "round {round}: each migration applied once");
    }
}

#[tokio::test]
async fn a_deleted_history_table_is_refused_and_resolve_records_the_applied_again() {
    let db = TestDb::new("integrity_deleted").await;
    let mut client = connect_to(&db.name).await;
    Migrator::new(two()).up(&mut client, Some(1)).await.unwrap();
    // A data migration would run twice if `up` took this for a fresh database.
    client.batch_execute("DROP TABLE migrate_history").await.unwrap();
    let err = Migrator::new(two()).up(&mut client, None).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err.error, RunError::HistoryMissing { .. }), "{text}");
    assert!(text.contains("the migration history table \"public\".\"migrate_history\" is missing"), "{text}");
    assert!(text.contains("recorded again by `resolve --applied 1`"), "{text}");
    let exists: bool =
        client.query_one("SELECT to_regclass('a') IS NOT NULL AND to_regclass('b') IS NULL", &[]).await.unwrap().get(0);
    assert!(exists, "nothing ran");
    // `status` says so too, and `down` refuses.
    let status = Migrator::new(two()).status(&client).await.unwrap_err().to_string();
    assert!(status.contains("is missing, but its event log"), "{status}");
    assert!(Migrator::new(two()).down(&mut client, DownTarget::LastBatch).await.is_err());
    // The way out the message gives: record what is applied, then `up` applies the rest only.
    Migrator::new(two()).resolve(&mut client, Resolve::Applied(1)).await.unwrap();
    let report = Migrator::new(two()).up(&mut client, None).await.unwrap();
    assert_eq!(report.applied.iter().map(|d| d.version).collect::<Vec<_>>(), [2]);
}

#[tokio::test]
async fn a_deleted_history_table_that_held_nothing_applied_is_simply_recreated() {
    let db = TestDb::new("integrity_deleted_empty").await;
    let mut client = connect_to(&db.name).await;
    Migrator::new(two()).up(&mut client, None).await.unwrap();
    Migrator::new(two()).down(&mut client, DownTarget::To(0)).await.unwrap();
    client.batch_execute("DROP TABLE migrate_history").await.unwrap();
    // The event log shows every migration rolled back: nothing can run twice.
    assert_eq!(Migrator::new(two()).status(&client).await.unwrap().pending_versions(None), [1, 2]);
    assert_eq!(Migrator::new(two()).up(&mut client, None).await.unwrap().applied.len(), 2);
}

/// The layout recorded in the meta table, and the number of `upgrade` events.
async fn layout(client: &tokio_postgres::Client) -> (Option<String>, i64) {
    let version = client
        .query_one("SELECT obj_description('migrate_history'::regclass, 'pg_class')", &[])
        .await
        .ok()
        .and_then(|r| r.get::<_, Option<String>>(0))
        .and_then(|c| Some(c.split_once("layout ")?.1.split(' ').next()?.to_string()));
    let upgrades: i64 = client
        .query_one("SELECT count(*) FROM migrate_history_events WHERE action = 'upgrade'", &[])
        .await
        .unwrap()
        .get(0);
    (version, upgrades)
}

/// Loads a fixture of tests/fixtures/history-v1 (written by the first release).
async fn restore(client: &tokio_postgres::Client, fixture: &str) {
    restore_from(client, "history-v1", fixture).await;
}

/// Loads a fixture of tests/fixtures/`folder`.
async fn restore_from(client: &tokio_postgres::Client, folder: &str, fixture: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(folder).join(fixture);
    let sql = std::fs::read_to_string(&path).unwrap();
    client.batch_execute(&sql).await.unwrap();
    // pg_dump empties the search_path of its session.
    client.batch_execute("SET search_path TO public").await.unwrap();
}

/// Every history row (its columns of layout 1), as text, to compare before and after an upgrade.
async fn rows(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT (version, name, checksum, checksum_format, state, direction, step, step_cursor, batch, transactional,
                     applied_at, applied_by, duration_ms, up_sql, down_sql, irreversible_reason, lint_acks, original_id,
                     tool_version)::text
             FROM migrate_history ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_first_release_history_is_upgraded_in_place_once() {
    let db = TestDb::new("integrity_upgrade").await;
    let mut client = connect_to(&db.name).await;
    restore(&client, "registry-app.sql").await;
    let before = rows(&client).await;
    assert_eq!(before.len(), 285);
    // Reading needs no upgrade and writes nothing.
    let status = Migrator::new(vec![]).status(&client).await.unwrap();
    assert_eq!(status.entries.len(), 285);
    assert!(
        client.query_one("SELECT to_regclass('migrate_history_meta') IS NULL", &[]).await.unwrap().get::<_, bool>(0)
    );
    // The first run of this tool upgrades, under the lock, and logs it.
    let report = Migrator::new(vec![]).up(&mut client, None).await.unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(layout(&client).await, (Some(migrate_core::runner::layout::CURRENT.to_string()), 1));
    let detail: String = client
        .query_one("SELECT detail FROM migrate_history_events WHERE action = 'upgrade'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(detail, format!("history tables upgraded from layout 1 to {}", migrate_core::runner::layout::CURRENT));
    assert_eq!(rows(&client).await, before, "the rows older tools wrote are kept as they are");
    // And only once.
    Migrator::new(vec![]).up(&mut client, None).await.unwrap();
    assert_eq!(layout(&client).await.1, 1);
}

#[tokio::test]
async fn the_example_project_runs_on_its_upgraded_first_release_history() {
    let db = TestDb::new("integrity_upgrade_blog").await;
    restore(&db.client, "blog.sql").await;
    let url = migrate_tests::db_url(&db.name);
    let blog = env!("CARGO_BIN_EXE_blog");
    let status = migrate_tests::cli(blog, &url, &["status", "--exit-code"]).expect(0);
    assert!(status.stdout.contains("7 applied, 0 pending"), "{}", status.stdout);
    let up = migrate_tests::cli(blog, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("nothing to do"), "{}", up.stdout);
    assert_eq!(layout(&db.client).await, (Some(migrate_core::runner::layout::CURRENT.to_string()), 1));
    // The rows the first release wrote roll back and apply again.
    migrate_tests::cli(blog, &url, &["down", "--steps", "2"]).expect(0);
    migrate_tests::cli(blog, &url, &["up"]).expect(0);
    migrate_tests::cli(blog, &url, &["status", "--exit-code"]).expect(0);
}

/// The history as session 11's release left it (layout 3, tests/fixtures/history-v3): reading it
/// writes nothing; the first run adds the lock table in place (one `upgrade` event, from layout 3),
/// keeps every row, and the example project rolls back and applies again on it, with the lease too.
#[tokio::test]
async fn a_layout_3_history_gains_its_lock_table_in_place() {
    let db = TestDb::new("integrity_upgrade_v3").await;
    restore_from(&db.client, "history-v3", "blog.sql").await;
    let before = rows(&db.client).await;
    assert_eq!(before.len(), 7);
    let url = migrate_tests::db_url(&db.name);
    let blog = env!("CARGO_BIN_EXE_blog");
    let no_lock_table = async || -> bool {
        db.client.query_one("SELECT to_regclass('migrate_history_lock') IS NULL", &[]).await.unwrap().get(0)
    };
    let status = migrate_tests::cli(blog, &url, &["status", "--exit-code"]).expect(0);
    assert!(status.stdout.contains("7 applied, 0 pending"), "{}", status.stdout);
    assert!(no_lock_table().await, "status writes nothing");
    let up = migrate_tests::cli(blog, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("nothing to do"), "{}", up.stdout);
    assert!(!no_lock_table().await, "the upgrade adds the lock table");
    let repeat_table: bool =
        db.client.query_one("SELECT to_regclass('migrate_history_repeat') IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(repeat_table, "and layout 5's table of repeatable migrations");
    assert_eq!(layout(&db.client).await, (Some(migrate_core::runner::layout::CURRENT.to_string()), 1));
    let detail: String = db
        .client
        .query_one("SELECT detail FROM migrate_history_events WHERE action = 'upgrade'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(detail, format!("history tables upgraded from layout 3 to {}", migrate_core::runner::layout::CURRENT));
    assert_eq!(rows(&db.client).await, before, "the rows layout 3 wrote are kept as they are");
    // The rows layout 3 wrote roll back and apply again, under the lease as well.
    let dir = migrate_tests::scratch_dir("upgrade_v3");
    std::fs::write(dir.join("migrate.toml"), "lock = \"table\"\n").unwrap();
    migrate_tests::cli_in(&dir, blog, &url, &["down", "--steps", "2"]).expect(0);
    migrate_tests::cli_in(&dir, blog, &url, &["up"]).expect(0);
    migrate_tests::cli(blog, &url, &["status", "--exit-code"]).expect(0);
    assert_eq!(layout(&db.client).await.1, 1, "upgraded once");
}

#[tokio::test]
async fn a_history_newer_than_the_tool_is_refused() {
    let db = TestDb::new("integrity_too_new").await;
    let mut client = connect_to(&db.name).await;
    Migrator::new(two()).up(&mut client, Some(1)).await.unwrap();
    client.batch_execute("COMMENT ON TABLE migrate_history IS 'migrate history, layout 99'").await.unwrap();
    let err = Migrator::new(two()).up(&mut client, None).await.unwrap_err();
    assert!(matches!(err.error, RunError::HistoryTooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("has layout 99, newer than this tool knows"), "{err}");
    assert!(Migrator::new(two()).status(&client).await.is_err());
    let b: bool = client.query_one("SELECT to_regclass('b') IS NULL", &[]).await.unwrap().get(0);
    assert!(b, "nothing ran");
}

#[tokio::test]
async fn adopted_and_applied_rows_mean_the_same_by_transactional() {
    // A no_transaction migration whose down is one transactional step: `up` records that the stored
    // down may run as one transaction; adoption of another tool's history must record the same.
    let imported = || {
        let mut m = migration(1, false, |s| {
            s.create_table("t", |t| {
                t.bigint("id").primary_key();
            });
        });
        m.original = Some("1".into());
        vec![m]
    };
    let applied = TestDb::new("integrity_tx_applied").await;
    let mut c1 = connect_to(&applied.name).await;
    Migrator::new(imported()).up(&mut c1, None).await.unwrap();
    let adopted = TestDb::new("integrity_tx_adopted").await;
    let mut c2 = connect_to(&adopted.name).await;
    c2.batch_execute(
        "CREATE TABLE t (id bigint PRIMARY KEY);
         CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, success boolean NOT NULL);
         INSERT INTO _sqlx_migrations VALUES (1, true)",
    )
    .await
    .unwrap();
    let report = Migrator::new(imported()).up(&mut c2, None).await.unwrap();
    assert!(report.applied.is_empty() && !report.warnings.is_empty(), "{report:?}");
    let read = async |c: &tokio_postgres::Client| -> bool {
        c.query_one("SELECT transactional FROM migrate_history WHERE version = 1", &[]).await.unwrap().get(0)
    };
    assert!(read(&c1).await, "up: the down is one transactional step");
    assert_eq!(read(&c2).await, read(&c1).await);
}

async fn marker_count(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT count(*) FROM migrate_history_meta WHERE key = 'production'", &[])
        .await
        .map(|r| r.get(0))
        .unwrap_or(0)
}

#[tokio::test]
async fn a_marked_production_database_refuses_destructive_operations() {
    let db = TestDb::new("integrity_marker").await;
    let mut client = connect_to(&db.name).await;
    let production = Config { production: true, ..Config::default() };
    // Reading and running without the setting write no marker.
    Migrator::new(two()).status(&client).await.unwrap();
    Migrator::new(two()).up(&mut client, Some(1)).await.unwrap();
    assert_eq!(marker_count(&client).await, 0);
    with(production.clone()).up(&mut client, None).await.unwrap();
    assert_eq!(marker_count(&client).await, 1);
    let marker = Migrator::new(two()).production_marker(&client).await.unwrap().unwrap();
    assert!(marker.valid && marker.database == db.name, "{marker:?}");

    // A down that leaves something applied is allowed; one that leaves nothing is refused.
    let refused = Migrator::new(two()).down(&mut client, DownTarget::To(0)).await.unwrap_err();
    assert!(matches!(refused.error, RunError::Production { .. }), "{refused}");
    assert!(refused.to_string().contains("refusing to roll back every applied migration"), "{refused}");
    assert!(refused.to_string().contains("pass --allow-production"), "{refused}");
    let err = Migrator::new(two()).resolve(&mut client, Resolve::RolledBack(2)).await.unwrap_err();
    assert!(matches!(err, RunError::Production { .. }), "{err}");
    let err = Migrator::new(two()).refuse_on_production(&client, "seed").await.unwrap_err();
    assert!(err.to_string().starts_with("refusing to seed"), "{err}");
    // reset: never, even when allowed.
    let allowed = Config { allow_production: true, ..Config::default() };
    let err = with(allowed.clone()).reset(&mut client).await.unwrap_err();
    assert!(err.to_string().contains("clear the marker first with `production-marker clear`"), "{err}");
    let tables: bool = client.query_one("SELECT to_regclass('a') IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(tables, "nothing was dropped");
    with(allowed).down(&mut client, DownTarget::Steps(1)).await.unwrap();

    // A copy under another name (as a staging database restored from a dump) is not production.
    drop(client);
    let copy = format!("{}_copy", db.name);
    let admin = connect_to("postgres").await;
    // A template must have no other connection: the test database's own is ended.
    admin
        .query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", &[&db.name])
        .await
        .unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{copy}\"")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE \"{copy}\" TEMPLATE \"{}\"", db.name)).await.unwrap();
    let copied = {
        let mut c = connect_to(&copy).await;
        let marker = Migrator::new(two()).production_marker(&c).await.unwrap().unwrap();
        let reset = Migrator::new(two()).reset(&mut c).await.map(|r| r.applied.len());
        drop(c);
        (marker.valid, reset.map_err(|e| e.to_string()))
    };
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{copy}\" WITH (FORCE)")).await.unwrap();
    assert_eq!(copied, (false, Ok(2)));

    // Cleared with its own command, the database is no longer refused.
    let mut client = connect_to(&db.name).await;
    let cleared = Migrator::new(two()).clear_production_marker(&mut client).await.unwrap();
    assert!(cleared.is_some());
    assert_eq!(marker_count(&client).await, 0);
    Migrator::new(two()).down(&mut client, DownTarget::To(0)).await.unwrap();
}

/// The README's history DDL is the DDL the code creates (comments and spacing aside).
#[test]
fn the_readme_shows_the_history_ddl_the_code_creates() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let start = readme.find("```sql\nCREATE TABLE IF NOT EXISTS <table> (").expect("the history DDL in the README");
    let block = &readme[start + "```sql\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    let normalise = |sql: &str| -> String {
        let without_comments: Vec<&str> = sql.lines().map(|l| l.split(" -- ").next().unwrap_or(l)).collect();
        without_comments
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("( ", "(")
            .replace(" )", ")")
    };
    let shown = block
        .replace("<table>_events", "\"public\".\"migrate_history_events\"")
        .replace("<table>_meta", "\"public\".\"migrate_history_meta\"")
        .replace("<table>_lock", "\"public\".\"migrate_history_lock\"")
        .replace("<table>_repeat", "\"public\".\"migrate_history_repeat\"")
        .replace("<table>", "\"public\".\"migrate_history\"");
    let code = migrate_core::runner::history::HistoryTables::new("public", "migrate_history").ddl();
    assert_eq!(normalise(&shown), normalise(&format!("{code};")));
}

/// Through the CLI: the marker `up --target prod` writes stops `reset` and `seed` reached by another
/// spelling of the same URL (`postgresql://` where the target says `postgres://`).
#[tokio::test]
async fn the_cli_refuses_a_marked_database_whatever_url_reaches_it() {
    let db = TestDb::new("integrity_marker_cli").await;
    let blog = env!("CARGO_BIN_EXE_blog");
    let dir = migrate_tests::scratch_dir("marker");
    std::fs::write(
        dir.join("migrate.toml"),
        format!("[targets.prod]\nurl = \"postgres://postgres@127.0.0.1:5432/{}\"\nproduction = true\n", db.name),
    )
    .unwrap();
    let other = format!("postgresql://postgres@127.0.0.1:5432/{}", db.name);
    let run = |args: &[&str]| migrate_tests::cli_in(&dir, blog, "", args);
    run(&["status", "--target", "prod"]).expect(0);
    let none: bool =
        db.client.query_one("SELECT to_regclass('migrate_history_meta') IS NULL", &[]).await.unwrap().get(0);
    assert!(none, "status writes nothing");
    run(&["up", "--target", "prod"]).expect(0);
    assert_eq!(marker_count(&db.client).await, 1);
    let shown = run(&["production-marker", "status", "--database-url", &other]).expect(0);
    assert!(shown.stdout.contains(&format!("found production marker: database {}", db.name)), "{}", shown.stdout);
    assert!(shown.stdout.contains("(valid: destructive commands refuse this database)"), "{}", shown.stdout);

    let reset = run(&["reset", "--yes", "--database-url", &other]).expect(2);
    assert!(reset.stderr.contains("refusing to reset: this database carries a production marker"), "{}", reset.stderr);
    let seed = run(&["seed", "--env", "dev", "--database-url", &other]).expect(2);
    assert!(seed.stderr.contains("refusing to run the `dev` seeds"), "{}", seed.stderr);
    assert!(seed.stderr.contains("pass --allow-production"), "{}", seed.stderr);
    run(&["seed", "--env", "dev", "--allow-production", "--database-url", &other]).expect(0);
    let down = run(&["down", "--database-url", &other]).expect(2);
    assert!(down.stderr.contains("refusing to roll back every applied migration"), "{}", down.stderr);

    // The way out the message names: clear the marker; then the development commands work again.
    let cleared = run(&["production-marker", "clear", "--database-url", &other]).expect(0);
    assert!(cleared.stdout.contains("cleared production marker"), "{}", cleared.stdout);
    run(&["reset", "--yes", "--database-url", &other]).expect(0);
    assert_eq!(marker_count(&db.client).await, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
