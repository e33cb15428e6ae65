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
