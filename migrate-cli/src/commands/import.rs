//! `import --from sqlx|diesel|refinery PATH`: brings another tool's SQL migrations into the project as
//! SQL-file migrations, on the same 14-digit version scale, in the same order, each keeping its original
//! identifier (written as `-- migrate: original = ".."`, stored in the history).

use anstream::{eprintln, println};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Ctx;
use crate::cli::{ImportArgs, Tool};

/// One migration of the other tool.
#[derive(Debug)]
pub struct Foreign {
    /// The identifier the other tool knows it by (its version, as it writes it).
    pub original: String,
    pub name: String,
    pub up: String,
    pub down: Option<String>,
    pub no_transaction: bool,
}

/// Maps an original identifier to a version: 14-digit timestamps as they are, diesel's
/// `YYYY-MM-DD-HHMMSS[-NNNN]` to `YYYYMMDDHHMMSS`, plain integers (refinery's `V1`) as small numbers.
pub fn version_of(original: &str) -> Option<u64> {
    let digits: String = original.split('-').take(4).collect::<Vec<_>>().concat();
    if digits.len() == 14 && digits.bytes().all(|c| c.is_ascii_digit()) {
        return digits.parse().ok();
    }
    original.trim_start_matches(['V', 'v']).parse().ok()
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() { "imported".into() } else { out }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Reads the other tool's migrations folder, in the other tool's order.
pub fn read_foreign(tool: Tool, dir: &Path) -> Result<Vec<Foreign>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
        match tool {
            Tool::Diesel => {
                if !path.is_dir() || !path.join("up.sql").is_file() {
                    continue;
                }
                let (original, name) = match file.find('_') {
                    Some(i) => (file[..i].to_string(), file[i + 1..].to_string()),
                    None => (file.clone(), String::new()),
                };
                let meta = std::fs::read_to_string(path.join("metadata.toml")).unwrap_or_default();
                let no_transaction = meta.lines().any(|l| l.replace(' ', "") == "run_in_transaction=false");
                let down = path.join("down.sql").is_file().then(|| read(&path.join("down.sql"))).transpose()?;
                out.push(Foreign { original, name, up: read(&path.join("up.sql"))?, down, no_transaction });
            }
            Tool::Sqlx => {
                let Some(stem) = file.strip_suffix(".sql") else { continue };
                if stem.ends_with(".down") {
                    continue;
                }
                let stem = stem.strip_suffix(".up").unwrap_or(stem);
                let Some((original, name)) = stem.split_once('_') else { continue };
                let up = read(&path)?;
                let down_path = dir.join(format!("{stem}.down.sql"));
                let down = down_path.is_file().then(|| read(&down_path)).transpose()?;
                let no_transaction = up.lines().next().is_some_and(|l| l.trim() == "-- no-transaction");
                out.push(Foreign { original: original.into(), name: name.into(), up, down, no_transaction });
            }
            Tool::Refinery => {
                let Some(stem) = file.strip_suffix(".sql") else { continue };
                let Some((original, name)) = stem.split_once("__") else { continue };
                out.push(Foreign {
                    original: original.into(),
                    name: name.into(),
                    up: read(&path)?,
                    down: None,
                    no_transaction: false,
                });
            }
        }
    }
    // The order the other tool applies them in: by version, the original text breaking ties.
    out.sort_by(|a, b| (version_of(&a.original), &a.original).cmp(&(version_of(&b.original), &b.original)));
    Ok(out)
}

