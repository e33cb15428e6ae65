//! The baseline generator of `pull` (and of `squash`, which reuses it): a database schema read into
//! ops ([`migrate_core::introspect::ops`]), what they leave out named
//! ([`migrate_core::introspect::not_expressed`]), and the ops written as builder code that records
//! exactly them (so the compiled migration's checksum is theirs).

use std::fmt::Write as _;

use anyhow::{Result, bail};
use migrate_core::op::*;

/// A schema read for a baseline migration.
pub struct Baseline {
    /// What the baseline creates, in order.
    pub ops: Vec<Op>,
    /// What it leaves out, one line per object ("function touch(): functions are not in ...").
    pub left_out: Vec<String>,
}

/// Reads `schema` of the database `client` is connected to, leaving out the tables in `ignore`.
pub async fn read(
    client: &impl migrate_core::tokio_postgres::GenericClient,
    schema: &str,
    ignore: &[&str],
) -> Result<Baseline> {
    let ops = migrate_core::introspect::ops(client, schema, ignore).await?;
    let left_out = migrate_core::introspect::not_expressed(client, schema, ignore).await?;
    Ok(Baseline { ops, left_out })
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// The builder expression of a type marker.
fn marker(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "SmallInt".into(),
        ColumnType::Integer => "Integer".into(),
        ColumnType::BigInt => "BigInt".into(),
        ColumnType::Numeric { precision, scale } => format!("Numeric {{ precision: {precision:?}, scale: {scale:?} }}"),
        ColumnType::Real => "Real".into(),
        ColumnType::Double => "Double".into(),
        ColumnType::Boolean => "Boolean".into(),
        ColumnType::Text => "Text".into(),
        ColumnType::Varchar { length: Some(n) } => format!("Varchar({n})"),
        ColumnType::Varchar { length: None } => "UnboundedVarchar".into(),
        ColumnType::Char { length } => format!("Char({length})"),
        ColumnType::Uuid => "Uuid".into(),
        ColumnType::Bytea => "Bytea".into(),
        ColumnType::Date => "Date".into(),
        ColumnType::Time => "Time".into(),
        ColumnType::Timestamp => "Timestamp".into(),
        ColumnType::Timestamptz => "Timestamptz".into(),
        ColumnType::Interval => "Interval".into(),
        ColumnType::Json => "Json".into(),
        ColumnType::Jsonb => "Jsonb".into(),
        ColumnType::Inet => "Inet".into(),
        ColumnType::Cidr => "Cidr".into(),
        ColumnType::Array { element } => format!("Array({})", marker(element)),
        ColumnType::Enum { name } => format!("EnumType({}.into())", q(name)),
        ColumnType::Named { name } => format!("NamedType({}.into())", q(name)),
        _ => "NamedType(\"unknown\".into())".into(),
    }
}

fn action(a: &Option<FkAction>) -> Option<&'static str> {
    a.map(|a| match a {
        FkAction::NoAction => "NoAction",
        FkAction::Restrict => "Restrict",
        FkAction::Cascade => "Cascade",
        FkAction::SetNull => "SetNull",
        _ => "SetDefault",
    })
}

