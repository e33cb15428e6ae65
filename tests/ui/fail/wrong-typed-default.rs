mod m20240101000000_create_users {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("users", |t| {
            t.boolean("active").default("yes");
            t.integer("age").default(1.5);
        });
    }
}

fn main() {}
