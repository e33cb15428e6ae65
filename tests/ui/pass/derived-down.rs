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

// Type changes whose new type holds every value of the old keep the down derived.
mod m20240102000000_widen {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| {
            t.change_type("visits", Integer, BigInt);
            t.change_type("nick", Varchar(20), Text);
            t.change_type("born", Date, Timestamptz);
            t.change_type("ratio", Real, Double);
            t.change_type("tags", Array(Varchar(10)), Array(Text));
            t.change_type("code", Char(4), Varchar(8));
        });
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|m| m.down_is_derived()));
    assert_eq!(all[0].name, "create_users");
    assert_eq!(all[0].down_ops().unwrap().len(), 2);
}
