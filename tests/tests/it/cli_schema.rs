//! Knowing the real schema: `verify` checks every down on a scratch database, `drift` compares a
//! database with what its applied migrations build.

use migrate_tests::{TestDb, cli, db_url};

const BLOG: &str = env!("CARGO_BIN_EXE_blog");
const FORGETFUL: &str = env!("CARGO_BIN_EXE_fx_forgetful");

#[tokio::test]
async fn verify_passes_the_example_and_catches_a_down_that_forgets() {
    let db = TestDb::new("cli_verify").await;
    let url = db_url(&db.name);
    let run = cli(BLOG, &url, &["verify"]).expect(0);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("ok m2024")).count(), 7, "{}", run.stdout);
    assert!(run.stdout.contains("note: column order differs after the down"), "{}", run.stdout);
    assert!(run.stdout.ends_with("7 migration(s) verified, 0 failed\n"), "{}", run.stdout);

    let run = cli(FORGETFUL, &url, &["verify"]).expect(1);
    assert!(run.stdout.contains("FAILED m20240102000000_forgetful_down"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("differs: column accounts.email #2 text not null default 'nobody@example.com'::text comment=-"),
        "{}",
        run.stdout
    );
    // The scratch databases are gone; the target was not touched.
    let left: i64 = db
        .client
        .query_one("SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_verify_%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    assert!(migrate_tests::history(&db.client).await.is_empty());
}

#[tokio::test]
async fn drift_names_every_difference_in_plain_words() {
    let db = TestDb::new("cli_drift").await;
    let url = db_url(&db.name);
    cli(BLOG, &url, &["up", "--to", "20240105000000"]).expect(0);
    let clean = cli(BLOG, &url, &["drift"]).expect(0);
    assert!(clean.stdout.contains("no drift: the database matches its 5 applied migration(s)"), "{}", clean.stdout);

    // A hotfix by hand: a column, a default, an index dropped, another added.
    db.client
        .batch_execute(
            "ALTER TABLE users ADD COLUMN favorite_color text;
             ALTER TABLE users ALTER COLUMN role SET DEFAULT 'author';
             DROP INDEX posts_metadata_idx;
             CREATE INDEX users_name_idx ON users (name);",
        )
        .await
        .unwrap();
    let run = cli(BLOG, &url, &["drift"]).expect(1);
    let out = &run.stdout;
    assert!(out.contains("extra: column users.favorite_color"), "{out}");
    assert!(out.contains("differs: column users.role #4 user_role not null default 'author'::user_role"), "{out}");
    assert!(
        out.contains(
            "missing: index CREATE INDEX posts_metadata_idx ON public.posts USING gin (metadata jsonb_path_ops)"
        ),
        "{out}"
    );
    assert!(out.contains("extra: index CREATE INDEX users_name_idx ON public.users USING btree (name)"), "{out}");
    let json = cli(BLOG, &url, &["drift", "--format", "json"]).expect(1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["drift"].as_array().unwrap().len(), 4);
    // status --drift makes it a CI gate.
    cli(BLOG, &url, &["status", "--drift", "--exit-code"]).expect(1);
}

/// Compiles `main` together with a generated module with rustc alone; returns rustc's stderr on failure.
fn compiles(module: &str, main: &str) -> Result<(), String> {
    let dir = migrate_tests::scratch_dir("codegen");
    std::fs::write(dir.join("schema.rs"), module).unwrap();
    std::fs::write(dir.join("main.rs"), format!("mod schema;\nuse schema::*;\n{main}\n")).unwrap();
    let out = std::process::Command::new("rustc")
        .args(["--edition", "2024", "--crate-type", "bin", "-o"])
        .arg(dir.join("app"))
        .arg(dir.join("main.rs"))
        .output()
        .unwrap();
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

#[test]
fn codegen_gives_typed_names_and_a_rename_breaks_stale_code() {
    let app = r#"fn main() {
        let q = format!("SELECT {} FROM {}", Users::DisplayName, Users::Table);
        assert_eq!(q, "SELECT display_name FROM users");
        assert_eq!(PostTags::TagId.as_str(), "tag_id");
    }"#;
    let before = cli(BLOG, "", &["codegen", "--at", "20240104000000"]).expect(0);
    assert!(before.stdout.contains("pub enum Users {"), "{}", before.stdout);
    compiles(&before.stdout, app).unwrap();
    // After m20240105000000 renames display_name to name, the same application code no longer compiles.
    let after = cli(BLOG, "", &["codegen"]).expect(0);
    let err = compiles(&after.stdout, app).unwrap_err();
    assert!(err.contains("no variant") && err.contains("DisplayName"), "{err}");
    compiles(&after.stdout, &app.replace("Users::DisplayName", "Users::Name").replace("display_name", "name")).unwrap();
}

#[test]
fn schema_diagrams_in_mermaid_and_dot() {
    let mermaid = cli(BLOG, "", &["schema"]).expect(0).stdout;
    assert!(mermaid.starts_with("erDiagram\n"), "{mermaid}");
    assert!(
        mermaid.contains("    post_tags {\n        bigint post_id PK, FK\n        bigint tag_id PK, FK\n    }"),
        "{mermaid}"
    );
    assert!(mermaid.contains("    posts }o--|| users : \"posts_author_id_fkey (author_id)\""), "{mermaid}");
    // Before the foreign key was added, there is no such line.
    let early = cli(BLOG, "", &["schema", "--at", "20240103000000"]).expect(0).stdout;
    assert!(!early.contains("posts }o--|| users"), "{early}");
    let dot = cli(BLOG, "", &["schema", "--diagram", "dot"]).expect(0).stdout;
    assert!(
        dot.starts_with("digraph schema {")
            && dot.contains("\"comments\" -> \"posts\" [label=\"comments_post_id_fkey\"];"),
        "{dot}"
    );
}

#[tokio::test]
async fn introspection_round_trips_the_example_schema() {
    use blog_migrations as _;
    let source = TestDb::new("introspect_src").await;
    let copy = TestDb::new("introspect_copy").await;
    let mut client = migrate_tests::connect_to(&source.name).await;
    migrate_core::runner::Migrator::new(migrate_core::registry::migrations().unwrap())
        .up(&mut client, None)
        .await
        .unwrap();
    let ignore = ["migrate_history", "migrate_history_events"];
    let ops = migrate_core::introspect::ops(&client, "public", &ignore).await.unwrap();
    // The ops are valid for the builder's checks, and the schema model accepts them in order.
    assert!(migrate_core::validate::validate_ops(&ops).is_empty(), "{:?}", migrate_core::validate::validate_ops(&ops));
    let mut model = migrate_core::model::Model::default();
    for op in &ops {
        assert!(model.apply(op, 1).is_empty(), "{op:?}");
    }
    migrate_tests::apply(&copy.client, &ops).await.unwrap();
    let original = migrate_core::introspect::snapshot(&client, "public", &ignore).await.unwrap();
    let rebuilt = migrate_core::introspect::snapshot(&copy.client, "public", &ignore).await.unwrap();
    let changes = migrate_core::introspect::diff(&original, &rebuilt);
    assert!(changes.is_empty(), "{}", changes.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}
