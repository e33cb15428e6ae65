// A module that defines or imports its own `__MigrateMode` does not switch off the check that a
// migration without `down` records only reversible ops.
mod m20240101000000_defines_mode {
    use migrate_core::prelude::*;

    #[allow(non_camel_case_types, dead_code)]
    type __MigrateMode = migrate_core::schema::mode::WithDown;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.drop_table("legacy");
    }
}

mod m20240102000000_imports_mode {
    use migrate_core::prelude::*;
    #[allow(unused_imports)]
    use migrate_core::schema::mode::WithDown as __MigrateMode;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.drop_table("legacy");
    }
}

fn main() {}
