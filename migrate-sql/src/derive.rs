//! Which statements have a derived inverse, and the normalised text of a script.
//!
//! A migration without a written down gets one derived from its up (migrate-core's `reverse`). For
//! SQL, the decision is taken here, on the statement's tree, so that the build script of a migrations
//! crate (an SQL file without `down.sql`) and `#[migration]` (`s.sql("..")` in a Rust migration
//! without `down`) refuse what cannot be derived before anything runs, and migrate-core derives the
//! down only for what this module accepts. A statement has a derived inverse when it creates or
//! renames exactly one thing the schema model reads (a table, an index, an enum type, a view, an
//! extension, a schema, a sequence, a function or procedure, a trigger, a column, a constraint, a partition
//! or an attached one, a policy), and nothing about the inverse depends on what was
//! there before: `IF NOT EXISTS`, `OR REPLACE`, NOT NULL flips (PostgreSQL ignores one that changes
//! nothing), defaults, type changes, drops and comments (whose previous value the SQL does not say)
//! need a written down.

use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

use crate::ParsedStatement;

fn child(node: &SyntaxNode, kind: K) -> Option<SyntaxNode> {
    node.children().find(|n| n.kind() == kind)
}

fn has_token(node: &SyntaxNode, kind: K) -> bool {
    node.children_with_tokens().any(|e| e.kind() == kind)
}

/// `CREATE_TABLE` as `CREATE TABLE`.
fn kind_name(kind: K) -> String {
    format!("{kind:?}").replace('_', " ")
}

/// Whether a name (`t`, `public.t`, `"T"`) is in the public schema: the model reads nothing else.
fn in_public(name: &SyntaxNode) -> bool {
    let text: String = name
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .map(|t| t.text().to_string())
        .collect();
    match text.split_once('.') {
        None => true,
        Some((schema, _)) => schema.eq_ignore_ascii_case("public") || schema == "\"public\"",
    }
}

/// Why an unnamed index or added constraint has no derived inverse.
const UNNAMED: &str = "it has no name, and the one PostgreSQL picks depends on the names already taken (`t_a_idx1` after `t_a_idx`): name it";

/// The node naming what a CREATE TYPE / CREATE VIEW / ALTER INDEX / ALTER TYPE statement is about.
fn named(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.children().find(|n| {
        matches!(
            n.kind(),
            K::TYPE_NAME | K::VIEW | K::INDEX_REF | K::TYPE_NAME_REF | K::DOMAIN | K::DOMAIN_REF | K::VIEW_REF
        )
    })
}

