//! Repeatable migrations (`src/repeatable/<name>.sql`): applied after the versioned migrations, again
//! only when their text changes, dropped and made again around a versioned migration that changes
//! what they depend on (and around its rollback), dropped when removed from the code.

use migrate_tests::{TestDb, db_url, scratch_dir};

use super::cli_scaffold::{new_project, run, sql_migration};

const USERS: &str = "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_table(\"users\", |t| {\n        t.bigint(\"id\").identity().primary_key();\n        t.text(\"email\").not_null();\n        t.boolean(\"active\").not_null().default(true);\n    });\n}\n";

async fn events(db: &TestDb) -> i64 {
    db.client
        .query_one("SELECT count(*) FROM migrate_history_events WHERE action = 'repeatable'", &[])
        .await
        .unwrap()
        .get(0)
}

async fn exists(db: &TestDb, sql: &str) -> bool {
    db.client.query_one(&format!("SELECT {sql}"), &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn repeatables_follow_their_text_and_move_around_the_migrations_that_change_what_they_use() {
    let db = TestDb::new("repeatable").await;
    let url = db_url(&db.name);
    let dir = scratch_dir("repeatable");
    let folder = new_project(&dir);
    let repeatable = dir.join("migrations/src/repeatable");
    std::fs::create_dir_all(&repeatable).unwrap();
    std::fs::write(folder.join("m20240101000000_users.rs"), USERS).unwrap();
    let view = repeatable.join("active_users.sql");
    std::fs::write(&view, "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;\n").unwrap();
    std::fs::write(
        repeatable.join("user_count.sql"),
        "CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$;\n",
    )
    .unwrap();

    // Applied after the versioned migrations, in name order.
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("applied m20240101000000_users"), "{}", up.stdout);
    let at = |what: &str| up.stdout.find(what).unwrap_or_else(|| panic!("no `{what}` in {}", up.stdout));
    assert!(at("applied m20240101000000_users") < at("repeatable applied active_users (new)"));
    assert!(at("repeatable applied active_users (new)") < at("repeatable applied user_count (new)"));
    assert!(exists(&db, "to_regclass('active_users') IS NOT NULL").await);
    assert!(exists(&db, "to_regprocedure('user_count()') IS NOT NULL").await);
    assert_eq!(events(&db).await, 2);
    let status = run(&dir, &url, &["status", "--exit-code"]).expect(0).stdout;
    assert!(status.contains("repeatable active_users") && status.contains("applied"), "{status}");

    // Unchanged, or changed in layout only: not applied again.
    run(&dir, &url, &["up"]).expect(0);
    std::fs::write(
        &view,
        "-- the active users\ncreate view active_users as\n  select id, email from users where active;\n",
    )
    .unwrap();
    let again = run(&dir, &url, &["up"]).expect(0);
    assert!(!again.stdout.contains("repeatable"), "{}", again.stdout);
    assert_eq!(events(&db).await, 2);

    // Changed: the status says so, `up` drops the old one and makes the new one.
    std::fs::write(&view, "CREATE VIEW active_users AS SELECT id, email, active FROM users WHERE active;\n").unwrap();
    let status = run(&dir, &url, &["status", "--exit-code"]).expect(1).stdout;
    assert!(status.contains("changed (the next `up` applies it again)"), "{status}");
    let changed = run(&dir, &url, &["up"]).expect(0);
    assert!(changed.stdout.contains("repeatable re-applied active_users (changed)"), "{}", changed.stdout);
    let columns: i64 = db
        .client
        .query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'active_users'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, 3);

    // A versioned migration that changes a column the view selects: PostgreSQL refuses the type change
    // while the view uses it, so the view is dropped before it and made again after it, in its
    // transaction.
    sql_migration(
        &folder,
        "m20240102000000_longer_emails",
        "-- migrate: allow changing-column-type = \"a small table\"\nALTER TABLE users ALTER COLUMN email TYPE varchar(320);\n",
        "ALTER TABLE users ALTER COLUMN email TYPE text;\n",
    );
    // The plan shows it.
    let dry = run(&dir, &url, &["up", "--dry-run"]).expect(0).stdout;
    let drop = dry.find("DROP VIEW IF EXISTS \"active_users\"").unwrap_or_else(|| panic!("{dry}"));
    let alter = dry.find("ALTER TABLE users ALTER COLUMN email").unwrap_or_else(|| panic!("{dry}"));
    let create = dry.find("CREATE VIEW active_users").unwrap_or_else(|| panic!("{dry}"));
    assert!(drop < alter && alter < create, "{dry}");
    // And without a database, `sql up` from what the view's text uses.
    let sql = run(&dir, "", &["sql", "up", "20240102000000"]).expect(0).stdout;
    let drop = sql.find("DROP VIEW IF EXISTS \"active_users\"").unwrap_or_else(|| panic!("{sql}"));
    let alter = sql.find("ALTER TABLE users ALTER COLUMN email").unwrap_or_else(|| panic!("{sql}"));
    let create = sql.find("CREATE VIEW active_users").unwrap_or_else(|| panic!("{sql}"));
    assert!(drop < alter && alter < create, "{sql}");
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("applied m20240102000000_longer_emails"), "{}", up.stdout);
    let ran: Vec<String> = db
        .client
        .query_one("SELECT up_sql FROM migrate_history WHERE version = 20240102000000", &[])
        .await
        .unwrap()
        .get(0);
    let ran = ran.join("\n");
    assert!(ran.contains("DROP VIEW") && ran.contains("CREATE VIEW active_users"), "{ran}");
    let email_type = async |db: &TestDb| -> String {
        db.client
            .query_one(
                "SELECT data_type::text FROM information_schema.columns WHERE table_name = 'active_users' AND column_name = 'email'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    assert_eq!(email_type(&db).await, "character varying");
    // The function's body is not a catalog dependency: it was left alone.
    assert_eq!(events(&db).await, 3);

    // Its rollback too: the view goes in the rollback's transaction and comes back after it.
    let down = run(&dir, &url, &["down", "--steps", "1"]).expect(0);
    assert!(down.stdout.contains("rolled back 1 migration"), "{}", down.stdout);
    assert!(exists(&db, "to_regclass('active_users') IS NOT NULL").await);
    assert_eq!(email_type(&db).await, "text");
    run(&dir, &url, &["up"]).expect(0);

    // A migration that fails after its change rolls back whole: the view stays as it was.
    let failing = sql_migration(
        &folder,
        "m20240103000000_fails",
        "-- migrate: allow changing-column-type = \"a small table\"\nALTER TABLE users ALTER COLUMN email TYPE varchar(400);\nSELECT 1 / 0;\n",
        "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);\n",
    );
    let failed = run(&dir, &url, &["up"]).expect(2);
    assert!(failed.stderr.contains("22012"), "{}", failed.stderr);
    assert!(exists(&db, "to_regclass('active_users') IS NOT NULL").await);
    assert_eq!(email_type(&db).await, "character varying");
    let length: i32 = db
        .client
        .query_one(
            "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(length, 320);
    std::fs::remove_dir_all(&failing).unwrap();

    // Removed from the code: shown as removed, dropped by the next `up`.
    std::fs::remove_file(repeatable.join("user_count.sql")).unwrap();
    let status = run(&dir, &url, &["status"]).expect(0).stdout;
    assert!(status.contains("removed from the code (the next `up` drops it)"), "{status}");
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable dropped user_count (removed from the code)"), "{}", up.stdout);
    assert!(exists(&db, "to_regprocedure('user_count()') IS NULL").await);
    let rows: i64 = db.client.query_one("SELECT count(*) FROM migrate_history_repeat", &[]).await.unwrap().get(0);
    assert_eq!(rows, 1);

    // What a repeatable may not hold without a down, and a file that is not one, are named.
    std::fs::write(repeatable.join("audit.sql"), "CREATE TABLE audit (id int);\n").unwrap();
    let refused = run(&dir, &url, &["status"]).expect(2);
    assert!(
        refused.stderr.contains("repeatable audit: src/repeatable/audit.sql line 1 (`CREATE TABLE audit (id int)`)")
            && refused.stderr.contains("audit.down.sql"),
        "{}",
        refused.stderr
    );
    std::fs::write(repeatable.join("audit.down.sql"), "DROP TABLE audit;\n").unwrap();
    std::fs::write(repeatable.join("Notes.txt"), "x").unwrap();
    let refused = run(&dir, &url, &["status"]).expect(2);
    assert!(refused.stderr.contains("Notes.txt is not a repeatable"), "{}", refused.stderr);
    std::fs::remove_file(repeatable.join("Notes.txt")).unwrap();
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable applied audit (new)"), "{}", up.stdout);

    // drift builds them as applied; verify drops and makes them again on a scratch database.
    let drift = run(&dir, &url, &["drift"]).expect(0).stdout;
    assert!(drift.contains("no drift"), "{drift}");
    let verify = run(&dir, &url, &["verify"]).expect(0).stdout;
    assert!(verify.contains("ok repeatables (active_users, audit)"), "{verify}");
    // A down that leaves something behind is a failure of verify.
    std::fs::write(repeatable.join("audit.down.sql"), "SELECT 1;\n").unwrap();
    let verify = run(&dir, &url, &["verify"]).expect(1).stdout;
    assert!(verify.contains("FAILED repeatables") && verify.contains("audit"), "{verify}");

    // lint reads them on the schema the migrations build, and names them.
    std::fs::write(
        repeatable.join("touch_users.sql"),
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;\nCREATE TRIGGER users_touch BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch();\n",
    )
    .unwrap();
    let linted = run(&dir, "", &["lint", "--all"]).stdout;
    assert!(linted.contains("[adding-trigger] repeatable touch_users (src/repeatable/touch_users.sql)"), "{linted}");

    // A view on a repeatable's view: changing the first drops the second before and makes it after.
    std::fs::write(
        repeatable.join("active_users_emails.sql"),
        "CREATE VIEW active_users_emails AS SELECT email FROM active_users;\n",
    )
    .unwrap();
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable applied active_users_emails (new)"), "{}", up.stdout);
    std::fs::write(&view, "CREATE VIEW active_users AS SELECT id, email, active FROM users WHERE active AND id > 0;\n")
        .unwrap();
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable re-applied active_users (changed)"), "{}", up.stdout);
    assert!(exists(&db, "to_regclass('active_users_emails') IS NOT NULL").await);

    // Written with the builder: `#[repeatable]` in `src/repeatable/<name>.rs`.
    let rust = repeatable.join("recent_users.rs");
    std::fs::write(&rust, "use migrate_core::prelude::*;\n\npub fn up(s: &mut Schema) {\n    s.create_view(\"recent_users\", \"SELECT id FROM users ORDER BY id DESC LIMIT 10\");\n}\n").unwrap();
    let refused = run(&dir, &url, &["status"]).expect(2);
    assert!(refused.stderr.contains("recent_users.rs has no #[repeatable]"), "{}", refused.stderr);
    std::fs::write(&rust, "use migrate_core::prelude::*;\n\n#[repeatable]\npub fn up(s: &mut Schema) {\n    s.create_view(\"recent_users\", \"SELECT id FROM users ORDER BY id DESC LIMIT 10\");\n}\n").unwrap();
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable applied recent_users (new)"), "{}", up.stdout);
    assert!(exists(&db, "to_regclass('recent_users') IS NOT NULL").await);
    std::fs::remove_file(&rust).unwrap();
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stdout.contains("repeatable dropped recent_users (removed from the code)"), "{}", up.stdout);
    assert!(exists(&db, "to_regclass('recent_users') IS NULL").await);
    let _ = std::fs::remove_dir_all(&dir);
}
