//! `squash`: the migrations up to a version replaced by one baseline, proven on scratch databases;
//! the baseline recorded in place on databases that applied them, run on new ones, refused on a
//! database that applied only some; nothing below it rolled back where it was recorded in place.

use std::path::Path;

use migrate_tests::{TestDb, db_url, history, scratch_dir};

use super::cli_scaffold::{new_project, run, schema_dump, sql_migration};

const USERS: &str = "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_table(\"users\", |t| {\n        t.bigint(\"id\").identity().primary_key();\n        t.text(\"email\").not_null().unique();\n    });\n}\n";
const POSTS: &str = "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_table(\"posts\", |t| {\n        t.bigint(\"id\").identity().primary_key();\n        t.bigint(\"author_id\").not_null().references(\"users\", \"id\");\n        t.text(\"title\").not_null();\n    });\n    s.create_index(\"posts\", [\"author_id\"]);\n}\n";
const TAGS: &str = "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_table(\"tags\", |t| {\n        t.text(\"name\").primary_key();\n    });\n}\n";

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('m'))
        .collect();
    names.sort();
    names
}

async fn events(db: &TestDb, action: &str) -> Vec<(Option<i64>, String)> {
    db.client
        .query(
            "SELECT version, coalesce(detail, '') FROM migrate_history_events WHERE action = $1 ORDER BY id",
            &[&action],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn a_squashed_history_is_recorded_in_place_run_fresh_and_refused_part_way() {
    let dir = scratch_dir("squash");
    let folder = new_project(&dir);
    std::fs::write(folder.join("m20240101000000_users.rs"), USERS).unwrap();
    sql_migration(
        &folder,
        "m20240102000000_roles",
        "CREATE TABLE roles (id integer PRIMARY KEY, name text NOT NULL);\nINSERT INTO roles VALUES (1, 'admin'), (2, 'author');\n",
        "DROP TABLE roles;\n",
    );
    std::fs::write(folder.join("m20240103000000_posts.rs"), POSTS).unwrap();
    std::fs::write(folder.join("m20240104000000_tags.rs"), TAGS).unwrap();

    // Four databases: all applied, exactly the squashed ones, only the first, none.
    let (full, mid, part, fresh) = (
        TestDb::new("squash_full").await,
        TestDb::new("squash_mid").await,
        TestDb::new("squash_part").await,
        TestDb::new("squash_fresh").await,
    );
    run(&dir, &db_url(&full.name), &["up"]).expect(0);
    run(&dir, &db_url(&mid.name), &["up", "--to", "20240103000000"]).expect(0);
    run(&dir, &db_url(&part.name), &["up", "--to", "20240101000000"]).expect(0);
    let before = names(&folder);

    // What the generator cannot write refuses the squash, named, and nothing is written.
    let rule = sql_migration(
        &folder,
        "m20240102120000_rule",
        "CREATE RULE roles_keep AS ON DELETE TO roles DO INSTEAD NOTHING;\n",
        "DROP RULE roles_keep ON roles;\n",
    );
    let refused = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data"]).expect(2);
    assert!(refused.stderr.contains("rule roles_keep on roles"), "{}", refused.stderr);
    std::fs::remove_dir_all(rule).unwrap();
    assert_eq!(names(&folder), before);
    // What the baseline would not rebuild (a schema of its own, which the generator does not read) is
    // listed, exit 1, and nothing is written.
    let audit = sql_migration(
        &folder,
        "m20240102130000_audit",
        "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id bigint PRIMARY KEY, at timestamptz NOT NULL);\n",
        "DROP TABLE audit.log;\nDROP SCHEMA audit;\n",
    );
    let differs = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data"]).expect(1);
    assert!(
        differs.stdout.contains("schema audit is made by the squashed migrations, not by the baseline"),
        "{}",
        differs.stdout
    );
    assert!(differs.stdout.contains("audit: ") && differs.stdout.contains("log"), "{}", differs.stdout);
    assert!(
        differs.stderr.contains("the baseline does not rebuild the schema of the 4 migrations"),
        "{}",
        differs.stderr
    );
    std::fs::remove_dir_all(audit).unwrap();
    assert_eq!(names(&folder), before);

    // Data statements: listed and refused without --keep-data or --drop-data.
    let refused = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000"]).expect(2);
    assert!(refused.stderr.contains("change data in 1 statement(s)"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("m20240102000000_roles src/migrations/m20240102000000_roles/up.sql:2: INSERT INSERT INTO roles"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("pass --keep-data") && refused.stderr.contains("--drop-data"),
        "{}",
        refused.stderr
    );
    assert_eq!(names(&folder), before);
    let unknown = run(&dir, "", &["squash", "--to", "20240109000000", "--drop-data"]).expect(2);
    assert!(unknown.stderr.contains("no migration has version 20240109000000 in the code"), "{}", unknown.stderr);

    // The baseline needs a name of its own: the row of its version tells it from the original by it.
    let named = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data", "--name", "posts"])
        .expect(2);
    assert!(named.stderr.contains("m20240103000000_posts has that name already"), "{}", named.stderr);
    run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data", "--name", "Bad"]).expect(2);
    assert_eq!(names(&folder), before);

    // In a git work tree, originals git does not hold as they are are not removed.
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "the migrations"]);
    let users = folder.join("m20240101000000_users.rs");
    std::fs::write(&users, format!("{USERS}// edited\n")).unwrap();
    let refused = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data"]).expect(2);
    assert!(
        refused
            .stderr
            .contains("git does not hold these as they are: migrations/src/migrations/m20240101000000_users.rs"),
        "{}",
        refused.stderr
    );
    assert_eq!(names(&folder), before);
    git(&["commit", "-qam", "edited"]);

    let squashed = run(&dir, &db_url(&full.name), &["squash", "--to", "20240103000000", "--keep-data"]).expect(0);
    assert!(squashed.stdout.contains("one baseline in place of 3 migrations"), "{}", squashed.stdout);
    assert!(!squashed.stderr.contains("not in a git work tree"), "{}", squashed.stderr);
    assert_eq!(names(&folder), ["m20240103000000_baseline.rs", "m20240104000000_tags.rs"]);
    let baseline = std::fs::read_to_string(folder.join("m20240103000000_baseline.rs")).unwrap();
    assert!(
        baseline.contains("#[migration(squashes(\n    20240101000000,\n    20240102000000,\n    20240103000000,\n))]"),
        "{baseline}"
    );
    assert!(baseline.contains("INSERT INTO roles VALUES (1, 'admin'), (2, 'author')"), "{baseline}");
    let toml = std::fs::read_to_string(dir.join("migrate.toml")).unwrap();
    assert!(toml.contains("lint_baseline = 20240103000000"), "{toml}");

    // All applied: the baseline is recorded in place, no SQL runs (its CREATE TABLEs would fail).
    let status = run(&dir, &db_url(&full.name), &["status"]).expect(0).stdout;
    assert!(status.contains("squashed into m20240103000000_baseline"), "{status}");
    assert!(status.contains("pending: recorded in place of the 3 migrations it squashes (no SQL runs)"), "{status}");
    assert!(status.contains("(2 squashed into a baseline)"), "{status}");
    // The database holds what the baseline makes before it is recorded: no drift.
    let drift = run(&dir, &db_url(&full.name), &["drift"]).expect(0).stdout;
    assert!(drift.contains("no drift"), "{drift}");
    let dry = run(&dir, &db_url(&full.name), &["up", "--dry-run"]).expect(0).stdout;
    assert!(dry.contains("-- m20240103000000_baseline pending: recorded in place"), "{dry}");
    assert!(!dry.contains("CREATE TABLE"), "{dry}");
    let up = run(&dir, &db_url(&full.name), &["up"]).expect(0);
    assert!(
        up.stdout.contains("recorded m20240103000000_baseline recorded in place of the 3 migrations"),
        "{}",
        up.stdout
    );
    assert_eq!(history(&full.client).await.len(), 4, "every row is kept");
    let row: (String, Option<Vec<String>>, Option<String>) = full
        .client
        .query_one(
            "SELECT name, down_sql, irreversible_reason FROM migrate_history WHERE version = 20240103000000",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .unwrap();
    assert_eq!((row.0.as_str(), row.1.is_none()), ("baseline", true));
    assert!(row.2.unwrap().contains("recorded in place of the 3 migrations"));
    let logged = events(&full, "squash").await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].0, Some(20240103000000));
    let status = run(&dir, &db_url(&full.name), &["status", "--exit-code"]).expect(0).stdout;
    assert!(status.contains("2 applied, 0 pending, 0 needing attention (2 squashed into a baseline)"), "{status}");
    // A second `up` records nothing again.
    run(&dir, &db_url(&full.name), &["up"]).expect(0);
    assert_eq!(events(&full, "squash").await.len(), 1);

    // Nothing below the baseline is rolled back there; what is after it is. Refused before anything
    // runs: the last batch holds tags too, and it stays.
    let down = run(&dir, &db_url(&full.name), &["down"]).expect(2);
    assert!(
        down.stderr.contains("cannot be rolled back") && down.stderr.contains("before the squash"),
        "{}",
        down.stderr
    );
    assert!(full.client.query_one("SELECT to_regclass('tags') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
    run(&dir, &db_url(&full.name), &["down", "--to", "20240103000000"]).expect(0);
    let below = run(&dir, &db_url(&full.name), &["down", "--steps", "1"]).expect(2);
    assert!(below.stderr.contains("m20240103000000_baseline cannot be rolled back"), "{}", below.stderr);

    // Exactly the squashed ones applied: recorded, then the rest applied.
    let up = run(&dir, &db_url(&mid.name), &["up"]).expect(0);
    assert!(
        up.stdout.contains("recorded m20240103000000_baseline") && up.stdout.contains("applied m20240104000000_tags"),
        "{}",
        up.stdout
    );

    // Only some applied: refused, naming what it lacks, and nothing is written.
    let refused = run(&dir, &db_url(&part.name), &["up"]).expect(1);
    assert!(
        refused.stderr.contains("this database applied only 1 of them: it lacks 20240102000000, 20240103000000")
            && refused.stderr.contains("`migrate-cli up --to 20240103000000`"),
        "{}",
        refused.stderr
    );
    assert_eq!(history(&part.client).await.len(), 1);
    let status = run(&dir, &db_url(&part.name), &["status"]).expect(0).stdout;
    assert!(status.contains("blocked: this database applied 1 of the 3 migrations it squashes"), "{status}");
    let dry = run(&dir, &db_url(&part.name), &["up", "--dry-run"]).expect(2);
    assert!(dry.stderr.contains("up would refuse m20240103000000_baseline: blocked:"), "{}", dry.stderr);

    // A new database runs the baseline instead of them, the kept data included, and gets the same
    // schema as the database migrated one by one.
    let up = run(&dir, &db_url(&fresh.name), &["up"]).expect(0);
    assert!(up.stdout.contains("applied m20240103000000_baseline"), "{}", up.stdout);
    let roles: i64 = fresh.client.query_one("SELECT count(*) FROM roles", &[]).await.unwrap().get(0);
    assert_eq!(roles, 2);
    run(&dir, &db_url(&full.name), &["up"]).expect(0);
    assert_eq!(schema_dump(&fresh.name), schema_dump(&full.name));
    // A baseline changed after it was recorded is a changed migration, not recorded again.
    let file = folder.join("m20240103000000_baseline.rs");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "pub fn up(s: &mut Schema) {\n",
            "pub fn up(s: &mut Schema) {\n    s.create_schema(\"extra\");\n",
            1,
        ),
    )
    .unwrap();
    let changed = run(&dir, &db_url(&full.name), &["up"]).expect(1);
    assert!(changed.stderr.contains("m20240103000000_baseline changed since it was applied"), "{}", changed.stderr);
    assert_eq!(events(&full, "squash").await.len(), 1);
    std::fs::write(&file, text).unwrap();
    // Where it ran, it is an ordinary migration: its down drops what it made.
    run(&dir, &db_url(&fresh.name), &["down", "--steps", "2"]).expect(0);
    assert!(fresh.client.query_one("SELECT to_regclass('users') IS NULL", &[]).await.unwrap().get::<_, bool>(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The registry app's real history (`tests/corpus/`, 285 diesel migrations imported) squashed at its
/// 200th migration with `--drop-data`: a new database from the baseline and the 85 after it has the
/// `pg_dump --schema-only` of one migrated through all 285; a database migrated with the originals
/// moves on without running the baseline; one that applied only 150 of them is refused.
#[tokio::test]
async fn the_registry_app_history_squashes_at_its_200th_migration() {
    let dir = scratch_dir("squash_registry");
    super::cli_scaffold::import_registry_app(&dir);
    let folder = dir.join("registry/src/migrations");
    let before = names(&folder);
    assert_eq!(before.len(), 285);
    let (v150, v200) = (&before[149][1..15], &before[199][1..15]);
    let (all, moved, part, fresh) = (
        TestDb::new("squash_reg_all").await,
        TestDb::new("squash_reg_moved").await,
        TestDb::new("squash_reg_part").await,
        TestDb::new("squash_reg_fresh").await,
    );
    run(&dir, &db_url(&all.name), &["up"]).expect(0);
    run(&dir, &db_url(&moved.name), &["up", "--to", v200]).expect(0);
    run(&dir, &db_url(&part.name), &["up", "--to", v150]).expect(0);
    // A database diesel migrated to the 200th: diesel's history table only.
    let diesel = TestDb::new("squash_reg_diesel").await;
    run(&dir, &db_url(&diesel.name), &["up", "--to", v200]).expect(0);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-registry-app/migrations");
    let mut folders: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.as_bytes()[0].is_ascii_digit())
        .collect();
    folders.sort();
    diesel
        .client
        .batch_execute(
            "DROP TABLE migrate_history, migrate_history_events, migrate_history_meta, migrate_history_lock;
             CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())",
        )
        .await
        .unwrap();
    for f in &folders[..200] {
        let v = f.split('_').next().unwrap().replace('-', "");
        diesel.client.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)", &[&v]).await.unwrap();
    }

    // The data statements of the first 200 are listed, and refused without a flag.
    let refused = run(&dir, &db_url(&all.name), &["squash", "--to", v200]).expect(2);
    let listed = refused.stderr.lines().filter(|l| l.starts_with("  m")).count();
    eprintln!("data statements in the first 200 migrations: {listed}");
    assert!((15..=25).contains(&listed), "{}", refused.stderr);
    assert!(refused.stderr.contains(&format!("change data in {listed} statement(s)")), "{}", refused.stderr);
    assert_eq!(names(&folder), before);

    let squashed = run(&dir, &db_url(&all.name), &["squash", "--to", v200, "--drop-data"]).expect(0);
    assert!(squashed.stdout.contains("one baseline in place of 200 migrations"), "{}", squashed.stdout);
    assert!(
        squashed.stderr.contains(&format!("warning [squash] {listed} data statement(s) dropped")),
        "{}",
        squashed.stderr
    );
    let after = names(&folder);
    assert_eq!(after.len(), 86);
    assert_eq!(after[0], format!("m{v200}_baseline.rs"));
    assert_eq!(after[1..], before[200..]);

    // A new database: the baseline and the 85 after it, the schema of all 285.
    let up = run(&dir, &db_url(&fresh.name), &["up"]).expect(0);
    assert_eq!(up.stdout.lines().filter(|l| l.starts_with("applied m")).count(), 86, "{}", up.stdout);
    let expected = schema_dump(&all.name);
    assert!(expected.lines().count() > 3000);
    let differ = |db: &str| -> Vec<String> {
        similar::TextDiff::from_lines(&expected, &schema_dump(db))
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .map(|c| format!("{}{}", c.tag(), c.value()))
            .collect()
    };
    assert!(differ(&fresh.name).is_empty(), "pg_dump differs:\n{}", differ(&fresh.name).join(""));

    // Migrated with the originals up to the 200th: recorded in place, then the 85 applied.
    let up = run(&dir, &db_url(&moved.name), &["up"]).expect(0);
    assert!(up.stdout.contains(&format!("recorded m{v200}_baseline")), "{}", up.stdout);
    assert_eq!(up.stdout.lines().filter(|l| l.starts_with("applied m")).count(), 85, "{}", up.stdout);
    assert!(differ(&moved.name).is_empty(), "pg_dump differs:\n{}", differ(&moved.name).join(""));
    // Migrated through all 285: recorded, nothing else to do.
    let up = run(&dir, &db_url(&all.name), &["up"]).expect(0);
    assert!(up.stdout.contains(&format!("recorded m{v200}_baseline")), "{}", up.stdout);
    assert!(!up.stdout.contains("applied m"), "{}", up.stdout);
    let status = run(&dir, &db_url(&all.name), &["status", "--exit-code"]).expect(0).stdout;
    assert!(status.contains("86 applied, 0 pending, 0 needing attention (199 squashed into a baseline)"), "{status}");

    // Migrated by diesel: the baseline cannot be matched with diesel's rows; the old code adopts them.
    let refused = run(&dir, &db_url(&diesel.name), &["up"]).expect(2);
    assert!(
        refused.stderr.contains("applied by another tool (__diesel_schema_migrations, 200 applied)")
            && refused.stderr.contains("run `up` once with the code from before the squash"),
        "{}",
        refused.stderr
    );

    // Part-way: refused, and nothing changes there.
    let refused = run(&dir, &db_url(&part.name), &["up"]).expect(1);
    assert!(refused.stderr.contains("this database applied only 150 of them"), "{}", refused.stderr);
    assert_eq!(history(&part.client).await.len(), 150);
    let _ = std::fs::remove_dir_all(&dir);
}
