//! The write-stall benchmark of the safety issue, with what `rehearse` measures of each change on a
//! copy (no load) beside it: the longest lock that blocks writes.

use std::time::{Duration, Instant};

use migrate_core::Schema;
use migrate_core::op::Op;
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
    crate::plan::assemble(version, format!("bench{version}"), s.finish().expect("valid ops"), Down::Explicit(vec![]))
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
    /// The longest lock that blocks writes `rehearse` measured on a copy of every row.
    rehearsed: Duration,
}

/// The naive DDL as one SQL migration (run as written, in one transaction).
fn naive_migration(version: u64, statements: &[&str]) -> Migration {
    let up = vec![Op::Sql { up: statements.join(";\n"), down: Some(String::new()), declares: vec![] }];
    crate::plan::assemble(version, format!("naive{version}"), up, Down::Explicit(vec![]))
}

/// `rehearse` of the change on a copy of the database at `url` with all its `rows`: the longest lock
/// that blocks writes to a table with rows.
async fn rehearsed(url: &str, migrations: Vec<Migration>, rows: i64) -> anyhow::Result<Duration> {
    let options = migrate_cli::rehearse::Options { rows: rows as u64, ..Default::default() };
    let report =
        migrate_cli::rehearse::rehearse(url, migrations, Vec::new(), Config::default(), &options, &|_| {}).await?;
    let longest = report
        .migrations
        .iter()
        .flat_map(|m| &m.statements)
        .flat_map(|s| &s.locks)
        .filter(|l| l.blocks_writes && l.rows > 0)
        .map(|l| l.held_ms)
        .fold(0.0, f64::max);
    Ok(Duration::from_secs_f64(longest / 1000.0))
}

async fn one(url: &str, scenario: &Scenario, rows: i64, framework: bool) -> anyhow::Result<Outcome> {
    let mut admin = connect(url).await?;
    admin.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public").await?;
    let change = if framework { migration(2, scenario.change) } else { naive_migration(2, scenario.naive) };
    let migrations = vec![migration(1, base), change];
    let mut m = Migrator::new(migrations.clone());
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
    // Before the load: what `rehearse` says of the change (the reader holds nothing of the copy).
    let rehearsed = rehearsed(url, migrations, rows).await?;
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
    Ok(Outcome { longest, slow, took: to - from, rehearsed })
}

pub async fn run(rows: i64) -> anyhow::Result<()> {
    let server = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "host=127.0.0.1 user=postgres".into());
    let admin = connect(&format!("{server} dbname=postgres")).await?;
    admin.batch_execute("DROP DATABASE IF EXISTS migrate_bench WITH (FORCE)").await?;
    admin.batch_execute("CREATE DATABASE migrate_bench").await?;
    let url = format!("{server} dbname=migrate_bench");
    println!(
        "| change ({rows} rows, 4 writers) | naive: longest write stall | naive: writes > 1 s | naive: rehearse's longest write-blocking lock | framework: longest write stall | framework: writes > 1 s | framework: rehearse's longest write-blocking lock | framework: time to apply |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for s in SCENARIOS {
        let naive = one(&url, s, rows, false).await?;
        let safe = one(&url, s, rows, true).await?;
        println!(
            "| {} | {:.2} s | {} | {:.1} ms | {:.2} s | {} | {:.1} ms | {:.1} s |",
            s.name,
            naive.longest.as_secs_f64(),
            naive.slow,
            naive.rehearsed.as_secs_f64() * 1000.0,
            safe.longest.as_secs_f64(),
            safe.slow,
            safe.rehearsed.as_secs_f64() * 1000.0,
            safe.took.as_secs_f64()
        );
    }
    admin.batch_execute("DROP DATABASE IF EXISTS migrate_bench WITH (FORCE)").await?;
    Ok(())
}