/// Whether `statement` has a derived inverse; the reason when it has none (see the module docs).
///
/// ```
/// use migrate_sql::{parse_statements, derive::reversible};
/// let s = parse_statements("CREATE TABLE t (id bigint PRIMARY KEY); ALTER TABLE t ALTER COLUMN id SET DEFAULT 0");
/// assert!(reversible(&s[0]).is_ok());
/// assert!(reversible(&s[1]).unwrap_err().contains("SET DEFAULT"));
/// ```
pub fn reversible(statement: &ParsedStatement) -> Result<(), String> {
    let Some(node) = &statement.node else {
        return Err("the grammar cannot read it".into());
    };
    let kind = node.kind();
    let what = kind_name(kind);
    if [K::IF_NOT_EXISTS, K::IF_EXISTS, K::OR_REPLACE].iter().any(|k| child(node, *k).is_some()) {
        return Err(format!(
            "`{what}` with IF [NOT] EXISTS or OR REPLACE: whether it changed anything is known only when it runs"
        ));
    }
    let outside = |n: Option<SyntaxNode>| n.is_none_or(|n| !in_public(&n));
    match kind {
        K::CREATE_TABLE => {
            for (k, form) in [(K::TEMP, "TEMP"), (K::OF_TYPE, "OF type"), (K::INHERITS, "INHERITS")] {
                if child(node, k).is_some() {
                    return Err(format!("`CREATE TABLE .. {form}` is not read into the schema model"));
                }
            }
            if outside(child(node, K::TABLE_NAME)) {
                return Err("tables outside the public schema are not read into the schema model".into());
            }
            if let Some(of) = child(node, K::PARTITION_OF) {
                return match outside(child(&of, K::TABLE_NAME_REF)) {
                    true => {
                        Err("partitions of tables outside the public schema are not read into the schema model".into())
                    }
                    false => Ok(()),
                };
            }
            match child(node, K::TABLE_ARG_LIST) {
                Some(args) if !args.children().any(|n| n.kind() == K::LIKE_CLAUSE) => Ok(()),
                Some(_) => Err("`CREATE TABLE (LIKE ..)` is not read into the schema model".into()),
                None => Err("`CREATE TABLE` without a column list is not read into the schema model".into()),
            }
        }
        K::CREATE_INDEX => {
            let table = child(node, K::TABLE_RELATION_NAME).and_then(|r| child(&r, K::TABLE_NAME_REF));
            if outside(table) {
                return Err("indexes on tables outside the public schema are not read into the schema model".into());
            }
            if child(node, K::INDEX).is_none() {
                return Err(UNNAMED.into());
            }
            Ok(())
        }
        K::CREATE_TYPE
        | K::CREATE_VIEW
        | K::CREATE_MATERIALIZED_VIEW
        | K::CREATE_DOMAIN
        | K::ALTER_DOMAIN
        | K::REFRESH
        | K::ALTER_INDEX
        | K::ALTER_TYPE
            if outside(named(node)) =>
        {
            Err(format!("`{what}` of an object outside the public schema: the model reads only `public`"))
        }
        K::CREATE_TYPE if child(node, K::ENUM_TYPE).is_some() => Ok(()),
        K::CREATE_TYPE if child(node, K::COMPOSITE_TYPE).is_some() => Ok(()),
        K::CREATE_TYPE if child(node, K::RANGE_TYPE).is_some() => {
            let canonical = node
                .descendants()
                .filter(|n| n.kind() == K::ATTRIBUTE_NAME)
                .any(|n| n.text().to_string().eq_ignore_ascii_case("canonical"));
            if canonical {
                Err("`CREATE TYPE .. AS RANGE (CANONICAL = ..)` is not read into the schema model".into())
            } else {
                Ok(())
            }
        }
        K::CREATE_DOMAIN if node.children().any(|n| n.kind() == K::COLLATE) => {
            Err("`CREATE DOMAIN .. COLLATE` is not read into the schema model".into())
        }
        K::CREATE_DOMAIN => Ok(()),
        K::CREATE_MATERIALIZED_VIEW => {
            match node.children().find(|n| matches!(n.kind(), K::WITH_PARAMS | K::USING_METHOD | K::TABLESPACE)) {
                Some(n) => Err(format!(
                    "`CREATE MATERIALIZED VIEW .. {}` is not read into the schema model",
                    kind_name(n.kind())
                )),
                None => Ok(()),
            }
        }
        // Refreshing and rebuilding indexes have nothing to undo: their derived down is empty.
        K::REFRESH | K::REINDEX => Ok(()),
        K::ALTER_DOMAIN => {
            for action in node.children().filter(|n| n.kind() != K::DOMAIN_REF) {
                match action.kind() {
                    K::VALIDATE_CONSTRAINT => {}
                    K::ADD_CONSTRAINT => {
                        let named = action.descendants().any(|n| n.kind() == K::CONSTRAINT_NAME_CLAUSE);
                        if !named {
                            return Err(UNNAMED.into());
                        }
                    }
                    other => return Err(format!("`ALTER DOMAIN .. {}` has no derived inverse", kind_name(other))),
                }
            }
            Ok(())
        }
        K::CREATE_VIEW if child(node, K::TEMP).is_none() => Ok(()),
        K::CREATE_EXTENSION => Ok(()),
        K::CREATE_SEQUENCE if child(node, K::TEMP).is_some() => {
            Err("`CREATE TEMP SEQUENCE` is not read into the schema model".into())
        }
        K::CREATE_SEQUENCE if outside(child(node, K::SEQUENCE)) => {
            Err("sequences outside the public schema are not read into the schema model".into())
        }
        K::CREATE_SEQUENCE => Ok(()),
        K::CREATE_FUNCTION | K::CREATE_PROCEDURE => {
            let name = node.children().find(|n| matches!(n.kind(), K::FUNCTION_NAME | K::PROCEDURE_NAME));
            if outside(name) {
                return Err(format!("`{what}` outside the public schema: the model reads only `public`"));
            }
            let options = node.children().filter(|n| n.kind() == K::FUNC_OPTION_LIST).flat_map(|l| l.children());
            for o in options {
                if o.kind() == K::AS_FUNC_OPTION {
                    let literals: Vec<String> =
                        o.descendants().filter(|n| n.kind() == K::LITERAL).map(|n| n.text().to_string()).collect();
                    match literals.as_slice() {
                        [one] if !one.starts_with(['E', 'e']) => {}
                        [_] => {
                            return Err(format!(
                                "`{what}` with an escape-string body is not read into the schema model"
                            ));
                        }
                        _ => {
                            return Err(format!(
                                "`{what} .. AS 'object file', 'symbol'` is not read into the schema model"
                            ));
                        }
                    }
                } else if o.text().to_string().trim_start().to_uppercase().starts_with("RETURN") {
                    return Err(format!("`{what} .. RETURN expression` is not read into the schema model"));
                }
            }
            Ok(())
        }
        K::CREATE_TRIGGER => {
            let table = child(node, K::ON_RELATION).and_then(|r| child(&r, K::RELATION_NAME_REF));
            if outside(table) {
                return Err("triggers on tables outside the public schema are not read into the schema model".into());
            }
            let known = [
                K::TRIGGER,
                K::TIMING_BEFORE,
                K::TIMING_AFTER,
                K::TIMING_INSTEAD_OF,
                K::TRIGGER_EVENT_LIST,
                K::ON_RELATION,
                K::REFERENCING,
                K::FOR_EACH_ROW,
                K::FOR_EACH_STATEMENT,
                K::WHEN_CONDITION,
                K::CALL_EXPR,
            ];
            let odd = node.children().find(|n| !known.contains(&n.kind()));
            match (odd, node.children_with_tokens().any(|e| e.kind() == K::CONSTRAINT_KW)) {
                (_, true) => Err("`CREATE CONSTRAINT TRIGGER` is not read into the schema model".into()),
                (Some(n), _) => {
                    Err(format!("`CREATE TRIGGER .. {}` is not read into the schema model", kind_name(n.kind())))
                }
                _ => Ok(()),
            }
        }
        K::CREATE_SCHEMA => {
            let elements = node.children().any(|n| {
                let k = format!("{:?}", n.kind());
                k.starts_with("CREATE_") || k == "GRANT"
            });
            if elements { Err("`CREATE SCHEMA` with elements: write its down".into()) } else { Ok(()) }
        }
        K::ALTER_TABLE => {
            let table = child(node, K::TABLE_RELATION_NAME).and_then(|r| child(&r, K::TABLE_NAME_REF));
            if outside(table) {
                return Err("tables outside the public schema are not read into the schema model".into());
            }
            for action in node.children().filter(|n| n.kind() != K::TABLE_RELATION_NAME) {
                alter_table_action(&action)?;
            }
            Ok(())
        }
        K::CREATE_POLICY => {
            let table = child(node, K::ON_TABLE).and_then(|o| child(&o, K::TABLE_NAME_REF));
            match outside(table) {
                true => Err("policies on tables outside the public schema are not read into the schema model".into()),
                false => Ok(()),
            }
        }
        K::ALTER_INDEX if child(node, K::INDEX_RENAME_TO).is_some() => Ok(()),
        K::ALTER_TYPE if child(node, K::RENAME_VALUE).is_some() => Ok(()),
        K::ALTER_TYPE if child(node, K::ADD_VALUE).is_some() => {
            Err("`ALTER TYPE .. ADD VALUE`: PostgreSQL cannot remove a value from an enum".into())
        }
        K::COMMENT_ON => Err("`COMMENT ON`: the comment it replaces is not known".into()),
        _ if what.starts_with("DROP ") => Err(format!("`{what}`: what it drops cannot be derived back")),
        _ => Err(format!("`{what}` has no derived inverse")),
    }
}

