//! `init`, `new` and the `migrate-cli` driver on a scratch project, and the development database.

use std::path::{Path, PathBuf};
use std::process::Command;

use migrate_tests::{TestDb, cli_in, db_url, history, scratch_dir};

/// target/debug, where the test binary's own folder (deps/) sits.
pub(crate) fn target_debug() -> PathBuf {
    std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The `migrate-cli` driver, built if this test run did not build it.
fn driver() -> String {
    let path = target_debug().join("migrate-cli");
    if !path.is_file() {
        let status =
            Command::new(cargo()).args(["build", "-q", "-p", "migrate-cli", "--bin", "migrate-cli"]).status().unwrap();
        assert!(status.success());
    }
    path.display().to_string()
}

/// Runs the driver in `dir`, sharing the workspace's target folder so nothing is built twice.
/// The Rust migration `pull` wrote into the `adopted` crate (the folder also holds `.gitkeep`).
fn pulled_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir.join("adopted/src/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "rs"))
        .expect("pull wrote a migration")
}

pub(crate) fn run(dir: &Path, url: &str, args: &[&str]) -> migrate_tests::Run {
    // The scratch crate builds into the workspace's target folder (CARGO_TARGET_DIR).
    let target = target_debug().parent().unwrap().display().to_string();
    let mut cmd = Command::new(driver());
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO", cargo());
    if url.is_empty() {
        cmd.env_remove("DATABASE_URL");
    } else {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    out.into()
}

/// A new project in `dir` (`init`, the workspace's Cargo.lock so it builds on artifacts already
/// built): its migrations folder.
pub(crate) fn new_project(dir: &Path) -> PathBuf {
    run(dir, "", &["init"]).expect(0);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("migrations/Cargo.lock")).unwrap();
    dir.join("migrations/src/migrations")
}

/// Writes the SQL migration `folder/name/` with its `up.sql` and `down.sql`; returns its folder.
pub(crate) fn sql_migration(folder: &Path, name: &str, up: &str, down: &str) -> PathBuf {
    let dir = folder.join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
    dir
}

/// `pg_dump --schema-only --no-owner --no-privileges` of a database on the test server, without the
/// history tables (the framework's and diesel's).
pub(crate) fn schema_dump(db: &str) -> String {
    let out = Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-U", "postgres", "--schema-only", "--no-owner", "--no-privileges"])
        .args(["-T", "migrate_history", "-T", "migrate_history_events", "-T", "__diesel_schema_migrations", "-d", db])
        .output()
        .expect("pg_dump (PostgreSQL's client tools) must be installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // pg_dump's `\restrict` key is random per run.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn init_new_up_through_the_driver() {
    let db = TestDb::new("cli_init").await;
    let url = db_url(&db.name);
    let dir = scratch_dir("init");

    let outside = run(&dir, &url, &["status"]).expect(2);
    assert!(outside.stderr.contains("no migrate.toml found here or above"), "{}", outside.stderr);
    // The driver's own errors are JSON envelopes too with --format json.
    let json = run(&dir, &url, &["status", "--format", "json"]).expect(2);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {json:?}"));
    assert_eq!(
        (v["version"].as_u64(), v["command"].as_str(), v["ok"].as_bool()),
        (Some(1), Some("status"), Some(false))
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("no migrate.toml found here or above"), "{v}");

    let init = run(&dir, "", &["init"]).expect(0);
    for file in [
        "migrations/Cargo.toml",
        "migrations/build.rs",
        "migrations/src/lib.rs",
        "migrations/src/main.rs",
        "migrate.toml",
    ] {
        assert!(dir.join(file).is_file(), "init did not write {file}:\n{}", init.stdout);
    }
    run(&dir, "", &["init"]).expect(2);
    // Reuse the workspace's dependency versions, so the scratch crate builds on artifacts already built.
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("migrations/Cargo.lock")).unwrap();
    // No migration until one is asked for; the program says how to write one.
    let folder = dir.join("migrations/src/migrations");
    let names: Vec<String> =
        std::fs::read_dir(&folder).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, [".gitkeep"]);
    let none = run(&dir, "", &["list"]).expect(2);
    assert!(none.stderr.contains("A new project has none until `migrate-cli new NAME` writes one"), "{}", none.stderr);

    let new = run(&dir, "", &["new", "add_things"]).expect(0);
    let created = new.stdout.trim().strip_prefix("created ").unwrap().to_string();
    assert!(created.contains("migrations/src/migrations/m") && created.ends_with("_add_things.rs"), "{created}");
    std::fs::write(
        &created,
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_table(\"things\", |t| {\n        t.bigint(\"id\").identity().primary_key();\n    });\n}\n",
    )
    .unwrap();
    run(&dir, "", &["new", "Bad Name"]).expect(2);
    // An SQL migration: until its template (comments only) gets SQL, loading says to write it.
    let sql = run(&dir, "", &["new", "--sql", "more_things"]).expect(0);
    let up_sql = sql.stdout.trim().strip_prefix("created ").unwrap().to_string();
    assert!(up_sql.ends_with("_more_things/up.sql"), "{up_sql}");
    let empty = run(&dir, "", &["list"]).expect(2);
    assert!(
        empty.stderr.contains("the SQL has no statement, only comments: write the SQL it should run"),
        "{}",
        empty.stderr
    );
    std::fs::write(&up_sql, "CREATE TABLE more_things (id bigint PRIMARY KEY);\n").unwrap();

    let list = run(&dir, "", &["list"]).expect(0);
    assert_eq!(list.stdout.lines().count(), 2, "{}\n{}", list.stdout, list.stderr);
    let up = run(&dir, &url, &["up"]).expect(0);
    assert!(up.stderr.starts_with("building the migrations crate "), "{}", up.stderr);
    assert_eq!(history(&db.client).await.len(), 2);
    assert!(db.client.query_one("SELECT to_regclass('more_things') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
    assert!(db.client.query_one("SELECT to_regclass('things') IS NOT NULL", &[]).await.unwrap().get::<_, bool>(0));
    run(&dir, &url, &["status", "--exit-code"]).expect(0);

    // A file in the folder that is not a migration fails the build, naming the file: one without
    // `#[migration]`, one whose attribute is in a comment (the template's), a flat SQL file, and a
    // version given twice.
    let folder = dir.join("migrations/src/migrations");
    std::fs::write(folder.join("m20990101000000_forgotten.rs"), "pub fn up() {}\n").unwrap();
    let broken = run(&dir, &url, &["status"]).expect(2);
    assert!(broken.stderr.contains("m20990101000000_forgotten.rs has no #[migration]"), "{}", broken.stderr);
    std::fs::write(folder.join("m20990101000000_forgotten.rs"), "// #[migration]\npub fn up(s: &mut Schema) {}\n")
        .unwrap();
    let broken = run(&dir, &url, &["status"]).expect(2);
    assert!(broken.stderr.contains("m20990101000000_forgotten.rs has no #[migration]"), "{}", broken.stderr);
    std::fs::remove_file(folder.join("m20990101000000_forgotten.rs")).unwrap();
    std::fs::write(folder.join("m20990101000000_flat.sql"), "SELECT 1;\n").unwrap();
    let broken = run(&dir, &url, &["list"]).expect(2);
    assert!(broken.stderr.contains("m20990101000000_flat.sql is a flat SQL file"), "{}", broken.stderr);
    std::fs::remove_file(folder.join("m20990101000000_flat.sql")).unwrap();
    let twice = folder.join(created.rsplit('/').next().unwrap().trim_end_matches(".rs"));
    std::fs::create_dir_all(&twice).unwrap();
    std::fs::write(twice.join("up.sql"), "SELECT 1;\n").unwrap();
    std::fs::write(twice.join("down.sql"), "SELECT 1;\n").unwrap();
    let broken = run(&dir, &url, &["list"]).expect(2);
    assert!(broken.stderr.contains("two migrations cannot share a version"), "{}", broken.stderr);
    std::fs::remove_dir_all(&twice).unwrap();

    // SQL known when the crate builds is read then: a statement hidden in a literal where one query
    // is expected, and an SQL file the grammar cannot read, fail the build at their line.
    std::fs::write(
        folder.join("m20990101000000_view.rs"),
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_view(\"v\", \"SELECT 1; DROP TABLE things\");\n}\n",
    )
    .unwrap();
    let broken = run(&dir, &url, &["up"]).expect(2);
    assert!(
        broken.stderr.contains("m20990101000000_view.rs line 5: the SQL given to `create_view(..)` `SELECT 1; DROP TABLE things`: it holds 2 statements, not one query; write one query"),
        "{}",
        broken.stderr
    );
    std::fs::remove_file(folder.join("m20990101000000_view.rs")).unwrap();
    let typo = folder.join("m20990101000000_typo");
    std::fs::create_dir_all(&typo).unwrap();
    std::fs::write(typo.join("up.sql"), "CREATE TABLE t (a int);\n").unwrap();
    std::fs::write(typo.join("down.sql"), "DROP TABL t;\n").unwrap();
    let broken = run(&dir, &url, &["up"]).expect(2);
    assert!(
        broken
            .stderr
            .contains("m20990101000000_typo has SQL the PostgreSQL grammar cannot read: down.sql line 1, column"),
        "{}",
        broken.stderr
    );
    std::fs::remove_dir_all(&typo).unwrap();
    assert_eq!(history(&db.client).await.len(), 2, "nothing ran");

    // An SQL migration without down.sql and without an irreversible marker fails the build too.
    let sql = dir.join("migrations/src/migrations/m20990102000000_drop_things");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(sql.join("up.sql"), "DROP TABLE things;\n").unwrap();
    let broken = run(&dir, &url, &["status"]).expect(2);
    assert!(broken.stderr.contains("m20990102000000_drop_things has no down.sql"), "{}", broken.stderr);
    std::fs::write(sql.join("up.sql"), "-- migrate: irreversible = \"things are gone for good\"\nDROP TABLE things;\n")
        .unwrap();
    let listed = run(&dir, &url, &["list"]).expect(0);
    assert!(listed.stdout.contains("drop_things (irreversible: things are gone for good)"), "{}", listed.stdout);
    std::fs::remove_dir_all(&sql).unwrap();

    // timestamp to timestamptz: `up` reads the migrating session's TimeZone. Under another zone it is
    // a rewrite that shifts every value (a lint error naming the zone); under UTC, nothing is rewritten.
    let stamps = folder.join("m20990103000000_stamps");
    std::fs::create_dir_all(&stamps).unwrap();
    std::fs::write(
        stamps.join("up.sql"),
        "CREATE TABLE stamps (at timestamp);\nINSERT INTO stamps VALUES ('2026-01-01 12:00');\n",
    )
    .unwrap();
    std::fs::write(stamps.join("down.sql"), "DROP TABLE stamps;\n").unwrap();
    run(&dir, &url, &["up"]).expect(0);
    let zoned = folder.join("m20990104000000_zoned");
    std::fs::create_dir_all(&zoned).unwrap();
    std::fs::write(zoned.join("up.sql"), "ALTER TABLE stamps ALTER COLUMN at TYPE timestamptz;\n").unwrap();
    std::fs::write(zoned.join("down.sql"), "ALTER TABLE stamps ALTER COLUMN at TYPE timestamp;\n").unwrap();
    db.client.batch_execute(&format!("ALTER DATABASE {} SET TimeZone = 'Europe/Paris'", db.name)).await.unwrap();
    let stopped = run(&dir, &url, &["up"]).expect(1);
    let said = format!("{}{}", stopped.stdout, stopped.stderr);
    assert!(said.contains("changing-column-type") && said.contains("`Europe/Paris`"), "{said}");
    let filenode = "SELECT pg_relation_filenode('stamps')::bigint";
    let before: i64 = db.client.query_one(filenode, &[]).await.unwrap().get(0);
    db.client.batch_execute(&format!("ALTER DATABASE {} SET TimeZone = 'UTC'", db.name)).await.unwrap();
    run(&dir, &url, &["up"]).expect(0);
    let after: i64 = db.client.query_one(filenode, &[]).await.unwrap().get(0);
    assert_eq!(after, before, "under UTC the type change rewrites nothing");
    let at: String = db.client.query_one("SELECT (at AT TIME ZONE 'UTC')::text FROM stamps", &[]).await.unwrap().get(0);
    assert_eq!(at, "2026-01-01 12:00:00", "the value is kept");
}

#[test]
fn the_development_database_starts_once_and_stops() {
    let root = scratch_dir("devdb");
    let urls: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..2).map(|_| s.spawn(|| migrate_cli::dev_db::ensure_running(&root, false).unwrap())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(urls[0], urls[1]);
    assert!(root.join(".migrate/dev-db/data/PG_VERSION").is_file() || urls[0].contains("/tmp/migrate-dev-"));
    let status = migrate_cli::dev_db::status(&root).unwrap();
    assert!(status.starts_with("running: host="), "{status}");
    // It takes migrations: the CLI with no database configured uses it.
    let fx = env!("CARGO_BIN_EXE_fx_base");
    let up = cli_in(&root, fx, "", &["up"]).expect(0);
    assert!(up.stderr.contains("using the development database in"), "{}", up.stderr);
    assert!(cli_in(&root, fx, "", &["status"]).expect(0).stdout.contains("3 applied"));
    assert_eq!(migrate_cli::dev_db::stop(&root).unwrap(), "stopped");
    assert!(migrate_cli::dev_db::status(&root).unwrap().starts_with("stopped"));
    let _ = std::fs::remove_dir_all(&root);
}

/// `pull` on a database with objects the op model does not hold yet and with the history tables of
/// diesel, sqlx and refinery: the baseline holds the application's tables only, every object left out
/// is named in a warning, and the exit code is 1 (the baseline is still written and recorded).
#[tokio::test]
async fn pull_names_what_the_baseline_leaves_out_and_skips_other_tools_history() {
    let db = TestDb::new("cli_pull_left_out").await;
    let url = db_url(&db.name);
    db.client
        .batch_execute(
            "CREATE EXTENSION citext;
             CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now());
             CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL, success boolean NOT NULL);
             CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name varchar(255), applied_on varchar(255), checksum varchar(255));
             CREATE TABLE widgets (id serial PRIMARY KEY, name citext NOT NULL, area int GENERATED ALWAYS AS (id * 2) STORED);
             CREATE SEQUENCE tickets START 100;
             CREATE TYPE pair AS (a int, b int);
             CREATE DOMAIN positive AS int CHECK (VALUE > 0);
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER widgets_touch BEFORE UPDATE ON widgets FOR EACH ROW EXECUTE FUNCTION touch();
             CREATE MATERIALIZED VIEW widget_names AS SELECT name FROM widgets;
             CREATE FUNCTION audit_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
             CREATE EVENT TRIGGER audit_ddl_start ON ddl_command_start EXECUTE FUNCTION audit_ddl();
             CREATE INDEX widget_names_idx ON widget_names (name);
             CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
             GRANT SELECT ON widgets TO root;",
        )
        .await
        .unwrap();
    let dir = scratch_dir("pull_left_out");
    std::fs::write(dir.join("migrate.toml"), "migrations = \"adopted\"\ncompare_privileges = true\n").unwrap();
    let pulled = cli_in(&dir, env!("CARGO_BIN_EXE_fx_base"), &url, &["pull"]).expect(1);
    let file = pulled_file(&dir);
    let code = std::fs::read_to_string(&file).unwrap();
    assert!(code.contains("s.create_table(\"widgets\""), "{code}");
    for other in ["__diesel_schema_migrations", "_sqlx_migrations", "refinery_schema_history"] {
        assert!(!code.contains(other), "the baseline holds `{other}`:\n{code}");
    }
    for left_out in [
        "warning [pull] the baseline leaves out event trigger audit_ddl_start: event triggers are database-wide",
        "warning [pull] the baseline leaves out aggregate total(integer): aggregates",
        "warning [pull] the baseline leaves out `grant table widgets to root privileges=SELECT`: owners and grants are not in the baseline",
    ] {
        assert!(pulled.stderr.contains(left_out), "no `{left_out}` in:\n{}", pulled.stderr);
    }
    assert!(
        pulled.stderr.contains("warning [pull] 3 object(s) of `public` are not in the baseline"),
        "{}",
        pulled.stderr
    );
    // Sequences are in it: the serial column's after its table (it owns it), then its default.
    assert!(code.contains("s.create_sequence(\"tickets\", |q| {\n        q.start(100);\n    });"), "{code}");
    let owned = "s.create_sequence(\"widgets_id_seq\", |q| {\n        q.as_type(Integer).owned_by(\"widgets\", \"id\");\n    });";
    let (table_at, seq_at) = (code.find("s.create_table(\"widgets\"").unwrap(), code.find(owned).expect(&code));
    let default_at = code
        .find("t.set_default(\"id\", NamedType(String::new()), sql(\"nextval('widgets_id_seq'::regclass)\"))")
        .expect(&code);
    assert!(table_at < seq_at && seq_at < default_at, "{code}");
    assert!(code.contains("t.column(\"area\", Integer).generated(\"(id * 2)\");"), "{code}");
    // The materialized view with its index, the composite type and the domain are in it.
    for made in [
        "s.create_materialized_view(\"widget_names\", ",
        "s.create_index(\"widget_names\", [col(\"name\")]).name(\"widget_names_idx\");",
        "s.create_composite_type(\"pair\", |c| {\n        c.field(\"a\", \"integer\").field(\"b\", \"integer\");",
        "s.create_domain(\"positive\", \"integer\", |d| {\n        d.check(\"positive_check\", \"(VALUE > 0)\");",
    ] {
        assert!(code.contains(made), "no `{made}` in:\n{code}");
    }
    // Functions and triggers are in it (the event trigger's function too: any user may create it).
    assert!(code.contains("s.create_function(\"touch\", |f| {"), "{code}");
    assert!(code.contains("s.create_function(\"audit_ddl\", |f| {"), "{code}");
    assert!(
        code.contains("s.create_trigger(\"widgets\", \"widgets_touch\", |t| {\n        t.before().update().for_each_row().execute(\"touch\");"),
        "{code}"
    );
    // Nothing of the extension (citext's functions and types) is named: the extension is in the baseline.
    assert!(code.contains("s.create_extension(\"citext\")"), "{code}");
    assert!(!pulled.stderr.contains("citext"), "{}", pulled.stderr);
    assert_eq!(history(&db.client).await.len(), 1, "the baseline is recorded as applied");
}

/// Each of the three tools' history tables, alone beside an application table, as that tool creates
/// it: `pull` leaves it out (and says nothing of it).
#[tokio::test]
async fn pull_leaves_out_each_other_tools_history_table() {
    for (tool, ddl) in [
        (
            "diesel",
            "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())",
        ),
        (
            "sqlx",
            "CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL, installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL, execution_time bigint NOT NULL)",
        ),
        (
            "refinery",
            "CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name varchar(255), applied_on varchar(255), checksum varchar(255))",
        ),
    ] {
        let db = TestDb::new(&format!("cli_pull_{tool}")).await;
        let url = db_url(&db.name);
        db.client
            .batch_execute(&format!("{ddl}; CREATE TABLE notes (id bigint PRIMARY KEY, body text)"))
            .await
            .unwrap();
        let history_table = ddl.split_whitespace().nth(2).unwrap();
        let dir = scratch_dir(&format!("pull_{tool}"));
        std::fs::write(dir.join("migrate.toml"), "migrations = \"adopted\"\n").unwrap();
        let pulled = cli_in(&dir, env!("CARGO_BIN_EXE_fx_base"), &url, &["pull"]).expect(0);
        let file = pulled_file(&dir);
        let code = std::fs::read_to_string(&file).unwrap();
        assert!(code.contains("s.create_table(\"notes\""), "{tool}: {code}");
        assert!(!code.contains(history_table), "{tool}: the baseline holds `{history_table}`:\n{code}");
        assert!(!pulled.stderr.contains(history_table), "{tool}: {}", pulled.stderr);
    }
}

#[tokio::test]
async fn pull_adopts_an_existing_database() {
    // An existing database: the example's schema, made by hand (no history tables).
    let db = TestDb::new("cli_pull").await;
    let url = db_url(&db.name);
    cli_in(&scratch_dir("pull_src"), env!("CARGO_BIN_EXE_blog"), &url, &["up"]).expect(0);
    db.client.batch_execute("DROP TABLE migrate_history, migrate_history_events").await.unwrap();
    // Sequences: a standalone one with its options, one a column's default draws from, and serial
    // columns (which own theirs).
    db.client
        .batch_execute(
            "CREATE SEQUENCE tickets AS integer INCREMENT BY -2 MINVALUE -1000 MAXVALUE 500 START 400 CACHE 5 CYCLE;
             CREATE SEQUENCE invoice_numbers START 1000;
             CREATE TABLE counters (id serial PRIMARY KEY, big bigserial, invoice bigint DEFAULT nextval('invoice_numbers'),
                                    doubled bigint GENERATED ALWAYS AS (big * 2) STORED);
             INSERT INTO counters DEFAULT VALUES; INSERT INTO counters DEFAULT VALUES;
             CREATE TABLE tally (n int DEFAULT nextval('counters_id_seq'));
             CREATE TABLE invoices (number bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 10) PRIMARY KEY);
             INSERT INTO invoices DEFAULT VALUES; INSERT INTO invoices DEFAULT VALUES;
             CREATE VIEW z_counted AS SELECT id, big FROM counters;
             CREATE VIEW a_top_counted AS SELECT id FROM z_counted WHERE big > 1;",
        )
        .await
        .unwrap();
    // Functions, procedures and triggers: a SQL function that reads a table (created before the
    // tables, whose defaults call it: only with check_function_bodies off), functions that depend on
    // a table's row type or read tables and views in a BEGIN ATOMIC body (after them), a view that
    // calls one of those, a procedure, triggers (one disabled, one with arguments).
    db.client
        .batch_execute(
            "CREATE FUNCTION count_counters() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM counters $$;
             CREATE FUNCTION next_ticket(step int DEFAULT 1, OUT n bigint) LANGUAGE sql AS 'SELECT nextval(''tickets'') * step';
             CREATE TABLE stamped (at_count bigint DEFAULT count_counters());
             CREATE FUNCTION counter_rows() RETURNS SETOF counters LANGUAGE sql AS 'SELECT * FROM counters';
             CREATE FUNCTION big_total() RETURNS numeric LANGUAGE sql BEGIN ATOMIC SELECT sum(big) FROM counters; END;
             CREATE FUNCTION top_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM a_top_counted; END;
             CREATE VIEW b_totals AS SELECT big_total() AS total, top_count() AS top;
             CREATE PROCEDURE reset_tally(to_value int) LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
                 AS $$ BEGIN UPDATE tally SET n = to_value; END $$;
             CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := coalesce(NEW.n, 0); RETURN NEW; END $$;
             CREATE TRIGGER tally_stamp BEFORE INSERT OR UPDATE OF n ON tally FOR EACH ROW WHEN (NEW.n IS NULL) EXECUTE FUNCTION stamp();
             CREATE TRIGGER tally_audit AFTER DELETE ON tally FOR EACH STATEMENT EXECUTE FUNCTION stamp('x', '1');
             ALTER TABLE tally DISABLE TRIGGER tally_audit;",
        )
        .await
        .unwrap();
    // Types, views with options, materialized views: a domain over an enum with a check not
    // validated yet, a composite type using the domain and a range type, a column of each; a view
    // with security_barrier and a check option; a materialized view with its unique index, and one
    // created WITH NO DATA.
    db.client
        .batch_execute(
            "CREATE DOMAIN positive AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
             ALTER DOMAIN positive ADD CONSTRAINT below_million CHECK (VALUE < 1000000) NOT VALID;
             CREATE DOMAIN currency_code AS char(3) CHECK (VALUE ~ '^[A-Z]{3}$');
             CREATE TYPE z_money AS (amount numeric(12, 2), currency currency_code);
             CREATE TYPE float_window AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
             CREATE TABLE ledgers (id bigint PRIMARY KEY, total z_money, span float_window, kept positive,
                                   CONSTRAINT ledgers_no_overlap EXCLUDE USING gist (span WITH &&));
             ALTER TABLE ledgers ALTER COLUMN id SET STATISTICS 300;
             CREATE VIEW guarded WITH (security_barrier) AS SELECT id, kept FROM ledgers WHERE kept > 10 WITH LOCAL CHECK OPTION;
             CREATE MATERIALIZED VIEW ledger_totals AS SELECT id, (total).amount AS amount, kept FROM ledgers;
             CREATE UNIQUE INDEX ledger_totals_id ON ledger_totals (id);
             CREATE MATERIALIZED VIEW ledger_later AS SELECT count(*) AS n FROM ledgers WITH NO DATA;",
        )
        .await
        .unwrap();
    // Partitions (one partitioned itself, one attached with a check and a default of its own), row-level
    // security and policies.
    db.client
        .batch_execute(
            "CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text DEFAULT 'x', PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
             CREATE INDEX events_kind ON events (kind);
             CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (id);
             CREATE TABLE events_2026_low PARTITION OF events_2026 FOR VALUES IN (1, 2);
             CREATE TABLE events_old (id bigint NOT NULL, at date NOT NULL, kind text, CONSTRAINT events_old_positive CHECK (id > 0));
             ALTER TABLE events ATTACH PARTITION events_old FOR VALUES FROM (MINVALUE) TO ('2026-01-01');
             ALTER TABLE events_old ALTER COLUMN kind SET DEFAULT 'old';
             ALTER TABLE ledgers ENABLE ROW LEVEL SECURITY;
             CREATE POLICY ledgers_kept ON ledgers AS RESTRICTIVE FOR SELECT TO postgres USING (kept > 1);
             CREATE POLICY ledgers_all ON ledgers USING (true) WITH CHECK (id > 0);",
        )
        .await
        .unwrap();

    let dir = scratch_dir("pull");
    // Its own crate name: the init test builds a `migrations` crate into the same target folder.
    run(&dir, "", &["init", "--path", "adopted"]).expect(0);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("adopted/Cargo.lock")).unwrap();
    let pulled = run(&dir, &url, &["pull"]).expect(0);
    assert!(pulled.stdout.contains("_baseline.rs and recorded it as applied; lint_baseline = "), "{}", pulled.stdout);
    let file = pulled_file(&dir);
    let code = std::fs::read_to_string(&file).unwrap();
    assert!(code.contains("s.create_enum(\"user_role\", [\"reader\", \"author\", \"admin\"]);"), "{code}");
    assert!(
        code.contains(
            "t.column(\"role\", EnumType(\"user_role\".into())).not_null().default(sql(\"'reader'::user_role\"));"
        ),
        "{code}"
    );
    assert!(std::fs::read_to_string(dir.join("migrate.toml")).unwrap().contains("lint_baseline = "));
    // Compiled, the baseline has exactly the checksum recorded: applied, nothing pending, no drift.
    let status = run(&dir, &url, &["status", "--exit-code", "--drift"]).expect(0);
    assert!(
        status.stdout.contains("1 applied, 0 pending, 0 needing attention"),
        "{}\n{}",
        status.stdout,
        status.stderr
    );
    assert!(status.stdout.contains("no drift"), "{}", status.stdout);
    assert!(code.contains("s.sql_with_down(\"SET LOCAL check_function_bodies = off\""), "{code}");
    for made in [
        "s.create_domain(\"positive\", \"integer\", |d| {",
        "s.add_domain_check(\"positive\", \"below_million\", \"(VALUE < 1000000)\").not_valid();",
        "s.create_composite_type(\"z_money\", |c| {",
        "s.create_range_type(\"float_window\", \"double precision\", |r| {",
        ".security_barrier().check_option(CheckOption::Local);",
        "s.create_materialized_view(\"ledger_later\", ",
        "t.exclude(\"ledgers_no_overlap\", \"USING gist (span WITH &&)\");",
        "s.set_statistics(\"ledgers\", \"id\", 300);",
        ".with_no_data();",
        "s.create_index(\"ledger_totals\", [col(\"id\")]).name(\"ledger_totals_id\").unique();",
        "t.partition_by(\"RANGE (at)\");",
        "s.create_partition(\"events_2026\", \"events\", \"FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')\").partition_by(\"LIST (id)\");",
        "s.create_partition(\"events_old\", \"events\", \"FOR VALUES FROM (MINVALUE) TO ('2026-01-01')\");",
        "t.add_check(\"events_old_positive\", \"((id > 0))\");",
        "t.set_default(\"kind\", NamedType(String::new()), sql(\"'old'::text\"));",
        "s.set_row_security(\"ledgers\", RowSecurity::Enable);",
        "s.create_policy(\"ledgers\", \"ledgers_kept\", |p| {\n        p.restrictive().command(PolicyCommand::Select).to([\"postgres\"]).using(\"((kept)::integer > 1)\");",
        "s.create_policy(\"ledgers\", \"ledgers_all\", |p| {\n        p.using(\"true\").with_check(\"(id > 0)\");",
    ] {
        assert!(code.contains(made), "no `{made}` in:\n{code}");
    }
    // A domain comes before the composite type made of it, both before the table using them.
    let at = |s: &str| code.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(
        at("create_domain(\"currency_code\"") < at("create_composite_type(\"z_money\"")
            && at("create_composite_type(\"z_money\"") < at("create_table(\"ledgers\"")
    );
    // Each kind changed by hand is drift, named with the change.
    for (change, named, undo) in [
        (
            "ALTER DOMAIN positive VALIDATE CONSTRAINT below_million",
            "domain_constraint positive.below_million",
            "ALTER DOMAIN positive DROP CONSTRAINT below_million; ALTER DOMAIN positive ADD CONSTRAINT below_million CHECK (VALUE < 1000000) NOT VALID",
        ),
        (
            "ALTER DOMAIN positive DROP CONSTRAINT positive_check",
            "domain_constraint positive.positive_check",
            "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)",
        ),
        (
            "ALTER TYPE z_money ADD ATTRIBUTE note text",
            "type z_money composite",
            "ALTER TYPE z_money DROP ATTRIBUTE note",
        ),
        ("ALTER VIEW guarded RESET (security_barrier)", "view guarded", "ALTER VIEW guarded SET (security_barrier)"),
        (
            "REFRESH MATERIALIZED VIEW ledger_later",
            "materialized_view ledger_later",
            "DROP MATERIALIZED VIEW ledger_later; CREATE MATERIALIZED VIEW ledger_later AS SELECT count(*) AS n FROM ledgers WITH NO DATA",
        ),
        (
            "DROP INDEX ledger_totals_id",
            "ledger_totals_id",
            "CREATE UNIQUE INDEX ledger_totals_id ON ledger_totals (id)",
        ),
        (
            "ALTER TYPE float_window RENAME TO float_span",
            "range float_window",
            "ALTER TYPE float_span RENAME TO float_window",
        ),
        (
            "ALTER TABLE ledgers DROP CONSTRAINT ledgers_no_overlap",
            "missing: constraint ledgers.ledgers_no_overlap",
            "ALTER TABLE ledgers ADD CONSTRAINT ledgers_no_overlap EXCLUDE USING gist (span WITH &&)",
        ),
        (
            "ALTER TABLE ledgers ALTER COLUMN kept SET STATISTICS 700",
            "statistics ledgers.kept 700",
            "ALTER TABLE ledgers ALTER COLUMN kept SET STATISTICS -1",
        ),
        (
            "COMMENT ON FUNCTION count_counters() IS 'counts'",
            "comment function public.count_counters() 'counts'",
            "COMMENT ON FUNCTION count_counters() IS NULL",
        ),
        (
            "COMMENT ON CONSTRAINT ledgers_pkey ON ledgers IS 'key'",
            "comment table constraint ledgers_pkey on public.ledgers 'key'",
            "COMMENT ON CONSTRAINT ledgers_pkey ON ledgers IS NULL",
        ),
        (
            "ALTER INDEX ledger_totals_id SET (fillfactor = 50)",
            "ledger_totals_id",
            "ALTER INDEX ledger_totals_id RESET (fillfactor)",
        ),
        (
            "ALTER TABLE events DETACH PARTITION events_2026",
            "table events_2026",
            "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        ),
        (
            "ALTER TABLE ledgers DISABLE ROW LEVEL SECURITY",
            "table ledgers",
            "ALTER TABLE ledgers ENABLE ROW LEVEL SECURITY",
        ),
        (
            "ALTER POLICY ledgers_all ON ledgers USING (false)",
            "policy ledgers.ledgers_all",
            "ALTER POLICY ledgers_all ON ledgers USING (true)",
        ),
    ] {
        db.client.batch_execute(change).await.unwrap();
        let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
        assert!(drift.contains(named), "`{change}`: no `{named}` in:\n{drift}");
        db.client.batch_execute(undo).await.unwrap();
        let drift = run(&dir, &url, &["drift"]);
        assert_eq!(drift.code, 0, "after undoing `{change}`:\n{}", drift.stdout);
    }
    assert!(
        code.contains("s.create_procedure(\"reset_tally\", |f| {\n        f.arg(\"to_value\", \"integer\").language(\"plpgsql\").security_definer().option(\"SET search_path TO 'public'\")"),
        "{code}"
    );
    assert!(code.contains(".atomic_body("), "{code}");
    assert!(
        code.contains(
            "s.set_trigger_state(\"tally\", \"tally_audit\", TriggerState::Disabled, TriggerState::Enabled);"
        ),
        "{code}"
    );
    // Each kind changed by hand is drift, named with the change: a function, a procedure, a trigger.
    db.client
        .batch_execute("CREATE OR REPLACE FUNCTION count_counters() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) + 1 FROM counters $$")
        .await
        .unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("differs: function count_counters()") && drift.contains("count(*) + 1"), "{drift}");
    db.client
        .batch_execute("CREATE OR REPLACE FUNCTION count_counters() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM counters $$; ALTER PROCEDURE reset_tally(int) SECURITY INVOKER")
        .await
        .unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("differs: function reset_tally(integer)") && drift.contains("SECURITY DEFINER"), "{drift}");
    db.client
        .batch_execute(
            "ALTER PROCEDURE reset_tally(int) SECURITY DEFINER; ALTER TABLE tally ENABLE TRIGGER tally_audit",
        )
        .await
        .unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("trigger tally.tally_audit enabled"), "{drift}");
    db.client.batch_execute("ALTER TABLE tally DISABLE TRIGGER tally_audit").await.unwrap();
    run(&dir, &url, &["drift"]).expect(0);
    // A sequence changed by hand is drift, named with the change.
    db.client.batch_execute("ALTER SEQUENCE tickets INCREMENT BY -3").await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("sequence tickets integer increment=-3"), "{drift}");
    assert!(drift.contains("expected: sequence tickets integer increment=-2"), "{drift}");
    db.client.batch_execute("ALTER SEQUENCE tickets INCREMENT BY -2").await.unwrap();
    // So are an identity's options.
    db.client.batch_execute("ALTER TABLE invoices ALTER COLUMN number SET INCREMENT BY 5").await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("column invoices.number #1 bigint not null identity a (start=1000 increment=5"), "{drift}");
    db.client.batch_execute("ALTER TABLE invoices ALTER COLUMN number SET INCREMENT BY 10").await.unwrap();
    // So is a generated column made a plain one.
    db.client.batch_execute("ALTER TABLE counters ALTER COLUMN doubled DROP EXPRESSION").await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("expected: column counters.doubled #4 bigint generated (big * 2)"), "{drift}");
    db.client
        .batch_execute(
            "ALTER TABLE counters DROP COLUMN doubled, ADD COLUMN doubled bigint GENERATED ALWAYS AS (big * 2) STORED",
        )
        .await
        .unwrap();
    // And on an empty database it creates the same schema.
    let fresh = TestDb::new("cli_pull_fresh").await;
    run(&dir, &db_url(&fresh.name), &["up"]).expect(0);
    let ignore = ["migrate_history", "migrate_history_events"];
    let a = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    let b = migrate_core::introspect::snapshot(&fresh.client, "public", &ignore).await.unwrap();
    assert_eq!(migrate_core::introspect::diff(&a, &b), vec![]);
    // The baseline sets each used sequence where it stood: the next row continues the numbering.
    assert!(code.contains("s.set_sequence_value(\"invoice_numbers\", 1001);"), "{code}");
    assert!(
        code.contains(".identity().identity_options(IdentityOptions { start: Some(1000), increment: Some(10), ..Default::default() })"),
        "{code}"
    );
    let next: i32 =
        fresh.client.query_one("INSERT INTO counters DEFAULT VALUES RETURNING id", &[]).await.unwrap().get(0);
    assert_eq!(next, 3);
    // An identity column's numbering too.
    assert!(code.contains("s.set_identity_value(\"invoices\", \"number\", 1010);"), "{code}");
    let next: i64 =
        fresh.client.query_one("INSERT INTO invoices DEFAULT VALUES RETURNING number", &[]).await.unwrap().get(0);
    assert_eq!(next, 1020);

    // A hotfix by hand on the adopted database, captured by `diff` as a new migration.
    db.client
        .batch_execute(
            "ALTER TABLE users ADD COLUMN favorite_color text DEFAULT 'blue';
             ALTER TABLE users ALTER COLUMN role SET DEFAULT 'author';
             ALTER TABLE posts ADD CONSTRAINT posts_title_short CHECK (length(title) < 150);
             CREATE INDEX users_name_idx ON users (name);
             DROP INDEX posts_metadata_idx;
             CREATE TABLE hot (id serial PRIMARY KEY, n int);
             ALTER SEQUENCE tickets INCREMENT BY -4 CACHE 7;
             ALTER TABLE invoices ALTER COLUMN number SET INCREMENT BY 3 SET CYCLE;
             ALTER TABLE counters ALTER COLUMN doubled DROP EXPRESSION;
             ALTER TABLE counters ALTER COLUMN invoice DROP DEFAULT, ALTER COLUMN invoice SET NOT NULL,
                                  ALTER COLUMN invoice ADD GENERATED BY DEFAULT AS IDENTITY;
             CREATE OR REPLACE FUNCTION count_counters() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) + 2 FROM counters $$;
             CREATE FUNCTION hot_count(OUT n bigint) LANGUAGE sql AS 'SELECT count(*) FROM hot';
             DROP TRIGGER tally_stamp ON tally;
             CREATE TRIGGER hot_stamp BEFORE INSERT ON hot FOR EACH ROW EXECUTE FUNCTION stamp();
             ALTER TABLE tally ENABLE ALWAYS TRIGGER tally_audit;
             ALTER DOMAIN positive VALIDATE CONSTRAINT below_million;
             ALTER DOMAIN positive ADD CONSTRAINT not_seven CHECK (VALUE <> 7) NOT VALID;
             CREATE DOMAIN short_code AS varchar(8);
             CREATE VIEW hot_view AS SELECT id FROM hot;
             CREATE MATERIALIZED VIEW hot_counts AS SELECT n, count(*) AS c FROM hot GROUP BY n;
             CREATE INDEX hot_counts_n ON hot_counts (n);
             CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
             ALTER TABLE hot ENABLE ROW LEVEL SECURITY;
             CREATE POLICY hot_read ON hot USING (n > 0);",
        )
        .await
        .unwrap();
    run(&dir, &url, &["drift"]).expect(1);
    let captured = run(&dir, &url, &["diff", "--name", "capture_hotfix"]).expect(0);
    assert!(
        captured.stdout.contains("_capture_hotfix.rs (28 change(s) up, 24 down)"),
        "{}\n{}",
        captured.stdout,
        captured.stderr
    );
    // --reverse writes the way back: from the live schema to the migrations' schema.
    let reverse = scratch_dir("reverse");
    let back_file = reverse.join("back.rs");
    run(&dir, &url, &["diff", "--reverse", "--out", back_file.to_str().unwrap()]).expect(0);
    let back_code = std::fs::read_to_string(&back_file).unwrap();
    assert!(back_code.contains("s.drop_column(\"users\", \"favorite_color\");"), "{back_code}");
    assert!(back_code.contains("s.drop_index(\"users_name_idx\");"), "{back_code}");
    // The captured migration, applied after the baseline on an empty database, gives the hotfixed schema.
    let third = TestDb::new("cli_pull_captured").await;
    run(&dir, &db_url(&third.name), &["up"]).expect(0);
    let c = migrate_core::introspect::snapshot(&third.client, "public", &ignore).await.unwrap();
    let hotfixed = migrate_core::introspect::snapshot(&db.client, "public", &ignore).await.unwrap();
    assert_eq!(migrate_core::introspect::diff(&hotfixed, &c), vec![]);
    // And its down takes the schema back.
    run(&dir, &db_url(&third.name), &["down", "--steps", "1"]).expect(0);
    let back = migrate_core::introspect::snapshot(&third.client, "public", &ignore).await.unwrap();
    assert_eq!(migrate_core::introspect::diff(&b, &back), vec![]);
}

