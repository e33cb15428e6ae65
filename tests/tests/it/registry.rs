//! The registry on the example project's migrations: sorted, derived, checksummed, and every derived
//! down restoring the schema on the real PostgreSQL.

use blog_migrations as _;
use migrate_core::registry::{Down, MigrationDef, load, migrations};
use migrate_tests::{TestDb, apply, catalog, without_column_positions};

#[test]
fn example_migrations_are_sorted_with_checksums() {
    let all = migrations().expect("the example migrations load");
    assert!(all.len() >= 5, "the example has {} migrations", all.len());
    assert!(all.windows(2).all(|w| w[0].version < w[1].version), "not sorted by version");
    for m in &all {
        assert_eq!(m.checksum.len(), 64, "{}", m.id());
        assert!(m.file.ends_with(&format!("{}.rs", m.id())), "{} is registered from {}", m.id(), m.file);
        assert!(m.line > 0);
    }
    let derived = all.iter().filter(|m| m.down_is_derived()).count();
    let explicit = all.iter().filter(|m| matches!(m.down, Down::Explicit(_))).count();
    assert!(derived > 0 && explicit > 0, "derived {derived}, explicit {explicit}");
    assert!(all.iter().any(|m| !m.transaction), "the example has a migration without transaction");
    // Checksums are distinct per migration and stable across loads.
    let again = migrations().unwrap();
    for (a, b) in all.iter().zip(&again) {
        assert_eq!(a.checksum, b.checksum);
    }
    let mut sums: Vec<&str> = all.iter().map(|m| m.checksum.as_str()).collect();
    sums.dedup();
    assert_eq!(sums.len(), all.len());
}

#[tokio::test]
async fn every_example_down_restores_the_schema() {
    let db = TestDb::new("example_downs").await;
    let c = &db.client;
    let all = migrations().unwrap();
    let mut states = vec![catalog(c, "public").await];
    for m in &all {
        apply(c, &m.up).await.unwrap_or_else(|e| panic!("{} up: {e}", m.id()));
        states.push(catalog(c, "public").await);
    }
    // Once an explicit down has re-added a dropped column (PostgreSQL can only append it), column
    // positions no longer match the first pass; everything else must.
    let mut exact_positions = true;
    for (i, m) in all.iter().enumerate().rev() {
        let down = m.down_ops().unwrap_or_else(|r| panic!("{} cannot be rolled back: {r}", m.id()));
        apply(c, down).await.unwrap_or_else(|e| panic!("{} down: {e}", m.id()));
        exact_positions &= m.down_is_derived();
        let now = catalog(c, "public").await;
        if exact_positions {
            assert_eq!(now, states[i], "the derived down of {} does not restore the schema before it", m.id());
        } else {
            assert_eq!(
                without_column_positions(&now),
                without_column_positions(&states[i]),
                "the down of {} does not restore the schema before it",
                m.id()
            );
        }
    }
}

fn ok_up() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let mut s = migrate_core::Schema::new();
    s.create_schema("x");
    s.finish()
}

fn irreversible_up() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    Ok(vec![migrate_core::op::Op::Sql { up: "SELECT 1".into(), down: None, declares: vec![] }])
}

fn comment_only_up() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let mut s = migrate_core::Schema::new();
    // A freshly written up.sql template: `-- migrate: ...` settings and a note, no statement.
    s.sql_with_down("-- migrate: no_transaction\n-- write the change here\n/* and its down */", "-- nothing to undo");
    s.finish()
}

type UpFn = fn() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors>;

/// A definition as `#[migration]` registers it (a static: a loaded migration refers back to it).
fn def(module_path: &'static str, file: &'static str, up: UpFn) -> &'static MigrationDef {
    Box::leak(Box::new(MigrationDef {
        module_path,
        file,
        line: 1,
        up: Box::leak(Box::new(up)),
        down: None,
        transaction: true,
        irreversible: None,
        allow: &[],
        original: None,
        squashes: &[],
    }))
}

fn sql_file(up: &str, down: &str) -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let mut s = migrate_core::Schema::new();
    s.sql_with_down(up, down);
    s.finish()
}

fn sql_layout_a() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    sql_file("CREATE TABLE t (a int);\nCREATE INDEX ON t (a);\n", "DROP TABLE t;\n")
}

/// The same SQL with CRLF line endings, other spacing and case, and comments.
fn sql_layout_b() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    sql_file("-- the table\r\ncreate table t(\r\n  a INT\r\n);\r\ncreate index on t(a)", "/* undo */ drop table T;\r\n")
}

