//! SQL read by a PostgreSQL grammar (squawk-syntax; the choice and its measurements are in the
//! project's docs/parser.md): a script's statements, which of them PostgreSQL refuses inside a
//! transaction block, whether text given where one expression is expected is one expression, and the
//! syntax errors of a script. Nothing here scans text: quotes, dollar quotes, comments, `BEGIN ATOMIC`
//! bodies and `$` in identifiers are the grammar's business.
//!
//! Its own crate so that the build script of a migrations crate (migrate-build) reads SQL with the
//! same rules as the runner (migrate-core) without the runner's dependencies.

// Published crates document every public item (checked by the compiler: the guide and docs.rs
// rely on it).
#![deny(missing_docs)]

pub mod derive;

use squawk_syntax::ast::AstNode as _;
use squawk_syntax::{SourceFile, SyntaxKind, SyntaxNode};

/// Each statement of `script`: its text (the comments before it included, the `;` after it left out)
/// and its node. Text the grammar could not place in a statement is not dropped: it goes with the
/// statement after it, or stands as the last one, so the server reports it.
fn statements(script: &str) -> Vec<(String, Option<SyntaxNode>)> {
    let parse = SourceFile::parse(script);
    let file = parse.tree();
    let mut out = Vec::new();
    let mut from = 0usize;
    let trim = |s: &str| -> String {
        let s = s.trim_start_matches(|c: char| c == ';' || c.is_whitespace()).trim_end();
        s.strip_suffix(';').unwrap_or(s).trim_end().to_string()
    };
    // Only comments, blanks and `;` are nothing.
    let code = |t: &squawk_syntax::SyntaxToken| {
        !matches!(t.kind(), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT | SyntaxKind::SEMICOLON)
    };
    for stmt in file.stmts() {
        let node = stmt.syntax().clone();
        let end = usize::from(node.text_range().end());
        if node.descendants_with_tokens().any(|e| e.as_token().is_some_and(code)) {
            out.push((trim(&script[from..end]), Some(node)));
            from = end;
        }
    }
    // Only the top-level elements after the last statement need a look.
    let rest_has_code = file.syntax().children_with_tokens().any(|e| {
        usize::from(e.text_range().end()) > from
            && match e {
                squawk_syntax::SyntaxElement::Token(t) => usize::from(t.text_range().start()) >= from && code(&t),
                squawk_syntax::SyntaxElement::Node(n) => n
                    .descendants_with_tokens()
                    .any(|d| usize::from(d.text_range().start()) >= from && d.as_token().is_some_and(code)),
            }
    });
    if rest_has_code {
        out.push((trim(&script[from..]), None));
    }
    out
}

/// The grammar's crate, for readers of the trees [`parse_statements`] returns.
pub use squawk_syntax as syntax;

/// One statement of a script: its text (as [`split_statements`] gives it), the line its code starts
/// on (from 1), and its tree (`None` for text the grammar could not place in a statement).
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    /// The statement's text.
    pub text: String,
    /// The line its code starts on, from 1.
    pub line: usize,
    /// Its tree; `None` for text the grammar could not place in a statement.
    pub node: Option<SyntaxNode>,
    /// PostgreSQL refuses it inside a transaction block ([`needs_autocommit`]).
    pub alone: bool,
}

/// The statements of `script` with their lines and trees.
///
/// ```
/// let s = migrate_sql::parse_statements("-- a table\nCREATE TABLE t (a int);\n\nDROP TABLE t;");
/// assert_eq!(s.iter().map(|s| s.line).collect::<Vec<_>>(), [2, 4]);
/// ```
pub fn parse_statements(script: &str) -> Vec<ParsedStatement> {
    let mut line = 1usize;
    let mut counted = 0usize;
    statements(script)
        .into_iter()
        .map(|(text, node)| {
            // The first token that is code, not a comment or blank.
            let start = node
                .as_ref()
                .and_then(|n| {
                    n.descendants_with_tokens().find_map(|e| {
                        e.as_token()
                            .filter(|t| !matches!(t.kind(), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT))
                            .map(|t| usize::from(t.text_range().start()))
                    })
                })
                .unwrap_or(counted)
                .max(counted);
            line += script[counted..start].matches('\n').count();
            counted = start;
            let alone = node.as_ref().is_some_and(refused_in_transaction);
            ParsedStatement { text, line, node, alone }
        })
        .collect()
}

