//! The write-stall benchmark of the safety issue.

use std::time::{Duration, Instant};

use migrate_core::Schema;
use migrate_core::prelude::*;
use migrate_core::registry::{Down, Migration};
use migrate_core::runner::{Config, Migrator};
use migrate_core::schema::mode::ExplicitDown;

use crate::load::{Load, connect, stalls};

type S = Schema<ExplicitDown>;

struct Scenario {
    name: &'static str,
    /// The naive DDL, run in one transaction without lock_timeout.
    naive: &'static [&'static str],
    /// The same change through the builder, run with the framework's defaults.
    change: fn(&mut S),
    /// A reader holds the table for this long, starting just before the change.
    reader: Option<Duration>,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "index",
        naive: &["CREATE INDEX events_account_idx ON events (account_id)"],
        change: |s| {
            s.create_index("events", ["account_id"]).name("events_account_idx");
        },
        reader: None,
    },
    Scenario {
        name: "foreign key",
        naive: &[
            "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)",
        ],
        change: |s| {
            s.alter_table("events", |t| {
                t.add_foreign_key("events_account_fk", ["account_id"], "accounts", ["id"]);
            })
        },
        reader: None,
    },
    Scenario {
        name: "NOT NULL column on existing rows",
        naive: &[
            "ALTER TABLE events ADD COLUMN score int",
            "UPDATE events SET score = id % 7",
            "ALTER TABLE events ALTER COLUMN score SET NOT NULL",
        ],
        change: |s| {
            s.alter_table("events", |t| {
                t.integer("score").not_null().backfill("id % 7");
            })
        },
        reader: None,
    },
    Scenario {
        name: "SET NOT NULL",
        naive: &["ALTER TABLE events ALTER COLUMN payload SET NOT NULL"],
        change: |s| s.alter_table("events", |t| t.set_not_null("payload")),
        reader: None,
    },
    Scenario {
        name: "unique constraint",
        naive: &["ALTER TABLE events ADD CONSTRAINT events_ref_key UNIQUE (ref)"],
        change: |s| {
            s.alter_table("events", |t| {
                t.add_unique("events_ref_key", ["ref"]);
            })
        },
        reader: None,
    },
    Scenario {
        name: "column with a volatile default",
        naive: &["ALTER TABLE events ADD COLUMN token uuid DEFAULT gen_random_uuid()"],
        change: |s| {
            s.alter_table("events", |t| {
                t.uuid("token").default(gen_random_uuid());
            })
        },
        reader: None,
    },
    Scenario {
        name: "fast ALTER behind an 8 s reader",
        naive: &["ALTER TABLE events ADD COLUMN note text"],
        change: |s| {
            s.alter_table("events", |t| {
                t.text("note");
            })
        },
        reader: Some(Duration::from_secs(8)),
    },
];

fn migration(version: u64, f: impl FnOnce(&mut S)) -> Migration {
    let mut s = S::in_mode();
    f(&mut s);
    let up = s.finish().expect("valid ops");
    let down = Down::Explicit(vec![]);
    Migration {
        version,
        name: format!("bench{version}"),
        checksum: migrate_core::registry::checksum(&up, &down, true),
        up,
        down,
        transaction: true,
        checksum_format: 1,
        legacy_checksum: None,
        squashes: vec![],
        file: "bench",
        line: 0,
        acks: vec![],
        original: None,
        source: None,
    }
}

fn base(s: &mut S) {
    s.create_table("accounts", |t| {
        t.bigint("id").primary_key();
    });
    s.create_table("events", |t| {
        t.bigint("id").primary_key();
        t.bigint("account_id").not_null();
        t.bigint("ref").not_null();
        t.text("payload");
        t.integer("hits").not_null().default(0);
    });
}

struct Outcome {
    longest: Duration,
    slow: usize,
    took: Duration,
}

async fn one(url: &str, scenario: &Scenario, rows: i64, framework: bool) -> anyhow::Result<Outcome> {
    let mut admin = connect(url).await?;
    admin.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public").await?;
    let migrations = vec![migration(1, base), migration(2, scenario.change)];
    let mut m = Migrator::new(migrations);
    m.with_config(Config::default());
    m.up(&mut admin, Some(1)).await?;
    admin
        .batch_execute(&format!(
            "INSERT INTO accounts SELECT generate_series(1, 1000);
             INSERT INTO events SELECT g, 1 + g % 1000, g * 2, 'p' || g, 0 FROM generate_series(1, {rows}) g;"
        ))
        .await?;
    admin.batch_execute("VACUUM ANALYZE events").await?;
    admin.batch_execute("VACUUM ANALYZE accounts").await?;
    let load = Load::start(url, 4, rows).await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let reader = match scenario.reader {
        Some(d) => {
            let r = connect(url).await?;
            let secs = d.as_secs_f64();
            Some(tokio::spawn(async move {
                let _ = r
                    .batch_execute(&format!(
                        "BEGIN; SELECT count(*) FROM events WHERE id < 10; SELECT pg_sleep({secs}); COMMIT"
                    ))
                    .await;
            }))
        }
        None => None,
    };
    if reader.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let from = Instant::now();
    if framework {
        m.up(&mut admin, None).await?;
    } else {
        let tx = admin.transaction().await?;
        for st in scenario.naive {
            tx.batch_execute(st).await?;
        }
        tx.commit().await?;
    }
    let to = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let writes = load.stop().await;
    if let Some(r) = reader {
        let _ = r.await;
    }
    let (longest, slow) = stalls(&writes, from, to);
    Ok(Outcome { longest, slow, took: to - from })
}

pub async fn run(rows: i64) -> anyhow::Result<()> {
    let server = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "host=127.0.0.1 user=postgres".into());
    let admin = connect(&format!("{server} dbname=postgres")).await?;
    admin.batch_execute("DROP DATABASE IF EXISTS migrate_bench WITH (FORCE)").await?;
    admin.batch_execute("CREATE DATABASE migrate_bench").await?;
    let url = format!("{server} dbname=migrate_bench");
    println!(
        "| change ({rows} rows, 4 writers) | naive: longest write stall | naive: writes > 1 s | framework: longest write stall | framework: writes > 1 s | framework: time to apply |"
    );
    println!("|---|---|---|---|---|---|");
    for s in SCENARIOS {
        let naive = one(&url, s, rows, false).await?;
        let safe = one(&url, s, rows, true).await?;
        println!(
            "| {} | {:.2} s | {} | {:.2} s | {} | {:.1} s |",
            s.name,
            naive.longest.as_secs_f64(),
            naive.slow,
            safe.longest.as_secs_f64(),
            safe.slow,
            safe.took.as_secs_f64()
        );
    }
    admin.batch_execute("DROP DATABASE IF EXISTS migrate_bench WITH (FORCE)").await?;
    Ok(())
}
