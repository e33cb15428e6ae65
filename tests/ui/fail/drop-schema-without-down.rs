mod m20240101000000_change {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.drop_schema("reporting");
    }
}

fn main() {}
