use migrate_core::prelude::*;

#[migration]
pub fn up(s: &mut Schema) {
    s.create_table("posts", |t| {
        t.bigint("id").identity().primary_key();
        // The foreign key to users comes in a later migration, added without blocking writes.
        t.bigint("author_id").not_null();
        t.text("title").not_null().check("length(title) BETWEEN 1 AND 200");
        t.text("slug").not_null().unique();
        t.text("body").not_null().default("");
        t.jsonb("metadata").not_null().default(sql("'{}'::jsonb"));
        t.timestamptz("published_at");
        t.timestamptz("created_at").not_null().default(now());
    });
    s.create_index("posts", [col("author_id"), col("published_at").desc()]);
    s.create_index("posts", [col("metadata").opclass("jsonb_path_ops")]).using("gin");
}
