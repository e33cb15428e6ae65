//! Batched backfills update every row exactly once: for each kind of key (integer, bigint, uuid,
//! text, composite), in one run and across a kill and resume; and a keyless backfill whose filter
//! still selects an updated row stops before it commits that batch.

use migrate_core::Schema;
use migrate_core::prelude::*;
use migrate_core::registry::Migration;
use migrate_core::runner::Migrator;
use migrate_core::schema::mode::ExplicitDown;
use migrate_tests::{TestDb, migration};

type S = Schema<ExplicitDown>;

/// 10,000 rows: more than ten batches, with keys whose text order differs from their own (integer
/// keys 1..10000 sort as text with '9999' last; the text keys are not zero-padded).
const ROWS: i64 = 10_000;

/// The table of one key kind, filled with `ROWS` rows whose `n` is 0.
fn table(kind: &'static str) -> impl Fn(&mut S) {
    move |s: &mut S| {
        s.create_table("counters", |t| {
            match kind {
                "integer" => {
                    t.integer("id").primary_key();
                }
                "bigint" => {
                    t.bigint("id").primary_key();
                }
                "uuid" => {
                    t.uuid("id").primary_key().default(gen_random_uuid());
                }
                "text" => {
                    t.text("id").primary_key();
                }
                _ => {
                    t.integer("a").not_null();
                    t.text("b").not_null();
                    t.primary_key(["a", "b"]);
                }
            }
            t.integer("n").not_null().default(0);
        });
        let insert = match kind {
            "integer" | "bigint" => "INSERT INTO counters (id) SELECT g FROM generate_series(1, 10000) g",
            "uuid" => "INSERT INTO counters (n) SELECT 0 FROM generate_series(1, 10000)",
            "text" => "INSERT INTO counters (id) SELECT 'k' || g FROM generate_series(1, 10000) g",
            _ => "INSERT INTO counters (a, b) SELECT g % 7, 'x' || g FROM generate_series(1, 10000) g",
        };
        s.sql_with_down(insert, "DELETE FROM counters");
    }
}

fn migrations(kind: &'static str, batch: u32, pause_ms: u32) -> Vec<Migration> {
    vec![
        migration(1, true, table(kind)),
        // No filter: a row updated twice shows as n = 2.
        migration(2, true, move |s| {
            s.backfill("counters", "n = n + 1").batch_size(batch).pause_ms(pause_ms);
        }),
    ]
}

/// (rows with n = 1, rows with n > 1, rows with n = 0).
async fn counts(c: &tokio_postgres::Client) -> (i64, i64, i64) {
    let r = c
        .query_one(
            "SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n > 1), count(*) FILTER (WHERE n = 0) FROM counters",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

const KINDS: [&str; 5] = ["integer", "bigint", "uuid", "text", "composite"];

#[tokio::test]
async fn every_key_kind_updates_each_row_exactly_once() {
    for kind in KINDS {
        let db = TestDb::new("backfill_once").await;
        let mut client = migrate_tests::connect_to(&db.name).await;
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = messages.clone();
        let mut m = Migrator::new(migrations(kind, 1000, 0));
        m.on_progress(move |msg| sink.lock().unwrap().push(msg));
        m.up(&mut client, None).await.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(counts(&client).await, (ROWS, 0, 0), "{kind}: every row incremented exactly once");
        let log = messages.lock().unwrap().join("\n");
        assert!(log.contains(&format!("backfilled {ROWS} rows of counters")), "{kind}: {log}");
    }
}

#[tokio::test]
async fn every_key_kind_resumes_after_a_kill_without_updating_a_row_twice() {
    for kind in KINDS {
        let db = TestDb::new("backfill_kill").await;
        let mut client = migrate_tests::connect_to(&db.name).await;
        Migrator::new(migrations(kind, 500, 40)).up(&mut client, Some(1)).await.unwrap();
        // 20 batches of 500, 40 ms apart: cut off after the first ones.
        let name = db.name.clone();
        let run = tokio::spawn(async move {
            let mut c = migrate_tests::connect_to(&name).await;
            Migrator::new(migrations(kind, 500, 40)).up(&mut c, None).await.map(|_| ())
        });
        while counts(&client).await.0 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        run.abort(); // drops the runner and its connection mid-backfill
        let _ = run.await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (cut, twice, _) = counts(&client).await;
        assert!(cut > 0 && cut < ROWS, "{kind}: not cut off mid-backfill ({cut} rows done)");
        assert_eq!(twice, 0, "{kind}");
        let cursor: Option<String> =
            client.query_one("SELECT step_cursor FROM migrate_history WHERE version = 2", &[]).await.unwrap().get(0);
        assert!(cursor.is_some(), "{kind}: the last batch's key is recorded");
        Migrator::new(migrations(kind, 500, 40)).up(&mut client, None).await.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(counts(&client).await, (ROWS, 0, 0), "{kind}: every row incremented exactly once");
        assert_eq!(migrate_tests::history(&client).await[1].1, "applied", "{kind}");
    }
}

#[tokio::test]
async fn a_keyless_batch_whose_rows_still_match_the_filter_is_rolled_back() {
    let db = TestDb::new("backfill_ctid").await;
    let mut client = migrate_tests::connect_to(&db.name).await;
    let migrations = vec![
        migration(1, true, |s| {
            s.create_table("bag", |t| {
                t.integer("v");
                t.integer("w").not_null();
            });
            s.sql_with_down("INSERT INTO bag (w) SELECT g FROM generate_series(1, 100) g", "DELETE FROM bag");
        }),
        // One row in ten keeps matching the filter after the update: taken by ctid, it would be
        // picked (and its other columns updated) again and again.
        migration(2, true, |s| {
            s.backfill("bag", "v = CASE WHEN w % 10 = 0 THEN NULL ELSE 1 END").where_("v IS NULL");
        }),
    ];
    let err = Migrator::new(migrations).up(&mut client, None).await.unwrap_err().to_string();
    assert!(
        err.contains("backfill of bag: after the update 10 of the batch's 100 rows still match `v IS NULL`"),
        "{err}"
    );
    let updated: i64 = client.query_one("SELECT count(*) FROM bag WHERE v = 1", &[]).await.unwrap().get(0);
    assert_eq!(updated, 0, "the batch was rolled back");
}
