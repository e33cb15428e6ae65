// A migration with only reversible ops and no `down`: the down is derived.
mod m20240101000000_create_users {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_table("users", |t| {
            t.bigint("id").identity().primary_key();
            t.boolean("active").not_null().default(true);
        });
        s.create_index("users", ["active"]);
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].down_is_derived());
    assert_eq!(all[0].name, "create_users");
    assert_eq!(all[0].down_ops().unwrap().len(), 2);
}
