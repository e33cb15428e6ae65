fn main() {
    migrate_build::generate_module_list("src/migrations");
}
