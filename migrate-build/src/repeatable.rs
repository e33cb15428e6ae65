//! Repeatable migrations: `src/repeatable/<name>.sql` (views, functions, triggers, materialized
//! views), re-applied by `up` whenever their text changes, with an optional `<name>.down.sql` (else
//! the down is the drop of what the file creates, derived when the program loads). The folder beside
//! the migrations folder is read here: every entry is a repeatable or an error.

use std::path::Path;

/// What the repeatable folder may hold, for messages.
const LAYOUT: &str = "the repeatable folder holds files <snake_name>.sql (a view, function, procedure, trigger or materialized view, re-applied whenever it changes) and, for one whose down is not the drop of what it creates, <snake_name>.down.sql, or <snake_name>.rs with `#[repeatable] pub fn up(s: &mut Schema)`; README files and dot-files may sit beside them";

/// Whether a Rust file has a `#[repeatable]` function (one in a comment does not count; a file that
/// does not parse counts, and the compiler reports its error).
fn registers(text: &str) -> bool {
    match syn::parse_file(text) {
        Ok(file) => file.items.iter().any(|item| {
            matches!(item, syn::Item::Fn(f) if f.attrs.iter().any(|a| a.path().segments.last().is_some_and(|s| s.ident == "repeatable")))
        }),
        Err(_) => true,
    }
}

fn snake(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// The generated registrations of the repeatables in `dir` (none when it does not exist), or the
/// problems: `(file, problem)`.
pub(crate) fn registrations(dir: &Path) -> Result<String, Vec<(std::path::PathBuf, String)>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(String::new());
    };
    let mut files: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    let mut out = String::new();
    let mut problems = Vec::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if crate::is_aside(&name) {
            continue;
        }
        let mut problem = |p: String| problems.push((path.clone(), p));
        if let Some(stem) = name.strip_suffix(".down.sql") {
            if !files.iter().any(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == format!("{stem}.sql"))) {
                problem(format!("is the down of a repeatable {stem}.sql that is not there; {LAYOUT}"));
            }
            continue;
        }
        if let Some(stem) = name.strip_suffix(".rs").filter(|_| path.is_file()) {
            if !snake(stem) {
                problem(format!(
                    "is misnamed: `{stem}` must be snake_case (lowercase letters, digits and `_`, starting with a letter); {LAYOUT}"
                ));
            } else if files.iter().any(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == format!("{stem}.sql")))
            {
                problem(format!("has the name of {stem}.sql too: a repeatable is one file"));
            } else if !std::fs::read_to_string(path).is_ok_and(|t| registers(&t)) {
                problem("has no #[repeatable]: put `#[repeatable]` on its `pub fn up(s: &mut Schema)`, or move the file out of the repeatable folder".into());
            } else {
                let abs = std::fs::canonicalize(path).unwrap_or(path.clone());
                out.push_str(&format!("#[path = {:?}]\npub mod {stem};\n", abs.display().to_string()));
            }
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql").filter(|_| path.is_file()) else {
            problem(format!("is not a repeatable: {LAYOUT}"));
            continue;
        };
        if !snake(stem) {
            problem(format!(
                "is misnamed: `{stem}` must be snake_case (lowercase letters, digits and `_`, starting with a letter); {LAYOUT}"
            ));
            continue;
        }
        let down = dir.join(format!("{stem}.down.sql"));
        let mut texts = Vec::new();
        for file in [path.as_path(), down.as_path()] {
            if file == down && !down.is_file() {
                continue;
            }
            match std::fs::read_to_string(file) {
                Ok(text) => texts.push((file, text)),
                Err(e) => problem(format!("cannot be read: {e}")),
            }
        }
        for (file, text) in &texts {
            if migrate_sql::parse_statements(text).is_empty() {
                problem(format!("{}: the SQL has no statement", file.display()));
            } else if let Some(p) = migrate_sql::syntax_errors(text).first() {
                problem(format!("{}: SQL the PostgreSQL grammar cannot read: {p}", file.display()));
            }
        }
        let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf()).display().to_string();
        let down_code = if down.is_file() {
            format!("::core::option::Option::Some(include_str!({:?}))", abs(&down))
        } else {
            "::core::option::Option::None".to_string()
        };
        // Messages name the file as the crate names it.
        let shown = format!("src/repeatable/{name}");
        out.push_str(&format!(
            "::migrate_core::__private::inventory::submit! {{ ::migrate_core::registry::RepeatableDef {{ name: {stem:?}, file: {shown:?}, up: include_str!({:?}), down: {down_code}, module: \"\", build: ::core::option::Option::None }} }}\n",
            abs(path)
        ));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}
