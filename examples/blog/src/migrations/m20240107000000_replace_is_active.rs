use migrate_core::prelude::*;

/// Replaces the `is_active` flag with a timestamp. Dropping a column cannot be undone automatically, so
/// this migration has an explicit `down` that brings the flag back from the timestamp. Two lint errors
/// are acknowledged, with the reasons, in the attribute (they are shown by `status` and stored in the
/// history).
#[migration(allow(
    ban_drop_column = "the application reads deactivated_at since release 1.4; nothing reads is_active",
    backfill_with_ddl = "users is a small table: the UPDATE holds its lock for milliseconds"
))]
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
