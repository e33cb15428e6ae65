use migrate_core::migration;

#[migration]
mod create_users {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }
}

#[migration]
mod m20241301000000_bad_month {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.create_schema("y");
    }
}

#[migration]
mod m20240101000000_CamelCase {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.create_schema("z");
    }
}

fn main() {}