/// A real change: another type.
fn sql_changed() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    sql_file("CREATE TABLE t (a bigint);\nCREATE INDEX ON t (a);\n", "DROP TABLE t;\n")
}

fn sql_derived() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let mut s = migrate_core::Schema::new();
    s.__sql_derived("CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\n");
    s.finish()
}

/// An SQL-file migration is checksummed by its normalised text: line endings, layout, case and
/// comments do not change the checksum, a real change does; the checksum of the first releases (its
/// ops' canonical form) is kept for the rows they stored.
#[test]
fn sql_file_checksums_follow_the_sql_not_its_layout() {
    let load_one = |up: UpFn| {
        let m = load([def("app::m20240101000000_t", "src/migrations/m20240101000000_t/up.sql", up)]).unwrap();
        m.into_iter().next().unwrap()
    };
    let (a, b, changed) = (load_one(sql_layout_a), load_one(sql_layout_b), load_one(sql_changed));
    assert_eq!(a.checksum_format, migrate_core::registry::SQL_TEXT_FORMAT);
    assert_eq!(a.checksum, b.checksum);
    assert_ne!(a.checksum, changed.checksum);
    // Format 1 compared the ops, which the layout changed.
    let legacy = a.legacy_checksum.clone().unwrap();
    assert_eq!(legacy, migrate_core::registry::checksum(&a.up, &a.down, true));
    assert_ne!(Some(legacy.as_str()), b.legacy_checksum.as_deref());
    // A row stored with format 1 matches its format-1 checksum only, and is re-stamped; one stored
    // with the current format matches the current checksum.
    assert!(a.checksum_matches(&legacy, 1) && a.restamps(&legacy, 1));
    assert!(!a.checksum_matches(&a.checksum, 1));
    assert!(a.checksum_matches(&b.checksum, 2) && !a.restamps(&b.checksum, 2));
    assert!(!a.checksum_matches(&legacy, 2));
    // A derived down is part of what the checksum says; the same text in a Rust file is checksummed by
    // its ops, as every Rust migration is.
    let derived = load_one(sql_derived);
    assert!(derived.down_is_derived());
    assert_ne!(derived.checksum, a.checksum);
    let rust = load([def("app::m20240101000000_t", "src/migrations/m20240101000000_t.rs", sql_layout_a)]).unwrap();
    assert_eq!(rust[0].checksum_format, migrate_core::canonical::CANONICAL_FORMAT);
    assert_eq!(rust[0].legacy_checksum, None);
}

/// The derived down of SQL: each statement's inverse, last first; a statement without one makes the
/// migration irreversible, named with its line.
#[test]
fn the_derived_down_of_sql_is_read_from_its_statements() {
    let m = load([def("app::m20240101000000_t", "src/migrations/m20240101000000_t/up.sql", sql_derived)]).unwrap();
    let down = migrate_core::render::render_script(m[0].down_ops().unwrap());
    assert_eq!(down, "DROP INDEX \"t_a_idx\";\nDROP TABLE \"t\";\n");
    fn refused() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
        let mut s = migrate_core::Schema::new();
        s.__sql_derived("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;");
        s.finish()
    }
    let err = load([def("app::m20240101000000_t", "t.rs", refused)]).unwrap_err().to_string();
    assert!(err.contains("sql `ALTER TABLE t ALTER COLUMN a TYPE bigint` (line 2)"), "{err}");
    assert!(err.contains("the old type is not known"), "{err}");
}

#[test]
fn duplicate_versions_name_both_files() {
    let a = def("app::m20240101000000_a", "src/migrations/m20240101000000_a.rs", ok_up);
    let b = def("app::m20240101000000_b", "src/migrations/m20240101000000_b.rs", ok_up);
    let err = load([b, a]).unwrap_err().to_string();
    assert_eq!(
        err,
        "migration version 20240101000000 is used twice: by app::m20240101000000_a (src/migrations/m20240101000000_a.rs) and by app::m20240101000000_b (src/migrations/m20240101000000_b.rs); give one of them a new timestamp"
    );
}

