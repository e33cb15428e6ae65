//! The safe plan: how a migration runs on tables that already have rows and traffic.
//!
//! Knowing the schema (the [model](crate::model) at the migration's point in history), the planner
//! turns changes that would lock or rewrite an existing table into their safe forms:
//!
//! | change on an existing table | runs as |
//! |---|---|
//! | `create_index` | `CREATE INDEX CONCURRENTLY`, its own step outside a transaction (an INVALID leftover of a failed build is dropped before a retry) |
//! | `drop_index` | `DROP INDEX CONCURRENTLY`, its own step |
//! | foreign key or CHECK | added `NOT VALID`, then validated in a transaction of its own |
//! | `validate_constraint` | in a transaction of its own |
//! | UNIQUE / PRIMARY KEY | a unique index built concurrently, then `ADD CONSTRAINT .. USING INDEX` |
//! | `set_not_null` | `CHECK (col IS NOT NULL) NOT VALID`, validated separately, then `SET NOT NULL` (instant) and the CHECK dropped |
//! | a column with a volatile default, or with `.backfill(..)` | added without default, the default set for new rows, existing rows filled in batches, then NOT NULL as above |
//! | `backfill` | batches by primary key, each its own short transaction |
//! | `attach_partition` of a range or list bound | the bound as a CHECK `NOT VALID`, validated on its own (writes go on), then `ATTACH PARTITION` (the valid CHECK implies the bound: no scan under its lock) and the CHECK dropped |
//!
//! A migration whose plan has such steps no longer runs as one transaction: it runs step by step and
//! records its progress, so a failed or killed run resumes at the step it stopped at.

use super::plan::{BackfillStep, Guard, Step, Undo};
use crate::ident::{derive_name, quote_ident as q};
use crate::model::Model;
use crate::op::*;
use crate::render::{render_column_type, render_default, render_op};

/// One piece of a plan before grouping.
struct Unit {
    sql: String,
    transactional: bool,
    /// Starts a new transaction (a VALIDATE after its ADD .. NOT VALID, for instance).
    new_step: bool,
    guard: Option<Guard>,
    backfill: Option<BackfillStep>,
    data: Option<crate::op::DataFn>,
    /// How this unit alone is undone.
    undo: Undo,
}

/// The undo of one statement.
fn undo(sql: String) -> Undo {
    Undo::Sql(vec![sql])
}

/// Nothing to undo (the unit changes nothing that outlives the migration's other undos).
fn nothing() -> Undo {
    Undo::Sql(vec![])
}

impl Unit {
    fn tx(sql: String) -> Unit {
        Unit {
            sql,
            transactional: true,
            new_step: false,
            guard: None,
            backfill: None,
            data: None,
            undo: Undo::Irreversible("no undo is known for this step".into()),
        }
    }
    fn undone_by(self, undo: Undo) -> Unit {
        Unit { undo, ..self }
    }
    fn tx_alone(sql: String) -> Unit {
        Unit { new_step: true, ..Unit::tx(sql) }
    }
    fn auto(sql: String, guard: Option<Guard>) -> Unit {
        Unit { transactional: false, new_step: true, guard, ..Unit::tx(sql) }
    }
    /// A batched update of rows: undone by nothing when `undone` (the column it fills is dropped by
    /// an earlier unit's undo), else irreversible.
    fn backfill(b: BackfillStep, undone: bool) -> Unit {
        let undo = if undone {
            nothing()
        } else {
            Undo::Irreversible("a batched backfill: the values it replaced are gone".into())
        };
        let sql = b.describe();
        Unit { backfill: Some(b), ..Unit::auto(sql, None).undone_by(undo) }
    }
}

