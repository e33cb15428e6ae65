//! Every lint rule on a case it must report and a case it must accept, and the schema model's checks.

use migrate_core::Schema;
use migrate_core::lint::{Finding, LintConfig, Severity, lint};
use migrate_core::prelude::*;
use migrate_core::registry::Migration;
use migrate_core::schema::mode::ExplicitDown;

type S = Schema<ExplicitDown>;

/// The helper's migration, marked irreversible when its ops have no derived down (the helper gives it
/// an empty down, which `inexact-down` would report: the rules under test here are others).
fn mig(version: u64, transaction: bool, f: impl FnOnce(&mut S)) -> Migration {
    let mut m = migrate_tests::migration(version, transaction, f);
    if matches!(&m.down, migrate_core::registry::Down::Explicit(ops) if ops.is_empty()) {
        m.down = migrate_core::registry::Down::Irreversible { reason: "a test of other rules".into() };
    }
    m
}

/// A table that exists before the migration under test, with rows in production.
fn base(s: &mut S) {
    s.create_enum("mood", ["ok", "sad"]);
    s.create_table("users", |t| {
        t.bigint("id").primary_key();
        t.text("email");
        t.varchar("code", 10);
        t.integer("age");
        t.numeric("price", 8, 2);
        t.cidr("net");
    });
    s.create_table("posts", |t| {
        t.bigint("id").primary_key();
        t.bigint("user_id");
    });
    s.create_index("users", ["email"]);
}

fn findings_with(config: &LintConfig, transaction: bool, change: impl FnOnce(&mut S)) -> Vec<Finding> {
    let all = [mig(1, true, base), mig(2, transaction, change)];
    lint(&all, config).into_iter().filter(|f| f.version == 2).collect()
}

/// Rules run as a plain linter: with `safe_operations` off, the runner applies changes as written, so
/// every rule about locks speaks.
fn plain() -> LintConfig {
    LintConfig { safe_operations: false, ..LintConfig::default() }
}

fn ids_tx(transaction: bool, change: impl FnOnce(&mut S)) -> Vec<&'static str> {
    findings_with(&plain(), transaction, change).iter().map(|f| f.rule.id()).collect()
}

fn ids(change: impl FnOnce(&mut S)) -> Vec<&'static str> {
    ids_tx(true, change)
}

/// Asserts the rule reports `bad` (with the table named in the message) and not `good`.
fn lint_err_ok(rule: &str, bad: Vec<&'static str>, good: Vec<&'static str>) {
    assert!(bad.contains(&rule), "`{rule}` did not report its error case; got {bad:?}");
    assert!(!good.contains(&rule), "`{rule}` reported its ok case; got {good:?}");
}

#[test]
fn require_concurrent_index_creation() {
    lint_err_ok(
        "require-concurrent-index-creation",
        ids(|s| {
            s.create_index("users", ["age"]);
        }),
        ids_tx(false, |s| {
            s.create_index("users", ["age"]).concurrently();
        }),
    );
    // An index on a table created in the same migration is fine.
    let fresh = ids(|s| {
        s.create_table("fresh", |t| {
            t.integer("a");
        });
        {
            s.create_index("fresh", ["a"]);
        };
    });
    assert!(!fresh.contains(&"require-concurrent-index-creation"), "{fresh:?}");
}

#[test]
fn require_concurrent_index_deletion() {
    lint_err_ok(
        "require-concurrent-index-deletion",
        ids(|s| {
            s.drop_index("users_email_idx");
        }),
        ids_tx(false, |s| {
            s.drop_index("users_email_idx").concurrently();
        }),
    );
}

#[test]
fn concurrently_in_transaction() {
    lint_err_ok(
        "concurrently-in-transaction",
        ids(|s| {
            s.create_index("users", ["age"]).concurrently();
        }),
        ids_tx(false, |s| {
            s.create_index("users", ["age"]).concurrently();
        }),
    );
}

#[test]
fn constraint_missing_not_valid() {
    lint_err_ok(
        "constraint-missing-not-valid",
        ids(|s| {
            s.alter_table("posts", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]);
            })
        }),
        ids(|s| {
            s.alter_table("posts", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]).not_valid();
            })
        }),
    );
    lint_err_ok(
        "constraint-missing-not-valid",
        ids(|s| {
            s.alter_table("users", |t| {
                t.add_check("users_age", "age > 0");
            })
        }),
        ids(|s| {
            s.alter_table("users", |t| {
                t.add_check("users_age", "age > 0").not_valid();
            })
        }),
    );
}

#[test]
fn validate_in_same_transaction() {
    let add_and_validate = |s: &mut S| {
        s.alter_table("users", |t| {
            t.add_check("users_age", "age > 0").not_valid();
            t.validate_constraint("users_age");
        })
    };
    lint_err_ok("validate-in-same-transaction", ids(add_and_validate), ids_tx(false, add_and_validate));
}

#[test]
fn disallowed_unique_constraint() {
    lint_err_ok(
        "disallowed-unique-constraint",
        ids(|s| {
            s.alter_table("users", |t| {
                t.add_unique("users_email_key", ["email"]);
            })
        }),
        ids(|s| {
            s.create_table("fresh", |t| {
                t.text("a").unique();
            })
        }),
    );
}

#[test]
fn adding_volatile_default() {
    lint_err_ok(
        "adding-volatile-default",
        ids(|s| {
            s.alter_table("users", |t| {
                t.uuid("token").default(gen_random_uuid());
            })
        }),
        ids(|s| {
            s.alter_table("users", |t| {
                t.timestamptz("seen").default(now());
            })
        }),
    );
}

/// A stored generated column added to an existing table rewrites it, and the safe plan has no form
/// for it: reported on the default settings too; on a table of the same migration it is fine.
#[test]
fn a_generated_column_added_to_an_existing_table_is_reported_even_with_the_safe_plan() {
    let on_default = |change: fn(&mut S)| -> Vec<&'static str> {
        findings_with(&LintConfig::default(), true, change).iter().map(|f| f.rule.id()).collect()
    };
    lint_err_ok(
        "adding-volatile-default",
        on_default(|s| {
            s.alter_table("users", |t| {
                t.integer("age_next_year").generated("age + 1");
            })
        }),
        on_default(|s| {
            s.create_table("boxes", |t| {
                t.integer("w");
                t.integer("twice").generated("w * 2");
            })
        }),
    );
}

#[test]
fn adding_required_field() {
    lint_err_ok(
        "adding-required-field",
        ids(|s| {
            s.alter_table("users", |t| {
                t.text("name").not_null();
            })
        }),
        ids(|s| {
            s.alter_table("users", |t| {
                t.text("name").not_null().default("");
            })
        }),
    );
}

#[test]
fn setting_not_nullable_field() {
    lint_err_ok(
        "setting-not-nullable-field",
        ids(|s| s.alter_table("users", |t| t.set_not_null("email"))),
        ids_tx(false, |s| {
            s.alter_table("users", |t| {
                t.add_check("users_email_nn", "\"email\" IS NOT NULL").not_valid();
                t.validate_constraint("users_email_nn");
                t.set_not_null("email");
            })
        }),
    );
}

