//! `alter_table`.

use std::marker::PhantomData;

use super::column::{ColumnEntry, ColumnMethods};
use super::mode::*;
use super::table::TableConstraint;
use crate::op::{AddColumnDef, CommentTarget, ConstraintDef, ConstraintKind, DefaultValue, FkAction, Op};
use crate::types::{ChangeAllowedIn, ChangeTo, DefaultFor, SqlType};

enum Item {
    Column(usize),
    Constraint(usize),
    Op(usize),
}

/// The body of `alter_table`: each call records one change, in order. Typed column methods
/// ([`ColumnMethods`]) add columns.
pub struct AlterTable<M: ?Sized> {
    table: String,
    items: Vec<Item>,
    columns: super::hidden::Columns,
    constraints: super::hidden::Constraints,
    ops: super::hidden::Ops,
    _mode: PhantomData<fn(&M)>,
}

impl<M: ?Sized> ColumnMethods for AlterTable<M> {
    fn __entry(&mut self, name: &str, ty: crate::op::ColumnType) -> &mut ColumnEntry {
        let i = self.columns.len();
        self.columns.push(ColumnEntry::new(name, ty));
        self.items.push(Item::Column(i));
        &mut self.columns[i]
    }
}

/// A type change being recorded (`change_type`): how its values are converted. What is allowed
/// depends on the migration's mode: a one-way `.using(..)` needs a `down`.
/// The [`OpHandle`] of the change, with the mode that decides which of its methods are allowed.
pub struct TypeChange<'a, M: ?Sized> {
    handle: OpHandle<'a>,
    _mode: PhantomData<fn(&M)>,
}

impl<'a, M: ?Sized + Mode> TypeChange<'a, M> {
    fn with(handle: OpHandle<'a>) -> Self {
        TypeChange { handle, _mode: PhantomData }
    }

    /// `USING up` for the change and `USING down` for the derived way back: the migration stays
    /// derivable (lint `conversion-round-trip` warns that values the way back cannot rebuild are lost
    /// on a rollback).
    pub fn converting(self, up: impl Into<String>, down: impl Into<String>) -> Self {
        Self::with(self.handle.using(up).using_down(down))
    }

    /// `USING expr`, one way: the derived down would change the type back without converting the
    /// values, so it compiles only in a migration with a `down` (or `.converting(up, down)`).
    pub fn using(self, expr: impl Into<String>) -> Self
    where
        M: AllowsOneWayUsing,
    {
        Self::with(self.handle.using(expr))
    }

    /// For a change between `timestamp` and `timestamptz`: run it with `TimeZone` UTC (see
    /// [`OpHandle::assume_utc`]).
    pub fn assume_utc(self) -> Self {
        Self::with(self.handle.assume_utc())
    }
}

/// A recorded op that can still be refined: the `USING` of a type change recorded without its old
/// type (`change_type_unrecorded`), or the comment a `comment`/`comment_column` replaces.
pub struct OpHandle<'a> {
    op: super::hidden::OpMut<'a>,
}

impl OpHandle<'_> {
    /// `USING expr` for a type change: how to convert existing values.
    pub fn using(mut self, expr: impl Into<String>) -> Self {
        if let Op::ChangeColumnType { using, .. } = &mut *self.op {
            *using = Some(expr.into());
        }
        self
    }

    /// For a type change between `timestamp` and `timestamptz`: run it with `TimeZone` UTC (`SET LOCAL`
    /// for this statement alone). The stored values are then kept as they are (read as UTC) and
    /// PostgreSQL rewrites nothing; under another zone they would shift by its offset.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.alter_table("events", |t| {
    ///     t.change_type("at", Timestamp, Timestamptz).assume_utc();
    /// });
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "SET LOCAL TimeZone = 'UTC'; ALTER TABLE \"events\" ALTER COLUMN \"at\" TYPE timestamptz; SET LOCAL TimeZone TO DEFAULT;\n"
    /// );
    /// ```
    pub fn assume_utc(mut self) -> Self {
        if let Op::ChangeColumnType { assume_utc, .. } = &mut *self.op {
            assume_utc.0 = true;
        }
        self
    }

    /// `USING expr` of the derived down's type change back.
    pub fn using_down(mut self, expr: impl Into<String>) -> Self {
        if let Op::ChangeColumnType { using_down, .. } = &mut *self.op {
            *using_down = Some(expr.into());
        }
        self
    }

    /// For comments: the comment this one replaces, restored by the down (default: none).
    pub fn replacing_comment(mut self, previous: impl Into<String>) -> Self {
        if let Op::Comment { previous: p, .. } = &mut *self.op {
            *p = Some(previous.into());
        }
        self
    }
}

