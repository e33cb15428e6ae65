//! The spans and events a run reports through `tracing` (feature `tracing`, on through the CLI), seen
//! by an application's own subscriber: here a test subscriber that keeps every span's and event's
//! fields.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use migrate_core::prelude::*;
use migrate_core::runner::{Config, Migrator};
use migrate_tests::{TestDb, migration};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

type Fields = BTreeMap<String, String>;

/// Every span (its name and fields, later records included) and every event, in order.
#[derive(Default)]
struct Seen {
    spans: Mutex<Vec<(&'static str, Fields)>>,
    events: Mutex<Vec<(&'static str, Fields)>>,
}

struct Collect(Arc<Seen>);

struct Fill<'a>(&'a mut Fields);

impl Visit for Fill<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut fields = Fields::new();
        attrs.record(&mut Fill(&mut fields));
        let mut spans = self.0.spans.lock().unwrap();
        spans.push((attrs.metadata().name(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut spans = self.0.spans.lock().unwrap();
        values.record(&mut Fill(&mut spans[id.into_u64() as usize - 1].1));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Fill(&mut fields));
        self.0.events.lock().unwrap().push((event.metadata().name(), fields));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn named<'a>(all: &'a [(&'static str, Fields)], name: &str) -> Vec<&'a Fields> {
    all.iter().filter(|(n, _)| *n == name).map(|(_, f)| f).collect()
}

#[tokio::test]
async fn a_run_reports_its_migrations_steps_and_waits_as_spans_and_events() {
    let db = TestDb::new("traced").await;
    let seen = Arc::new(Seen::default());
    let _guard = tracing::subscriber::set_default(Collect(seen.clone()));
    // Other tests hit the same callsites on threads without a subscriber, in parallel: the cached
    // interest is computed again now that this one is set.
    tracing::callsite::rebuild_interest_cache();
    let migrations = vec![
        migration(1, true, |s| {
            s.create_table("counters", |t| {
                t.bigint("id").primary_key();
                t.integer("n").not_null().default(0);
            });
            s.sql_with_down(
                "INSERT INTO counters (id) SELECT g FROM generate_series(1, 250) g",
                "DELETE FROM counters",
            );
        }),
        migration(2, true, |s| {
            s.backfill("counters", "n = n + 1").batch_size(100);
        }),
        migration(3, true, |s| {
            s.alter_table("counters", |t| t.rename_column("n", "hits"));
        }),
    ];
    let mut m = Migrator::new(migrations);
    let config =
        Config { lock_timeout: Some(std::time::Duration::from_millis(50)), lock_retries: 1, ..Config::default() };
    m.with_config(config);
    // Another session holds `counters`: migration 3 cannot get its lock, is retried once, and fails.
    let blocker = migrate_tests::connect_to(&db.name).await;
    let mut client = migrate_tests::connect_to(&db.name).await;
    let run = async {
        m.up(&mut client, Some(2)).await.unwrap();
        blocker.batch_execute("BEGIN; LOCK TABLE counters IN ACCESS SHARE MODE").await.unwrap();
        let failed = m.up(&mut client, None).await.unwrap_err();
        blocker.batch_execute("ROLLBACK").await.unwrap();
        failed
    };
    let failed = run.await;
    assert_eq!(failed.error.sqlstate(), Some("55P03"), "{failed}");

    let spans = seen.spans.lock().unwrap().clone();
    let events = seen.events.lock().unwrap().clone();
    let runs = named(&spans, "migrate.run");
    assert_eq!(runs.len(), 2, "{spans:?}");
    assert_eq!(runs[0]["command"], "up");
    let migrations = named(&spans, "migrate.migration");
    let versions: Vec<&str> = migrations.iter().map(|f| f["version"].as_str()).collect();
    assert_eq!(versions, ["1", "2", "3"], "{migrations:?}");
    assert_eq!((migrations[0]["name"].as_str(), migrations[0]["direction"].as_str()), ("m1", "up"));
    assert!(migrations[0].contains_key("duration_ms") && !migrations[0].contains_key("sqlstate"), "{migrations:?}");
    assert_eq!(migrations[2].get("sqlstate").map(String::as_str), Some("55P03"), "{migrations:?}");
    let steps = named(&spans, "migrate.step");
    // The backfill is its own step (a migration with a backfill runs outside one transaction).
    let backfill = steps.iter().find(|f| f["version"] == "2" && f.contains_key("rows")).expect("the backfill's step");
    assert_eq!(backfill["rows"], "250", "{steps:?}");
    assert_eq!(backfill["step"], "1");
    assert!(backfill.contains_key("duration_ms") && backfill.contains_key("transactional"), "{backfill:?}");
    let one = steps.iter().find(|f| f["version"] == "1").unwrap();
    assert_eq!((one["step"].as_str(), one["steps"].as_str(), one["transactional"].as_str()), ("1", "1", "true"));
    let batches = named(&events, "migrate.backfill_batch");
    assert_eq!(batches.len(), 3, "{events:?}");
    assert_eq!((batches[0]["rows"].as_str(), batches[2]["done"].as_str()), ("100", "250"), "{batches:?}");
    let retries = named(&events, "migrate.retry");
    assert_eq!(retries.len(), 1, "{events:?}");
    assert_eq!((retries[0]["attempt"].as_str(), retries[0]["sqlstate"].as_str()), ("1", "55P03"));
}

/// The lock a second deploy waits for is an event with who holds it.
#[tokio::test]
async fn waiting_for_the_migration_lock_is_an_event() {
    let db = TestDb::new("traced_lock").await;
    let seen = Arc::new(Seen::default());
    let _guard = tracing::subscriber::set_default(Collect(seen.clone()));
    // Other tests hit the same callsites on threads without a subscriber, in parallel: the cached
    // interest is computed again now that this one is set.
    tracing::callsite::rebuild_interest_cache();
    let key = migrate_core::runner::lock::key("\"public\".\"migrate_history\"");
    db.client.query_one("SELECT pg_advisory_lock($1)", &[&key]).await.unwrap();
    let mut client = migrate_tests::connect_to(&db.name).await;
    let mut m = Migrator::new(vec![migration(1, true, |s| {
        s.sql_with_down("SELECT 1", "SELECT 1");
    })]);
    // Without the connection's origin `auto` takes the lease; it waits for the advisory lock too.
    let up = m.up(&mut client, None);
    let release = async {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        db.client.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await.unwrap();
    };
    let (result, ()) = tokio::join!(up, release);
    result.unwrap();
    let events = seen.events.lock().unwrap().clone();
    let waits = named(&events, "migrate.lock_wait");
    assert!(!waits.is_empty(), "{events:?}");
    assert!(waits[0]["holder"].contains("pid"), "{waits:?}");
}
