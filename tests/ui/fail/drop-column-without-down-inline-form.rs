use migrate_core::migration;

#[migration]
mod m20240101000000_change {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| t.drop_column("bio"));
    }
}

fn main() {}
