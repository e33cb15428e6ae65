mod m20240101000000_convert {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| {
            // Both ways: derivable.
            t.change_type("score", Integer, Text).converting("score::text", "score::integer");
            // One way: the derived down would not convert back.
            t.change_type("age", Integer, BigInt).using("age * 1000");
        });
    }
}

fn main() {}