/// The statements that undo `op` (its reverse, rendered), or why it cannot be undone.
fn reverse_undo(op: &Op) -> Undo {
    // Raw SQL's down is kept as written, one element: it is split (and read for statements that
    // must run alone) only if it ever runs (`recover::undo_done_steps`), so planning a long imported
    // history does not parse every down.
    if let Op::Sql { down: Some(down), .. } = op {
        return Undo::Sql(vec![down.clone()]);
    }
    match crate::reverse::reverse_op(op) {
        Ok(ops) => Undo::Sql(crate::render::render_ops(&ops).into_iter().map(|st| st.sql).collect()),
        Err(e) => Undo::Irreversible(e.to_string()),
    }
}

fn plain(op: &Op, transaction: bool) -> Vec<Unit> {
    if let Op::DataStep { run, .. } = op {
        // Rust code runs in a transaction of its own, which the runner opens for it.
        let sql = render_op(op).remove(0).sql;
        let undo = Undo::Irreversible("a data step: Rust code has no known inverse".into());
        return vec![Unit { data: Some(*run), ..Unit::tx_alone(sql).undone_by(undo) }];
    }
    let mut units: Vec<Unit> = render_op(op)
        .into_iter()
        .map(|st| {
            // Raw SQL that PostgreSQL refuses in a transaction block (CREATE INDEX CONCURRENTLY,
            // VACUUM, ...) runs alone even in a transactional migration; the builder's concurrent
            // ops need `no_transaction` (the registry says so).
            if st.transactional || (transaction && !matches!(op, Op::Sql { .. })) {
                Unit::tx(st.sql)
            } else {
                let guard = match op {
                    Op::CreateIndex { def } => Some(Guard::CreateIndex { name: def.name.clone() }),
                    Op::DropIndex { name, .. } => Some(Guard::DropIndex { name: name.clone() }),
                    // Raw SQL's concurrent builds get the same retry: the name from the parse tree.
                    Op::Sql { .. } => {
                        crate::render::concurrent_index_name(&st.sql).map(|name| Guard::CreateIndex { name })
                    }
                    _ => None,
                };
                Unit::auto(st.sql, guard)
            }
        })
        .collect();
    // The op's whole undo goes with its last unit. Earlier units share its step when every unit is
    // transactional (nothing to undo apart); otherwise a part alone cannot be undone.
    let all_transactional = units.iter().all(|u| u.transactional);
    let last = units.len().saturating_sub(1);
    for (i, u) in units.iter_mut().enumerate() {
        u.undo = if i == last {
            reverse_undo(op)
        } else if all_transactional {
            nothing()
        } else {
            Undo::Irreversible(format!("statement {} of {}: its down undoes the whole op, not a part", i + 1, last + 1))
        };
    }
    units
}

/// `SET NOT NULL` without a long lock: a NOT VALID CHECK, validated on its own, proves the column has
/// no NULL, so SET NOT NULL skips its scan; the CHECK is then dropped.
fn safe_not_null(table: &str, column: &str) -> Vec<Unit> {
    let check = derive_name(&[table, column], "not_null");
    vec![
        Unit::tx_alone(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
            q(table),
            q(&check),
            q(column)
        ))
        .undone_by(undo(format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", q(table), q(&check)))),
        Unit::tx_alone(format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(table), q(&check))).undone_by(nothing()),
        Unit::tx_alone(format!("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL", q(table), q(column)))
            .undone_by(undo(format!("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL", q(table), q(column)))),
        // The temporary CHECK: nothing to bring back.
        Unit::tx(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(&check))).undone_by(nothing()),
    ]
}

/// The primary key's columns with their types, in key order; empty when the table has none (or the
/// model does not know one of its columns).
fn key_of(model: &Model, table: &str) -> Vec<(String, String)> {
    let Some(t) = model.tables.get(table) else { return vec![] };
    let keys = t.primary_key().unwrap_or_default();
    keys.iter()
        .map(|k| t.column(k).map(|c| (k.clone(), render_column_type(&c.ty))))
        .collect::<Option<_>>()
        .unwrap_or_default()
}

fn is_volatile(d: &Option<DefaultValue>) -> bool {
    matches!(d, Some(DefaultValue::Expr { sql }) if crate::lint::rules::is_volatile(sql))
}

