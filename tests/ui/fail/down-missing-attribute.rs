mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("new", |t| {
            t.integer("id");
        });
    }

    pub fn down(s: &mut Schema) {
        s.rename_table("new", "old");
    }
}

fn main() {}
