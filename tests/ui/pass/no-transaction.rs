// `no_transaction` for statements PostgreSQL refuses inside a transaction, in both forms.
mod m20240101000000_index_concurrently {
    use migrate_core::prelude::*;

    #[migration(no_transaction)]
    pub fn up(s: &mut Schema) {
        s.create_index("users", ["email"]).concurrently();
    }
}

#[migrate_core::migration(no_transaction, irreversible = "adds an enum value")]
mod m20240102000000_add_role {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.add_enum_value("role", "editor");
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert!(all.iter().all(|m| !m.transaction));
    assert!(all[0].down_is_derived());
    assert!(all[1].down_ops().is_err());
}
