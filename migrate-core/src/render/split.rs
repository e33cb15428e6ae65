//! Splitting an SQL script into statements, for raw SQL and SQL-file migrations: on `;` outside
//! string literals (`'..'`, `E'..'`), quoted identifiers, dollar-quoted bodies (`$tag$..$tag$`) and
//! comments (`--`, nested `/* */`).

/// The statements of `script`, trimmed, empty ones (and comment-only ones) left out.
///
/// ```
/// use migrate_core::render::split_statements;
/// let script = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; -- one\nSELECT ';';";
/// assert_eq!(split_statements(script), ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "-- one\nSELECT ';'"]);
/// ```
pub fn split_statements(script: &str) -> Vec<String> {
    let b = script.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut meaningful = false;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' => {
                let escapes = i > 0 && matches!(b[i - 1], b'E' | b'e') && (i < 2 || !b[i - 2].is_ascii_alphanumeric());
                i += 1;
                while i < b.len() {
                    if escapes && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                meaningful = true;
            }
            b'"' => {
                i += 1;
                while i < b.len() && !(b[i] == b'"' && b.get(i + 1) != Some(&b'"')) {
                    i += if b[i] == b'"' { 2 } else { 1 };
                }
                meaningful = true;
            }
            b'$' => {
                // A dollar quote opens with $tag$ where tag is empty or an identifier (not $1).
                let tag_end =
                    b[i + 1..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).map(|p| i + 1 + p);
                if let Some(end) = tag_end
                    && b[end] == b'$'
                    && !b.get(i + 1).is_some_and(u8::is_ascii_digit)
                {
                    let tag = &script[i..=end];
                    match script[end + 1..].find(tag) {
                        Some(close) => i = end + 1 + close + tag.len() - 1,
                        None => i = b.len() - 1,
                    }
                }
                meaningful = true;
            }
            b';' => {
                if meaningful {
                    out.push(script[start..i].trim().to_string());
                }
                start = i + 1;
                meaningful = false;
            }
            c if !c.is_ascii_whitespace() => meaningful = true,
            _ => {}
        }
        i += 1;
    }
    if meaningful {
        out.push(script[start..].trim().to_string());
    }
    out
}

/// Whether PostgreSQL refuses this statement inside a transaction block.
pub fn needs_autocommit(statement: &str) -> bool {
    let words: Vec<String> = split_statements(statement)
        .first()
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .take(6)
                .map(|w| w.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    (w(0) == "VACUUM")
        || (matches!(w(0), "CREATE" | "DROP") && w(1) == "DATABASE")
        || (w(0) == "REINDEX" && words.iter().any(|x| x == "CONCURRENTLY"))
        || (matches!(w(0), "CREATE" | "DROP") && words.iter().take(4).any(|x| x == "CONCURRENTLY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_outside_quotes_and_comments() {
        let s = "INSERT INTO t VALUES ('a;b', E'c\\';d', \"x;y\"); /* ; /* nested ; */ */ SELECT $t$ ; $t$; SELECT $1;\n-- tail ;";
        assert_eq!(
            split_statements(s),
            [
                "INSERT INTO t VALUES ('a;b', E'c\\';d', \"x;y\")",
                "/* ; /* nested ; */ */ SELECT $t$ ; $t$",
                "SELECT $1",
            ]
        );
        assert!(split_statements("  ;; -- nothing\n").is_empty());
    }

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        assert!(needs_autocommit("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(needs_autocommit("create unique index concurrently i on t (a)"));
        assert!(needs_autocommit("-- why\nDROP INDEX CONCURRENTLY i"));
        assert!(needs_autocommit("VACUUM ANALYZE t"));
        assert!(!needs_autocommit("CREATE INDEX i ON t (a)"));
        assert!(!needs_autocommit("SELECT 'CREATE INDEX CONCURRENTLY'"));
    }
}
