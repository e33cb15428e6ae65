// A knowingly irreversible migration: it compiles, and its down fails with the reason.
mod m20240101000000_drop_legacy_column {
    use migrate_core::prelude::*;

    #[migration(irreversible = "drops the legacy column; its data cannot come back")]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| t.drop_column("legacy"));
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(all[0].down_ops(), Err("drops the legacy column; its data cannot come back"));
}
