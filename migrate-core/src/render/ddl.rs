//! One render arm per op.

use super::Statement;
use super::types::{render_column_type, render_default};
use crate::ident::{quote_ident as q, quote_literal};
use crate::op::{
    AddColumnDef, CheckOption, ColumnDef, CommentTarget, ConstraintDef, ConstraintKind, EnumPosition, FkAction,
    Identity, IndexDef, IndexTarget, Op,
};

fn tx(sql: String) -> Statement {
    Statement { sql, transactional: true }
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ")
}

fn alter(table: &str, rest: &str) -> Statement {
    tx(format!("ALTER TABLE {} {rest}", q(table)))
}

/// Renders one op to the statements that perform it.
///
/// ```
/// use migrate_core::op::Op;
/// use migrate_core::render::render_op;
/// let op = Op::RenameColumn { table: "users".into(), from: "name".into(), to: "full name".into() };
/// assert_eq!(render_op(&op)[0].sql, r#"ALTER TABLE "users" RENAME COLUMN "name" TO "full name""#);
/// ```
pub fn render_op(op: &Op) -> Vec<Statement> {
    match op {
        Op::CreateTable { def } => {
            let mut parts: Vec<String> = def.columns.iter().map(column).collect();
            parts.extend(def.constraints.iter().map(constraint));
            let mut sql = match &def.partition_of {
                // A partition's columns are its parent's; it may add constraints of its own.
                Some(p) if parts.is_empty() => {
                    format!("CREATE TABLE {} PARTITION OF {} {}", q(&def.name), q(&p.parent), p.bound)
                }
                Some(p) => format!(
                    "CREATE TABLE {} PARTITION OF {} ({}) {}",
                    q(&def.name),
                    q(&p.parent),
                    parts.join(", "),
                    p.bound
                ),
                None => format!("CREATE TABLE {} ({})", q(&def.name), parts.join(", ")),
            };
            if let Some(key) = &def.partition_by {
                sql.push_str(" PARTITION BY ");
                sql.push_str(key);
            }
            let mut out = vec![tx(sql)];
            if let Some(c) = &def.comment {
                out.push(comment(&CommentTarget::Table { table: def.name.clone() }, Some(c)));
            }
            for col in &def.columns {
                if let Some(c) = &col.comment {
                    let target = CommentTarget::Column { table: def.name.clone(), column: col.name.clone() };
                    out.push(comment(&target, Some(c)));
                }
            }
            out
        }
        Op::DropTable { name, .. } => vec![tx(format!("DROP TABLE {}", q(name)))],
        Op::RenameTable { from, to } => vec![alter(from, &format!("RENAME TO {}", q(to)))],
        Op::AddColumn { table, def } if def.backfill.is_some() => {
            // In one go: add nullable (with the default for new rows), fill, then NOT NULL. The safe
            // plan (runner::safe) does the same in batches without long locks.
            let mut col = def.column.clone();
            col.not_null = false;
            let plain = AddColumnDef { column: col, constraints: def.constraints.clone(), backfill: None };
            let mut out = render_op(&Op::AddColumn { table: table.clone(), def: plain });
            let expr = def.backfill.as_deref().unwrap_or("NULL");
            out.insert(1, tx(format!("UPDATE {} SET {} = {expr}", q(table), q(&def.column.name))));
            if def.column.not_null {
                out.insert(2, alter(table, &format!("ALTER COLUMN {} SET NOT NULL", q(&def.column.name))));
            }
            out
        }
        Op::AddColumn { table, def } => {
            let mut rest = format!("ADD COLUMN {}", column(&def.column));
            for c in &def.constraints {
                rest.push_str(", ADD ");
                rest.push_str(&constraint(c));
            }
            let mut out = vec![alter(table, &rest)];
            if let Some(c) = &def.column.comment {
                let target = CommentTarget::Column { table: table.clone(), column: def.column.name.clone() };
                out.push(comment(&target, Some(c)));
            }
            out
        }
        Op::DropColumn { table, column, .. } => {
            vec![alter(table, &format!("DROP COLUMN {}", q(column)))]
        }
        Op::RenameColumn { table, from, to } => {
            vec![alter(table, &format!("RENAME COLUMN {} TO {}", q(from), q(to)))]
        }
        Op::ChangeColumnType { table, column, to, using, assume_utc, .. } => {
            let mut rest = format!("ALTER COLUMN {} TYPE {}", q(column), render_column_type(to));
            if let Some(u) = using {
                rest.push_str(" USING ");
                rest.push_str(u);
            }
            let mut st = alter(table, &rest);
            if assume_utc.0 {
                // One statement text: PostgreSQL runs it as one transaction, so SET LOCAL holds for the
                // ALTER alone, in a `no_transaction` migration too.
                st.sql = format!("SET LOCAL TimeZone = 'UTC'; {}; SET LOCAL TimeZone TO DEFAULT", st.sql);
            }
            vec![st]
        }
        Op::SetNotNull { table, column } => vec![alter(table, &format!("ALTER COLUMN {} SET NOT NULL", q(column)))],
        Op::DropNotNull { table, column } => {
            vec![alter(table, &format!("ALTER COLUMN {} DROP NOT NULL", q(column)))]
        }
        Op::SetDefault { table, column, default, .. } => {
            vec![alter(table, &format!("ALTER COLUMN {} SET DEFAULT {}", q(column), render_default(default)))]
        }
        Op::DropDefault { table, column, .. } => {
            vec![alter(table, &format!("ALTER COLUMN {} DROP DEFAULT", q(column)))]
        }
        Op::Comment { target, comment: text, .. } => vec![comment(target, text.as_deref())],
        Op::CreateIndex { def } => vec![create_index(def)],
        Op::DropIndex { name, concurrently, .. } => {
            let conc = if *concurrently { "CONCURRENTLY " } else { "" };
            vec![Statement { sql: format!("DROP INDEX {conc}{}", q(name)), transactional: !concurrently }]
        }
        Op::RenameIndex { from, to } => {
            vec![tx(format!("ALTER INDEX {} RENAME TO {}", q(from), q(to)))]
        }
        Op::AddConstraint { table, def } => {
            let mut rest = format!("ADD {}", constraint(def));
            if def.not_valid {
                rest.push_str(" NOT VALID");
            }
            vec![alter(table, &rest)]
        }
        Op::ValidateConstraint { table, name } => {
            vec![alter(table, &format!("VALIDATE CONSTRAINT {}", q(name)))]
        }
        Op::DropConstraint { table, name, .. } => {
            vec![alter(table, &format!("DROP CONSTRAINT {}", q(name)))]
        }
        Op::RenameConstraint { table, from, to } => {
            vec![alter(table, &format!("RENAME CONSTRAINT {} TO {}", q(from), q(to)))]
        }
        Op::CreateEnum { def } => {
            let values: Vec<String> = def.values.iter().map(|v| quote_literal(v)).collect();
            vec![tx(format!("CREATE TYPE {} AS ENUM ({})", q(&def.name), values.join(", ")))]
        }
        Op::AddEnumValue { name, value, position } => {
            let mut sql = format!("ALTER TYPE {} ADD VALUE {}", q(name), quote_literal(value));
            match position {
                Some(EnumPosition::Before { value }) => sql.push_str(&format!(" BEFORE {}", quote_literal(value))),
                Some(EnumPosition::After { value }) => sql.push_str(&format!(" AFTER {}", quote_literal(value))),
                None => {}
            }
            vec![tx(sql)]
        }
        Op::RenameEnumValue { name, from, to } => {
            vec![tx(format!("ALTER TYPE {} RENAME VALUE {} TO {}", q(name), quote_literal(from), quote_literal(to)))]
        }
        Op::DropEnum { name, .. } => vec![tx(format!("DROP TYPE {}", q(name)))],
        Op::CreateExtension { def } => {
            let mut sql = format!("CREATE EXTENSION {}", q(&def.name));
            if let Some(s) = &def.schema {
                sql.push_str(&format!(" SCHEMA {}", q(s)));
            }
            vec![tx(sql)]
        }
        Op::DropExtension { name, .. } => vec![tx(format!("DROP EXTENSION {}", q(name)))],
        Op::CreateSchema { name } => vec![tx(format!("CREATE SCHEMA {}", q(name)))],
        Op::DropSchema { name, .. } => vec![tx(format!("DROP SCHEMA {}", q(name)))],
        Op::CreateView { def } => {
            let with = if def.security_barrier { " WITH (security_barrier = true)" } else { "" };
            let check = match def.check_option {
                Some(CheckOption::Local) => " WITH LOCAL CHECK OPTION",
                Some(CheckOption::Cascaded) => " WITH CASCADED CHECK OPTION",
                None => "",
            };
            vec![tx(format!(
                "CREATE VIEW {}{}{with} AS {}{check}",
                q(&def.name),
                column_names(&def.columns),
                def.query
            ))]
        }
        Op::AddConstraintUsingIndex { table, name, index, primary_key, deferred } => {
            let kind = if *primary_key { "PRIMARY KEY" } else { "UNIQUE" };
            let deferred = if *deferred { " DEFERRABLE INITIALLY DEFERRED" } else { "" };
            vec![alter(table, &format!("ADD CONSTRAINT {} {kind} USING INDEX {}{deferred}", q(name), q(index)))]
        }
        Op::Reindex { table, name, concurrently } => {
            let what = if *table { "TABLE" } else { "INDEX" };
            let c = if *concurrently { "CONCURRENTLY " } else { "" };
            vec![Statement { sql: format!("REINDEX {what} {c}{}", q(name)), transactional: !concurrently }]
        }
        Op::SetStatistics { table, column, value, .. } => {
            vec![alter(table, &format!("ALTER COLUMN {} SET STATISTICS {value}", q(column)))]
        }
        Op::CreateMaterializedView { def } => {
            let data = if def.with_data { "" } else { " WITH NO DATA" };
            vec![tx(format!(
                "CREATE MATERIALIZED VIEW {}{} AS {}{data}",
                q(&def.name),
                column_names(&def.columns),
                def.query
            ))]
        }
        Op::DropMaterializedView { name, .. } => vec![tx(format!("DROP MATERIALIZED VIEW {}", q(name)))],
        Op::RefreshMaterializedView { name, concurrently } => {
            let c = if *concurrently { "CONCURRENTLY " } else { "" };
            vec![tx(format!("REFRESH MATERIALIZED VIEW {c}{}", q(name)))]
        }
        Op::CreateType { def } => create_type(def).into_iter().map(tx).collect(),
        Op::DropType { name, domain, .. } => {
            vec![tx(format!("DROP {} {}", if *domain { "DOMAIN" } else { "TYPE" }, q(name)))]
        }
        Op::AddDomainCheck { domain, check } => {
            vec![tx(format!("ALTER DOMAIN {} ADD {}", q(domain), domain_check(check)))]
        }
        Op::ValidateDomainCheck { domain, name } => {
            vec![tx(format!("ALTER DOMAIN {} VALIDATE CONSTRAINT {}", q(domain), q(name)))]
        }
        Op::DropDomainCheck { domain, name, .. } => {
            vec![tx(format!("ALTER DOMAIN {} DROP CONSTRAINT {}", q(domain), q(name)))]
        }
        Op::DropView { name, .. } => vec![tx(format!("DROP VIEW {}", q(name)))],
        Op::CreateSequence { def } => vec![tx(create_sequence(def))],
        Op::DropSequence { name, .. } => vec![tx(format!("DROP SEQUENCE {}", q(name)))],
        // pg_get_serial_sequence reads its first argument as a (quoted) name, its second as is.
        Op::SetIdentityValue { table, column, value } => vec![tx(format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), {value}, true)",
            quote_literal(&q(table)),
            quote_literal(column)
        ))],
        Op::SetSequenceValue { name, value, is_called } => {
            vec![tx(format!("SELECT setval({}, {value}, {is_called})", quote_literal(&q(name))))]
        }
        Op::CreateFunction { def, or_replace } => vec![tx(create_function(def, *or_replace))],
        Op::DropFunction { name, arg_types, kind, .. } => {
            vec![tx(format!("DROP {} {}({})", kind.word().to_uppercase(), q(name), arg_types.join(", ")))]
        }
        Op::CreateTrigger { def } => vec![tx(create_trigger(def))],
        Op::AttachPartition { parent, name, bound } => {
            vec![alter(parent, &format!("ATTACH PARTITION {} {bound}", q(name)))]
        }
        Op::DetachPartition { parent, name, concurrently, .. } => {
            let c = if *concurrently { " CONCURRENTLY" } else { "" };
            vec![Statement {
                sql: format!("ALTER TABLE {} DETACH PARTITION {}{c}", q(parent), q(name)),
                transactional: !concurrently,
            }]
        }
        Op::SetRowSecurity { table, setting } => vec![alter(table, setting.sql())],
        Op::CreatePolicy { def } => vec![tx(create_policy(def))],
        Op::DropPolicy { table, name, .. } => vec![tx(format!("DROP POLICY {} ON {}", q(name), q(table)))],
        Op::DropTrigger { table, name, .. } => vec![tx(format!("DROP TRIGGER {} ON {}", q(name), q(table)))],
        Op::SetTriggerState { table, name, state, .. } => {
            vec![alter(table, &format!("{} TRIGGER {}", state.sql(), q(name)))]
        }
        // A script is split into its statements; those PostgreSQL refuses in a transaction block
        // (CREATE INDEX CONCURRENTLY, VACUUM, ...) are marked to run alone.
        // The statements come from the same (cached) parse that reads the script into the model.
        Op::Sql { up, .. } => crate::sql_ops::read_sql_cached(up)
            .iter()
            .map(|st| Statement { transactional: !st.alone, sql: st.text.clone() })
            .collect(),
        // Rust code, run by the runner: the script shows where it runs.
        Op::DataStep { name, .. } => vec![tx(format!("-- data step `{name}` (Rust code)"))],
        Op::Backfill { table, set, filter, .. } => {
            let filter = filter.as_ref().map(|f| format!(" WHERE {f}")).unwrap_or_default();
            vec![tx(format!("UPDATE {} SET {set}{filter}", q(table)))]
        }
    }
}

