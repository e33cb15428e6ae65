fn main() {
    // The SQL-migration fixture (with one Rust migration among them), for the fx_sql binary.
    migrate_build::generate_module_list_as("fixtures/sql", "sql_migrations.rs");
}
