// A helper typed `Schema<ExplicitDown>` takes the builder of a migration with a `down` (in `up` and in
// `down`) and of one marked irreversible, and calls generic helpers and UFCS forms.
use migrate_core::prelude::*;
use migrate_core::schema::mode::{AllowsDropColumn, ExplicitDown};

fn retire(s: &mut Schema<ExplicitDown>, table: &str) {
    s.drop_table(table);
    s.alter_table("users", |t| t.drop_column("bio"));
    drop_column(s, "users", "nickname");
    Schema::<ExplicitDown>::drop_index(s, "users_email_idx");
}

fn drop_column<M: ?Sized + AllowsDropColumn>(s: &mut Schema<M>, table: &str, column: &str) {
    s.drop_column(table, column);
}

fn restore(s: &mut Schema<ExplicitDown>, table: &str) {
    s.create_table(table, |t| {
        t.integer("id");
    });
}

mod m20240101000000_retire {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        super::retire(s, "legacy");
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        super::restore(s, "legacy");
    }
}

mod m20240102000000_retire_more {
    use migrate_core::prelude::*;

    #[migration(irreversible = "the old rows are archived elsewhere")]
    pub fn up(s: &mut Schema) {
        super::retire(s, "legacy_two");
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].up.len(), 4);
    assert_eq!(all[0].down_ops().unwrap().len(), 1);
    assert_eq!(all[1].up.len(), 4);
    assert_eq!(all[1].down_ops(), Err("the old rows are archived elsewhere"));
}
