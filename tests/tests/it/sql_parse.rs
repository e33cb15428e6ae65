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
