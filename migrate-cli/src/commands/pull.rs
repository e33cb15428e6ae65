//! `pull`: adopting the framework on an existing database. Writes a baseline migration that creates the
//! database's whole schema (builder code, formatted), records it as applied there, and sets
//! `lint_baseline` so history before the tool never blocks `up`. What the op model does not hold yet
//! (functions, triggers, sequences, ...) is named in warnings, and `pull` then exits 1.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use migrate_core::op::*;
use migrate_core::registry::{Down, Migration, checksum};
use migrate_core::runner::{Migrator, Resolve};

use super::Ctx;
use crate::cli::PullArgs;

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
                    _ => bail!("unknown comment target"),
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
                writeln!(b, "{line};")?;
            }
            Op::CreateView { def } => writeln!(b, "    s.create_view({}, {});", q(&def.name), q(&def.query))?,
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

pub async fn run(ctx: &Ctx, args: PullArgs) -> Result<u8> {
    let (db, mut client) = ctx.connect().await?;
    let config = ctx.loaded.runner_config()?;
    let own = config.own_tables();
    let schema = match &config.schema {
        Some(s) => s.clone(),
        None => client.query_one("SELECT current_schema()::text", &[]).await?.get(0),
    };
    // The framework's tables, the other tools' history tables (diesel, sqlx, refinery) and
    // `ignore_tables` are not the application's schema.
    let mut ignore: Vec<&str> = own.iter().map(String::as_str).collect();
    ignore.extend(migrate_core::runner::FOREIGN_HISTORY_TABLES);
    ignore.extend(ctx.loaded.config.ignore_tables.iter().map(String::as_str));
    let ops = migrate_core::introspect::ops(&client, &schema, &ignore).await?;
    let left_out = migrate_core::introspect::not_expressed(&client, &schema, &ignore).await?;
    if ops.is_empty() {
        bail!("the schema `{schema}` of {} is empty: there is nothing to pull", db.describe()?);
    }
    let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
    let version = crate::scaffold::timestamp_now();
    let name = args.name;
    let path = dir.join(format!("m{version}_{name}.rs"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(&path, rust(&ops)?).with_context(|| format!("writing {}", path.display()))?;
    // Recorded as applied with the checksum the compiled file will have: the same ops.
    let down = Down::Derived(migrate_core::reverse::reverse_ops(&ops).map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let baseline = Migration {
        version,
        name: name.clone(),
        checksum: checksum(&ops, &down, true),
        up: ops,
        down,
        transaction: true,
        checksum_format: migrate_core::canonical::CANONICAL_FORMAT,
        legacy_checksum: None,
        file: "pull",
        line: 1,
        acks: vec![],
        original: None,
        source: None,
    };
    let mut m = Migrator::new(vec![baseline]);
    m.with_config(config);
    m.resolve(&mut client, Resolve::Applied(version)).await?;
    set_lint_baseline(ctx, version)?;
    println!("wrote {} and recorded it as applied; lint_baseline = {version}", path.display());
    // Never silently: what the baseline does not create is named, and the exit code says so.
    for what in &left_out {
        eprintln!("warning [pull] the baseline leaves out {what}");
    }
    if left_out.is_empty() {
        return Ok(crate::EXIT_OK);
    }
    eprintln!(
        "warning [pull] {} object(s) of `{schema}` are not in the baseline: on a new database it does not create them; add them to the baseline as SQL (`s.sql_with_down(..)`) or in a migration after it",
        left_out.len()
    );
    Ok(crate::EXIT_PROBLEMS)
}

/// Sets `lint_baseline` in migrate.toml (the pulled schema predates the rules).
pub fn set_lint_baseline(ctx: &Ctx, version: u64) -> Result<()> {
    if !ctx.loaded.found {
        return Ok(());
    }
    let path = ctx.loaded.root.join(crate::config::FILE_NAME);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines: Vec<String> =
        text.lines().filter(|l| !l.trim_start().starts_with("lint_baseline")).map(String::from).collect();
    // Top-level keys go before the first table.
    let at = lines.iter().position(|l| l.trim_start().starts_with('[')).unwrap_or(lines.len());
    lines.insert(at, format!("lint_baseline = {version}"));
    std::fs::write(&path, lines.join("\n") + "\n").with_context(|| format!("writing {}", path.display()))
}
