mod m20240101000000_change {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.sql("UPDATE users SET active = true");
    }
}

fn main() {}