/// The statements of `script`, trimmed, without their `;`; comment-only ones left out.
///
/// ```
/// use migrate_sql::split_statements;
/// let script = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; -- one\nSELECT ';';";
/// assert_eq!(split_statements(script), ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "-- one\nSELECT ';'"]);
/// ```
pub fn split_statements(script: &str) -> Vec<String> {
    statements(script).into_iter().map(|(text, _)| text).collect()
}

/// The statements of `script` (as [`split_statements`] gives them), each with whether PostgreSQL
/// refuses it inside a transaction block (as [`needs_autocommit`] says): one parse for both.
///
/// ```
/// let s = migrate_sql::split_with_autocommit("CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a)");
/// assert_eq!(s, [("CREATE TABLE t (a int)".to_string(), false), ("CREATE INDEX CONCURRENTLY i ON t (a)".to_string(), true)]);
/// ```
pub fn split_with_autocommit(script: &str) -> Vec<(String, bool)> {
    statements(script)
        .into_iter()
        .map(|(text, node)| {
            let alone = node.as_ref().is_some_and(refused_in_transaction);
            (text, alone)
        })
        .collect()
}

/// Whether PostgreSQL refuses this statement (the first of the text) inside a transaction block:
/// concurrent index builds and drops, `REINDEX` of a database, schema or system or `CONCURRENTLY`,
/// `DETACH PARTITION .. CONCURRENTLY`, `VACUUM`, `CREATE`/`DROP DATABASE`, `CREATE`/`DROP TABLESPACE`,
/// `ALTER SYSTEM`.
///
/// ```
/// use migrate_sql::needs_autocommit;
/// assert!(needs_autocommit("/* why */ CREATE INDEX CONCURRENTLY i ON t (a)"));
/// assert!(!needs_autocommit("SELECT 'CREATE INDEX CONCURRENTLY'"));
/// ```
pub fn needs_autocommit(statement: &str) -> bool {
    statements(statement).into_iter().next().and_then(|(_, node)| node).is_some_and(|n| refused_in_transaction(&n))
}

/// The name of the index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON ..` builds (as
/// PostgreSQL stores it: unquoted names folded to lower case), so that a retry can drop the INVALID
/// leftover of a failed build first. `None` for anything else, or an index without a name.
pub fn concurrent_index_name(statement: &str) -> Option<String> {
    let (_, node) = statements(statement).into_iter().next()?;
    let node = node?;
    if node.kind() != SyntaxKind::CREATE_INDEX
        || !node.children_with_tokens().any(|e| e.kind() == SyntaxKind::CONCURRENTLY_KW)
    {
        return None;
    }
    // The name is the node before `ON` that is not `IF NOT EXISTS`.
    let mut name = None;
    for e in node.children_with_tokens() {
        match e {
            squawk_syntax::SyntaxElement::Token(t) if t.kind() == SyntaxKind::ON_KW => break,
            squawk_syntax::SyntaxElement::Node(n) if n.kind() != SyntaxKind::IF_NOT_EXISTS => {
                name = Some(n.text().to_string())
            }
            _ => {}
        }
    }
    let name = name?.trim().to_string();
    Some(match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => name.to_lowercase(),
    })
}

