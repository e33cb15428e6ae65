//! The CLI end to end on the example project: up, status, down, redo, sql, list, and the history it
//! writes.

use migrate_tests::{TestDb, cli, db_url, history};

const BLOG: &str = env!("CARGO_BIN_EXE_blog");

#[tokio::test]
async fn blog_up_status_down_redo() {
    let db = TestDb::new("cli_blog").await;
    let url = db_url(&db.name);

    let run = cli(BLOG, &url, &["up"]).expect(0);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("applied m2024")).count(), 7, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!("migrating database `{}` on 127.0.0.1:5432 as `postgres`", db.name)),
        "{}",
        run.stderr
    );
    let rows = history(&db.client).await;
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|(_, state, _)| state == "applied"));

    // The history row carries who, what SQL, and how to undo it.
    let row = db
        .client
        .query_one(
            "SELECT applied_by, up_sql, down_sql, checksum_format, batch, tool_version, transactional
             FROM migrate_history WHERE version = 20240106000000",
            &[],
        )
        .await
        .unwrap();
    let applied_by: String = row.get(0);
    // The role, then the OS user and host as the system's own commands name them.
    let command = |c: &str, args: &[&str]| {
        String::from_utf8(std::process::Command::new(c).args(args).output().unwrap().stdout).unwrap().trim().to_string()
    };
    assert_eq!(applied_by, format!("postgres ({}@{})", command("id", &["-un"]), command("hostname", &[])));
    let up_sql: Vec<String> = row.get(1);
    assert_eq!(up_sql, [r#"CREATE INDEX CONCURRENTLY "posts_lower_title_idx" ON "posts" ((lower(title)))"#]);
    let down_sql: Option<Vec<String>> = row.get(2);
    assert_eq!(down_sql.unwrap(), [r#"DROP INDEX CONCURRENTLY "posts_lower_title_idx""#]);
    assert_eq!(row.get::<_, i32>(3), 1);
    assert_eq!(row.get::<_, i32>(4), 1);
    assert_eq!(row.get::<_, String>(5), env!("CARGO_PKG_VERSION"));
    assert!(!row.get::<_, bool>(6));

    let status = cli(BLOG, &url, &["status", "--exit-code"]).expect(0);
    assert!(status.stdout.contains("7 applied, 0 pending, 0 needing attention"), "{}", status.stdout);

    let down = cli(BLOG, &url, &["down"]).expect(0);
    assert_eq!(down.stdout.lines().filter(|l| l.starts_with("rolled back m")).count(), 7, "{}", down.stdout);
    assert!(history(&db.client).await.is_empty());
    let tables: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'migrate_history%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the downs left tables behind");
    cli(BLOG, &url, &["status", "--exit-code"]).expect(1);

    // Two batches: `down` undoes only the last one.
    cli(BLOG, &url, &["up", "--to", "20240103000000"]).expect(0);
    cli(BLOG, &url, &["up"]).expect(0);
    let down = cli(BLOG, &url, &["down"]).expect(0);
    assert_eq!(down.stdout.lines().filter(|l| l.starts_with("rolled back m")).count(), 4, "{}", down.stdout);
    assert_eq!(history(&db.client).await.len(), 3);
    cli(BLOG, &url, &["down", "--steps", "1"]).expect(0);
    assert_eq!(history(&db.client).await.len(), 2);
    cli(BLOG, &url, &["up"]).expect(0);
    cli(BLOG, &url, &["down", "--to", "20240105000000"]).expect(0);
    assert_eq!(history(&db.client).await.last().unwrap().0, 20240105000000);

    let redo = cli(BLOG, &url, &["redo"]).expect(0);
    assert!(redo.stdout.contains("rolled back m20240105000000_rename_display_name"), "{}", redo.stdout);
    assert!(redo.stdout.contains("applied m20240105000000_rename_display_name"), "{}", redo.stdout);

    // The event log keeps everything, in order.
    let events: Vec<(String, String)> = db
        .client
        .query("SELECT action, outcome FROM migrate_history_events ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let applies = events.iter().filter(|e| e.0 == "apply" && e.1 == "ok").count();
    let rollbacks = events.iter().filter(|e| e.0 == "rollback" && e.1 == "ok").count();
    assert_eq!((applies, rollbacks), (7 + 3 + 4 + 5 + 1, 7 + 4 + 1 + 2 + 1));
}

#[tokio::test]
async fn sql_list_and_dry_run_run_nothing() {
    let db = TestDb::new("cli_sql").await;
    let url = db_url(&db.name);
    let sql = cli(BLOG, "", &["sql", "up", "20240101000000"]).expect(0);
    assert!(
        sql.stdout.starts_with("-- m20240101000000_create_users (one transaction)\nCREATE TYPE \"user_role\""),
        "{}",
        sql.stdout
    );
    let down = cli(BLOG, "", &["sql", "down", "20240106000000..20240107000000"]).expect(0);
    let first = down.stdout.find("m20240107000000").unwrap();
    let second = down.stdout.find("m20240106000000").unwrap();
    assert!(first < second, "downs are printed newest first:\n{}", down.stdout);
    assert!(down.stdout.contains("DROP INDEX CONCURRENTLY \"posts_lower_title_idx\";"));
    cli(BLOG, "", &["sql", "up", "1999"]).expect(2);

    let list = cli(BLOG, "", &["list", "--format", "json"]).expect(0);
    let value: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let items = value["migrations"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[5]["transaction"], false);
    assert_eq!(items[6]["down"], "explicit");

    let dry = cli(BLOG, &url, &["up", "--dry-run"]).expect(0);
    assert!(dry.stdout.contains("-- step 1: alone, outside a transaction"), "{}", dry.stdout);
    let tables: i64 = db
        .client
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "--dry-run ran something");
}

/// An event trigger is database-wide: one made by hand (none of the migrations makes it) is drift,
/// named with its event and function, as is a trigger added to a table by hand.
#[tokio::test]
async fn drift_names_triggers_and_event_triggers_made_by_hand() {
    let db = TestDb::new("cli_drift_triggers").await;
    let url = db_url(&db.name);
    cli(BLOG, &url, &["up"]).expect(0);
    cli(BLOG, &url, &["drift"]).expect(0);
    db.client
        .batch_execute(
            "CREATE FUNCTION audit_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
             CREATE EVENT TRIGGER audit_ddl_start ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION audit_ddl();
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();",
        )
        .await
        .unwrap();
    let drift = cli(BLOG, &url, &["drift"]).expect(1).stdout;
    assert!(
        drift.contains(
            "extra: event_trigger audit_ddl_start on ddl_command_start when tag in (CREATE TABLE) execute audit_ddl"
        ),
        "{drift}"
    );
    assert!(
        drift.contains("extra: trigger users.users_touch enabled CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()"),
        "{drift}"
    );
    // Event triggers outlive the database only with it: dropped with the test's database.
    db.client.batch_execute("DROP EVENT TRIGGER audit_ddl_start").await.unwrap();
}

/// Owners and privileges are compared by `drift` only with `compare_privileges = true`: a grant made
/// by hand, a revoked one and another owner are named; without the setting they are not drift.
#[tokio::test]
async fn drift_compares_owners_and_privileges_when_asked() {
    let db = TestDb::new("cli_drift_privileges").await;
    let url = db_url(&db.name);
    cli(BLOG, &url, &["up"]).expect(0);
    let dir = migrate_tests::scratch_dir("drift_privileges");
    std::fs::write(dir.join("migrate.toml"), "compare_privileges = true\n").unwrap();
    let clean = migrate_tests::cli_in(&dir, BLOG, &url, &["drift"]).expect(0);
    assert!(clean.stdout.contains("no drift"), "{}", clean.stdout);
    for (change, named, undo) in [
        (
            "GRANT SELECT, UPDATE ON posts TO root",
            "extra: grant table posts to root privileges=SELECT,UPDATE",
            "REVOKE ALL ON posts FROM root",
        ),
        (
            "GRANT UPDATE (title) ON posts TO root WITH GRANT OPTION",
            "extra: grant column posts.title to root privileges=UPDATE*",
            "REVOKE UPDATE (title) ON posts FROM root CASCADE",
        ),
        (
            "REVOKE DELETE ON users FROM CURRENT_USER",
            "differs: grant table users to OWNER privileges=INSERT,REFERENCES,SELECT,TRIGGER,TRUNCATE,UPDATE",
            "GRANT DELETE ON users TO CURRENT_USER",
        ),
        (
            "ALTER TABLE comments OWNER TO root",
            "differs: owner table comments root",
            "ALTER TABLE comments OWNER TO postgres",
        ),
        (
            "REVOKE USAGE ON TYPE user_role FROM PUBLIC",
            "missing: grant type user_role to PUBLIC privileges=USAGE",
            "GRANT USAGE ON TYPE user_role TO PUBLIC",
        ),
        (
            "GRANT CREATE ON SCHEMA public TO root",
            "extra: grant schema public to root privileges=CREATE",
            "REVOKE CREATE ON SCHEMA public FROM root",
        ),
    ] {
        db.client.batch_execute(change).await.unwrap();
        let drift = migrate_tests::cli_in(&dir, BLOG, &url, &["drift"]).expect(1).stdout;
        assert!(drift.contains(named), "`{change}`: no `{named}` in:\n{drift}");
        // Without the setting, privileges and owners are not compared.
        cli(BLOG, &url, &["drift"]).expect(0);
        db.client.batch_execute(undo).await.unwrap();
        let again = migrate_tests::cli_in(&dir, BLOG, &url, &["drift"]);
        assert_eq!(again.code, 0, "after undoing `{change}`:\n{}", again.stdout);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