/// The safe form of `op`, when it changes a table that existed before migration `version`.
fn rewrite(op: &Op, model: &Model, version: u64) -> Option<Vec<Unit>> {
    let existing = |t: &str| model.existed_before(t, version);
    match op {
        // PostgreSQL cannot build an index on a partitioned table concurrently.
        Op::CreateIndex { def }
            if !def.concurrently
                && existing(&def.table)
                && model.tables.get(&def.table).is_none_or(|t| t.partition_by.is_none()) =>
        {
            let concurrent = IndexDef { concurrently: true, ..def.clone() };
            let sql = render_op(&Op::CreateIndex { def: concurrent }).remove(0).sql;
            let drop = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(&def.name));
            Some(vec![Unit::auto(sql, Some(Guard::CreateIndex { name: def.name.clone() })).undone_by(undo(drop))])
        }
        Op::DropIndex { name, concurrently: false, .. } => {
            let index = model.indexes.get(name)?;
            if index.constraint.is_some() || !existing(&index.def.table) {
                return None;
            }
            let recreate = IndexDef { concurrently: true, ..index.def.clone() };
            let create = render_op(&Op::CreateIndex { def: recreate }).remove(0).sql;
            Some(vec![
                Unit::auto(
                    format!("DROP INDEX CONCURRENTLY {}", q(name)),
                    Some(Guard::DropIndex { name: name.clone() }),
                )
                .undone_by(undo(create)),
            ])
        }
        // PostgreSQL (before 18) refuses a NOT VALID foreign key and a concurrent index on a
        // partitioned table: only a CHECK has a safe form there.
        Op::AddConstraint { table, def }
            if model.tables.get(table).is_some_and(|t| t.partition_by.is_some())
                && !matches!(def.kind, ConstraintKind::Check { .. }) =>
        {
            None
        }
        Op::AddConstraint { table, def } if existing(table) => match &def.kind {
            ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } if !def.not_valid => {
                let not_valid = ConstraintDef { not_valid: true, ..def.clone() };
                let add = render_op(&Op::AddConstraint { table: table.clone(), def: not_valid }).remove(0).sql;
                let validate =
                    render_op(&Op::ValidateConstraint { table: table.clone(), name: def.name.clone() }).remove(0).sql;
                let drop = format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", q(table), q(&def.name));
                Some(vec![Unit::tx(add).undone_by(undo(drop)), Unit::tx_alone(validate).undone_by(nothing())])
            }
            ConstraintKind::Unique { columns, nulls_not_distinct } => {
                Some(unique_from_index(table, def, columns, *nulls_not_distinct, "UNIQUE", model))
            }
            ConstraintKind::PrimaryKey { columns } => {
                Some(unique_from_index(table, def, columns, false, "PRIMARY KEY", model))
            }
            _ => None,
        },
        Op::ValidateConstraint { table, .. } if existing(table) => {
            Some(render_op(op).into_iter().map(|st| Unit::tx_alone(st.sql).undone_by(nothing())).collect())
        }
        Op::SetNotNull { table, column } if existing(table) => {
            let nullable = model.tables.get(table)?.column(column).is_some_and(|c| !c.not_null);
            nullable.then(|| safe_not_null(table, column))
        }
        Op::AddColumn { table, def }
            if existing(table) && (def.column.identity.is_some() || serial_base(&def.column.ty).is_some()) =>
        {
            let mut units = safe_numbered(table, def, model);
            units.extend(column_constraints(op, table, def, model, version));
            Some(units)
        }
        // Constraints declared on the column: the column first, then each in its safe form.
        Op::AddColumn { table, def }
            if existing(table)
                && def.backfill.is_none()
                && !is_volatile(&def.column.default)
                && !def.constraints.is_empty() =>
        {
            let add = Op::AddColumn { table: table.clone(), def: AddColumnDef { constraints: vec![], ..def.clone() } };
            let mut units = plain(&add, true);
            units.extend(column_constraints(op, table, def, model, version));
            Some(units)
        }
        Op::AddColumn { table, def }
            if existing(table) && (def.backfill.is_some() || is_volatile(&def.column.default)) =>
        {
            let col = &def.column;
            let mut units = Vec::new();
            let bare = ColumnDef { not_null: false, default: None, comment: None, ..col.clone() };
            let add = AddColumnDef { column: bare, constraints: vec![], backfill: None };
            let drop = format!("ALTER TABLE {} DROP COLUMN IF EXISTS {}", q(table), q(&col.name));
            let add_units: Vec<Unit> = render_op(&Op::AddColumn { table: table.clone(), def: add })
                .into_iter()
                .map(|st| Unit::tx(st.sql).undone_by(nothing()))
                .collect();
            let first = units.len();
            units.extend(add_units);
            if let Some(u) = units.get_mut(first) {
                u.undo = undo(drop);
            }
            if let Some(d) = &col.default {
                units.push(
                    Unit::tx(format!(
                        "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}",
                        q(table),
                        q(&col.name),
                        render_default(d)
                    ))
                    .undone_by(nothing()),
                );
            }
            let value = def.backfill.clone().or_else(|| col.default.as_ref().map(render_default))?;
            units.push(Unit::backfill(
                BackfillStep {
                    table: table.clone(),
                    set: format!("{} = {value}", q(&col.name)),
                    filter: Some(format!("{} IS NULL", q(&col.name))),
                    key: key_of(model, table),
                    batch_size: 1000,
                    pause_ms: 0,
                },
                true,
            ));
            if col.not_null {
                units.extend(safe_not_null(table, &col.name));
            }
            if let Some(c) = &col.comment {
                units.push(
                    Unit::tx(format!(
                        "COMMENT ON COLUMN {}.{} IS {}",
                        q(table),
                        q(&col.name),
                        crate::ident::quote_literal(c)
                    ))
                    .undone_by(nothing()),
                );
            }
            units.extend(column_constraints(op, table, def, model, version));
            Some(units)
        }
        Op::AttachPartition { parent, name, bound } if existing(name) => {
            let key = model.tables.get(parent)?.partition_by.as_deref()?;
            let condition = crate::sql_ops::partition_bound_check(key, bound)?;
            let check = derive_name(&[name], "partition_bound");
            let drop = format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", q(name), q(&check));
            let attach = render_op(op).remove(0).sql;
            Some(vec![
                Unit::tx_alone(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({condition}) NOT VALID",
                    q(name),
                    q(&check)
                ))
                .undone_by(undo(drop.clone())),
                Unit::tx_alone(format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(name), q(&check)))
                    .undone_by(nothing()),
                Unit::tx_alone(attach).undone_by(reverse_undo(op)),
                // The CHECK is no longer needed: the partition's bound holds.
                Unit::tx(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(name), q(&check))).undone_by(nothing()),
            ])
        }
        Op::Backfill { table, set, filter, batch_size, pause_ms } => Some(vec![Unit::backfill(
            BackfillStep {
                table: table.clone(),
                set: set.clone(),
                filter: filter.clone(),
                key: key_of(model, table),
                batch_size: *batch_size,
                pause_ms: *pause_ms,
            },
            false,
        )]),
        _ => None,
    }
}