/// Writes the migrations as SQL-file migration folders; returns the folders written.
pub fn write(tool: Tool, foreign: &[Foreign], dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut last: Option<u64> = None;
    for f in foreign {
        let Some(mapped) = version_of(&f.original) else {
            bail!("`{}`: cannot read a version from this identifier", f.original);
        };
        // Keep the order, unique: a collision (diesel's 2026-05-27-120000 and 2026-05-27-120000-0000)
        // moves the later one a second on.
        let version = match last {
            Some(l) if mapped <= l => l + 1,
            _ => mapped,
        };
        last = Some(version);
        let folder = dir.join(format!("m{version:014}_{}", snake(&f.name)));
        std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let mut header = format!("-- migrate: original = {:?}\n", f.original);
        if f.no_transaction {
            header.push_str("-- migrate: no_transaction\n");
        }
        // Without a down from the other tool, the down is derived where every statement has an
        // inverse (as for any SQL file without down.sql); otherwise the migration is marked.
        let derivable = || {
            let statements = migrate_sql::parse_statements(&f.up);
            !statements.is_empty() && statements.iter().all(|s| migrate_sql::derive::reversible(s).is_ok())
        };
        if f.down.is_none() && !derivable() {
            header.push_str(&format!(
                "-- migrate: irreversible = \"imported from {tool:?}, which kept no down for it\"\n"
            ));
        }
        std::fs::write(folder.join("up.sql"), format!("{header}{}", f.up))?;
        if let Some(down) = &f.down {
            let down = if down.trim().is_empty() {
                "-- (the imported down.sql was empty)\n".to_string()
            } else {
                down.clone()
            };
            std::fs::write(folder.join("down.sql"), down)?;
        }
        written.push(folder);
    }
    Ok(written)
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<u8> {
    let foreign = read_foreign(args.from, &args.path)?;
    if foreign.is_empty() {
        bail!("no {:?} migrations found in {}", args.from, args.path.display());
    }
    let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
    let written = write(args.from, &foreign, &dir)?;
    if let Some(last) =
        written.last().and_then(|f| f.file_name()).and_then(|n| n.to_str()).and_then(|n| n[1..15].parse().ok())
    {
        super::pull::set_lint_baseline(ctx, last)?;
    }
    // The build reads every SQL file with the PostgreSQL grammar and stops at one it cannot read:
    // said here, file by file, rather than at the first build.
    let unreadable = unreadable_files(&written);
    if ctx.out.json {
        ctx.json(
            unreadable.is_empty(),
            serde_json::json!({
                "folder": dir,
                "imported": written,
                "unreadable": unreadable.iter().map(|(file, problem)| serde_json::json!({ "file": file, "problem": problem.to_string() })).collect::<Vec<_>>(),
            }),
        );
        return Ok(if unreadable.is_empty() { crate::EXIT_OK } else { crate::EXIT_PROBLEMS });
    }
    println!("imported {} migration(s) into {}", written.len(), dir.display());
    for (file, problem) in &unreadable {
        eprintln!(
            "{} [sql_syntax] {} {problem}: the crate does not build until it is corrected (or, if PostgreSQL accepts it as written, up.sql is marked `-- migrate: unparsed = \"why\"`)",
            ctx.out.yellow("warning"),
            file.display()
        );
    }
    if unreadable.is_empty() { Ok(crate::EXIT_OK) } else { Ok(crate::EXIT_PROBLEMS) }
}

/// The SQL files among the written folders that the grammar cannot read, each with its first
/// problem.
fn unreadable_files(folders: &[PathBuf]) -> Vec<(PathBuf, migrate_core::render::SyntaxProblem)> {
    let mut out = Vec::new();
    for folder in folders {
        for name in ["up.sql", "down.sql"] {
            let file = folder.join(name);
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            if let Some(p) = migrate_core::render::syntax_errors(&text).into_iter().next() {
                out.push((file, p));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_keep_order_and_become_unique() {
        assert_eq!(version_of("20140924113530"), Some(20140924113530));
        assert_eq!(version_of("2026-05-27-120000"), Some(20260527120000));
        assert_eq!(version_of("2026-05-27-120000-0000"), Some(20260527120000));
        assert_eq!(version_of("V3"), Some(3));
        assert_eq!(version_of("00000000000000"), Some(0));
        assert_eq!(snake("Add Users-Index!"), "add_users_index");
    }

    /// A migration imported without a down gets a derived one where its statements allow it, and the
    /// irreversible marker otherwise.
    #[test]
    fn downs_the_other_tool_did_not_keep_are_derived_where_they_can_be() {
        let dir = std::env::temp_dir().join(format!("migrate-import-derived-{}", std::process::id()));
        let one = |original: &str, up: &str| Foreign {
            original: original.into(),
            name: original.into(),
            up: up.into(),
            down: None,
            no_transaction: false,
        };
        let foreign = [
            one("20240101000000", "CREATE TABLE t (id bigint PRIMARY KEY);\nCREATE INDEX t_id_idx ON t (id);"),
            one("20240102000000", "UPDATE t SET id = id + 1;"),
        ];
        let written = write(Tool::Sqlx, &foreign, &dir).unwrap();
        let up = |i: usize| std::fs::read_to_string(written[i].join("up.sql")).unwrap();
        assert!(!up(0).contains("irreversible"), "{}", up(0));
        assert!(
            up(1).contains("-- migrate: irreversible = \"imported from Sqlx, which kept no down for it\""),
            "{}",
            up(1)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
