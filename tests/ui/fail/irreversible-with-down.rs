mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    #[migration(irreversible = "drops legacy data")]
    pub fn up(s: &mut Schema) {
        s.drop_table("legacy");
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.create_schema("x");
    }
}

fn main() {}
