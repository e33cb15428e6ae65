//! Bad input: a clear error naming the object and the problem, never a panic, never SQL sent.

use migrate_core::prelude::*;

fn errors(f: impl FnOnce(&mut Schema)) -> Vec<String> {
    let mut s = Schema::new();
    f(&mut s);
    match s.finish() {
        Ok(ops) => panic!("expected errors, got ops {ops:?}"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn assert_error(f: impl FnOnce(&mut Schema), expected: &str) {
    let errs = errors(f);
    assert!(errs.iter().any(|e| e == expected), "expected error\n  {expected}\ngot\n  {}", errs.join("\n  "));
}

#[test]
fn empty_names() {
    assert_error(
        |s| {
            s.create_table("", |t| {
                t.integer("id");
            })
        },
        "create_table : table ``: the name is empty; choose a name of 1 to 63 bytes without NUL",
    );
    assert_error(
        |s| {
            s.create_table("users", |t| {
                t.integer("");
            })
        },
        "create_table users: column ``: the name is empty; choose a name of 1 to 63 bytes without NUL",
    );
}

#[test]
fn names_over_63_bytes() {
    let long = "x".repeat(64);
    let expected = format!(
        "create_table {long}: table `{long}`: the name is 64 bytes long; PostgreSQL keeps at most 63 and would truncate it; choose a name of 1 to 63 bytes without NUL"
    );
    assert_error(
        |s| {
            s.create_table(&long, |t| {
                t.integer("id");
            })
        },
        &expected,
    );
    // 63 bytes of multi-byte characters is fine; 64 is not.
    let ok = "é".repeat(31) + "x";
    let mut s = Schema::new();
    s.create_table(&ok, |t| {
        t.integer("id");
    });
    assert!(s.finish().is_ok());
}

#[test]
fn nul_bytes() {
    assert_error(
        |s| s.alter_table("users", |t| t.rename_column("a\0b", "c")),
        "rename_column users.a\0b -> c: column `a\\0b`: the name contains a NUL byte; choose a name of 1 to 63 bytes without NUL",
    );
    assert_error(
        |s| {
            s.create_table("t", |t| {
                t.text("x").default("a\0");
            })
        },
        "create_table t: the default of `x` contains a NUL byte",
    );
}

#[test]
fn duplicate_columns() {
    assert_error(
        |s| {
            s.create_table("users", |t| {
                t.integer("id");
                t.text("id");
            })
        },
        "create_table users: column `id` is declared twice",
    );
}

#[test]
fn keys_and_indexes_on_unknown_columns() {
    assert_error(
        |s| {
            s.create_table("users", |t| {
                t.integer("id");
                t.primary_key(["uid"]);
            })
        },
        "create_table users: primary key `users_pkey` names column `uid`, which the table does not have",
    );
    assert_error(
        |s| {
            s.create_table("users", |t| {
                t.integer("id");
            });
            s.create_index("users", ["emial"]);
        },
        "create_index users_emial_idx on users: column `emial` is not a column of table `users`",
    );
}

#[test]
fn empty_alter() {
    assert_error(
        |s| s.alter_table("users", |_| {}),
        "alter_table users: the ALTER records no change; remove it or add a change",
    );
}

#[test]
fn using_without_type_change() {
    assert_error(
        |s| {
            s.alter_table("users", |t| {
                t.change_type("age", Integer, Integer).converting("age + 1", "age - 1");
            })
        },
        "change_column_type users.age: column `age`: a USING without a type change; remove it",
    );
}

#[test]
fn options_that_do_not_apply() {
    assert_error(
        |s| {
            s.create_index("users", ["email"]).nulls_not_distinct();
        },
        "create_index users_email_idx on users: NULLS NOT DISTINCT applies only to unique indexes: add `.unique()`",
    );
    assert_error(
        |s| {
            s.create_index("users", [expr("lower(email)")]);
        },
        "create_index  on users: an index with an expression needs an explicit name: add `.name(\"...\")`",
    );
    assert_error(
        |s| {
            s.alter_table("users", |t| {
                t.add_unique("u", ["email"]).not_valid();
            })
        },
        "add_constraint u on users: unique constraint `u`: NOT VALID applies only to check and foreign-key constraints",
    );
    assert_error(
        |s| {
            s.alter_table("users", |t| {
                t.varchar("code", 0);
            })
        },
        "add_column users.code: column `code`: a length of 0 is not allowed; use at least 1",
    );
    assert_error(
        |s| {
            s.alter_table("users", |t| {
                t.numeric("price", 2, 5);
            })
        },
        "add_column users.price: column `price`: numeric scale 5 is larger than its precision 2",
    );
    assert_error(|s| s.rename_table("a", "a"), "rename_table a -> a: renames table `a` to itself");
}

#[test]
fn all_errors_are_reported_at_once() {
    let errs = errors(|s| {
        s.create_table("", |t| {
            t.integer("id");
            t.integer("id");
        });
        s.alter_table("x", |_| {});
    });
    assert_eq!(errs.len(), 3, "{errs:?}");
}

#[test]
fn backfills_that_cannot_work() {
    assert_error(
        |s| {
            s.create_table("t", |t| {
                t.text("a").backfill("'x'");
            })
        },
        "create_table t: column `a`: `.backfill(..)` fills existing rows, and a new table has none: use `.default(..)`",
    );
    let mut s = migrate_core::Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
    s.backfill("users", "a = 1").batch_size(0);
    s.backfill("users", " ");
    let errs: Vec<String> = s.finish().unwrap_err().0.iter().map(ToString::to_string).collect();
    assert_eq!(
        errs,
        [
            "backfill users SET a = 1: a batch size of 0 rows: use at least 1",
            "backfill users SET  : the SET list of the backfill is empty"
        ]
    );
}
