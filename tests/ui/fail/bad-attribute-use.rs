use migrate_core::migration;

mod m20240101000000_a {
    use migrate_core::prelude::*;

    #[migration(transaction = false)]
    pub fn up(s: &mut Schema) {
        s.create_schema("a");
    }
}

mod m20240102000000_b {
    use migrate_core::prelude::*;

    #[migration(irreversible = "")]
    pub fn up(s: &mut Schema) {
        s.create_schema("b");
    }
}

mod m20240103000000_c {
    use migrate_core::prelude::*;

    #[migration]
    pub async fn up(s: &mut Schema) {
        s.create_schema("c");
    }
}

mod m20240104000000_d {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(_s: &Schema) {}
}

#[migration]
fn setup() {}

fn main() {}