#[test]
fn changing_column_type() {
    lint_err_ok(
        "changing-column-type",
        ids(|s| {
            s.alter_table("users", |t| {
                t.change_type("age", Integer, BigInt);
            })
        }),
        ids(|s| {
            s.alter_table("users", |t| {
                t.change_type("code", Varchar(10), Varchar(50));
                t.change_type("price", Numeric::new(8, 2), Numeric::new(12, 2));
                t.change_type("net", Cidr, Inet);
            })
        }),
    );
    assert!(
        ids(|s| s.alter_table("users", |t| {
            t.change_type("code", Varchar(10), Text);
        }))
        .is_empty()
    );
    assert!(
        ids(|s| s.alter_table("users", |t| {
            t.change_type("code", Varchar(10), Varchar(5));
        }))
        .contains(&"changing-column-type")
    );
}

#[test]
fn renaming_column_and_table() {
    lint_err_ok(
        "renaming-column",
        ids(|s| s.rename_column("users", "email", "mail")),
        ids(|s| {
            s.create_table("fresh", |t| {
                t.text("a");
            });
            s.rename_column("fresh", "a", "b");
        }),
    );
    lint_err_ok(
        "renaming-table",
        ids(|s| s.rename_table("users", "people")),
        ids(|s| s.rename_index("users_email_idx", "x")),
    );
}

/// A domain and a materialized view made by an earlier migration, a table using the domain.
fn typed(s: &mut S) {
    base(s);
    s.create_domain("positive", Integer, |d| {
        d.check("positive_check", "VALUE > 0");
    });
    s.create_table("scores", |t| {
        t.column("points", NamedType("positive".into()));
    });
    s.create_materialized_view("ages", "SELECT age, count(*) AS n FROM users GROUP BY age");
    s.create_index("ages", ["age"]).unique();
}

fn typed_ids(change: impl FnOnce(&mut S)) -> Vec<&'static str> {
    let all = [mig(1, true, typed), mig(2, true, change)];
    lint(&all, &plain()).into_iter().filter(|f| f.version == 2).map(|f| f.rule.id()).collect()
}

/// A check added to a domain in use scans its columns under SHARE locks: an error unless NOT VALID;
/// on a domain no table uses, nothing.
#[test]
fn domain_check_missing_not_valid() {
    lint_err_ok(
        "domain-check-missing-not-valid",
        typed_ids(|s| {
            s.add_domain_check("positive", "small", "VALUE < 1000");
        }),
        typed_ids(|s| {
            s.add_domain_check("positive", "small", "VALUE < 1000").not_valid();
            s.validate_domain_check("positive", "small");
        }),
    );
    let unused = typed_ids(|s| {
        s.create_domain("label", Text, |_| {});
        s.add_domain_check("label", "short", "length(VALUE) < 10");
    });
    assert!(unused.is_empty(), "{unused:?}");
}

/// Refreshing a materialized view of an earlier migration without CONCURRENTLY blocks its readers:
/// a warning; concurrently, or a view made in the same migration, nothing.
#[test]
fn refresh_without_concurrently() {
    lint_err_ok(
        "refresh-without-concurrently",
        typed_ids(|s| {
            s.refresh_materialized_view("ages");
        }),
        typed_ids(|s| {
            s.refresh_materialized_view("ages").concurrently();
        }),
    );
    let fresh = typed_ids(|s| {
        s.create_materialized_view("later", "SELECT 1 AS one").with_no_data();
        s.refresh_materialized_view("later");
    });
    assert!(fresh.is_empty(), "{fresh:?}");
    // The same verdicts for SQL.
    let sql = |text: &'static str| {
        typed_ids(move |s| {
            s.sql(text);
        })
    };
    assert!(sql("REFRESH MATERIALIZED VIEW ages").contains(&"refresh-without-concurrently"));
    assert!(!sql("REFRESH MATERIALIZED VIEW CONCURRENTLY ages").contains(&"refresh-without-concurrently"));
    assert!(
        sql("ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 1000)")
            .contains(&"domain-check-missing-not-valid")
    );
    assert!(
        !sql("ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 1000) NOT VALID")
            .contains(&"domain-check-missing-not-valid")
    );
}

/// An exclusion constraint added to a table with rows locks it while its index is built: an error
/// (safe operations cannot help); declared with a new table, nothing.
#[test]
fn adding_exclusion_constraint() {
    for config in [plain(), LintConfig::default()] {
        let found: Vec<&str> = findings_with(&config, true, |s| {
            s.alter_table("posts", |t| {
                t.add_exclusion("posts_one_per_user", "USING btree (user_id WITH =)");
            });
        })
        .iter()
        .map(|f| f.rule.id())
        .collect();
        assert!(found.contains(&"adding-exclusion-constraint"), "{found:?}");
    }
    let fresh = ids(|s| {
        s.create_table("slots", |t| {
            t.integer("room");
            t.exclude("slots_one_per_room", "USING btree (room WITH =)");
        });
    });
    assert!(!fresh.contains(&"adding-exclusion-constraint"), "{fresh:?}");
    // The same for SQL.
    let sql = ids(|s| {
        s.sql("ALTER TABLE posts ADD CONSTRAINT posts_one_per_user EXCLUDE USING btree (user_id WITH =)");
    });
    assert!(sql.contains(&"adding-exclusion-constraint"), "{sql:?}");
}

/// `REINDEX` of an existing table's index blocks its writes: an error, with the concurrent form.
#[test]
fn reindex_without_concurrently() {
    lint_err_ok(
        "reindex-without-concurrently",
        ids_tx(false, |s| {
            s.reindex_index("users_email_idx");
        }),
        ids_tx(false, |s| {
            s.reindex_index("users_email_idx").concurrently();
            s.reindex_table("users").concurrently();
        }),
    );
    assert!(
        ids(|s| {
            s.reindex_table("users");
        })
        .contains(&"reindex-without-concurrently")
    );
    let sql = ids(|s| {
        s.sql("REINDEX INDEX users_email_idx");
    });
    assert!(sql.contains(&"reindex-without-concurrently"), "{sql:?}");
    // The builder and SQL forms no longer need raw SQL, and the concurrent one is clean.
    let clean = ids_tx(false, |s| {
        s.sql("REINDEX INDEX CONCURRENTLY users_email_idx");
        s.set_statistics("users", "age", 500);
    });
    assert!(clean.is_empty(), "{clean:?}");
    // A unique constraint over an index built concurrently before: no lock finding, no raw SQL.
    let using = ids_tx(false, |s| {
        s.create_index("users", ["code"]).unique().concurrently().name("users_code_idx");
        s.sql("ALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE USING INDEX users_code_idx");
    });
    assert!(using.is_empty(), "{using:?}");
}

/// A trigger added to a table with rows takes a SHARE ROW EXCLUSIVE lock: an advisory finding. On a
/// table of the same migration, and for functions (no lock on any table), nothing.
#[test]
fn adding_trigger() {
    let touch = |s: &mut S| {
        s.create_function("touch", |f| {
            f.returns_trigger().language("plpgsql").body("BEGIN RETURN NEW; END");
        });
    };
    let found = findings_with(&plain(), true, |s| {
        touch(s);
        s.create_trigger("users", "users_touch", |t| {
            t.before().update().for_each_row().execute("touch");
        });
    });
    let f = found.iter().find(|f| f.rule.id() == "adding-trigger").expect("no adding-trigger finding");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("SHARE ROW EXCLUSIVE") && f.message.contains("`users`"), "{}", f.message);
    assert_eq!(found.len(), 1, "the function is no finding: {found:?}");
    let fresh = ids(|s| {
        touch(s);
        s.create_table("fresh", |t| {
            t.text("a");
        });
        s.create_trigger("fresh", "fresh_touch", |t| {
            t.before().insert().for_each_row().execute("touch");
        });
    });
    assert!(fresh.is_empty(), "{fresh:?}");
}

