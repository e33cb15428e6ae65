use migrate_core::prelude::*;

// A helper taking plain `&mut Schema` is in the reversible-only mode too.
fn cleanup(s: &mut Schema) {
    s.drop_table("legacy");
}

mod m20240101000000_cleanup {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        super::cleanup(s);
    }
}

fn main() {}
