//! `rehearse`: the pending migrations run on a copy with real rows, their locks measured; the target
//! never written.

use migrate_tests::{TestDb, admin_url, connect_to, db_url, history, scratch_dir};
use tokio_postgres::NoTls;

use super::cli_scaffold::{new_project, run, sql_migration};

/// A database the test did not create by name (the copy `--keep` leaves), dropped when the test ends.
struct Kept(String);

impl Drop for Kept {
    fn drop(&mut self) {
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let (admin, conn) = tokio_postgres::connect(&admin_url(), NoTls).await.unwrap();
                tokio::spawn(conn);
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            });
        })
        .join();
    }
}

const SCHEMA: &str = "
CREATE TABLE big (id integer PRIMARY KEY, n integer NOT NULL);
CREATE TABLE parents (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parents (id), label text);
CREATE TABLE staff (id integer PRIMARY KEY, manager_id integer REFERENCES staff (id));
CREATE TABLE audit (at timestamptz NOT NULL DEFAULT now(), what text NOT NULL);
CREATE TABLE \"Teams\" (org integer, code text, PRIMARY KEY (org, code));
CREATE TABLE members (id integer PRIMARY KEY, org integer, code text, FOREIGN KEY (org, code) REFERENCES \"Teams\" (org, code));
CREATE TABLE events (id bigint NOT NULL, day date NOT NULL, parent_id bigint REFERENCES parents (id)) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE FUNCTION children_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (what) VALUES ('child ' || NEW.id); RETURN NEW; END $$;
CREATE TRIGGER children_audit AFTER INSERT ON children FOR EACH ROW EXECUTE FUNCTION children_audit();
";

const UNDO_SCHEMA: &str =
    "DROP TABLE events, members, \"Teams\", children, parents, big, staff, audit; DROP FUNCTION children_audit();";

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn a_rewrite_is_measured_on_a_copy_the_safe_index_passes_and_a_failing_down_is_reported() {
    let dir = scratch_dir("rehearse");
    let folder = new_project(&dir);
    sql_migration(&folder, "m20240101000000_schema", SCHEMA, UNDO_SCHEMA);
    let db = TestDb::new("rehearse").await;
    let url = db_url(&db.name);
    run(&dir, &url, &["up"]).expect(0);
    db.client
        .batch_execute(
            "INSERT INTO big SELECT g, g FROM generate_series(1, 200000) g;
             INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 150000) g;
             INSERT INTO children SELECT g, 1 + (g * 7) % 150000, 'c' FROM generate_series(1, 150000) g;
             INSERT INTO staff SELECT g, nullif(g / 2, 0) FROM generate_series(1, 1000) g;
             INSERT INTO \"Teams\" SELECT o, 't' || c FROM generate_series(1, 30000) o, generate_series(1, 5) c;
             INSERT INTO members SELECT g, 1 + (g * 11) % 30000, 't' || (1 + g % 5) FROM generate_series(1, 3000) g;
             INSERT INTO events SELECT g, date '2024-06-01' + g % 400, 1 + g % 150000 FROM generate_series(1, 6000) g;
             ANALYZE;",
        )
        .await
        .unwrap();
    let audit_rows: i64 = db.client.query_one("SELECT count(*) FROM audit", &[]).await.unwrap().get(0);

    // Nothing pending: nothing to rehearse, no copy.
    let idle = run(&dir, &url, &["rehearse"]).expect(0);
    assert!(idle.stdout.contains("nothing to rehearse"), "{}", idle.stdout);

    // integer -> bigint rewrites the table under ACCESS EXCLUSIVE: over a small --max-lock, exit 1.
    let widen = sql_migration(
        &folder,
        "m20240102000000_widen",
        "ALTER TABLE big ALTER COLUMN n TYPE bigint;\n",
        "ALTER TABLE big ALTER COLUMN n TYPE integer;\n",
    );
    let out = run(&dir, &url, &["--format", "json", "rehearse", "--max-lock", "5ms", "--keep"]).expect(1);
    let report = json(&out.stdout);
    let copy = Kept(report["copy"]["name"].as_str().unwrap_or_else(|| panic!("{report}")).to_string());
    assert_eq!(report["ok"], false, "{report}");
    let statement = &report["migrations"][0]["statements"][0];
    assert!(statement["sql"].as_str().unwrap().contains("TYPE bigint"), "{report}");
    let lock = statement["locks"].as_array().unwrap().iter().find(|l| l["table"] == "big").expect("a lock on big");
    assert_eq!(lock["mode"], "AccessExclusiveLock", "{report}");
    assert_eq!(lock["rewritten"], true, "{report}");
    assert_eq!(lock["blocks_writes"], true, "{report}");
    assert_eq!(lock["rows"], 100000, "{report}");
    assert!(lock["held_ms"].as_f64().unwrap() > 5.0, "{report}");
    let problems = report["problems"].to_string();
    assert!(problems.contains("AccessExclusiveLock on big") && problems.contains("--max-lock 5 ms"), "{problems}");
    assert_eq!(report["copy"]["kept"], true, "{report}");
    // The downs and the ups again ran.
    assert_eq!(report["down"]["ok"], true, "{report}");
    assert_eq!(report["up_again"]["ok"], true, "{report}");

    // The copy: every table capped at --rows, the children only of copied parents, every key valid
    // except the one in a cycle (staff to itself), which is NOT VALID and named; no trigger fired.
    let tables = report["copy"]["tables"].as_array().unwrap();
    let rows = |t: &str| tables.iter().find(|x| x["table"] == t).map(|x| x["rows"].as_u64().unwrap());
    assert_eq!(rows("big"), Some(100000), "{report}");
    assert_eq!(rows("parents"), Some(100000), "{report}");
    let how = |t: &str| tables.iter().find(|x| x["table"] == t).map(|x| x["how"].as_str().unwrap().to_string());
    assert_eq!(how("children").as_deref(), Some("parents"), "{report}");
    assert_eq!(how("big").as_deref(), Some("sample"), "{report}");
    assert!(rows("children").unwrap() > 0, "{report}");
    // A key of two columns filters too (members of the teams copied only), and a partitioned table is
    // copied through its root (its key to parents filtering its rows).
    assert_eq!(rows("Teams"), Some(100000), "{report}");
    assert_eq!(how("members").as_deref(), Some("parents"), "{report}");
    assert!(rows("members").unwrap() > 0 && rows("members").unwrap() < 3000, "{report}");
    assert_eq!(how("events").as_deref(), Some("parents"), "{report}");
    assert_eq!(rows("staff"), Some(1000), "{report}");
    assert!(report["copy"]["warnings"].to_string().contains("staff_manager_id_fkey"), "{report}");
    let c = connect_to(&copy.0).await;
    let orphans: i64 = c
        .query_one("SELECT count(*) FROM children WHERE parent_id NOT IN (SELECT id FROM parents)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
    let keys: Vec<(String, bool)> = c
        .query("SELECT conname::text, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let orphans: i64 = c
        .query_one(
            "SELECT (SELECT count(*) FROM events WHERE parent_id NOT IN (SELECT id FROM parents))
                  + (SELECT count(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM \"Teams\" t WHERE t.org = m.org AND t.code = m.code))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
    let keys: Vec<(String, bool)> = keys.into_iter().filter(|(k, _)| !k.starts_with("events")).collect();
    assert_eq!(
        keys,
        [
            ("children_parent_id_fkey".to_string(), true),
            ("members_org_code_fkey".to_string(), true),
            ("staff_manager_id_fkey".to_string(), false)
        ]
    );
    let copied_audit: i64 = c.query_one("SELECT count(*) FROM audit", &[]).await.unwrap().get(0);
    assert_eq!(copied_audit, audit_rows.min(100000), "the trigger on children must not fire while rows go in");
    let enabled: String = c
        .query_one("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'children_audit'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(enabled, "O");
    // The copy is where the rehearsal left it: the migration applied (its ups ran again).
    let ty: String = c
        .query_one("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attname = 'n'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(ty, "bigint");
    drop(c);
    drop(copy);

    // The target was not written: still integer, one migration applied.
    let ty: String = db
        .client
        .query_one("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attname = 'n'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(ty, "integer");
    assert_eq!(history(&db.client).await.len(), 1);

    // The builder's index on a table with rows is built CONCURRENTLY: no lock that blocks writes,
    // even with the smallest --max-lock; the text report says what it took. The copy is dropped.
    std::fs::remove_dir_all(widen).unwrap();
    std::fs::write(
        folder.join("m20240102000000_index_n.rs"),
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.create_index(\"big\", [\"n\"]);\n}\n",
    )
    .unwrap();
    let out = run(&dir, &url, &["rehearse", "--max-lock", "1ms"]).expect(0);
    assert!(out.stdout.contains("CREATE INDEX CONCURRENTLY"), "{}", out.stdout);
    assert!(out.stdout.contains("big (100000 rows): ShareUpdateExclusiveLock"), "{}", out.stdout);
    assert!(out.stdout.contains("rehearsal passed"), "{}", out.stdout);
    let left: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("{}__migrate_rehearse%", db.name)],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the copy is dropped without --keep");

    // A backfill reports the rows it updated; a down that fails is reported, exit 1; the target still
    // has only its first migration.
    std::fs::write(
        folder.join("m20240102100000_score.rs"),
        "use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {\n    s.alter_table(\"parents\", |t| {\n        t.integer(\"score\").not_null().backfill(\"id % 7\");\n    });\n}\n",
    )
    .unwrap();
    // Outside a transaction, a rewrite is found on its statement too.
    sql_migration(
        &folder,
        "m20240102200000_widen_alone",
        "-- migrate: no_transaction\nALTER TABLE big ALTER COLUMN n TYPE bigint;\n",
        "-- migrate: no_transaction\nALTER TABLE big ALTER COLUMN n TYPE integer;\n",
    );
    sql_migration(
        &folder,
        "m20240103000000_note",
        "ALTER TABLE parents ADD COLUMN note text;\n",
        "ALTER TABLE parents DROP COLUMN no_such_column;\n",
    );
    let out = run(&dir, &url, &["rehearse"]).expect(1);
    assert!(out.stdout.contains("the downs fail on the copy"), "{}", out.stdout);
    assert!(out.stdout.contains("no_such_column"), "{}", out.stdout);
    assert!(out.stdout.contains("(100000 rows updated in "), "{}", out.stdout);
    let alone = out.stdout.split("m20240102200000_widen_alone").nth(1).expect("the migration's report");
    let alone = alone.split("m20240103000000_note").next().unwrap();
    assert!(alone.contains("big (100000 rows): AccessExclusiveLock") && alone.contains("rewrote the table"), "{alone}");
    assert!(!out.stdout.contains("where no statement of the report showed it"), "{}", out.stdout);
    assert_eq!(history(&db.client).await.len(), 1);
}

/// A schema whose name needs quotes (`schema = "App"`) is read whole: the catalog queries of `pull`'s
/// generator and the snapshots once took its name unquoted, lower-cased, and found no schema `app`.
#[tokio::test]
async fn a_schema_named_in_capitals_is_read() {
    let db = TestDb::new("rehearse_schema").await;
    db.client
        .batch_execute(
            "CREATE SCHEMA \"App\";
             CREATE TYPE \"App\".mood AS ENUM ('ok', 'sad');
             CREATE TABLE \"App\".people (id bigint PRIMARY KEY, m \"App\".mood);
             CREATE VIEW \"App\".happy AS SELECT id FROM \"App\".people WHERE m = 'ok';",
        )
        .await
        .unwrap();
    let ops = migrate_core::introspect::ops(&db.client, "App", &[]).await.unwrap();
    let described: Vec<String> = ops.iter().map(|o| o.describe()).collect();
    assert!(described.iter().any(|d| d.contains("people")), "{described:?}");
    assert!(described.iter().any(|d| d.contains("mood")), "{described:?}");
    assert!(described.iter().any(|d| d.contains("happy")), "{described:?}");
    assert!(migrate_core::introspect::not_expressed(&db.client, "App", &[]).await.unwrap().is_empty());
    let snapshot = migrate_core::introspect::snapshot(&db.client, "App", &[]).await.unwrap();
    assert!(snapshot.lines.iter().any(|l| l.contains("people")), "{:?}", snapshot.lines);
}
