// A change to a type that cannot hold every value of the old one needs a `down`: the derived down
// would change the type back, not give back what was refused, rounded or cut off.
mod m20240101000000_narrow {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.alter_table("users", |t| {
            t.change_type("visits", BigInt, Integer);
            t.change_type("name", Text, Varchar(50));
            t.change_type("price", Numeric::new(8, 2), Integer);
            t.change_type("seen", Timestamptz, Date);
        });
    }
}

fn main() {}
