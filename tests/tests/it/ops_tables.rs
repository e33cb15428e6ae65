//! Tables: create (every column type, constraints, comments, identity), drop, rename, hostile names.

use super::cases::{Case, S, none, run, users};
use migrate_core::prelude::*;

fn teams(s: &mut S) {
    s.create_table("teams", |t| {
        t.integer("id").primary_key();
        t.integer("org");
        t.unique(["id", "org"]);
    });
}

#[tokio::test]
async fn tables() {
    run(
        "tables",
        &[
            Case {
                name: "create_table with every column type",
                setup: |s| s.create_enum("mood", ["ok", "sad"]),
                change: |s| {
                    s.create_table("all_types", |t| {
                        t.smallint("a");
                        t.integer("b");
                        t.bigint("c");
                        t.numeric("d", 10, 2);
                        t.column("d2", Numeric::any());
                        t.real("e");
                        t.double("f");
                        t.boolean("g");
                        t.text("h");
                        t.varchar("i", 255);
                        t.char("j", 3);
                        t.uuid("k");
                        t.bytea("l");
                        t.date("m");
                        t.time("n");
                        t.timestamp("o");
                        t.timestamptz("p");
                        t.interval("q");
                        t.json("r");
                        t.jsonb("s");
                        t.inet("t");
                        t.cidr("u");
                        t.array("v", Text);
                        t.array("w", Array(Integer));
                        t.enumeration("x", "mood");
                        t.array("y", EnumType("mood".into()));
                        t.named_type("z", "tsvector");
                    });
                },
                up: &[
                    r#"CREATE TABLE "all_types" ("a" smallint, "b" integer, "c" bigint, "d" numeric(10, 2), "d2" numeric, "e" real, "f" double precision, "g" boolean, "h" text, "i" varchar(255), "j" char(3), "k" uuid, "l" bytea, "m" date, "n" time, "o" timestamp, "p" timestamptz, "q" interval, "r" json, "s" jsonb, "t" inet, "u" cidr, "v" text[], "w" integer[][], "x" "mood", "y" "mood"[], "z" "tsvector")"#,
                ],
                down: Some(&[r#"DROP TABLE "all_types""#]),
            },
            Case {
                name: "create_table with typed defaults",
                setup: |s| s.create_enum("mood", ["ok", "sad"]),
                change: |s| {
                    s.create_table("defaults", |t| {
                        t.uuid("id").primary_key().default(gen_random_uuid());
                        t.boolean("active").not_null().default(false);
                        t.smallint("small").default(-3i16);
                        t.integer("count").not_null().default(0);
                        t.bigint("big").default(9_000_000_000i64);
                        t.numeric("price", 8, 2).default(19.99);
                        t.real("ratio").default(0.5f32);
                        t.double("nan").default(f64::NAN);
                        t.text("quote").default("it's a \\ test");
                        t.varchar("code", 8).default("abc");
                        t.enumeration("mood", "mood").default("sad");
                        t.array("tags", Text).default(vec!["a \"b\"", "c,d"]);
                        t.array("nums", Integer).default([1, 2, 3]);
                        t.jsonb("doc").not_null().default("{\"k\": [1]}");
                        t.timestamptz("at").default(now());
                        t.date("day").default(current_date());
                        t.interval("ttl").default(sql("'1 day'::interval"));
                    });
                },
                up: &[
                    r#"CREATE TABLE "defaults" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "active" boolean NOT NULL DEFAULT false, "small" smallint DEFAULT -3, "count" integer NOT NULL DEFAULT 0, "big" bigint DEFAULT 9000000000, "price" numeric(8, 2) DEFAULT 19.99, "ratio" real DEFAULT 0.5, "nan" double precision DEFAULT 'NaN', "quote" text DEFAULT 'it''s a \ test', "code" varchar(8) DEFAULT 'abc', "mood" "mood" DEFAULT 'sad', "tags" text[] DEFAULT '{"a \"b\"","c,d"}', "nums" integer[] DEFAULT '{1,2,3}', "doc" jsonb NOT NULL DEFAULT '{"k": [1]}', "at" timestamptz DEFAULT now(), "day" date DEFAULT CURRENT_DATE, "ttl" interval DEFAULT '1 day'::interval, CONSTRAINT "defaults_pkey" PRIMARY KEY ("id"))"#,
                ],
                down: Some(&[r#"DROP TABLE "defaults""#]),
            },
            Case {
                name: "create_table with identity columns",
                setup: none,
                change: |s| {
                    s.create_table("ids", |t| {
                        t.bigint("id").identity().primary_key();
                        t.integer("seq").identity_by_default();
                    });
                },
                up: &[
                    r#"CREATE TABLE "ids" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "seq" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL, CONSTRAINT "ids_pkey" PRIMARY KEY ("id"))"#,
                ],
                down: Some(&[r#"DROP TABLE "ids""#]),
            },
            Case {
                name: "create_table with constraints and comments",
                setup: teams,
                change: |s| {
                    s.create_table("members", |t| {
                        t.integer("team_id").not_null();
                        t.integer("org").not_null();
                        t.integer("user_no").not_null().check("user_no > 0").comment("Number within the team");
                        t.integer("buddy").references("teams", "id").on_delete(FkAction::SetNull).on_update(FkAction::Cascade);
                        t.text("nick").unique();
                        t.primary_key(["team_id", "user_no"]);
                        t.unique(["org", "nick"]).nulls_not_distinct();
                        t.check("members_nick_short", "length(nick) < 20");
                        t.foreign_key(["team_id", "org"], "teams", ["id", "org"]).on_delete(FkAction::Cascade).deferred();
                        t.comment("Team members; 'quoted'");
                    });
                },
                up: &[
                    r#"CREATE TABLE "members" ("team_id" integer NOT NULL, "org" integer NOT NULL, "user_no" integer NOT NULL, "buddy" integer, "nick" text, CONSTRAINT "members_user_no_check" CHECK (user_no > 0), CONSTRAINT "members_buddy_fkey" FOREIGN KEY ("buddy") REFERENCES "teams" ("id") ON DELETE SET NULL ON UPDATE CASCADE, CONSTRAINT "members_nick_key" UNIQUE ("nick"), CONSTRAINT "members_pkey" PRIMARY KEY ("team_id", "user_no"), CONSTRAINT "members_org_nick_key" UNIQUE NULLS NOT DISTINCT ("org", "nick"), CONSTRAINT "members_nick_short" CHECK (length(nick) < 20), CONSTRAINT "members_team_id_org_fkey" FOREIGN KEY ("team_id", "org") REFERENCES "teams" ("id", "org") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)"#,
                    r#"COMMENT ON TABLE "members" IS 'Team members; ''quoted'''"#,
                    r#"COMMENT ON COLUMN "members"."user_no" IS 'Number within the team'"#,
                ],
                down: Some(&[r#"DROP TABLE "members""#]),
            },
            Case {
                name: "drop_table",
                setup: users,
                change: |s| s.drop_table("users"),
                up: &[r#"DROP TABLE "users""#],
                down: None,
            },
            Case {
                name: "rename_table",
                setup: users,
                change: |s| s.rename_table("users", "people"),
                up: &[r#"ALTER TABLE "users" RENAME TO "people""#],
                down: Some(&[r#"ALTER TABLE "people" RENAME TO "users""#]),
            },
            Case {
                name: "hostile identifiers round-trip",
                setup: none,
                change: |s| {
                    s.create_table("Weird \"Table\"", |t| {
                        t.integer("select").primary_key();
                        t.text("with space").default("x'y");
                        t.text("ünïcødé 名前");
                        t.text("semi;colon -- not a comment");
                    });
                    s.create_index("Weird \"Table\"", ["ünïcødé 名前", "with space"]);
                    s.alter_table("Weird \"Table\"", |t| t.rename_column("select", "from"));
                },
                up: &[
                    r#"CREATE TABLE "Weird ""Table""" ("select" integer NOT NULL, "with space" text DEFAULT 'x''y', "ünïcødé 名前" text, "semi;colon -- not a comment" text, CONSTRAINT "Weird ""Table""_pkey" PRIMARY KEY ("select"))"#,
                    r#"CREATE INDEX "Weird ""Table""_ünïcødé 名前_with space_idx" ON "Weird ""Table""" ("ünïcødé 名前", "with space")"#,
                    r#"ALTER TABLE "Weird ""Table""" RENAME COLUMN "select" TO "from""#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "Weird ""Table""" RENAME COLUMN "from" TO "select""#,
                    r#"DROP INDEX "Weird ""Table""_ünïcødé 名前_with space_idx""#,
                    r#"DROP TABLE "Weird ""Table""""#,
                ]),
            },
            Case {
                name: "long derived names are shortened, not truncated by the server",
                setup: none,
                change: |s| {
                    s.create_table("a_table_with_quite_a_long_name_for_testing", |t| {
                        t.integer("a_column_with_a_long_name_one");
                        t.integer("a_column_with_a_long_name_two");
                    });
                    s.create_index(
                        "a_table_with_quite_a_long_name_for_testing",
                        ["a_column_with_a_long_name_one", "a_column_with_a_long_name_two"],
                    );
                    s.create_index(
                        "a_table_with_quite_a_long_name_for_testing",
                        ["a_column_with_a_long_name_two", "a_column_with_a_long_name_one"],
                    );
                },
                up: &[
                    r#"CREATE TABLE "a_table_with_quite_a_long_name_for_testing" ("a_column_with_a_long_name_one" integer, "a_column_with_a_long_name_two" integer)"#,
                    r#"CREATE INDEX "a_table_with_quite_a_long_name_for_testing_a_colum_89e8142b_idx" ON "a_table_with_quite_a_long_name_for_testing" ("a_column_with_a_long_name_one", "a_column_with_a_long_name_two")"#,
                    r#"CREATE INDEX "a_table_with_quite_a_long_name_for_testing_a_colum_23d4d372_idx" ON "a_table_with_quite_a_long_name_for_testing" ("a_column_with_a_long_name_two", "a_column_with_a_long_name_one")"#,
                ],
                down: Some(&[
                    r#"DROP INDEX "a_table_with_quite_a_long_name_for_testing_a_colum_23d4d372_idx""#,
                    r#"DROP INDEX "a_table_with_quite_a_long_name_for_testing_a_colum_89e8142b_idx""#,
                    r#"DROP TABLE "a_table_with_quite_a_long_name_for_testing""#,
                ]),
            },
        ],
    )
    .await;
}