/// A new project `registry` in `dir` with the registry app's 285 diesel migrations imported (from
/// `tests/corpus/`), and the one down.sql that lacks a `;` corrected (import says so, and the build
/// would stop at it until it is corrected, as a user does). Returns what `import` said.
pub(crate) fn import_registry_app(dir: &Path) -> migrate_tests::Run {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-registry-app/migrations");
    run(dir, "", &["init", "--path", "registry"]).expect(0);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("registry/Cargo.lock")).unwrap();
    let imported = run(dir, "", &["import", "--from", "diesel", corpus.to_str().unwrap()]).expect(1);
    let broken = dir.join("registry/src/migrations/m20170318181441_downloads_need_no_id/down.sql");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, text.replacen("crate_downloads_pkey\n", "crate_downloads_pkey;\n", 1)).unwrap();
    imported
}

/// The real-world check: the 285 diesel migrations of the Rust package registry's web application
/// (copied into tests/corpus/rust-registry-app with its MIT/Apache-2.0 licence) imported, applied, and
/// verified.
#[tokio::test]
async fn the_registry_app_history_imports_applies_and_verifies() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-registry-app/migrations");
    if !corpus.is_dir() {
        panic!("the corpus is missing at {}", corpus.display());
    }
    let db = TestDb::new("cli_registry_app").await;
    let url = db_url(&db.name);
    let dir = scratch_dir("registry_app");
    let imported = import_registry_app(&dir);
    assert!(imported.stdout.starts_with("imported 285 migration(s)"), "{}", imported.stdout);
    let broken = dir.join("registry/src/migrations/m20170318181441_downloads_need_no_id/down.sql");
    assert_eq!(imported.stderr.matches("[sql_syntax]").count(), 1, "{}", imported.stderr);
    assert!(
        imported.stderr.contains(&format!("[sql_syntax] {} line 1, column 65:", broken.display())),
        "{}",
        imported.stderr
    );
    // diesel's 2026-05-27-120000 and 2026-05-27-120000-0000 both occur: made unique, in order.
    let names: Vec<String> = std::fs::read_dir(dir.join("registry/src/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("m20260527"))
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("m20260527120000_"))
            && names.iter().any(|n| n.starts_with("m20260527120001_")),
        "{names:?}"
    );
    let up = run(&dir, &url, &["up"]).expect(0);
    assert_eq!(up.stdout.lines().filter(|l| l.starts_with("applied m")).count(), 285, "{}", up.stderr);
    let kept: i64 = db
        .client
        .query_one("SELECT count(*) FROM migrate_history WHERE original_id IS NOT NULL AND state = 'applied'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 285);
    // The history the first release wrote for this import (tests/fixtures/history-v1, checksums of
    // format 1) stays applied: compared with each migration's format-1 checksum, then re-stamped to
    // the normalised-text format by the next `up`, with an event. The one down.sql corrected above
    // is a real change: a mismatch until accepted.
    let v1 = TestDb::new("cli_registry_app_v1").await;
    let v1_url = db_url(&v1.name);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/history-v1/registry-app.sql");
    v1.client.batch_execute(&std::fs::read_to_string(fixture).unwrap()).await.unwrap();
    v1.client.batch_execute("SET search_path TO public").await.unwrap();
    let status = run(&dir, &v1_url, &["status"]).expect(0).stdout;
    assert!(status.contains("285 applied, 0 pending, 1 needing attention"), "{status}");
    let flagged: Vec<&str> = status.lines().filter(|l| l.contains("checksum mismatch")).collect();
    assert!(flagged.len() == 1 && flagged[0].starts_with("20170318181441 downloads_need_no_id "), "{status}");
    run(&dir, &v1_url, &["resolve", "--accept-checksum", "20170318181441"]).expect(0);
    run(&dir, &v1_url, &["up"]).expect(0);
    let formats: Vec<(i32, i64)> = v1
        .client
        .query("SELECT checksum_format, count(*) FROM migrate_history GROUP BY 1 ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(formats, [(2, 285)]);
    let detail: String = v1
        .client
        .query_one("SELECT detail FROM migrate_history_events WHERE action = 'restamp'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(detail.starts_with("284 checksum(s) of SQL-file migrations re-stamped to format 2"), "{detail}");
    let status = run(&dir, &v1_url, &["status", "--exit-code"]).expect(0).stdout;
    assert!(status.contains("285 applied, 0 pending, 0 needing attention"), "{status}");
    // The checksums are the ones a fresh `up` stores.
    let sums = async |c: &tokio_postgres::Client| -> Vec<String> {
        c.query("SELECT checksum FROM migrate_history ORDER BY version", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(sums(&v1.client).await, sums(&db.client).await);
    drop(v1);

    // The SQL is read into the model: `schema` and `codegen` show every table the history built.
    let tables: Vec<String> = db
        .client
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'migrate\\_%' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables.len(), 35, "{tables:?}");
    let diagram = run(&dir, "", &["schema"]).expect(0).stdout;
    let code = run(&dir, "", &["codegen"]).expect(0).stdout;
    for t in &tables {
        assert!(diagram.contains(&format!("\n    {t} {{\n")), "{t} is missing from `schema`:\n{diagram}");
        // One identifier enum per table, documented with the table's name.
        assert!(code.contains(&format!("/// Table `{t}`.\n#[derive(")), "{t} is missing from `codegen`:\n{code}");
    }
    // Functions and triggers too: the model read them from the SQL, and `codegen` lists each one the
    // database holds (and `schema` names them in comments).
    let functions: Vec<String> = db
        .client
        .query(
            "SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let triggers: Vec<(String, String)> = db
        .client
        .query("SELECT t.tgname::text, c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(functions.len() > 20 && triggers.len() > 20, "{functions:?} {triggers:?}");
    let listed = code.lines().filter(|l| l.starts_with("//   function ") || l.starts_with("//   procedure ")).count();
    assert_eq!(listed, functions.len(), "{code}");
    for f in &functions {
        assert!(code.contains(&format!("//   function {f}(")), "function {f} is missing from `codegen`");
    }
    for (t, table) in &triggers {
        assert!(code.contains(&format!("//   trigger {t} on {table}: ")), "trigger {t} is missing from `codegen`");
        assert!(diagram.contains(&format!("    %% trigger {t} on {table}: ")), "trigger {t} is missing from `schema`");
    }
    // `lint --all` reports what the SQL does, by rule (the counts are in docs/parser.md), with
    // `raw-sql` only for what the model cannot represent.
    let linted = run(&dir, "", &["lint", "--all"]).expect(1).stdout;
    let mut per_rule = std::collections::BTreeMap::<String, usize>::new();
    for line in linted.lines().filter(|l| !l.starts_with(' ')) {
        if let Some(rule) = line.split_once(" [").and_then(|(_, r)| r.split_once(']')).map(|(r, _)| r) {
            *per_rule.entry(rule.to_string()).or_default() += 1;
        }
    }
    eprintln!("lint --all on the corpus, findings per rule: {per_rule:?}");
    for rule in ["require-concurrent-index-creation", "ban-drop-column", "ban-drop-table", "changing-column-type"] {
        assert!(per_rule.get(rule).is_some_and(|n| *n > 0), "no `{rule}`: {per_rule:?}");
    }
    // A finding points at the file and line of its statement.
    let m = "m20191111162609_drop_email_from_user";
    let up = std::fs::read_to_string(dir.join(format!("registry/src/migrations/{m}/up.sql"))).unwrap();
    let line = 1 + up.lines().position(|l| l.starts_with("ALTER TABLE users DROP COLUMN email")).unwrap();
    let at = format!("error [ban-drop-column] {m}: src/migrations/{m}/up.sql:{line}: drop_column users.email");
    assert!(linted.contains(&at), "no `{at}` in:\n{linted}");
    // Functions and triggers are read into the model: no `raw-sql` for them, and a trigger added to
    // an existing table is the advisory `adding-trigger`.
    assert!(linted.contains("runs `DO`") || linted.contains("runs `UPDATE`"), "{linted}");
    for kind in ["CREATE FUNCTION", "CREATE TRIGGER", "DROP FUNCTION", "DROP TRIGGER"] {
        assert!(!linted.contains(&format!("runs `{kind}`")), "{kind}: {linted}");
    }
    assert!(per_rule.get("adding-trigger").is_some_and(|n| *n > 0), "{per_rule:?}");
    // verify goes through the whole history and reports the downs that do not restore their up.
    let verify = run(&dir, &url, &["verify"]).expect(1);
    let failed = verify.stdout.lines().filter(|l| l.starts_with("FAILED m")).count();
    let ok = verify.stdout.lines().filter(|l| l.starts_with("ok m")).count();
    assert_eq!(ok + failed, 285, "{}", verify.stdout);
    assert!(failed > 0, "{}", verify.stdout);
    assert!(verify.stdout.contains(&format!("285 migration(s) verified, {failed} failed")), "{}", verify.stdout);
    // One known case: dropping users.email cannot be undone by its down.
    assert!(verify.stdout.contains("FAILED m20191111162609_drop_email_from_user"), "{}", verify.stdout);
    // `lint` replays each down on the schema model, without a database: each down it finds inexact is
    // one `verify` finds inexact on PostgreSQL.
    let ids = |text: &str, prefix: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split([':', ' ']).next().unwrap_or_default().to_string())
            .collect()
    };
    let by_lint = ids(&linted, "error [inexact-down] ");
    let by_verify = ids(&verify.stdout, "FAILED ");
    eprintln!("inexact downs: lint {} of verify's {}: {by_lint:?}", by_lint.len(), by_verify.len());
    assert!(by_lint.len() * 4 >= by_verify.len() * 3, "lint finds {} of verify's {}", by_lint.len(), by_verify.len());
    let extra: Vec<&String> = by_lint.difference(&by_verify).collect();
    let lines: Vec<&str> = linted.lines().collect();
    let said: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| extra.iter().any(|m| l.starts_with(&format!("error [inexact-down] {m}"))))
        .map(|(i, l)| format!("{l} {}", lines.get(i + 1).unwrap_or(&"")))
        .collect();
    assert!(extra.is_empty(), "lint calls these downs inexact, verify does not: {said:#?}");
    // Downs that restore a function with other whitespace are not failures: each is said as such.
    let layout: Vec<&str> = verify.stdout.lines().filter(|l| l.contains("(only in whitespace or comments)")).collect();
    assert!(!layout.is_empty(), "{}", verify.stdout);
    assert!(layout.iter().all(|l| l.trim_start().starts_with("note: differs: function ")), "{layout:?}");

    // A database diesel migrated: the first 200 migrations applied, diesel's history table beside them.
    let old = TestDb::new("cli_registry_app_diesel").await;
    let old_url = db_url(&old.name);
    let mut ours: Vec<String> = std::fs::read_dir(dir.join("registry/src/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('m'))
        .collect();
    ours.sort();
    run(&dir, &old_url, &["up", "--to", &ours[199][1..15]]).expect(0);
    let mut diesel: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.as_bytes()[0].is_ascii_digit())
        .collect();
    diesel.sort();
    // diesel stores a folder `2026-05-27-120000-0000_x` as version 202605271200000000.
    let versions: Vec<String> = diesel[..200].iter().map(|n| n.split('_').next().unwrap().replace('-', "")).collect();
    old.client
        .batch_execute(
            "DROP TABLE migrate_history, migrate_history_events;
             CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())",
        )
        .await
        .unwrap();
    for v in &versions {
        old.client.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)", &[v]).await.unwrap();
    }
    let adopted = run(&dir, &old_url, &["up"]).expect(0);
    assert!(
        adopted.stderr.contains("recorded 200 migration(s) as applied from __diesel_schema_migrations"),
        "{}",
        adopted.stderr
    );
    assert_eq!(adopted.stdout.lines().filter(|l| l.starts_with("applied m")).count(), 85, "{}", adopted.stdout);
    let rows = history(&old.client).await;
    assert_eq!(rows.len(), 285);
    let left: i64 = old.client.query_one("SELECT count(*) FROM __diesel_schema_migrations", &[]).await.unwrap().get(0);
    assert_eq!(left, 200, "diesel's table is left untouched");
    let logged: i64 = old
        .client
        .query_one("SELECT count(*) FROM migrate_history_events WHERE action = 'adopt'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(logged, 1);
    // A second run finds its own history and adopts nothing again.
    let again = run(&dir, &old_url, &["up"]).expect(0);
    assert!(!again.stderr.contains("recorded"), "{}", again.stderr);
    run(&dir, &old_url, &["status", "--exit-code"]).expect(0);
    // diesel's table is not drift: it is another tool's history, left in place.
    let drift = run(&dir, &old_url, &["drift"]).expect(0);
    assert!(drift.stdout.contains("no drift"), "{}", drift.stdout);

    // An index the SQL history built, dropped by hand and captured by `diff`: the model knows the
    // index from the SQL, so the captured `drop_index` runs CONCURRENTLY on the other database.
    old.client.batch_execute("DROP INDEX index_crate_updated_at").await.unwrap();
    let captured = run(&dir, &old_url, &["diff", "--name", "drop_hotfix"]).expect(0);
    assert!(captured.stdout.contains("_drop_hotfix.rs (1 change(s) up, 1 down)"), "{}", captured.stdout);
    let file = std::fs::read_dir(dir.join("registry/src/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("_drop_hotfix.rs"))
        .unwrap();
    let planned = run(&dir, &url, &["sql", "up", &file[1..15]]).expect(0).stdout;
    assert!(planned.contains("DROP INDEX CONCURRENTLY \"index_crate_updated_at\";"), "{planned}");
    run(&dir, &url, &["up"]).expect(0);
    let gone: bool =
        db.client.query_one("SELECT to_regclass('index_crate_updated_at') IS NULL", &[]).await.unwrap().get(0);
    assert!(gone);

    // A function rewritten by hand with other whitespace is no drift, but said; a real change is
    // drift, shown as the lines of the definition that differ.
    let definition: String = db
        .client
        .query_one("SELECT pg_get_functiondef('diesel_set_updated_at()'::regprocedure)", &[])
        .await
        .unwrap()
        .get(0);
    db.client.batch_execute(&definition.replacen("BEGIN", "BEGIN   -- reformatted\n\n", 1)).await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(0).stdout;
    assert!(
        drift.contains("note: differs: function diesel_set_updated_at() (only in whitespace or comments)"),
        "{drift}"
    );
    db.client.batch_execute(&definition.replacen("BEGIN", "BEGIN\n    PERFORM 1;", 1)).await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(drift.contains("differs: function diesel_set_updated_at()\n"), "{drift}");
    assert!(drift.contains("+ actual   |     PERFORM 1;"), "{drift}");
    db.client.batch_execute(&definition).await.unwrap();
    // A trigger dropped or disabled by hand is drift, named.
    let (table, trigger): (String, String) = db
        .client
        .query_one(
            "SELECT c.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE NOT t.tgisinternal ORDER BY 1, 2 LIMIT 1",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    db.client.batch_execute(&format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}")).await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(
        drift.contains(&format!("differs: trigger {table}.{trigger} disabled CREATE TRIGGER {trigger} ")),
        "{drift}"
    );
    db.client.batch_execute(&format!("DROP TRIGGER {trigger} ON {table}")).await.unwrap();
    let drift = run(&dir, &url, &["drift"]).expect(1).stdout;
    assert!(
        drift.contains(&format!("missing: trigger {table}.{trigger} enabled CREATE TRIGGER {trigger} ")),
        "{drift}"
    );
}

/// Two projects whose migrations crates have one package name, built into one target folder: each
/// `up` runs its own project's migrations, or stops naming both crates; never the other project's.
#[tokio::test]
async fn same_named_migrations_crates_sharing_a_target_folder_never_swap() {
    let (db_a, db_b) = (TestDb::new("cli_same_name_a").await, TestDb::new("cli_same_name_b").await);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    let project = |table: &str| {
        let dir = scratch_dir(&format!("same_name_{table}"));
        run(&dir, "", &["init", "--name", "shared-name-migrations"]).expect(0);
        std::fs::copy(&lock, dir.join("migrations/Cargo.lock")).unwrap();
        let created = run(&dir, "", &["new", &format!("create_{table}")]).expect(0);
        let file = created.stdout.trim().strip_prefix("created ").unwrap().to_string();
        std::fs::write(
            file,
            format!(
                "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {{\n    s.create_table(\"{table}\", |t| {{\n        t.bigint(\"id\").primary_key();\n    }});\n}}\n"
            ),
        )
        .unwrap();
        dir
    };
    let (a, b) = (project("alpha"), project("beta"));
    run(&a, &db_url(&db_a.name), &["up"]).expect(0);
    run(&b, &db_url(&db_b.name), &["up"]).expect(0);
    // A again, after B's build replaced the program both builds leave at the same path.
    let again = run(&a, &db_url(&db_a.name), &["list"]);
    match again.code {
        0 => assert!(again.stdout.contains("create_alpha") && !again.stdout.contains("create_beta"), "{again:?}"),
        _ => assert!(
            again.stderr.contains("two migrations crates with the same package name share a cargo target folder"),
            "{again:?}"
        ),
    }
    let swapped: bool = db_a.client.query_one("SELECT to_regclass('beta') IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(!swapped, "project A ran project B's migrations");
    for dir in [a, b] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Stopping the `migrate-cli` driver (SIGTERM, as a cancelled CI job does) stops the migrations
/// program it started, and the migration lock is free within seconds.
#[tokio::test]
async fn stopping_the_driver_stops_the_migrations_program_and_frees_the_lock() {
    let db = TestDb::new("cli_driver_signal").await;
    let url = db_url(&db.name);
    db.client
        .batch_execute("CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES (120)")
        .await
        .unwrap();
    let dir = scratch_dir("driver_signal");
    run(&dir, "", &["init", "--name", "driver-signal-migrations"]).expect(0);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("migrations/Cargo.lock")).unwrap();
    let created = run(&dir, "", &["new", "sleep"]).expect(0);
    let file = created.stdout.trim().strip_prefix("created ").unwrap().to_string();
    std::fs::write(
        file,
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.sql_with_down(\"SELECT pg_sleep((SELECT seconds FROM sleep_control))\", \"SELECT 1\");\n}\n",
    )
    .unwrap();
    run(&dir, "", &["list"]).expect(0); // built before the clock starts
    let target = target_debug().parent().unwrap().display().to_string();
    let mut driver = Command::new(driver())
        .arg("up")
        .current_dir(&*dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO", cargo())
        .env("DATABASE_URL", &url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let count = async |sql: &str| -> i64 { db.client.query_one(sql, &[]).await.unwrap().get(0) };
    let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep((SELECT seconds%' AND pid <> pg_backend_pid()";
    let locked = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    let start = std::time::Instant::now();
    while count(sleeping).await == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "the migration never started");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(count(locked).await, 1);
    let term = Command::new("kill").args(["-TERM", &driver.id().to_string()]).status().unwrap();
    assert!(term.success());
    driver.wait().unwrap();
    let stopped = std::time::Instant::now();
    while count(sleeping).await > 0 || count(locked).await > 0 {
        assert!(stopped.elapsed() < std::time::Duration::from_secs(5), "the program ran on, or the lock stayed held");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The stopped migration (the only one: `init` writes none) left nothing.
    assert!(history(&db.client).await.is_empty());
}

/// The registry-app round trip: the Rust package registry's database (its 285 migrations from
/// `tests/corpus/`, applied as diesel runs them) pulled into a new project; the baseline applied to a
/// fresh database gives the same `pg_dump --schema-only` (history tables left out); `drift`, `verify`
/// and `diff` in the pulled project find nothing; and `pull` has nothing it leaves out (exit 0).
#[tokio::test]
async fn the_registry_app_database_round_trips_through_pull() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-registry-app/migrations");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("up.sql").is_file())
        .collect();
    folders.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        (name.split('_').next().unwrap().replace('-', ""), name)
    });
    assert_eq!(folders.len(), 285);
    let src = TestDb::new("cli_roundtrip_src").await;
    for folder in &folders {
        let up = std::fs::read_to_string(folder.join("up.sql")).unwrap();
        let alone = std::fs::read_to_string(folder.join("metadata.toml"))
            .is_ok_and(|m| m.replace(' ', "").contains("run_in_transaction=false"));
        if alone {
            for st in migrate_core::render::split_statements(&up) {
                src.client.batch_execute(&st).await.unwrap_or_else(|e| panic!("{}: {e:?}", folder.display()));
            }
        } else {
            src.client
                .batch_execute(&format!("BEGIN;\n{up}\n;COMMIT;"))
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", folder.display()));
        }
    }
    let url = db_url(&src.name);
    let dir = scratch_dir("roundtrip");
    run(&dir, "", &["init", "--path", "roundtrip"]).expect(0);
    let lock = target_debug().parent().unwrap().parent().unwrap().join("Cargo.lock");
    std::fs::copy(lock, dir.join("roundtrip/Cargo.lock")).unwrap();
    // Nothing left out: no `warning [pull]` line, exit 0.
    let pulled = run(&dir, &url, &["pull"]).expect(0);
    assert!(!pulled.stderr.contains("warning [pull]"), "{}", pulled.stderr);
    let fresh = TestDb::new("cli_roundtrip_fresh").await;
    run(&dir, &db_url(&fresh.name), &["up"]).expect(0);
    let (a, b) = (schema_dump(&src.name), schema_dump(&fresh.name));
    assert!(a.lines().count() > 3000, "{a}");
    let differ: Vec<String> = similar::TextDiff::from_lines(&a, &b)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value()))
        .collect();
    assert!(differ.is_empty(), "pg_dump differs:\n{}", differ.join(""));
    assert!(run(&dir, &url, &["drift"]).expect(0).stdout.contains("no drift"));
    assert!(run(&dir, &url, &["verify"]).expect(0).stdout.contains("1 migration(s) verified, 0 failed"));
    assert!(run(&dir, &url, &["diff", "--name", "nothing"]).expect(0).stdout.contains("no difference"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cargo doc` of a migrations crate shows each migration's functions as written,
/// `pub fn up(s: &mut Schema)`, not with the mode the macro gives them (a hidden item's name).
#[test]
fn the_docs_of_a_migrations_crate_show_a_plain_schema() {
    let target = target_debug().parent().unwrap().to_path_buf();
    let status = Command::new(cargo())
        .args(["doc", "-q", "--no-deps", "-p", "blog-migrations"])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success());
    let dir = target.join("doc/blog_migrations/migrations/m20240107000000_replace_is_active");
    for f in ["up", "down"] {
        let html = std::fs::read_to_string(dir.join(format!("fn.{f}.html"))).unwrap();
        let sig = html.split(&format!("pub fn {f}(")).nth(1).and_then(|s| s.split(')').next()).unwrap_or("");
        // As text: `Schema` is a link when migrate_core's docs were built too, plain text otherwise.
        let mut text = String::new();
        let mut in_tag = false;
        for c in sig.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        assert_eq!(text, "s: &amp;mut Schema", "{f}: {sig}");
        assert!(!html.contains("MigrateMode") && !html.contains("DownMode"), "{f}");
    }
}
