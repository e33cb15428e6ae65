//! The example blog schema: one migration per file in `src/migrations/`, listed by the build script.

/// The migrations, one module per file of `src/migrations/`.
pub mod migrations {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// Seed data for development and test databases (`migrate-cli seed --env dev`).
pub mod seeds;
