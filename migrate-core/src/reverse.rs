//! Derived downs: the exact inverse of every reversible op.
//!
//!
#![doc = include_str!("../REVERSIBILITY.md")]

use crate::op::{DefaultValue, Op, TypeDef};

/// Why an op has no automatic inverse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{op}` cannot be undone automatically: {reason}")]
pub struct Irreversible {
    /// The op, as [`Op::describe`] names it.
    pub op: String,
    /// Why, and what to do instead.
    pub reason: std::borrow::Cow<'static, str>,
}

/// The inverse of one op, as a list of ops (empty when there is nothing to undo).
pub fn reverse_op(op: &Op) -> Result<Vec<Op>, Irreversible> {
    reverse_owned(op.clone())
}

/// [`reverse_op`] of an op the caller no longer needs: its definitions move into the inverse
/// instead of being copied.
pub fn reverse_owned(op: Op) -> Result<Vec<Op>, Irreversible> {
    let no = |op: &Op, reason: &'static str| Irreversible { op: op.describe(), reason: reason.into() };
    let one = |o: Op| Ok(vec![o]);
    match op {
        Op::CreateTable { def } => one(Op::DropTable { name: def.name.clone(), def: Some(def) }),
        Op::DropTable { def: Some(def), .. } => one(Op::CreateTable { def }),
        Op::DropTable { def: None, .. } => Err(no(&op, "the table and its data are gone; write a `down`")),
        Op::RenameTable { from, to } => one(Op::RenameTable { from: to, to: from }),
        Op::AddColumn { table, def } => one(Op::DropColumn { table, column: def.column.name.clone(), def: Some(def) }),
        Op::DropColumn { table, def: Some(def), .. } => one(Op::AddColumn { table, def }),
        Op::DropColumn { def: None, .. } => Err(no(&op, "the column and its data are gone; write a `down`")),
        Op::RenameColumn { table, from, to } => one(Op::RenameColumn { table, from: to, to: from }),
        Op::ChangeColumnType { table, column, to, using, from: Some(from), using_down, assume_utc } => {
            one(Op::ChangeColumnType {
                table,
                column,
                to: from,
                using: using_down,
                from: Some(to),
                using_down: using,
                assume_utc,
            })
        }
        Op::ChangeColumnType { from: None, .. } => {
            Err(no(&op, "the old type is not recorded; give it with `change_type(column, from, to)` or write a `down`"))
        }
        Op::SetNotNull { table, column } => one(Op::DropNotNull { table, column }),
        Op::DropNotNull { table, column } => one(Op::SetNotNull { table, column }),
        Op::SetDefault { table, column, default, previous: Some(previous) } => {
            one(Op::SetDefault { table, column, default: previous, previous: Some(default) })
        }
        Op::SetDefault { table, column, default, previous: None } => {
            one(Op::DropDefault { table, column, previous: Some(default) })
        }
        Op::DropDefault { table, column, previous: Some(previous) } => {
            one(Op::SetDefault { table, column, default: previous, previous: None::<DefaultValue> })
        }
        Op::DropDefault { previous: None, .. } => {
            Err(no(&op, "the previous default is not recorded; use `drop_default(column, previous)` or write a `down`"))
        }
        Op::Comment { target, comment, previous } => one(Op::Comment { target, comment: previous, previous: comment }),
        Op::CreateIndex { def } => {
            one(Op::DropIndex { name: def.name.clone(), concurrently: def.concurrently, def: Some(def) })
        }
        Op::DropIndex { def: Some(def), .. } => one(Op::CreateIndex { def }),
        Op::DropIndex { def: None, .. } => Err(no(&op, "the index definition is not known; write a `down`")),
        Op::RenameIndex { from, to } => one(Op::RenameIndex { from: to, to: from }),
        Op::AddConstraint { table, def } => one(Op::DropConstraint { table, name: def.name.clone(), def: Some(def) }),
        Op::ValidateConstraint { .. } => Ok(vec![]),
        Op::DropConstraint { table, def: Some(def), .. } => one(Op::AddConstraint { table, def }),
        Op::DropConstraint { def: None, .. } => Err(no(&op, "the constraint definition is not known; write a `down`")),
        Op::RenameConstraint { table, from, to } => one(Op::RenameConstraint { table, from: to, to: from }),
        Op::CreateEnum { def } => one(Op::DropEnum { name: def.name.clone(), def: Some(def) }),
        Op::AddEnumValue { .. } => Err(no(
            &op,
            "PostgreSQL cannot remove a value from an enum; write a `down` that recreates the type, or opt out with `#[migration(irreversible = \"..\")]`",
        )),
        Op::RenameEnumValue { name, from, to } => one(Op::RenameEnumValue { name, from: to, to: from }),
        Op::DropEnum { def: Some(def), .. } => one(Op::CreateEnum { def }),
        Op::DropEnum { def: None, .. } => Err(no(&op, "the enum's values are not known; write a `down`")),
        Op::CreateExtension { def } => one(Op::DropExtension { name: def.name.clone(), def: Some(def) }),
        Op::DropExtension { def: Some(def), .. } => one(Op::CreateExtension { def }),
        Op::DropExtension { def: None, .. } => {
            Err(no(&op, "the extension's objects and data are gone; write a `down`"))
        }
        Op::CreateSchema { name } => one(Op::DropSchema { name, recreate: true }),
        Op::DropSchema { name, recreate: true } => one(Op::CreateSchema { name }),
        Op::DropSchema { recreate: false, .. } => Err(no(&op, "the schema's contents are gone; write a `down`")),
        Op::CreateView { def } => one(Op::DropView { name: def.name.clone(), def: Some(def) }),
        Op::DropView { def: Some(def), .. } => one(Op::CreateView { def }),
        Op::DropView { def: None, .. } => Err(no(&op, "the view's query is not known; write a `down`")),
        Op::CreateSequence { def } => one(Op::DropSequence { name: def.name.clone(), def: Some(def) }),
        Op::DropSequence { def: Some(def), .. } => one(Op::CreateSequence { def }),
        Op::SetSequenceValue { .. } | Op::SetIdentityValue { .. } => Ok(vec![]),
        Op::DropSequence { def: None, .. } => Err(no(&op, "the sequence's definition is not known; write a `down`")),
        Op::CreateMaterializedView { def } => one(Op::DropMaterializedView { name: def.name.clone(), def: Some(def) }),
        Op::DropMaterializedView { def: Some(def), .. } => one(Op::CreateMaterializedView { def }),
        Op::DropMaterializedView { def: None, .. } => {
            Err(no(&op, "the materialized view's query is not known; write a `down`"))
        }
        Op::RefreshMaterializedView { .. } | Op::ValidateDomainCheck { .. } | Op::Reindex { .. } => Ok(vec![]),
        Op::AddConstraintUsingIndex { .. } => Err(no(
            &op,
            "dropping the constraint drops its index too; write a `down` (drop the constraint, create the index again)",
        )),
        Op::SetStatistics { table, column, value, previous } => {
            one(Op::SetStatistics { table, column, value: previous.unwrap_or(-1), previous: Some(value) })
        }
        Op::CreateType { def } => one(Op::DropType {
            name: def.name().to_string(),
            domain: matches!(def, TypeDef::Domain { .. }),
            def: Some(def),
        }),
        Op::DropType { def: Some(def), .. } => one(Op::CreateType { def }),
        Op::DropType { def: None, .. } => Err(no(&op, "the type's definition is not known; write a `down`")),
        Op::AddDomainCheck { domain, check } => {
            one(Op::DropDomainCheck { domain, name: check.name.clone(), def: Some(check) })
        }
        Op::DropDomainCheck { domain, def: Some(check), .. } => one(Op::AddDomainCheck { domain, check }),
        Op::DropDomainCheck { def: None, .. } => {
            Err(no(&op, "the domain constraint's condition is not known; write a `down`"))
        }
        Op::CreateFunction { def, or_replace: false } => {
            one(Op::DropFunction { name: def.name.clone(), arg_types: def.arg_types(), kind: def.kind, def: Some(def) })
        }
        Op::CreateFunction { or_replace: true, .. } => Err(no(
            &op,
            "OR REPLACE: the definition it replaces is not known; write a `down` that restores it (or create the function without OR REPLACE)",
        )),
        Op::DropFunction { def: Some(def), .. } => one(Op::CreateFunction { def, or_replace: false }),
        Op::DropFunction { def: None, .. } => Err(no(&op, "the function's definition is not known; write a `down`")),
        Op::CreateTrigger { def } => {
            one(Op::DropTrigger { table: def.table.clone(), name: def.name.clone(), def: Some(def) })
        }
        Op::DropTrigger { def: Some(def), .. } => one(Op::CreateTrigger { def }),
        Op::AttachPartition { parent, name, bound } => {
            one(Op::DetachPartition { parent, name, bound, concurrently: false })
        }
        Op::DetachPartition { ref bound, .. } if bound.is_empty() => {
            Err(no(&op, "the partition's bound is not known; write a `down`"))
        }
        Op::DetachPartition { parent, name, bound, .. } => one(Op::AttachPartition { parent, name, bound }),
        Op::SetRowSecurity { table, setting } => one(Op::SetRowSecurity { table, setting: setting.inverse() }),
        Op::CreatePolicy { def } => {
            one(Op::DropPolicy { table: def.table.clone(), name: def.name.clone(), def: Some(def) })
        }
        Op::DropPolicy { def: Some(def), .. } => one(Op::CreatePolicy { def }),
        Op::DropPolicy { def: None, .. } => Err(no(&op, "the policy's definition is not known; write a `down`")),
        Op::DropTrigger { def: None, .. } => Err(no(&op, "the trigger's definition is not known; write a `down`")),
        Op::SetTriggerState { table, name, state, previous: Some(previous) } => {
            one(Op::SetTriggerState { table, name, state: previous, previous: Some(state) })
        }
        Op::SetTriggerState { previous: None, .. } => {
            Err(no(&op, "the trigger's previous state is not known; write a `down`"))
        }
        Op::Sql { up, down: Some(down), declares } => {
            // The down's declarations are the inverse of the up's; when they have none, the model
            // treats the down as opaque.
            let declares = reverse_ops_owned(declares).unwrap_or_default();
            one(Op::Sql { up: down, down: Some(up), declares })
        }
        Op::Sql { up, down: None, declares } if declares.is_empty() => derive_sql(&up),
        Op::Sql { down: None, .. } => {
            Err(no(&op, "raw SQL has no known inverse; use `sql_with_down(up, down)` or write a `down`"))
        }
        Op::Backfill { .. } => Err(no(&op, "the values it overwrites are gone; write a `down`")),
        Op::DataStep { .. } => Err(no(&op, "Rust code has no known inverse; write a `down`")),
    }
}

