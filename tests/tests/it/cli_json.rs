//! `--format json` on every command, checked against `docs/json.md`: each section's example is the
//! shape of the command's document (its keys and the types of their values), and every command of the
//! CLI has a section.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use migrate_tests::{Run, TestDb, cli_in, db_url, scratch_dir};
use serde_json::Value;

const BLOG: &str = env!("CARGO_BIN_EXE_blog");

/// The sections of docs/json.md: the backticked invocations of each `## ` heading, and the JSON
/// example under it.
fn documented() -> Vec<(Vec<String>, Value)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/json.md")).unwrap();
    let mut sections = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(heading) = line.strip_prefix("## ") else { continue };
        let keys: Vec<String> = heading.split('`').skip(1).step_by(2).map(String::from).collect();
        if keys.is_empty() {
            continue;
        }
        let block: String = lines
            .by_ref()
            .skip_while(|l| *l != "```json")
            .skip(1)
            .take_while(|l| *l != "```")
            .map(|l| format!("{l}\n"))
            .collect();
        let example = serde_json::from_str(&block).unwrap_or_else(|e| panic!("the example of `{heading}`: {e}"));
        sections.push((keys, example));
    }
    sections
}

/// Whether `actual` has the shape of the documented `doc`: the same keys (a documented `error` object
/// lists every key an error may have, so an actual one may have fewer), the same JSON types (`null`
/// on either side: a value that may be absent; a documented RFC 3339 timestamp asks for one), and
/// array items shaped like the documented first item.
fn conforms(actual: &Value, doc: &Value, path: &str, errors_may_omit: bool) -> Result<(), String> {
    match (actual, doc) {
        (_, Value::Null) | (Value::Null, _) => Ok(()),
        (Value::Object(a), Value::Object(d)) => {
            for key in a.keys() {
                if !d.contains_key(key) {
                    return Err(format!("{path}.{key} is not documented"));
                }
            }
            for (key, d) in d {
                match a.get(key) {
                    Some(a) => conforms(a, d, &format!("{path}.{key}"), key == "error")?,
                    None if errors_may_omit => {}
                    None => return Err(format!("{path}.{key} is documented but missing")),
                }
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(d)) => match d.first() {
            Some(d) => a.iter().enumerate().try_for_each(|(i, a)| conforms(a, d, &format!("{path}[{i}]"), false)),
            None if a.is_empty() => Ok(()),
            None => Err(format!("{path} has items but its documented example has none")),
        },
        (Value::String(a), Value::String(d)) => {
            if humantime::parse_rfc3339(d).is_ok() && humantime::parse_rfc3339(a).is_err() {
                return Err(format!("{path} is `{a}`, not an RFC 3339 timestamp"));
            }
            Ok(())
        }
        (Value::Number(_), Value::Number(_)) | (Value::Bool(_), Value::Bool(_)) => Ok(()),
        _ => Err(format!("{path} is {actual}, documented as {doc}")),
    }
}

struct Project {
    bin: &'static str,
    dir: migrate_tests::ScratchDir,
    url: String,
    used: BTreeSet<String>,
    sections: Vec<(Vec<String>, Value)>,
}

impl Project {
    /// Runs `args` with `--format json` and checks its document against the section `section`.
    fn check(&mut self, section: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let run: Run = cli_in(&self.dir, self.bin, &self.url, &all);
        let v: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document ({e}): {run:?}"));
        let doc = self
            .sections
            .iter()
            .find(|(keys, _)| keys.iter().any(|k| k == section))
            .unwrap_or_else(|| panic!("docs/json.md has no section `{section}`"))
            .1
            .clone();
        let name = section.split(' ').next().unwrap();
        let error_doc = self.sections.iter().find(|(keys, _)| keys.iter().any(|k| k == "error")).unwrap().1.clone();
        let (doc, used) = if v["ok"] == false && v.as_object().unwrap().len() == 4 && v.get("error").is_some() {
            // An error that stopped the command before it did anything: the error envelope.
            (error_doc.clone(), "error".to_string())
        } else {
            (doc, section.to_string())
        };
        if let Err(e) = conforms(&v, &doc, "", false) {
            panic!("{args:?}: {e}\n{}", serde_json::to_string_pretty(&v).unwrap());
        }
        if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
            conforms(error, &error_doc["error"], ".error", true).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
        assert_eq!(v["version"], 1, "{args:?}");
        assert_eq!(v["command"], name, "{args:?}");
        // `ok` says what the exit code says, except that `status` without --exit-code exits 0 whatever it
        // found.
        let status_found_problems = section == "status" && run.code == 0 && v["problems"] != 0;
        assert_eq!(v["ok"] == true, run.code == 0 && !status_found_problems, "{args:?}: {run:?}");
        self.used.insert(used);
        v
    }
}

#[tokio::test]
async fn every_command_prints_the_json_docs_json_md_describes() {
    let db = TestDb::new("json_all").await;
    let fleet = TestDb::new("json_all_fleet").await;
    let pulled = TestDb::new("json_all_pull").await;
    pulled.client.batch_execute("CREATE TABLE kept (id bigint PRIMARY KEY, note text)").await.unwrap();
    let dir = scratch_dir("json_all");
    std::fs::create_dir_all(dir.join("crate/src/migrations")).unwrap();
    let mut toml = std::fs::File::create(dir.join("migrate.toml")).unwrap();
    writeln!(toml, "migrations = \"crate\"\n[targets.tenant]\nurl = \"{}\"", db_url(&fleet.name)).unwrap();
    let sqlx = dir.join("sqlx");
    std::fs::create_dir_all(&sqlx).unwrap();
    std::fs::write(sqlx.join("20230101000000_first.sql"), "CREATE TABLE imported (id bigint PRIMARY KEY);\n").unwrap();
    std::fs::create_dir_all(dir.join("fresh")).unwrap();
    let mut p = Project { bin: BLOG, url: db_url(&db.name), dir, used: BTreeSet::new(), sections: documented() };

    // No database needed.
    p.check("list", &["list"]);
    let sql = p.check("sql", &["sql", "down", "20240107000000"]);
    assert_eq!(sql["direction"], "down");
    p.check("lint", &["lint", "--all"]);
    p.check("codegen", &["codegen"]);
    let schema = p.check("schema", &["schema"]);
    assert!(schema["tables"].as_array().unwrap().iter().any(|t| t["name"] == "users"), "{schema}");
    p.check("seed --list", &["seed", "--list"]);
    p.check("new", &["new", "added_later"]);
    p.check("new", &["new", "added_as_sql", "--sql"]);
    p.check("import", &["import", "--from", "sqlx", "sqlx"]);
    p.check("dev-db", &["dev-db", "status"]);
    let init = cli_in(&p.dir.join("fresh"), BLOG, "", &["init", "--format", "json"]).expect(0);
    let init: Value = serde_json::from_str(&init.stdout).unwrap();
    let init_doc = &p.sections.iter().find(|(k, _)| k.iter().any(|k| k == "init")).unwrap().1;
    conforms(&init, init_doc, "", false).unwrap();
    assert!(!init["created"].as_array().unwrap().is_empty(), "{init}");
    p.used.insert("init".into());

    // On the database.
    let status = p.check("status", &["status"]);
    assert_eq!(status["migrations"][0]["applied_at"], Value::Null);
    p.check("up --dry-run", &["up", "--dry-run"]);
    let up = p.check("up", &["up"]);
    assert_eq!(up["applied"].as_array().unwrap().len(), 7, "{up}");
    let status = p.check("status", &["status", "--drift"]);
    assert_eq!(status["drift"]["drift"], serde_json::json!([]), "{status}");
    p.check("verify", &["verify"]);
    p.check("drift", &["drift"]);
    p.check("diff", &["diff", "--name", "capture"]);
    p.check("resolve", &["resolve", "--rolled-back", "20240107000000"]);
    p.check("resolve", &["resolve", "--applied", "20240107000000"]);
    p.check("redo", &["redo"]);
    p.check("down", &["down", "--steps", "1"]);
    // The migration rolled back, rehearsed on a copy.
    let rehearsed = p.check("rehearse", &["rehearse"]);
    assert_eq!(rehearsed["migrations"][0]["applied"], true, "{rehearsed}");
    assert_eq!(rehearsed["up_again"]["ok"], true, "{rehearsed}");
    p.check("seed", &["seed", "--env", "test"]);
    p.check("reset", &["reset", "--yes", "--seed", "dev"]);
    p.check("production-marker", &["production-marker", "set"]);
    p.check("production-marker", &["production-marker", "status"]);
    p.check("production-marker", &["production-marker", "clear"]);
    let unlock = p.check("unlock", &["unlock", "--force"]);
    assert_eq!(unlock["held"], serde_json::json!([]), "{unlock}");
    p.check("up --all-targets", &["up", "--all-targets"]);
    p.check("status --all-targets", &["status", "--all-targets"]);
    let pull = p.check("pull", &["pull", "--database-url", &db_url(&pulled.name)]);
    assert!(pull["file"].as_str().unwrap().ends_with("_baseline.rs"), "{pull}");
    // The blog's first three migrations, as files of the project's migrations folder, squashed.
    let blog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/blog/src/migrations");
    for name in [
        "m20240101000000_create_users.rs",
        "m20240102000000_create_posts.rs",
        "m20240103000000_create_comments_and_tags.rs",
    ] {
        std::fs::copy(blog.join(name), p.dir.join("crate/src/migrations").join(name)).unwrap();
    }
    let squash = p.check("squash", &["squash", "--to", "20240103000000", "--drop-data"]);
    assert_eq!(
        squash["squashed"],
        serde_json::json!([20240101000000u64, 20240102000000u64, 20240103000000u64]),
        "{squash}"
    );
    assert_eq!(squash["removed"].as_array().unwrap().len(), 3, "{squash}");
    assert!(Path::new(squash["file"].as_str().unwrap()).is_file(), "{squash}");
    // An error before any work: the error envelope, on stdout, and the exit code.
    let error = p.check("up", &["up", "--to", "1"]);
    assert!(error["error"]["message"].as_str().unwrap().contains("no migration has version 1"), "{error}");

    // Every section is exercised, and every command has one.
    let documented: BTreeSet<String> = p.sections.iter().flat_map(|(keys, _)| keys.clone()).collect();
    assert_eq!(p.used, documented, "sections of docs/json.md not exercised, or exercised but not documented");
    let commands = <migrate_cli::cli::Cli as clap::CommandFactory>::command();
    for sub in commands.get_subcommands() {
        let name = sub.get_name();
        assert!(
            documented.iter().any(|k| k.split(' ').next() == Some(name)),
            "docs/json.md has no section for `{name}`"
        );
    }
    drop((p, pulled, fleet, db));
}

/// The errors of a run, in the shape the `error` section documents: lint stopping `up` before any SQL
/// (with the findings), and a migration the server refuses (with its SQLSTATE and statement).
#[tokio::test]
async fn the_errors_of_a_run_are_in_the_documented_shape() {
    let db = TestDb::new("json_errors").await;
    let dir = scratch_dir("json_errors");
    std::fs::write(dir.join("migrate.toml"), "safe_operations = false\n").unwrap();
    let url = db_url(&db.name);
    let mut p = Project { bin: env!("CARGO_BIN_EXE_fx_lint"), url, dir, used: BTreeSet::new(), sections: documented() };
    let stopped = p.check("up", &["up"]);
    assert_eq!(stopped["applied"], serde_json::json!([]), "{stopped}");
    assert_eq!(stopped["error"]["findings"][0]["rule"], "require-concurrent-index-creation", "{stopped}");

    let failing = TestDb::new("json_errors_failing").await;
    p.bin = env!("CARGO_BIN_EXE_fx_failing");
    p.url = db_url(&failing.name);
    let failed = p.check("up", &["up"]);
    assert!(!failed["applied"].as_array().unwrap().is_empty(), "{failed}");
    assert_eq!(failed["error"]["database_error"]["sqlstate"], "22012", "{failed}");
    drop((p, failing, db));
}

/// An application's serialization of the library's reports is the CLI's JSON: the example application
/// (a connection pool, its own tracing subscriber, `migrate_core::up`) applies the blog's migrations;
/// its report and status are what `up` and `status --format json` print.
#[tokio::test]
async fn the_librarys_serialized_reports_are_the_clis_json() {
    const APP: &str = env!("CARGO_BIN_EXE_fx_app");
    let db = TestDb::new("json_app").await;
    let url = db_url(&db.name);
    let dir = scratch_dir("json_app");
    let app = cli_in(&dir, APP, &url, &[]).expect(0);
    let v: Value = serde_json::from_str(&app.stdout).unwrap_or_else(|e| panic!("{e}: {app:?}"));
    // The application's own subscriber saw the run: a span per migration and per step, with fields.
    assert!(
        app.stderr
            .contains("migrate.migration{version=20240101000000 name=\"create_users\" direction=\"up\" duration_ms=")
            && app.stderr.contains("migrate.step{version=20240106000000 step=1 steps="),
        "{}",
        app.stderr
    );
    let status: Value =
        serde_json::from_str(&cli_in(&dir, BLOG, &url, &["status", "--format", "json"]).expect(0).stdout).unwrap();
    assert_eq!(v["status"]["migrations"], status["migrations"]);
    assert_eq!(v["status"]["problems"], status["problems"]);
    assert_eq!(v["status"]["migrations"].as_array().unwrap().len(), 7);

    // The same run through the CLI on another database: the same report, durations aside.
    let other = TestDb::new("json_app_cli").await;
    let up: Value =
        serde_json::from_str(&cli_in(&dir, BLOG, &db_url(&other.name), &["up", "--format", "json"]).expect(0).stdout)
            .unwrap();
    let without_durations = |v: &Value| -> Value {
        let mut v = v.clone();
        for item in v.as_array_mut().unwrap() {
            assert!(item["duration_ms"].is_number(), "{item}");
            item.as_object_mut().unwrap().remove("duration_ms");
        }
        v
    };
    for key in ["applied", "rolled_back"] {
        assert_eq!(without_durations(&v["report"][key]), without_durations(&up[key]), "{key}");
    }
    assert_eq!(v["report"]["warnings"], up["warnings"]);
    assert_eq!(v["report"]["recorded"], up["recorded"]);
    assert_eq!(v["report"]["repeatables"], up["repeatables"]);
    assert_eq!(v["report"].as_object().unwrap().len(), 5, "{}", v["report"]);
    drop((db, other));
}
