//! `squash --to VERSION`: the migrations up to VERSION replaced by one baseline, proven on scratch
//! databases before anything is written. The migrations are applied to one scratch database, `pull`'s
//! generator reads its schema into a baseline (builder code), the baseline is applied to a second
//! scratch database, and the two schemas must be the same. Data statements of the squashed migrations
//! (which a baseline cannot replay in order) are listed and refused unless `--keep-data` carries them
//! into the baseline (each checked on the second scratch database) or `--drop-data` acknowledges
//! that new databases will not get that data. Only then are the originals removed from
//! `src/migrations/` (git keeps them) and the baseline written in their place; the runner records it
//! in place of them on databases that applied them ([`migrate_core::runner`]'s squash rules).

use std::collections::BTreeSet;
use std::path::PathBuf;

use anstream::{eprintln, println};
use anyhow::{Context, Result, bail};
use migrate_core::introspect::{diff, snapshot};
use migrate_core::op::Op;
use migrate_core::registry::{Down, Migration};
use migrate_core::runner::Migrator;
use serde_json::json;

use super::Ctx;
use super::verify::{Scratch, scope};
use crate::cli::SquashArgs;

/// A statement of a squashed migration that changes data rather than the schema.
struct DataStatement {
    /// The migration it is in, `m<version>_<name>`.
    migration: String,
    /// Where: the file and line of an SQL statement, or the op.
    at: String,
    /// The SQL, or `None` for Rust code (a data step), which a baseline cannot carry.
    sql: Option<String>,
    /// What it is, in a few words (`INSERT`, `backfill of users`, `data step fill_emails`).
    what: String,
}

/// The statement kinds that change data (as [`migrate_core::sql_ops::read_sql`] names them). A `DO`
/// block may change anything: listed too, since the baseline would not replay it.
/// `CALL` runs a procedure that may too, and text the grammar cannot read may be anything.
const DATA_KINDS: &[&str] =
    &["INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE", "DO", "CALL", "unreadable text"];

/// The data statements of `m`, in the order they run.
fn data_statements(m: &Migration) -> Vec<DataStatement> {
    let mut out = Vec::new();
    for op in &m.up {
        match op {
            Op::Sql { up, .. } => {
                for st in migrate_core::sql_ops::read_sql(up) {
                    if DATA_KINDS.contains(&st.kind.as_str()) {
                        let at = if m.file.ends_with(".sql") {
                            format!("{}:{}", m.file, st.line)
                        } else {
                            format!("{}:{} (s.sql, statement line {})", m.file, m.line, st.line)
                        };
                        let text = st.text.trim().to_string();
                        out.push(DataStatement { migration: m.id(), at, what: st.kind.clone(), sql: Some(text) });
                    }
                }
            }
            Op::Backfill { table, set, filter, .. } => {
                let mut sql = format!("UPDATE {} SET {set}", migrate_core::ident::quote_ident(table));
                if let Some(f) = filter {
                    sql.push_str(&format!(" WHERE {f}"));
                }
                out.push(DataStatement {
                    migration: m.id(),
                    at: format!("{}:{}", m.file, m.line),
                    what: format!("backfill of {table}"),
                    sql: Some(sql),
                });
            }
            Op::DataStep { name, .. } => out.push(DataStatement {
                migration: m.id(),
                at: format!("{}:{}", m.file, m.line),
                what: format!("data step {name} (Rust code)"),
                sql: None,
            }),
            _ => {}
        }
    }
    out
}

/// The first line of a statement's code, cut to 80 characters, for a listing.
fn first_line(sql: &str) -> String {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("--")).unwrap_or("");
    if line.chars().count() > 80 { format!("{}…", line.chars().take(80).collect::<String>()) } else { line.into() }
}

/// A Rust raw string literal holding `s` exactly (as many `#` as it needs).
fn raw(s: &str) -> String {
    let mut hashes = String::from("#");
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}")
}

/// The SQL down of a kept data statement: the baseline's down drops the tables that hold the data.
const DATA_DOWN: &str = "-- nothing to undo: the baseline's down drops the tables that hold this data";

