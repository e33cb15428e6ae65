// The attribute is on `fn up`, so the name is checked at compile time through `module_path!()`.
mod create_users {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }
}

fn main() {}
