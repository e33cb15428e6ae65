// One statement of the literal has no derived inverse (the old type is not known): it needs a `down`.
mod m20240101000000_change {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.sql("CREATE TABLE t (a int); ALTER TABLE users ALTER COLUMN age TYPE bigint");
    }
}

fn main() {}
