//! Indexes and constraints on existing tables.

use super::cases::{Case, run, users};
use migrate_core::prelude::*;

#[tokio::test]
async fn indexes() {
    run(
        "indexes",
        &[
            Case {
                name: "create_index with a derived name",
                setup: users,
                change: |s| {
                    s.create_index("users", ["email"]);
                },
                up: &[r#"CREATE INDEX "users_email_idx" ON "users" ("email")"#],
                down: Some(&[r#"DROP INDEX "users_email_idx""#]),
            },
            Case {
                name: "unique multi-column index",
                setup: users,
                change: |s| {
                    s.create_index("users", ["name", "age"]).unique();
                },
                up: &[r#"CREATE UNIQUE INDEX "users_name_age_idx" ON "users" ("name", "age")"#],
                down: Some(&[r#"DROP INDEX "users_name_age_idx""#]),
            },
            Case {
                name: "expression index with DESC and an explicit name",
                setup: users,
                change: |s| {
                    s.create_index("users", [expr("lower(email)"), col("age").desc()]).name("users_lower_email_idx");
                },
                up: &[r#"CREATE INDEX "users_lower_email_idx" ON "users" ((lower(email)), "age" DESC)"#],
                down: Some(&[r#"DROP INDEX "users_lower_email_idx""#]),
            },
            Case {
                name: "gin index with an operator class",
                setup: users,
                change: |s| {
                    s.create_index("users", [col("prefs").opclass("jsonb_path_ops")]).using("gin");
                },
                up: &[r#"CREATE INDEX "users_prefs_idx" ON "users" USING "gin" ("prefs" "jsonb_path_ops")"#],
                down: Some(&[r#"DROP INDEX "users_prefs_idx""#]),
            },
            Case {
                name: "partial covering index",
                setup: users,
                change: |s| {
                    s.create_index("users", ["email"]).include(["name"]).where_("age >= 18").name("adults_by_email");
                },
                up: &[r#"CREATE INDEX "adults_by_email" ON "users" ("email") INCLUDE ("name") WHERE age >= 18"#],
                down: Some(&[r#"DROP INDEX "adults_by_email""#]),
            },
            Case {
                name: "unique index with NULLS NOT DISTINCT",
                setup: users,
                change: |s| {
                    s.create_index("users", ["email"]).unique().nulls_not_distinct();
                },
                up: &[r#"CREATE UNIQUE INDEX "users_email_idx" ON "users" ("email") NULLS NOT DISTINCT"#],
                down: Some(&[r#"DROP INDEX "users_email_idx""#]),
            },
            Case {
                name: "index built concurrently, dropped concurrently",
                setup: users,
                change: |s| {
                    s.create_index("users", ["name"]).concurrently();
                },
                up: &[r#"CREATE INDEX CONCURRENTLY "users_name_idx" ON "users" ("name")"#],
                down: Some(&[r#"DROP INDEX CONCURRENTLY "users_name_idx""#]),
            },
            Case {
                name: "drop_index",
                setup: |s| {
                    users(s);
                    s.create_index("users", ["email"]);
                },
                change: |s| {
                    s.drop_index("users_email_idx").concurrently();
                },
                up: &[r#"DROP INDEX CONCURRENTLY "users_email_idx""#],
                down: None,
            },
            Case {
                name: "rename_index",
                setup: |s| {
                    users(s);
                    s.create_index("users", ["email"]);
                },
                change: |s| s.rename_index("users_email_idx", "by_email"),
                up: &[r#"ALTER INDEX "users_email_idx" RENAME TO "by_email""#],
                down: Some(&[r#"ALTER INDEX "by_email" RENAME TO "users_email_idx""#]),
            },
        ],
    )
    .await;
}

fn posts(s: &mut super::cases::S) {
    users(s);
    s.create_table("posts", |t| {
        t.bigint("id");
        t.bigint("author_id");
        t.text("slug");
    });
}

#[tokio::test]
async fn constraints() {
    run(
        "constraints",
        &[
            Case {
                name: "add_check NOT VALID",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.add_check("users_age_positive", "age > 0").not_valid();
                    })
                },
                up: &[r#"ALTER TABLE "users" ADD CONSTRAINT "users_age_positive" CHECK (age > 0) NOT VALID"#],
                down: Some(&[r#"ALTER TABLE "users" DROP CONSTRAINT "users_age_positive""#]),
            },
            Case {
                name: "add_unique",
                setup: users,
                change: |s| {
                    s.alter_table("users", |t| {
                        t.add_unique("users_email_name_key", ["email", "name"]);
                    })
                },
                up: &[r#"ALTER TABLE "users" ADD CONSTRAINT "users_email_name_key" UNIQUE ("email", "name")"#],
                down: Some(&[r#"ALTER TABLE "users" DROP CONSTRAINT "users_email_name_key""#]),
            },
            Case {
                name: "add_primary_key",
                setup: posts,
                // PostgreSQL makes key columns NOT NULL: setting it first keeps the down exact.
                change: |s| {
                    s.alter_table("posts", |t| {
                        t.set_not_null("id");
                        t.add_primary_key("posts_pkey", ["id"]);
                    })
                },
                up: &[
                    r#"ALTER TABLE "posts" ALTER COLUMN "id" SET NOT NULL"#,
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_pkey" PRIMARY KEY ("id")"#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "posts" DROP CONSTRAINT "posts_pkey""#,
                    r#"ALTER TABLE "posts" ALTER COLUMN "id" DROP NOT NULL"#,
                ]),
            },
            Case {
                name: "add_foreign_key with actions, deferred",
                setup: posts,
                change: |s| {
                    s.alter_table("posts", |t| {
                        t.add_foreign_key("posts_author_fk", ["author_id"], "users", ["id"])
                            .on_delete(FkAction::Cascade)
                            .on_update(FkAction::Restrict)
                            .deferred();
                    })
                },
                up: &[
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED"#,
                ],
                down: Some(&[r#"ALTER TABLE "posts" DROP CONSTRAINT "posts_author_fk""#]),
            },
            Case {
                name: "add_foreign_key NOT VALID then VALIDATE",
                setup: posts,
                change: |s| {
                    s.alter_table("posts", |t| {
                        t.add_foreign_key("posts_author_fk", ["author_id"], "users", ["id"]).not_valid();
                        t.validate_constraint("posts_author_fk");
                    })
                },
                up: &[
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "users" ("id") NOT VALID"#,
                    r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_author_fk""#,
                ],
                down: Some(&[r#"ALTER TABLE "posts" DROP CONSTRAINT "posts_author_fk""#]),
            },
            Case {
                name: "drop_constraint",
                setup: |s| {
                    users(s);
                    s.alter_table("users", |t| {
                        t.add_check("users_age_positive", "age > 0");
                    });
                },
                change: |s| s.alter_table("users", |t| t.drop_constraint("users_age_positive")),
                up: &[r#"ALTER TABLE "users" DROP CONSTRAINT "users_age_positive""#],
                down: None,
            },
            Case {
                name: "rename_constraint",
                setup: users,
                change: |s| s.alter_table("users", |t| t.rename_constraint("users_pkey", "users_primary")),
                up: &[r#"ALTER TABLE "users" RENAME CONSTRAINT "users_pkey" TO "users_primary""#],
                down: Some(&[r#"ALTER TABLE "users" RENAME CONSTRAINT "users_primary" TO "users_pkey""#]),
            },
        ],
    )
    .await;
}

/// VALIDATE alone changes the catalog (convalidated) but its down is empty: checked on its own.
#[tokio::test]
async fn validate_constraint_has_an_empty_down() {
    let db = migrate_tests::TestDb::new("validate").await;
    let mut setup = super::cases::S::in_mode();
    posts(&mut setup);
    setup.alter_table("posts", |t| {
        t.add_check("posts_slug_nonempty", "slug <> ''").not_valid();
    });
    migrate_tests::apply(&db.client, &setup.finish().unwrap()).await.unwrap();
    let mut s = Schema::new();
    s.alter_table("posts", |t| t.validate_constraint("posts_slug_nonempty"));
    let ops = s.finish().unwrap();
    migrate_tests::apply(&db.client, &ops).await.unwrap();
    let validated: bool = db
        .client
        .query_one("select convalidated from pg_constraint where conname = 'posts_slug_nonempty'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(validated);
    assert_eq!(migrate_core::reverse::reverse_ops(&ops).unwrap(), vec![]);
}
