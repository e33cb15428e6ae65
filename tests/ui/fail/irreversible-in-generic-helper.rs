use migrate_core::prelude::*;

// A helper generic over the mode records an irreversible op only with the op's bound; the error
// names it once.
fn cleanup<M: Mode>(s: &mut Schema<M>) {
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
