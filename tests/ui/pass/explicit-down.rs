// The same irreversible `up` compiles once the migration has an explicit `down`, in both forms.
mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| t.drop_column("bio"));
        s.drop_table("legacy");
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.create_table("legacy", |t| {
            t.integer("id");
        });
        s.alter_table("users", |t| {
            t.text("bio");
        });
    }
}

use migrate_core::migration;

#[migration]
mod m20240102000000_drop_more {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.drop_index("users_email_idx");
    }

    pub fn down(s: &mut Schema) {
        s.create_index("users", ["email"]);
    }
}

// A narrowing type change compiles with a `down`.
mod m20240103000000_narrow {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| {
            t.change_type("visits", BigInt, Integer);
        });
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.alter_table("users", |t| {
            t.change_type("visits", Integer, BigInt);
        });
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|m| !m.down_is_derived()));
    assert_eq!(all[0].down_ops().unwrap().len(), 2);
    assert_eq!(all[1].down_ops().unwrap().len(), 1);
}