/// The baseline file.
fn baseline_file(to: &Migration, squashes: &[u64], body: &str, data: &[&DataStatement]) -> String {
    let mut list = String::new();
    for v in squashes {
        list.push_str(&format!("    {v},\n"));
    }
    let mut data_section = String::new();
    if !data.is_empty() {
        data_section.push_str(
            "\n    // The data the squashed migrations wrote (--keep-data), in the order they ran it, after the\n    // schema. Each statement was checked on a scratch database built from this baseline.\n",
        );
        for d in data {
            data_section.push_str(&format!(
                "    // {}: {}\n    s.sql_with_down({}, {:?});\n",
                d.migration,
                d.at,
                raw(d.sql.as_deref().unwrap_or_default()),
                DATA_DOWN
            ));
        }
    }
    format!(
        "// Written by `migrate-cli squash --to {}`: one baseline in place of the {} migrations up to\n\
         // {} (git keeps them). On a database that applied them, `up` records it in their place\n\
         // without running it; on a new database it creates the same schema.\n\
         use migrate_core::prelude::*;\n\n#[migration(squashes(\n{list}))]\npub fn up(s: &mut Schema) {{\n{body}{data_section}}}\n",
        to.version,
        squashes.len(),
        to.id()
    )
}

/// The entries of `dir` (files `m<version>_<name>.rs`, folders `m<version>_<name>/`) of the given
/// versions.
fn originals(dir: &std::path::Path, versions: &BTreeSet<u64>) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(version) = name.strip_prefix('m').and_then(|r| r.get(..14)).and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        if versions.contains(&version) && name.as_bytes().get(15) == Some(&b'_') {
            found.push((version, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// A hand-written `mod.rs` of the migrations folder with the lines of the squashed modules `ids`
/// taken out and the baseline's added; `Err(id)` when a squashed module has no line of its own.
fn edited_mod_rs(text: &str, ids: &[String], baseline: &str) -> Result<String, String> {
    let module = |l: &str| {
        let l = l.trim();
        l.strip_prefix("pub mod ")
            .or_else(|| l.strip_prefix("mod "))
            .and_then(|r| r.strip_suffix(';'))
            .map(str::trim)
            .map(str::to_string)
    };
    if let Some(missing) = ids.iter().find(|id| !text.lines().any(|l| module(l).as_deref() == Some(id.as_str()))) {
        return Err(missing.clone());
    }
    let mut kept: Vec<&str> = text.lines().filter(|l| !module(l).is_some_and(|m| ids.contains(&m))).collect();
    let line = format!("pub mod {baseline};");
    kept.push(&line);
    Ok(kept.join("\n") + "\n")
}

/// The entries of `paths` that git does not hold as they are (untracked or changed), as `git status`
/// names them; `None` when `dir` is not in a git work tree or git cannot be run.
fn uncommitted(dir: &std::path::Path, paths: &[&std::path::Path]) -> Option<Vec<String>> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "--untracked-files=all", "--"])
        .args(paths)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.get(3..)).map(str::to_string).collect())
}

