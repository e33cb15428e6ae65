// Inline migration modules inside a file that has a migration's name: each declares its own version,
// not the file's (two of them would otherwise collide on the file's version).
use migrate_core::migration;

#[migration]
mod m20240102000000_create_users {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("users");
    }
}

#[migration]
mod m20240103000000_create_posts {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("posts");
    }
}

fn main() {
    let mut modules: Vec<&str> = migrate_core::__private::inventory::iter::<migrate_core::registry::MigrationDef>
        .into_iter()
        .map(|d| d.module_path.rsplit("::").next().unwrap())
        .collect();
    modules.sort();
    assert_eq!(modules, ["m20240102000000_create_users", "m20240103000000_create_posts"]);
}