fn alter_table_action(action: &SyntaxNode) -> Result<(), String> {
    let what = kind_name(action.kind());
    match action.kind() {
        K::ADD_COLUMN | K::RENAME_COLUMN | K::TABLE_RENAME_TO | K::RENAME_CONSTRAINT | K::VALIDATE_CONSTRAINT => {
            match child(action, K::IF_NOT_EXISTS) {
                Some(_) => Err(format!(
                    "`ALTER TABLE .. {what} IF NOT EXISTS`: whether it added anything is known only when it runs"
                )),
                None => Ok(()),
            }
        }
        K::ADD_CONSTRAINT if action.descendants().any(|n| n.kind() == K::USING_INDEX_NAME) => {
            Err("`ADD CONSTRAINT .. USING INDEX`: dropping the constraint drops the index too".into())
        }
        K::ADD_CONSTRAINT if action.descendants().any(|n| n.kind() == K::PRIMARY_KEY_CONSTRAINT) => {
            Err("`ADD PRIMARY KEY` also makes its columns NOT NULL, which dropping the key does not undo".into())
        }
        K::ADD_CONSTRAINT if !action.descendants().any(|n| n.kind() == K::CONSTRAINT_NAME) => Err(UNNAMED.into()),
        K::ADD_CONSTRAINT => Ok(()),
        K::ATTACH_PARTITION if action.children().any(|n| n.kind() == K::TABLE_NAME_REF && !in_public(&n)) => {
            Err("partitions outside the public schema are not read into the schema model".into())
        }
        K::ATTACH_PARTITION => Ok(()),
        K::DETACH_PARTITION => Err("`DETACH PARTITION`: the bound to attach it again with is not in the SQL".into()),
        K::ALTER_COLUMN => {
            let a = action.children().find(|n| n.kind() != K::COLUMN_NAME_REF);
            let how = a.as_ref().map(|a| kind_name(a.kind())).unwrap_or_default();
            let why = match a.map(|a| a.kind()) {
                Some(K::SET_TYPE) => "the old type is not known",
                Some(K::SET_DEFAULT | K::DROP_DEFAULT) => "the previous default is not known",
                // PostgreSQL does nothing to a column that already is (or is not) NOT NULL, so the
                // inverse depends on what the column was.
                Some(K::SET_NOT_NULL | K::DROP_NOT_NULL) => "whether the column was NOT NULL before is not known",
                _ => "it has no derived inverse",
            };
            Err(format!("`ALTER TABLE .. ALTER COLUMN .. {how}`: {why}"))
        }
        K::COMMA | K::SEMICOLON => Ok(()),
        _ if has_token(action, K::DROP_KW) || what.starts_with("DROP ") => {
            Err(format!("`ALTER TABLE .. {what}`: what it drops cannot be derived back"))
        }
        _ => Err(format!("`ALTER TABLE .. {what}` has no derived inverse")),
    }
}

