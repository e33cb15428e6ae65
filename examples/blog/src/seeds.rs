//! Seeds: the data a development or test database starts with (`migrate-cli seed --env dev`). They
//! run again on every call, so each one is an upsert.

use migrate_core::prelude::*;
use migrate_core::tokio_postgres::Error;

/// An author and an admin, in every environment that seeds.
#[seed(env = ["dev", "test"])]
pub async fn users(tx: &Transaction<'_>) -> Result<(), Error> {
    for (email, name, role) in [("ada@example.com", "Ada", "author"), ("root@example.com", "Root", "admin")] {
        tx.execute(
            "INSERT INTO users (email, name, role) VALUES ($1, $2, $3::text::user_role)
             ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role",
            &[&email, &name, &role],
        )
        .await?;
    }
    Ok(())
}

/// A published post by the author, for local development only. Runs after `users` (seeds run in name
/// order, and "users" < "welcome_post"). Built with sea-query and the generated identifiers of
/// [`crate::schema`], its values bound as parameters.
#[seed(env = "dev")]
pub async fn welcome_post(tx: &Transaction<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use crate::schema::{Posts, Users};
    use migrate_core::sea::sea_query::{Expr, ExprTrait as _, OnConflict, Query};

    let by_ada = Query::select()
        .column(Users::Id)
        .exprs([Expr::val("Welcome"), Expr::val("welcome"), Expr::val("The first post."), Expr::current_timestamp()])
        .from(Users::Table)
        .and_where(Expr::col(Users::Email).eq("ada@example.com"))
        .to_owned();
    let insert = Query::insert()
        .into_table(Posts::Table)
        .columns([Posts::AuthorId, Posts::Title, Posts::Slug, Posts::Body, Posts::PublishedAt])
        .select_from(by_ada)?
        .on_conflict(OnConflict::column(Posts::Slug).update_columns([Posts::Title, Posts::Body]).to_owned())
        .to_owned();
    migrate_core::sea::execute(tx, &insert).await?;
    Ok(())
}