#[test]
fn a_module_named_otherwise_than_its_migration_file_is_reported() {
    // `#[path = "m20240101000000_a.rs"] mod m20240102000000_b;`
    let renamed = def("app::m20240102000000_b", "src/migrations/m20240101000000_a.rs", ok_up);
    let err = load([renamed]).unwrap_err().to_string();
    assert_eq!(
        err,
        "migration module `app::m20240102000000_b` (src/migrations/m20240101000000_a.rs) is misnamed: the module is named `m20240102000000_b` but its file is `m20240101000000_a.rs`: a migration takes its file's name (drop the #[path] attribute, or name the module `m20240101000000_a`)"
    );
    // Inline modules in a file of another name (lib.rs, a test) are fine.
    assert!(load([def("app::m20240102000000_b", "src/lib.rs", ok_up)]).is_ok());
}

#[test]
fn a_comment_only_sql_migration_is_refused_as_an_empty_one_is() {
    let err = load([def("app::m20240101000000_todo", "todo.rs", comment_only_up)]).unwrap_err().to_string();
    assert!(err.contains("the SQL has no statement, only comments: write the SQL it should run"), "{err}");
    // A comment-only down is a deliberate "nothing to undo" (imported histories have them).
    assert!(!err.contains("down SQL"), "{err}");
}

#[test]
fn sorts_whatever_the_registration_order() {
    let a = def("app::m20240101000000_a", "a.rs", ok_up);
    let b = def("app::m20230101000000_b", "b.rs", ok_up);
    let c = def("app::m20250101000000_c", "c.rs", ok_up);
    let names: Vec<String> = load([a, c, b]).unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["b", "a", "c"]);
}

#[test]
fn zero_migrations_explain_the_linking_rule() {
    let err = load(Vec::<&MigrationDef>::new()).unwrap_err().to_string();
    assert!(err.contains("no migrations found"), "{err}");
    assert!(err.contains("use my_migrations as _;"), "{err}");
}

#[test]
fn runtime_check_catches_what_slipped_through() {
    let a = def("app::m20240101000000_raw", "raw.rs", irreversible_up);
    let err = load([a]).unwrap_err().to_string();
    assert!(err.contains("m20240101000000_raw (raw.rs) has no `down`, and its up cannot be reversed"), "{err}");
    assert!(err.contains("sql `SELECT 1`"), "{err}");
}

#[test]
fn summaries_report_what_full_loads_report() {
    // A summary reverses the up ops themselves instead of a copy; the problems must stay the same.
    for (path, up) in [
        ("app::m20240101000000_raw", irreversible_up as UpFn),
        ("app::m20240101000000_idx", concurrent_index),
        ("app::m20240101000000_ok", ok_up),
    ] {
        let d = def(path, "x.rs", up);
        let (full, summary) = (load([d]), migrate_core::registry::summaries_of([d]));
        match (full, summary) {
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (Ok(a), Ok(b)) => {
                assert_eq!(a[0].checksum, b[0].checksum);
                assert!(b[0].up.is_empty() && !a[0].up.is_empty());
                assert!(b[0].source.is_some() && a[0].source.is_none(), "only a summary is built again");
            }
            (a, b) => panic!("{path}: a full load gave {a:?}, a summary {b:?}"),
        }
    }
}

#[test]
fn bad_names_are_rejected() {
    let a = def("app::create_users", "x.rs", ok_up);
    let b = def("app::m20241301000000_x", "y.rs", ok_up);
    let err = load([a, b]).unwrap_err().to_string();
    assert!(
        err.contains(
            "migration module `app::create_users` (x.rs) is misnamed: expected `m<YYYYMMDDHHMMSS>_<snake_name>`"
        ),
        "{err}"
    );
    assert!(
        err.contains("`app::m20241301000000_x` (y.rs) is misnamed: the month (digits 5-6 of the timestamp"),
        "{err}"
    );
}

#[test]
fn checksum_follows_the_ops_not_the_code() {
    use migrate_core::registry::checksum;
    let mut s1 = migrate_core::Schema::new();
    s1.create_schema("x");
    let ops1 = s1.finish().unwrap();
    let mut s2 = migrate_core::Schema::new();
    // Same op, written differently.
    let name = String::from("x");
    s2.create_schema(&name);
    let ops2 = s2.finish().unwrap();
    let derived = |ops: &[migrate_core::op::Op]| Down::Derived(migrate_core::reverse::reverse_ops(ops).unwrap());
    assert_eq!(checksum(&ops1, &derived(&ops1), true), checksum(&ops2, &derived(&ops2), true));
    // Options and ops change it.
    assert_ne!(checksum(&ops1, &derived(&ops1), true), checksum(&ops1, &derived(&ops1), false));
    let mut s3 = migrate_core::Schema::new();
    s3.create_schema("y");
    let ops3 = s3.finish().unwrap();
    assert_ne!(checksum(&ops1, &derived(&ops1), true), checksum(&ops3, &derived(&ops3), true));
}