fn refused_in_transaction(node: &SyntaxNode) -> bool {
    use SyntaxKind as K;
    let has_token = |kind: K| node.children_with_tokens().any(|e| e.kind() == kind);
    match node.kind() {
        K::CREATE_INDEX | K::DROP_INDEX => has_token(K::CONCURRENTLY_KW),
        K::REINDEX => node.descendants_with_tokens().any(|e| {
            matches!(
                e.kind(),
                K::CONCURRENTLY_KW | K::REINDEX_TARGET_DATABASE | K::REINDEX_TARGET_SCHEMA | K::REINDEX_TARGET_SYSTEM
            )
        }),
        K::ALTER_TABLE => node.descendants().any(|n| n.kind() == K::DETACH_CONCURRENTLY),
        K::VACUUM
        | K::CREATE_DATABASE
        | K::DROP_DATABASE
        | K::CREATE_TABLESPACE
        | K::DROP_TABLESPACE
        | K::ALTER_SYSTEM => true,
        _ => false,
    }
}

/// A name or a call made of names, digits, `_`, `.` and balanced parentheses, without spaces
/// (`now()`, `gen_random_uuid()`, `lower(email)`, `true`, `0`): nothing in it can end the expression
/// or add to the statement around it, so it needs no parse (the registry checks every default of a
/// long history when it loads).
fn plain(sql: &str) -> bool {
    let mut depth = 0i32;
    for c in sql.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// Checks that `sql` is one expression and nothing more: text that ends the expression and goes on
/// (`'x'); DELETE FROM t; SELECT ('`, `1), (2`, `true) OR (1`) would run or add what the caller did
/// not write.
///
/// ```
/// assert!(migrate_sql::one_expression("lower(email) <> ''").is_ok());
/// assert!(migrate_sql::one_expression("true); DELETE FROM legacy; SELECT (1").is_err());
/// ```
pub fn one_expression(sql: &str) -> Result<(), String> {
    if plain(sql) {
        return Ok(());
    }
    let wrapped = format!("SELECT ({sql})");
    let parse = SourceFile::parse(&wrapped);
    if let Some(e) = parse.errors().first() {
        return Err(format!("it is not an expression PostgreSQL reads ({e})"));
    }
    let stmts: Vec<_> = parse.tree().stmts().collect();
    let [stmt] = stmts.as_slice() else {
        return Err(format!("it holds {} statements, not one expression", stmts.len()));
    };
    let node = stmt.syntax();
    let whole = (7usize, wrapped.len());
    // The target is the whole `(..)` we wrapped around the text: `true) OR (1` reads as the
    // expression `(true) OR (1)`, whose parentheses are not ours.
    let span = |n: &SyntaxNode| (usize::from(n.text_range().start()), usize::from(n.text_range().end()));
    let one_target = node.kind() == SyntaxKind::SELECT
        && node.children().count() == 1
        && node.descendants().any(|n| {
            n.kind() == SyntaxKind::TARGET
                && span(&n) == whole
                && n.children().next().is_some_and(|e| e.kind() == SyntaxKind::PAREN_EXPR && span(&e) == whole)
        });
    if one_target { Ok(()) } else { Err("it is more than one expression".into()) }
}

/// Checks that `sql` is one query (a view's): one `SELECT`, `VALUES` or `TABLE`, nothing after it.
///
/// ```
/// assert!(migrate_sql::one_query("SELECT id FROM users").is_ok());
/// assert!(migrate_sql::one_query("SELECT 1; DROP TABLE legacy").is_err());
/// ```
pub fn one_query(sql: &str) -> Result<(), String> {
    let parse = SourceFile::parse(sql);
    if let Some(e) = parse.errors().first() {
        return Err(format!("it is not a query PostgreSQL reads ({e})"));
    }
    let stmts: Vec<_> = parse.tree().stmts().collect();
    let [stmt] = stmts.as_slice() else {
        return Err(format!("it holds {} statements, not one query", stmts.len()));
    };
    let kind = format!("{:?}", stmt.syntax().kind());
    if (kind.contains("SELECT") && kind != "SELECT_INTO") || kind == "VALUES" || kind == "TABLE" {
        Ok(())
    } else {
        Err(format!("it is not a query but a {} statement", kind.to_lowercase().replace('_', " ")))
    }
}

/// Checks that `sql` is one SET list (`a = a + 1, b = 2`) of an `UPDATE`, nothing more.
///
/// ```
/// assert!(migrate_sql::one_set_list("a = a + 1, b = 'x'").is_ok());
/// assert!(migrate_sql::one_set_list("a = 1 WHERE false").is_err());
/// ```
pub fn one_set_list(sql: &str) -> Result<(), String> {
    let wrapped = format!("UPDATE t SET {sql}");
    let parse = SourceFile::parse(&wrapped);
    if let Some(e) = parse.errors().first() {
        return Err(format!("it is not a SET list PostgreSQL reads ({e})"));
    }
    let stmts: Vec<_> = parse.tree().stmts().collect();
    let [stmt] = stmts.as_slice() else {
        return Err(format!("it holds {} statements, not one SET list", stmts.len()));
    };
    let only_set = stmt.syntax().kind() == SyntaxKind::UPDATE
        && stmt.syntax().children().all(|n| matches!(n.kind(), SyntaxKind::RELATION_NAME | SyntaxKind::SET_CLAUSE));
    if only_set { Ok(()) } else { Err("it adds clauses to the UPDATE (WHERE, FROM, RETURNING)".into()) }
}

/// A place in a script the grammar cannot read, with its line and column (from 1, columns in
/// characters) and the parser's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// The parser's message.
    pub message: String,
}

