// Two inline migration modules with one version, inside a file that has another migration's name:
// the error names their version.
use migrate_core::migration;

#[migration]
mod m20240105000000_create_users {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("users");
    }
}

#[migration]
mod m20240105000000_create_posts {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("posts");
    }
}

fn main() {}
