// The newcomer's first irreversible migration.
mod m20240101000000_remove_bio {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.drop_column("users", "bio");
    }
}

fn main() {}