fn column(c: &ColumnDef) -> String {
    let mut out = format!("{} {}", q(&c.name), render_column_type(&c.ty));
    match c.identity {
        Some(Identity::Always) => out.push_str(" GENERATED ALWAYS AS IDENTITY"),
        Some(Identity::ByDefault) => out.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        None => {}
    }
    if let Some(o) =
        c.identity_options.as_ref().filter(|_| c.identity.is_some()).map(|o| o.sql()).filter(|o| !o.is_empty())
    {
        out.push_str(&format!(" ({o})"));
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        out.push_str(" DEFAULT ");
        out.push_str(&render_default(d));
    }
    out
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
    }
}

/// `CONSTRAINT "name" ...`, without `NOT VALID` (only `ALTER TABLE .. ADD` takes it).
fn constraint(c: &ConstraintDef) -> String {
    let body = match &c.kind {
        ConstraintKind::PrimaryKey { columns } => format!("PRIMARY KEY ({})", list(columns)),
        ConstraintKind::Unique { columns, nulls_not_distinct } => {
            let nnd = if *nulls_not_distinct { "NULLS NOT DISTINCT " } else { "" };
            format!("UNIQUE {nnd}({})", list(columns))
        }
        ConstraintKind::Check { expr } => format!("CHECK ({expr})"),
        ConstraintKind::Exclude { definition } => format!("EXCLUDE {definition}"),
        ConstraintKind::ForeignKey { columns, ref_table, ref_columns, on_delete, on_update } => {
            let mut s = format!("FOREIGN KEY ({}) REFERENCES {} ({})", list(columns), q(ref_table), list(ref_columns));
            if let Some(a) = on_delete {
                s.push_str(" ON DELETE ");
                s.push_str(action(*a));
            }
            if let Some(a) = on_update {
                s.push_str(" ON UPDATE ");
                s.push_str(action(*a));
            }
            s
        }
    };
    let deferred = if c.deferred { " DEFERRABLE INITIALLY DEFERRED" } else { "" };
    format!("CONSTRAINT {} {body}{deferred}", q(&c.name))
}