#[test]
fn ban_drop_column_and_table() {
    lint_err_ok(
        "ban-drop-column",
        ids(|s| s.drop_column("users", "age")),
        ids(|s| s.rename_index("users_email_idx", "x")),
    );
    lint_err_ok(
        "ban-drop-table",
        ids(|s| s.drop_table("posts")),
        ids(|s| {
            s.create_table("t", |t| {
                t.text("a");
            })
        }),
    );
}

#[test]
fn enum_value_in_transaction() {
    let old = LintConfig { server_version: 110_000, ..plain() };
    let on = |config: &LintConfig, tx| {
        findings_with(config, tx, |s| {
            s.add_enum_value("mood", "meh");
        })
        .iter()
        .map(|f| f.rule.id())
        .collect::<Vec<_>>()
    };
    lint_err_ok("enum-value-in-transaction", on(&old, true), on(&old, false));
    assert!(!on(&plain(), true).contains(&"enum-value-in-transaction"));
    // On 12+, using the new value in the same transaction is the problem.
    let used = ids(|s| {
        s.add_enum_value("mood", "meh");
        s.alter_table("users", |t| {
            t.enumeration("mood", "mood").default("meh");
        });
    });
    assert!(used.contains(&"enum-value-in-transaction"), "{used:?}");
}

#[test]
fn type_preferences() {
    lint_err_ok(
        "prefer-jsonb",
        ids(|s| {
            s.alter_table("users", |t| {
                t.json("doc");
            })
        }),
        ids(|s| {
            s.alter_table("users", |t| {
                t.jsonb("doc");
            })
        }),
    );
    lint_err_ok(
        "prefer-identity",
        ids(|s| {
            s.create_table("t", |t| {
                t.named_type("id", "bigserial");
            })
        }),
        ids(|s| {
            s.create_table("t", |t| {
                t.bigint("id").identity();
            })
        }),
    );
    lint_err_ok(
        "prefer-bigint-keys",
        ids(|s| {
            s.create_table("t", |t| {
                t.integer("id").primary_key();
            })
        }),
        ids(|s| {
            s.create_table("t", |t| {
                t.bigint("id").primary_key();
            })
        }),
    );
    lint_err_ok(
        "prefer-text",
        ids(|s| {
            s.create_table("t", |t| {
                t.varchar("a", 20);
            })
        }),
        ids(|s| {
            s.create_table("t", |t| {
                t.text("a");
            })
        }),
    );
    lint_err_ok(
        "prefer-timestamptz",
        ids(|s| {
            s.create_table("t", |t| {
                t.array("a", Timestamp);
            })
        }),
        ids(|s| {
            s.create_table("t", |t| {
                t.timestamptz("a");
            })
        }),
    );
}

#[test]
fn require_lock_timeout() {
    let off = LintConfig { lock_timeout: false, ..plain() };
    let change = |s: &mut S| s.rename_column("users", "email", "mail");
    let bad: Vec<_> = findings_with(&off, true, change).iter().map(|f| f.rule.id()).collect();
    lint_err_ok("require-lock-timeout", bad, ids(change));
}

#[test]
fn backfill_with_ddl_and_raw_sql() {
    lint_err_ok(
        "backfill-with-ddl",
        ids(|s| {
            s.alter_table("users", |t| {
                t.text("name");
            });
            s.sql_with_down("UPDATE users SET name = email", "SELECT 1");
        }),
        ids_tx(false, |s| {
            s.alter_table("users", |t| {
                t.text("name");
            });
            s.sql_with_down("UPDATE users SET name = email", "SELECT 1");
        }),
    );
    lint_err_ok(
        "raw-sql",
        ids(|s| {
            s.sql("SELECT 1");
        }),
        ids(|s| s.create_schema("x")),
    );
}

#[test]
fn findings_say_what_locks_and_the_safe_way() {
    let f = &findings_with(&plain(), true, |s| {
        s.create_index("users", ["age"]);
    })[0];
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.migration, "m2_m2");
    assert_eq!(f.op, "create_index users_age_idx on users");
    assert_eq!(
        f.message,
        "builds index `users_age_idx` while holding a SHARE lock on `users`: writes to it wait for the whole build"
    );
    assert_eq!(f.help, "add `.concurrently()` and mark the migration `#[migration(no_transaction)]`");
    assert!(f.blocks());
}

#[test]
fn with_safe_operations_the_rules_for_what_the_runner_makes_safe_are_silent() {
    let safe = |change: fn(&mut S)| -> Vec<&'static str> {
        findings_with(&LintConfig::default(), true, change).iter().map(|f| f.rule.id()).collect()
    };
    assert!(
        safe(|s| {
            s.create_index("users", ["age"]);
        })
        .is_empty()
    );
    assert!(
        safe(|s| s.alter_table("users", |t| {
            t.add_check("users_age", "age > 0");
        }))
        .is_empty()
    );
    assert!(safe(|s| s.alter_table("users", |t| t.set_not_null("email"))).is_empty());
    assert!(
        safe(|s| s.alter_table("users", |t| {
            t.uuid("token").default(gen_random_uuid());
        }))
        .is_empty()
    );
    // What the runner cannot make safe still reports.
    assert_eq!(safe(|s| s.drop_column("users", "age")), ["ban-drop-column"]);
    assert_eq!(
        safe(|s| s.alter_table("users", |t| {
            t.text("name").not_null();
        })),
        ["adding-required-field"]
    );
    assert!(
        safe(|s| s.alter_table("users", |t| {
            t.text("name").not_null().backfill("email");
        }))
        .is_empty()
    );
}

#[test]
fn acknowledged_errors_do_not_block_and_the_baseline_skips_history() {
    let mut m = mig(2, true, |s| s.drop_column("users", "age"));
    m.acks = vec![("ban-drop-column".into(), "nothing reads it".into())];
    let all = [mig(1, true, base), m];
    let f: Vec<Finding> = lint(&all, &LintConfig::default()).into_iter().filter(|f| f.version == 2).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].acknowledged.as_deref(), Some("nothing reads it"));
    assert!(!f[0].blocks());

    let old =
        [mig(1, true, base), mig(2, true, |s| s.drop_column("users", "age")), mig(3, true, |s| s.create_schema("x"))];
    let config = LintConfig { baseline: Some(2), ..LintConfig::default() };
    assert!(lint(&old, &config).is_empty(), "history at or before the baseline is not linted");
}

fn model_errors(change: impl FnOnce(&mut S)) -> Vec<(bool, String)> {
    findings_with(&LintConfig::default(), true, change)
        .into_iter()
        .filter(|f| f.rule.id() == "schema-model")
        .map(|f| (f.severity == Severity::Error, f.message))
        .collect()
}

