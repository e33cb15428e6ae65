// A helper that records reversible ops works in every mode when it is generic over the mode.
use migrate_core::prelude::*;

fn timestamps<M: Mode>(s: &mut Schema<M>, table: &str) {
    s.alter_table(table, |t| {
        t.timestamptz("created_at").not_null().default(now());
    });
}

// With the op's bound, as the error for a helper without it says: usable where a `down` exists.
fn drop_old<M: migrate_core::schema::mode::AllowsDropTable>(s: &mut Schema<M>) {
    s.drop_table("old");
}

mod m20240101000000_a {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        super::timestamps(s, "users");
    }
}

mod m20240102000000_b {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        super::timestamps(s, "posts");
        super::drop_old(s);
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.create_table("old", |t| {
            t.integer("id");
        });
        s.alter_table("posts", |t| t.drop_column("created_at"));
    }
}

fn main() {
    assert_eq!(migrate_core::registry::migrations().unwrap().len(), 2);
}