fn concurrent_index() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let mut s = migrate_core::Schema::new();
    s.create_index("users", ["email"]).concurrently();
    s.finish()
}

#[test]
fn concurrent_ops_need_no_transaction() {
    let a = def("app::m20240101000000_idx", "idx.rs", concurrent_index);
    let err = load([a]).unwrap_err().to_string();
    assert_eq!(
        err,
        "migration m20240101000000_idx (idx.rs) runs in a transaction, but `create_index users_email_idx on users` cannot run inside one: mark it `#[migration(no_transaction)]`"
    );
    let b = Box::leak(Box::new(MigrationDef {
        transaction: false,
        ..*def("app::m20240101000000_idx", "idx.rs", concurrent_index)
    }));
    assert!(load([&*b]).is_ok());
}

#[tokio::test]
async fn summaries_build_their_ops_again_as_the_runner_reaches_them() {
    let full = migrations().unwrap();
    let summaries = migrate_core::registry::summaries().unwrap();
    assert!(summaries.iter().all(|m| m.up.is_empty()), "summaries hold no ops");
    for (m, s) in full.iter().zip(&summaries) {
        let loaded = s.loaded().unwrap_or_else(|e| panic!("{}: {e}", s.id()));
        assert_eq!((loaded.up.as_slice(), &loaded.down, &loaded.checksum), (m.up.as_slice(), &m.down, &m.checksum));
    }
    // The runner over summaries applies the same schema as over the full migrations.
    let (mut a, mut b) = (TestDb::new("summaries_full").await, TestDb::new("summaries_lazy").await);
    let mut runner = migrate_core::runner::Migrator::new(full);
    runner.up(&mut a.client, None).await.unwrap();
    let mut lazy = migrate_core::runner::Migrator::new(summaries);
    let report = lazy.up(&mut b.client, None).await.unwrap();
    assert_eq!(report.applied.len(), runner.migrations().len());
    assert_eq!(catalog(&b.client, "public").await, catalog(&a.client, "public").await);
    // The history records the same checksums and SQL, up and down.
    let sql = "SELECT version, checksum, up_sql::text, down_sql::text FROM migrate_history ORDER BY version";
    let history = async |c: &tokio_postgres::Client| {
        let rows = c.query(sql, &[]).await.unwrap();
        rows.iter()
            .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1), r.get::<_, String>(2), r.get::<_, Option<String>>(3)))
            .collect::<Vec<_>>()
    };
    let (full_rows, lazy_rows) = (history(&a.client).await, history(&b.client).await);
    assert_eq!(full_rows.len(), report.applied.len());
    assert_eq!(lazy_rows, full_rows);
    // Rolling everything back through the summaries leaves the database empty again.
    lazy.down(&mut b.client, migrate_core::runner::DownTarget::To(0)).await.unwrap();
    let left: Vec<String> = b
        .client
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
               AND relname NOT LIKE 'migrate_history%' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "rolled back through summaries, these relations remain");
}

static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A builder that gives another schema name every time it runs.
fn changing_up() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut s = migrate_core::Schema::new();
    s.create_schema(&format!("x{n}"));
    s.finish()
}

#[test]
fn a_builder_that_changes_between_builds_is_an_error_not_other_sql() {
    let d = def("app::m20240101000000_changing", "changing.rs", changing_up);
    let m = migrate_core::registry::summaries_of([d]).unwrap().remove(0);
    let err = m.loaded().unwrap_err().to_string();
    assert_eq!(
        err,
        "migration m20240101000000_changing (changing.rs) gave other ops when built again: a migration's `up` and `down` must build the same ops every time they run (no clock, randomness, environment or I/O in the builder)"
    );
    // Linting (as `up` does before running) reports it instead of skipping the migration.
    let findings = migrate_core::lint::lint(&[m], &Default::default());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].message, err);
}

fn narrowing_change() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    use migrate_core::prelude::*;
    let mut s = migrate_core::Schema::new();
    s.alter_table("users", |t| {
        t.change_type("name", Varchar(100), Varchar(50));
    });
    s.finish()
}

fn widening_change() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    use migrate_core::prelude::*;
    let mut s = migrate_core::Schema::new();
    s.alter_table("users", |t| {
        t.change_type("name", Varchar(50), Varchar(100));
        t.change_type("price", Numeric::new(8, 2), Numeric::new(10, 2));
    });
    s.finish()
}

