//! The safe plan on tables with rows: each change ends in exactly the schema the plain DDL gives, in
//! the expected steps, and its down too.

use migrate_core::Schema;
use migrate_core::prelude::*;
use migrate_core::runner::{Config, DownTarget, Migrator};
use migrate_core::schema::mode::ExplicitDown;
use migrate_tests::{TestDb, catalog, migration};

type S = Schema<ExplicitDown>;

fn base(s: &mut S) {
    s.create_table("users", |t| {
        t.bigint("id").primary_key();
        t.text("email");
        t.integer("age");
    });
    s.create_table("posts", |t| {
        t.bigint("id");
        t.bigint("user_id");
        t.text("title");
    });
    s.sql_with_down(
        "INSERT INTO users SELECT g, 'u' || g || '@x', g % 90 FROM generate_series(1, 2500) g; \
         INSERT INTO posts SELECT g, 1 + g % 2500, 'post ' || g FROM generate_series(1, 3000) g",
        "DELETE FROM posts; DELETE FROM users",
    );
}

/// (transactional?, first statement) of each step.
type Shape = Vec<(bool, String)>;

/// Applies `base` then `change` in two schemas, one with the safe plan and one plain; both must end
/// in the same catalog, after up and after down. Returns the safe plan's step shapes.
async fn safe_vs_plain(tag: &str, change: fn(&mut S), needs_down: bool) -> (Shape, TestDb) {
    safe_vs_plain_on(tag, base, change, needs_down).await
}

/// [`safe_vs_plain`] after `base` instead of the users and posts.
async fn safe_vs_plain_on(tag: &str, base: fn(&mut S), change: fn(&mut S), needs_down: bool) -> (Shape, TestDb) {
    let db = TestDb::new(tag).await;
    let mut catalogs = Vec::new();
    let mut shape = Vec::new();
    for (schema, safe) in [("safe", true), ("plain", false)] {
        let migrations = vec![migration(1, true, base), migration(2, true, change)];
        let mut m = Migrator::new(migrations.clone());
        m.with_config(Config { schema: Some(schema.into()), safe_operations: safe, ..Config::default() });
        let mut client = migrate_tests::connect_to(&db.name).await;
        m.up(&mut client, None).await.unwrap_or_else(|e| panic!("{schema} up: {e}"));
        if safe {
            shape = m
                .steps(&migrations[1])
                .expect("built")
                .0
                .iter()
                .map(|s| (s.transactional, s.statements[0].clone()))
                .collect();
        }
        let after_up = catalog(&client, schema).await.replace(&format!("{schema}."), "S.");
        let mut after_down = String::new();
        if needs_down {
            m.down(&mut client, DownTarget::Steps(1)).await.unwrap_or_else(|e| panic!("{schema} down: {e}"));
            after_down = catalog(&client, schema).await.replace(&format!("{schema}."), "S.");
        }
        catalogs.push((after_up, after_down));
    }
    let strip = |c: &str| c.lines().filter(|l| !l.starts_with("schema ")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&catalogs[0].0), strip(&catalogs[1].0), "the safe plan ends in another schema than the plain DDL");
    assert_eq!(strip(&catalogs[0].1), strip(&catalogs[1].1), "the downs end in different schemas");
    (shape, db)
}

fn kinds(shape: &Shape) -> Vec<bool> {
    shape.iter().map(|(t, _)| *t).collect()
}