/// A `set_default` that can name the default it replaces.
pub struct SetDefault<'a, T> {
    op: super::hidden::OpMut<'a>,
    _ty: PhantomData<T>,
}

impl<T> SetDefault<'_, T> {
    /// The default this one replaces: the down restores it (without it, the down drops the default).
    pub fn replacing<V: DefaultFor<T>>(mut self, previous: V) -> Self {
        if let Op::SetDefault { previous: p, .. } = &mut *self.op {
            *p = Some(previous.into_default());
        }
        self
    }
}

impl<M: ?Sized + Mode> AlterTable<M> {
    pub(crate) fn new(table: &str) -> Self {
        AlterTable {
            table: table.into(),
            items: vec![],
            columns: super::hidden::Columns::new(vec![]),
            constraints: super::hidden::Constraints::new(vec![]),
            ops: super::hidden::Ops::new(vec![]),
            _mode: PhantomData,
        }
    }

    fn op(&mut self, op: Op) -> OpHandle<'_> {
        let i = self.ops.len();
        self.ops.push(op);
        self.items.push(Item::Op(i));
        OpHandle { op: super::hidden::OpMut::new(&mut self.ops[i]) }
    }

    fn constraint(&mut self, name: &str, kind: ConstraintKind) -> TableConstraint<'_> {
        let i = self.constraints.len();
        self.constraints.push(ConstraintDef { name: name.into(), kind, not_valid: false, deferred: false });
        self.items.push(Item::Constraint(i));
        TableConstraint { def: super::hidden::ConstraintMut::new(&mut self.constraints[i]) }
    }

    fn t(&self) -> String {
        self.table.clone()
    }

    /// Renames a column. Reversible.
    pub fn rename_column(&mut self, from: &str, to: &str) {
        self.op(Op::RenameColumn { table: self.t(), from: from.into(), to: to.into() });
    }

    /// Drops a column. Irreversible: needs an explicit `down` or the irreversible opt-out.
    pub fn drop_column(&mut self, column: &str)
    where
        M: AllowsDropColumn,
    {
        self.op(Op::DropColumn { table: self.t(), column: column.into(), def: None });
    }

    /// Changes a column's type from `from` to `to`; the down changes it back. Values are converted
    /// with `.converting(up, down)` (both ways: the down stays derived), or `.using(up)` alone in a
    /// migration with a `down` (a one-way conversion has no derived way back).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.alter_table("users", |t| {
    ///     t.change_type("age", Integer, BigInt);
    ///     t.change_type("score", Integer, Text).converting("score::text", "score::integer");
    /// });
    /// # s.finish().unwrap();
    /// ```
    ///
    /// A change to a type that cannot hold every value of the old one (`bigint` to `integer`, `text` to
    /// `varchar(n)`, `numeric` to `integer`, ...: [`ChangeTo`]) compiles only in a migration with a
    /// `down`; a narrower length or precision of the same type (`varchar(100)` to `varchar(50)`) is
    /// refused when the migrations load.
    pub fn change_type<F, T>(&mut self, column: &str, from: F, to: T) -> TypeChange<'_, M>
    where
        F: SqlType + ChangeTo<T>,
        T: SqlType,
        F::Values: ChangeAllowedIn<M>,
    {
        let op = self.op(Op::ChangeColumnType {
            table: self.t(),
            column: column.into(),
            to: to.column_type(),
            using: None,
            from: Some(from.column_type()),
            using_down: None,
            assume_utc: Default::default(),
        });
        TypeChange::with(op)
    }

    /// Changes a column's type without recording the old one. Irreversible.
    pub fn change_type_unrecorded(&mut self, column: &str, to: impl SqlType) -> OpHandle<'_>
    where
        M: AllowsUnrecordedTypeChange,
    {
        self.op(Op::ChangeColumnType {
            table: self.t(),
            column: column.into(),
            to: to.column_type(),
            using: None,
            from: None,
            using_down: None,
            assume_utc: Default::default(),
        })
    }

    /// `SET NOT NULL`. Reversible.
    pub fn set_not_null(&mut self, column: &str) {
        self.op(Op::SetNotNull { table: self.t(), column: column.into() });
    }

    /// `DROP NOT NULL`. Reversible.
    pub fn drop_not_null(&mut self, column: &str) {
        self.op(Op::DropNotNull { table: self.t(), column: column.into() });
    }

    /// `SET DEFAULT`, typed by the column's type marker. The down drops the default, or restores the one
    /// named with [`replacing`](SetDefault::replacing).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.alter_table("users", |t| {
    ///     t.set_default("active", Boolean, true);
    ///     t.set_default("role", Text, "member").replacing("user");
    /// });
    /// # s.finish().unwrap();
    /// ```
    pub fn set_default<T: SqlType, V: DefaultFor<T>>(&mut self, column: &str, ty: T, value: V) -> SetDefault<'_, T> {
        let _ = ty;
        let handle = self.op(Op::SetDefault {
            table: self.t(),
            column: column.into(),
            default: value.into_default(),
            previous: None,
        });
        SetDefault { op: handle.op, _ty: PhantomData }
    }

    /// `DROP DEFAULT`, recording the default being dropped so the down can restore it.
    pub fn drop_default<T: SqlType, V: DefaultFor<T>>(&mut self, column: &str, ty: T, previous: V) {
        let _ = ty;
        self.op(Op::DropDefault { table: self.t(), column: column.into(), previous: Some(previous.into_default()) });
    }

    /// `DROP DEFAULT` without recording the old default. Irreversible.
    pub fn drop_default_unrecorded(&mut self, column: &str)
    where
        M: AllowsUnrecordedDropDefault,
    {
        self.op(Op::DropDefault { table: self.t(), column: column.into(), previous: None::<DefaultValue> });
    }

    /// `COMMENT ON COLUMN`; the down removes it, or restores the one named with
    /// [`replacing_comment`](OpHandle::replacing_comment).
    pub fn comment_column(&mut self, column: &str, text: impl Into<String>) -> OpHandle<'_> {
        let target = CommentTarget::Column { table: self.t(), column: column.into() };
        self.op(Op::Comment { target, comment: Some(text.into()), previous: None })
    }

    /// `COMMENT ON TABLE`; the down removes it, or restores the one named with
    /// [`replacing_comment`](OpHandle::replacing_comment).
    pub fn comment(&mut self, text: impl Into<String>) -> OpHandle<'_> {
        let target = CommentTarget::Table { table: self.t() };
        self.op(Op::Comment { target, comment: Some(text.into()), previous: None })
    }

    /// Adds a named `CHECK`. Add `.not_valid()` to skip checking existing rows now.
    pub fn add_check(&mut self, name: &str, expr: impl Into<String>) -> TableConstraint<'_> {
        self.constraint(name, ConstraintKind::Check { expr: expr.into() })
    }

    /// `ADD CONSTRAINT name UNIQUE USING INDEX index`: a unique index built `CONCURRENTLY` (in an
    /// earlier step) becomes the constraint, without a long lock. Irreversible (dropping the
    /// constraint drops the index): needs a `down`.
    pub fn add_unique_using_index(&mut self, name: &str, index: &str) -> OpHandle<'_>
    where
        M: AllowsUsingIndex,
    {
        self.using_index(name, index, false)
    }

    /// `ADD CONSTRAINT name PRIMARY KEY USING INDEX index` (see
    /// [`add_unique_using_index`](Self::add_unique_using_index); the columns must be NOT NULL).
    pub fn add_primary_key_using_index(&mut self, name: &str, index: &str) -> OpHandle<'_>
    where
        M: AllowsUsingIndex,
    {
        self.using_index(name, index, true)
    }

    fn using_index(&mut self, name: &str, index: &str, primary_key: bool) -> OpHandle<'_> {
        let (table, name, index) = (self.t(), name.into(), index.into());
        self.op(Op::AddConstraintUsingIndex { table, name, index, primary_key, deferred: false })
    }

    /// Adds a named exclusion constraint (`EXCLUDE definition`). It cannot be added `NOT VALID`:
    /// PostgreSQL builds its index and checks every row under an ACCESS EXCLUSIVE lock (lint:
    /// `adding-exclusion-constraint`).
    pub fn add_exclusion(&mut self, name: &str, definition: impl Into<String>) -> TableConstraint<'_> {
        self.constraint(name, ConstraintKind::Exclude { definition: definition.into() })
    }

    /// Adds a named `UNIQUE` constraint.
    pub fn add_unique<'a>(&mut self, name: &str, columns: impl IntoIterator<Item = &'a str>) -> TableConstraint<'_> {
        let columns = columns.into_iter().map(String::from).collect();
        self.constraint(name, ConstraintKind::Unique { columns, nulls_not_distinct: false })
    }

    /// Adds a named `PRIMARY KEY`.
    ///
    /// # Warning
    /// PostgreSQL makes the key columns NOT NULL, and dropping the constraint (the derived down) does
    /// not make them nullable again: call [`set_not_null`](Self::set_not_null) on them first in the same
    /// migration, so the down restores them exactly.
    pub fn add_primary_key<'a>(
        &mut self,
        name: &str,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> TableConstraint<'_> {
        let columns = columns.into_iter().map(String::from).collect();
        self.constraint(name, ConstraintKind::PrimaryKey { columns })
    }

    /// Adds a named foreign key. Refine with `.on_delete(..)`, `.not_valid()`, ...
    pub fn add_foreign_key<'a>(
        &mut self,
        name: &str,
        columns: impl IntoIterator<Item = &'a str>,
        ref_table: &str,
        ref_columns: impl IntoIterator<Item = &'a str>,
    ) -> TableConstraint<'_> {
        let kind = ConstraintKind::ForeignKey {
            columns: columns.into_iter().map(String::from).collect(),
            ref_table: ref_table.into(),
            ref_columns: ref_columns.into_iter().map(String::from).collect(),
            on_delete: None::<FkAction>,
            on_update: None,
        };
        self.constraint(name, kind)
    }

    /// `VALIDATE CONSTRAINT`: checks the rows of a `NOT VALID` constraint. Its down does nothing.
    pub fn validate_constraint(&mut self, name: &str) {
        self.op(Op::ValidateConstraint { table: self.t(), name: name.into() });
    }

    /// Drops a constraint. Irreversible.
    pub fn drop_constraint(&mut self, name: &str)
    where
        M: AllowsDropConstraint,
    {
        self.op(Op::DropConstraint { table: self.t(), name: name.into(), def: None });
    }

    /// Renames a constraint. Reversible.
    pub fn rename_constraint(&mut self, from: &str, to: &str) {
        self.op(Op::RenameConstraint { table: self.t(), from: from.into(), to: to.into() });
    }

    /// The recorded ops, in order; `None` when nothing was recorded (an empty ALTER).
    pub(crate) fn into_ops(self) -> Option<Vec<Op>> {
        if self.items.is_empty() {
            return None;
        }
        let AlterTable { table, items, columns, constraints, ops, .. } = self;
        let mut columns: Vec<Option<ColumnEntry>> = columns.into_inner().into_iter().map(Some).collect();
        let mut constraints: Vec<Option<ConstraintDef>> = constraints.into_inner().into_iter().map(Some).collect();
        let mut ops: Vec<Option<Op>> = ops.into_inner().into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::Column(i) => {
                    if let Some(entry) = columns[i].take() {
                        let constraints = entry.constraints(&table);
                        out.push(Op::AddColumn {
                            table: table.clone(),
                            def: AddColumnDef { column: entry.def, constraints, backfill: entry.backfill },
                        });
                    }
                }
                Item::Constraint(i) => {
                    if let Some(def) = constraints[i].take() {
                        out.push(Op::AddConstraint { table: table.clone(), def });
                    }
                }
                Item::Op(i) => out.extend(ops[i].take()),
            }
        }
        Some(out)
    }
}
