//! Enums, extensions, schemas, views and raw SQL.

use super::cases::{Case, none, run, users};
use migrate_core::schema::ColumnMethods;

fn touch(s: &mut super::cases::S) {
    users(s);
    s.create_function("touch", |f| {
        f.returns_trigger().language("plpgsql").body("BEGIN NEW.age := coalesce(NEW.age, 0); RETURN NEW; END");
    });
}

fn touch_trigger(s: &mut super::cases::S) {
    touch(s);
    s.create_trigger("users", "users_touch", |t| {
        t.before().insert().for_each_row().execute("touch");
    });
}

fn totals(s: &mut super::cases::S) {
    users(s);
    s.create_materialized_view("ages", "SELECT age, count(*) AS n FROM users GROUP BY age");
}

fn positive(s: &mut super::cases::S) {
    use migrate_core::prelude::*;
    s.create_domain("positive", Integer, |d| {
        d.check("positive_check", "VALUE > 0");
    });
    s.create_table("scores", |t| {
        t.column("points", NamedType("positive".into()));
    });
}

fn mood(s: &mut super::cases::S) {
    s.create_enum("mood", ["ok", "sad"]);
}

#[tokio::test]
async fn types_and_objects() {
    run(
        "types",
        &[
            Case {
                name: "create_enum",
                setup: none,
                change: |s| s.create_enum("mood", ["ok", "it's fine", "sad"]),
                up: &[r#"CREATE TYPE "mood" AS ENUM ('ok', 'it''s fine', 'sad')"#],
                down: Some(&[r#"DROP TYPE "mood""#]),
            },
            Case {
                name: "add_enum_value",
                setup: mood,
                change: |s| {
                    s.add_enum_value("mood", "meh").before("sad");
                    s.add_enum_value("mood", "great").after("ok");
                    s.add_enum_value("mood", "angry");
                },
                up: &[
                    r#"ALTER TYPE "mood" ADD VALUE 'meh' BEFORE 'sad'"#,
                    r#"ALTER TYPE "mood" ADD VALUE 'great' AFTER 'ok'"#,
                    r#"ALTER TYPE "mood" ADD VALUE 'angry'"#,
                ],
                down: None,
            },
            Case {
                name: "rename_enum_value",
                setup: mood,
                change: |s| s.rename_enum_value("mood", "sad", "blue"),
                up: &[r#"ALTER TYPE "mood" RENAME VALUE 'sad' TO 'blue'"#],
                down: Some(&[r#"ALTER TYPE "mood" RENAME VALUE 'blue' TO 'sad'"#]),
            },
            Case {
                name: "drop_enum",
                setup: mood,
                change: |s| s.drop_enum("mood"),
                up: &[r#"DROP TYPE "mood""#],
                down: None,
            },
            Case {
                name: "create_sequence",
                setup: none,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_sequence("tickets", |q| {
                        q.as_type(Integer).start(100).increment(5).max(10000).cache(10).cycle();
                    })
                },
                up: &[
                    r#"CREATE SEQUENCE "tickets" AS integer INCREMENT BY 5 MAXVALUE 10000 START WITH 100 CACHE 10 CYCLE"#,
                ],
                down: Some(&[r#"DROP SEQUENCE "tickets""#]),
            },
            Case {
                name: "create_sequence owned by a column",
                setup: users,
                change: |s| s.create_sequence("users_age_seq", |q| {
                    q.owned_by("users", "age");
                }),
                up: &[r#"CREATE SEQUENCE "users_age_seq" OWNED BY "users"."age""#],
                down: Some(&[r#"DROP SEQUENCE "users_age_seq""#]),
            },
            Case {
                name: "drop_sequence",
                setup: |s| s.create_sequence("tickets", |_| {}),
                change: |s| s.drop_sequence("tickets"),
                up: &[r#"DROP SEQUENCE "tickets""#],
                down: None,
            },
            Case {
                name: "create_extension",
                setup: none,
                change: |s| s.create_extension("citext"),
                up: &[r#"CREATE EXTENSION "citext""#],
                down: Some(&[r#"DROP EXTENSION "citext""#]),
            },
            Case {
                name: "create_extension in a schema",
                setup: |s| s.create_schema("ext"),
                change: |s| s.create_extension_in("pg_trgm", "ext"),
                up: &[r#"CREATE EXTENSION "pg_trgm" SCHEMA "ext""#],
                down: Some(&[r#"DROP EXTENSION "pg_trgm""#]),
            },
            Case {
                name: "drop_extension",
                setup: |s| s.create_extension("citext"),
                change: |s| s.drop_extension("citext"),
                up: &[r#"DROP EXTENSION "citext""#],
                down: None,
            },
            Case {
                name: "create_schema",
                setup: none,
                change: |s| s.create_schema("Reporting Area"),
                up: &[r#"CREATE SCHEMA "Reporting Area""#],
                down: Some(&[r#"DROP SCHEMA "Reporting Area""#]),
            },
            Case {
                name: "drop_schema",
                setup: |s| s.create_schema("reporting"),
                change: |s| s.drop_schema("reporting"),
                up: &[r#"DROP SCHEMA "reporting""#],
                down: None,
            },
            Case {
                name: "create_view",
                setup: users,
                change: |s| {
                    s.create_view("adults", "SELECT id, email FROM users WHERE age >= 18");
                },
                up: &[r#"CREATE VIEW "adults" AS SELECT id, email FROM users WHERE age >= 18"#],
                down: Some(&[r#"DROP VIEW "adults""#]),
            },
            Case {
                name: "drop_view",
                setup: |s| {
                    users(s);
                    s.create_view("adults", "SELECT id FROM users WHERE age >= 18");
                },
                change: |s| s.drop_view("adults"),
                up: &[r#"DROP VIEW "adults""#],
                down: None,
            },
            Case {
                name: "create_view with options",
                setup: users,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_view("adults", "SELECT id, age FROM users WHERE age >= 18")
                        .security_barrier()
                        .check_option(CheckOption::Cascaded);
                },
                up: &[
                    r#"CREATE VIEW "adults" WITH (security_barrier = true) AS SELECT id, age FROM users WHERE age >= 18 WITH CASCADED CHECK OPTION"#,
                ],
                down: Some(&[r#"DROP VIEW "adults""#]),
            },
            Case {
                name: "create_materialized_view, its index, refresh",
                setup: users,
                change: |s| {
                    s.create_materialized_view("ages", "SELECT age, count(*) AS n FROM users GROUP BY age").with_no_data();
                    s.create_index("ages", ["age"]).unique();
                    s.refresh_materialized_view("ages");
                },
                up: &[
                    r#"CREATE MATERIALIZED VIEW "ages" AS SELECT age, count(*) AS n FROM users GROUP BY age WITH NO DATA"#,
                    r#"CREATE UNIQUE INDEX "ages_age_idx" ON "ages" ("age")"#,
                    r#"REFRESH MATERIALIZED VIEW "ages""#,
                ],
                down: Some(&[r#"DROP INDEX "ages_age_idx""#, r#"DROP MATERIALIZED VIEW "ages""#]),
            },
            Case {
                name: "drop_materialized_view",
                setup: totals,
                change: |s| s.drop_materialized_view("ages"),
                up: &[r#"DROP MATERIALIZED VIEW "ages""#],
                down: None,
            },
            Case {
                name: "create_composite_type",
                setup: none,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_composite_type("address", |c| {
                        c.field("street", Text).field("zip code", Varchar(10)).field("tags", "text[]");
                    })
                },
                up: &[r#"CREATE TYPE "address" AS ("street" text, "zip code" varchar(10), "tags" text[])"#],
                down: Some(&[r#"DROP TYPE "address""#]),
            },
            Case {
                name: "create_domain",
                setup: none,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_domain("score", SmallInt, |d| {
                        d.not_null().default("0").check("score_range", "VALUE BETWEEN 0 AND 100");
                    })
                },
                up: &[r#"CREATE DOMAIN "score" AS smallint DEFAULT 0 NOT NULL CONSTRAINT "score_range" CHECK (VALUE BETWEEN 0 AND 100)"#],
                down: Some(&[r#"DROP DOMAIN "score""#]),
            },
            Case {
                name: "add_domain_check not valid, then validate",
                setup: positive,
                change: |s| {
                    s.add_domain_check("positive", "small", "VALUE < 1000").not_valid();
                    s.validate_domain_check("positive", "small");
                },
                up: &[
                    r#"ALTER DOMAIN "positive" ADD CONSTRAINT "small" CHECK (VALUE < 1000) NOT VALID"#,
                    r#"ALTER DOMAIN "positive" VALIDATE CONSTRAINT "small""#,
                ],
                down: Some(&[r#"ALTER DOMAIN "positive" DROP CONSTRAINT "small""#]),
            },
            Case {
                name: "drop_domain_check",
                setup: positive,
                change: |s| s.drop_domain_check("positive", "positive_check"),
                up: &[r#"ALTER DOMAIN "positive" DROP CONSTRAINT "positive_check""#],
                down: None,
            },
            Case {
                name: "create_range_type",
                setup: none,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_range_type("float_range", Double, |r| {
                        r.subtype_diff("float8mi").multirange_type_name("float_ranges");
                    })
                },
                up: &[
                    r#"CREATE TYPE "float_range" AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi, MULTIRANGE_TYPE_NAME = float_ranges)"#,
                ],
                down: Some(&[r#"DROP TYPE "float_range""#]),
            },
            Case {
                name: "drop_type and drop_domain",
                setup: |s| {
                    use migrate_core::prelude::*;
                    s.create_composite_type("pair", |c| {
                        c.field("a", Integer).field("b", Integer);
                    });
                    s.create_domain("label", Text, |_| {});
                },
                change: |s| {
                    s.drop_type("pair");
                    s.drop_domain("label");
                },
                up: &[r#"DROP TYPE "pair""#, r#"DROP DOMAIN "label""#],
                down: None,
            },
            Case {
                name: "comment_on a function, a constraint, an index, a trigger, a domain, a materialized view",
                setup: |s| {
                    touch_trigger(s);
                    s.create_materialized_view("ages", "SELECT age, count(*) AS n FROM users GROUP BY age");
                    s.create_index("users", ["email"]);
                    s.create_domain("label", migrate_core::prelude::Text, |_| {});
                },
                change: |s| {
                    use migrate_core::prelude::*;
                    let function = CommentTarget::Function { name: "touch".into(), arg_types: vec![], kind: Default::default() };
                    s.comment_on(function, "Sets the age.");
                    s.comment_on(CommentTarget::Constraint { table: "users".into(), name: "users_pkey".into() }, "The key.");
                    s.comment_on(CommentTarget::Index { name: "users_email_idx".into() }, "Lookups.");
                    s.comment_on(CommentTarget::Trigger { table: "users".into(), name: "users_touch".into() }, "On insert.");
                    s.comment_on(CommentTarget::Domain { name: "label".into() }, "A label.");
                    s.comment_on(CommentTarget::MaterializedView { name: "ages".into() }, "Counts.");
                },
                up: &[
                    r#"COMMENT ON FUNCTION "touch"() IS 'Sets the age.'"#,
                    r#"COMMENT ON CONSTRAINT "users_pkey" ON "users" IS 'The key.'"#,
                    r#"COMMENT ON INDEX "users_email_idx" IS 'Lookups.'"#,
                    r#"COMMENT ON TRIGGER "users_touch" ON "users" IS 'On insert.'"#,
                    r#"COMMENT ON DOMAIN "label" IS 'A label.'"#,
                    r#"COMMENT ON MATERIALIZED VIEW "ages" IS 'Counts.'"#,
                ],
                down: Some(&[
                    r#"COMMENT ON MATERIALIZED VIEW "ages" IS NULL"#,
                    r#"COMMENT ON DOMAIN "label" IS NULL"#,
                    r#"COMMENT ON TRIGGER "users_touch" ON "users" IS NULL"#,
                    r#"COMMENT ON INDEX "users_email_idx" IS NULL"#,
                    r#"COMMENT ON CONSTRAINT "users_pkey" ON "users" IS NULL"#,
                    r#"COMMENT ON FUNCTION "touch"() IS NULL"#,
                ]),
            },
            Case {
                name: "exclusion constraints: in create_table and added",
                setup: users,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_table("slots", |t| {
                        t.integer("room");
                        t.named_type("during", "int4range");
                        t.exclude("slots_no_overlap", "USING gist (during WITH &&) WHERE (room IS NOT NULL)");
                    });
                    s.alter_table("users", |t| {
                        t.add_exclusion("users_one_email", "USING btree (email WITH =)");
                    });
                },
                up: &[
                    r#"CREATE TABLE "slots" ("room" integer, "during" "int4range", CONSTRAINT "slots_no_overlap" EXCLUDE USING gist (during WITH &&) WHERE (room IS NOT NULL))"#,
                    r#"ALTER TABLE "users" ADD CONSTRAINT "users_one_email" EXCLUDE USING btree (email WITH =)"#,
                ],
                down: Some(&[r#"ALTER TABLE "users" DROP CONSTRAINT "users_one_email""#, r#"DROP TABLE "slots""#]),
            },
            Case {
                name: "set_statistics, reindex",
                setup: |s| {
                    users(s);
                    s.create_index("users", ["email"]);
                    s.set_statistics("users", "age", 100);
                },
                change: |s| {
                    s.set_statistics("users", "email", 500);
                    s.set_statistics("users", "age", 50).replacing(100);
                    s.reindex_index("users_email_idx").concurrently();
                    s.reindex_table("users");
                },
                up: &[
                    r#"ALTER TABLE "users" ALTER COLUMN "email" SET STATISTICS 500"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "age" SET STATISTICS 50"#,
                    r#"REINDEX INDEX CONCURRENTLY "users_email_idx""#,
                    r#"REINDEX TABLE "users""#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "users" ALTER COLUMN "age" SET STATISTICS 100"#,
                    r#"ALTER TABLE "users" ALTER COLUMN "email" SET STATISTICS -1"#,
                ]),
            },
            Case {
                name: "add_unique_using_index, add_primary_key_using_index",
                setup: |s| {
                    use migrate_core::prelude::*;
                    s.create_table("codes", |t| {
                        t.text("code").not_null();
                        t.text("label");
                    });
                    s.create_index("codes", ["code"]).unique().name("codes_code_idx");
                    s.create_index("codes", ["label"]).unique().name("codes_label_idx");
                },
                change: |s| {
                    s.alter_table("codes", |t| {
                        t.add_primary_key_using_index("codes_pkey", "codes_code_idx");
                        t.add_unique_using_index("codes_label_key", "codes_label_idx");
                    });
                },
                up: &[
                    r#"ALTER TABLE "codes" ADD CONSTRAINT "codes_pkey" PRIMARY KEY USING INDEX "codes_code_idx""#,
                    r#"ALTER TABLE "codes" ADD CONSTRAINT "codes_label_key" UNIQUE USING INDEX "codes_label_idx""#,
                ],
                down: None,
            },
            Case {
                name: "partitioned table, partitions",
                setup: none,
                change: |s| {
                    s.create_table("events", |t| {
                        t.bigint("id").not_null();
                        t.date("at").not_null();
                        t.text("kind").default("x");
                        t.primary_key(["id", "at"]);
                        t.partition_by("RANGE (at)");
                    });
                    s.create_partition("events_2026", "events", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")
                        .partition_by("LIST (id)");
                    s.create_partition("events_2026_x", "events_2026", "FOR VALUES IN (1, 2)");
                    s.create_partition("events_other", "events", "DEFAULT");
                },
                up: &[
                    r#"CREATE TABLE "events" ("id" bigint NOT NULL, "at" date NOT NULL, "kind" text DEFAULT 'x', CONSTRAINT "events_pkey" PRIMARY KEY ("id", "at")) PARTITION BY RANGE (at)"#,
                    r#"CREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (id)"#,
                    r#"CREATE TABLE "events_2026_x" PARTITION OF "events_2026" FOR VALUES IN (1, 2)"#,
                    r#"CREATE TABLE "events_other" PARTITION OF "events" DEFAULT"#,
                ],
                down: Some(&[
                    r#"DROP TABLE "events_other""#,
                    r#"DROP TABLE "events_2026_x""#,
                    r#"DROP TABLE "events_2026""#,
                    r#"DROP TABLE "events""#,
                ]),
            },
            Case {
                name: "attach_partition, detach_partition",
                setup: |s| {
                    s.create_table("events", |t| {
                        t.bigint("id");
                        t.date("at");
                        t.partition_by("RANGE (at)");
                    });
                    s.create_partition("events_2026", "events", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
                    s.create_table("events_2025", |t| {
                        t.bigint("id");
                        t.date("at");
                    });
                },
                change: |s| {
                    s.attach_partition("events", "events_2025", "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
                    s.detach_partition("events", "events_2026", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
                },
                up: &[
                    r#"ALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"#,
                    r#"ALTER TABLE "events" DETACH PARTITION "events_2026""#,
                ],
                down: Some(&[
                    r#"ALTER TABLE "events" ATTACH PARTITION "events_2026" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"#,
                    r#"ALTER TABLE "events" DETACH PARTITION "events_2025""#,
                ]),
            },
            Case {
                name: "row-level security, policies",
                setup: users,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.enable_row_level_security("users");
                    s.force_row_level_security("users");
                    s.create_policy("users", "users_read", |p| {
                        p.command(PolicyCommand::Select).using("age > 17");
                    });
                    s.create_policy("users", "users_write", |p| {
                        p.restrictive().command(PolicyCommand::Insert).to(["postgres", "CURRENT_USER"]).with_check("email IS NOT NULL");
                    });
                },
                up: &[
                    r#"ALTER TABLE "users" ENABLE ROW LEVEL SECURITY"#,
                    r#"ALTER TABLE "users" FORCE ROW LEVEL SECURITY"#,
                    r#"CREATE POLICY "users_read" ON "users" FOR SELECT USING (age > 17)"#,
                    r#"CREATE POLICY "users_write" ON "users" AS RESTRICTIVE FOR INSERT TO "postgres", CURRENT_USER WITH CHECK (email IS NOT NULL)"#,
                ],
                down: Some(&[
                    r#"DROP POLICY "users_write" ON "users""#,
                    r#"DROP POLICY "users_read" ON "users""#,
                    r#"ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY"#,
                    r#"ALTER TABLE "users" DISABLE ROW LEVEL SECURITY"#,
                ]),
            },
            Case {
                name: "drop_policy",
                setup: |s| {
                    users(s);
                    s.create_policy("users", "users_read", |p| {
                        p.using("true");
                    });
                },
                change: |s| s.drop_policy("users", "users_read"),
                up: &[r#"DROP POLICY "users_read" ON "users""#],
                down: None,
            },
            Case {
                name: "create_index with storage parameters",
                setup: users,
                change: |s| {
                    s.create_index("users", ["age"]).using("brin").with("pages_per_range", "16");
                },
                up: &[r#"CREATE INDEX "users_age_idx" ON "users" USING "brin" ("age") WITH (pages_per_range=16)"#],
                down: Some(&[r#"DROP INDEX "users_age_idx""#]),
            },
            Case {
                name: "sql_with_down",
                setup: users,
                change: |s| {
                    s.sql_with_down(
                        "CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$",
                        "DROP FUNCTION user_count()",
                    );
                },
                up: &["CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$"],
                down: Some(&["DROP FUNCTION user_count()"]),
            },
            Case {
                name: "create_function",
                setup: none,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_function("add", |f| {
                        f.arg("a", Integer)
                            .arg("b", Integer)
                            .default_value("1")
                            .returns(Integer)
                            .language("sql")
                            .immutable()
                            .strict()
                            .option("PARALLEL SAFE")
                            .body("SELECT a + b");
                    })
                },
                up: &["CREATE FUNCTION \"add\"(\"a\" integer, \"b\" integer DEFAULT 1) RETURNS integer LANGUAGE \"sql\" IMMUTABLE STRICT PARALLEL SAFE\nAS $function$SELECT a + b$function$"],
                down: Some(&[r#"DROP FUNCTION "add"(integer, integer)"#]),
            },
            Case {
                name: "create_function with a BEGIN ATOMIC body, OUT and VARIADIC arguments",
                setup: users,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_function("adults", |f| {
                        f.arg("min_age", Integer).out_arg("n", BigInt).language("sql").stable().security_definer();
                        f.returns(BigInt).atomic_body("SELECT count(*) FROM users WHERE age >= min_age;");
                    });
                    s.create_function("joined", |f| {
                        f.variadic_arg("parts", Array(Text)).returns(Text).language("sql").body("SELECT array_to_string(parts, ',')");
                    });
                },
                up: &[
                    "CREATE FUNCTION \"adults\"(\"min_age\" integer, OUT \"n\" bigint) RETURNS bigint LANGUAGE \"sql\" STABLE SECURITY DEFINER\nBEGIN ATOMIC\nSELECT count(*) FROM users WHERE age >= min_age;\nEND",
                    "CREATE FUNCTION \"joined\"(VARIADIC \"parts\" text[]) RETURNS text LANGUAGE \"sql\"\nAS $function$SELECT array_to_string(parts, ',')$function$",
                ],
                down: Some(&[r#"DROP FUNCTION "joined"(text[])"#, r#"DROP FUNCTION "adults"(integer)"#]),
            },
            Case {
                name: "create_procedure",
                setup: users,
                change: |s| {
                    use migrate_core::prelude::*;
                    s.create_procedure("forget", |p| {
                        p.arg("", Integer).language("plpgsql").body("BEGIN DELETE FROM users WHERE id = $1; END");
                    })
                },
                up: &["CREATE PROCEDURE \"forget\"(integer) LANGUAGE \"plpgsql\"\nAS $function$BEGIN DELETE FROM users WHERE id = $1; END$function$"],
                down: Some(&[r#"DROP PROCEDURE "forget"(integer)"#]),
            },
            Case {
                name: "replace_function",
                setup: touch,
                change: |s| {
                    s.replace_function("touch", |f| {
                        f.returns_trigger().language("plpgsql").body("BEGIN RETURN NEW; END");
                    })
                },
                up: &["CREATE OR REPLACE FUNCTION \"touch\"() RETURNS trigger LANGUAGE \"plpgsql\"\nAS $function$BEGIN RETURN NEW; END$function$"],
                down: None,
            },
            Case {
                name: "drop_function",
                setup: touch,
                change: |s| s.drop_function("touch", std::iter::empty::<&str>()),
                up: &[r#"DROP FUNCTION "touch"()"#],
                down: None,
            },
            Case {
                name: "create_trigger",
                setup: touch,
                change: |s| {
                    s.create_trigger("users", "users_touch", |t| {
                        t.before().insert().update_of(["age", "name"]).for_each_row().when("NEW.age IS NULL").execute("touch").arg("'it''s'");
                    });
                    s.create_trigger("users", "users_truncated", |t| {
                        t.after().truncate().execute("touch");
                    });
                    s.create_trigger("users", "users_changed", |t| {
                        t.after().update().old_table("before").new_table("after").execute("touch");
                    });
                },
                up: &[
                    r#"CREATE TRIGGER "users_touch" BEFORE INSERT OR UPDATE OF "age", "name" ON "users" FOR EACH ROW WHEN (NEW.age IS NULL) EXECUTE FUNCTION "touch"('it''s')"#,
                    r#"CREATE TRIGGER "users_truncated" AFTER TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION "touch"()"#,
                    r#"CREATE TRIGGER "users_changed" AFTER UPDATE ON "users" REFERENCING OLD TABLE AS "before" NEW TABLE AS "after" FOR EACH STATEMENT EXECUTE FUNCTION "touch"()"#,
                ],
                down: Some(&[
                    r#"DROP TRIGGER "users_changed" ON "users""#,
                    r#"DROP TRIGGER "users_truncated" ON "users""#,
                    r#"DROP TRIGGER "users_touch" ON "users""#,
                ]),
            },
            Case {
                name: "disable_trigger",
                setup: touch_trigger,
                change: |s| s.disable_trigger("users", "users_touch"),
                up: &[r#"ALTER TABLE "users" DISABLE TRIGGER "users_touch""#],
                down: Some(&[r#"ALTER TABLE "users" ENABLE TRIGGER "users_touch""#]),
            },
            Case {
                name: "drop_trigger",
                setup: touch_trigger,
                change: |s| s.drop_trigger("users", "users_touch"),
                up: &[r#"DROP TRIGGER "users_touch" ON "users""#],
                down: None,
            },
            Case {
                name: "sql without down, its statement with an inverse",
                setup: users,
                change: |s| {
                    s.sql("ALTER TABLE users ADD COLUMN legacy text");
                },
                up: &["ALTER TABLE users ADD COLUMN legacy text"],
                down: Some(&[r#"ALTER TABLE "users" DROP COLUMN "legacy""#]),
            },
            Case {
                name: "sql without down, its statement without an inverse",
                setup: users,
                change: |s| {
                    s.sql("ALTER TABLE users ALTER COLUMN age TYPE bigint");
                },
                up: &["ALTER TABLE users ALTER COLUMN age TYPE bigint"],
                down: None,
            },
        ],
    )
    .await;
}

/// `REFRESH MATERIALIZED VIEW [CONCURRENTLY]` fills a view created empty, and its derived down is
/// nothing; refreshing concurrently without a unique index is refused by the model before it runs.
#[tokio::test]
async fn refresh_materialized_view() {
    let db = migrate_tests::TestDb::new("ops_refresh").await;
    let mut s = super::cases::S::in_mode();
    users(&mut s);
    s.create_materialized_view("ages", "SELECT age, count(*) AS n FROM users GROUP BY age").with_no_data();
    s.create_index("ages", ["age"]).unique();
    migrate_tests::apply(&db.client, &s.finish().unwrap()).await.unwrap();
    let populated = async || -> bool {
        db.client.query_one("SELECT relispopulated FROM pg_class WHERE relname = 'ages'", &[]).await.unwrap().get(0)
    };
    assert!(!populated().await);
    db.client.batch_execute("INSERT INTO users (id, age) VALUES (1, 30), (2, 30)").await.unwrap();
    let mut s = super::cases::S::in_mode();
    s.refresh_materialized_view("ages");
    s.refresh_materialized_view("ages").concurrently();
    let ops = s.finish().unwrap();
    assert!(migrate_core::reverse::reverse_ops(&ops).unwrap().is_empty());
    migrate_tests::apply(&db.client, &ops).await.unwrap();
    assert!(populated().await);
    let n: i64 = db.client.query_one("SELECT n FROM ages WHERE age = 30", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    // Without a unique index, CONCURRENTLY fails in PostgreSQL: the model says so first.
    let mut model = migrate_core::model::Model::default();
    let mut s = super::cases::S::in_mode();
    users(&mut s);
    s.create_materialized_view("plain", "SELECT 1 AS one");
    s.refresh_materialized_view("plain").concurrently();
    let problems: Vec<String> =
        s.finish().unwrap().iter().flat_map(|op| model.apply(op, 1)).map(|p| p.message).collect();
    assert!(problems.iter().any(|p| p.contains("needs a unique index on `plain`")), "{problems:?}");
}
