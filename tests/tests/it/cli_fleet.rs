//! Many databases: `up --all-targets` over 50 databases and 50 tenant schemas, the canary first, bounded
//! concurrency, no new target after a failure; `status --all-targets`.

use std::fmt::Write;

use migrate_tests::{ManyDbs, TestDb, cli_in, connect_to, db_url, scratch_dir};

const BASE: &str = env!("CARGO_BIN_EXE_fx_base");

/// A migrate.toml naming every database as a target (the first is the canary), and optionally one
/// target with tenant schemas.
fn config(dbs: &[String], tenants: Option<(&str, usize)>) -> migrate_tests::ScratchDir {
    let mut toml = String::new();
    for (i, name) in dbs.iter().enumerate() {
        writeln!(toml, "[targets.db{i:02}]\nurl = \"{}\"{}", db_url(name), if i == 0 { "\ncanary = true" } else { "" })
            .unwrap();
    }
    if let Some((name, n)) = tenants {
        let schemas: Vec<String> = (0..n).map(|i| format!("\"tenant_{i:02}\"")).collect();
        writeln!(toml, "[targets.tenants]\nurl = \"{}\"\nschemas = [{}]", db_url(name), schemas.join(", ")).unwrap();
    }
    let dir = scratch_dir("fleet");
    std::fs::write(dir.join("migrate.toml"), toml).unwrap();
    dir
}

async fn history_len(db: &str, schema: &str) -> i64 {
    let c = connect_to(db).await;
    let sql = format!("SELECT count(*) FROM \"{schema}\".migrate_history WHERE state = 'applied'");
    c.query_one(&sql, &[]).await.map(|r| r.get(0)).unwrap_or(-1)
}

#[tokio::test]
async fn fifty_databases_and_fifty_schemas_migrate_concurrently() {
    let dbs = ManyDbs::new("fleet", 50).await;
    let tenants = TestDb::new("fleet_tenants").await;
    let dir = config(&dbs.names, Some((&tenants.name, 50)));
    let run = cli_in(&dir, BASE, "", &["up", "--all-targets", "--concurrency", "8"]).expect(0);
    assert!(run.stdout.contains("100 target(s): 100 ok, 0 failed, 0 skipped"), "{}", run.stdout);
    // The canary leads the table; every line says what it applied.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[1].starts_with("db00 "), "{}", run.stdout);
    assert_eq!(lines.iter().filter(|l| l.split_whitespace().nth(1) == Some("3")).count(), 100, "{}", run.stdout);
    for name in &dbs.names {
        assert_eq!(history_len(name, "public").await, 3, "{name}");
    }
    for i in 0..50 {
        let schema = format!("tenant_{i:02}");
        assert_eq!(history_len(&tenants.name, &schema).await, 3, "{schema}");
        let table: Option<String> = tenants
            .client
            .query_one(&format!("SELECT to_regclass('\"{schema}\".accounts')::text"), &[])
            .await
            .unwrap()
            .get(0);
        assert!(table.is_some(), "{schema} has its own accounts table");
    }
    let status = cli_in(&dir, BASE, "", &["status", "--all-targets", "--exit-code"]).expect(0);
    assert_eq!(status.stdout.lines().count(), 101, "{}", status.stdout);
    // Running again applies nothing anywhere.
    let again = cli_in(&dir, BASE, "", &["up", "--all-targets"]).expect(0);
    assert_eq!(again.stdout.lines().filter(|l| l.split_whitespace().nth(1) == Some("0")).count(), 100);
}

#[tokio::test]
async fn a_failing_target_stops_new_ones_and_a_failing_canary_stops_all() {
    let dbs = ManyDbs::new("fleet_fail", 12).await;
    // The fifth database already has the table the first migration creates.
    connect_to(&dbs.names[4]).await.batch_execute("CREATE TABLE accounts (id int)").await.unwrap();
    let dir = config(&dbs.names, None);
    let pending = cli_in(&dir, BASE, "", &["status", "--all-targets", "--exit-code"]).expect(1);
    // Every database: 0 applied, 3 pending, no problem.
    assert_eq!(pending.stdout.lines().filter(|l| l.split_whitespace().skip(1).eq(["0", "3", "0"])).count(), 12);
    let run = cli_in(&dir, BASE, "", &["up", "--all-targets", "--concurrency", "2"]).expect(2);
    assert!(run.stdout.contains("12 target(s): "), "{}", run.stdout);
    assert!(run.stdout.contains(" 1 failed, "), "{}", run.stdout);
    assert!(run.stdout.contains("error in db04: "), "{}", run.stdout);
    assert!(run.stdout.contains("relation \"accounts\" already exists"), "{}", run.stdout);
    let skipped: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" skipped ")).collect();
    assert!(!skipped.is_empty(), "{}", run.stdout);
    for line in &skipped {
        let i: usize = line[2..4].parse().unwrap();
        assert!(i > 4, "only targets after the failure are skipped: {line}");
        assert_eq!(history_len(&dbs.names[i], "public").await, -1, "db{i:02} was not touched");
    }

    // The canary fails: nothing else starts.
    let canary = ManyDbs::new("fleet_canary", 5).await;
    connect_to(&canary.names[0]).await.batch_execute("CREATE TABLE accounts (id int)").await.unwrap();
    let dir = config(&canary.names, None);
    let run = cli_in(&dir, BASE, "", &["up", "--all-targets"]).expect(2);
    assert!(run.stdout.contains("5 target(s): 0 ok, 1 failed, 4 skipped"), "{}", run.stdout);
    assert!(run.stderr.contains("the canary db00 failed: no other target is started"), "{}", run.stderr);
}