/// The body of a migration function that records exactly `ops` (for `pull`, the checksum of the
/// compiled migration equals theirs).
pub fn body(ops: &[Op]) -> Result<String> {
    let mut b = String::new();
    let alter = |b: &mut String, table: &str, line: String| {
        writeln!(b, "    s.alter_table({}, |t| {{\n        {line};\n    }});", q(table))
    };
    for op in ops {
        match op {
            Op::AddColumn { table, def } => {
                let c = &def.column;
                let mut line = format!("t.column({}, {})", q(&c.name), marker(&c.ty));
                if c.not_null {
                    line.push_str(".not_null()");
                }
                if let Some(DefaultValue::Expr { sql }) = &c.default {
                    write!(line, ".default(sql({}))", q(sql))?;
                }
                if let Some(g) = &c.generated {
                    write!(line, ".generated({})", q(g))?;
                }
                if let Some(comment) = &c.comment {
                    write!(line, ".comment({})", q(comment))?;
                }
                alter(&mut b, table, line)?;
            }
            Op::DropColumn { table, column, .. } => writeln!(b, "    s.drop_column({}, {});", q(table), q(column))?,
            Op::ChangeColumnType { table, column, to, from: Some(from), .. } => {
                alter(&mut b, table, format!("t.change_type({}, {}, {})", q(column), marker(from), marker(to)))?
            }
            Op::SetDefault { table, column, default: DefaultValue::Expr { sql }, previous } => {
                let mut line = format!("t.set_default({}, NamedType(String::new()), sql({}))", q(column), q(sql));
                if let Some(DefaultValue::Expr { sql }) = previous {
                    write!(line, ".replacing(sql({}))", q(sql))?;
                }
                alter(&mut b, table, line)?;
            }
            Op::DropDefault { table, column, previous: Some(DefaultValue::Expr { sql }) } => alter(
                &mut b,
                table,
                format!("t.drop_default({}, NamedType(String::new()), sql({}))", q(column), q(sql)),
            )?,
            Op::SetNotNull { table, column } => alter(&mut b, table, format!("t.set_not_null({})", q(column)))?,
            Op::DropNotNull { table, column } => alter(&mut b, table, format!("t.drop_not_null({})", q(column)))?,
            Op::Comment { target, comment: Some(text), previous } => {
                let (table, mut line) = match target {
                    CommentTarget::Column { table, column } => {
                        (table, format!("t.comment_column({}, {})", q(column), q(text)))
                    }
                    CommentTarget::Table { table } => (table, format!("t.comment({})", q(text))),
                    other => {
                        let replacing = previous.as_ref().map(|p| format!(".replacing({})", q(p))).unwrap_or_default();
                        writeln!(b, "    s.comment_on({}, {}){replacing};", comment_target(other), q(text))?;
                        continue;
                    }
                };
                if let Some(p) = previous {
                    write!(line, ".replacing_comment({})", q(p))?;
                }
                alter(&mut b, table, line)?;
            }
            Op::Comment { comment: None, .. } => {
                writeln!(b, "    // A comment was removed: COMMENT ON .. IS NULL is not in the builder.")?
            }
            Op::DropTable { name, .. } => writeln!(b, "    s.drop_table({});", q(name))?,
            Op::DropIndex { name, .. } => writeln!(b, "    s.drop_index({});", q(name))?,
            Op::DropView { name, .. } => writeln!(b, "    s.drop_view({});", q(name))?,
            Op::DropConstraint { table, name, .. } => alter(&mut b, table, format!("t.drop_constraint({})", q(name)))?,
            Op::AddEnumValue { name, value, .. } => writeln!(b, "    s.add_enum_value({}, {});", q(name), q(value))?,
            Op::AddConstraint { table, def } if !matches!(def.kind, ConstraintKind::ForeignKey { .. }) => {
                let mut line = match &def.kind {
                    ConstraintKind::Check { expr } => format!("t.add_check({}, {})", q(&def.name), q(expr)),
                    ConstraintKind::Unique { columns, nulls_not_distinct } => format!(
                        "t.add_unique({}, {}){}",
                        q(&def.name),
                        list(columns),
                        if *nulls_not_distinct { ".nulls_not_distinct()" } else { "" }
                    ),
                    ConstraintKind::PrimaryKey { columns } => {
                        format!("t.add_primary_key({}, {})", q(&def.name), list(columns))
                    }
                    ConstraintKind::Exclude { definition } => {
                        format!("t.add_exclusion({}, {})", q(&def.name), q(definition))
                    }
                    _ => bail!("unknown constraint kind"),
                };
                if def.deferred {
                    line.push_str(".deferred()");
                }
                if def.not_valid {
                    line.push_str(".not_valid()");
                }
                alter(&mut b, table, line)?;
            }
            Op::CreateExtension { def } => match &def.schema {
                Some(s) => writeln!(b, "    s.create_extension_in({}, {});", q(&def.name), q(s))?,
                None => writeln!(b, "    s.create_extension({});", q(&def.name))?,
            },
            Op::CreateEnum { def } => writeln!(b, "    s.create_enum({}, {});", q(&def.name), list(&def.values))?,
            Op::CreateTable { def } if def.partition_of.is_some() => {
                let p = def.partition_of.as_ref().expect("a partition");
                let by = def.partition_by.as_ref().map(|k| format!(".partition_by({})", q(k))).unwrap_or_default();
                if !def.constraints.is_empty() {
                    bail!("a partition's own constraints: the introspection adds them after it");
                }
                writeln!(b, "    s.create_partition({}, {}, {}){by};", q(&def.name), q(&p.parent), q(&p.bound))?;
            }
            Op::CreateTable { def } => {
                writeln!(b, "    s.create_table({}, |t| {{", q(&def.name))?;
                for c in &def.columns {
                    let mut line = format!("        t.column({}, {})", q(&c.name), marker(&c.ty));
                    if c.not_null {
                        line.push_str(".not_null()");
                    }
                    if let Some(DefaultValue::Expr { sql }) = &c.default {
                        write!(line, ".default(sql({}))", q(sql))?;
                    }
                    match c.identity {
                        Some(Identity::Always) => line.push_str(".identity()"),
                        Some(Identity::ByDefault) => line.push_str(".identity_by_default()"),
                        _ => {}
                    }
                    if let Some(o) = &c.identity_options {
                        write!(line, ".identity_options({})", identity_options(o))?;
                    }
                    if let Some(g) = &c.generated {
                        write!(line, ".generated({})", q(g))?;
                    }
                    if let Some(comment) = &c.comment {
                        write!(line, ".comment({})", q(comment))?;
                    }
                    writeln!(b, "{line};")?;
                }
                for k in &def.constraints {
                    let mut line = match &k.kind {
                        ConstraintKind::PrimaryKey { columns } => {
                            format!("        t.primary_key({}).name({})", list(columns), q(&k.name))
                        }
                        ConstraintKind::Unique { columns, nulls_not_distinct } => format!(
                            "        t.unique({}).name({}){}",
                            list(columns),
                            q(&k.name),
                            if *nulls_not_distinct { ".nulls_not_distinct()" } else { "" }
                        ),
                        ConstraintKind::Check { expr } => format!("        t.check({}, {})", q(&k.name), q(expr)),
                        ConstraintKind::Exclude { definition } => {
                            format!("        t.exclude({}, {})", q(&k.name), q(definition))
                        }
                        _ => bail!("a foreign key inside create_table: the introspection puts them after the tables"),
                    };
                    if k.deferred {
                        line.push_str(".deferred()");
                    }
                    writeln!(b, "{line};")?;
                }
                if let Some(c) = &def.comment {
                    writeln!(b, "        t.comment({});", q(c))?;
                }
                if let Some(k) = &def.partition_by {
                    writeln!(b, "        t.partition_by({});", q(k))?;
                }
                writeln!(b, "    }});")?;
            }
            Op::AddConstraint { table, def } => {
                let ConstraintKind::ForeignKey { columns, ref_table, ref_columns, on_delete, on_update } = &def.kind
                else {
                    bail!("only foreign keys are added after the tables");
                };
                let mut line = format!(
                    "        t.add_foreign_key({}, {}, {}, {})",
                    q(&def.name),
                    list(columns),
                    q(ref_table),
                    list(ref_columns)
                );
                if let Some(a) = action(on_delete) {
                    write!(line, ".on_delete(FkAction::{a})")?;
                }
                if let Some(a) = action(on_update) {
                    write!(line, ".on_update(FkAction::{a})")?;
                }
                if def.deferred {
                    line.push_str(".deferred()");
                }
                if def.not_valid {
                    line.push_str(".not_valid()");
                }
                writeln!(b, "    s.alter_table({}, |t| {{\n{line};\n    }});", q(table))?;
            }
            Op::CreateIndex { def } => {
                let elems: Vec<String> = def
                    .elems
                    .iter()
                    .map(|e| {
                        let mut s = match &e.target {
                            IndexTarget::Column { name } => format!("col({})", q(name)),
                            IndexTarget::Expr { sql } => format!("expr({})", q(sql)),
                            _ => "col(\"?\")".into(),
                        };
                        if let Some(oc) = &e.opclass {
                            write!(s, ".opclass({})", q(oc)).ok();
                        }
                        if e.desc {
                            s.push_str(".desc()");
                        }
                        s
                    })
                    .collect();
                let mut line =
                    format!("    s.create_index({}, [{}]).name({})", q(&def.table), elems.join(", "), q(&def.name));
                if def.unique {
                    line.push_str(".unique()");
                }
                if let Some(m) = &def.method {
                    write!(line, ".using({})", q(m))?;
                }
                if !def.include.is_empty() {
                    write!(line, ".include({})", list(&def.include))?;
                }
                if let Some(p) = &def.predicate {
                    write!(line, ".where_({})", q(p))?;
                }
                if def.nulls_not_distinct {
                    line.push_str(".nulls_not_distinct()");
                }
                for w in &def.with {
                    let (name, value) = w.split_once('=').unwrap_or((w, ""));
                    write!(line, ".with({}, {})", q(name), q(value))?;
                }
                writeln!(b, "{line};")?;
            }
            Op::CreateView { def } => {
                let mut line = format!("    s.create_view({}, {})", q(&def.name), q(&def.query));
                if def.security_barrier {
                    line.push_str(".security_barrier()");
                }
                if let Some(c) = def.check_option {
                    write!(line, ".check_option(CheckOption::{c:?})")?;
                }
                writeln!(b, "{line};")?
            }
            Op::AddConstraintUsingIndex { table, name, index, primary_key, .. } => alter(
                &mut b,
                table,
                format!(
                    "t.{}({}, {})",
                    if *primary_key { "add_primary_key_using_index" } else { "add_unique_using_index" },
                    q(name),
                    q(index)
                ),
            )?,
            Op::SetStatistics { table, column, value, previous } => writeln!(
                b,
                "    s.set_statistics({}, {}, {value}){};",
                q(table),
                q(column),
                previous.map(|p| format!(".replacing({p})")).unwrap_or_default()
            )?,
            Op::Reindex { table, name, concurrently } => writeln!(
                b,
                "    s.{}({}){};",
                if *table { "reindex_table" } else { "reindex_index" },
                q(name),
                if *concurrently { ".concurrently()" } else { "" }
            )?,
            Op::CreateMaterializedView { def } => writeln!(
                b,
                "    s.create_materialized_view({}, {}){};",
                q(&def.name),
                q(&def.query),
                if def.with_data { "" } else { ".with_no_data()" }
            )?,
            Op::DropMaterializedView { name, .. } => writeln!(b, "    s.drop_materialized_view({});", q(name))?,
            Op::RefreshMaterializedView { name, concurrently } => writeln!(
                b,
                "    s.refresh_materialized_view({}){};",
                q(name),
                if *concurrently { ".concurrently()" } else { "" }
            )?,
            Op::CreateType { def: TypeDef::Composite { name, fields } } => {
                let fields: String =
                    fields.iter().map(|f| format!(".field({}, {})", q(&f.name), q(&f.data_type))).collect();
                writeln!(b, "    s.create_composite_type({}, |c| {{\n        c{fields};\n    }});", q(name))?
            }
            Op::CreateType { def: TypeDef::Domain { name, data_type, not_null, default, checks } } => {
                let mut options = String::new();
                if *not_null {
                    options.push_str(".not_null()");
                }
                if let Some(d) = default {
                    write!(options, ".default({})", q(d))?;
                }
                if let Some(k) = checks.iter().find(|k| k.not_valid) {
                    bail!(
                        "domain `{name}`: check `{}` is not valid yet; the builder adds such a check with `add_domain_check(..).not_valid()`",
                        k.name
                    );
                }
                for k in checks {
                    write!(options, ".check({}, {})", q(&k.name), q(&k.expr))?;
                }
                match options.is_empty() {
                    true => writeln!(b, "    s.create_domain({}, {}, |_| {{}});", q(name), q(data_type))?,
                    false => writeln!(
                        b,
                        "    s.create_domain({}, {}, |d| {{\n        d{options};\n    }});",
                        q(name),
                        q(data_type)
                    )?,
                }
            }
            Op::CreateType {
                def: TypeDef::Range { name, subtype, subtype_opclass, collation, subtype_diff, multirange_type_name },
            } => {
                let mut options = String::new();
                for (method, value) in [
                    ("subtype_opclass", subtype_opclass),
                    ("collation", collation),
                    ("subtype_diff", subtype_diff),
                    ("multirange_type_name", multirange_type_name),
                ] {
                    if let Some(v) = value {
                        write!(options, ".{method}({})", q(v))?;
                    }
                }
                match options.is_empty() {
                    true => writeln!(b, "    s.create_range_type({}, {}, |_| {{}});", q(name), q(subtype))?,
                    false => writeln!(
                        b,
                        "    s.create_range_type({}, {}, |r| {{\n        r{options};\n    }});",
                        q(name),
                        q(subtype)
                    )?,
                }
            }
            Op::DropType { name, domain: true, .. } => writeln!(b, "    s.drop_domain({});", q(name))?,
            Op::DropType { name, .. } => writeln!(b, "    s.drop_type({});", q(name))?,
            Op::AddDomainCheck { domain, check } => writeln!(
                b,
                "    s.add_domain_check({}, {}, {}){};",
                q(domain),
                q(&check.name),
                q(&check.expr),
                if check.not_valid { ".not_valid()" } else { "" }
            )?,
            Op::ValidateDomainCheck { domain, name } => {
                writeln!(b, "    s.validate_domain_check({}, {});", q(domain), q(name))?
            }
            Op::DropDomainCheck { domain, name, .. } => {
                writeln!(b, "    s.drop_domain_check({}, {});", q(domain), q(name))?
            }
            Op::DropSequence { name, .. } => writeln!(b, "    s.drop_sequence({});", q(name))?,
            Op::Sql { up, down: Some(down), declares } if declares.is_empty() => {
                writeln!(b, "    s.sql_with_down({}, {});", q(up), q(down))?
            }
            // In a migration with a written down (`diff` writes both).
            Op::Sql { up, down: None, declares } if declares.is_empty() => writeln!(b, "    s.sql({});", q(up))?,
            Op::SetIdentityValue { table, column, value } => {
                writeln!(b, "    s.set_identity_value({}, {}, {value});", q(table), q(column))?
            }
            Op::SetSequenceValue { name, value, is_called: true } => {
                writeln!(b, "    s.set_sequence_value({}, {value});", q(name))?
            }
            Op::CreateSequence { def } => {
                let mut options = String::new();
                if let Some(ty) = &def.data_type {
                    write!(options, ".as_type({})", marker(ty))?;
                }
                for (method, value) in [
                    ("increment", def.increment),
                    ("min", def.min),
                    ("max", def.max),
                    ("start", def.start),
                    ("cache", def.cache),
                ] {
                    if let Some(v) = value {
                        write!(options, ".{method}({v})")?;
                    }
                }
                if def.cycle {
                    options.push_str(".cycle()");
                }
                if let Some(o) = &def.owned_by {
                    write!(options, ".owned_by({}, {})", q(&o.table), q(&o.column))?;
                }
                match options.is_empty() {
                    true => writeln!(b, "    s.create_sequence({}, |_| {{}});", q(&def.name))?,
                    false => {
                        writeln!(b, "    s.create_sequence({}, |q| {{\n        q{options};\n    }});", q(&def.name))?
                    }
                }
            }
            Op::CreateFunction { def, or_replace } => {
                let method = match (def.kind, or_replace) {
                    (RoutineKind::Procedure, false) => "create_procedure",
                    (RoutineKind::Function, false) => "create_function",
                    (RoutineKind::Function, true) => "replace_function",
                    _ => bail!("`{}`: a procedure is replaced by dropping and creating it", op.describe()),
                };
                writeln!(b, "    s.{method}({}, |f| {{\n        f{};\n    }});", q(&def.name), routine(def))?;
            }
            Op::DropFunction { name, arg_types, kind, .. } => {
                let method = match kind {
                    RoutineKind::Procedure => "drop_procedure",
                    _ => "drop_function",
                };
                let types =
                    if arg_types.is_empty() { "std::iter::empty::<&str>()".to_string() } else { list(arg_types) };
                writeln!(b, "    s.{method}({}, {types});", q(name))?
            }
            Op::CreateTrigger { def } => writeln!(
                b,
                "    s.create_trigger({}, {}, |t| {{\n        t{};\n    }});",
                q(&def.table),
                q(&def.name),
                trigger(def)
            )?,
            Op::DropTrigger { table, name, .. } => writeln!(b, "    s.drop_trigger({}, {});", q(table), q(name))?,
            Op::SetTriggerState { table, name, state, previous: Some(previous) } => writeln!(
                b,
                "    s.set_trigger_state({}, {}, TriggerState::{state:?}, TriggerState::{previous:?});",
                q(table),
                q(name)
            )?,
            Op::AttachPartition { parent, name, bound } => {
                writeln!(b, "    s.attach_partition({}, {}, {});", q(parent), q(name), q(bound))?
            }
            Op::DetachPartition { parent, name, bound, concurrently } => writeln!(
                b,
                "    s.detach_partition({}, {}, {}){};",
                q(parent),
                q(name),
                q(bound),
                if *concurrently { ".concurrently()" } else { "" }
            )?,
            Op::SetRowSecurity { table, setting } => {
                writeln!(b, "    s.set_row_security({}, RowSecurity::{setting:?});", q(table))?
            }
            Op::CreatePolicy { def } => {
                let mut line = String::new();
                if def.restrictive {
                    line.push_str(".restrictive()");
                }
                if def.command != PolicyCommand::All {
                    write!(line, ".command(PolicyCommand::{:?})", def.command)?;
                }
                if !def.roles.is_empty() {
                    write!(line, ".to({})", list(&def.roles))?;
                }
                if let Some(u) = &def.using {
                    write!(line, ".using({})", q(u))?;
                }
                if let Some(c) = &def.with_check {
                    write!(line, ".with_check({})", q(c))?;
                }
                let f =
                    if line.is_empty() { "|_| {}".to_string() } else { format!("|p| {{\n        p{line};\n    }}") };
                writeln!(b, "    s.create_policy({}, {}, {f});", q(&def.table), q(&def.name))?
            }
            Op::DropPolicy { table, name, .. } => writeln!(b, "    s.drop_policy({}, {});", q(table), q(name))?,
            other => bail!("cannot write `{}` as builder code", other.describe()),
        }
    }
    Ok(b)
}

