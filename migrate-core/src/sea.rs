//! sea-query where users build queries (feature `sea-query`): data steps and seeds run whole
//! sea-query statements with their values bound, and backfills take sea-query expressions for their
//! `SET` and `.where_` parts. Rendering DDL stays with this crate's renderer.
//!
//! [`codegen --sea-query`](https://docs.rs/migrate-cli) writes an enum per table implementing
//! [`sea_query::Iden`] for seeds and application code. A migration should name its tables and
//! columns itself (`"users"`, or `sea_query::Alias::new("users")`), not with the generated enums: those
//! describe the latest schema, so a later rename would change, or break, a migration already applied.
//!
//! A migration whose data step inserts with sea-query, and whose backfill sets with an expression:
//!
//! ```
//! mod m20240101000000_roles {
//!     use migrate_core::op::DataFuture;
//!     use migrate_core::prelude::*;
//!     use migrate_core::sea::sea_query::{Expr, ExprTrait as _, Query};
//!
//!     fn insert_roles<'a>(tx: &'a migrate_core::tokio_postgres::Transaction<'a>) -> DataFuture<'a> {
//!         Box::pin(async move {
//!             let insert = Query::insert()
//!                 .into_table("roles")
//!                 .columns(["name", "rank"])
//!                 .values_panic(["reader".into(), 1.into()])
//!                 .values_panic(["admin".into(), 9.into()])
//!                 .to_owned();
//!             migrate_core::sea::execute(tx, &insert).await?;
//!             Ok(())
//!         })
//!     }
//!
//!     #[migration]
//!     pub fn up(s: &mut Schema) {
//!         s.data_step("insert the roles", insert_roles);
//!         s.backfill_set("roles", [("rank", Expr::col("rank").add(1))]).where_expr(Expr::col("rank").lt(5));
//!     }
//!
//!     #[migration]
//!     pub fn down(s: &mut Schema) {
//!         s.sql_with_down("DELETE FROM roles", "SELECT 1");
//!     }
//! }
//! ```

pub use sea_query;
use sea_query::{Expr, QueryBuilder as _};
use sea_query_postgres::PostgresBinder;
use tokio_postgres::GenericClient;

/// Runs `statement` (an `InsertStatement`, `UpdateStatement`, `DeleteStatement`, `SelectStatement`
/// or `WithQuery`) on `client` (a data step's or a seed's transaction), its values bound as
/// parameters; returns the rows it changed.
pub async fn execute(
    client: &impl GenericClient,
    statement: &impl PostgresBinder,
) -> Result<u64, tokio_postgres::Error> {
    let (sql, values) = statement.build_postgres(sea_query::PostgresQueryBuilder);
    client.execute(sql.as_str(), &values.as_params()).await
}

/// Runs `statement` on `client`, its values bound as parameters; returns its rows.
pub async fn query(
    client: &impl GenericClient,
    statement: &impl PostgresBinder,
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let (sql, values) = statement.build_postgres(sea_query::PostgresQueryBuilder);
    client.query(sql.as_str(), &values.as_params()).await
}

/// `expr` as PostgreSQL text, its values written inline (a backfill's SQL is kept as text: in the
/// migration's checksum and in the history).
///
/// ```
/// use migrate_core::sea::sea_query::{Expr, ExprTrait as _};
/// assert_eq!(migrate_core::sea::expr_sql(&Expr::col("n").add(1)), r#""n" + 1"#);
/// ```
pub fn expr_sql(expr: &Expr) -> String {
    let mut sql = String::new();
    sea_query::PostgresQueryBuilder.prepare_expr(expr, &mut sql);
    sql
}