/// The text of `script` as its checksum sees it: the lexer's tokens without whitespace and comments,
/// one space apart; keywords and unquoted names in lower case (PostgreSQL folds them); line endings
/// as `\n` inside literals; no `;` at either end. Reformatting, comments and CRLF line endings do not
/// change it; anything PostgreSQL would read differently does. Built on the lexer, not the grammar:
/// tokens are the stablest layer of the parser crate, and a later grammar does not change old texts.
///
/// ```
/// let a = migrate_sql::derive::normalize("-- users\nCREATE TABLE users (\n  id bigint PRIMARY KEY\n);\n");
/// let b = migrate_sql::derive::normalize("create table users (id BIGINT primary key)");
/// assert_eq!(a, b);
/// assert_ne!(a, migrate_sql::derive::normalize("CREATE TABLE \"Users\" (id bigint PRIMARY KEY)"));
/// ```
pub fn normalize(script: &str) -> String {
    normalized(script, false)
}

/// [`normalize`] for code whose dollar-quoted strings are code too (a function's definition: its
/// body): their contents are normalised as well, so whitespace and comments inside a body do not
/// count either.
///
/// ```
/// use migrate_sql::derive::normalize_code;
/// let a = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$";
/// let b = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n  SELECT 1; -- one\n$body$";
/// assert_eq!(normalize_code(a), normalize_code(b));
/// assert_ne!(normalize_code(a), normalize_code("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2; $$"));
/// ```
pub fn normalize_code(script: &str) -> String {
    normalized(script, true)
}

