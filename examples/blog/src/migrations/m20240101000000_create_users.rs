use migrate_core::prelude::*;

#[migration]
pub fn up(s: &mut Schema) {
    s.create_enum("user_role", ["reader", "author", "admin"]);
    s.create_table("users", |t| {
        t.bigint("id").identity().primary_key();
        t.text("email").not_null().unique();
        t.text("display_name").not_null();
        t.enumeration("role", "user_role").not_null().default("reader");
        t.boolean("is_active").not_null().default(true);
        t.timestamptz("created_at").not_null().default(now());
        t.comment("People who read and write the blog.");
    });
}
