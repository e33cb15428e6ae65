use migrate_core::prelude::*;

/// `CREATE INDEX CONCURRENTLY` cannot run inside a transaction, hence `no_transaction`.
#[migration(no_transaction)]
pub fn up(s: &mut Schema) {
    s.create_index("posts", [expr("lower(title)")]).name("posts_lower_title_idx").concurrently();
}
