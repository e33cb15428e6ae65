// `unsafe`, `extern` and `const` migration functions get a message naming the expected signature.
mod m20240101000000_unsafe_up {
    use migrate_core::prelude::*;

    #[migration]
    pub unsafe fn up(s: &mut Schema) {
        s.create_schema("a");
    }
}

mod m20240102000000_extern_up {
    use migrate_core::prelude::*;

    #[migration]
    pub extern "C" fn up(s: &mut Schema) {
        s.create_schema("b");
    }
}

mod m20240103000000_const_down {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.create_schema("c");
    }

    #[migration]
    pub const fn down(_s: &mut Schema) {}
}

fn main() {}