/// Narrowing a length or precision within one kind of type, with a derived down, is an error when the
/// migrations load (before any SQL), naming the column, both types and the way out for an applied one.
#[test]
fn narrowing_a_length_needs_a_down() {
    let err = load([def("app::m20240101000000_narrow", "narrow.rs", narrowing_change)]).unwrap_err().to_string();
    assert!(err.contains("narrows `users.name` from varchar(100) to varchar(50)"), "{err}");
    assert!(err.contains("migrate-cli resolve --accept-checksum 20240101000000"), "{err}");
    assert!(load([def("app::m20240101000000_widen", "widen.rs", widening_change)]).is_ok());
    // With a down, it loads.
    let with_down = Box::leak(Box::new(MigrationDef {
        down: Some(Box::leak(Box::new(widening_change as UpFn))),
        ..*def("app::m20240101000000_narrow", "narrow.rs", narrowing_change)
    }));
    assert!(load([&*with_down]).is_ok());
}

/// A derived-down migration changing `users.c` from one type to the other.
macro_rules! change {
    ($from:expr, $to:expr) => {
        (|| {
            use migrate_core::prelude::*;
            let mut s = migrate_core::Schema::<migrate_core::schema::mode::Irreversible>::in_mode();
            s.alter_table("users", |t| {
                t.change_type("c", $from, $to);
            });
            s.finish()
        }) as UpFn
    };
}

/// Lengths and precisions across kinds of type: a `varchar` into a shorter `char`, an integer into a
/// `numeric` with fewer digits before the point, a scale that leaves fewer of them, arrays by element.
#[test]
fn narrowing_across_lengths_precisions_and_arrays() {
    let narrowing = [
        ("varchar(100) to char(50)", change!(Varchar(100), Char(50))),
        ("char(10) to varchar(5)", change!(Char(10), Varchar(5))),
        ("integer to numeric(8, 0)", change!(Integer, Numeric::new(8, 0))),
        ("bigint to numeric(20, 2)", change!(BigInt, Numeric::new(20, 2))),
        ("numeric(8, 2) to numeric(8, 4)", change!(Numeric::new(8, 2), Numeric::new(8, 4))),
        ("numeric(8, 2) to numeric(9, 1)", change!(Numeric::new(8, 2), Numeric::new(9, 1))),
        ("varchar(10)[] to varchar(5)[]", change!(Array(Varchar(10)), Array(Varchar(5)))),
    ];
    for (what, up) in narrowing {
        let err = load([def("app::m20240101000000_narrow", "narrow.rs", up)]).unwrap_err().to_string();
        assert!(err.contains(&format!("narrows `users.c` from {what}")), "{what}: {err}");
    }
    let kept = [
        ("smallint to numeric(5, 0)", change!(SmallInt, Numeric::new(5, 0))),
        ("integer to numeric(12, 2)", change!(Integer, Numeric::new(12, 2))),
        ("char(5) to varchar(5)", change!(Char(5), Varchar(5))),
        ("numeric(8, 2) to numeric(10, 4)", change!(Numeric::new(8, 2), Numeric::new(10, 4))),
        ("varchar(5)[] to varchar(10)[]", change!(Array(Varchar(5)), Array(Varchar(10)))),
    ];
    for (what, up) in kept {
        assert!(load([def("app::m20240101000000_widen", "widen.rs", up)]).is_ok(), "{what}");
    }
}

fn forged_drop() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    // What no builder records: a drop carrying a definition (an empty table), so that its "derived
    // down" would create an empty table in place of the dropped one.
    Ok(vec![migrate_core::op::Op::DropTable {
        name: "accounts".into(),
        def: Some(migrate_core::op::TableDef { name: "accounts".into(), ..Default::default() }),
    }])
}

fn forged_drop_column() -> Result<Vec<migrate_core::op::Op>, migrate_core::error::BuildErrors> {
    Ok(vec![migrate_core::op::Op::DropColumn {
        table: "accounts".into(),
        column: "email".into(),
        def: Some(migrate_core::op::AddColumnDef {
            column: migrate_core::op::ColumnDef {
                name: "email".into(),
                ty: migrate_core::op::ColumnType::Text,
                not_null: false,
                default: None,
                identity: None,
                comment: None,
                generated: None,
                identity_options: None,
            },
            constraints: vec![],
            backfill: None,
        }),
    }])
}

