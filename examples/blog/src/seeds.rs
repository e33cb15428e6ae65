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
/// order, and "users" < "welcome_post").
#[seed(env = "dev")]
pub async fn welcome_post(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO posts (author_id, title, slug, body, published_at)
         SELECT id, 'Welcome', 'welcome', 'The first post.', now() FROM users WHERE email = 'ada@example.com'
         ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body",
        &[],
    )
    .await?;
    Ok(())
}
