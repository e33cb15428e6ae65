// A default of a wider Rust integer than the column's (an `i64` for an `integer` column) says how
// to convert it.
mod m20240101000000_create_users {
    use migrate_core::prelude::*;

    const START: i64 = 100;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("users", |t| {
            t.integer("credits").default(START);
            t.smallint("level").default(5i32);
        });
    }
}

fn main() {}
