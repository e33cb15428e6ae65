use migrate_core::migration;

#[migration]
mod m20240101000000_create_users {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("a");
    }
}

#[migration]
mod m20240101000000_create_posts {
    pub fn up(s: &mut migrate_core::Schema) {
        s.create_schema("b");
    }
}

fn main() {}