#[test]
fn the_schema_model_checks_every_op_against_the_history() {
    let e = |m: &str| vec![(true, m.to_string())];
    assert_eq!(
        model_errors(|s| s.alter_table("nope", |t| {
            t.text("a");
        })),
        e("table `nope` does not exist")
    );
    assert_eq!(
        model_errors(|s| s.alter_table("users", |t| {
            t.text("email");
        })),
        e("column `users.email` already exists")
    );
    assert_eq!(
        model_errors(|s| {
            s.drop_index("no_such_idx");
        }),
        e("index `no_such_idx` does not exist")
    );
    assert_eq!(
        model_errors(|s| s.alter_table("posts", |t| {
            t.add_foreign_key("fk", ["user_id"], "users", ["uid"]).not_valid();
        })),
        e("foreign key `fk` references column `users.uid`, which does not exist")
    );
    assert_eq!(
        model_errors(|s| s.create_table("users_email_idx", |t| {
            t.text("a");
        })),
        e("a table, index or view named `users_email_idx` already exists")
    );
    assert_eq!(
        model_errors(|s| s.alter_table("users", |t| {
            t.change_type("age", BigInt, Numeric::any());
        })),
        e("column `users.age` is integer, but the type change records its old type as bigint")
    );
    assert_eq!(
        model_errors(|s| {
            s.drop_index("users_pkey");
        }),
        e("index `users_pkey` belongs to constraint `users_pkey`: drop the constraint instead")
    );
    assert_eq!(
        model_errors(|s| {
            s.alter_table("posts", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]).not_valid();
            });
            s.drop_table("users");
        }),
        e("table `users` is referenced by foreign keys posts.posts_user_fk: drop them first")
    );
    assert_eq!(
        model_errors(|s| {
            s.alter_table("users", |t| {
                t.set_default("email", Text, "x");
            });
            s.alter_table("users", |t| {
                t.set_default("email", Text, "y");
            });
        }),
        e(
            "column `users.email` has default 'x', but the change records none as the one it replaces: the derived down would not restore it (name it with `.replacing(..)`)"
        )
    );
    // Raw SQL is read into the model: a table it creates is known to later migrations.
    let after_sql = model_errors(|s| {
        s.sql("CREATE TABLE made_by_sql (a int)");
        s.alter_table("made_by_sql", |t| {
            t.text("b");
        });
    });
    assert!(after_sql.is_empty(), "{after_sql:?}");
    // SQL the model cannot read may have changed anything: unknown objects after it are warnings
    // naming that statement.
    let after_do = model_errors(|s| {
        s.sql("SELECT 1;\nDO $$ BEGIN EXECUTE 'CREATE TABLE made_by_do (a int)'; END $$");
        s.alter_table("made_by_do", |t| {
            t.text("b");
        });
    });
    assert_eq!(after_do.len(), 1);
    assert!(!after_do[0].0, "a warning, not an error");
    assert!(
        after_do[0].1.starts_with(
            "table `made_by_do` does not exist (the model may not know it: raw SQL ran earlier, in migration 2: DO, line 2)"
        ),
        "{}",
        after_do[0].1
    );
}

#[test]
fn the_example_project_passes_lint() {
    use blog_migrations as _;
    let all = migrate_core::registry::migrations().unwrap();
    let findings = lint(&all, &LintConfig::default());
    let blocking: Vec<String> = findings.iter().filter(|f| f.blocks()).map(ToString::to_string).collect();
    assert!(blocking.is_empty(), "{}", blocking.join("\n"));
    assert_eq!(findings.iter().filter(|f| f.acknowledged.is_some()).count(), 2);
}

#[test]
fn raw_sql_can_declare_what_it_does_so_the_model_stays_exact() {
    let declared = model_errors(|s| {
        s.sql_with_down("CREATE TABLE made_by_sql (a int)", "DROP TABLE made_by_sql").declares(|d| {
            d.create_table("made_by_sql", |t| {
                t.integer("a");
            })
        });
        s.alter_table("made_by_sql", |t| {
            t.text("b");
        });
        s.alter_table("made_by_sql", |t| {
            t.text("a");
        });
    });
    // No warning about the table; a real error about the duplicate column, which the model now knows.
    assert_eq!(declared, [(true, "column `made_by_sql.a` already exists".to_string())]);
    // Declarations are never rendered, and the derived down declares the inverse.
    let mut s = migrate_core::Schema::new();
    s.sql_with_down("CREATE TABLE x (a int)", "DROP TABLE x").declares(|d| {
        d.create_table("x", |t| {
            t.integer("a");
        })
    });
    let ops = s.finish().unwrap();
    assert_eq!(migrate_core::render::render_script(&ops), "CREATE TABLE x (a int);\n");
    let down = migrate_core::reverse::reverse_ops(&ops).unwrap();
    let mut model = migrate_core::model::Model::default();
    for op in ops.iter().chain(&down) {
        assert!(model.apply(op, 1).is_empty());
    }
    assert!(model.tables.is_empty() && model.opaque.is_none(), "{model:?}");
}

/// The rules speak on SQL as on the builder: each risky change written both ways gets the same rule,
/// and the SQL form's finding points at its statement's line. (SQL runs as written, so the SQL form
/// is compared with the builder form under `safe_operations = false`; the lint of SQL needs no such
/// setting.)
#[test]
fn every_rule_gives_sql_the_verdict_it_gives_the_builder() {
    type Case = (&'static str, Box<dyn Fn(&mut S)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "require-concurrent-index-creation",
            Box::new(|s| {
                s.create_index("users", ["age"]);
            }),
            "CREATE INDEX users_age_idx ON users (age)",
        ),
        (
            "require-concurrent-index-deletion",
            Box::new(|s| {
                s.drop_index("users_email_idx");
            }),
            "DROP INDEX users_email_idx",
        ),
        (
            "constraint-missing-not-valid",
            Box::new(|s| {
                s.alter_table("posts", |t| {
                    t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]);
                })
            }),
            "ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
        ),
        (
            "disallowed-unique-constraint",
            Box::new(|s| {
                s.alter_table("users", |t| {
                    t.add_unique("users_email_key", ["email"]);
                })
            }),
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
        ),
        (
            "adding-volatile-default",
            Box::new(|s| {
                s.alter_table("users", |t| {
                    t.uuid("token").default(gen_random_uuid());
                })
            }),
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
        ),
        (
            "adding-required-field",
            Box::new(|s| {
                s.alter_table("users", |t| {
                    t.text("name").not_null();
                })
            }),
            "ALTER TABLE users ADD COLUMN name text NOT NULL",
        ),
        (
            "setting-not-nullable-field",
            Box::new(|s| s.alter_table("users", |t| t.set_not_null("email"))),
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
        ),
        (
            "changing-column-type",
            Box::new(|s| {
                s.alter_table("users", |t| {
                    t.change_type("age", Integer, BigInt);
                })
            }),
            "ALTER TABLE users ALTER COLUMN age TYPE bigint",
        ),
        (
            "renaming-column",
            Box::new(|s| s.alter_table("users", |t| t.rename_column("email", "mail"))),
            "ALTER TABLE users RENAME COLUMN email TO mail",
        ),
        ("renaming-table", Box::new(|s| s.rename_table("users", "people")), "ALTER TABLE users RENAME TO people"),
        (
            "adding-trigger",
            Box::new(|s| {
                s.create_trigger("users", "users_audit", |t| {
                    t.after().insert().execute("audit");
                })
            }),
            "CREATE TRIGGER users_audit AFTER INSERT ON users EXECUTE FUNCTION audit()",
        ),
        (
            "ban-drop-column",
            Box::new(|s| s.alter_table("users", |t| t.drop_column("age"))),
            "ALTER TABLE users DROP COLUMN age",
        ),
        ("ban-drop-table", Box::new(|s| s.drop_table("posts")), "DROP TABLE posts"),
        (
            "prefer-jsonb",
            Box::new(|s| {
                s.alter_table("users", |t| {
                    t.json("doc");
                })
            }),
            "ALTER TABLE users ADD COLUMN doc json",
        ),
        (
            "prefer-text",
            Box::new(|s| {
                s.create_table("t", |t| {
                    t.varchar("a", 20);
                })
            }),
            "CREATE TABLE t (a varchar(20))",
        ),
        (
            "prefer-timestamptz",
            Box::new(|s| {
                s.create_table("t", |t| {
                    t.array("a", Timestamp);
                })
            }),
            "CREATE TABLE t (a timestamp[])",
        ),
        (
            "prefer-bigint-keys",
            Box::new(|s| {
                s.create_table("t", |t| {
                    t.integer("id").primary_key();
                })
            }),
            "CREATE TABLE t (id integer PRIMARY KEY)",
        ),
        (
            "prefer-identity",
            Box::new(|s| {
                s.create_table("t", |t| {
                    t.named_type("id", "bigserial");
                })
            }),
            "CREATE TABLE t (id bigserial)",
        ),
    ];
    for (rule, builder, sql) in cases {
        let built = ids(|s| builder(s));
        assert!(built.contains(&rule), "the builder form of `{rule}` was not reported: {built:?}");
        let script = format!("SELECT 1;\n{sql};");
        let found = findings_with(&plain(), true, |s| {
            s.sql(script.as_str());
        });
        let f = found.iter().find(|f| f.rule.id() == rule);
        let f = f.unwrap_or_else(|| panic!("the SQL form of `{rule}` was not reported: {found:?}"));
        assert!(f.op.starts_with("SQL line 2: "), "{}", f.op);
        // Its help is the safe way in SQL, not a builder call.
        for call in [".concurrently()", ".not_valid()", "`t.", "`s.", "`set_default`"] {
            assert!(!f.help.contains(call), "{rule}: {}", f.help);
        }
        if rule == "require-concurrent-index-creation" {
            assert!(f.help.contains("`CREATE INDEX CONCURRENTLY`"), "{}", f.help);
        }
        if rule == "ban-drop-table" {
            assert!(f.help.contains("`-- migrate: allow rule_name = "), "{}", f.help);
        }
        // The same finding on the default settings: SQL is not made safe by the runner.
        let default = findings_with(&LintConfig::default(), true, |s| {
            s.sql(script.as_str());
        });
        assert!(default.iter().any(|f| f.rule.id() == rule), "`{rule}` is silent on SQL with safe_operations on");
        // The statement is understood: no raw-sql finding for it, only for the SELECT on line 1.
        let raw: Vec<&str> = found.iter().filter(|f| f.rule.id() == "raw-sql").map(|f| f.op.as_str()).collect();
        assert_eq!(raw, ["SQL line 1: SELECT"], "{rule}");
    }
}

