//! The integration tests, one binary with a module per area; every database test creates its own
//! database on the real PostgreSQL.

mod backfill;
mod bad_input;
mod cases;
mod cli;
mod cli_connect;
mod cli_failures;
mod cli_fleet;
mod cli_history;
mod cli_json;
mod cli_lint;
mod cli_scaffold;
mod cli_schema;
mod cli_sql_files;
mod guide;
mod integrity;
mod lint_rules;
mod ops_columns;
mod ops_indexes_constraints;
mod ops_tables;
mod ops_types;
mod pooler;
mod publishable;
mod recovery;
mod registry;
mod rehearse;
mod repeatable;
mod reporting;
mod roundtrip;
mod safe_ops;
mod sea;
mod sql_ops;
mod sql_parse;
mod squash;
mod traced;