/// The inverse of raw SQL whose every statement has a derived inverse
/// ([`migrate_sql::derive::reversible`] decides, as the build script and `#[migration]` do): the
/// inverses of the ops it reads into, last statement first. The first statement without one is the
/// reason, with its line.
fn derive_sql(script: &str) -> Result<Vec<Op>, Irreversible> {
    let read = crate::sql_ops::read_sql_cached(script);
    let mut ops = Vec::new();
    for st in read.iter() {
        let refused = |reason: String| Irreversible {
            op: format!("sql `{}` (line {})", crate::op::excerpt(&st.text, 60), st.line),
            reason: format!("{reason}; write its down (`down.sql`, `sql_with_down`, or a `down` function)").into(),
        };
        st.derivable.clone().map_err(refused)?;
        if st.outside || st.tolerant || !st.not_read.is_empty() || st.ops.is_empty() {
            let why = st.not_read.first().cloned().unwrap_or_else(|| format!("`{}` is not read into ops", st.kind));
            return Err(refused(why));
        }
        ops.extend(st.ops.iter().cloned());
    }
    reverse_ops_owned(ops).map_err(|mut e| e.remove(0))
}

/// The derived down of a list of ops: each op's inverse, in reverse order. Reports every irreversible
/// op, not just the first.
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::reverse::reverse_ops;
/// use migrate_core::render::render_script;
///
/// let mut s = Schema::new();
/// s.create_table("users", |t| { t.bigint("id").primary_key(); });
/// s.alter_table("users", |t| t.rename_column("id", "user_id"));
/// let down = reverse_ops(&s.finish().unwrap()).unwrap();
/// assert_eq!(
///     render_script(&down),
///     "ALTER TABLE \"users\" RENAME COLUMN \"user_id\" TO \"id\";\nDROP TABLE \"users\";\n"
/// );
/// ```
pub fn reverse_ops(ops: &[Op]) -> Result<Vec<Op>, Vec<Irreversible>> {
    reverse_ops_owned(ops.to_vec())
}

/// [`reverse_ops`] of ops the caller no longer needs (no copy of their definitions).
pub fn reverse_ops_owned(ops: Vec<Op>) -> Result<Vec<Op>, Vec<Irreversible>> {
    let mut down = Vec::new();
    let mut errors = Vec::new();
    for op in ops.into_iter().rev() {
        match reverse_owned(op) {
            Ok(mut inv) => down.append(&mut inv),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(down) } else { Err(errors) }
}
