mod m20240101000000_create_users {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("users", |t| {
            t.integer("joined").default(now());
            t.text("token").default(gen_random_uuid());
            t.timestamptz("seen").default(now());
            t.uuid("id").default(gen_random_uuid());
        });
    }
}

fn main() {}