#[tokio::test]
async fn an_index_is_built_concurrently_and_dropped_concurrently() {
    let (shape, _db) = safe_vs_plain(
        "safe_index",
        |s| {
            s.create_index("posts", ["user_id"]);
        },
        true,
    )
    .await;
    assert_eq!(shape, [(false, r#"CREATE INDEX CONCURRENTLY "posts_user_id_idx" ON "posts" ("user_id")"#.to_string())]);
}

/// The check for an index a concurrent build left INVALID reads the migrations' schema by its name as
/// it is: a schema named in capitals once failed every concurrent index ("schema app does not exist").
#[tokio::test]
async fn an_index_is_built_concurrently_in_a_schema_named_in_capitals() {
    let db = TestDb::new("safe_index_caps").await;
    let index = |s: &mut S| {
        s.create_index("posts", ["user_id"]);
    };
    let mut m = Migrator::new(vec![migration(1, true, base), migration(2, true, index)]);
    m.with_config(Config { schema: Some("App".into()), ..Config::default() });
    let mut client = migrate_tests::connect_to(&db.name).await;
    m.up(&mut client, None).await.unwrap_or_else(|e| panic!("up: {e}"));
    let valid: bool = client
        .query_one("SELECT indisvalid FROM pg_index WHERE indexrelid = '\"App\".posts_user_id_idx'::regclass", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
}

#[tokio::test]
async fn a_foreign_key_is_added_not_valid_then_validated_apart() {
    let (shape, _db) = safe_vs_plain(
        "safe_fk",
        |s| {
            s.alter_table("posts", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]).on_delete(FkAction::Cascade);
            })
        },
        true,
    )
    .await;
    assert_eq!(kinds(&shape), [true, true]);
    assert!(shape[0].1.ends_with("ON DELETE CASCADE NOT VALID"), "{shape:?}");
    assert_eq!(shape[1].1, r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_user_fk""#);
}

#[tokio::test]
async fn unique_and_primary_key_come_from_concurrent_indexes() {
    let (shape, _db) = safe_vs_plain(
        "safe_unique",
        |s| {
            s.alter_table("users", |t| {
                t.add_unique("users_email_key", ["email"]);
            });
            s.alter_table("posts", |t| {
                t.add_primary_key("posts_pkey", ["id"]);
            });
        },
        false,
    )
    .await;
    let sql: Vec<&str> = shape.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sql[0], r#"CREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "users" ("email")"#);
    assert_eq!(sql[1], r#"ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_key""#);
    // posts.id is nullable: made NOT NULL the safe way before the key.
    assert_eq!(sql[2], r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_id_not_null" CHECK ("id" IS NOT NULL) NOT VALID"#);
    assert_eq!(sql[5], r#"CREATE UNIQUE INDEX CONCURRENTLY "posts_pkey" ON "posts" ("id")"#);
    assert_eq!(sql[6], r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_pkey" PRIMARY KEY USING INDEX "posts_pkey""#);
}

#[tokio::test]
async fn set_not_null_goes_through_a_validated_check() {
    let (shape, _db) =
        safe_vs_plain("safe_not_null", |s| s.alter_table("users", |t| t.set_not_null("email")), true).await;
    let sql: Vec<&str> = shape.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sql,
        [
            r#"ALTER TABLE "users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID"#,
            r#"ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_not_null""#,
            r#"ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL"#,
        ]
    );
}

#[tokio::test]
async fn a_volatile_default_column_is_added_then_backfilled_in_batches() {
    let (shape, db) = safe_vs_plain(
        "safe_volatile",
        |s| {
            s.alter_table("users", |t| {
                t.uuid("token").not_null().default(gen_random_uuid());
            })
        },
        false,
    )
    .await;
    assert_eq!(shape[0].1, r#"ALTER TABLE "users" ADD COLUMN "token" uuid"#);
    assert_eq!(
        shape[1].1,
        r#"-- backfill in batches of 1000 rows by "id": UPDATE "users" SET "token" = gen_random_uuid() WHERE "token" IS NULL"#
    );
    assert!(!shape[1].0);
    let c = migrate_tests::connect_to(&db.name).await;
    c.batch_execute("SET search_path TO safe").await.unwrap();
    let (rows, distinct): (i64, i64) = c
        .query_one("SELECT count(*), count(DISTINCT token) FROM users", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((rows, distinct), (2500, 2500), "every existing row gets its own value");
}

#[tokio::test]
async fn backfilled_columns_and_the_backfill_op_fill_every_row() {
    let db = TestDb::new("safe_backfill").await;
    let migrations = vec![
        migration(1, true, base),
        migration(2, true, |s| {
            s.alter_table("users", |t| {
                t.text("handle").not_null().backfill("split_part(email, '@', 1)");
            })
        }),
        // posts has no primary key: batches by ctid among the rows the filter selects.
        migration(3, true, |s| {
            s.backfill("posts", "title = upper(title)").where_("title <> upper(title)").batch_size(700);
        }),
    ];
    let mut m = Migrator::new(migrations);
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = messages.clone();
    m.on_progress(move |msg| sink.lock().unwrap().push(msg));
    let mut client = migrate_tests::connect_to(&db.name).await;
    m.up(&mut client, None).await.unwrap();
    let row = client
        .query_one(
            "SELECT count(*) FILTER (WHERE handle = 'u' || id), (SELECT count(*) FROM posts WHERE title = upper(title)),
                    (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'handle')
             FROM users",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, bool>(2)), (2500, 3000, true));
    let log = messages.lock().unwrap().join("\n");
    assert!(log.contains("backfilled 2500 rows of users"), "{log}");
    assert!(log.contains("backfilled 3000 rows of posts"), "{log}");
    // The temporary CHECK is gone.
    let checks: i64 = client
        .query_one("SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(checks, 0);
}

async fn upper_emails(c: &tokio_postgres::Client) -> i64 {
    c.query_one("SELECT count(*) FROM users WHERE email = upper(email)", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_without_redoing_or_skipping_rows() {
    let db = TestDb::new("safe_resume_backfill").await;
    let migrations = || {
        vec![
            migration(1, true, base),
            // 25 batches of 100 rows, 100 ms apart: about 2.5 s, cut off after the first batches.
            migration(2, true, |s| {
                s.backfill("users", "email = upper(email)")
                    .where_("email <> upper(email)")
                    .batch_size(100)
                    .pause_ms(100);
            }),
        ]
    };
    let mut client = migrate_tests::connect_to(&db.name).await;
    Migrator::new(migrations()).up(&mut client, Some(1)).await.unwrap();
    let name = db.name.clone();
    let run = tokio::spawn(async move {
        let mut c = migrate_tests::connect_to(&name).await;
        Migrator::new(migrations()).up(&mut c, None).await.map(|_| ())
    });
    while upper_emails(&client).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    run.abort(); // drops the runner and its connection mid-backfill
    let _ = run.await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let cut = upper_emails(&client).await;
    assert!(cut > 0 && cut < 2500, "the run was not cut off mid-backfill ({cut} rows done)");
    assert_eq!(migrate_tests::history(&client).await[1], (2, "in_progress".to_string(), 0));

    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = messages.clone();
    let mut again = Migrator::new(migrations());
    again.on_progress(move |m| sink.lock().unwrap().push(m));
    again.up(&mut client, None).await.unwrap();
    assert_eq!(upper_emails(&client).await, 2500, "every row is filled");
    let log = messages.lock().unwrap().join("\n");
    // Only the rows left were updated on the second run.
    assert!(log.contains(&format!("backfilled {} rows of users", 2500 - cut)), "{log}");
    assert_eq!(migrate_tests::history(&client).await[1].1, "applied");
}

async fn incremented(c: &tokio_postgres::Client) -> (i64, i64) {
    let r = c
        .query_one("SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n > 1) FROM counters", &[])
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

#[tokio::test]
async fn a_keyed_backfill_resumes_after_its_last_batch_and_uuid_keys_work() {
    let db = TestDb::new("safe_backfill_cursor").await;
    fn table(s: &mut S) {
        s.create_table("counters", |t| {
            t.uuid("id").primary_key().default(gen_random_uuid());
            t.integer("n").not_null().default(0);
        });
        s.sql_with_down("INSERT INTO counters (n) SELECT 0 FROM generate_series(1, 2000)", "DELETE FROM counters");
    }
    // No filter: a rerun from the first row would increment rows twice. 20 batches, 100 ms apart.
    let migrations = || {
        vec![
            migration(1, true, table),
            migration(2, true, |s| {
                s.backfill("counters", "n = n + 1").batch_size(100).pause_ms(100);
            }),
        ]
    };
    let mut client = migrate_tests::connect_to(&db.name).await;
    Migrator::new(migrations()).up(&mut client, Some(1)).await.unwrap();
    let name = db.name.clone();
    let run = tokio::spawn(async move {
        let mut c = migrate_tests::connect_to(&name).await;
        Migrator::new(migrations()).up(&mut c, None).await.map(|_| ())
    });
    while incremented(&client).await.0 == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    run.abort();
    let _ = run.await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (cut, _) = incremented(&client).await;
    assert!(cut > 0 && cut < 2000, "not cut off mid-backfill ({cut})");
    let cursor: Option<String> =
        client.query_one("SELECT step_cursor FROM migrate_history WHERE version = 2", &[]).await.unwrap().get(0);
    assert!(cursor.is_some(), "the last batch's key is recorded");
    Migrator::new(migrations()).up(&mut client, None).await.unwrap();
    assert_eq!(incremented(&client).await, (2000, 0), "every row incremented exactly once");
}

#[tokio::test]
async fn a_backfill_without_key_or_progress_stops_with_a_clear_error() {
    let db = TestDb::new("safe_backfill_stuck").await;
    let mut client = migrate_tests::connect_to(&db.name).await;
    let table = |s: &mut S| {
        s.create_table("bag", |t| {
            t.integer("v");
        });
        s.sql_with_down("INSERT INTO bag SELECT NULL FROM generate_series(1, 50)", "DELETE FROM bag");
    };
    let no_filter = vec![
        migration(1, true, table),
        migration(2, true, |s| {
            s.backfill("bag", "v = 1");
        }),
    ];
    let err = Migrator::new(no_filter).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("backfill of bag: the table has no primary key"), "{err}");
    let db = TestDb::new("safe_backfill_stuck2").await;
    let mut client = migrate_tests::connect_to(&db.name).await;
    let stuck = vec![
        migration(1, true, table),
        migration(3, true, |s| {
            s.backfill("bag", "v = NULL").where_("v IS NULL");
        }),
    ];
    let err = Migrator::new(stuck).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("after the update 50 of the batch's 50 rows still match `v IS NULL`"), "{err}");
}

fn fill_slugs<'a>(tx: &'a Transaction<'a>) -> DataFuture<'a> {
    Box::pin(async move {
        for row in tx.query("SELECT id, title FROM posts WHERE slug IS NULL ORDER BY id", &[]).await? {
            let (id, title): (i64, String) = (row.get(0), row.get(1));
            let slug: String = title.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect();
            tx.execute("UPDATE posts SET slug = $1 WHERE id = $2", &[&slug, &id]).await?;
        }
        Ok(())
    })
}

fn fail_on_purpose<'a>(tx: &'a Transaction<'a>) -> DataFuture<'a> {
    Box::pin(async move {
        tx.execute("UPDATE posts SET slug = 'half-done'", &[]).await?;
        tx.execute("SELECT 1 / (SELECT count(*) FROM gate)", &[]).await?;
        Ok(())
    })
}

#[tokio::test]
async fn data_steps_run_rust_code_in_their_own_transaction() {
    let db = TestDb::new("safe_data_step").await;
    let migrations = || {
        vec![
            migration(1, true, base),
            migration(2, true, |s| {
                s.alter_table("posts", |t| {
                    t.text("slug");
                });
                s.data_step("fill slugs", fill_slugs);
            }),
        ]
    };
    let m = Migrator::new(migrations());
    let (steps, down) = m.steps(&migrations()[1]).expect("built");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].statements, ["-- data step `fill slugs` (Rust code)"]);
    assert!(steps[1].data.is_some() && down.is_ok());
    let mut client = migrate_tests::connect_to(&db.name).await;
    Migrator::new(migrations()).up(&mut client, None).await.unwrap();
    let filled: i64 =
        client.query_one("SELECT count(*) FROM posts WHERE slug = 'post-' || id", &[]).await.unwrap().get(0);
    assert_eq!(filled, 3000);

    // A failing data step rolls back its own transaction, stops the run, and resumes at its step.
    let db = TestDb::new("safe_data_step_fail").await;
    let failing = || {
        vec![
            migration(1, true, base),
            migration(2, true, |s| {
                s.create_table("gate", |t| {
                    t.integer("x");
                });
                s.alter_table("posts", |t| {
                    t.text("slug");
                });
                s.data_step("fail on purpose", fail_on_purpose);
            }),
        ]
    };
    let mut client = migrate_tests::connect_to(&db.name).await;
    let err = Migrator::new(failing()).up(&mut client, None).await.unwrap_err().to_string();
    assert!(err.contains("m2_m2 failed at step 2 of 2: division by zero (SQLSTATE 22012)"), "{err}");
    let half: i64 = client.query_one("SELECT count(*) FROM posts WHERE slug = 'half-done'", &[]).await.unwrap().get(0);
    assert_eq!(half, 0, "the data step's transaction rolled back");
    assert_eq!(migrate_tests::history(&client).await[1], (2, "failed".to_string(), 1));
    client.batch_execute("INSERT INTO gate VALUES (1)").await.unwrap();
    Migrator::new(failing()).up(&mut client, None).await.unwrap();
    let half: i64 = client.query_one("SELECT count(*) FROM posts WHERE slug = 'half-done'", &[]).await.unwrap().get(0);
    assert_eq!(half, 3000);
}

fn partitioned(s: &mut S) {
    s.create_table("events", |t| {
        t.bigint("id");
        t.date("at");
        t.text("kind");
        t.partition_by("RANGE (at)");
    });
    s.create_table("events_2025", |t| {
        t.bigint("id");
        t.date("at");
        t.text("kind");
    });
    s.create_table("kinds", |t| {
        t.bigint("id");
        t.text("kind");
        t.partition_by("LIST (kind)");
    });
    s.create_table("kinds_ab", |t| {
        t.bigint("id");
        t.text("kind");
    });
    s.sql_with_down(
        "INSERT INTO events_2025 SELECT g, date '2025-01-01' + g % 365, 'k' FROM generate_series(1, 3000) g; \
         INSERT INTO kinds_ab SELECT g, CASE WHEN g % 3 = 0 THEN NULL WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 3000) g",
        "DELETE FROM events_2025; DELETE FROM kinds_ab",
    );
}

fn attach_both(s: &mut S) {
    s.attach_partition("events", "events_2025", "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    s.attach_partition("kinds", "kinds_ab", "FOR VALUES IN ('a', 'b', NULL)");
}

/// A connection that collects the server's messages (at `client_min_messages = debug1`, what
/// PostgreSQL decides while it runs a statement).
async fn listening(db: &str) -> (tokio_postgres::Client, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let url = format!("{} dbname={db}", migrate_tests::admin_url());
    let (client, mut connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = heard.clone();
    tokio::spawn(async move {
        while let Some(Ok(m)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notice(n) = m {
                sink.lock().unwrap().push(n.message().to_string());
            }
        }
    });
    (client, heard)
}

/// ATTACH PARTITION on a table with rows: its bound is added as a CHECK NOT VALID and validated in a
/// transaction of its own, so that the attach itself skips its scan (PostgreSQL says so at debug1);
/// the end schema is the plain ATTACH's, and so is its down's.
#[tokio::test]
async fn a_partition_is_attached_after_its_bound_is_validated_as_a_check() {
    let (shape, _db) = safe_vs_plain_on("safe_attach", partitioned, attach_both, true).await;
    let sql: Vec<&str> = shape.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sql,
        [
            r#"ALTER TABLE "events_2025" ADD CONSTRAINT "events_2025_partition_bound" CHECK ("at" IS NOT NULL AND "at" >= '2025-01-01' AND "at" < '2026-01-01') NOT VALID"#,
            r#"ALTER TABLE "events_2025" VALIDATE CONSTRAINT "events_2025_partition_bound""#,
            r#"ALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"#,
            r#"ALTER TABLE "kinds_ab" ADD CONSTRAINT "kinds_ab_partition_bound" CHECK ("kind" IS NULL OR "kind" IN ('a', 'b')) NOT VALID"#,
            r#"ALTER TABLE "kinds_ab" VALIDATE CONSTRAINT "kinds_ab_partition_bound""#,
            r#"ALTER TABLE "kinds" ATTACH PARTITION "kinds_ab" FOR VALUES IN ('a', 'b', NULL)"#,
        ]
    );
    // The plan's statements, run one step at a time where PostgreSQL says what it decides.
    let db = TestDb::new("safe_attach_scan").await;
    let migrations = vec![migration(1, true, partitioned), migration(2, true, attach_both)];
    let mut m = Migrator::new(migrations.clone());
    let mut client = migrate_tests::connect_to(&db.name).await;
    m.up(&mut client, Some(1)).await.unwrap();
    let (listener, heard) = listening(&db.name).await;
    listener.batch_execute("SET client_min_messages = debug1").await.unwrap();
    for step in m.steps(&migrations[1]).unwrap().0 {
        listener.batch_execute(&step.statements.join(";\n")).await.unwrap();
    }
    let heard = heard.lock().unwrap().join("\n");
    for table in ["events_2025", "kinds_ab"] {
        let implied = format!("partition constraint for table \"{table}\" is implied by existing constraints");
        assert!(heard.contains(&implied), "no `{implied}` in:\n{heard}");
    }
    let left: i64 = client
        .query_one("SELECT count(*) FROM pg_constraint WHERE conname LIKE '%partition_bound'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the temporary CHECKs are dropped");
}

/// Identity and serial columns added to a table with rows: no rewrite; the column added bare, numbered
/// by a sequence new rows draw from at once, filled in batches, NOT NULL through a validated CHECK,
/// then the identity set where the fill stopped. The catalog is the plain statement's, every row has
/// its own number and the next row goes on after them.
#[tokio::test]
async fn identity_and_serial_columns_are_added_without_a_rewrite() {
    fn numbered(s: &mut S) {
        s.alter_table("users", |t| {
            t.bigint("number").identity().identity_options(IdentityOptions {
                start: Some(1000),
                increment: Some(10),
                ..Default::default()
            });
        });
        s.alter_table("posts", |t| {
            t.named_type("seq", "bigserial");
            t.integer("rank").identity_by_default();
        });
    }
    // Its down too gives the plain statement's schema back.
    safe_vs_plain("safe_identity_down", numbered, true).await;
    let (shape, db) = safe_vs_plain("safe_identity", numbered, false).await;
    let sql: Vec<&str> = shape.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sql[0], r#"ALTER TABLE "users" ADD COLUMN "number" bigint"#, "{sql:#?}");
    assert!(
        sql[1].starts_with(r#"-- backfill in batches of 1000 rows by "id": UPDATE "users" SET "number" = nextval('"users_number_fill"'::regclass)"#),
        "{sql:#?}"
    );
    assert!(sql.contains(&r#"ALTER TABLE "users" ALTER COLUMN "number" DROP DEFAULT"#), "{sql:#?}");
    assert!(
        sql.iter().all(|s| !s.contains("ADD COLUMN") || !s.contains("IDENTITY")),
        "no column is added with its identity (a rewrite): {sql:#?}"
    );
    let c = migrate_tests::connect_to(&db.name).await;
    c.batch_execute("SET search_path TO safe").await.unwrap();
    let row = c
        .query_one(
            "SELECT count(DISTINCT number), min(number), max(number), (SELECT count(DISTINCT seq) FROM posts),
                    (SELECT count(DISTINCT rank) FROM posts) FROM users",
            &[],
        )
        .await
        .unwrap();
    let numbers: (i64, i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(
        numbers,
        (2500, 1000, 1000 + 2499 * 10, 3000, 3000),
        "every row numbered once, from the identity's start"
    );
    // The next rows go on after them.
    let next: i64 =
        c.query_one("INSERT INTO users (id, email) VALUES (99999, 'n@x') RETURNING number", &[]).await.unwrap().get(0);
    assert_eq!(next, 1000 + 2500 * 10);
    let (seq, rank): (i64, i32) = c
        .query_one("INSERT INTO posts (id, user_id, title) VALUES (99999, 1, 't') RETURNING seq, rank", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((seq, rank), (3001, 3001));
    let leftovers: i64 = c
        .query_one("SELECT count(*) FROM pg_class WHERE relname LIKE '%fill' OR relname LIKE '%not_null'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(leftovers, 0, "the fill sequences and the temporary CHECKs are gone");
}

/// A column added with constraints on it (`.unique()`, `.references(..)`, `.check(..)`): the column
/// first, then each constraint in its safe form, as when written apart.
#[tokio::test]
async fn constraints_declared_on_an_added_column_are_planned_safely() {
    let (shape, _db) = safe_vs_plain(
        "safe_inline",
        |s| {
            s.alter_table("posts", |t| {
                t.bigint("author_id").references("users", "id");
                t.text("slug").unique();
            });
        },
        true,
    )
    .await;
    let sql: Vec<&str> = shape.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sql[0], r#"ALTER TABLE "posts" ADD COLUMN "author_id" bigint"#, "{sql:#?}");
    // The foreign key is added NOT VALID with the column (one step), then validated apart.
    assert_eq!(sql[1], r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_author_id_fkey""#, "{sql:#?}");
    assert!(sql.iter().any(|s| s.starts_with("CREATE UNIQUE INDEX CONCURRENTLY")), "{sql:#?}");
    assert!(sql.iter().any(|s| s.contains("UNIQUE USING INDEX")), "{sql:#?}");
    assert!(sql.iter().all(|s| !s.contains(", ADD CONSTRAINT")), "{sql:#?}");
}

/// `.assume_utc()`: timestamp to timestamptz under a session zone that is not UTC runs with TimeZone
/// UTC for that statement alone: nothing is rewritten, every value is kept (read as UTC), and the
/// session keeps its zone; the down too. Without it, PostgreSQL rewrites the table.
#[tokio::test]
async fn a_timestamp_change_assumed_utc_rewrites_nothing_under_another_zone() {
    let db = TestDb::new("safe_assume_utc").await;
    db.client.batch_execute(&format!("ALTER DATABASE {} SET TimeZone = 'Europe/Paris'", db.name)).await.unwrap();
    let migrations = |utc: bool| {
        vec![
            migration(1, true, |s| {
                s.create_table("stamps", |t| {
                    t.timestamp("at");
                });
                s.sql_with_down("INSERT INTO stamps VALUES ('2026-01-01 12:00')", "DELETE FROM stamps");
            }),
            migration(
                2,
                true,
                if utc {
                    |s: &mut S| {
                        s.alter_table("stamps", |t| {
                            t.change_type("at", Timestamp, Timestamptz).assume_utc();
                        })
                    }
                } else {
                    |s: &mut S| {
                        s.alter_table("stamps", |t| {
                            t.change_type("at", Timestamp, Timestamptz);
                        })
                    }
                },
            ),
        ]
    };
    for utc in [true, false] {
        let mut client = migrate_tests::connect_to(&db.name).await;
        client.batch_execute("DROP TABLE IF EXISTS stamps; DROP TABLE IF EXISTS migrate_history CASCADE; DROP TABLE IF EXISTS migrate_history_events").await.unwrap();
        let mut m = Migrator::new(migrations(utc));
        m.up(&mut client, Some(1)).await.unwrap();
        let filenode = "SELECT pg_relation_filenode('stamps')::bigint";
        let before: i64 = client.query_one(filenode, &[]).await.unwrap().get(0);
        m.up(&mut client, None).await.unwrap();
        let after: i64 = client.query_one(filenode, &[]).await.unwrap().get(0);
        let row = client
            .query_one("SELECT (at AT TIME ZONE 'UTC')::text, current_setting('TimeZone') FROM stamps", &[])
            .await
            .unwrap();
        let (at, zone): (String, String) = (row.get(0), row.get(1));
        assert_eq!(zone, "Europe/Paris", "the session keeps its zone");
        if utc {
            assert_eq!(after, before, "assumed UTC: nothing rewritten");
            assert_eq!(at, "2026-01-01 12:00:00", "the value is kept, read as UTC");
            m.down(&mut client, DownTarget::Steps(1)).await.unwrap();
            let back: String = client.query_one("SELECT at::text FROM stamps", &[]).await.unwrap().get(0);
            assert_eq!(back, "2026-01-01 12:00:00");
            let again: i64 = client.query_one(filenode, &[]).await.unwrap().get(0);
            assert_eq!(again, before, "its down rewrites nothing either");
        } else {
            assert_ne!(after, before, "under Europe/Paris the plain change rewrites the table");
            assert_eq!(at, "2026-01-01 11:00:00", "and shifts the value by the zone's offset");
        }
    }
}