/// The baseline migration file of `pull`.
pub fn rust(ops: &[Op]) -> Result<String> {
    Ok(format!(
        "// Written by `migrate-cli pull`: the schema of the database when the project adopted migrations.\n\
         // It is recorded as applied there; on a new database it creates the same schema.\n\
         use migrate_core::prelude::*;\n\n#[migration]\npub fn up(s: &mut Schema) {{\n{}}}\n",
        body(ops)?
    ))
}

/// The builder expression of a comment's target (other than a table or column).
fn comment_target(t: &CommentTarget) -> String {
    let name = |kind: &str, n: &str| format!("CommentTarget::{kind} {{ name: {}.into() }}", q(n));
    match t {
        CommentTarget::Constraint { table, name } => {
            format!("CommentTarget::Constraint {{ table: {}.into(), name: {}.into() }}", q(table), q(name))
        }
        CommentTarget::Trigger { table, name } => {
            format!("CommentTarget::Trigger {{ table: {}.into(), name: {}.into() }}", q(table), q(name))
        }
        CommentTarget::Function { name, arg_types, kind } => format!(
            "CommentTarget::Function {{ name: {}.into(), arg_types: vec![{}], kind: migrate_core::op::RoutineKind::{kind:?} }}",
            q(name),
            arg_types.iter().map(|t| format!("{}.into()", q(t))).collect::<Vec<_>>().join(", ")
        ),
        CommentTarget::Index { name: n } => name("Index", n),
        CommentTarget::View { name: n } => name("View", n),
        CommentTarget::MaterializedView { name: n } => name("MaterializedView", n),
        CommentTarget::Type { name: n } => name("Type", n),
        CommentTarget::Domain { name: n } => name("Domain", n),
        CommentTarget::Sequence { name: n } => name("Sequence", n),
        other => format!("/* {} */ unreachable!()", other.key()),
    }
}

