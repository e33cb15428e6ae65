// A helper typed `Schema<ExplicitDown>` (or a UFCS call naming that mode) may record what cannot be
// undone: a migration without `down` cannot pass it its builder, and the error says to write the
// `down`.
use migrate_core::prelude::*;
use migrate_core::schema::mode::ExplicitDown;

fn retire(s: &mut Schema<ExplicitDown>) {
    s.drop_table("legacy");
}

mod m20240101000000_calls_helper {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("audit", |t| {
            t.bigint("id").primary_key();
        });
        super::retire(s);
    }
}

mod m20240102000000_ufcs {
    use migrate_core::prelude::*;
    use migrate_core::schema::mode::ExplicitDown;

    #[migration]
    pub fn up(s: &mut Schema) {
        Schema::<ExplicitDown>::drop_table(s, "legacy");
    }
}

fn main() {}
