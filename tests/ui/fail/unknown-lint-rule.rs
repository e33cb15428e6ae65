mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    #[migration(allow(ban_drop_colum = "typo in the rule name"))]
    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }
}

fn main() {}
