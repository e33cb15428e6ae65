//! The example blog schema: one migration per file in `src/migrations/`, listed by the build script.

/// The migrations, one module per file of `src/migrations/`.
pub mod migrations {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// Seed data for development and test databases (`migrate-cli seed --env dev`).
pub mod seeds;

/// The tables and columns of the latest schema as typed identifiers that implement `sea_query::Iden`,
/// for seeds and application code: written by `migrate-cli codegen --sea-query --out src/schema.rs`
/// (a test checks it is current). Migrations do not use them: they describe the latest schema, so a
/// later rename would change, or break, a migration already applied.
pub mod schema;
