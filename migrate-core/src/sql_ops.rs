//! SQL read into the ops the builder records, so that SQL migrations, `s.sql(..)` and imported
//! histories feed the schema model (and through it `schema`, `codegen`, `diff` and the checks of later
//! migrations) as builder migrations do. The SQL still runs as written: these ops are never rendered.
//!
//! Each statement of a script is read into ops (CREATE/ALTER/DROP TABLE and each ALTER TABLE action,
//! CREATE/DROP/ALTER INDEX .. RENAME, constraints, enum types and their values, views, extensions,
//! schemas, sequences, functions and procedures, triggers and their ENABLE/DISABLE, comments,
//! partitions, row-level security and policies, renames), or named: a statement the model has no
//! place for (DML, grants, settings) leaves the model exact; a statement or part that may change
//! what the model holds in a way not read here (a `DO` block, `CREATE TABLE .. INHERITS`, an
//! `ALTER TABLE` action with no op) makes it inexact from there on, named in the model's warnings.
//! Each kind of object the model learns later gets its arm here.

use migrate_sql::syntax::{SyntaxElement, SyntaxKind as K, SyntaxNode};

use crate::op::*;

/// One statement of a script as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadStatement {
    /// Its text, as it runs (the comments before it included, its `;` left out).
    pub text: String,
    /// PostgreSQL refuses it inside a transaction block: it runs alone, in autocommit.
    pub alone: bool,
    /// The line of the script its code starts on (from 1).
    pub line: usize,
    /// Its kind, as SQL names it (`CREATE TABLE`, `ALTER TABLE`, `CREATE FUNCTION`, ...).
    pub kind: String,
    /// What it does to the schema, as builder ops.
    pub ops: Vec<Op>,
    /// What PostgreSQL creates along with it (a serial column's sequence): the model holds it, and
    /// it goes with what made it, so no down drops it on its own.
    pub implied: Vec<Op>,
    /// The parts that may change what the model holds and were not read (each named): the model is
    /// inexact after them.
    pub not_read: Vec<String>,
    /// The statement has no place in the model (DML, functions, triggers, grants, ...): it leaves
    /// the model as it is.
    pub outside: bool,
    /// `IF [NOT] EXISTS` or `OR REPLACE`: the server skips what already is (or is not) there, so the
    /// model does not report it either.
    pub tolerant: bool,
    /// Whether it has a derived inverse ([`migrate_sql::derive::reversible`]), or why not.
    pub derivable: Result<(), String>,
}

/// Reads each statement of `script` (see the module docs).
///
/// ```
/// use migrate_core::sql_ops::read_sql;
/// use migrate_core::op::Op;
/// let read = read_sql("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\nGRANT SELECT ON users TO PUBLIC;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';");
/// let Op::CreateTable { def } = &read[0].ops[0] else { panic!() };
/// assert_eq!(def.constraints.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["users_pkey", "users_email_key"]);
/// assert!(read[1].outside && read[1].kind == "GRANT");
/// let Op::CreateFunction { def, .. } = &read[2].ops[0] else { panic!() };
/// assert_eq!((def.name.as_str(), def.body.as_str(), def.returns.as_deref()), ("f", "SELECT 1", Some("int")));
/// ```
pub fn read_sql(script: &str) -> Vec<ReadStatement> {
    migrate_sql::parse_statements(script)
        .into_iter()
        .map(|s| {
            let mut r =
                Reader { ops: Vec::new(), serials: Vec::new(), not_read: Vec::new(), outside: false, tolerant: false };
            let kind = match &s.node {
                Some(node) => {
                    r.statement(node);
                    kind_name(node.kind())
                }
                None => {
                    r.not_read.push("text the grammar could not read".into());
                    "unreadable text".into()
                }
            };
            let derivable = migrate_sql::derive::reversible(&s);
            // A serial column's sequence, owned by the column.
            let implied = r.serials.into_iter().map(|def| Op::CreateSequence { def }).collect();
            ReadStatement {
                derivable,
                implied,
                text: s.text,
                alone: s.alone,
                line: s.line,
                kind,
                ops: r.ops,
                not_read: r.not_read,
                outside: r.outside,
                tolerant: r.tolerant,
            }
        })
        .collect()
}

/// [`read_sql`], once per text and process: one run replays the history several times (lint, the
/// plan's walk, verification) and renders each script's statements for its plan, and a long imported
/// history would otherwise be parsed each time.
pub(crate) fn read_sql_cached(script: &str) -> std::sync::Arc<Vec<ReadStatement>> {
    use std::collections::HashMap;
    use std::hash::{BuildHasher, RandomState};
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<(RandomState, HashMap<u64, Vec<(String, Arc<Vec<ReadStatement>>)>>)>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new((RandomState::new(), HashMap::new())));
    let key = {
        let guard = cache.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.hash_one(script)
    };
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .1
        .get(&key)
        .and_then(|same| same.iter().find(|(text, _)| text == script))
    {
        return hit.1.clone();
    }
    let read = Arc::new(read_sql(script));
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    guard.1.entry(key).or_default().push((script.to_string(), read.clone()));
    read
}

/// `CREATE_TABLE` as `CREATE TABLE`.
fn kind_name(kind: K) -> String {
    format!("{kind:?}").replace('_', " ")
}

/// Statements with no place in the model.
fn outside(kind: K) -> bool {
    matches!(
        kind,
        K::SELECT
            | K::INSERT
            | K::UPDATE
            | K::DELETE
            | K::MERGE
            | K::COPY
            | K::TRUNCATE
            | K::CREATE_EVENT_TRIGGER
            | K::ALTER_FUNCTION
            | K::GRANT
            | K::REVOKE
            | K::SET
            | K::RESET
            | K::SHOW
            | K::ANALYZE
            | K::VACUUM
            | K::CLUSTER
            | K::LOCK
            | K::NOTIFY
            | K::BEGIN
            | K::COMMIT_TRANSACTION
            | K::ROLLBACK_TRANSACTION
            | K::CREATE_ROLE
            | K::ALTER_ROLE
            | K::DROP_ROLE
            | K::CREATE_PUBLICATION
            | K::ALTER_PUBLICATION
            | K::DROP_PUBLICATION
    )
}

fn children_of(node: &SyntaxNode, kind: K) -> impl Iterator<Item = SyntaxNode> {
    node.children().filter(move |n| n.kind() == kind)
}

fn child(node: &SyntaxNode, kind: K) -> Option<SyntaxNode> {
    children_of(node, kind).next()
}

fn has_token(node: &SyntaxNode, kind: K) -> bool {
    node.children_with_tokens().any(|e| e.kind() == kind)
}

fn has_any(node: &SyntaxNode, kind: K) -> bool {
    node.descendants_with_tokens().any(|e| e.kind() == kind)
}

/// The code of a node (its text without comments), trimmed.
fn code(node: &SyntaxNode) -> String {
    let mut out = String::new();
    for e in node.descendants_with_tokens() {
        if let SyntaxElement::Token(t) = e {
            match t.kind() {
                K::COMMENT => out.push(' '),
                _ => out.push_str(t.text()),
            }
        }
    }
    out.trim().to_string()
}

/// The parts of a (possibly qualified) name, as PostgreSQL stores them: quoted parts as written,
/// unquoted ones folded to lower case.
fn name_parts(node: &SyntaxNode) -> Vec<String> {
    let mut parts = vec![String::new()];
    for e in node.descendants_with_tokens() {
        let SyntaxElement::Token(t) = e else { continue };
        match t.kind() {
            K::WHITESPACE | K::COMMENT => {}
            K::DOT => parts.push(String::new()),
            _ => {
                let text = t.text();
                let part = match text.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                    Some(q) => q.replace("\"\"", "\""),
                    None => text.to_lowercase(),
                };
                parts.last_mut().expect("never empty").push_str(&part);
            }
        }
    }
    parts
}

