//! SQL-file migrations: a folder `m<YYYYMMDDHHMMSS>_<snake_name>/` with `up.sql` (and `down.sql`),
//! settings in header comments.

use std::path::Path;

/// The settings an SQL migration's header comments give.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SqlHeader {
    /// `-- migrate: no_transaction`: the migration runs outside a transaction.
    pub no_transaction: bool,
    /// `-- migrate: irreversible = "why"`: the reason it has no down.
    pub irreversible: Option<String>,
    /// `(rule_name, reason)` pairs.
    pub allow: Vec<(String, String)>,
    /// The identifier in the tool the migration was imported from.
    pub original: Option<String>,
    /// Why the SQL is sent as written although the grammar cannot read it (PostgreSQL accepts what
    /// the parser does not know yet): its syntax is then left to the server.
    pub unparsed: Option<String>,
}

/// Reads the `-- migrate: ...` lines at the top of an `up.sql` (before the first line that is not a
/// comment or blank).
pub fn sql_header(up: &str) -> Result<SqlHeader, String> {
    let mut h = SqlHeader::default();
    for line in up.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else { break };
        let Some(setting) = comment.trim().strip_prefix("migrate:") else { continue };
        let setting = setting.trim();
        let quoted = |s: &str| -> Result<String, String> {
            let s = s.trim();
            match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(v) if !v.trim().is_empty() => Ok(v.to_string()),
                _ => Err(format!("`-- migrate: {setting}`: give the reason in double quotes")),
            }
        };
        // `= "value"` after a setting's name.
        let assigned = |rest: &str, example: &str| -> Result<String, String> {
            let value =
                rest.trim().strip_prefix('=').ok_or_else(|| format!("`-- migrate: {setting}`: write `{example}`"))?;
            quoted(value)
        };
        if setting == "no_transaction" {
            h.no_transaction = true;
        } else if let Some(rest) = setting.strip_prefix("irreversible") {
            h.irreversible = Some(assigned(rest, "irreversible = \"why\"")?);
        } else if let Some(rest) = setting.strip_prefix("original") {
            h.original = Some(assigned(rest, "original = \"id\"")?);
        } else if let Some(rest) = setting.strip_prefix("unparsed") {
            h.unparsed = Some(assigned(rest, "unparsed = \"why\"")?);
        } else if let Some(rest) = setting.strip_prefix("allow ") {
            let (rule, reason) = rest
                .split_once('=')
                .ok_or_else(|| format!("`-- migrate: {setting}`: write `allow rule_name = \"why\"`"))?;
            let rule = rule.trim();
            if rule.is_empty() || !rule.bytes().all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'-') {
                return Err(format!("`-- migrate: {setting}`: `{rule}` is not a rule name"));
            }
            h.allow.push((rule.replace('-', "_"), quoted(reason)?));
        } else {
            return Err(format!(
                "unknown setting `-- migrate: {setting}`: the settings are no_transaction, irreversible = \"why\", allow rule_name = \"why\", original = \"id\", unparsed = \"why\""
            ));
        }
    }
    Ok(h)
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

/// The generated module of an SQL migration folder.
pub(crate) fn sql_migration(dir: &Path, stem: &str) -> Result<String, String> {
    let up = dir.join("up.sql");
    let text = std::fs::read_to_string(&up).map_err(|e| format!("up.sql cannot be read: {e}"))?;
    let header = sql_header(&text)?;
    let down = dir.join("down.sql");
    let has_down = down.is_file();
    // Without down.sql or the marker, the down is derived: every statement must have an inverse.
    let derived = !has_down && header.irreversible.is_none();
    if derived {
        for st in migrate_sql::parse_statements(&text) {
            if let Err(why) = migrate_sql::derive::reversible(&st) {
                let first = st.text.lines().find(|l| !l.trim_start().starts_with("--")).unwrap_or("").trim();
                return Err(format!(
                    "has no down.sql, and its down cannot be derived: up.sql line {} (`{}`): {why}; add a down.sql that undoes up.sql, or mark up.sql `-- migrate: irreversible = \"why it cannot be undone\"`",
                    st.line,
                    first.chars().take(60).collect::<String>()
                ));
            }
        }
    }
    if has_down && header.irreversible.is_some() {
        return Err("is marked irreversible and has a down.sql: remove one of them".into());
    }
    if header.unparsed.is_none() {
        let down_text = if has_down {
            std::fs::read_to_string(&down).map_err(|e| format!("down.sql cannot be read: {e}"))?
        } else {
            String::new()
        };
        for (file, sql) in [("up.sql", &text), ("down.sql", &down_text)] {
            if let Some(p) = migrate_sql::syntax_errors(sql).first() {
                return Err(format!(
                    "has SQL the PostgreSQL grammar cannot read: {file} {p}; correct it, or, if PostgreSQL accepts it as written, mark up.sql `-- migrate: unparsed = \"why\"`"
                ));
            }
        }
    }
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf()).display().to_string();
    let mut options = Vec::new();
    if header.no_transaction {
        options.push("no_transaction".to_string());
    }
    if let Some(reason) = &header.irreversible {
        options.push(format!("irreversible = {}", rust_str(reason)));
    }
    if !header.allow.is_empty() {
        let pairs: Vec<String> = header.allow.iter().map(|(r, why)| format!("{r} = {}", rust_str(why))).collect();
        options.push(format!("allow({})", pairs.join(", ")));
    }
    if let Some(o) = &header.original {
        options.push(format!("original = {}", rust_str(o)));
    }
    // Messages about the migration (lint findings, registry errors) name its up.sql as the crate
    // names it, not the generated module.
    options.push(format!("sql_file = {}", rust_str(&up.display().to_string())));
    let body = if has_down {
        format!("s.sql_with_down(include_str!({}), include_str!({}));", rust_str(&abs(&up)), rust_str(&abs(&down)))
    } else if derived {
        format!("s.__sql_derived(include_str!({}));", rust_str(&abs(&up)))
    } else {
        format!("s.sql(include_str!({}));", rust_str(&abs(&up)))
    };
    Ok(format!(
        "/// SQL migration `{stem}/`.\npub mod {stem} {{\n    #[::migrate_core::migration({})]\n    pub fn up(s: &mut ::migrate_core::Schema) {{\n        {body}\n    }}\n}}\n",
        options.join(", ")
    ))
}
