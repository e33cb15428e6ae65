mod m20240101000000_baseline {
    use migrate_core::prelude::*;

    #[migration(squashes())]
    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }
}

mod m20240102000000_baseline {
    use migrate_core::prelude::*;

    #[migration(squashes(20240101000000, "20240102000000"))]
    pub fn up(s: &mut Schema) {
        s.create_schema("y");
    }
}

fn main() {}
