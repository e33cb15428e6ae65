// `s.sql("..")` with a literal whose every statement has an inverse: no `down` needed, the down is
// derived from the statements when the migration loads.
mod m20240101000000_create_users {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.sql(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
             CREATE UNIQUE INDEX users_email_idx ON users (email);",
        );
    }
}

fn main() {
    let all = migrate_core::registry::migrations().unwrap();
    assert!(all[0].down_is_derived());
    let down = migrate_core::render::render_script(all[0].down_ops().unwrap());
    assert_eq!(down, "DROP INDEX \"users_email_idx\";\nDROP TABLE \"users\";\n");
}
