//! Golden-SQL cases: each op's exact SQL, executed on the server, and its derived down checked to
//! restore the catalog exactly (then the up applied again, to check that the down left a state the up
//! accepts and that gives the same catalog).

use migrate_core::Schema;
use migrate_core::render::render_ops;
use migrate_core::reverse::reverse_ops;
use migrate_core::schema::mode::ExplicitDown;
use migrate_tests::{TestDb, apply, catalog};

pub type S = Schema<ExplicitDown>;

pub struct Case {
    pub name: &'static str,
    pub setup: fn(&mut S),
    pub change: fn(&mut S),
    /// The exact statements of the change.
    pub up: &'static [&'static str],
    /// The exact statements of the derived down, or `None` when the change is irreversible.
    pub down: Option<&'static [&'static str]>,
}

pub fn none(_: &mut S) {}

fn ops_of(f: fn(&mut S)) -> Result<Vec<migrate_core::op::Op>, String> {
    let mut s = S::in_mode();
    f(&mut s);
    s.finish().map_err(|e| e.to_string())
}

fn sql_of(ops: &[migrate_core::op::Op]) -> Vec<String> {
    render_ops(ops).into_iter().map(|s| s.sql).collect()
}

/// Runs every case in its own schema of one fresh database and reports all failures at once.
pub async fn run(tag: &str, cases: &[Case]) {
    let db = TestDb::new(tag).await;
    let c = &db.client;
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let schema = format!("case{i}");
        c.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path TO {schema}")).await.unwrap();
        if let Err(e) = run_case(c, &schema, case).await {
            failures.push(format!("case `{}`: {e}", case.name));
        }
        c.batch_execute(&format!("RESET search_path; DROP SCHEMA {schema} CASCADE")).await.unwrap();
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

async fn run_case(c: &tokio_postgres::Client, schema: &str, case: &Case) -> Result<(), String> {
    let setup = ops_of(case.setup).map_err(|e| format!("setup: {e}"))?;
    apply(c, &setup).await.map_err(|e| format!("setup failed: {e}"))?;
    let before = catalog(c, schema).await;
    let up = ops_of(case.change)?;
    let up_sql = sql_of(&up);
    if up_sql != case.up {
        return Err(format!("up SQL differs:\n  got:      {up_sql:?}\n  expected: {:?}", case.up));
    }
    apply(c, &up).await.map_err(|e| format!("up failed: {e}"))?;
    let after = catalog(c, schema).await;
    let data_only = up.iter().all(|op| matches!(op, migrate_core::op::Op::Backfill { .. }));
    if after == before && !data_only {
        return Err("the up changed nothing in the catalog".into());
    }
    match (reverse_ops(&up), case.down) {
        (Ok(down), Some(expected)) => {
            let down_sql = sql_of(&down);
            if down_sql != expected {
                return Err(format!("down SQL differs:\n  got:      {down_sql:?}\n  expected: {expected:?}"));
            }
            apply(c, &down).await.map_err(|e| format!("down failed: {e}"))?;
            let restored = catalog(c, schema).await;
            if restored != before {
                return Err(format!(
                    "the down did not restore the catalog:\nbefore:\n{before}\nafter down:\n{restored}"
                ));
            }
            apply(c, &up).await.map_err(|e| format!("up after down failed: {e}"))?;
            let again = catalog(c, schema).await;
            if again != after {
                return Err(format!("up after down gave another catalog:\nfirst:\n{after}\nsecond:\n{again}"));
            }
            Ok(())
        }
        (Err(errors), None) => {
            if errors.iter().all(|e| e.to_string().contains("cannot be undone automatically")) {
                Ok(())
            } else {
                Err(format!("unexpected irreversibility errors: {errors:?}"))
            }
        }
        (Ok(down), None) => Err(format!("expected irreversible, got down {:?}", sql_of(&down))),
        (Err(errors), Some(_)) => Err(format!("expected a derived down, got {errors:?}")),
    }
}

/// A small table most cases start from.
pub fn users(s: &mut S) {
    use migrate_core::prelude::*;
    s.create_table("users", |t| {
        t.bigint("id").primary_key();
        t.text("email");
        t.text("name");
        t.integer("age");
        t.jsonb("prefs");
    });
}
