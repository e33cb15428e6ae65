//! The crates meant for crates.io package, with the metadata the registry shows; the others are
//! never published.

use std::process::Command;

const PUBLISHED: [&str; 6] =
    ["migrate-naming", "migrate-sql", "migrate-macros", "migrate-build", "migrate-pg-core", "migrate-cli"];
const PRIVATE: [&str; 3] = ["migrate-tests", "migrate-bench", "blog-migrations"];

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    c
}

#[test]
fn the_published_crates_package_with_their_metadata() {
    let out = cargo().args(["metadata", "--no-deps", "--format-version", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        if PRIVATE.contains(&name) {
            assert_eq!(p["publish"], serde_json::json!([]), "{name} must say `publish = false`");
            continue;
        }
        assert!(PUBLISHED.contains(&name), "{name}: neither published nor private; add it to one list");
        for field in ["description", "license", "readme", "documentation"] {
            assert!(p[field].as_str().is_some_and(|v| !v.is_empty()), "{name}: no `{field}`");
        }
        let dir = std::path::Path::new(p["manifest_path"].as_str().unwrap()).parent().unwrap().to_path_buf();
        assert!(dir.join(p["readme"].as_str().unwrap()).is_file(), "{name}: its readme file is missing");
        let keywords = p["keywords"].as_array().unwrap();
        assert!((1..=5).contains(&keywords.len()), "{name}: 1 to 5 keywords");
        assert!(!p["categories"].as_array().unwrap().is_empty(), "{name}: no categories");
        assert_eq!(p["metadata"]["docs"]["rs"]["all-features"], true, "{name}: docs.rs builds every feature");
        for d in p["dependencies"].as_array().unwrap() {
            if d["path"].is_string() && d["kind"].is_null() {
                assert_ne!(d["req"], "*", "{name}: path dependency {} has no version", d["name"]);
            }
        }
    }
    let mut package = cargo();
    package.args(["package", "--workspace", "--no-verify", "--allow-dirty", "--quiet"]);
    for p in PRIVATE {
        package.args(["--exclude", p]);
    }
    let out = package.output().unwrap();
    assert!(out.status.success(), "cargo package: {}", String::from_utf8_lossy(&out.stderr));
}
