mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.drop_schema("x");
    }
}

fn main() {}
