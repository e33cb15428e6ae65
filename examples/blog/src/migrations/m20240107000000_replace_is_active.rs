use migrate_core::prelude::*;

/// Replaces the `is_active` flag with a timestamp. Dropping a column cannot be undone automatically, so
/// this migration has an explicit `down` that brings the flag back from the timestamp.
#[migration]
pub fn up(s: &mut Schema) {
    s.alter_table("users", |t| {
        t.timestamptz("deactivated_at");
    });
    s.sql("UPDATE users SET deactivated_at = now() WHERE NOT is_active");
    s.alter_table("users", |t| t.drop_column("is_active"));
}

#[migration]
pub fn down(s: &mut Schema) {
    s.alter_table("users", |t| {
        t.boolean("is_active").not_null().default(true);
    });
    s.sql("UPDATE users SET is_active = false WHERE deactivated_at IS NOT NULL");
    s.alter_table("users", |t| t.drop_column("deactivated_at"));
}