/// A definition registered by hand (through the re-exported inventory, not `#[migration]`) is refused
/// when it holds what the macro never produces: a drop with a definition attached (in `up` or in an
/// explicit down), a module path that is not a `module_path!()`.
#[test]
fn the_registry_refuses_a_hand_written_definition() {
    for forged in [forged_drop as UpFn, forged_drop_column] {
        let err = load([def("app::m20240101000000_forged", "forged.rs", forged)]).unwrap_err().to_string();
        assert!(
            err.contains("was not registered by #[migration]") && err.contains("with a definition attached"),
            "{err}"
        );
        let in_down = Box::leak(Box::new(MigrationDef {
            down: Some(Box::leak(Box::new(forged))),
            ..*def("app::m20240101000000_forged", "forged.rs", widening_change)
        }));
        let err = load([&*in_down]).unwrap_err().to_string();
        assert!(err.contains("was not registered by #[migration]"), "{err}");
    }
    let err = load([def("m20240101000000_widen", "widen.rs", widening_change)]).unwrap_err().to_string();
    assert!(err.contains("is not a `module_path!()`"), "{err}");
}

/// An inline migration module inside another migration's file loads under its own name (its module
/// is nested in the file's); a module given another migration's file by `#[path]` is still refused.
#[test]
fn a_migration_nested_in_a_migration_file_loads() {
    let nested = load([
        def("app::m20240101000000_outer", "src/migrations/m20240101000000_outer.rs", widening_change),
        def(
            "app::m20240101000000_outer::m20240102000000_inner",
            "src/migrations/m20240101000000_outer.rs",
            widening_change,
        ),
    ])
    .unwrap();
    let names: Vec<&str> = nested.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["outer", "inner"]);
    let err = load([def("app::m20240102000000_inner", "src/migrations/m20240101000000_outer.rs", widening_change)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("its file is `m20240101000000_outer.rs`"), "{err}");
}

/// A baseline written by `squash` may list only versions that left the code and are not newer than
/// itself; the list is part of its checksum.
#[test]
fn a_baseline_lists_only_versions_that_left_the_code() {
    let squashing = |squashes: &'static [u64]| -> &'static MigrationDef {
        let d = def("app::m20240103000000_baseline", "src/migrations/m20240103000000_baseline.rs", ok_up);
        Box::leak(Box::new(MigrationDef { squashes, ..*d }))
    };
    let kept = def("app::m20240102000000_kept", "src/migrations/m20240102000000_kept.rs", ok_up);
    let errors = load([squashing(&[20240101000000, 20240102000000, 20240103000000]), kept]).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    let text = errors.to_string();
    assert!(
        text.contains("m20240103000000_baseline")
            && text.contains("replaces 20240102000000, which is still in the code"),
        "{text}"
    );
    assert!(text.contains("remove 20240102000000's file from src/migrations/"), "{text}");
    let newer = load([squashing(&[20240101000000, 20240103000000, 20240109000000])]).unwrap_err().to_string();
    assert!(newer.contains("replaces 20240109000000, which is newer than the baseline (20240103000000)"), "{newer}");
    for bad in
        [&[20240101000000u64][..], &[20240103000000, 20240101000000], &[20240101000000, 20240101000000, 20240103000000]]
    {
        let text = load([squashing(bad)]).unwrap_err().to_string();
        assert!(
            text.contains(
                "must list the versions it replaces in increasing order, each once, its own (20240103000000) last"
            ),
            "{bad:?}: {text}"
        );
    }
    // A migration older than the baseline that it does not replace would run before it on a new database.
    let older = def("app::m20240102000000_late_branch", "src/migrations/m20240102000000_late_branch.rs", ok_up);
    let text = load([squashing(&[20240101000000, 20240103000000]), older]).unwrap_err().to_string();
    assert!(
        text.contains("m20240102000000_late_branch (src/migrations/m20240102000000_late_branch.rs) is older than the baseline m20240103000000_baseline but not squashed into it"),
        "{text}"
    );
    // Accepted when the versions left the code; another list is another checksum, and no list the
    // plain migration's.
    let a = &load([squashing(&[20240101000000, 20240103000000])]).unwrap()[0];
    let b = &load([squashing(&[20240102000000, 20240103000000])]).unwrap()[0];
    let plain = &load([squashing(&[])]).unwrap()[0];
    assert_eq!(a.squashes, [20240101000000, 20240103000000]);
    assert!(a.checksum != b.checksum && a.checksum != plain.checksum && b.checksum != plain.checksum);
}