impl std::fmt::Display for SyntaxProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// The places of `script` the grammar cannot read (none for valid SQL).
///
/// ```
/// let found = migrate_sql::syntax_errors("SELECT 1;\nALTER TABLE t DROP COLUMN a\nALTER TABLE t DROP COLUMN b;");
/// assert_eq!((found[0].line, found[0].column), (2, 28));
/// assert!(migrate_sql::syntax_errors("SELECT 1; SELECT 2").is_empty());
/// ```
pub fn syntax_errors(script: &str) -> Vec<SyntaxProblem> {
    SourceFile::parse(script)
        .errors()
        .into_iter()
        .map(|e| {
            let at = usize::from(e.range().start()).min(script.len());
            let before = &script[..at];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            SyntaxProblem { line, column, message: e.message().to_string() }
        })
        .collect()
}

/// What a piece of SQL text given to a builder call must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// One expression (a default, CHECK, USING, WHERE, index expression, column backfill).
    Expression,
    /// One query (a view's).
    Query,
    /// One SET list (a table backfill's).
    SetList,
    /// A script of statements (`s.sql(..)`), which must read without syntax errors.
    Script,
}

impl Expected {
    /// Checks `sql` against what is expected; the reason when it is not that.
    ///
    /// ```
    /// use migrate_sql::Expected;
    /// assert!(Expected::Expression.check("now()").is_ok());
    /// assert!(Expected::Script.check("CREATE TABLE t (a int) ALTER TABLE t").is_err());
    /// ```
    pub fn check(self, sql: &str) -> Result<(), String> {
        match self {
            Expected::Expression => one_expression(sql),
            Expected::Query => one_query(sql),
            Expected::SetList => one_set_list(sql),
            Expected::Script => match syntax_errors(sql).first() {
                Some(p) => Err(format!("it does not read as SQL ({p})")),
                None => Ok(()),
            },
        }
    }

