use migrate_core::prelude::*;

/// A foreign key on an existing table: added NOT VALID (instant), then validated in a transaction of its
/// own (`no_transaction` makes each op its own step), which lets writes through.
#[migration(no_transaction)]
pub fn up(s: &mut Schema) {
    s.alter_table("posts", |t| {
        t.add_foreign_key("posts_author_id_fkey", ["author_id"], "users", ["id"]).on_delete(FkAction::Cascade).not_valid();
        t.validate_constraint("posts_author_id_fkey");
    });
}
