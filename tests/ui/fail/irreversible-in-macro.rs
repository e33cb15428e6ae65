macro_rules! drop_all {
    ($s:ident, $($table:literal),*) => {
        $( $s.drop_table($table); )*
    };
}

mod m20240101000000_cleanup {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        drop_all!(s, "a");
    }
}

fn main() {}
