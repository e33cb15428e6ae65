mod m20240101000000_normalize_emails {
    use migrate_core::prelude::*;

    #[migration]
    pub fn up(s: &mut Schema) {
        s.backfill("users", "email = lower(email)");
    }
}

fn main() {}
