use migrate_core::prelude::*;

#[migration]
pub fn up(s: &mut Schema) {
    s.alter_table("users", |t| {
        t.rename_column("display_name", "name");
        t.comment_column("name", "Shown next to posts and comments");
    });
}