fn normalized(script: &str, bodies: bool) -> String {
    use squawk_lexer::TokenKind as T;
    let script = script.replace("\r\n", "\n");
    let mut tokens: Vec<(T, &str)> = Vec::new();
    let mut at = 0usize;
    for t in squawk_lexer::tokenize(&script) {
        let text = &script[at..at + t.len as usize];
        at += t.len as usize;
        if !matches!(t.kind, T::Whitespace | T::LineComment | T::BlockComment { .. }) {
            tokens.push((t.kind, text));
        }
    }
    let start = tokens.iter().take_while(|(k, _)| *k == T::Semi).count();
    let end = tokens.len() - tokens[start..].iter().rev().take_while(|(k, _)| *k == T::Semi).count();
    let mut out = String::with_capacity(script.len());
    for (i, (kind, text)) in tokens[start..end].iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match kind {
            // PostgreSQL folds unquoted names in ASCII only (in UTF-8 databases).
            T::Ident => out.push_str(&text.to_ascii_lowercase()),
            T::Literal { kind: squawk_lexer::LiteralKind::DollarQuotedString { .. } } if bodies => {
                // `$tag$ .. $tag$`: the tag does not count, the contents are code.
                let tag_end = text[1..].find('$').map_or(0, |i| i + 2);
                match text.get(tag_end..text.len().saturating_sub(tag_end)) {
                    // An unterminated string (shorter than its two tags) stays as it is.
                    Some(inner) if tag_end > 0 && 2 * tag_end <= text.len() => {
                        out.push_str("$$ ");
                        out.push_str(&normalized(inner, true));
                        out.push_str(" $$");
                    }
                    _ => out.push_str(text),
                }
            }
            _ => out.push_str(text),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(sql: &str) -> Vec<Result<(), String>> {
        crate::parse_statements(sql).iter().map(reversible).collect()
    }

    #[test]
    fn creations_and_renames_are_reversible() {
        let sql = "CREATE TABLE t (id bigint PRIMARY KEY, a text REFERENCES u);
            CREATE TABLE public.t2 (id serial);
            CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (lower(a)) WHERE a IS NOT NULL;
            CREATE TYPE mood AS ENUM ('ok', 'sad');
            CREATE VIEW v AS SELECT 1;
            CREATE EXTENSION citext;
            CREATE SEQUENCE tickets AS integer START 100 OWNED BY t.a;
            CREATE SCHEMA audit;
            ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0, ADD CONSTRAINT t_b CHECK (b > 0) NOT VALID;
            ALTER TABLE t RENAME COLUMN b TO c;
            ALTER TABLE t RENAME TO t3;
            ALTER TABLE t3 RENAME CONSTRAINT t_b TO t_c;
            ALTER TABLE t3 VALIDATE CONSTRAINT t_c;
            ALTER INDEX t_a RENAME TO t_b;
            ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
            CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE FUNCTION one(n int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT n + 1; END;
            CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
            CREATE TRIGGER t_touch AFTER UPDATE ON t3 REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION touch();
            CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            ALTER TABLE ev ATTACH PARTITION ev_0 FOR VALUES FROM (MINVALUE) TO ('2026-01-01');
            CREATE POLICY own ON t3 FOR SELECT TO app USING (true);";
        for (s, v) in crate::parse_statements(sql).iter().zip(verdict(sql)) {
            assert_eq!(v, Ok(()), "{}", s.text);
        }
    }

    #[test]
    fn what_depends_on_the_past_is_not() {
        for (sql, why) in [
            ("CREATE TABLE IF NOT EXISTS t (a int)", "IF [NOT] EXISTS"),
            ("CREATE OR REPLACE VIEW v AS SELECT 1", "OR REPLACE"),
            ("CREATE TABLE audit.t (a int)", "outside the public schema"),
            ("CREATE TABLE t (LIKE u)", "LIKE"),
            ("CREATE TABLE c () INHERITS (p)", "INHERITS"),
            ("CREATE TABLE p1 PARTITION OF audit.p FOR VALUES IN (1)", "outside the public schema"),
            ("ALTER TABLE p DETACH PARTITION p1", "bound to attach it again"),
            ("ALTER TABLE p ATTACH PARTITION audit.p1 DEFAULT", "outside the public schema"),
            ("DROP POLICY own ON t", "DROP POLICY"),
            ("ALTER TABLE t ENABLE ROW LEVEL SECURITY", "no derived inverse"),
            ("CREATE TEMP TABLE t (a int)", "TEMP"),
            ("DROP TABLE t", "DROP TABLE"),
            ("ALTER TABLE t DROP COLUMN a", "DROP COLUMN"),
            ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "old type"),
            ("ALTER TABLE t ALTER COLUMN a SET DEFAULT 1", "previous default"),
            ("ALTER TABLE t ALTER COLUMN a DROP DEFAULT", "previous default"),
            ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "NOT NULL before"),
            ("ALTER TABLE t ALTER COLUMN a DROP NOT NULL", "NOT NULL before"),
            ("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int", "IF NOT EXISTS"),
            ("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_idx", "USING INDEX"),
            ("ALTER TABLE t OWNER TO app", "no derived inverse"),
            ("ALTER TYPE mood ADD VALUE 'meh'", "cannot remove a value"),
            ("COMMENT ON TABLE t IS 'x'", "comment it replaces"),
            ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "OR REPLACE"),
            ("CREATE FUNCTION audit.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "outside the public schema"),
            ("CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'f'", "'object file', 'symbol'"),
            ("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS E'SELECT \\'x\\''", "escape-string"),
            ("CREATE CONSTRAINT TRIGGER c AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "CONSTRAINT TRIGGER"),
            ("CREATE TRIGGER c AFTER INSERT ON audit.t FOR EACH ROW EXECUTE FUNCTION f()", "outside the public schema"),
            ("DROP TRIGGER c ON t", "DROP TRIGGER"),
            ("DROP FUNCTION f()", "DROP FUNCTION"),
            ("INSERT INTO t VALUES (1)", "INSERT"),
            ("CREATE SEQUENCE audit.s", "outside the public schema"),
            ("ALTER SEQUENCE s RESTART", "ALTER SEQUENCE"),
            ("CREATE SCHEMA s CREATE TABLE t (a int)", "with elements"),
            ("CREATE INDEX ON t (a)", "no name"),
            ("ALTER TABLE t ADD CHECK (a > 0)", "no name"),
            ("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (a)", "NOT NULL"),
            ("CREATE VIEW reporting.daily AS SELECT 1", "outside the public schema"),
            ("CREATE TYPE audit.mood AS ENUM ('a')", "outside the public schema"),
            ("ALTER INDEX audit.i RENAME TO j", "outside the public schema"),
        ] {
            let v = verdict(sql);
            assert_eq!(v.len(), 1, "{sql}");
            let err = v[0].clone().expect_err(sql);
            assert!(err.contains(why), "{sql}: {err}");
        }
    }

    #[test]
    fn normalised_text_ignores_layout_not_meaning() {
        let base = normalize("CREATE TABLE t (a text DEFAULT 'x y');\nCREATE INDEX i ON t (a);");
        assert_eq!(base, "create table t ( a text default 'x y' ) ; create index i on t ( a )");
        for same in [
            "CREATE TABLE t (a text DEFAULT 'x y');\r\nCREATE INDEX i ON t (a);\r\n",
            "-- a table\ncreate  table t(a TEXT default 'x y') ;\n/* and its index */ CREATE INDEX i ON t(a)",
            ";CREATE TABLE T (A text DEFAULT 'x y'); CREATE INDEX I ON t (a);;",
        ] {
            assert_eq!(normalize(same), base, "{same}");
        }
        for different in [
            "CREATE TABLE t (a text DEFAULT 'x  y'); CREATE INDEX i ON t (a)",
            "CREATE TABLE \"T\" (a text DEFAULT 'x y'); CREATE INDEX i ON t (a)",
            "CREATE TABLE t (a text DEFAULT 'x y'); CREATE INDEX i ON t (a DESC)",
        ] {
            assert_ne!(normalize(different), base, "{different}");
        }
        // An unterminated dollar quote stays as it is (no endless reading of the same text).
        assert_eq!(normalize_code("SELECT $f$ x"), "select $f$ x");
        assert_eq!(normalize_code("SELECT $abc$ $$"), "select $abc$ $$");
        // Line endings inside a literal (a function body) are the same on every checkout.
        assert_eq!(normalize("SELECT $$a\r\nb$$"), normalize("SELECT $$a\nb$$"));
    }
}