/// The constraints declared on a column added by `op`, each in its own safe form, once the column is
/// there.
fn column_constraints(op: &Op, table: &str, def: &AddColumnDef, model: &Model, version: u64) -> Vec<Unit> {
    let mut after = model.scoped(std::slice::from_ref(op));
    let bare = AddColumnDef { constraints: vec![], ..def.clone() };
    after.apply(&Op::AddColumn { table: table.to_string(), def: bare }, version);
    let mut units = Vec::new();
    for k in &def.constraints {
        let add = Op::AddConstraint { table: table.to_string(), def: k.clone() };
        units.extend(rewrite(&add, &after, version).unwrap_or_else(|| plain(&add, true)));
    }
    units
}

/// The type a serial pseudo-type stands for (`bigserial`: `bigint`).
pub(crate) fn serial_base(ty: &ColumnType) -> Option<&'static str> {
    let ColumnType::Named { name } = ty else { return None };
    match name.to_ascii_lowercase().as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

/// An identity or serial column added to a table with rows, without PostgreSQL's rewrite under an
/// ACCESS EXCLUSIVE lock: the column added bare (instant), numbered by a sequence (the serial's own,
/// or one for the fill that the identity's continues from) that new rows draw from at once, existing
/// rows filled in batches, NOT NULL through a validated CHECK, then the identity set (no rewrite: the
/// column is NOT NULL already) and its sequence set where the fill stopped. The end is the plain
/// statement's: every row numbered, and the numbering going on after them.
fn safe_numbered(table: &str, def: &AddColumnDef, model: &Model) -> Vec<Unit> {
    let col = &def.column;
    let serial = serial_base(&col.ty);
    let ty = serial.map_or_else(|| render_column_type(&col.ty), str::to_string);
    let (t, c) = (q(table), q(&col.name));
    let seq = match serial {
        Some(_) => crate::sql_ops::object_name(table, Some(&col.name), "seq"),
        None => derive_name(&[table, &col.name], "fill"),
    };
    let options = col.identity_options.as_ref().filter(|_| serial.is_none()).map(|o| o.sql()).unwrap_or_default();
    let spaced = |o: &str| if o.is_empty() { String::new() } else { format!(" {o}") };
    let next = format!("nextval({}::regclass)", crate::ident::quote_literal(&q(&seq)));
    let mut units = vec![
        Unit::tx(format!("ALTER TABLE {t} ADD COLUMN {c} {ty}"))
            .undone_by(undo(format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {c}"))),
        Unit::tx(format!("CREATE SEQUENCE {} AS {ty}{} OWNED BY {t}.{c}", q(&seq), spaced(&options)))
            .undone_by(nothing()),
        Unit::tx(format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {next}")).undone_by(nothing()),
        Unit::backfill(
            BackfillStep {
                table: table.to_string(),
                set: format!("{c} = {next}"),
                filter: Some(format!("{c} IS NULL")),
                key: key_of(model, table),
                batch_size: 1000,
                pause_ms: 0,
            },
            true,
        ),
    ];
    units.extend(safe_not_null(table, &col.name));
    if let Some(identity) = col.identity {
        let kind = match identity {
            Identity::Always => "ALWAYS",
            _ => "BY DEFAULT",
        };
        let options = if options.is_empty() { String::new() } else { format!(" ({options})") };
        units.extend([
            Unit::tx_alone(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")).undone_by(nothing()),
            // The column's sequence is then the identity's alone (`pg_get_serial_sequence`).
            Unit::tx(format!("ALTER SEQUENCE {} OWNED BY NONE", q(&seq))).undone_by(nothing()),
            Unit::tx(format!("ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED {kind} AS IDENTITY{options}"))
                .undone_by(nothing()),
            // The identity goes on where the fill stopped (no scan of the table).
            Unit::tx(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), last_value, is_called) FROM {}",
                crate::ident::quote_literal(&t),
                crate::ident::quote_literal(&col.name),
                q(&seq)
            ))
            .undone_by(nothing()),
            Unit::tx(format!("DROP SEQUENCE {}", q(&seq))).undone_by(nothing()),
        ]);
    }
    if let Some(text) = &col.comment {
        units.push(
            Unit::tx(format!("COMMENT ON COLUMN {t}.{c} IS {}", crate::ident::quote_literal(text)))
                .undone_by(nothing()),
        );
    }
    units
}

/// UNIQUE or PRIMARY KEY on an existing table: a unique index built concurrently (its own step), then
/// the constraint added from it, which is instant. A primary key's nullable columns are made NOT NULL
/// the safe way first.
fn unique_from_index(
    table: &str,
    def: &ConstraintDef,
    columns: &[String],
    nulls_not_distinct: bool,
    kind: &str,
    model: &Model,
) -> Vec<Unit> {
    let mut units = Vec::new();
    if kind == "PRIMARY KEY"
        && let Some(t) = model.tables.get(table)
    {
        for c in columns.iter().filter(|c| t.column(c).is_some_and(|cd| !cd.not_null)) {
            units.extend(safe_not_null(table, c));
        }
    }
    let mut index = IndexDef::new(table);
    index.name = def.name.clone();
    index.unique = true;
    index.concurrently = true;
    index.nulls_not_distinct = nulls_not_distinct;
    index.elems = columns.iter().map(|c| crate::schema::col(c)).collect();
    let create = render_op(&Op::CreateIndex { def: index }).remove(0).sql;
    let drop_index = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(&def.name));
    units.push(Unit::auto(create, Some(Guard::CreateIndex { name: def.name.clone() })).undone_by(undo(drop_index)));
    let deferred = if def.deferred { " DEFERRABLE INITIALLY DEFERRED" } else { "" };
    // Dropping the constraint drops its index too; the index step's undo then finds nothing.
    let drop = format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", q(table), q(&def.name));
    units.push(
        Unit::tx_alone(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {kind} USING INDEX {}{deferred}",
            q(table),
            q(&def.name),
            q(&def.name)
        ))
        .undone_by(undo(drop)),
    );
    units
}