fn create_index(def: &IndexDef) -> Statement {
    let mut sql = String::from("CREATE ");
    if def.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if def.concurrently {
        sql.push_str("CONCURRENTLY ");
    }
    sql.push_str(&format!("{} ON {}", q(&def.name), q(&def.table)));
    if let Some(m) = &def.method {
        sql.push_str(&format!(" USING {}", q(m)));
    }
    let elems: Vec<String> = def
        .elems
        .iter()
        .map(|e| {
            let mut s = match &e.target {
                IndexTarget::Column { name } => q(name),
                IndexTarget::Expr { sql } => format!("({sql})"),
            };
            if let Some(oc) = &e.opclass {
                s.push(' ');
                s.push_str(&q(oc));
            }
            if e.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    sql.push_str(&format!(" ({})", elems.join(", ")));
    if !def.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", list(&def.include)));
    }
    if def.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !def.with.is_empty() {
        sql.push_str(&format!(" WITH ({})", def.with.join(", ")));
    }
    if let Some(p) = &def.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    Statement { sql, transactional: !def.concurrently }
}

fn comment(target: &CommentTarget, text: Option<&str>) -> Statement {
    let value = text.map(quote_literal).unwrap_or_else(|| "NULL".into());
    tx(format!("COMMENT ON {} IS {value}", target.sql()))
}

/// `CREATE SEQUENCE` with the options that are set (PostgreSQL's defaults for the others).
fn create_sequence(def: &crate::op::SequenceDef) -> String {
    let mut sql = format!("CREATE SEQUENCE {}", q(&def.name));
    if let Some(ty) = &def.data_type {
        sql.push_str(&format!(" AS {}", crate::render::render_column_type(ty)));
    }
    let options = sequence_options(def.increment, def.min, def.max, def.start, def.cache, def.cycle);
    if !options.is_empty() {
        sql.push(' ');
        sql.push_str(&options);
    }
    if let Some(o) = &def.owned_by {
        sql.push_str(&format!(" OWNED BY {}.{}", q(&o.table), q(&o.column)));
    }
    sql
}

/// The options of a sequence (or of an identity column's) that are set, in PostgreSQL's order:
/// `INCREMENT BY 5 MINVALUE 1 .. START WITH 100 CACHE 10 CYCLE`.
pub fn sequence_options(
    increment: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    start: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
) -> String {
    let mut parts: Vec<String> =
        [("INCREMENT BY", increment), ("MINVALUE", min), ("MAXVALUE", max), ("START WITH", start), ("CACHE", cache)]
            .iter()
            .filter_map(|(word, value)| value.map(|v| format!("{word} {v}")))
            .collect();
    if cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// `CREATE [OR REPLACE] FUNCTION/PROCEDURE`, its body dollar-quoted with a tag it does not contain.
pub(crate) fn create_function(def: &crate::op::FunctionDef, or_replace: bool) -> String {
    use crate::op::{ArgMode, Volatility};
    let args: Vec<String> = def
        .args
        .iter()
        .map(|a| {
            let mode = match a.mode {
                ArgMode::In => "",
                ArgMode::Out => "OUT ",
                ArgMode::InOut => "INOUT ",
                _ => "VARIADIC ",
            };
            let name = a.name.as_ref().map(|n| format!("{} ", q(n))).unwrap_or_default();
            let default = a.default.as_ref().map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
            format!("{mode}{name}{}{default}", a.data_type)
        })
        .collect();
    let mut sql = format!(
        "CREATE {}{} {}({})",
        if or_replace { "OR REPLACE " } else { "" },
        def.kind.word().to_uppercase(),
        q(&def.name),
        args.join(", ")
    );
    if let Some(r) = &def.returns {
        sql.push_str(&format!(" RETURNS {r}"));
    }
    sql.push_str(&format!(" LANGUAGE {}", q(&def.language)));
    match def.volatility {
        Some(Volatility::Immutable) => sql.push_str(" IMMUTABLE"),
        Some(Volatility::Stable) => sql.push_str(" STABLE"),
        _ => {}
    }
    if def.strict {
        sql.push_str(" STRICT");
    }
    if def.security_definer {
        sql.push_str(" SECURITY DEFINER");
    }
    for o in &def.options {
        sql.push(' ');
        sql.push_str(o);
    }
    if def.atomic {
        sql.push_str(&format!("\nBEGIN ATOMIC\n{}\nEND", def.body.trim()));
    } else {
        let mut tag = "$function$".to_string();
        let mut n = 0;
        while def.body.contains(&tag) {
            n += 1;
            tag = format!("$function{n}$");
        }
        sql.push_str(&format!("\nAS {tag}{}{tag}", def.body));
    }
    sql
}

/// `CREATE TRIGGER`.
pub(crate) fn create_trigger(def: &crate::op::TriggerDef) -> String {
    let mut sql =
        format!("CREATE TRIGGER {} {} {} ON {}", q(&def.name), def.timing.sql(), def.events_sql(), q(&def.table));
    if def.old_table.is_some() || def.new_table.is_some() {
        sql.push_str(" REFERENCING");
        if let Some(o) = &def.old_table {
            sql.push_str(&format!(" OLD TABLE AS {}", q(o)));
        }
        if let Some(n) = &def.new_table {
            sql.push_str(&format!(" NEW TABLE AS {}", q(n)));
        }
    }
    sql.push_str(if def.for_each_row { " FOR EACH ROW" } else { " FOR EACH STATEMENT" });
    if let Some(w) = &def.when {
        sql.push_str(&format!(" WHEN ({w})"));
    }
    sql.push_str(&format!(" EXECUTE FUNCTION {}({})", q(&def.function), def.args.join(", ")));
    sql
}

/// `CONSTRAINT name CHECK (expr) [NOT VALID]` of a domain.
fn domain_check(c: &crate::op::DomainCheck) -> String {
    format!("CONSTRAINT {} CHECK ({}){}", q(&c.name), c.expr, if c.not_valid { " NOT VALID" } else { "" })
}

/// `CREATE TYPE` of a composite or range type, `CREATE DOMAIN` (then a statement per `NOT VALID`
/// check: `CREATE DOMAIN` takes none).
pub(crate) fn create_type(def: &crate::op::TypeDef) -> Vec<String> {
    use crate::op::TypeDef;
    match def {
        TypeDef::Composite { name, fields } => {
            let fields: Vec<String> = fields.iter().map(|f| format!("{} {}", q(&f.name), f.data_type)).collect();
            vec![format!("CREATE TYPE {} AS ({})", q(name), fields.join(", "))]
        }
        TypeDef::Domain { name, data_type, not_null, default, checks } => {
            let mut sql = format!("CREATE DOMAIN {} AS {data_type}", q(name));
            if let Some(d) = default {
                sql.push_str(&format!(" DEFAULT {d}"));
            }
            if *not_null {
                sql.push_str(" NOT NULL");
            }
            for c in checks.iter().filter(|c| !c.not_valid) {
                sql.push(' ');
                sql.push_str(&domain_check(c));
            }
            let mut out = vec![sql];
            for c in checks.iter().filter(|c| c.not_valid) {
                out.push(format!("ALTER DOMAIN {} ADD {}", q(name), domain_check(c)));
            }
            out
        }
        TypeDef::Range { name, subtype, subtype_opclass, collation, subtype_diff, multirange_type_name } => {
            let mut parts = vec![format!("SUBTYPE = {subtype}")];
            for (key, value) in [
                ("SUBTYPE_OPCLASS", subtype_opclass),
                ("COLLATION", collation),
                ("SUBTYPE_DIFF", subtype_diff),
                ("MULTIRANGE_TYPE_NAME", multirange_type_name),
            ] {
                if let Some(v) = value {
                    parts.push(format!("{key} = {v}"));
                }
            }
            vec![format!("CREATE TYPE {} AS RANGE ({})", q(name), parts.join(", "))]
        }
    }
}

/// ` ("a", "b")` for a view's column names; nothing when it has none.
fn column_names(columns: &[String]) -> String {
    if columns.is_empty() { String::new() } else { format!(" ({})", list(columns)) }
}

fn create_policy(def: &crate::op::PolicyDef) -> String {
    let mut sql = format!("CREATE POLICY {} ON {}", q(&def.name), q(&def.table));
    if def.restrictive {
        sql.push_str(" AS RESTRICTIVE");
    }
    if def.command != crate::op::PolicyCommand::All {
        sql.push_str(" FOR ");
        sql.push_str(def.command.sql());
    }
    if !def.roles.is_empty() {
        sql.push_str(" TO ");
        sql.push_str(&policy_roles(&def.roles));
    }
    if let Some(u) = &def.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &def.with_check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    sql
}

/// Role names, quoted unless a keyword PostgreSQL reads as a role specification.
pub(crate) fn policy_roles(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| match r.as_str() {
            "PUBLIC" | "CURRENT_ROLE" | "CURRENT_USER" | "SESSION_USER" => r.clone(),
            _ => q(r),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