/// The builder calls that write a function's definition (after `f`).
fn routine(def: &FunctionDef) -> String {
    let mut out = String::new();
    for a in &def.args {
        let method = match a.mode {
            ArgMode::In => "arg",
            ArgMode::Out => "out_arg",
            ArgMode::InOut => "inout_arg",
            _ => "variadic_arg",
        };
        write!(out, ".{method}({}, {})", q(a.name.as_deref().unwrap_or("")), q(&a.data_type)).ok();
        if let Some(d) = &a.default {
            write!(out, ".default_value({})", q(d)).ok();
        }
    }
    if let Some(r) = &def.returns {
        write!(out, ".returns_sql({})", q(r)).ok();
    }
    write!(out, ".language({})", q(&def.language)).ok();
    match def.volatility {
        Some(Volatility::Immutable) => out.push_str(".immutable()"),
        Some(Volatility::Stable) => out.push_str(".stable()"),
        _ => {}
    }
    if def.strict {
        out.push_str(".strict()");
    }
    if def.security_definer {
        out.push_str(".security_definer()");
    }
    for o in &def.options {
        write!(out, ".option({})", q(o)).ok();
    }
    let body = if def.atomic { "atomic_body" } else { "body" };
    write!(out, "\n            .{body}({})", q(&def.body)).ok();
    out
}