/// The steps of `ops` (a migration's up, or its down) run on the schema `model` at `version`. With
/// `safe` off, or when nothing needs a safe form, this is [`plan`](super::plan::plan). It plans on the
/// part of the model the ops name ([`Model::scoped`]), so its cost does not grow with the schema.
pub fn safe_plan(ops: &[Op], transaction: bool, model: &Model, version: u64, safe: bool) -> Vec<Step> {
    safe_plan_in(ops, transaction, &mut model.scoped(ops), version, safe)
}

/// [`safe_plan`] on `model` itself, which is left as it is after the ops (no copy of the whole schema,
/// which costs time in proportion to the history's size).
pub fn safe_plan_in(ops: &[Op], transaction: bool, model: &mut Model, version: u64, safe: bool) -> Vec<Step> {
    let mut per_op: Vec<Vec<Unit>> = Vec::with_capacity(ops.len());
    let mut split = false;
    for op in ops {
        let units = if safe { rewrite(op, model, version) } else { None };
        split |= units.is_some() || matches!(op, Op::DataStep { .. });
        per_op.push(units.unwrap_or_else(|| plain(op, transaction)));
        model.apply(op, version);
    }
    let one_transaction =
        transaction && !split && per_op.iter().flatten().all(|u| u.transactional && !u.new_step && u.data.is_none());
    let mut steps: Vec<Step> = Vec::new();
    // The undos of each step's units, combined into the step's undo at the end.
    let mut undos: Vec<Vec<Undo>> = Vec::new();
    for units in per_op {
        let mut first_of_op = true;
        for u in units {
            // Outside one transaction, each op starts a step of its own (as `plan` does).
            let starts = u.new_step || !u.transactional || (!transaction && first_of_op);
            first_of_op = false;
            match steps.last_mut() {
                Some(last)
                    if u.transactional
                        && last.transactional
                        && last.data.is_none()
                        && u.data.is_none()
                        && (one_transaction || !starts) =>
                {
                    last.statements.push(u.sql);
                    undos.last_mut().expect("a step has its undos").push(u.undo);
                }
                _ => {
                    steps.push(Step {
                        statements: vec![u.sql],
                        transactional: u.transactional,
                        guard: u.guard,
                        backfill: u.backfill,
                        data: u.data,
                        undo: Undo::Sql(vec![]),
                    });
                    undos.push(vec![u.undo]);
                }
            }
        }
    }
    for (step, undo) in steps.iter_mut().zip(undos) {
        step.undo = Undo::of_sequence(undo.into_iter());
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::schema::mode::ExplicitDown;

    type S = crate::Schema<ExplicitDown>;

    fn ops(f: impl FnOnce(&mut S)) -> Vec<Op> {
        let mut s = S::in_mode();
        f(&mut s);
        s.finish().expect("valid ops")
    }

    /// A history that renames, drops, references and rewrites, and downs (derived and explicit).
    fn history() -> Vec<(u64, Vec<Op>, Vec<Vec<Op>>)> {
        let v1 = ops(|s| {
            s.create_table("users", |t| {
                t.bigint("id").primary_key();
                t.text("email");
                t.integer("age");
            });
            s.create_table("posts", |t| {
                t.bigint("id").primary_key();
                t.bigint("user_id");
                t.text("title");
            });
            s.create_enum("mood", ["ok", "sad"]);
            s.create_index("users", ["email"]).name("users_email_idx");
        });
        let v2 = ops(|s| {
            s.alter_table("users", |t| {
                t.add_unique("users_email_key", ["email"]);
                t.integer("score").not_null().backfill("0");
            });
            s.alter_table("posts", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]);
            });
            s.create_index("posts", ["title"]).name("posts_title_idx");
        });
        let v3 = ops(|s| {
            s.rename_table("posts", "articles");
            s.rename_column("articles", "title", "headline");
            s.alter_table("users", |t| t.set_not_null("age"));
            s.create_table("tags", |t| {
                t.bigint("id").primary_key();
                t.bigint("article_id").references("articles", "id");
            });
            s.create_index("tags", ["article_id"]).name("tags_article_idx");
        });
        let v3_down = ops(|s| {
            s.drop_index("tags_article_idx");
            s.drop_index("posts_title_idx");
            s.drop_table("tags");
        });
        let v4 = ops(|s| {
            s.drop_index("users_email_idx");
            s.drop_column("users", "age");
            s.alter_table("articles", |t| t.drop_constraint("posts_user_fk"));
        });
        let v4_down = ops(|s| {
            s.create_index("users", ["email"]).name("users_email_idx");
            s.alter_table("articles", |t| {
                t.add_foreign_key("posts_user_fk", ["user_id"], "users", ["id"]);
            });
        });
        let derived = |up: &[Op]| vec![crate::reverse::reverse_ops(up).expect("reversible")];
        vec![
            (1, v1.clone(), derived(&v1)),
            (2, v2.clone(), vec![]),
            (3, v3.clone(), vec![derived(&v3).remove(0), v3_down]),
            (4, v4, vec![v4_down]),
        ]
    }

    #[test]
    fn planning_on_the_scoped_model_matches_planning_on_a_whole_copy() {
        let mut model = Model::default();
        for (version, up, downs) in history() {
            for safe in [true, false] {
                let whole = safe_plan_in(&up, true, &mut model.clone(), version, safe);
                assert_eq!(safe_plan(&up, true, &model, version, safe), whole, "up of {version}");
            }
            for op in &up {
                model.apply(op, version);
            }
            for down in downs {
                let whole = safe_plan_in(&down, true, &mut model.clone(), version, true);
                assert_eq!(safe_plan(&down, true, &model, version, true), whole, "a down of {version}");
            }
        }
    }

    #[test]
    fn an_index_on_a_table_of_the_same_migration_is_dropped_plainly() {
        let mut model = Model::default();
        for (version, up, _) in history().into_iter().take(3) {
            for op in &up {
                model.apply(op, version);
            }
        }
        let drop = ops(|s| {
            s.drop_index("tags_article_idx");
        });
        let steps = safe_plan(&drop, true, &model, 3, true);
        assert_eq!(steps.len(), 1);
        assert!(steps[0].transactional, "{steps:?}");
        let later = safe_plan(&drop, true, &model, 4, true);
        assert!(!later[0].transactional && later[0].statements[0].contains("CONCURRENTLY"), "{later:?}");
    }
}
