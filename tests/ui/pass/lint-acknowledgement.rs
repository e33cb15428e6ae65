// Acknowledged lint rules are registered with their reasons, in both forms.
mod m20240101000000_drop_legacy {
    use migrate_core::prelude::*;

    #[migration(allow(ban_drop_column = "nothing reads it since v2", renaming_table = "no code uses it"))]
    pub fn up(s: &mut Schema) {
        s.drop_column("users", "legacy");
        s.rename_table("a", "b");
    }

    #[migration]
    pub fn down(s: &mut Schema) {
        s.rename_table("b", "a");
    }
}

#[migrate_core::migration(no_transaction, allow(raw_sql = "reviewed: takes no lock"))]
mod m20240102000000_raw {
    use migrate_core::prelude::*;

    pub fn up(s: &mut Schema) {
        s.sql_with_down("SELECT 1", "SELECT 1");
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert_eq!(
        all[0].acks,
        [
            ("ban-drop-column".to_string(), "nothing reads it since v2".to_string()),
            ("renaming-table".to_string(), "no code uses it".to_string())
        ]
    );
    assert_eq!(all[1].acks, [("raw-sql".to_string(), "reviewed: takes no lock".to_string())]);
    assert!(!all[1].transaction);
}
