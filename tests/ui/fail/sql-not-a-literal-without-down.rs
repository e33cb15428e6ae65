// SQL that is not a literal cannot be read when the migration compiles: it needs a `down`.
mod m20240101000000_change {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        let table = "users";
        s.sql(format!("CREATE TABLE {table} (id bigint PRIMARY KEY)"));
    }
}

fn main() {}