/// `require-lock-timeout` speaks on SQL as on the builder: with `lock_timeout` disabled, the first
/// statement that changes an existing table is reported, at its line.
#[test]
fn require_lock_timeout_reads_sql() {
    let off = LintConfig { lock_timeout: false, ..plain() };
    let rule = "require-lock-timeout";
    let built = findings_with(&off, true, |s| s.rename_column("users", "email", "mail"));
    assert!(built.iter().any(|f| f.rule.id() == rule), "{built:?}");
    let sql = |config: &LintConfig| {
        findings_with(config, true, |s| {
            s.sql("CREATE TABLE t (id bigint);\nALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users ADD COLUMN x text;");
        })
    };
    let found: Vec<String> = sql(&off).iter().filter(|f| f.rule.id() == rule).map(|f| f.op.clone()).collect();
    assert_eq!(found, ["SQL line 2: rename_column users.email -> mail"], "{found:?}");
    assert!(!sql(&plain()).iter().any(|f| f.rule.id() == rule));
}

/// The rules that look at the other ops of the migration see the statements of its SQL as ops too:
/// a constraint added NOT VALID and validated in the same transaction, a data change beside DDL on an
/// existing table, an enum value used in the transaction that adds it. A concurrent index build in
/// SQL is run alone by the runner, so it is no `concurrently-in-transaction` error.
#[test]
fn rules_about_the_whole_migration_read_its_sql() {
    let sql = |tx: bool, script: &'static str| {
        findings_with(&plain(), tx, move |s| {
            s.sql(script);
        })
        .iter()
        .map(|f| f.rule.id())
        .collect::<Vec<_>>()
    };
    let add_and_validate = "ALTER TABLE users ADD CONSTRAINT users_age CHECK (age > 0) NOT VALID;
        ALTER TABLE users VALIDATE CONSTRAINT users_age;";
    lint_err_ok("validate-in-same-transaction", sql(true, add_and_validate), sql(false, add_and_validate));
    let ddl_and_data = "ALTER TABLE users ADD COLUMN name text; UPDATE users SET name = email;";
    lint_err_ok("backfill-with-ddl", sql(true, ddl_and_data), sql(false, ddl_and_data));
    let used = "ALTER TYPE mood ADD VALUE 'meh'; ALTER TABLE users ADD COLUMN mood mood DEFAULT 'meh';";
    let unused = "ALTER TYPE mood ADD VALUE 'meh'; ALTER TABLE users ADD COLUMN mood mood DEFAULT 'ok';";
    lint_err_ok("enum-value-in-transaction", sql(true, used), sql(true, unused));
    // A table created earlier in the same SQL (and renamed) is new: changing it blocks no one, while
    // the same change to a table of an earlier migration is reported.
    let new_table = sql(
        true,
        "CREATE TABLE items (id bigint PRIMARY KEY, note text); ALTER TABLE items RENAME TO goods;
         CREATE INDEX goods_note_idx ON goods (note); ALTER TABLE goods ALTER COLUMN note SET NOT NULL;
         CREATE INDEX users_age_idx ON users (age);",
    );
    assert_eq!(new_table.iter().filter(|r| **r == "require-concurrent-index-creation").count(), 1, "{new_table:?}");
    assert!(!new_table.contains(&"setting-not-nullable-field"), "{new_table:?}");
    let concurrent = sql(true, "CREATE INDEX CONCURRENTLY users_age_idx ON users (age)");
    assert!(!concurrent.contains(&"concurrently-in-transaction"), "{concurrent:?}");
    assert!(!concurrent.contains(&"require-concurrent-index-creation"), "{concurrent:?}");
}

/// A partitioned table with a partition, a table to attach, and a list-partitioned one, before the
/// migration under test.
fn partitioned(s: &mut S) {
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
}

fn partition_ids(config: &LintConfig, change: impl FnOnce(&mut S)) -> Vec<&'static str> {
    let all = [mig(1, true, partitioned), mig(2, true, change)];
    lint(&all, config).into_iter().filter(|f| f.version == 2).map(|f| f.rule.id()).collect()
}

