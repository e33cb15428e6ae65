//! Checks every recorded op before any SQL is rendered: names PostgreSQL would refuse or truncate,
//! duplicate columns, constraints and indexes on columns the table being created does not have, options
//! that do not apply. Each problem names the op and the object.

use std::collections::HashSet;

use migrate_sql::Expected;

use crate::error::{BuildError, BuildErrors};
use crate::ident::check_ident;
use crate::op::*;

struct Check<'a> {
    /// Described only when it has a problem: most ops have none.
    op: &'a Op,
    errors: &'a mut BuildErrors,
}

impl Check<'_> {
    fn fail(&mut self, problem: String) {
        self.errors.push(self.op.describe(), problem);
    }

    fn name(&mut self, what: &str, name: &str) {
        if let Err(p) = check_ident(name) {
            let shown: String = name.chars().take(70).collect::<String>().replace('\0', "\\0");
            self.fail(format!("{what} `{shown}`: {p}; choose a name of 1 to 63 bytes without NUL"));
        }
    }

    fn names(&mut self, what: &str, names: &[String]) {
        for n in names {
            self.name(what, n);
        }
    }

    fn sql(&mut self, what: impl std::fmt::Display, sql: &str) {
        if sql.trim().is_empty() {
            self.fail(format!("the {what} is empty"));
        } else if sql.contains('\0') {
            self.fail(format!("the {what} contains a NUL byte"));
        }
    }

    /// SQL text where one expression (or one query, one SET list) is expected: anything more would run
    /// or add what the migration does not say, so it is an error before any SQL runs.
    fn one(&mut self, what: impl std::fmt::Display, sql: &str, expected: Expected) {
        let before = self.errors.0.len();
        self.sql(&what, sql);
        if self.errors.0.len() == before
            && let Err(reason) = expected.check(sql)
        {
            let shown: String = sql.chars().take(60).collect();
            self.fail(format!("the {what} `{shown}`: {reason}; write {}", expected.describe()));
        }
    }

    /// A function's parts are SQL text (types, options, its body): the statement they render to must
    /// read as one `CREATE FUNCTION`/`PROCEDURE` (a type or option cannot end it and start another).
    fn routine(&mut self, def: &FunctionDef) {
        use migrate_sql::syntax::SyntaxKind as K;
        let sql = crate::render::ddl::create_function(def, false);
        self.statement(&sql, &[K::CREATE_FUNCTION, K::CREATE_PROCEDURE], |why| {
            format!(
                "{} `{}` does not read as SQL ({why}): check its argument types, result type, options and body",
                def.kind.word(),
                def.name
            )
        });
    }

    /// The statement an op's SQL parts render to must read as one statement of one of `kinds` (a part
    /// cannot end it and start another); `message` says which part to check.
    fn statement(&mut self, sql: &str, kinds: &[migrate_sql::syntax::SyntaxKind], message: impl Fn(&str) -> String) {
        let parsed = migrate_sql::parse_statements(sql);
        let one = parsed.len() == 1 && parsed[0].node.as_ref().is_some_and(|n| kinds.contains(&n.kind()));
        let problems = migrate_sql::syntax_errors(sql);
        if !one || !problems.is_empty() {
            let why = problems.first().map(|p| p.message.clone()).unwrap_or_else(|| "it is not one statement".into());
            self.fail(message(&why));
        }
    }

    /// A partition key (`RANGE (at)`) or bound (`FOR VALUES ..`, `DEFAULT`), as SQL that must read.
    fn partitioning(&mut self, table: &str, partition_by: Option<&str>, bound: Option<&str>) {
        use migrate_sql::syntax::SyntaxKind as K;
        for (what, part) in [("PARTITION BY", partition_by), ("partition bound", bound)] {
            let Some(part) = part else { continue };
            self.sql(format_args!("{what} of `{table}`"), part);
        }
        if let Some(key) = partition_by {
            let sql = format!("CREATE TABLE t (a int) PARTITION BY {key}");
            self.statement(&sql, &[K::CREATE_TABLE], |why| {
                format!("PARTITION BY `{key}` of `{table}` does not read as SQL ({why}): write `RANGE (column)`, `LIST (column)` or `HASH (column)`")
            });
        }
        if let Some(bound) = bound {
            let sql = format!("CREATE TABLE t PARTITION OF p {bound}");
            self.statement(&sql, &[K::CREATE_TABLE], |why| {
                format!("the bound `{bound}` of partition `{table}` does not read as SQL ({why}): write `FOR VALUES FROM (..) TO (..)`, `FOR VALUES IN (..)`, `FOR VALUES WITH (MODULUS m, REMAINDER r)` or `DEFAULT`")
            });
        }
    }

    fn expr(&mut self, what: impl std::fmt::Display, sql: &str) {
        self.one(what, sql, Expected::Expression);
    }

    fn text(&mut self, what: impl std::fmt::Display, text: &str) {
        if text.contains('\0') {
            self.fail(format!("the {what} contains a NUL byte"));
        }
    }

    fn column_type(&mut self, column: &str, ty: &ColumnType) {
        match ty {
            ColumnType::Numeric { precision, scale } => match (precision, scale) {
                (Some(p), _) if *p == 0 || *p > 1000 => {
                    self.fail(format!("column `{column}`: numeric precision {p} is outside 1..=1000"))
                }
                (Some(p), Some(s)) if s > p => {
                    self.fail(format!("column `{column}`: numeric scale {s} is larger than its precision {p}"))
                }
                (None, Some(_)) => self.fail(format!("column `{column}`: numeric scale given without a precision")),
                _ => {}
            },
            ColumnType::Varchar { length: Some(0) } | ColumnType::Char { length: 0 } => {
                self.fail(format!("column `{column}`: a length of 0 is not allowed; use at least 1"))
            }
            ColumnType::Varchar { length: Some(n) } | ColumnType::Char { length: n } if *n > 10_485_760 => {
                self.fail(format!("column `{column}`: length {n} exceeds PostgreSQL's maximum 10485760; use text"))
            }
            ColumnType::Array { element } => self.column_type(column, element),
            ColumnType::Enum { name } | ColumnType::Named { name } => self.name("type", name),
            _ => {}
        }
    }

    fn default(&mut self, column: &str, d: &DefaultValue) {
        match d {
            DefaultValue::Expr { sql } => self.expr(format_args!("default expression of `{column}`"), sql),
            DefaultValue::Literal { value } => self.literal(column, value),
        }
    }

    fn literal(&mut self, column: &str, lit: &Literal) {
        match lit {
            Literal::Text { value } => self.text(format_args!("default of `{column}`"), value),
            Literal::Array { items } => items.iter().for_each(|i| self.literal(column, i)),
            _ => {}
        }
    }

    fn column(&mut self, c: &ColumnDef) {
        self.name("column", &c.name);
        self.column_type(&c.name, &c.ty);
        if let Some(d) = &c.default {
            self.default(&c.name, d);
            if c.identity.is_some() {
                self.fail(format!("column `{}` is an identity column and cannot also have a default", c.name));
            }
        }
        if let Some(t) = &c.comment {
            self.text(format_args!("comment of `{}`", c.name), t);
        }
        if c.identity_options.is_some() && c.identity.is_none() {
            self.fail(format!(
                "column `{}` has identity options but is not an identity column: add `.identity()`",
                c.name
            ));
        }
        if c.identity_options.as_ref().is_some_and(|o| o.increment == Some(0)) {
            self.fail(format!("column `{}`: the identity's INCREMENT must not be zero", c.name));
        }
        if let Some(g) = &c.generated {
            self.expr(format!("generation expression of `{}`", c.name), g);
            if c.default.is_some() || c.identity.is_some() {
                self.fail(format!(
                    "column `{}` is generated and cannot also have a default or be an identity column",
                    c.name
                ));
            }
        }
    }

    fn constraint(&mut self, c: &ConstraintDef, columns: Option<&HashSet<&str>>) {
        self.name("constraint", &c.name);
        let (cols, what): (&[String], _) = match &c.kind {
            ConstraintKind::PrimaryKey { columns } => (columns, "primary key"),
            ConstraintKind::Unique { columns, .. } => (columns, "unique constraint"),
            ConstraintKind::ForeignKey { columns, ref_table, ref_columns, .. } => {
                self.name("table", ref_table);
                self.names("column", ref_columns);
                if ref_columns.len() != columns.len() {
                    self.fail(format!(
                        "foreign key `{}` has {} column(s) but references {}; give as many referenced columns",
                        c.name,
                        columns.len(),
                        ref_columns.len()
                    ));
                }
                (columns, "foreign key")
            }
            ConstraintKind::Check { expr } => {
                self.expr(format_args!("expression of check `{}`", c.name), expr);
                (&[][..], "check")
            }
            ConstraintKind::Exclude { definition } => {
                // SQL text: it must read as one constraint of one statement.
                let sql = format!("ALTER TABLE t ADD CONSTRAINT c EXCLUDE {definition}");
                if migrate_sql::parse_statements(&sql).len() != 1 || !migrate_sql::syntax_errors(&sql).is_empty() {
                    self.fail(format!(
                        "exclusion constraint `{}`: `EXCLUDE {definition}` does not read as SQL; write `USING method (element WITH operator, ..)`",
                        c.name
                    ));
                }
                (&[][..], "exclusion constraint")
            }
        };
        if cols.is_empty() && !matches!(c.kind, ConstraintKind::Check { .. } | ConstraintKind::Exclude { .. }) {
            self.fail(format!("{what} `{}` has no columns", c.name));
        }
        self.names("column", cols);
        if let Some(known) = columns {
            for col in cols {
                if !known.contains(col.as_str()) {
                    self.fail(format!("{what} `{}` names column `{col}`, which the table does not have", c.name));
                }
            }
        }
        if c.not_valid && !matches!(c.kind, ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. }) {
            self.fail(format!("{what} `{}`: NOT VALID applies only to check and foreign-key constraints", c.name));
        }
        if c.deferred && matches!(c.kind, ConstraintKind::Check { .. }) {
            self.fail(format!("check `{}`: a check constraint cannot be deferred", c.name));
        }
    }

    fn index(&mut self, def: &IndexDef, columns: Option<&HashSet<&str>>) {
        if def.name.is_empty() {
            self.fail("an index with an expression needs an explicit name: add `.name(\"...\")`".into());
        } else {
            self.name("index", &def.name);
        }
        self.name("table", &def.table);
        if def.elems.is_empty() {
            self.fail("the index has no columns or expressions".into());
        }
        for e in &def.elems {
            match &e.target {
                IndexTarget::Column { name } => {
                    self.name("column", name);
                    if let Some(known) = columns
                        && !known.contains(name.as_str())
                    {
                        self.fail(format!("column `{name}` is not a column of table `{}`", def.table));
                    }
                }
                IndexTarget::Expr { sql } => self.expr("index expression", sql),
            }
            if let Some(oc) = &e.opclass {
                self.name("operator class", oc);
            }
        }
        self.names("column", &def.include);
        if let Some(m) = &def.method {
            self.name("index method", m);
        }
        if let Some(p) = &def.predicate {
            self.expr("index predicate", p);
        }
        if def.nulls_not_distinct && !def.unique {
            self.fail("NULLS NOT DISTINCT applies only to unique indexes: add `.unique()`".into());
        }
    }

    fn rename(&mut self, what: &str, from: &str, to: &str) {
        self.name(what, from);
        self.name(what, to);
        if from == to {
            self.fail(format!("renames {what} `{from}` to itself"));
        }
    }
}