/// The builder calls that write a trigger's definition (after `t`).
fn trigger(def: &TriggerDef) -> String {
    let mut out = match def.timing {
        TriggerTiming::Before => ".before()".to_string(),
        TriggerTiming::After => ".after()".to_string(),
        _ => ".instead_of()".to_string(),
    };
    for e in &def.events {
        match e {
            TriggerEvent::Insert => out.push_str(".insert()"),
            TriggerEvent::Update { columns } if columns.is_empty() => out.push_str(".update()"),
            TriggerEvent::Update { columns } => write!(out, ".update_of({})", list(columns)).unwrap_or(()),
            TriggerEvent::Delete => out.push_str(".delete()"),
            _ => out.push_str(".truncate()"),
        }
    }
    if let Some(o) = &def.old_table {
        write!(out, ".old_table({})", q(o)).ok();
    }
    if let Some(n) = &def.new_table {
        write!(out, ".new_table({})", q(n)).ok();
    }
    if def.for_each_row {
        out.push_str(".for_each_row()");
    }
    if let Some(w) = &def.when {
        write!(out, ".when({})", q(w)).ok();
    }
    write!(out, ".execute({})", q(&def.function)).ok();
    for a in &def.args {
        write!(out, ".arg({})", q(a)).ok();
    }
    out
}

/// The builder expression of an identity column's sequence options.
fn identity_options(o: &IdentityOptions) -> String {
    let mut fields: Vec<String> =
        [("start", o.start), ("increment", o.increment), ("min", o.min), ("max", o.max), ("cache", o.cache)]
            .iter()
            .filter_map(|(f, v)| v.map(|v| format!("{f}: Some({v})")))
            .collect();
    if o.cycle {
        fields.push("cycle: true".into());
    }
    format!("IdentityOptions {{ {}, ..Default::default() }}", fields.join(", "))
}
