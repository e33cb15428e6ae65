// A month 13 in the file form: the const check names the part of the timestamp that is wrong.
mod m20241301000000_bad_month {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_schema("x");
    }
}

fn main() {}
