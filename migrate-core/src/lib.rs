//! Typed, reversible PostgreSQL schema migrations.
//!
//! A migration is a Rust function that records schema changes on a typed builder. The core validates
//! them, renders them to PostgreSQL DDL, derives the down steps where the change is reversible, and
//! computes a checksum from the changes themselves.
//!
//! ```
//! use migrate_core::prelude::*;
//! use migrate_core::{render::render_script, reverse::reverse_ops};
//!
//! let mut s = Schema::new();
//! s.create_table("users", |t| {
//!     t.uuid("id").primary_key().default(gen_random_uuid());
//!     t.varchar("email", 255).not_null().unique();
//!     t.boolean("is_active").not_null().default(true);
//! });
//! s.create_index("users", ["email", "is_active"]);
//! let up = s.finish()?;
//!
//! assert_eq!(render_script(&up), "\
//! CREATE TABLE \"users\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"email\" varchar(255) NOT NULL, \
//! \"is_active\" boolean NOT NULL DEFAULT true, CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"), \
//! CONSTRAINT \"users_email_key\" UNIQUE (\"email\"));
//! CREATE INDEX \"users_email_is_active_idx\" ON \"users\" (\"email\", \"is_active\");
//! ");
//! // The down is derived: drop the index, then the table.
//! assert_eq!(render_script(&reverse_ops(&up).unwrap()), "\
//! DROP INDEX \"users_email_is_active_idx\";
//! DROP TABLE \"users\";
//! ");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In a migrations crate, the same builder calls go in a function registered with
//! [`#[migration]`](migration):
//!
//! ```ignore
//! // src/migrations/m20240620120000_create_users.rs
//! use migrate_core::prelude::*;
//!
//! #[migration]
//! pub fn up(s: &mut Schema) {
//!     s.create_table("users", |t| {
//!         t.uuid("id").primary_key().default(gen_random_uuid());
//!     });
//! }
//! // No `down`: it is derived. An irreversible op here (`s.drop_table(..)`) would not compile.
//! ```
//!
//! # Reversibility of every op
#![doc = include_str!("../REVERSIBILITY.md")]
//!
//! # Lint rules
#![doc = include_str!("../LINT_RULES.md")]
// Published crates document every public item (checked by the compiler: the guide and docs.rs
// rely on it).
#![deny(missing_docs)]

pub mod canonical;
pub mod error;
pub mod ident;
pub mod introspect;
pub mod lint;
pub mod model;
pub mod op;
pub mod parallel;
pub mod registry;
pub mod render;
pub mod repeatable;
pub mod reverse;
pub mod runner;
pub mod schema;
#[cfg(feature = "sea-query")]
pub mod sea;
pub mod seed;
#[cfg(feature = "serde")]
pub mod serialize;
pub mod sql_ops;
pub mod startup;
pub mod trace;
pub mod types;
pub mod validate;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use migrate_macros::{migration, repeatable, seed};
pub use schema::Schema;
pub use startup::up;
/// The PostgreSQL client the runner and data steps use, re-exported so migration code depends on this
/// crate only.
pub use tokio_postgres;

/// Everything a migration file needs: `use migrate_core::prelude::*;`.
pub mod prelude {
    pub use crate::op::{
        CheckOption, CommentTarget, DataFuture, FkAction, IdentityOptions, PolicyCommand, RowSecurity, TriggerState,
    };
    pub use crate::schema::mode::Mode;
    pub use crate::schema::{ColumnMethods, Schema, col, expr};
    pub use crate::types::{
        Array, BigInt, Boolean, Bytea, Char, Cidr, Date, Double, EnumType, Inet, Integer, Interval, Json, Jsonb,
        NamedType, Numeric, Real, SmallInt, Text, Time, Timestamp, Timestamptz, UnboundedVarchar, Uuid, Varchar,
        current_date, current_timestamp, gen_random_uuid, now, sql,
    };
    pub use crate::{migration, repeatable, seed};
    pub use tokio_postgres::Transaction;
}
