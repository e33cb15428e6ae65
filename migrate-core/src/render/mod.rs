//! Rendering ops to PostgreSQL DDL.
//!
//! One renderer, one quoting rule: every identifier goes through [`quote_ident`](crate::ident::quote_ident)
//! and every string literal through [`quote_literal`](crate::ident::quote_literal). Expressions the user
//! writes as SQL (CHECK, WHERE, USING, defaults given with [`sql`](crate::types::sql), view queries, raw SQL)
//! are passed through as written.
//!
//! Why not sea-query for the DDL: measured on sea-query 1.0, it renders invalid SQL for several
//! combinations we need (rename with other sub-commands, USING with other column changes), drops
//! comments silently, leaves enum type names unquoted and lacks a dozen statements (COMMENT ON, views,
//! DROP DEFAULT, named ADD CONSTRAINT, NOT VALID, VALIDATE, DEFERRABLE, RENAME CONSTRAINT, ALTER INDEX
//! RENAME, schemas). Every op here renders to one short statement, and every one of them is executed
//! against a real PostgreSQL in the tests, so a single renderer is both smaller and safer.

pub(crate) mod ddl;
mod types;

pub use ddl::{render_op, sequence_options};
pub use migrate_sql::{SyntaxProblem, concurrent_index_name, needs_autocommit, split_statements, syntax_errors};
pub use types::{render_column_type, render_default};

/// One SQL statement and how it must run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL text, without a trailing semicolon.
    pub sql: String,
    /// `false` for statements that PostgreSQL refuses inside a transaction block (e.g.
    /// `CREATE INDEX CONCURRENTLY`): the runner issues them on their own, in autocommit.
    pub transactional: bool,
}

/// Renders a list of ops to statements, in order.
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::render::render_ops;
///
/// let mut s = Schema::new();
/// s.create_table("tags", |t| {
///     t.integer("id").primary_key();
///     t.text("label").not_null().unique();
/// });
/// let sql: Vec<String> = render_ops(&s.finish().unwrap()).into_iter().map(|st| st.sql).collect();
/// assert_eq!(
///     sql,
///     [r#"CREATE TABLE "tags" ("id" integer NOT NULL, "label" text NOT NULL, CONSTRAINT "tags_pkey" PRIMARY KEY ("id"), CONSTRAINT "tags_label_key" UNIQUE ("label"))"#]
/// );
/// ```
pub fn render_ops(ops: &[crate::op::Op]) -> Vec<Statement> {
    ops.iter().flat_map(render_op).collect()
}

/// Renders ops to one script, each statement followed by `;` and a newline.
pub fn render_script(ops: &[crate::op::Op]) -> String {
    let mut out = String::new();
    for st in render_ops(ops) {
        out.push_str(&st.sql);
        out.push_str(";\n");
    }
    out
}