/// ATTACH PARTITION of a table with rows scans it: a warning when the runner does not make it safe
/// (safe operations off, SQL as written, a bound with no CHECK form), silent when it does.
#[test]
fn attach_partition_scan() {
    let attach =
        |s: &mut S| s.attach_partition("events", "events_2025", "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    lint_err_ok(
        "attach-partition-scan",
        partition_ids(&plain(), attach),
        partition_ids(&LintConfig::default(), attach),
    );
    let sql = partition_ids(&LintConfig::default(), |s| {
        s.sql("ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    });
    assert_eq!(sql, ["attach-partition-scan"], "SQL runs as written; read, it is no raw SQL");
    let default = partition_ids(&LintConfig::default(), |s| s.attach_partition("events", "events_2025", "DEFAULT"));
    assert!(default.contains(&"attach-partition-scan"), "{default:?}");
    // A table made in the same migration has no rows to scan.
    let fresh = partition_ids(&plain(), |s| {
        s.create_table("events_2024", |t| {
            t.bigint("id");
            t.date("at");
        });
        s.attach_partition("events", "events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    });
    assert!(fresh.is_empty(), "{fresh:?}");
}

/// DETACH PARTITION without CONCURRENTLY blocks every query on the parent: a warning.
#[test]
fn detach_partition_without_concurrently() {
    lint_err_ok(
        "detach-partition-without-concurrently",
        partition_ids(&LintConfig::default(), |s| {
            s.detach_partition("events", "events_2026", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        }),
        partition_ids(&LintConfig::default(), |s| {
            s.detach_partition("events", "events_2026", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")
                .concurrently();
        }),
    );
    let sql = partition_ids(&LintConfig::default(), |s| {
        s.sql("ALTER TABLE events DETACH PARTITION events_2026");
    });
    assert_eq!(sql, ["detach-partition-without-concurrently"]);
    // An index on a partitioned table cannot be built concurrently: said with the way that works,
    // with safe operations on too (the safe plan leaves it as written).
    let index = findings_with_partitions(|s| {
        s.create_index("events", ["id"]);
    });
    assert!(
        index
            .iter()
            .any(|f| f.rule.id() == "require-concurrent-index-creation" && f.help.contains("on each partition")),
        "{index:?}"
    );
    // A foreign key or a unique constraint there is said with safe operations on too: the plan runs
    // them as written.
    let keys = findings_with_partitions(|s| {
        s.alter_table("events", |t| {
            t.add_foreign_key("events_id_fkey", ["id"], "events_2025", ["id"]);
            t.add_unique("events_id_at_key", ["id", "at"]);
        });
    });
    for rule in ["constraint-missing-not-valid", "disallowed-unique-constraint"] {
        assert!(
            keys.iter().any(|f| f.rule.id() == rule && f.message.contains("partitioned table")),
            "{rule}: {keys:?}"
        );
    }
    // And the model refuses to build it concurrently there (PostgreSQL would).
    let refused = findings_with_partitions(|s| {
        s.create_index("events", ["id"]).concurrently();
    });
    assert!(refused.iter().any(|f| f.rule.id() == "schema-model" && f.message.contains("CONCURRENTLY")), "{refused:?}");
}

fn findings_with_partitions(change: impl FnOnce(&mut S)) -> Vec<Finding> {
    let all = [mig(1, true, partitioned), mig(2, false, change)];
    lint(&all, &LintConfig::default()).into_iter().filter(|f| f.version == 2).collect()
}

/// Row-level security and policies are read from SQL (no raw SQL), and their builder forms lint clean.
#[test]
fn row_level_security_and_policies_are_no_raw_sql() {
    let sql = ids(|s| {
        s.sql("ALTER TABLE users ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON users USING (id > 0); DROP POLICY own ON users");
    });
    assert!(sql.is_empty(), "{sql:?}");
    let built = ids(|s| {
        s.enable_row_level_security("users");
        s.create_policy("users", "own", |p| {
            p.using("id > 0");
        });
    });
    assert!(built.is_empty(), "{built:?}");
    // Dropping a policy the model does not know is a finding of the model.
    let unknown = ids(|s| s.drop_policy("users", "nobody"));
    assert_eq!(unknown, ["schema-model"]);
}

/// An identity or serial column added to a table with rows is a rewrite: an error with the safe way
/// when the runner does not take it (safe operations off); silent when it does.
#[test]
fn adding_identity_column() {
    let identity = |s: &mut S| {
        s.alter_table("posts", |t| {
            t.bigint("number").identity();
        })
    };
    let serial = |s: &mut S| {
        s.alter_table("posts", |t| {
            t.named_type("number", "bigserial");
        })
    };
    lint_err_ok(
        "adding-identity-column",
        ids(identity),
        findings_with(&LintConfig::default(), true, identity).iter().map(|f| f.rule.id()).collect(),
    );
    assert!(ids(serial).contains(&"adding-identity-column"), "{:?}", ids(serial));
    // A table made in the same migration has no rows.
    let fresh = ids(|s| {
        s.create_table("fresh", |t| {
            t.bigint("id");
        });
        s.alter_table("fresh", |t| {
            t.bigint("number").identity();
        });
    });
    assert!(!fresh.contains(&"adding-identity-column"), "{fresh:?}");
    // The SQL form, as written, too.
    let sql = ids(|s| {
        s.sql("ALTER TABLE posts ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY");
    });
    assert!(sql.contains(&"adding-identity-column"), "{sql:?}");
}

/// A unique or foreign key constraint declared on an added column gets the findings of one added
/// apart, in the builder and in SQL.
#[test]
fn constraints_declared_on_an_added_column() {
    let inline = ids(|s| {
        s.alter_table("posts", |t| {
            t.bigint("author_id").references("users", "id");
            t.text("slug").unique();
        })
    });
    let apart = ids(|s| {
        s.alter_table("posts", |t| {
            t.bigint("author_id");
            t.text("slug");
            t.add_foreign_key("posts_author_id_fkey", ["author_id"], "users", ["id"]);
            t.add_unique("posts_slug_key", ["slug"]);
        })
    });
    let sql = ids(|s| {
        s.sql("ALTER TABLE posts ADD COLUMN author_id bigint REFERENCES users (id), ADD COLUMN slug text UNIQUE");
    });
    for rule in ["constraint-missing-not-valid", "disallowed-unique-constraint"] {
        for (form, found) in [("inline", &inline), ("apart", &apart), ("SQL", &sql)] {
            assert!(found.contains(&rule), "{form}: no `{rule}` in {found:?}");
        }
    }
    // With safe operations on, the runner plans them safely: no finding.
    let safe = findings_with(&LintConfig::default(), true, |s| {
        s.alter_table("posts", |t| {
            t.bigint("author_id").references("users", "id");
        })
    });
    assert!(safe.is_empty(), "{safe:?}");
}

/// Renaming an enum value breaks running code: a warning, not for an enum made in the same migration.
#[test]
fn renaming_enum_value() {
    lint_err_ok(
        "renaming-enum-value",
        ids(|s| s.rename_enum_value("mood", "sad", "blue")),
        ids(|s| {
            s.create_enum("fresh", ["a"]);
            s.rename_enum_value("fresh", "a", "b");
        }),
    );
    let sql = ids(|s| {
        s.sql("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'");
    });
    assert_eq!(sql, ["renaming-enum-value"]);
}

/// Dropping NOT NULL of an existing table's column: advisory.
#[test]
fn dropping_not_null() {
    let found = findings_with(&plain(), true, |s| s.alter_table("users", |t| t.drop_not_null("id")));
    let f = found.iter().find(|f| f.rule.id() == "dropping-not-null").expect("a finding");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("users.id"), "{}", f.message);
    let fresh = ids(|s| {
        s.create_table("fresh", |t| {
            t.bigint("a").not_null();
        });
        s.alter_table("fresh", |t| t.drop_not_null("a"));
    });
    assert!(!fresh.contains(&"dropping-not-null"), "{fresh:?}");
    assert_eq!(
        ids(|s| {
            s.sql("ALTER TABLE users ALTER COLUMN id DROP NOT NULL");
        }),
        ["dropping-not-null"]
    );
}

/// A value added last to an enum that an index, a comparing CHECK or a view's ORDER BY orders: advisory;
/// with its place given, or an enum nothing orders, nothing.
#[test]
fn enum_value_position() {
    let base = |s: &mut S| {
        s.alter_table("users", |t| {
            t.column("feeling", EnumType("mood".into()));
        });
    };
    for (how, ordering) in [
        (
            "index",
            (|s: &mut S| {
                s.create_index("users", ["feeling"]);
            }) as fn(&mut S),
        ),
        ("check", |s: &mut S| {
            s.alter_table("users", |t| {
                t.add_check("users_feeling_low", "feeling < 'sad'");
            })
        }),
        ("view", |s: &mut S| {
            s.create_view("by_feeling", "SELECT id FROM users ORDER BY feeling");
        }),
    ] {
        let all = [
            mig(1, true, |s| {
                self::base(s);
                base(s);
                ordering(s);
            }),
            mig(2, false, |s| {
                s.add_enum_value("mood", "meh");
            }),
        ];
        let found: Vec<&str> =
            lint(&all, &plain()).into_iter().filter(|f| f.version == 2).map(|f| f.rule.id()).collect();
        assert!(found.contains(&"enum-value-position"), "{how}: {found:?}");
        let placed = [
            mig(1, true, |s| {
                self::base(s);
                base(s);
                ordering(s);
            }),
            mig(2, false, |s| {
                s.add_enum_value("mood", "meh").before("sad");
            }),
        ];
        let found: Vec<&str> =
            lint(&placed, &plain()).into_iter().filter(|f| f.version == 2).map(|f| f.rule.id()).collect();
        assert!(!found.contains(&"enum-value-position"), "{how}: {found:?}");
    }
    // Nothing orders by it: no finding.
    let loose = ids_tx(false, |s| {
        s.add_enum_value("mood", "meh");
    });
    assert!(!loose.contains(&"enum-value-position"), "{loose:?}");
}

/// The builder's backfills in the transaction of other DDL, or of a new enum value, as written (safe
/// operations off): `backfill-with-ddl` and `enum-value-in-transaction` read them as they read SQL.
#[test]
fn builder_backfills_are_read_by_the_transaction_rules() {
    let ddl_then_backfill = |s: &mut S| {
        s.alter_table("users", |t| {
            t.text("handle");
        });
        s.backfill("users", "handle = email");
    };
    assert!(ids(ddl_then_backfill).contains(&"backfill-with-ddl"), "{:?}", ids(ddl_then_backfill));
    let column = ids(|s| {
        s.alter_table("users", |t| {
            t.text("handle").not_null().backfill("email");
        })
    });
    assert!(column.contains(&"backfill-with-ddl"), "{column:?}");
    // The runner's batches run apart: nothing with safe operations on, nor for a backfill alone.
    let safe: Vec<&str> =
        findings_with(&LintConfig::default(), true, ddl_then_backfill).iter().map(|f| f.rule.id()).collect();
    assert!(!safe.contains(&"backfill-with-ddl"), "{safe:?}");
    let alone = ids(|s| {
        s.backfill("users", "email = lower(email)");
    });
    assert!(!alone.contains(&"backfill-with-ddl"), "{alone:?}");
    // A new enum value used by a backfill in its transaction fails with 55P04.
    let config = LintConfig { server_version: 150_000, ..plain() };
    let enum_used: Vec<&str> = findings_with(&config, true, |s| {
        s.add_enum_value("mood", "meh");
        s.alter_table("users", |t| {
            t.column("feeling", EnumType("mood".into()));
        });
        s.backfill("users", "feeling = 'meh'");
    })
    .iter()
    .map(|f| f.rule.id())
    .collect();
    assert!(enum_used.contains(&"enum-value-in-transaction"), "{enum_used:?}");
}

/// timestamp to timestamptz: no finding when the migrating session's TimeZone is UTC; under another
/// zone the finding names it; offline it says the zone decides.
#[test]
fn timestamp_to_timestamptz_depends_on_the_time_zone() {
    let change = |s: &mut S| {
        s.alter_table("events_log", |t| {
            t.change_type("at", Timestamp, Timestamptz);
        })
    };
    let with_zone = |zone: Option<&str>| {
        let config = LintConfig { time_zone: zone.map(String::from), ..LintConfig::default() };
        let all = [
            mig(1, true, |s| {
                s.create_table("events_log", |t| {
                    t.timestamp("at");
                });
            }),
            mig(2, true, change),
        ];
        lint(&all, &config)
            .into_iter()
            .filter(|f| f.version == 2 && f.rule.id() == "changing-column-type")
            .collect::<Vec<_>>()
    };
    assert!(with_zone(Some("UTC")).is_empty());
    assert!(with_zone(Some("Etc/UTC")).is_empty());
    let paris = with_zone(Some("Europe/Paris"));
    assert!(paris.len() == 1 && paris[0].message.contains("`Europe/Paris`"), "{paris:?}");
    let offline = with_zone(None);
    assert!(
        offline.len() == 1 && offline[0].message.contains("unless the migrating session's TimeZone is UTC"),
        "{offline:?}"
    );
}

/// `.assume_utc()` on the change: no finding, whatever the zone.
#[test]
fn a_timestamp_change_assumed_utc_is_no_finding() {
    let all = [
        mig(1, true, |s| {
            s.create_table("events_log", |t| {
                t.timestamp("at");
            });
        }),
        mig(2, true, |s| {
            s.alter_table("events_log", |t| {
                t.change_type("at", Timestamp, Timestamptz).assume_utc();
            })
        }),
    ];
    let config = LintConfig { time_zone: Some("Europe/Paris".into()), ..LintConfig::default() };
    let found: Vec<Finding> = lint(&all, &config).into_iter().filter(|f| f.version == 2).collect();
    assert!(found.is_empty(), "{found:?}");
}

/// `m` with the explicit `down` that `down` records.
fn with_down(mut m: Migration, down: impl FnOnce(&mut S)) -> Migration {
    let mut s = S::in_mode();
    down(&mut s);
    m.down = migrate_core::registry::Down::Explicit(s.finish().expect("valid ops"));
    m
}

/// An explicit `down` replayed on the model after its up must give the schema back: an empty one, one
/// that forgets a column or restores another default is `inexact-down`, naming what is still needed;
/// an exact one, and a derived one, are not. SQL downs are read the same way; raw SQL the model cannot
/// read makes the check impossible, which is said.
#[test]
fn inexact_down() {
    let up = |s: &mut S| {
        s.alter_table("users", |t| {
            t.text("nickname");
            t.set_default("age", Integer, 18);
        });
        s.create_index("users", ["age"]);
    };
    let check = |m: Migration| -> Vec<Finding> {
        lint(&[mig(1, true, base), m], &plain()).into_iter().filter(|f| f.version == 2).collect()
    };
    let rule = |found: &[Finding]| found.iter().filter(|f| f.rule.id() == "inexact-down").count();
    let empty = check(with_down(mig(2, true, up), |_| {}));
    assert_eq!(rule(&empty), 1, "{empty:?}");
    let message = &empty.iter().find(|f| f.rule.id() == "inexact-down").unwrap().message;
    for named in ["drop_column users.nickname", "users_age_idx", "users.age"] {
        assert!(message.contains(named), "no `{named}` in: {message}");
    }
    let forgot = check(with_down(mig(2, true, up), |s| {
        s.drop_index("users_age_idx");
        s.alter_table("users", |t| t.drop_default("age", Integer, 18));
    }));
    let message = &forgot.iter().find(|f| f.rule.id() == "inexact-down").expect("a finding").message;
    assert!(message.contains("nickname") && !message.contains("users_age_idx"), "{message}");
    let exact = check(with_down(mig(2, true, up), |s| {
        s.drop_index("users_age_idx");
        s.alter_table("users", |t| t.drop_default("age", Integer, 18));
        s.drop_column("users", "nickname");
    }));
    assert_eq!(rule(&exact), 0, "{exact:?}");
    assert_eq!(rule(&check(mig(2, true, up))), 0, "a derived down is exact");
    // In SQL: a down that forgets the index.
    let sql = check(with_down(
        mig(2, true, |s| {
            s.sql("ALTER TABLE users ADD COLUMN nickname text; CREATE INDEX users_nick ON users (nickname)");
        }),
        |s| {
            s.sql("ALTER TABLE users DROP COLUMN nickname");
        },
    ));
    // (dropping the column drops its index: exact)
    assert_eq!(rule(&sql), 0, "{sql:?}");
    let sql = check(with_down(
        mig(2, true, |s| {
            s.sql("ALTER TABLE users ADD COLUMN nickname text; CREATE INDEX users_nick ON users (age)");
        }),
        |s| {
            s.sql("ALTER TABLE users DROP COLUMN nickname");
        },
    ));
    assert_eq!(rule(&sql), 1, "{sql:?}");
    // Raw SQL the model cannot read: said, not guessed.
    let opaque = check(with_down(
        mig(2, true, |s| {
            s.sql("DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN x int'; END $$");
        }),
        |s| {
            s.sql("ALTER TABLE users DROP COLUMN x");
        },
    ));
    assert_eq!(rule(&opaque), 0, "{opaque:?}");
    assert!(opaque.iter().any(|f| f.message.contains("cannot be checked on the schema model")), "{opaque:?}");
}

/// Commenting an object that has a comment: the derived down would erase the old one unless the change
/// names it (`.replacing_comment(..)` / `.replacing(..)`), as `set_default` over a default.
#[test]
fn a_comment_replaced_must_name_the_old_one() {
    let commented = |s: &mut S| {
        base(s);
        s.alter_table("users", |t| {
            t.comment("people");
        });
        s.comment_on(CommentTarget::Index { name: "users_email_idx".into() }, "by email");
    };
    let check = |change: fn(&mut S)| -> Vec<String> {
        lint(&[mig(1, true, commented), mig(2, true, change)], &plain())
            .into_iter()
            .filter(|f| f.version == 2 && f.rule.id() == "schema-model")
            .map(|f| f.message)
            .collect()
    };
    let bare = check(|s| {
        s.alter_table("users", |t| {
            t.comment("everyone");
        });
        s.comment_on(CommentTarget::Index { name: "users_email_idx".into() }, "email lookups");
    });
    assert_eq!(bare.len(), 2, "{bare:?}");
    assert!(bare[0].contains("has the comment 'people'") && bare[0].contains("replacing_comment"), "{bare:?}");
    let named = check(|s| {
        s.alter_table("users", |t| {
            t.comment("everyone").replacing_comment("people");
        });
        s.comment_on(CommentTarget::Index { name: "users_email_idx".into() }, "email lookups").replacing("by email");
    });
    assert!(named.is_empty(), "{named:?}");
}

/// A literal default that cannot be stored in its column (longer than varchar(n), more digits than
/// numeric(p, s) holds, a value its enum does not have) is an error before any SQL runs: PostgreSQL
/// would take it and then refuse every insert that uses it.
#[test]
fn a_default_that_cannot_fit_its_column() {
    let model_errors = |change: fn(&mut S)| -> Vec<String> {
        findings_with(&plain(), true, change)
            .into_iter()
            .filter(|f| f.rule.id() == "schema-model" && f.severity == Severity::Error)
            .map(|f| f.message)
            .collect()
    };
    let too_long = model_errors(|s| {
        s.alter_table("users", |t| {
            t.varchar("nick", 5).default("much too long");
        })
    });
    assert!(too_long.iter().any(|m| m.contains("users.nick") && m.contains("more than its 5")), "{too_long:?}");
    let too_big = model_errors(|s| {
        s.alter_table("users", |t| {
            t.set_default("price", Numeric::new(8, 2), 1234567);
        })
    });
    assert!(too_big.iter().any(|m| m.contains("users.price") && m.contains("holds 6")), "{too_big:?}");
    let not_a_value = model_errors(|s| {
        s.create_table("moods", |t| {
            t.column("m", EnumType("mood".into())).default("meh");
        })
    });
    assert!(not_a_value.iter().any(|m| m.contains("'meh' is not a value of enum `mood`")), "{not_a_value:?}");
    // json and jsonb defaults must be JSON; jsonb cannot store the NUL character.
    let not_json = model_errors(|s| {
        s.alter_table("users", |t| {
            t.jsonb("prefs").default("{theme: dark}");
            t.json("raw").default("[1, 2,]");
            t.jsonb("nul").default(r#"{"a": "x\u0000"}"#);
        })
    });
    for (column, why) in
        [("users.prefs", "is not JSON"), ("users.raw", "is not JSON"), ("users.nul", "jsonb cannot store")]
    {
        assert!(not_json.iter().any(|m| m.contains(column) && m.contains(why)), "{column}: {not_json:?}");
    }
    // The type marker given to set_default is checked against the column's type.
    let marker = model_errors(|s| {
        s.alter_table("users", |t| {
            t.set_default("age", Text, "12");
        })
    });
    assert!(
        marker.iter().any(|m| m.contains("users.age") && m.contains("'12'") && m.contains("the column is integer")),
        "{marker:?}"
    );
    let fine_change = |s: &mut S| {
        s.alter_table("users", |t| {
            t.set_default("age", Integer, 12);
            t.varchar("nick", 5).default("short");
            t.set_default("price", Numeric::new(8, 2), 123456);
            t.jsonb("prefs").default(r#"{"theme": "dark", "big": 1e400, "path": "C:\\\\u0000"}"#);
            t.json("raw").default("[1, 2]");
            t.json("nul").default(r#""x\u0000""#);
        });
        s.create_table("moods", |t| {
            t.column("m", EnumType("mood".into())).default("sad");
        });
    };
    let fine = model_errors(fine_change);
    assert!(fine.is_empty(), "{fine:?}");
    // PostgreSQL takes them, and an insert gets them.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let db = migrate_tests::TestDb::new("fitting_defaults").await;
        for m in [mig(1, true, base), mig(2, true, fine_change)] {
            migrate_tests::apply(&db.client, &m.up).await.unwrap();
        }
        let row = db
            .client
            .query_one("INSERT INTO users (id) VALUES (1) RETURNING prefs->>'path', raw::text", &[])
            .await
            .unwrap();
        assert_eq!(
            (row.get::<_, String>(0), row.get::<_, String>(1)),
            (r"C:\\u0000".to_string(), "[1, 2]".to_string())
        );
    });
}

/// A conversion each way keeps the down derived, and lint warns that the way back may not rebuild
/// every value; one way (`.using(..)`) needs a down (a compile error otherwise: trybuild).
#[test]
fn conversion_round_trip() {
    let both = findings_with(&LintConfig::default(), true, |s| {
        s.alter_table("users", |t| {
            // Years into months: the type keeps every value; the expressions decide what the way back rebuilds.
            t.change_type("age", Integer, Numeric::new(12, 2)).converting("age / 12.0", "round(age * 12)");
        })
    });
    let f = both.iter().find(|f| f.rule.id() == "conversion-round-trip").expect("a finding");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("users.age") && f.message.contains("age / 12.0"), "{}", f.message);
    let plain_change = ids(|s| {
        s.alter_table("users", |t| {
            t.change_type("age", Integer, BigInt);
        })
    });
    assert!(!plain_change.contains(&"conversion-round-trip"), "{plain_change:?}");
}
