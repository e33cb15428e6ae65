//! Columns: add, drop, rename, type changes, NOT NULL, defaults, comments.

use super::cases::{Case, run, users};
use migrate_core::prelude::*;

#[tokio::test]
async fn columns() {
    run(
        "columns",
        &[
            Case {
                name: "add columns with defaults and constraints",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.boolean("active").not_null().default(true);
                        t.text("handle").unique().check("handle <> ''").comment("Public handle");
                        t.bigint("invited_by").references("users", "id").on_delete(FkAction::SetNull);
                    });
                },
                up: &[
                    r#"ALTER TABLE "users" ADD COLUMN "active" boolean NOT NULL DEFAULT true"#,
                    r#"ALTER TABLE "users" ADD COLUMN "handle" text, ADD CONSTRAINT "users_handle_key" UNIQUE ("handle"), ADD CONSTRAINT "users_handle_check" CHECK (handle <> '')"#,
                    r#"COMMENT ON COLUMN "users"."handle" IS 'Public handle'"#,
                    r#"ALTER TABLE "users" ADD COLUMN "invited_by" bigint, ADD CONSTRAINT "users_invited_by_fkey" FOREIGN KEY ("invited_by") REFERENCES "users" ("id") ON DELETE SET NULL"#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "users" DROP COLUMN "invited_by""#,
                    r#"ALTER TABLE "users" DROP COLUMN "handle""#,
                    r#"ALTER TABLE "users" DROP COLUMN "active""#,
                ]),
            },
            Case {
                name: "generated columns",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.integer("age_next_year").generated("age + 1");
                    });
                    s.create_table("boxes", |t| {
                        t.integer("w").not_null();
                        t.integer("h").not_null();
                        t.integer("area").not_null().generated("w * h");
                    });
                },
                up: &[
                    r#"ALTER TABLE "users" ADD COLUMN "age_next_year" integer GENERATED ALWAYS AS (age + 1) STORED"#,
                    r#"CREATE TABLE "boxes" ("w" integer NOT NULL, "h" integer NOT NULL, "area" integer GENERATED ALWAYS AS (w * h) STORED NOT NULL)"#,
                ],
                down: Some(&[r#"DROP TABLE "boxes""#, r#"ALTER TABLE "users" DROP COLUMN "age_next_year""#]),
            },
            Case {
                name: "add a NOT NULL column filled from existing data",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.text("handle").not_null().default("").backfill("coalesce(email, 'none')");
                    })
                },
                up: &[
                    r#"ALTER TABLE "users" ADD COLUMN "handle" text DEFAULT ''"#,
                    r#"UPDATE "users" SET "handle" = coalesce(email, 'none')"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "handle" SET NOT NULL"#,
                ],
                down: Some(&[r#"ALTER TABLE "users" DROP COLUMN "handle""#]),
            },
            Case {
                name: "backfill",
                setup: users,
                change: |s| {
                    s.backfill("users", "age = 0").where_("age IS NULL").batch_size(500);
                },
                up: &[r#"UPDATE "users" SET age = 0 WHERE age IS NULL"#],
                down: None,
            },
            Case {
                name: "drop_column",
                setup: users,
                change: |s| s.alter_table("users", |t| t.drop_column("age")),
                up: &[r#"ALTER TABLE "users" DROP COLUMN "age""#],
                down: None,
            },
            Case {
                name: "rename_column",
                setup: users,
                change: |s| s.alter_table("users", |t| t.rename_column("name", "full name")),
                up: &[r#"ALTER TABLE "users" RENAME COLUMN "name" TO "full name""#],
                down: Some(&[r#"ALTER TABLE "users" RENAME COLUMN "full name" TO "name""#]),
            },
            Case {
                name: "change_type with recorded old type",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.change_type("age", Integer, BigInt);
                        t.change_type("name", Text, Varchar(100));
                    })
                },
                up: &[
                    r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(100)"#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE text"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE integer"#,
                ]),
            },
            Case {
                name: "change_type with USING both ways",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.change_type("email", Text, Array(Text))
                            .using("string_to_array(email, ',')")
                            .using_down("array_to_string(email, ',')");
                    })
                },
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "email" TYPE text[] USING string_to_array(email, ',')"#],
                down: Some(&[r#"ALTER TABLE "users" ALTER COLUMN "email" TYPE text USING array_to_string(email, ',')"#]),
            },
            Case {
                name: "change_type_unrecorded",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.change_type_unrecorded("age", BigInt).using("age::bigint");
                    })
                },
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint USING age::bigint"#],
                down: None,
            },
            Case {
                name: "set_not_null",
                setup: users,
                change: |s| s.alter_table("users", |t| t.set_not_null("email")),
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL"#],
                down: Some(&[r#"ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL"#]),
            },
            Case {
                name: "drop_not_null",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| t.set_not_null("email"));
                },
                change: |s| s.alter_table("users", |t| t.drop_not_null("email")),
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL"#],
                down: Some(&[r#"ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL"#]),
            },
            Case {
                name: "set_default on a column without one",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.set_default("age", Integer, 18);
                        t.set_default("prefs", Jsonb, sql("'{}'::jsonb"));
                    })
                },
                up: &[
                    r#"ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 18"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "prefs" SET DEFAULT '{}'::jsonb"#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "users" ALTER COLUMN "prefs" DROP DEFAULT"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT"#,
                ]),
            },
            Case {
                name: "set_default replacing a previous default",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| {
                        t.set_default("name", Text, "anon");
                    });
                },
                change: |s| {
                    s.alter_table("users", |t| {
                        t.set_default("name", Text, "nobody").replacing("anon");
                    })
                },
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'nobody'"#],
                down: Some(&[r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'anon'"#]),
            },
            Case {
                name: "drop_default with the previous default recorded",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| {
                        t.set_default("age", Integer, 21);
                    });
                },
                change: |s| s.alter_table("users", |t| t.drop_default("age", Integer, 21)),
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT"#],
                down: Some(&[r#"ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 21"#]),
            },
            Case {
                name: "drop_default_unrecorded",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| {
                        t.set_default("age", Integer, 21);
                    });
                },
                change: |s| s.alter_table("users", |t| t.drop_default_unrecorded("age")),
                up: &[r#"ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT"#],
                down: None,
            },
            Case {
                name: "comment on column",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.comment_column("email", "Where we write; it's checked");
                    })
                },
                up: &[r#"COMMENT ON COLUMN "users"."email" IS 'Where we write; it''s checked'"#],
                down: Some(&[r#"COMMENT ON COLUMN "users"."email" IS NULL"#]),
            },
            Case {
                name: "comment on table replacing a previous one",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| {
                        t.comment("old");
                    });
                },
                change: |s| {
                    s.alter_table("users", |t| {
                        t.comment("new").replacing_comment("old");
                    })
                },
                up: &[r#"COMMENT ON TABLE "users" IS 'new'"#],
                down: Some(&[r#"COMMENT ON TABLE "users" IS 'old'"#]),
            },
        ],
    )
    .await;
}