/// Validates ops and returns every problem found.
pub fn validate_ops(ops: &[Op]) -> Vec<BuildError> {
    let mut errors = BuildErrors::default();
    // Columns of the tables created by these ops, to check indexes made on them in the same migration.
    let mut created: std::collections::HashMap<&str, HashSet<&str>> = Default::default();
    for op in ops {
        // Keep the known columns of tables created here in step with later renames and drops.
        match op {
            Op::RenameTable { from, to } => {
                if let Some(cols) = created.remove(from.as_str()) {
                    created.insert(to.as_str(), cols);
                }
            }
            Op::DropTable { name, .. } => {
                created.remove(name.as_str());
            }
            Op::DropColumn { table, column, .. } => {
                if let Some(cols) = created.get_mut(table.as_str()) {
                    cols.remove(column.as_str());
                }
            }
            _ => {}
        }
        let mut c = Check { op, errors: &mut errors };
        match op {
            Op::CreateTable { def } | Op::DropTable { def: Some(def), .. } => {
                c.name("table", &def.name);
                let mut seen = HashSet::new();
                for col in &def.columns {
                    c.column(col);
                    if !seen.insert(col.name.as_str()) {
                        c.fail(format!("column `{}` is declared twice", col.name));
                    }
                }
                let mut names = HashSet::new();
                for k in &def.constraints {
                    c.constraint(k, Some(&seen));
                    if !names.insert(k.name.as_str()) {
                        c.fail(format!("constraint `{}` is declared twice", k.name));
                    }
                    if k.not_valid {
                        c.fail(format!("constraint `{}`: NOT VALID applies only to existing tables", k.name));
                    }
                }
                if def.constraints.iter().filter(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. })).count() > 1 {
                    c.fail("declares more than one primary key".into());
                }
                if let Some(t) = &def.comment {
                    c.text("table comment", t);
                }
                c.partitioning(
                    &def.name,
                    def.partition_by.as_deref(),
                    def.partition_of.as_ref().map(|p| p.bound.as_str()),
                );
                if let Some(p) = &def.partition_of {
                    c.name("table", &p.parent);
                    if !def.columns.is_empty() {
                        c.fail(format!(
                            "partition `{}` declares columns: a partition has its parent's (`{}`); declare them there",
                            def.name, p.parent
                        ));
                    }
                }
                if matches!(op, Op::CreateTable { .. }) {
                    created.insert(def.name.as_str(), seen);
                }
            }
            Op::DropTable { name, def: None } => c.name("table", name),
            Op::RenameTable { from, to } => c.rename("table", from, to),
            Op::AddColumn { table, def } | Op::DropColumn { table, def: Some(def), .. } => {
                c.name("table", table);
                if let (Op::AddColumn { .. }, Some(cols)) = (op, created.get_mut(table.as_str())) {
                    cols.insert(def.column.name.as_str());
                }
                c.column(&def.column);
                if let Some(b) = &def.backfill {
                    c.expr(format_args!("backfill of `{}`", def.column.name), b);
                }
                let own: HashSet<&str> = [def.column.name.as_str()].into();
                for k in &def.constraints {
                    c.constraint(k, Some(&own));
                }
            }
            Op::DropColumn { table, column, def: None } => {
                c.name("table", table);
                c.name("column", column);
            }
            Op::RenameColumn { table, from, to } => {
                c.name("table", table);
                c.rename("column", from, to);
                if let Some(cols) = created.get_mut(table.as_str()) {
                    cols.remove(from.as_str());
                    cols.insert(to.as_str());
                }
            }
            Op::ChangeColumnType { table, column, to, using, from, using_down, .. } => {
                c.name("table", table);
                c.name("column", column);
                c.column_type(column, to);
                if let Some(from) = from {
                    c.column_type(column, from);
                    if from == to {
                        let what = if using.is_some() {
                            "a USING without a type change"
                        } else {
                            "a type change to the same type"
                        };
                        c.fail(format!("column `{column}`: {what}; remove it"));
                    }
                }
                if let Some(u) = using {
                    c.expr("USING expression", u);
                }
                if let Some(u) = using_down {
                    c.expr("USING expression of the down", u);
                }
            }
            Op::SetNotNull { table, column } | Op::DropNotNull { table, column } => {
                c.name("table", table);
                c.name("column", column);
            }
            Op::SetDefault { table, column, default, previous } => {
                c.name("table", table);
                c.name("column", column);
                c.default(column, default);
                if let Some(p) = previous {
                    c.default(column, p);
                }
            }
            Op::DropDefault { table, column, previous } => {
                c.name("table", table);
                c.name("column", column);
                if let Some(p) = previous {
                    c.default(column, p);
                }
            }
            Op::Comment { target, comment, previous } => {
                match target {
                    CommentTarget::Table { table } => c.name("table", table),
                    CommentTarget::Column { table, column } => {
                        c.name("table", table);
                        c.name("column", column);
                    }
                    CommentTarget::Constraint { table, name } | CommentTarget::Trigger { table, name } => {
                        c.name("table", table);
                        c.name("object", name);
                    }
                    CommentTarget::Function { name, arg_types, .. } => {
                        c.name("function", name);
                        for t in arg_types {
                            c.text("argument type", t);
                        }
                    }
                    CommentTarget::Index { name }
                    | CommentTarget::View { name }
                    | CommentTarget::MaterializedView { name }
                    | CommentTarget::Type { name }
                    | CommentTarget::Domain { name }
                    | CommentTarget::Sequence { name } => c.name("object", name),
                }
                for t in [comment, previous].into_iter().flatten() {
                    c.text("comment", t);
                }
            }
            Op::CreateIndex { def } | Op::DropIndex { def: Some(def), .. } => {
                let cols = created.get(def.table.as_str());
                c.index(def, cols);
            }
            Op::DropIndex { name, def: None, .. } => c.name("index", name),
            Op::RenameIndex { from, to } => c.rename("index", from, to),
            Op::AddConstraint { table, def } | Op::DropConstraint { table, def: Some(def), .. } => {
                c.name("table", table);
                let cols = created.get(table.as_str());
                c.constraint(def, cols);
            }
            Op::ValidateConstraint { table, name } | Op::DropConstraint { table, name, def: None } => {
                c.name("table", table);
                c.name("constraint", name);
            }
            Op::RenameConstraint { table, from, to } => {
                c.name("table", table);
                c.rename("constraint", from, to);
            }
            Op::CreateEnum { def } | Op::DropEnum { def: Some(def), .. } => {
                c.name("type", &def.name);
                let mut seen = HashSet::new();
                for v in &def.values {
                    c.name("enum value", v);
                    if !seen.insert(v.as_str()) {
                        c.fail(format!("enum value `{v}` is listed twice"));
                    }
                }
            }
            Op::AddEnumValue { name, value, position } => {
                c.name("type", name);
                c.name("enum value", value);
                if let Some(EnumPosition::Before { value: v } | EnumPosition::After { value: v }) = position {
                    c.name("enum value", v);
                }
            }
            Op::RenameEnumValue { name, from, to } => {
                c.name("type", name);
                c.rename("enum value", from, to);
            }
            Op::DropEnum { name, def: None } => c.name("type", name),
            Op::CreateExtension { def } | Op::DropExtension { def: Some(def), .. } => {
                c.name("extension", &def.name);
                if let Some(s) = &def.schema {
                    c.name("schema", s);
                }
            }
            Op::DropExtension { name, def: None } => c.name("extension", name),
            Op::CreateSchema { name } | Op::DropSchema { name, .. } => c.name("schema", name),
            Op::CreateView { def } | Op::DropView { def: Some(def), .. } => {
                c.name("view", &def.name);
                c.one("view query", &def.query, Expected::Query);
            }
            Op::DropView { name, def: None } => c.name("view", name),
            Op::CreateSequence { def } | Op::DropSequence { def: Some(def), .. } => {
                c.name("sequence", &def.name);
                if let Some(o) = &def.owned_by {
                    c.name("table", &o.table);
                    c.name("column", &o.column);
                }
                if let Some(ty) = &def.data_type
                    && !matches!(ty, ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt)
                {
                    c.fail(format!("sequence `{}`: a sequence is smallint, integer or bigint", def.name));
                }
                if def.increment == Some(0) {
                    c.fail(format!("sequence `{}`: INCREMENT must not be zero", def.name));
                }
            }
            Op::DropSequence { name, def: None } | Op::SetSequenceValue { name, .. } => c.name("sequence", name),
            Op::SetIdentityValue { table, column, .. } => {
                c.name("table", table);
                c.name("column", column);
            }
            Op::Reindex { table, name, .. } => c.name(if *table { "table" } else { "index" }, name),
            Op::AddConstraintUsingIndex { table, name, index, .. } => {
                c.name("table", table);
                c.name("constraint", name);
                c.name("index", index);
            }
            Op::SetStatistics { table, column, value, previous } => {
                c.name("table", table);
                c.name("column", column);
                for v in std::iter::once(value).chain(previous) {
                    if !(-1..=10000).contains(v) {
                        c.fail(format!("statistics target {v} of `{table}.{column}`: use -1 (the default) to 10000"));
                    }
                }
            }
            Op::CreateMaterializedView { def } | Op::DropMaterializedView { def: Some(def), .. } => {
                c.name("materialized view", &def.name);
                c.one("materialized view query", &def.query, Expected::Query);
            }
            Op::DropMaterializedView { name, def: None } | Op::RefreshMaterializedView { name, .. } => {
                c.name("materialized view", name)
            }
            Op::CreateType { def } | Op::DropType { def: Some(def), .. } => {
                c.name(def.kind(), def.name());
                match def {
                    TypeDef::Composite { fields, .. } => {
                        for f in fields {
                            c.name("field", &f.name);
                        }
                    }
                    TypeDef::Domain { default, checks, .. } => {
                        if let Some(d) = default {
                            c.expr("domain default", d);
                        }
                        for k in checks {
                            c.name("constraint", &k.name);
                            c.expr(format_args!("CHECK of `{}`", k.name), &k.expr);
                        }
                    }
                    _ => {}
                }
                // Types and options are SQL text: what they render to must read as one statement.
                for sql in crate::render::ddl::create_type(def) {
                    let parsed = migrate_sql::parse_statements(&sql);
                    if parsed.len() != 1 || !migrate_sql::syntax_errors(&sql).is_empty() {
                        c.fail(format!(
                            "{} `{}` does not read as SQL: check its types and options",
                            def.kind(),
                            def.name()
                        ));
                    }
                }
            }
            Op::DropType { name, domain, def: None } => c.name(if *domain { "domain" } else { "type" }, name),
            Op::AddDomainCheck { domain, check } | Op::DropDomainCheck { domain, def: Some(check), .. } => {
                c.name("domain", domain);
                c.name("constraint", &check.name);
                c.expr(format_args!("CHECK of `{}`", check.name), &check.expr);
            }
            Op::ValidateDomainCheck { domain, name } | Op::DropDomainCheck { domain, name, def: None } => {
                c.name("domain", domain);
                c.name("constraint", name);
            }
            Op::CreateFunction { def, .. } | Op::DropFunction { def: Some(def), .. } => {
                c.name(def.kind.word(), &def.name);
                for a in &def.args {
                    if let Some(n) = &a.name {
                        c.name("argument", n);
                    }
                    if let Some(d) = &a.default {
                        c.expr(format_args!("default of argument `{}`", a.name.as_deref().unwrap_or("?")), d);
                    }
                }
                if def.language.trim().is_empty() {
                    c.fail(format!("{} `{}` needs a language (`sql`, `plpgsql`, ...)", def.kind.word(), def.name));
                }
                if def.kind == RoutineKind::Function && def.returns.is_none() {
                    c.fail(format!("function `{}` needs a result type (`returns(..)`)", def.name));
                }
                c.routine(def);
            }
            Op::DropFunction { name, arg_types, kind, def: None } => {
                c.name(kind.word(), name);
                for t in arg_types {
                    c.text("argument type", t);
                }
            }
            Op::AttachPartition { parent, name, bound } | Op::DetachPartition { parent, name, bound, .. } => {
                c.name("table", parent);
                c.name("table", name);
                // A DETACH read from SQL has no bound until the model gives it one.
                if matches!(op, Op::AttachPartition { .. }) || !bound.is_empty() {
                    c.partitioning(name, None, Some(bound));
                }
            }
            Op::SetRowSecurity { table, .. } => c.name("table", table),
            Op::CreatePolicy { def } | Op::DropPolicy { def: Some(def), .. } => {
                c.name("policy", &def.name);
                c.name("table", &def.table);
                for r in &def.roles {
                    c.name("role", r);
                }
                for (what, e) in [("USING", &def.using), ("WITH CHECK", &def.with_check)] {
                    if let Some(e) = e {
                        c.expr(format_args!("{what} of policy `{}`", def.name), e);
                    }
                }
                let not_applicable = match def.command {
                    PolicyCommand::Select | PolicyCommand::Delete => def.with_check.is_some().then_some("WITH CHECK"),
                    PolicyCommand::Insert => def.using.is_some().then_some("USING"),
                    _ => None,
                };
                if let Some(part) = not_applicable {
                    c.fail(format!(
                        "policy `{}` is FOR {} and has {part}, which PostgreSQL refuses for that command; drop it",
                        def.name,
                        def.command.sql()
                    ));
                }
            }
            Op::DropPolicy { table, name, def: None } => {
                c.name("policy", name);
                c.name("table", table);
            }
            Op::CreateTrigger { def } | Op::DropTrigger { def: Some(def), .. } => {
                c.name("trigger", &def.name);
                c.name("table", &def.table);
                c.name("function", &def.function);
                for t in def.old_table.iter().chain(&def.new_table) {
                    c.name("transition table", t);
                }
                if def.events.is_empty() {
                    c.fail(format!("trigger `{}` needs an event (INSERT, UPDATE, DELETE or TRUNCATE)", def.name));
                }
                if let Some(w) = &def.when {
                    c.expr(format_args!("WHEN of trigger `{}`", def.name), w);
                }
                for a in &def.args {
                    c.expr(format_args!("argument of trigger `{}`", def.name), a);
                }
            }
            Op::DropTrigger { table, name, def: None } | Op::SetTriggerState { table, name, .. } => {
                c.name("table", table);
                c.name("trigger", name);
            }
            Op::DataStep { name, .. } => {
                if name.trim().is_empty() {
                    c.fail("a data step needs a name, which goes into the checksum and the history".into());
                }
            }
            Op::Backfill { table, set, filter, batch_size, .. } => {
                c.name("table", table);
                c.one("SET list of the backfill", set, Expected::SetList);
                if let Some(f) = filter {
                    c.expr("WHERE of the backfill", f);
                }
                if *batch_size == 0 {
                    c.fail("a batch size of 0 rows: use at least 1".into());
                }
            }
            Op::Sql { up, down, declares } => {
                c.errors.0.extend(validate_ops(declares));
                c.sql("SQL", up);
                if !up.trim().is_empty() && comments_only(up) {
                    // A freshly written SQL template holds comments only: refused until it is
                    // written, as an empty one is. (A comment-only down is a deliberate "nothing to
                    // undo", as imported histories have.)
                    c.fail("the SQL has no statement, only comments: write the SQL it should run".into());
                }
                if let Some(d) = down {
                    c.sql("down SQL", d);
                }
            }
        }
    }
    errors.0
}

/// Whether SQL text holds only comments. Without `/*`, a line that is neither blank nor a `--`
/// comment is code, which settles it without parsing (the registry checks every SQL migration when it
/// loads); with a block comment, the grammar decides.
fn comments_only(sql: &str) -> bool {
    if !sql.contains("/*") {
        return sql.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"));
    }
    crate::render::split_statements(sql).is_empty()
}
