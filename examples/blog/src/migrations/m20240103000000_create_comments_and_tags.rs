use migrate_core::prelude::*;

#[migration]
pub fn up(s: &mut Schema) {
    s.create_table("comments", |t| {
        t.bigint("id").identity().primary_key();
        t.bigint("post_id").not_null().references("posts", "id").on_delete(FkAction::Cascade);
        t.bigint("author_id").references("users", "id").on_delete(FkAction::SetNull);
        t.text("body").not_null();
        t.timestamptz("created_at").not_null().default(now());
    });
    s.create_index("comments", ["post_id", "created_at"]);

    s.create_table("tags", |t| {
        t.bigint("id").identity().primary_key();
        t.text("label").not_null().unique();
    });
    s.create_table("post_tags", |t| {
        t.bigint("post_id").not_null().references("posts", "id").on_delete(FkAction::Cascade);
        t.bigint("tag_id").not_null().references("tags", "id").on_delete(FkAction::Cascade);
        t.primary_key(["post_id", "tag_id"]);
    });
}
