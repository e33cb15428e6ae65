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
    // The scratch database is gone; the target was not touched.
    let scratch = run.stderr.split("scratch database ").nth(1).and_then(|s| s.split(' ').next()).unwrap();
    assert!(scratch.starts_with(&format!("{}__migrate_verify_", db.name)), "{}", run.stderr);
    let left: i64 =
        db.client.query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&scratch]).await.unwrap().get(0);
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

/// `codegen --sea-query` implements sea-query 1.x's `Iden` as `#[derive(Iden)]` does: the same
/// names, the same `quoted` (borrowed for plain identifiers), the same SQL in a real query.
#[test]
fn codegen_implements_sea_query_iden_as_its_derive_does() {
    use sea_query::{ExprTrait as _, Iden, IntoIden, PostgresQueryBuilder, Query};
    let code = cli(BLOG, "", &["codegen", "--sea-query"]).expect(0).stdout;
    assert_eq!(
        code,
        include_str!("../../../examples/blog/src/schema.rs"),
        "examples/blog/src/schema.rs is not what codegen prints: regenerate it (cargo run -p migrate-cli -- codegen --sea-query --out examples/blog/src/schema.rs)"
    );
    #[derive(sea_query::Iden, Clone, Copy)]
    enum Users {
        Table,
        Id,
        Email,
        DeactivatedAt,
    }
    // The example project's module, compiled against the real sea-query crate.
    use blog_migrations::schema::Users as Generated;
    for (generated, derived) in [
        (Generated::Table, Users::Table),
        (Generated::Id, Users::Id),
        (Generated::Email, Users::Email),
        (Generated::DeactivatedAt, Users::DeactivatedAt),
    ] {
        assert_eq!(generated.unquoted(), derived.unquoted());
        assert_eq!(generated.quoted(), derived.quoted());
        assert!(matches!(generated.quoted(), std::borrow::Cow::Borrowed(_)));
    }
    let query = |table: sea_query::DynIden, id: sea_query::DynIden, email: sea_query::DynIden| {
        Query::select()
            .column(id)
            .from(table)
            .and_where(sea_query::Expr::col(email).like("%@example.com"))
            .to_string(PostgresQueryBuilder)
    };
    let generated = query(Generated::Table.into_iden(), Generated::Id.into_iden(), Generated::Email.into_iden());
    assert_eq!(generated, query(Users::Table.into_iden(), Users::Id.into_iden(), Users::Email.into_iden()));
    assert_eq!(generated, r#"SELECT "id" FROM "users" WHERE "email" LIKE '%@example.com'"#);
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
    let dot = cli(BLOG, "", &["schema", "--format", "dot"]).expect(0).stdout;
    let json: serde_json::Value = serde_json::from_str(
        &cli(BLOG, "", &["schema", "--format", "json", "--at", "20240103000000"]).expect(0).stdout,
    )
    .unwrap();
    let posts = json["tables"].as_array().unwrap().iter().find(|t| t["name"] == "posts").unwrap();
    assert_eq!(json["at"], 20240103000000u64);
    assert_eq!(posts["primary_key"], serde_json::json!(["id"]));
    // The foreign key of 20240104000000 is not there yet.
    assert_eq!(posts["foreign_keys"], serde_json::json!([]), "{posts}");
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

/// Every builder feature in one schema: types, defaults, identity, constraints, index options, enums,
/// views, comments, an extension.
fn rich(s: &mut migrate_core::Schema<migrate_core::schema::mode::ExplicitDown>) {
    use migrate_core::prelude::*;
    s.create_extension("citext");
    s.create_enum("mood", ["ok", "it's fine"]);
    s.create_table("parents", |t| {
        t.bigint("id").identity_by_default().primary_key();
        t.integer("code").not_null();
        t.unique(["code"]).nulls_not_distinct();
    });
    s.create_table("all_types", |t| {
        t.smallint("a").default(1i16);
        t.integer("b").check("b > 0");
        t.bigint("c").identity();
        t.numeric("d", 10, 2).default(1.5);
        t.column("d2", Numeric::any());
        t.real("e");
        t.double("f").default(f64::NAN);
        t.boolean("g").not_null().default(true);
        t.text("h").default("it's");
        t.varchar("i", 20);
        t.column("i2", UnboundedVarchar);
        t.char("j", 3);
        t.uuid("k").default(gen_random_uuid());
        t.bytea("l");
        t.date("m").default(current_date());
        t.time("n");
        t.timestamp("o");
        t.timestamptz("p").default(now());
        t.interval("q");
        t.json("r");
        t.jsonb("s").default(sql("'{}'::jsonb"));
        t.inet("t");
        t.cidr("u");
        t.array("v", Text).default(vec!["x", "y,z"]);
        t.enumeration("w", "mood").default("ok");
        t.array("w2", EnumType("mood".into()));
        t.named_type("x", "citext");
        t.integer("parent_code");
        t.check("all_types_e_positive", "e > 0");
        t.foreign_key(["parent_code"], "parents", ["code"])
            .on_delete(FkAction::Cascade)
            .on_update(FkAction::SetNull)
            .deferred();
        t.comment("Every type; 'quoted'");
    });
    s.alter_table("all_types", |t| {
        t.comment_column("h", "A comment");
    });
    s.create_index("all_types", [col("h").desc(), col("b")]).unique().where_("b > 10").include(["a"]);
    s.create_index("all_types", [expr("lower(h)")]).name("all_types_lower_h");
    s.create_index("all_types", [col("s").opclass("jsonb_path_ops")]).using("gin");
    s.create_view("positive", "SELECT b, h FROM all_types WHERE b > 0");
}

#[tokio::test]
async fn introspection_round_trips_every_builder_feature() {
    let source = TestDb::new("introspect_rich").await;
    let copy = TestDb::new("introspect_rich_copy").await;
    let mut s = migrate_core::Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
    rich(&mut s);
    migrate_tests::apply(&source.client, &s.finish().unwrap()).await.unwrap();
    let ops = migrate_core::introspect::ops(&source.client, "public", &[]).await.unwrap();
    migrate_tests::apply(&copy.client, &ops).await.unwrap();
    let a = migrate_core::introspect::snapshot(&source.client, "public", &[]).await.unwrap();
    let b = migrate_core::introspect::snapshot(&copy.client, "public", &[]).await.unwrap();
    let changes = migrate_core::introspect::diff(&a, &b);
    assert!(changes.is_empty(), "{}", changes.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
    // Structurally, the introspected model is the replayed one: same tables, columns, nullability,
    // constraint and index names.
    let mut replayed = migrate_core::model::Model::default();
    let mut s = migrate_core::Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
    rich(&mut s);
    for op in s.finish().unwrap() {
        replayed.apply(&op, 1);
    }
    let mut read = migrate_core::model::Model::default();
    for op in &ops {
        read.apply(op, 1);
    }
    let shape = |m: &migrate_core::model::Model| -> Vec<String> {
        let mut out: Vec<String> = m
            .tables
            .iter()
            .flat_map(|(t, tab)| {
                tab.columns
                    .iter()
                    .map(move |c| format!("{t}.{} {:?} {}", c.name, c.ty, c.not_null))
                    .chain(tab.constraints.keys().map(move |k| format!("{t} constraint {k}")))
            })
            .collect();
        out.extend(m.indexes.keys().map(|i| format!("index {i}")));
        out.extend(m.enums.iter().map(|(e, v)| format!("enum {e} {v:?}")));
        out.extend(m.views.keys().cloned());
        out.sort();
        out
    };
    assert_eq!(shape(&read), shape(&replayed));
}

#[tokio::test]
async fn drift_finds_each_kind_of_manual_change() {
    let db = TestDb::new("cli_drift_kinds").await;
    let url = db_url(&db.name);
    cli(BLOG, &url, &["up"]).expect(0);
    let cases: &[(&str, &str)] = &[
        ("ALTER TABLE users ADD COLUMN nickname text", "extra: column users.nickname"),
        ("ALTER TABLE tags DROP COLUMN label", "missing: column tags.label"),
        (
            "ALTER TABLE posts ALTER COLUMN body TYPE varchar(500)",
            "differs: column posts.body #5 character varying(500)",
        ),
        (
            "ALTER TABLE posts ALTER COLUMN published_at SET DEFAULT now()",
            "differs: column posts.published_at #7 timestamp with time zone default now()",
        ),
        (
            "ALTER TABLE posts ALTER COLUMN published_at SET NOT NULL",
            "differs: column posts.published_at #7 timestamp with time zone not null",
        ),
        ("CREATE INDEX comments_body_idx ON comments (body)", "extra: index CREATE INDEX comments_body_idx"),
        ("DROP INDEX comments_post_id_created_at_idx", "missing: index CREATE INDEX comments_post_id_created_at_idx"),
        (
            "ALTER TABLE posts DROP CONSTRAINT posts_title_check, ADD CONSTRAINT posts_title_check CHECK (length(title) < 100)",
            "differs: constraint posts.posts_title_check CHECK ((length(title) < 100))",
        ),
    ];
    for (change, expected) in cases {
        let fresh = TestDb::new("cli_drift_kind").await;
        let url = db_url(&fresh.name);
        cli(BLOG, &url, &["up"]).expect(0);
        fresh.client.batch_execute(change).await.unwrap();
        let run = cli(BLOG, &url, &["drift"]).expect(1);
        assert!(run.stdout.contains(expected), "after `{change}` expected `{expected}` in:\n{}", run.stdout);
    }
    // An index left INVALID by a failed concurrent build.
    db.client.batch_execute("INSERT INTO tags (label) VALUES ('a'), ('b')").await.unwrap();
    db.client.batch_execute("UPDATE tags SET label = 'a'").await.ok();
    db.client.batch_execute("ALTER TABLE tags DROP CONSTRAINT tags_label_key").await.unwrap();
    db.client.batch_execute("UPDATE tags SET label = 'a'").await.unwrap();
    let _ = db.client.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY tags_label_key ON tags (label)").await;
    let run = cli(BLOG, &url, &["drift"]).expect(1);
    assert!(run.stdout.contains("(INVALID)"), "{}", run.stdout);
}

/// Runs one of the documented CI recipes (docs/ci/*.sh) with `bin` as the tool.
fn recipe(name: &str, bin: &str, url: &str) -> migrate_tests::Run {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ci").join(name);
    let cwd = migrate_tests::scratch_dir("ci_recipe");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .current_dir(&cwd)
        .env("MIGRATE", bin)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    out.into()
}

#[tokio::test]
async fn the_ci_recipes_gate_what_they_promise() {
    let db = TestDb::new("ci_recipes").await;
    let url = db_url(&db.name);
    // Before the deploy the application's gate is closed; the pull-request check passes.
    recipe("pending.sh", BLOG, &url).expect(1);
    let check = recipe("check.sh", BLOG, &url).expect(0);
    assert!(check.stdout.contains("7 migration(s) verified, 0 failed"), "{}", check.stdout);
    let deploy = recipe("deploy.sh", BLOG, &url).expect(0);
    assert_eq!(deploy.stdout.lines().filter(|l| l.starts_with("applied m")).count(), 7, "{}", deploy.stdout);
    recipe("pending.sh", BLOG, &url).expect(0);
    // A hand-made change fails the next deploy; a down that forgets fails the pull-request check.
    db.client.batch_execute("ALTER TABLE users ADD COLUMN favorite_color text").await.unwrap();
    let deploy = recipe("deploy.sh", BLOG, &url).expect(1);
    assert!(deploy.stdout.contains("extra: column users.favorite_color"), "{}", deploy.stdout);
    let other = TestDb::new("ci_recipes_forgetful").await;
    // `lint` (first in the check) already finds the forgetful down on the schema model.
    let check = recipe("check.sh", FORGETFUL, &db_url(&other.name)).expect(1);
    assert!(
        check.stdout.contains("error [inexact-down] m20240102000000_forgetful_down")
            && check.stdout.contains("still needed drop_default accounts.email"),
        "{}",
        check.stdout
    );
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn seeds_run_per_environment_idempotently_and_all_or_nothing() {
    let db = TestDb::new("cli_seed").await;
    let url = db_url(&db.name);
    let list = cli(BLOG, "", &["seed", "--list"]).expect(0);
    assert!(
        list.stdout.contains("users  (dev, test)") && list.stdout.contains("welcome_post  (dev)"),
        "{}",
        list.stdout
    );

    cli(BLOG, &url, &["up"]).expect(0);
    for _ in 0..2 {
        let run = cli(BLOG, &url, &["seed"]).expect(0);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{}", run.stdout);
        assert!(
            lines[0].starts_with("ran seed users (") && lines[1].starts_with("ran seed welcome_post ("),
            "{lines:?}"
        );
        assert!(lines[2].starts_with("seeded 2 seeds of `dev` in ") && lines[2].ends_with(", committed"), "{lines:?}");
        // Upserts: a second run changes nothing.
        assert_eq!(count(&db, "SELECT count(*) FROM users").await, 2);
        assert_eq!(count(&db, "SELECT count(*) FROM posts").await, 1);
    }
    let run = cli(BLOG, &url, &["seed", "--env", "test"]).expect(0);
    assert!(
        run.stdout.starts_with("ran seed users (") && run.stdout.contains("\nseeded 1 seed of `test` in "),
        "{}",
        run.stdout
    );
    let run = cli(BLOG, &url, &["seed", "--env", "prod"]).expect(2);
    assert!(
        run.stderr.contains("no seed runs in environment `prod` (environments the seeds name: dev, test)"),
        "{}",
        run.stderr
    );

    // `reset --seed dev` starts over with the seed data.
    db.client.batch_execute("DELETE FROM posts; DELETE FROM users").await.unwrap();
    cli(BLOG, &url, &["reset", "--yes", "--seed", "dev"]).expect(0);
    assert_eq!(count(&db, "SELECT count(*) FROM posts").await, 1);

    // The second seed fails: the first one's rows are rolled back with it, and the error is the server's.
    db.client
        .batch_execute("DELETE FROM posts; DELETE FROM users; DROP TABLE comments, post_tags, posts")
        .await
        .unwrap();
    let run = cli(BLOG, &url, &["seed"]).expect(2);
    assert!(run.stderr.contains("seed `welcome_post` failed; nothing was seeded"), "{}", run.stderr);
    assert!(run.stderr.contains("relation \"posts\" does not exist (SQLSTATE 42P01)"), "{}", run.stderr);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 0);

    // A production target names its environment.
    let dir = migrate_tests::scratch_dir("seed_prod");
    std::fs::write(dir.join("migrate.toml"), format!("[targets.prod]\nurl = \"{url}\"\nproduction = true\n")).unwrap();
    let run = migrate_tests::cli_in(&dir, BLOG, "", &["--target", "prod", "seed"]).expect(2);
    assert!(run.stderr.contains("name the environment to seed with `--env`"), "{}", run.stderr);
}

/// The scratch database can live elsewhere (`--scratch-url`, or `scratch_url` in migrate.toml), for a
/// role that may not CREATE DATABASE on the target's server; the error without it names both ways.
#[tokio::test]
async fn the_scratch_database_can_live_elsewhere() {
    let db = TestDb::new("cli_scratch_url").await;
    let role = format!("nocreate_{}", std::process::id());
    db.client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN NOCREATEDB; GRANT ALL ON SCHEMA public TO {role}; ALTER DATABASE \"{}\" OWNER TO {role}",
            db.name
        ))
        .await
        .unwrap();
    let limited = format!("postgres://{role}@127.0.0.1:5432/{}", db.name);
    let refused = cli(BLOG, &limited, &["verify"]).expect(2);
    assert!(
        refused.stderr.contains("(the role needs CREATEDB; or give a server where it may with --scratch-url URL or `scratch_url` in migrate.toml)"),
        "{}",
        refused.stderr
    );
    let elsewhere = "postgres://postgres@127.0.0.1:5432/postgres".to_string();
    let run = cli(BLOG, &limited, &["verify", "--scratch-url", &elsewhere]).expect(0);
    assert!(run.stdout.ends_with("7 migration(s) verified, 0 failed\n"), "{}", run.stdout);
    let dir = migrate_tests::scratch_dir("scratch_url");
    std::fs::write(dir.join("migrate.toml"), format!("scratch_url = \"{elsewhere}\"\n")).unwrap();
    migrate_tests::cli_in(&dir, BLOG, &limited, &["drift"]).expect(0);
    let left: i64 = db
        .client
        .query_one("SELECT count(*) FROM pg_database WHERE datname LIKE $1", &[&format!("{}__migrate_%", db.name)])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    drop(db);
    let admin = migrate_tests::connect_to("postgres").await;
    admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).await.unwrap();
}