/// A string literal's value (`'it''s'` is `it's`; `E'..'` escapes are kept as written).
fn string_value(node: &SyntaxNode) -> Option<String> {
    let text = code(node);
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the two names cut first so the
/// whole fits in 63 bytes.
pub(crate) fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let cut = |s: &str, n: usize| -> String {
        let mut n = n.min(s.len());
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = 63usize.saturating_sub(overhead);
    let (mut c1, mut c2) = (name1.len(), name2.map_or(0, str::len));
    while c1 + c2 > avail {
        if c1 > c2 {
            c1 -= 1;
        } else {
            c2 -= 1;
        }
    }
    match name2 {
        Some(n2) => format!("{}_{}_{label}", cut(name1, c1), cut(n2, c2)),
        None => format!("{}_{label}", cut(name1, c1)),
    }
}

/// [`code`] with each run of whitespace as one space: a type or clause as written on one line.
fn flat_code(node: &SyntaxNode) -> String {
    code(node).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A type as written in DDL, as the builder's type (and whether it is a serial).
fn column_type(node: &SyntaxNode) -> (ColumnType, bool) {
    read_type(&flat_code(node).to_lowercase())
}

fn read_type(text: &str) -> (ColumnType, bool) {
    if let Some(element) = text.strip_suffix("[]").or_else(|| text.strip_suffix(" array")) {
        let (element, _) = read_type(element.trim_end());
        return (ColumnType::Array { element: Box::new(element) }, false);
    }
    let (base, args) = match text.split_once('(') {
        Some((b, rest)) => (b.trim(), Some(rest.trim_end_matches(')').replace(' ', ""))),
        None => (text, None),
    };
    let base = base.trim_start_matches("pg_catalog.");
    let serial = matches!(base, "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2");
    let canonical = match base {
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer",
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint",
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "float" => "double precision",
        "float4" | "real" => "real",
        "varchar" | "character varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "decimal" | "numeric" => "numeric",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "time" | "time without time zone" => "time without time zone",
        other => other,
    };
    let formatted = match (canonical, args) {
        ("character", None) => "character(1)".to_string(),
        (c, Some(a)) => format!("{c}({a})"),
        (c, None) => c.to_string(),
    };
    (crate::introspect::column_type(&formatted), serial)
}

/// A type as written (`int4`, `Character Varying(20)`, `public.mood`), as PostgreSQL spells it
/// (`integer`, `character varying`, `mood`): the model's key of a function's argument types. A
/// modifier is dropped (PostgreSQL ignores those of arguments).
pub(crate) fn type_key(text: &str) -> String {
    let text = text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.strip_prefix("public.").unwrap_or(&text);
    let (base, array) = match text.strip_suffix("[]") {
        Some(b) => (b.trim_end(), "[]"),
        None => (text, ""),
    };
    let base = base.split_once('(').map_or(base, |(b, _)| b.trim_end());
    format!("{}{array}", crate::render::render_column_type(&read_type(base).0))
}

/// The names of `CREATE [MATERIALIZED] VIEW name (columns)`.
fn view_columns(node: &SyntaxNode) -> Vec<String> {
    child(node, K::COLUMN_LIST)
        .map(|l| l.children().map(|c| name_parts(&c).pop().unwrap_or_default()).collect())
        .unwrap_or_default()
}

/// The type of a function's parameter as written (whitespace runs as one space).
fn param_type(param: &SyntaxNode) -> Option<String> {
    let ty = param.children().find(|n| {
        !matches!(
            n.kind(),
            K::PARAM_NAME | K::PARAM_DEFAULT | K::PARAM_IN | K::PARAM_OUT | K::PARAM_IN_OUT | K::PARAM_VARIADIC
        )
    })?;
    Some(flat_code(&ty))
}

/// The text a string literal holds: `'..'` with `''` as one quote, or a dollar-quoted string's
/// contents; `None` for an escape string (`E'..'`), whose escapes are not read here.
fn literal_text(literal: &SyntaxNode) -> Option<String> {
    let text = code(literal);
    if let Some(rest) = text.strip_prefix('$') {
        let tag = &text[..rest.find('$')? + 2];
        return Some(text.strip_prefix(tag)?.strip_suffix(tag)?.to_string());
    }
    string_value(literal)
}

/// What a column's constraints say, read from a `COLUMN`/`ADD_COLUMN` node.
struct Column {
    def: ColumnDef,
    constraints: Vec<ConstraintDef>,
}

/// Reads one of the options a sequence and an identity column share into `def`; `false` for
/// another node.
fn sequence_option(def: &mut SequenceDef, option: &SyntaxNode) -> bool {
    let number = || {
        option
            .children()
            .find(|n| matches!(n.kind(), K::LITERAL | K::PREFIX_EXPR))
            .and_then(|n| code(&n).replace(' ', "").parse::<i64>().ok())
    };
    match option.kind() {
        K::OPTION_INCREMENT => def.increment = number(),
        K::OPTION_MIN_VALUE => def.min = number(),
        K::OPTION_MAX_VALUE => def.max = number(),
        K::OPTION_START => def.start = number(),
        K::OPTION_CACHE => def.cache = number(),
        K::OPTION_CYCLE => def.cycle = true,
        K::OPTION_NO_MIN_VALUE | K::OPTION_NO_MAX_VALUE | K::OPTION_NO_CYCLE => {}
        _ => return false,
    }
    true
}

struct Reader {
    ops: Vec<Op>,
    /// The sequences of the serial columns of the statement, created with their table or column.
    serials: Vec<SequenceDef>,
    not_read: Vec<String>,
    outside: bool,
    tolerant: bool,
}

impl Reader {
    fn not_read(&mut self, what: impl Into<String>) {
        self.not_read.push(what.into());
    }

    /// The name of a table, without `public.`; `None` (and noted) for another schema's.
    fn table_name(&mut self, node: Option<SyntaxNode>) -> Option<String> {
        let Some(node) = node else {
            self.not_read("a statement without a table name");
            return None;
        };
        let parts = name_parts(&node);
        match parts.as_slice() {
            [name] => Some(name.clone()),
            [schema, name] if schema == "public" => Some(name.clone()),
            _ => {
                self.not_read(format!("`{}`, a table outside the public schema", parts.join(".")));
                None
            }
        }
    }

    fn last_name(node: &SyntaxNode) -> String {
        name_parts(node).pop().unwrap_or_default()
    }

    fn statement(&mut self, node: &SyntaxNode) {
        self.tolerant = [K::IF_EXISTS, K::IF_NOT_EXISTS, K::OR_REPLACE].iter().any(|k| child(node, *k).is_some());
        match node.kind() {
            K::CREATE_TABLE => self.create_table(node),
            K::ALTER_TABLE => self.alter_table(node),
            K::DROP_TABLE => {
                for t in children_of(node, K::TABLE_NAME_REF) {
                    if let Some(name) = self.table_name(Some(t)) {
                        self.ops.push(Op::DropTable { name, def: None });
                    }
                }
            }
            K::CREATE_INDEX => self.create_index(node),
            K::DROP_INDEX => {
                let concurrently = has_token(node, K::CONCURRENTLY_KW);
                for i in children_of(node, K::INDEX_REF) {
                    self.ops.push(Op::DropIndex { name: Self::last_name(&i), concurrently, def: None });
                }
            }
            K::ALTER_INDEX => match (child(node, K::INDEX_REF), child(node, K::INDEX_RENAME_TO)) {
                (Some(from), Some(to)) => {
                    let to = child(&to, K::INDEX).map(|n| Self::last_name(&n)).unwrap_or_default();
                    self.ops.push(Op::RenameIndex { from: Self::last_name(&from), to });
                }
                _ => self.outside = true,
            },
            K::CREATE_TYPE => match child(node, K::ENUM_TYPE) {
                Some(e) => {
                    let name = child(node, K::TYPE_NAME).map(|n| Self::last_name(&n)).unwrap_or_default();
                    let values =
                        e.descendants().filter(|n| n.kind() == K::VARIANT).filter_map(|v| string_value(&v)).collect();
                    self.ops.push(Op::CreateEnum { def: EnumDef { name, values } });
                }
                None => self.create_type(node),
            },
            K::ALTER_TYPE => self.alter_type(node),
            K::DROP_TYPE => {
                for t in children_of(node, K::TYPE_NAME_REF) {
                    self.ops.push(Op::DropType { name: Self::last_name(&t), domain: false, def: None });
                }
            }
            K::DROP_DOMAIN => {
                for t in children_of(node, K::DOMAIN_REF) {
                    self.ops.push(Op::DropType { name: Self::last_name(&t), domain: true, def: None });
                }
            }
            K::CREATE_DOMAIN => self.create_domain(node),
            K::ALTER_DOMAIN => self.alter_domain(node),
            K::CREATE_MATERIALIZED_VIEW => {
                let name = child(node, K::VIEW).map(|n| Self::last_name(&n)).unwrap_or_default();
                let mut query = None;
                for part in node.children() {
                    match part.kind() {
                        K::VIEW | K::IF_NOT_EXISTS | K::WITH_NO_DATA | K::WITH_DATA | K::COLUMN_LIST => {}
                        K::WITH_PARAMS | K::USING_METHOD | K::TABLESPACE => {
                            self.not_read(format!("CREATE MATERIALIZED VIEW .. {}", kind_name(part.kind())));
                            return;
                        }
                        _ if query.is_none() => query = Some(code(&part)),
                        other => {
                            self.not_read(format!("CREATE MATERIALIZED VIEW .. {}", kind_name(other)));
                            return;
                        }
                    }
                }
                let with_data = child(node, K::WITH_NO_DATA).is_none();
                let def = MaterializedViewDef {
                    name,
                    query: query.unwrap_or_default(),
                    columns: view_columns(node),
                    with_data,
                };
                self.ops.push(Op::CreateMaterializedView { def });
            }
            K::DROP_MATERIALIZED_VIEW => {
                for v in children_of(node, K::VIEW_REF) {
                    self.ops.push(Op::DropMaterializedView { name: Self::last_name(&v), def: None });
                }
            }
            K::REFRESH => match child(node, K::VIEW_REF) {
                Some(v) => self.ops.push(Op::RefreshMaterializedView {
                    name: Self::last_name(&v),
                    concurrently: has_token(node, K::CONCURRENTLY_KW),
                }),
                None => self.not_read("REFRESH MATERIALIZED VIEW without a name"),
            },
            K::COMMENT_ON => self.comment(node),
            K::CREATE_VIEW => {
                let name = child(node, K::VIEW).map(|n| Self::last_name(&n)).unwrap_or_default();
                // The query: what follows `AS`.
                let query = node
                    .children()
                    .find(|n| {
                        !matches!(
                            n.kind(),
                            K::VIEW | K::OR_REPLACE | K::COLUMN_LIST | K::WITH_PARAMS | K::WITH_CHECK_OPTION
                        )
                    })
                    .map(|n| code(&n))
                    .unwrap_or_default();
                let mut def = ViewDef { name, query, ..Default::default() };
                if let Some(w) = child(node, K::WITH_PARAMS) {
                    for o in w.descendants().filter(|n| n.kind() == K::ATTRIBUTE_OPTION) {
                        let key = child(&o, K::ATTRIBUTE_NAME).map(|n| code(&n).to_lowercase()).unwrap_or_default();
                        let value = child(&o, K::ATTRIBUTE_VALUE)
                            .map(|v| string_value(&v).unwrap_or_else(|| code(&v)).to_lowercase())
                            .unwrap_or_else(|| "true".into());
                        match (key.as_str(), value.as_str()) {
                            ("security_barrier", "true" | "on" | "1" | "yes") => def.security_barrier = true,
                            ("security_barrier", _) => def.security_barrier = false,
                            ("check_option", "local") => def.check_option = Some(CheckOption::Local),
                            ("check_option", "cascaded") => def.check_option = Some(CheckOption::Cascaded),
                            _ => self.not_read(format!("CREATE VIEW .. WITH ({key})")),
                        }
                    }
                }
                if let Some(c) = child(node, K::WITH_CHECK_OPTION) {
                    def.check_option = Some(match child(&c, K::LOCAL_CHECK_OPTION) {
                        Some(_) => CheckOption::Local,
                        None => CheckOption::Cascaded,
                    });
                }
                def.columns = view_columns(node);
                self.ops.push(Op::CreateView { def });
            }
            K::DROP_VIEW => {
                for v in children_of(node, K::VIEW_REF) {
                    self.ops.push(Op::DropView { name: Self::last_name(&v), def: None });
                }
            }
            K::CREATE_EXTENSION => {
                let name = child(node, K::EXTENSION).map(|n| Self::last_name(&n)).unwrap_or_default();
                self.ops.push(Op::CreateExtension { def: ExtensionDef { name, schema: None } });
            }
            K::DROP_EXTENSION => {
                for e in node.children().filter(|n| matches!(n.kind(), K::NAME_REF | K::EXTENSION)) {
                    self.ops.push(Op::DropExtension { name: Self::last_name(&e), def: None });
                }
            }
            K::CREATE_SCHEMA => match node.descendants().find(|n| n.kind() == K::SCHEMA) {
                Some(s) => self.ops.push(Op::CreateSchema { name: Self::last_name(&s) }),
                None => self.not_read("CREATE SCHEMA without a name"),
            },
            K::DROP_SCHEMA => {
                for s in node.children().filter(|n| matches!(n.kind(), K::SCHEMA_REF | K::NAME_REF)) {
                    self.ops.push(Op::DropSchema { name: Self::last_name(&s), recreate: false });
                }
            }
            K::CREATE_SEQUENCE => self.create_sequence(node),
            K::DROP_SEQUENCE => {
                for q in children_of(node, K::SEQUENCE_REF) {
                    self.ops.push(Op::DropSequence { name: Self::last_name(&q), def: None });
                }
            }
            K::CREATE_POLICY => self.create_policy(node),
            K::DROP_POLICY => {
                let name = child(node, K::POLICY_REF).map(|p| Self::last_name(&p));
                let table = child(node, K::ON_TABLE).and_then(|o| child(&o, K::TABLE_NAME_REF));
                if let (Some(name), Some(table)) = (name, self.table_name(table)) {
                    self.ops.push(Op::DropPolicy { table, name, def: None });
                }
            }
            K::ALTER_POLICY => self.not_read("ALTER POLICY"),
            K::REINDEX => {
                let concurrently = has_any(node, K::CONCURRENTLY_KW);
                if let Some(t) = child(node, K::REINDEX_TARGET_INDEX) {
                    match child(&t, K::INDEX_REF) {
                        Some(i) => self.ops.push(Op::Reindex { table: false, name: Self::last_name(&i), concurrently }),
                        None => self.outside = true,
                    }
                } else if let Some(t) = child(node, K::REINDEX_TARGET_TABLE) {
                    if let Some(name) = self.table_name(child(&t, K::TABLE_NAME_REF)) {
                        self.ops.push(Op::Reindex { table: true, name, concurrently });
                    }
                } else {
                    // REINDEX SCHEMA / DATABASE / SYSTEM: nothing the model holds changes.
                    self.outside = true;
                }
            }
            K::CREATE_FUNCTION | K::CREATE_PROCEDURE => self.create_function(node),
            K::DROP_FUNCTION | K::DROP_PROCEDURE => {
                let kind = match node.kind() {
                    K::DROP_PROCEDURE => RoutineKind::Procedure,
                    _ => RoutineKind::Function,
                };
                for sig in node.descendants().filter(|n| matches!(n.kind(), K::FUNCTION_SIG | K::PROCEDURE_SIG)) {
                    let Some((name, arg_types)) = self.signature(&sig) else { continue };
                    self.ops.push(Op::DropFunction { name, arg_types, kind, def: None });
                }
            }
            K::CREATE_TRIGGER => self.create_trigger(node),
            K::DROP_TRIGGER => {
                let name = child(node, K::TRIGGER_REF).map(|n| Self::last_name(&n));
                let table = child(node, K::ON_RELATION).and_then(|r| self.table_name(child(&r, K::RELATION_NAME_REF)));
                if let (Some(name), Some(table)) = (name, table) {
                    self.ops.push(Op::DropTrigger { table, name, def: None });
                }
            }
            // A renamed trigger, or a trigger that now depends on an extension.
            K::ALTER_TRIGGER => self.not_read("ALTER TRIGGER"),
            // A function renamed or moved to another schema; owner and attribute changes leave the
            // model's names as they are.
            K::ALTER_FUNCTION | K::ALTER_PROCEDURE if has_any(node, K::RENAME_KW) || has_any(node, K::SCHEMA_KW) => {
                self.not_read(format!("{} .. RENAME/SET SCHEMA", kind_name(node.kind())))
            }
            // Its options and owner change what the model holds of the sequence.
            K::ALTER_SEQUENCE => self.not_read("ALTER SEQUENCE"),
            kind if outside(kind) => self.outside = true,
            kind => self.not_read(kind_name(kind)),
        }
    }

    fn create_policy(&mut self, node: &SyntaxNode) {
        let Some(name) = child(node, K::POLICY).map(|p| Self::last_name(&p)) else {
            self.not_read("CREATE POLICY without a name");
            return;
        };
        let Some(table) = self.table_name(child(node, K::ON_TABLE).and_then(|o| child(&o, K::TABLE_NAME_REF))) else {
            return;
        };
        let command = match child(node, K::POLICY_COMMAND).and_then(|c| c.children().next()).map(|c| c.kind()) {
            Some(K::POLICY_COMMAND_SELECT) => PolicyCommand::Select,
            Some(K::POLICY_COMMAND_INSERT) => PolicyCommand::Insert,
            Some(K::POLICY_COMMAND_UPDATE) => PolicyCommand::Update,
            Some(K::POLICY_COMMAND_DELETE) => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let restrictive =
            child(node, K::AS_POLICY_TYPE).is_some_and(|t| flat_code(&t).to_lowercase().contains("restrictive"));
        // Role names as PostgreSQL stores them; PUBLIC is every role (no list), and the
        // CURRENT_USER forms are kept as written (upper case).
        let mut roles = Vec::new();
        for r in child(node, K::POLICY_ROLES).iter().flat_map(|p| p.descendants()).filter(|n| n.kind() == K::ROLE_REF) {
            match child(&r, K::ROLE_NAME_REF) {
                Some(n) => roles.push(Self::last_name(&n)),
                None => roles.push(flat_code(&r).to_uppercase()),
            }
        }
        if roles.iter().any(|r| r == "public") {
            roles.clear();
        }
        // The catalog holds a set of roles: sorted as it lists them.
        roles.sort();
        roles.dedup();
        let clause = |k: K| child(node, k).and_then(|c| c.children().next()).map(|e| code(&e));
        let def = PolicyDef {
            name,
            table,
            restrictive,
            command,
            roles,
            using: clause(K::USING_EXPR_CLAUSE),
            with_check: clause(K::WITH_CHECK_EXPR_CLAUSE),
        };
        self.ops.push(Op::CreatePolicy { def });
    }

    fn create_table(&mut self, node: &SyntaxNode) {
        if child(node, K::TEMP).is_some() {
            self.outside = true;
            return;
        }
        for (k, what) in [(K::OF_TYPE, "CREATE TABLE .. OF type"), (K::INHERITS, "CREATE TABLE .. INHERITS")] {
            if child(node, k).is_some() {
                self.not_read(what);
                return;
            }
        }
        let Some(table) = self.table_name(child(node, K::TABLE_NAME)) else { return };
        let mut def = TableDef { name: table.clone(), ..Default::default() };
        // `PARTITION BY RANGE (at)`: the text after PARTITION BY.
        def.partition_by = child(node, K::PARTITION_BY).map(|p| {
            let text = flat_code(&p);
            text.splitn(3, ' ').nth(2).unwrap_or_default().to_string()
        });
        if let Some(of) = child(node, K::PARTITION_OF) {
            let Some(parent) = self.table_name(child(&of, K::TABLE_NAME_REF)) else { return };
            let bound = node.children().find(|n| {
                matches!(
                    n.kind(),
                    K::PARTITION_FOR_VALUES_FROM
                        | K::PARTITION_FOR_VALUES_IN
                        | K::PARTITION_FOR_VALUES_WITH
                        | K::PARTITION_DEFAULT
                )
            });
            let Some(bound) = bound else {
                self.not_read(format!("CREATE TABLE `{table}` PARTITION OF `{parent}` without a bound"));
                return;
            };
            def.partition_of = Some(PartitionOf { parent, bound: flat_code(&bound) });
            // Constraints of its own; its columns are its parent's.
            for item in child(node, K::TABLE_ARG_LIST).iter().flat_map(|a| a.children()) {
                if item.kind() == K::COLUMN {
                    self.not_read(format!("CREATE TABLE `{table}` PARTITION OF .. (column .. WITH OPTIONS)"));
                } else if let Some(c) = self.constraint(&table, &item, &[]) {
                    def.constraints.push(c);
                }
            }
            self.ops.push(Op::CreateTable { def });
            return;
        }
        let Some(args) = child(node, K::TABLE_ARG_LIST) else {
            self.not_read("CREATE TABLE without a column list");
            return;
        };
        let mut table_constraints = Vec::new();
        for item in args.children() {
            match item.kind() {
                K::COLUMN => {
                    if let Some(c) = self.column(&table, &item) {
                        def.columns.push(c.def);
                        def.constraints.extend(c.constraints);
                    }
                }
                K::LIKE_CLAUSE => self.not_read("CREATE TABLE (LIKE ..)"),
                _ => table_constraints.push(item),
            }
        }
        for item in table_constraints {
            let columns: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
            if let Some(c) = self.constraint(&table, &item, &columns) {
                if let ConstraintKind::PrimaryKey { columns } = &c.kind {
                    for col in def.columns.iter_mut().filter(|d| columns.contains(&d.name)) {
                        col.not_null = true;
                    }
                }
                def.constraints.push(c);
            }
        }
        self.ops.push(Op::CreateTable { def });
    }

    /// A column and the constraints declared on it (`COLUMN` in CREATE TABLE, `ADD_COLUMN`).
    fn column(&mut self, table: &str, node: &SyntaxNode) -> Option<Column> {
        let name = child(node, K::COLUMN_NAME).map(|n| Self::last_name(&n))?;
        let Some(ty) = node.children().find(|n| format!("{:?}", n.kind()).ends_with("_TYPE")) else {
            self.not_read(format!("column `{table}.{name}` without a type"));
            return None;
        };
        let (ty, serial) = column_type(&ty);
        let mut def = ColumnDef {
            name: name.clone(),
            ty,
            not_null: false,
            default: None,
            identity: None,
            comment: None,
            generated: None,
            identity_options: None,
        };
        if serial {
            def.not_null = true;
            let seq = object_name(table, Some(&name), "seq");
            def.default = Some(DefaultValue::Expr { sql: format!("nextval('{seq}'::regclass)") });
            self.serials.push(SequenceDef {
                name: seq,
                data_type: (def.ty != ColumnType::BigInt).then(|| def.ty.clone()),
                owned_by: Some(SequenceOwner { table: table.into(), column: name.clone() }),
                ..Default::default()
            });
        }
        let mut constraints = Vec::new();
        let cols = [name.clone()];
        for c in node.children() {
            match c.kind() {
                K::NOT_NULL_CONSTRAINT => def.not_null = true,
                K::NULL_CONSTRAINT => def.not_null = false,
                K::DEFAULT_CONSTRAINT => {
                    let expr = c.children().next().map(|e| code(&e)).unwrap_or_default();
                    def.default = Some(DefaultValue::Expr { sql: expr });
                }
                K::GENERATED_CONSTRAINT => {
                    let text = code(&c).to_uppercase();
                    if text.contains("IDENTITY") {
                        def.identity =
                            Some(if text.contains("ALWAYS") { Identity::Always } else { Identity::ByDefault });
                        def.not_null = true;
                        if let Some(list) = c.descendants().find(|n| n.kind() == K::SEQUENCE_OPTION_LIST) {
                            let mut q = SequenceDef::default();
                            for option in list.children() {
                                if !sequence_option(&mut q, &option) {
                                    self.not_read(format!(
                                        "the identity option {} of `{table}.{name}`",
                                        kind_name(option.kind())
                                    ));
                                }
                            }
                            let o = IdentityOptions {
                                start: q.start,
                                increment: q.increment,
                                min: q.min,
                                max: q.max,
                                cache: q.cache,
                                cycle: q.cycle,
                            };
                            def.identity_options = (o != IdentityOptions::default()).then_some(o);
                        }
                    }
                    if !text.contains("IDENTITY") {
                        // `GENERATED ALWAYS AS (expression) STORED`: the expression without its parentheses.
                        def.generated = child(&c, K::GENERATED_STORED)
                            .and_then(|g| g.children().find(|n| !matches!(n.kind(), K::GENERATED_ALWAYS | K::STORED)))
                            .map(|e| code(&e));
                    }
                }
                k if format!("{k:?}").ends_with("_CONSTRAINT") => {
                    if let Some(con) = self.constraint(table, &c, &cols) {
                        if matches!(con.kind, ConstraintKind::PrimaryKey { .. }) {
                            def.not_null = true;
                        }
                        constraints.push(con);
                    }
                }
                _ => {}
            }
        }
        Some(Column { def, constraints })
    }

    /// A constraint node; `columns` are the column it is declared on (a column constraint) or the
    /// table's columns (for a CHECK's default name).
    fn constraint(&mut self, table: &str, node: &SyntaxNode, columns: &[String]) -> Option<ConstraintDef> {
        let given = child(node, K::CONSTRAINT_NAME_CLAUSE)
            .and_then(|c| child(&c, K::CONSTRAINT_NAME))
            .map(|n| Self::last_name(&n));
        let column_level =
            columns.len() == 1 && child(node, K::INDEX_PARAMETERS).is_none_or(|p| !has_any(&p, K::COLUMN_NAME_REF));
        let listed = |n: &SyntaxNode| -> Vec<String> {
            n.descendants().filter(|d| d.kind() == K::COLUMN_NAME_REF).map(|d| Self::last_name(&d)).collect()
        };
        let own_columns = |n: Option<SyntaxNode>| -> Vec<String> {
            match n.map(|p| listed(&p)) {
                Some(cols) if !cols.is_empty() => cols,
                _ if column_level => columns.to_vec(),
                _ => vec![],
            }
        };
        let (kind, default_name) = match node.kind() {
            K::PRIMARY_KEY_CONSTRAINT | K::UNIQUE_CONSTRAINT if Self::using_index(node).is_some() => {
                // Its columns are the index's: the model resolves them.
                let index = Self::using_index(node).unwrap_or_default();
                self.ops.push(Op::AddConstraintUsingIndex {
                    table: table.to_string(),
                    name: given.unwrap_or_else(|| index.clone()),
                    index,
                    primary_key: node.kind() == K::PRIMARY_KEY_CONSTRAINT,
                    deferred: code(node).to_uppercase().contains("INITIALLY DEFERRED"),
                });
                return None;
            }
            K::PRIMARY_KEY_CONSTRAINT => {
                let cols = own_columns(child(node, K::INDEX_PARAMETERS));
                (ConstraintKind::PrimaryKey { columns: cols }, object_name(table, None, "pkey"))
            }
            K::UNIQUE_CONSTRAINT => {
                let cols = own_columns(child(node, K::INDEX_PARAMETERS));
                let name = object_name(table, Some(&cols.join("_")), "key");
                let nulls_not_distinct = has_any(node, K::NULLS_NOT_DISTINCT);
                (ConstraintKind::Unique { columns: cols, nulls_not_distinct }, name)
            }
            K::CHECK_CONSTRAINT => {
                let expr_node = node.children().find(|n| n.kind() != K::CONSTRAINT_NAME_CLAUSE);
                let expr = expr_node.as_ref().map(code).unwrap_or_default();
                // PostgreSQL names it after the first column the expression uses.
                let first = if column_level {
                    columns.first().cloned()
                } else {
                    expr_node.as_ref().and_then(|e| {
                        e.descendants()
                            .filter(|d| d.kind() == K::NAME_REF)
                            .map(|d| Self::last_name(&d))
                            .find(|n| columns.contains(n))
                    })
                };
                (ConstraintKind::Check { expr }, object_name(table, first.as_deref(), "check"))
            }
            K::FOREIGN_KEY_CONSTRAINT | K::REFERENCES_CONSTRAINT => {
                let lists: Vec<SyntaxNode> = children_of(node, K::FOREIGN_KEY_COLUMN_LIST).collect();
                let (cols, ref_cols) = if node.kind() == K::FOREIGN_KEY_CONSTRAINT {
                    (lists.first().map(listed).unwrap_or_default(), lists.get(1).map(listed).unwrap_or_default())
                } else {
                    (columns.to_vec(), children_of(node, K::COLUMN_NAME_REF).map(|n| Self::last_name(&n)).collect())
                };
                let ref_table = self.table_name(child(node, K::TABLE_NAME_REF))?;
                let action = |k: K| {
                    child(node, k).map(|a| {
                        let t = code(&a).to_uppercase();
                        if t.contains("CASCADE") {
                            FkAction::Cascade
                        } else if t.contains("RESTRICT") {
                            FkAction::Restrict
                        } else if t.contains("SET NULL") {
                            FkAction::SetNull
                        } else if t.contains("SET DEFAULT") {
                            FkAction::SetDefault
                        } else {
                            FkAction::NoAction
                        }
                    })
                };
                let name = object_name(table, Some(&cols.join("_")), "fkey");
                let kind = ConstraintKind::ForeignKey {
                    columns: cols,
                    ref_table,
                    ref_columns: ref_cols,
                    on_delete: action(K::ON_DELETE_ACTION),
                    on_update: action(K::ON_UPDATE_ACTION),
                };
                (kind, name)
            }
            K::EXCLUDE_CONSTRAINT => {
                // PostgreSQL names an unnamed one after its elements' columns; read named ones.
                if given.is_none() {
                    self.not_read("an EXCLUDE constraint without a name");
                    return None;
                }
                let text: String = node
                    .children_with_tokens()
                    .filter(|e| e.kind() != K::CONSTRAINT_NAME_CLAUSE)
                    .map(|e| e.to_string())
                    .collect();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let definition = text.get(7..).filter(|_| text[..7].eq_ignore_ascii_case("exclude")).unwrap_or(&text);
                (ConstraintKind::Exclude { definition: definition.trim().to_string() }, String::new())
            }
            other => {
                self.not_read(format!("a {} constraint", kind_name(other).trim_end_matches(" CONSTRAINT")));
                return None;
            }
        };
        let text = code(node).to_uppercase();
        Some(ConstraintDef {
            name: given.unwrap_or(default_name),
            kind,
            not_valid: has_any(node, K::NOT_VALID),
            deferred: text.contains("INITIALLY DEFERRED"),
        })
    }

    /// `ADD CONSTRAINT .. PRIMARY KEY USING INDEX i` (or UNIQUE): PostgreSQL makes index `i` the
    /// constraint's, under the constraint's name. The model's constraint gets its index; its columns
    /// (the index's) are not read, said as such.
    /// The index of `UNIQUE|PRIMARY KEY USING INDEX index`, if the constraint is one.
    fn using_index(node: &SyntaxNode) -> Option<String> {
        child(node, K::USING_INDEX_NAME).and_then(|u| child(&u, K::INDEX_REF)).map(|i| Self::last_name(&i))
    }

    /// The table of a statement's `TABLE_RELATION_NAME` (`[ONLY] name`), noted when missing.
    fn relation_table(&mut self, node: &SyntaxNode, statement: &str) -> Option<String> {
        let Some(relation) = child(node, K::TABLE_RELATION_NAME) else {
            self.not_read(format!("{statement} without a table"));
            return None;
        };
        self.table_name(child(&relation, K::TABLE_NAME_REF))
    }

    fn alter_table(&mut self, node: &SyntaxNode) {
        let Some(table) = self.relation_table(node, "ALTER TABLE") else { return };
        let columns: Vec<String> = vec![];
        for action in node.children().filter(|n| n.kind() != K::TABLE_RELATION_NAME) {
            match action.kind() {
                K::ADD_COLUMN => {
                    if child(&action, K::IF_NOT_EXISTS).is_some() {
                        self.tolerant = true;
                    }
                    if let Some(c) = self.column(&table, &action) {
                        let def = AddColumnDef { column: c.def, constraints: c.constraints, backfill: None };
                        self.ops.push(Op::AddColumn { table: table.clone(), def });
                    }
                }
                K::DROP_COLUMN => {
                    if child(&action, K::IF_EXISTS).is_some() {
                        self.tolerant = true;
                    }
                    if let Some(c) = child(&action, K::COLUMN_NAME_REF) {
                        let column = Self::last_name(&c);
                        self.ops.push(Op::DropColumn { table: table.clone(), column, def: None });
                    }
                }
                K::ALTER_COLUMN => self.alter_column(&table, &action),
                K::ADD_CONSTRAINT => {
                    let Some(c) = action.children().find(|n| format!("{:?}", n.kind()).ends_with("_CONSTRAINT")) else {
                        self.not_read("ADD CONSTRAINT");
                        continue;
                    };
                    if let Some(mut def) = self.constraint(&table, &c, &columns) {
                        def.not_valid |= has_any(&action, K::NOT_VALID);
                        self.ops.push(Op::AddConstraint { table: table.clone(), def });
                    }
                }
                K::DROP_CONSTRAINT => {
                    if child(&action, K::IF_EXISTS).is_some() {
                        self.tolerant = true;
                    }
                    if let Some(c) = child(&action, K::CONSTRAINT_NAME_REF) {
                        let name = Self::last_name(&c);
                        self.ops.push(Op::DropConstraint { table: table.clone(), name, def: None });
                    }
                }
                K::VALIDATE_CONSTRAINT => {
                    if let Some(c) = child(&action, K::CONSTRAINT_NAME_REF) {
                        self.ops.push(Op::ValidateConstraint { table: table.clone(), name: Self::last_name(&c) });
                    }
                }
                K::RENAME_COLUMN => {
                    let from = child(&action, K::COLUMN_NAME_REF).map(|n| Self::last_name(&n));
                    let to = child(&action, K::COLUMN_NAME).map(|n| Self::last_name(&n));
                    if let (Some(from), Some(to)) = (from, to) {
                        self.ops.push(Op::RenameColumn { table: table.clone(), from, to });
                    }
                }
                K::TABLE_RENAME_TO => {
                    if let Some(to) = child(&action, K::TABLE_NAME).map(|n| Self::last_name(&n)) {
                        self.ops.push(Op::RenameTable { from: table.clone(), to });
                    }
                }
                K::RENAME_CONSTRAINT => {
                    let from = child(&action, K::CONSTRAINT_NAME_REF).map(|n| Self::last_name(&n));
                    let to = child(&action, K::CONSTRAINT_NAME).map(|n| Self::last_name(&n));
                    if let (Some(from), Some(to)) = (from, to) {
                        self.ops.push(Op::RenameConstraint { table: table.clone(), from, to });
                    }
                }
                K::ENABLE_TRIGGER | K::DISABLE_TRIGGER | K::ENABLE_REPLICA_TRIGGER | K::ENABLE_ALWAYS_TRIGGER => {
                    let state = match action.kind() {
                        K::ENABLE_TRIGGER => TriggerState::Enabled,
                        K::DISABLE_TRIGGER => TriggerState::Disabled,
                        K::ENABLE_REPLICA_TRIGGER => TriggerState::Replica,
                        _ => TriggerState::Always,
                    };
                    match child(&action, K::TRIGGER_REF) {
                        Some(t) => self.ops.push(Op::SetTriggerState {
                            table: table.clone(),
                            name: Self::last_name(&t),
                            state,
                            previous: None,
                        }),
                        // `ALL` or `USER`: every trigger of the table.
                        None => self.not_read(format!("ALTER TABLE .. {} TRIGGER ALL/USER", state.sql())),
                    }
                }
                K::ATTACH_PARTITION => {
                    let Some(name) = self.table_name(child(&action, K::TABLE_NAME_REF)) else { continue };
                    match action.children().find(|n| n.kind() != K::TABLE_NAME_REF) {
                        Some(bound) => {
                            self.ops.push(Op::AttachPartition { parent: table.clone(), name, bound: flat_code(&bound) })
                        }
                        None => {
                            self.not_read(format!("ALTER TABLE `{table}` ATTACH PARTITION `{name}` without a bound"))
                        }
                    }
                }
                K::DETACH_PARTITION => {
                    if has_any(&action, K::FINALIZE_KW) {
                        // Completes an interrupted DETACH .. CONCURRENTLY, which the model has seen.
                        continue;
                    }
                    let Some(name) = self.table_name(child(&action, K::TABLE_NAME_REF)) else { continue };
                    // Its bound is the model's (filled in when the model replays it).
                    self.ops.push(Op::DetachPartition {
                        parent: table.clone(),
                        name,
                        bound: String::new(),
                        concurrently: child(&action, K::DETACH_CONCURRENTLY).is_some(),
                    });
                }
                K::ENABLE_RLS | K::DISABLE_RLS | K::FORCE_RLS | K::NO_FORCE_RLS => {
                    let setting = match action.kind() {
                        K::ENABLE_RLS => RowSecurity::Enable,
                        K::DISABLE_RLS => RowSecurity::Disable,
                        K::FORCE_RLS => RowSecurity::Force,
                        _ => RowSecurity::NoForce,
                    };
                    self.ops.push(Op::SetRowSecurity { table: table.clone(), setting });
                }
                K::IF_EXISTS => self.tolerant = true,
                kind => {
                    let name = kind_name(kind);
                    // Actions on what the model does not hold (owner, triggers, row-level security,
                    // storage and statistics settings) leave it exact.
                    let harmless =
                        ["OWNER", "TRIGGER", "REPLICA", "CLUSTER", "OPTIONS", "STATISTICS", "LOGGED", "RULE"]
                            .iter()
                            .any(|w| name.contains(w));
                    if !harmless && !matches!(kind, K::COMMA | K::SEMICOLON) {
                        self.not_read(format!("ALTER TABLE .. {name}"));
                    }
                }
            }
        }
    }

    fn alter_column(&mut self, table: &str, node: &SyntaxNode) {
        let Some(column) = child(node, K::COLUMN_NAME_REF).map(|n| Self::last_name(&n)) else { return };
        let (table, column) = (table.to_string(), column);
        for a in node.children().filter(|n| n.kind() != K::COLUMN_NAME_REF) {
            match a.kind() {
                K::SET_TYPE => {
                    let Some(ty) = a.children().find(|n| format!("{:?}", n.kind()).ends_with("_TYPE")) else {
                        continue;
                    };
                    let using = child(&a, K::USING_EXPR).and_then(|u| u.children().next()).map(|e| code(&e));
                    let to = column_type(&ty).0;
                    self.ops.push(Op::ChangeColumnType {
                        table: table.clone(),
                        column: column.clone(),
                        to,
                        using,
                        from: None,
                        using_down: None,
                        assume_utc: Default::default(),
                    });
                }
                K::SET_NOT_NULL => self.ops.push(Op::SetNotNull { table: table.clone(), column: column.clone() }),
                K::DROP_NOT_NULL => self.ops.push(Op::DropNotNull { table: table.clone(), column: column.clone() }),
                K::SET_DEFAULT => {
                    let sql = a.children().next().map(|e| code(&e)).unwrap_or_default();
                    self.ops.push(Op::SetDefault {
                        table: table.clone(),
                        column: column.clone(),
                        default: DefaultValue::Expr { sql },
                        previous: None,
                    });
                }
                K::DROP_DEFAULT => {
                    self.ops.push(Op::DropDefault { table: table.clone(), column: column.clone(), previous: None })
                }
                K::SET_STATISTICS => {
                    match child(&a, K::LITERAL).map(|l| code(&l)).and_then(|v| v.parse::<i32>().ok()) {
                        Some(value) => self.ops.push(Op::SetStatistics {
                            table: table.clone(),
                            column: column.clone(),
                            value,
                            previous: None,
                        }),
                        None => self.not_read(format!("ALTER COLUMN `{table}.{column}` .. SET STATISTICS")),
                    }
                }
                kind => {
                    let name = kind_name(kind);
                    if !["STATISTICS", "STORAGE", "COMPRESSION", "OPTIONS"].iter().any(|w| name.contains(w)) {
                        self.not_read(format!("ALTER COLUMN `{table}.{column}` .. {name}"));
                    }
                }
            }
        }
    }

    fn create_index(&mut self, node: &SyntaxNode) {
        let Some(table) = self.relation_table(node, "CREATE INDEX") else { return };
        let mut def = IndexDef::new(&table);
        def.unique = has_token(node, K::UNIQUE_KW);
        def.concurrently = has_token(node, K::CONCURRENTLY_KW);
        def.method = child(node, K::USING_METHOD)
            .and_then(|m| child(&m, K::ACCESS_METHOD_REF))
            .map(|m| Self::last_name(&m))
            .filter(|m| m != "btree");
        let mut name_parts_for_default = Vec::new();
        if let Some(items) = child(node, K::PARTITION_ITEM_LIST) {
            for item in children_of(&items, K::PARTITION_ITEM) {
                let mut exprs = item.children().filter(|n| !matches!(n.kind(), K::SORT_DESC | K::SORT_ASC));
                let first = exprs.next();
                let target = match &first {
                    Some(n) if n.kind() == K::NAME_REF => {
                        let name = Self::last_name(n);
                        name_parts_for_default.push(name.clone());
                        IndexTarget::Column { name }
                    }
                    Some(n) => {
                        let fname = (n.kind() == K::CALL_EXPR)
                            .then(|| child(n, K::NAME_REF).map(|f| Self::last_name(&f)))
                            .flatten()
                            .unwrap_or_else(|| "expr".into());
                        name_parts_for_default.push(fname);
                        IndexTarget::Expr { sql: code(n) }
                    }
                    None => continue,
                };
                let opclass = exprs.next().map(|n| code(&n));
                def.elems.push(IndexElem { target, opclass, desc: child(&item, K::SORT_DESC).is_some() });
            }
        }
        def.predicate = child(node, K::WHERE_CLAUSE).and_then(|w| w.children().next()).map(|e| code(&e));
        // Storage parameters, as PostgreSQL lists them (`fillfactor=70`).
        if let Some(w) = child(node, K::WITH_PARAMS) {
            for o in w.descendants().filter(|n| n.kind() == K::ATTRIBUTE_OPTION) {
                let key = child(&o, K::ATTRIBUTE_NAME).map(|n| code(&n).to_lowercase()).unwrap_or_default();
                let value = child(&o, K::ATTRIBUTE_VALUE).map(|v| string_value(&v).unwrap_or_else(|| code(&v)));
                def.with.push(format!("{key}={}", value.unwrap_or_else(|| "true".into())));
            }
        }
        def.name = match node.children().find(|n| n.kind() == K::INDEX) {
            Some(n) => Self::last_name(&n),
            None => {
                object_name(&table, Some(&name_parts_for_default.join("_")), "idx") // `_key` is a UNIQUE constraint's
            }
        };
        self.ops.push(Op::CreateIndex { def });
    }

    fn create_sequence(&mut self, node: &SyntaxNode) {
        if child(node, K::TEMP).is_some() {
            self.outside = true;
            return;
        }
        let Some(name) = self.table_name(child(node, K::SEQUENCE)) else { return };
        let mut def = SequenceDef { name, ..Default::default() };
        for option in node.children() {
            if sequence_option(&mut def, &option) {
                continue;
            }
            match option.kind() {
                K::SEQUENCE | K::IF_NOT_EXISTS => {}
                K::OPTION_AS_TYPE => {
                    let ty = option.children().find(|n| format!("{:?}", n.kind()).ends_with("_TYPE"));
                    def.data_type = ty.map(|t| column_type(&t).0).filter(|t| *t != ColumnType::BigInt);
                }
                K::OPTION_OWNED_BY => {
                    let parts =
                        option.descendants().find(|n| n.kind() == K::QUALIFIED_COLUMN_NAME_REF).map(|n| name_parts(&n));
                    match parts.as_deref() {
                        Some([table, column]) => {
                            def.owned_by = Some(SequenceOwner { table: table.clone(), column: column.clone() })
                        }
                        Some([schema, table, column]) if schema == "public" => {
                            def.owned_by = Some(SequenceOwner { table: table.clone(), column: column.clone() })
                        }
                        Some([none]) if none.eq_ignore_ascii_case("none") => {}
                        _ => self.not_read("CREATE SEQUENCE .. OWNED BY"),
                    }
                }
                kind => self.not_read(format!("CREATE SEQUENCE .. {}", kind_name(kind))),
            }
        }
        self.ops.push(Op::CreateSequence { def });
    }

    /// The name of a function or procedure, without `public.`; `None` for another schema's, which the
    /// model does not hold (it leaves the model as it is).
    fn routine_name(&mut self, node: &SyntaxNode) -> Option<String> {
        match name_parts(node).as_slice() {
            [name] => Some(name.clone()),
            [schema, name] if schema == "public" => Some(name.clone()),
            _ => {
                self.outside = true;
                None
            }
        }
    }

    /// A function's signature (`DROP FUNCTION`, `COMMENT ON FUNCTION`): its name and the types of the
    /// arguments that identify it (`OUT` ones do not).
    fn signature(&mut self, sig: &SyntaxNode) -> Option<(String, Vec<String>)> {
        let name = sig.children().find(|n| matches!(n.kind(), K::FUNCTION_NAME_REF | K::PROCEDURE_NAME_REF))?;
        let name = self.routine_name(&name)?;
        let arg_types = child(sig, K::PARAM_LIST)
            .map(|l| {
                children_of(&l, K::PARAM)
                    .filter(|p| child(p, K::PARAM_OUT).is_none())
                    .filter_map(|p| param_type(&p))
                    .collect()
            })
            .unwrap_or_default();
        Some((name, arg_types))
    }

    fn create_function(&mut self, node: &SyntaxNode) {
        let kind = match node.kind() {
            K::CREATE_PROCEDURE => RoutineKind::Procedure,
            _ => RoutineKind::Function,
        };
        let Some(name) = node.children().find(|n| matches!(n.kind(), K::FUNCTION_NAME | K::PROCEDURE_NAME)) else {
            self.not_read("CREATE FUNCTION without a name");
            return;
        };
        let Some(name) = self.routine_name(&name) else { return };
        let what = kind_name(node.kind());
        let mut def = FunctionDef { name, kind, ..Default::default() };
        let mut body = false;
        for part in node.children() {
            match part.kind() {
                K::FUNCTION_NAME | K::PROCEDURE_NAME | K::OR_REPLACE => {}
                K::PARAM_LIST => {
                    for p in children_of(&part, K::PARAM) {
                        let mode = if child(&p, K::PARAM_OUT).is_some() {
                            ArgMode::Out
                        } else if child(&p, K::PARAM_IN_OUT).is_some() {
                            ArgMode::InOut
                        } else if child(&p, K::PARAM_VARIADIC).is_some() {
                            ArgMode::Variadic
                        } else {
                            ArgMode::In
                        };
                        let Some(data_type) = param_type(&p) else {
                            self.not_read(format!("{what} .. an argument without a type"));
                            return;
                        };
                        let name = child(&p, K::PARAM_NAME).map(|n| Self::last_name(&n));
                        let default = child(&p, K::PARAM_DEFAULT).and_then(|d| {
                            d.children().find(|n| !matches!(n.kind(), K::DEFAULT_KW | K::EQ)).map(|e| code(&e))
                        });
                        def.args.push(FunctionArg { mode, name, data_type, default });
                    }
                }
                K::RET_TYPE => {
                    let text = code(&part);
                    let result = text.get(7..).unwrap_or_default().trim();
                    def.returns = Some(result.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                K::FUNC_OPTION_LIST => {
                    for o in part.children() {
                        let text = flat_code(&o);
                        let upper = text.to_uppercase();
                        match o.kind() {
                            K::LANGUAGE_FUNC_OPTION => {
                                def.language = o
                                    .children()
                                    .find(|n| n.kind() != K::LANGUAGE_KW)
                                    .map(|n| string_value(&n).unwrap_or_else(|| Self::last_name(&n)))
                                    .unwrap_or_default()
                            }
                            K::AS_FUNC_OPTION => {
                                let literals: Vec<SyntaxNode> =
                                    o.descendants().filter(|n| n.kind() == K::LITERAL).collect();
                                match literals.as_slice() {
                                    [one] => match literal_text(one) {
                                        Some(b) => {
                                            def.body = b;
                                            body = true;
                                        }
                                        None => {
                                            self.not_read(format!("{what} .. AS with an escape string body"));
                                            return;
                                        }
                                    },
                                    _ => {
                                        self.not_read(format!("{what} .. AS 'object file', 'symbol'"));
                                        return;
                                    }
                                }
                            }
                            _ => match upper.as_str() {
                                "IMMUTABLE" => def.volatility = Some(Volatility::Immutable),
                                "STABLE" => def.volatility = Some(Volatility::Stable),
                                "VOLATILE" => def.volatility = None,
                                "STRICT" | "RETURNS NULL ON NULL INPUT" => def.strict = true,
                                "CALLED ON NULL INPUT" => def.strict = false,
                                "SECURITY DEFINER" | "EXTERNAL SECURITY DEFINER" => def.security_definer = true,
                                "SECURITY INVOKER" | "EXTERNAL SECURITY INVOKER" => def.security_definer = false,
                                _ if upper.starts_with("RETURN ") => {
                                    self.not_read(format!("{what} .. RETURN expression"));
                                    return;
                                }
                                _ => def.options.push(text),
                            },
                        }
                    }
                }
                K::ATOMIC_BODY => {
                    let inner: String = part
                        .children_with_tokens()
                        .filter(|e| !matches!(e.kind(), K::BEGIN_KW | K::ATOMIC_KW | K::END_KW))
                        .map(|e| e.to_string())
                        .collect();
                    def.body = inner.trim().to_string();
                    def.atomic = true;
                    body = true;
                }
                other => {
                    self.not_read(format!("{what} .. {}", kind_name(other)));
                    return;
                }
            }
        }
        if !body {
            self.not_read(format!("{what} without a body"));
            return;
        }
        let or_replace = child(node, K::OR_REPLACE).is_some();
        self.ops.push(Op::CreateFunction { def, or_replace });
    }

    fn create_trigger(&mut self, node: &SyntaxNode) {
        let Some(name) = child(node, K::TRIGGER).map(|n| Self::last_name(&n)) else {
            self.not_read("CREATE TRIGGER without a name");
            return;
        };
        let Some(table) = child(node, K::ON_RELATION).and_then(|r| self.table_name(child(&r, K::RELATION_NAME_REF)))
        else {
            return;
        };
        let mut def = TriggerDef::new(&table, &name);
        for part in node.children_with_tokens() {
            let SyntaxElement::Node(part) = part else {
                match part.kind() {
                    K::CREATE_KW
                    | K::TRIGGER_KW
                    | K::EXECUTE_KW
                    | K::FUNCTION_KW
                    | K::PROCEDURE_KW
                    | K::WHITESPACE
                    | K::COMMENT
                    | K::SEMICOLON => continue,
                    other => {
                        // `CREATE CONSTRAINT TRIGGER`, `DEFERRABLE`, ...
                        self.not_read(format!("CREATE TRIGGER .. {}", kind_name(other)));
                        return;
                    }
                }
            };
            match part.kind() {
                // `OR REPLACE` (statement is tolerant: the model takes the new definition).
                K::TRIGGER | K::ON_RELATION | K::OR_REPLACE => {}
                K::TIMING_BEFORE => def.timing = TriggerTiming::Before,
                K::TIMING_AFTER => def.timing = TriggerTiming::After,
                K::TIMING_INSTEAD_OF => def.timing = TriggerTiming::InsteadOf,
                K::TRIGGER_EVENT_LIST => {
                    for e in part.children() {
                        def.events.push(match e.kind() {
                            K::TRIGGER_EVENT_INSERT => TriggerEvent::Insert,
                            K::TRIGGER_EVENT_UPDATE => TriggerEvent::Update {
                                columns: children_of(&e, K::COLUMN_NAME_REF).map(|c| Self::last_name(&c)).collect(),
                            },
                            K::TRIGGER_EVENT_DELETE => TriggerEvent::Delete,
                            K::TRIGGER_EVENT_TRUNCATE => TriggerEvent::Truncate,
                            other => {
                                self.not_read(format!("CREATE TRIGGER .. {}", kind_name(other)));
                                return;
                            }
                        });
                    }
                }
                K::REFERENCING => {
                    for t in part.children() {
                        let name = child(&t, K::TRANSITION_RELATION_NAME).map(|n| Self::last_name(&n));
                        match t.kind() {
                            K::OLD_TABLE => def.old_table = name,
                            K::NEW_TABLE => def.new_table = name,
                            other => {
                                self.not_read(format!("CREATE TRIGGER .. REFERENCING {}", kind_name(other)));
                                return;
                            }
                        }
                    }
                }
                K::FOR_EACH_ROW => def.for_each_row = true,
                K::FOR_EACH_STATEMENT => def.for_each_row = false,
                K::WHEN_CONDITION => {
                    let condition = part.children().next().map(|e| code(&e)).unwrap_or_default();
                    let condition = condition
                        .strip_prefix('(')
                        .and_then(|c| c.strip_suffix(')'))
                        .map(str::trim)
                        .map(str::to_string)
                        .unwrap_or(condition);
                    def.when = Some(condition);
                }
                K::CALL_EXPR => {
                    let Some(f) = part.children().find(|n| n.kind() != K::ARG_LIST) else { continue };
                    let Some(f) = self.routine_name(&f) else { return };
                    def.function = f;
                    def.args = part.descendants().filter(|n| n.kind() == K::ARG).map(|a| code(&a)).collect();
                }
                other => {
                    self.not_read(format!("CREATE TRIGGER .. {}", kind_name(other)));
                    return;
                }
            }
        }
        self.ops.push(Op::CreateTrigger { def });
    }

    /// `CREATE TYPE .. AS (..)` and `AS RANGE (..)`; base and shell types are outside the model.
    fn create_type(&mut self, node: &SyntaxNode) {
        let name = child(node, K::TYPE_NAME).map(|n| Self::last_name(&n)).unwrap_or_default();
        if let Some(c) = child(node, K::COMPOSITE_TYPE) {
            let mut fields = Vec::new();
            for f in c.descendants().filter(|n| n.kind() == K::COMPOSITE_FIELD_DEF) {
                let field = child(&f, K::COMPOSITE_FIELD).map(|n| Self::last_name(&n)).unwrap_or_default();
                let Some(ty) = f.children().find(|n| n.kind() != K::COMPOSITE_FIELD) else {
                    self.not_read("CREATE TYPE .. a field without a type");
                    return;
                };
                let data_type = flat_code(&ty);
                fields.push(CompositeField { name: field, data_type });
            }
            self.ops.push(Op::CreateType { def: TypeDef::Composite { name, fields } });
        } else if let Some(r) = child(node, K::RANGE_TYPE) {
            let (mut subtype, mut opclass, mut collation, mut diff, mut multirange) = (None, None, None, None, None);
            for o in r.descendants().filter(|n| n.kind() == K::ATTRIBUTE_OPTION) {
                let key = child(&o, K::ATTRIBUTE_NAME).map(|n| code(&n).to_lowercase()).unwrap_or_default();
                let value = child(&o, K::ATTRIBUTE_VALUE).map(|v| code(&v));
                match key.as_str() {
                    "subtype" => subtype = value,
                    "subtype_opclass" => opclass = value,
                    "collation" => collation = value,
                    "subtype_diff" => diff = value,
                    "multirange_type_name" => multirange = value,
                    other => {
                        self.not_read(format!("CREATE TYPE .. AS RANGE ({other})"));
                        return;
                    }
                }
            }
            let Some(subtype) = subtype else {
                self.not_read("CREATE TYPE .. AS RANGE without SUBTYPE");
                return;
            };
            let def = TypeDef::Range {
                name,
                subtype,
                subtype_opclass: opclass,
                collation,
                subtype_diff: diff,
                multirange_type_name: multirange,
            };
            self.ops.push(Op::CreateType { def });
        } else {
            self.outside = true;
        }
    }

    /// A domain's `[CONSTRAINT name] CHECK (..) [NOT VALID]`; PostgreSQL names an unnamed one
    /// `<domain>_check`, then `<domain>_check1`, ... past the names in `taken`.
    fn domain_check(domain: &str, node: &SyntaxNode, taken: &[DomainCheck]) -> DomainCheck {
        let name = child(node, K::CONSTRAINT_NAME_CLAUSE)
            .and_then(|c| child(&c, K::CONSTRAINT_NAME))
            .map(|n| Self::last_name(&n))
            .unwrap_or_else(|| {
                (0..)
                    .map(|i| {
                        if i == 0 {
                            object_name(domain, None, "check")
                        } else {
                            object_name(domain, None, &format!("check{i}"))
                        }
                    })
                    .find(|n| !taken.iter().any(|k| &k.name == n))
                    .unwrap_or_default()
            });
        let expr = node
            .children()
            .find(|n| !matches!(n.kind(), K::CONSTRAINT_NAME_CLAUSE | K::NOT_VALID))
            .map(|e| code(&e))
            .unwrap_or_default();
        DomainCheck { name, expr, not_valid: child(node, K::NOT_VALID).is_some() }
    }

    fn create_domain(&mut self, node: &SyntaxNode) {
        let name = child(node, K::DOMAIN).map(|n| Self::last_name(&n)).unwrap_or_default();
        let (mut data_type, mut not_null, mut default, mut checks) = (None, false, None, Vec::new());
        for part in node.children() {
            match part.kind() {
                K::DOMAIN => {}
                K::NOT_NULL_CONSTRAINT => not_null = true,
                K::NULL_CONSTRAINT => not_null = false,
                K::DEFAULT_CONSTRAINT => default = part.children().next().map(|e| code(&e)),
                K::CHECK_CONSTRAINT => {
                    let check = Self::domain_check(&name, &part, &checks);
                    checks.push(check);
                }
                kind if data_type.is_none() && format!("{kind:?}").ends_with("_TYPE") => {
                    data_type = Some(flat_code(&part))
                }
                other => {
                    self.not_read(format!("CREATE DOMAIN .. {}", kind_name(other)));
                    return;
                }
            }
        }
        let Some(data_type) = data_type else {
            self.not_read("CREATE DOMAIN without a type");
            return;
        };
        self.ops.push(Op::CreateType { def: TypeDef::Domain { name, data_type, not_null, default, checks } });
    }

    fn alter_domain(&mut self, node: &SyntaxNode) {
        let domain = child(node, K::DOMAIN_REF).map(|n| Self::last_name(&n)).unwrap_or_default();
        for action in node.children().filter(|n| n.kind() != K::DOMAIN_REF) {
            match action.kind() {
                K::ADD_CONSTRAINT => match child(&action, K::CHECK_CONSTRAINT) {
                    Some(c) if child(&c, K::CONSTRAINT_NAME_CLAUSE).is_some() => {
                        let mut check = Self::domain_check(&domain, &c, &[]);
                        check.not_valid |= has_any(&action, K::NOT_VALID);
                        self.ops.push(Op::AddDomainCheck { domain: domain.clone(), check });
                    }
                    // Unnamed: PostgreSQL picks a name past those the domain has.
                    Some(_) => self.not_read("ALTER DOMAIN .. ADD CHECK without a constraint name"),
                    None => self.not_read("ALTER DOMAIN .. ADD CONSTRAINT (not a CHECK)"),
                },
                K::VALIDATE_CONSTRAINT => {
                    if let Some(n) = child(&action, K::CONSTRAINT_NAME_REF) {
                        self.ops.push(Op::ValidateDomainCheck { domain: domain.clone(), name: Self::last_name(&n) });
                    }
                }
                K::DROP_CONSTRAINT => {
                    if child(&action, K::IF_EXISTS).is_some() {
                        self.tolerant = true;
                    }
                    if let Some(n) = child(&action, K::CONSTRAINT_NAME_REF) {
                        self.ops.push(Op::DropDomainCheck {
                            domain: domain.clone(),
                            name: Self::last_name(&n),
                            def: None,
                        });
                    }
                }
                kind if kind_name(kind).contains("OWNER") => {}
                kind => self.not_read(format!("ALTER DOMAIN .. {}", kind_name(kind))),
            }
        }
    }

    fn alter_type(&mut self, node: &SyntaxNode) {
        let name = child(node, K::TYPE_NAME_REF).map(|n| Self::last_name(&n)).unwrap_or_default();
        if let Some(add) = child(node, K::ADD_VALUE) {
            let value = child(&add, K::LITERAL).and_then(|l| string_value(&l)).unwrap_or_default();
            let at = |k: K| child(&add, k).and_then(|p| child(&p, K::LITERAL)).and_then(|l| string_value(&l));
            let position = at(K::BEFORE_VALUE)
                .map(|value| EnumPosition::Before { value })
                .or_else(|| at(K::AFTER_VALUE).map(|value| EnumPosition::After { value }));
            if child(&add, K::IF_NOT_EXISTS).is_some() {
                self.tolerant = true;
            }
            self.ops.push(Op::AddEnumValue { name, value, position });
        } else if let Some(rename) = child(node, K::RENAME_VALUE) {
            let values: Vec<String> = children_of(&rename, K::LITERAL).filter_map(|l| string_value(&l)).collect();
            if let [from, to] = values.as_slice() {
                self.ops.push(Op::RenameEnumValue { name, from: from.clone(), to: to.clone() });
            }
        } else {
            self.outside = true;
        }
    }

    fn comment(&mut self, node: &SyntaxNode) {
        let comment = child(node, K::LITERAL).and_then(|l| string_value(&l));
        if let Some(t) = child(node, K::OBJECT_TABLE) {
            if let Some(table) = self.table_name(child(&t, K::TABLE_NAME_REF)) {
                self.ops.push(Op::Comment { target: CommentTarget::Table { table }, comment, previous: None });
            }
        } else if let Some(c) = child(node, K::OBJECT_COLUMN) {
            let parts = c.descendants().find(|n| n.kind() == K::QUALIFIED_COLUMN_NAME_REF).map(|n| name_parts(&n));
            match parts.as_deref() {
                Some([table, column]) | Some([_, table, column]) => self.ops.push(Op::Comment {
                    target: CommentTarget::Column { table: table.clone(), column: column.clone() },
                    comment,
                    previous: None,
                }),
                _ => self.not_read("COMMENT ON COLUMN"),
            }
        } else if let Some(target) = self.comment_target(node) {
            self.ops.push(Op::Comment { target, comment, previous: None });
        }
    }

    /// What `COMMENT ON` names, other than a table or column; `None` (and the statement outside the
    /// model) for an object the model does not hold or one in another schema.
    fn comment_target(&mut self, node: &SyntaxNode) -> Option<CommentTarget> {
        let object = node.children().find(|n| format!("{:?}", n.kind()).starts_with("OBJECT_"))?;
        let last = |kind: K| child(&object, kind).map(|n| Self::last_name(&n));
        let target = match object.kind() {
            K::OBJECT_CONSTRAINT => {
                let table = self.table_name(child(&object, K::TABLE_NAME_REF))?;
                CommentTarget::Constraint { table, name: last(K::CONSTRAINT_NAME_REF)? }
            }
            K::OBJECT_TRIGGER => {
                let table = self.table_name(child(&object, K::RELATION_NAME_REF))?;
                CommentTarget::Trigger { table, name: last(K::TRIGGER_REF)? }
            }
            K::OBJECT_FUNCTION | K::OBJECT_PROCEDURE => {
                let kind =
                    if object.kind() == K::OBJECT_PROCEDURE { RoutineKind::Procedure } else { RoutineKind::Function };
                let sig = object.children().find(|n| matches!(n.kind(), K::FUNCTION_SIG | K::PROCEDURE_SIG))?;
                let (name, arg_types) = self.signature(&sig)?;
                CommentTarget::Function { name, arg_types, kind }
            }
            K::OBJECT_INDEX => CommentTarget::Index { name: last(K::INDEX_REF)? },
            K::OBJECT_VIEW => CommentTarget::View { name: last(K::VIEW_REF)? },
            K::OBJECT_MATERIALIZED_VIEW => CommentTarget::MaterializedView { name: last(K::VIEW_REF)? },
            K::OBJECT_TYPE => CommentTarget::Type { name: last(K::TYPE_NAME_REF)? },
            K::OBJECT_DOMAIN => CommentTarget::Domain { name: last(K::DOMAIN_REF)? },
            K::OBJECT_SEQUENCE => CommentTarget::Sequence { name: last(K::SEQUENCE_REF)? },
            _ => {
                self.outside = true;
                return None;
            }
        };
        Some(target)
    }
}

/// A CHECK condition that implies a partition's bound, for the safe `ATTACH PARTITION`: with it
/// validated first, PostgreSQL skips its scan of the table. `None` when the key is not one column or
/// expression, or the bound is a hash one or `DEFAULT` (no CHECK stands for those).
///
/// ```
/// # use migrate_core::sql_ops::partition_bound_check;
/// assert_eq!(
///     partition_bound_check("RANGE (at)", "FOR VALUES FROM ('2025-01-01') TO (MAXVALUE)").as_deref(),
///     Some(r#""at" IS NOT NULL AND "at" >= '2025-01-01'"#)
/// );
/// assert_eq!(
///     partition_bound_check("LIST (lower(region))", "FOR VALUES IN ('eu', NULL)").as_deref(),
///     Some("(lower(region)) IS NULL OR (lower(region)) IN ('eu')")
/// );
/// assert_eq!(partition_bound_check("HASH (id)", "FOR VALUES WITH (MODULUS 4, REMAINDER 0)"), None);
/// ```
pub fn partition_bound_check(key: &str, bound: &str) -> Option<String> {
    let parsed = |sql: String| migrate_sql::parse_statements(&sql).pop().and_then(|s| s.node);
    let table = parsed(format!("CREATE TABLE t (a int) PARTITION BY {key}"))?;
    let items: Vec<SyntaxNode> = child(&child(&table, K::PARTITION_BY)?, K::PARTITION_ITEM_LIST)?.children().collect();
    let [item] = items.as_slice() else { return None };
    let parts: Vec<SyntaxNode> = item.children().collect();
    let k = match parts.as_slice() {
        [n] if n.kind() == K::NAME_REF => crate::ident::quote_ident(&Reader::last_name(n)),
        [e] => format!("({})", code(e)),
        _ => return None,
    };
    let partition = parsed(format!("CREATE TABLE t PARTITION OF p {bound}"))?;
    // The values of a FROM/TO/IN list, `None` for MINVALUE/MAXVALUE.
    let values = |n: &SyntaxNode| -> Vec<Option<String>> {
        n.children()
            .map(|v| {
                let text = code(&v);
                let unbounded = ["minvalue", "maxvalue"].contains(&text.to_lowercase().as_str());
                (!unbounded).then_some(text)
            })
            .collect()
    };
    if let Some(range) = child(&partition, K::PARTITION_FOR_VALUES_FROM) {
        let from = values(&child(&range, K::PARTITION_FROM_VALUES)?);
        let to = values(&child(&range, K::PARTITION_TO_VALUES)?);
        let ([from], [to]) = (from.as_slice(), to.as_slice()) else { return None };
        let mut parts = vec![format!("{k} IS NOT NULL")];
        parts.extend(from.as_ref().map(|v| format!("{k} >= {v}")));
        parts.extend(to.as_ref().map(|v| format!("{k} < {v}")));
        return Some(parts.join(" AND "));
    }
    let list = child(&partition, K::PARTITION_FOR_VALUES_IN)?;
    let all: Vec<String> = values(&list).into_iter().collect::<Option<_>>()?;
    let (nulls, vals): (Vec<String>, Vec<String>) = all.into_iter().partition(|v| v.eq_ignore_ascii_case("null"));
    Some(match (nulls.is_empty(), vals.is_empty()) {
        (_, true) => format!("{k} IS NULL"),
        (true, false) => format!("{k} IS NOT NULL AND {k} IN ({})", vals.join(", ")),
        (false, false) => format!("{k} IS NULL OR {k} IN ({})", vals.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_postgresql_chooses_them() {
        assert_eq!(object_name("users", Some("email"), "key"), "users_email_key");
        assert_eq!(object_name("users", None, "pkey"), "users_pkey");
        let long = "a".repeat(40);
        let name = object_name(&long, Some(&"b".repeat(40)), "fkey");
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28)));
    }

    #[test]
    fn types_as_written_in_ddl() {
        assert_eq!(read_type("int"), (ColumnType::Integer, false));
        assert_eq!(read_type("bigserial"), (ColumnType::BigInt, true));
        assert_eq!(read_type("varchar(255)"), (ColumnType::Varchar { length: Some(255) }, false));
        assert_eq!(read_type("timestamp with time zone"), (ColumnType::Timestamptz, false));
        assert_eq!(read_type("numeric(6, 2)"), (ColumnType::Numeric { precision: Some(6), scale: Some(2) }, false));
        assert_eq!(read_type("text[]").0, ColumnType::Array { element: Box::new(ColumnType::Text) });
        assert_eq!(read_type("citext").0, ColumnType::Named { name: "citext".into() });
    }
}