    /// How a message names what was expected.
    pub fn describe(self) -> &'static str {
        match self {
            Expected::Expression => "one expression",
            Expected::Query => "one query",
            Expected::SetList => "one SET list (`col = expr, ...`)",
            Expected::Script => "SQL statements PostgreSQL reads",
        }
    }
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

    /// The defects of the string scanner this replaces, each of which it got wrong.
    #[test]
    fn bodies_comments_and_identifiers_the_scanner_got_wrong() {
        let atomic = "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + b; END";
        assert_eq!(split_statements(&format!("{atomic};\nSELECT 1;")), [atomic, "SELECT 1"]);
        assert_eq!(split_statements("CREATE TABLE t (a$b$ int); SELECT 1"), ["CREATE TABLE t (a$b$ int)", "SELECT 1"]);
        assert!(needs_autocommit("/* a note */ CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(needs_autocommit("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"));
        assert!(needs_autocommit("REINDEX DATABASE app"));
        assert!(needs_autocommit("REINDEX SYSTEM app"));
        assert!(needs_autocommit("ALTER SYSTEM SET work_mem = '64MB'"));
        assert!(needs_autocommit("CREATE TABLESPACE fast LOCATION '/ssd'"));
    }

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        assert!(needs_autocommit("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(needs_autocommit("create unique index concurrently i on t (a)"));
        assert!(needs_autocommit("-- why\nDROP INDEX CONCURRENTLY i"));
        assert!(needs_autocommit("VACUUM ANALYZE t"));
        assert!(needs_autocommit("REINDEX INDEX CONCURRENTLY i"));
        assert!(!needs_autocommit("REINDEX INDEX i"));
        assert!(!needs_autocommit("ALTER TABLE p DETACH PARTITION p1"));
        assert!(!needs_autocommit("CREATE INDEX i ON t (a)"));
        assert!(!needs_autocommit("SELECT 'CREATE INDEX CONCURRENTLY'"));
    }

    #[test]
    fn text_the_grammar_cannot_place_is_kept() {
        // A `;` missing between two statements (a real file of the corpus): nothing is dropped.
        let s = "ALTER TABLE t DROP CONSTRAINT t_pkey\nALTER TABLE t ADD COLUMN id int;";
        let joined = split_statements(s).join(" ");
        assert!(joined.contains("t_pkey") && joined.contains("ADD COLUMN id"), "{joined}");
    }

    #[test]
    fn the_name_of_a_concurrent_build() {
        assert_eq!(
            concurrent_index_name("CREATE INDEX CONCURRENTLY Users_Email ON users (email)").as_deref(),
            Some("users_email")
        );
        assert_eq!(
            concurrent_index_name("/* x */ create unique index concurrently if not exists \"My Idx\" on t (a)")
                .as_deref(),
            Some("My Idx")
        );
        assert_eq!(concurrent_index_name("CREATE INDEX i ON t (a)"), None);
        assert_eq!(concurrent_index_name("CREATE INDEX CONCURRENTLY ON t (a)"), None);
    }

    #[test]
    fn one_expression_where_one_is_expected() {
        for ok in ["now()", "gen_random_uuid()", "lower(email)", "'x'", "a + 1", "(a > 0) AND (b < 2)", "x IS NOT NULL"]
        {
            assert_eq!(one_expression(ok), Ok(()), "{ok}");
        }
        for hidden in [
            "'x'; DELETE FROM legacy",
            "true); DELETE FROM legacy; SELECT (1",
            "1), (2",
            "1) FROM t WHERE (true",
            "1 NOT NULL",
            "now() CHECK (false)",
            "true) OR (1",
        ] {
            assert!(one_expression(hidden).is_err(), "{hidden}");
        }
        assert_eq!(one_query("SELECT id FROM t"), Ok(()));
        assert_eq!(one_query("WITH a AS (SELECT 1) SELECT * FROM a"), Ok(()));
        assert!(one_query("SELECT 1; DROP TABLE legacy").is_err());
        assert!(one_query("DELETE FROM legacy").is_err());
        assert_eq!(one_set_list("a = a + 1, b = 'x;y'"), Ok(()));
        assert!(one_set_list("a = 1 WHERE false; DROP TABLE legacy").is_err());
        assert!(one_set_list("a = 1 RETURNING *").is_err());
    }
}
