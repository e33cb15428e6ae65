//! Raw SQL split by the grammar, run for real: bodies, comments and identifiers that the old string
//! scanner cut or misread.

use migrate_core::runner::{DownTarget, Migrator};
use migrate_tests::{TestDb, connect_to, migration};

#[tokio::test]
async fn a_begin_atomic_body_and_a_commented_concurrent_build_run_as_written() {
    let db = TestDb::new("sql_parse").await;
    let mut client = connect_to(&db.name).await;
    let code = || {
        vec![
            migration(1, true, |s| {
                s.sql_with_down("CREATE TABLE t (id int, a$b$ int)", "DROP TABLE t");
            }),
            // Step by step: each statement its own step, so a body cut at its inner `;` would fail.
            migration(2, false, |s| {
                s.sql_with_down(
                    "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + b; END;
                     /* built without blocking writes */ CREATE INDEX CONCURRENTLY t_id_idx ON t (id);",
                    "DROP INDEX CONCURRENTLY t_id_idx; DROP FUNCTION add(int, int);",
                );
            }),
        ]
    };
    Migrator::new(code()).up(&mut client, None).await.unwrap();
    let added: i32 = client.query_one("SELECT add(2, 3)", &[]).await.unwrap().get(0);
    assert_eq!(added, 5);
    let valid: bool = client
        .query_one("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
    Migrator::new(code()).down(&mut client, DownTarget::Steps(1)).await.unwrap();
    let gone: bool = client.query_one("SELECT to_regproc('add') IS NULL", &[]).await.unwrap().get(0);
    assert!(gone);
}

/// Each builder call that takes SQL text where one expression (or query, or SET list) belongs refuses
/// text that hides a statement after it, before any SQL runs.
#[test]
fn a_statement_hidden_in_an_expression_is_refused() {
    use migrate_core::prelude::*;
    type S = migrate_core::Schema<migrate_core::schema::mode::ExplicitDown>;
    type Case<'a> = (&'a str, &'a dyn Fn(&mut S));
    let finish = |f: &dyn Fn(&mut S)| {
        let mut s = S::in_mode();
        s.create_table("legacy", |t| {
            t.integer("id");
        });
        f(&mut s);
        s.finish().map(|_| ()).map_err(|e| e.to_string())
    };
    let cases: [Case; 7] = [
        ("view query", &|s| {
            s.create_view("v", "SELECT 1; DROP TABLE legacy");
        }),
        ("default expression of `x`", &|s| {
            s.alter_table("legacy", |t| {
                t.text("x").default(sql("'x'; DROP TABLE legacy"));
            })
        }),
        ("expression of check `c`", &|s| {
            s.alter_table("legacy", |t| {
                t.add_check("c", "true); DROP TABLE legacy; SELECT (1");
            })
        }),
        ("USING expression", &|s| {
            s.alter_table("legacy", |t| {
                t.change_type("id", Integer, BigInt).using("id::bigint; DROP TABLE legacy");
            })
        }),
        ("index predicate", &|s| {
            s.create_index("legacy", ["id"]).where_("id > 0; DROP TABLE legacy");
        }),
        ("index expression", &|s| {
            s.create_index("legacy", [expr("id + 1); DROP TABLE legacy; SELECT (1")]).name("legacy_x");
        }),
        ("WHERE of the backfill", &|s| {
            s.backfill("legacy", "id = id + 1").where_("true; DROP TABLE legacy");
        }),
    ];
    for (what, case) in cases {
        let err = finish(case).expect_err(what);
        assert!(err.contains(&format!("the {what} `")), "{what}: {err}");
        assert!(err.contains("write one"), "{what}: {err}");
    }
    // And what belongs there still passes.
    finish(&|s| {
        s.create_view("v", "SELECT id FROM legacy WHERE id > 0");
        s.create_index("legacy", [expr("(id + 1)")]).name("legacy_next").where_("id > 0");
        s.backfill("legacy", "id = id + 1").where_("id < 10");
    })
    .unwrap();
}
