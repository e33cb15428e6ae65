//! sea-query where users build queries (migrate-core's feature `sea-query`): a data step runs a real
//! `InsertStatement` with bound values, a backfill takes sea-query expressions, and a `SelectStatement`
//! reads the result.

use migrate_core::op::DataFuture;
use migrate_core::prelude::*;
use migrate_core::runner::Migrator;
use migrate_core::sea::sea_query::{Expr, ExprTrait as _, Order, Query};
use migrate_core::tokio_postgres::Transaction;
use migrate_tests::{TestDb, connect_to, migration};

fn insert_roles<'a>(tx: &'a Transaction<'a>) -> DataFuture<'a> {
    Box::pin(async move {
        let insert = Query::insert()
            .into_table("roles")
            .columns(["name", "rank"])
            .values_panic(["reader".into(), 1.into()])
            // A value a string-built statement would have to escape: bound, it goes as it is.
            .values_panic(["o'brien; DROP TABLE roles --".into(), 7.into()])
            .to_owned();
        let inserted = migrate_core::sea::execute(tx, &insert).await?;
        assert_eq!(inserted, 2);
        Ok(())
    })
}

#[tokio::test]
async fn a_data_step_runs_a_sea_query_insert_and_a_backfill_takes_its_expressions() {
    let db = TestDb::new("sea_query").await;
    let migrations = vec![
        migration(1, true, |s| {
            s.create_table("roles", |t| {
                t.text("name").primary_key();
                t.integer("rank").not_null();
            });
        }),
        migration(2, true, |s| s.data_step("insert the roles", insert_roles)),
        migration(3, true, |s| {
            s.backfill_set("roles", [("rank", Expr::col("rank").mul(10))])
                .where_expr(Expr::col("name").eq("o'brien; DROP TABLE roles --"))
                .batch_size(1);
        }),
    ];
    let mut client = connect_to(&db.name).await;
    Migrator::new(migrations).up(&mut client, None).await.unwrap();
    let select = Query::select().columns(["name", "rank"]).from("roles").order_by("rank", Order::Asc).to_owned();
    let rows = migrate_core::sea::query(&client, &select).await.unwrap();
    let rows: Vec<(String, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(rows, [("reader".to_string(), 1), ("o'brien; DROP TABLE roles --".to_string(), 70)]);
    // The backfill's SQL, as the history keeps it: the expressions rendered for PostgreSQL.
    let sql: Vec<String> =
        client.query_one("SELECT up_sql FROM migrate_history WHERE version = 3", &[]).await.unwrap().get(0);
    assert!(
        sql.iter().any(
            |s| s.contains(r#""rank" = "rank" * 10"#) && s.contains(r#""name" = E'o\'brien; DROP TABLE roles --'"#)
        ),
        "{sql:?}"
    );
}