/// The schemas of a database other than PostgreSQL's own.
async fn schemas(client: &tokio_postgres::Client) -> Result<Vec<String>> {
    Ok(client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

pub async fn run(ctx: &Ctx, args: SquashArgs) -> Result<u8> {
    let migrations = ctx.migrations()?;
    let Some(at) = migrations.iter().position(|m| m.version == args.to) else {
        bail!(
            "no migration has version {} in the code: `migrate-cli list` shows the versions `squash --to` takes",
            args.to
        );
    };
    let squashed: Vec<Migration> = migrations[..=at].to_vec();
    let to = &squashed[at];
    if squashed.len() < 2 {
        bail!("{} is the first migration: there is nothing to squash into it", to.id());
    }
    if let Some(b) = squashed.iter().find(|m| !m.squashes.is_empty()) {
        bail!(
            "{} is a baseline written by an earlier squash: squashing across it is not supported (a database built from it holds none of the rows it replaces). Squash only the migrations after it, or start over from the code before that squash",
            b.id()
        );
    }
    let id = format!("m{}_{}", to.version, args.name);
    if let Err(problem) = migrate_core::registry::parse_module_name(&id) {
        bail!("--name {}: not a migration name ({problem})", args.name);
    }
    if args.name == to.name {
        // The row of the version tells the baseline from the migration it replaces by the name.
        bail!(
            "--name {}: {} has that name already; the baseline needs another (the default is `baseline`)",
            args.name,
            to.id()
        );
    }
    let versions: BTreeSet<u64> = squashed.iter().map(|m| m.version).collect();
    let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
    let files = originals(&dir, &versions)?;
    let found: BTreeSet<u64> = files.iter().map(|f| f.0).collect();
    if let Some(m) = squashed.iter().find(|m| !found.contains(&m.version)) {
        bail!(
            "{} ({}) is not a file or folder of {}: squash replaces only the migrations it can remove from there",
            m.id(),
            m.file,
            dir.display()
        );
    }
    // A migration kept after the squash must not live in a file that goes (an inline module).
    for m in &migrations[at + 1..] {
        if let Some((_, f)) = files.iter().find(|(_, f)| {
            f.file_name().is_some_and(|n| {
                m.file.ends_with(&*n.to_string_lossy()) || m.file.contains(&format!("/{}/", n.to_string_lossy()))
            })
        }) {
            bail!(
                "{} is declared in {}, which squash would remove: move it to its own file first",
                m.id(),
                f.display()
            );
        }
    }
    // A migrations folder listed by hand (`mod.rs`) is edited: the originals' lines go, the baseline's
    // comes; each original must have its line.
    let mod_rs = dir.join("mod.rs");
    let listed = if mod_rs.is_file() {
        let text = std::fs::read_to_string(&mod_rs).with_context(|| format!("reading {}", mod_rs.display()))?;
        let ids: Vec<String> = squashed.iter().map(Migration::id).collect();
        Some(edited_mod_rs(&text, &ids, &id).map_err(|missing| {
            anyhow::anyhow!(
                "{} lists the migrations by hand and has no line `pub mod {missing};`: squash cannot edit it",
                mod_rs.display()
            )
        })?)
    } else {
        None
    };
    // The data the baseline cannot replay in order.
    let data: Vec<DataStatement> = squashed.iter().flat_map(data_statements).collect();
    let list_data = |data: &[DataStatement]| {
        for d in data {
            let text = d.sql.as_deref().map(first_line).unwrap_or_default();
            eprintln!("  {} {}: {} {text}", d.migration, d.at, d.what);
        }
    };
    if !data.is_empty() && !args.keep_data && !args.drop_data {
        eprintln!("the squashed migrations change data in {} statement(s):", data.len());
        list_data(&data);
        bail!(
            "a baseline cannot replay these data statements in their place: pass --keep-data to append them to the baseline after the schema (each is checked on a scratch database), or --drop-data to acknowledge that new databases will not get this data"
        );
    }
    if args.keep_data
        && let Some(d) = data.iter().find(|d| d.sql.is_none())
    {
        bail!(
            "{} in {} ({}) is Rust code, which a baseline cannot carry as SQL: write what it does as SQL in a migration after the baseline and pass --drop-data, or squash to a version before it",
            d.what,
            d.migration,
            d.at
        );
    }
    let kept: Vec<&DataStatement> = if args.keep_data { data.iter().collect() } else { Vec::new() };

    // The originals are removed: what git does not hold of them would be lost.
    let paths: Vec<&std::path::Path> = files.iter().map(|(_, p)| p.as_path()).collect();
    match uncommitted(&dir, &paths) {
        Some(changed) if !changed.is_empty() => bail!(
            "squash removes the originals, and git does not hold these as they are: {}. Commit them first",
            changed.join(", ")
        ),
        Some(_) => {}
        None => eprintln!(
            "warning [squash] {} is not in a git work tree (or git is not installed): the originals it removes are kept nowhere else; keep a copy",
            dir.display()
        ),
    }
    let db = ctx.database().await?;
    ctx.announce(&db)?;
    let scratch_args = crate::cli::ScratchArgs { scratch_url: args.scratch_url.clone(), conn: Default::default() };
    let mut a = Scratch::create(ctx, &db.url, "squash", &scratch_args).await?;
    let b = match Scratch::create(ctx, &db.url, "squash", &scratch_args).await {
        Ok(b) => b,
        Err(e) => {
            a.drop().await;
            return Err(e);
        }
    };
    if !ctx.out.json {
        eprintln!(
            "squashing {} migration(s) ({} to {}) on the scratch databases {} and {} (dropped at the end)",
            squashed.len(),
            squashed[0].id(),
            to.id(),
            a.name,
            b.name
        );
    }
    let proven = prove(ctx, &squashed, &kept, &mut a, b).await;
    a.drop().await;
    let (body, differences) = proven?;
    if !differences.is_empty() {
        if ctx.out.json {
            ctx.json(
                false,
                json!({
                    "written": false,
                    "file": null,
                    "baseline": null,
                    "squashed": [],
                    "removed": [],
                    "data_kept": 0,
                    "data_dropped": 0,
                    "differences": differences,
                }),
            );
        } else {
            for d in &differences {
                println!("  {d}");
            }
            eprintln!(
                "the baseline does not rebuild the schema of the {} migrations ({} difference(s) above): nothing was written",
                squashed.len(),
                differences.len()
            );
        }
        return Ok(crate::EXIT_PROBLEMS);
    }

    // Proven: the originals go, the baseline takes the last one's version.
    let squashes: Vec<u64> = versions.iter().copied().collect();
    let text = baseline_file(to, &squashes, &body, &kept);
    let path = dir.join(format!("{id}.rs"));
    // The baseline first (through a temporary file, so it is there whole or not at all), then the
    // originals go: a failure part-way leaves both, never neither.
    let partial = dir.join(format!(".{id}.rs.partial"));
    std::fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    for (_, p) in &files {
        let removed = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        removed.with_context(|| {
            format!(
                "removing {} (the baseline {} is written; remove the rest of the originals by hand)",
                p.display(),
                path.display()
            )
        })?;
    }
    if let Some(text) = listed {
        std::fs::write(&mod_rs, text).with_context(|| format!("writing {}", mod_rs.display()))?;
    }
    // The history before the squash was linted when it was written; the baseline's creates are not
    // new changes to a live schema.
    if ctx.loaded.config.lint_baseline.is_none_or(|b| b < to.version) {
        super::pull::set_lint_baseline(ctx, to.version)?;
    }
    let dropped = if args.drop_data { data.len() } else { 0 };
    if ctx.out.json {
        ctx.json(
            true,
            json!({
                "written": true,
                "file": path,
                "baseline": { "version": to.version, "id": id },
                "squashed": squashes,
                "removed": files.iter().map(|f| &f.1).collect::<Vec<_>>(),
                "data_kept": kept.len(),
                "data_dropped": dropped,
                "differences": [],
            }),
        );
    } else {
        println!(
            "wrote {}: one baseline in place of {} migrations ({} to {}), removed from {} (git keeps them)",
            path.display(),
            squashes.len(),
            squashed[0].id(),
            to.id(),
            dir.display()
        );
        if !kept.is_empty() {
            println!("kept {} data statement(s) in the baseline, after the schema", kept.len());
        }
        if dropped > 0 {
            eprintln!(
                "warning [squash] {dropped} data statement(s) dropped (--drop-data): new databases will not get this data:"
            );
            list_data(&data);
        }
        println!(
            "databases that applied them record the baseline in their place at the next `up` (no SQL runs); new databases run it instead of them"
        );
    }
    Ok(crate::EXIT_OK)
}

/// Applies `squashed` to `a`, writes the baseline from its schema, applies the baseline (and the kept
/// data) to `b`, and compares: the baseline's body, and the differences (none when it is proven).
async fn prove(
    ctx: &Ctx,
    squashed: &[Migration],
    kept: &[&DataStatement],
    a: &mut Scratch,
    mut b: Scratch,
) -> Result<(String, Vec<String>)> {
    let outcome = async {
        let config = ctx.loaded.runner_config()?;
        let mut m = Migrator::new(squashed.to_vec());
        m.with_config(config.clone());
        m.connected_from(a.origin.clone());
        m.up(&mut a.client, None).await.context("applying the migrations to squash on a scratch database")?;
        let (schema, ignore) = scope(ctx, &m);
        let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
        let crate::baseline::Baseline { ops, left_out } = crate::baseline::read(&a.client, &schema, &ignore).await?;
        if !left_out.is_empty() {
            bail!(
                "the baseline generator cannot write {} object(s) the squashed migrations make: {}. Squash to a version before the first of them",
                left_out.len(),
                left_out.join("; ")
            );
        }
        let body = crate::baseline::body(&ops)?;
        let reverse = |ops: &[Op]| migrate_core::reverse::reverse_ops(ops).map_err(|e| anyhow::anyhow!("{e:?}"));
        // The baseline as the compiled file will hold it (its ops, then the kept data) has a derived down.
        let mut whole = ops.clone();
        whole.extend(kept.iter().map(|d| Op::Sql {
            up: d.sql.clone().unwrap_or_default(),
            down: Some(DATA_DOWN.into()),
            declares: vec![],
        }));
        reverse(&whole)?;
        let to = squashed.last().expect("two or more");
        // The schema first, then each kept data statement on its own, so that one that fails against
        // the squashed schema is named with its migration.
        let schema_only = Migration {
            version: to.version,
            name: "baseline".into(),
            checksum: String::new(),
            down: Down::Derived(reverse(&ops)?),
            up: ops,
            transaction: true,
            checksum_format: migrate_core::canonical::CANONICAL_FORMAT,
            legacy_checksum: None,
            file: "squash",
            line: 1,
            acks: vec![],
            original: None,
            squashes: vec![],
            source: None,
        };
        let mut mb = Migrator::new(vec![schema_only]);
        mb.with_config(config);
        mb.connected_from(b.origin.clone());
        mb.up(&mut b.client, None).await.context("applying the baseline to a second scratch database")?;
        for d in kept {
            let sql = d.sql.as_deref().unwrap_or_default();
            if let Err(e) = b.client.batch_execute(sql).await {
                let mut failure = migrate_core::runner::DbFailure::from_error(&e, None);
                failure.statement = Some(sql.to_string());
                bail!(
                    "the data statement of {} at {} fails against the squashed schema; squash with --drop-data (and write the data in a migration after the baseline), or squash to a version before it: {failure}",
                    d.migration,
                    d.at,
                );
            }
        }
        let mut differences = Vec::new();
        let (in_a, in_b) = (schemas(&a.client).await?, schemas(&b.client).await?);
        for s in in_a.iter().chain(in_b.iter().filter(|s| !in_a.contains(s))) {
            let (x, y) = (snapshot(&a.client, s, &ignore).await?, snapshot(&b.client, s, &ignore).await?);
            if !in_b.contains(s) && x.lines.is_empty() {
                continue;
            }
            if !in_b.contains(s) {
                differences.push(format!("schema {s} is made by the squashed migrations, not by the baseline"));
            }
            differences.extend(diff(&x, &y).iter().map(|c| format!("{s}: {c}")));
        }
        Ok((body, differences))
    }
    .await;
    b.drop().await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_written_mod_rs_loses_the_squashed_lines_and_gains_the_baseline() {
        let text = "//! The migrations.\npub mod m20240101000000_users;\nmod m20240102000000_posts;\npub mod m20240103000000_tags;\n";
        let ids = ["m20240101000000_users".to_string(), "m20240102000000_posts".to_string()];
        assert_eq!(
            edited_mod_rs(text, &ids, "m20240102000000_baseline").unwrap(),
            "//! The migrations.\npub mod m20240103000000_tags;\npub mod m20240102000000_baseline;\n"
        );
        let missing = ["m20240101000000_users".to_string(), "m20240109000000_gone".to_string()];
        assert_eq!(edited_mod_rs(text, &missing, "m20240109000000_baseline").unwrap_err(), "m20240109000000_gone");
    }

    #[test]
    fn raw_strings_hold_any_text() {
        assert_eq!(raw("SELECT 1"), "r#\"SELECT 1\"#");
        assert_eq!(raw("SELECT '\"#'"), "r##\"SELECT '\"#'\"##");
    }
}
