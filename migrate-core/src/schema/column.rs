//! Typed column definitions, shared by `create_table` and `alter_table`.

use std::marker::PhantomData;

use crate::ident::derive_name;
use crate::op::{ColumnDef, ConstraintDef, ConstraintKind, FkAction, Identity};
use crate::types::*;

/// A column being defined, with the constraints declared on it.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct ColumnEntry {
    pub def: ColumnDef,
    pub primary_key: bool,
    pub unique: bool,
    pub check: Option<String>,
    pub references: Option<ColumnRef>,
    pub backfill: Option<String>,
}

#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
}

impl ColumnEntry {
    pub fn new(name: &str, ty: crate::op::ColumnType) -> Self {
        ColumnEntry {
            def: ColumnDef {
                name: name.to_string(),
                ty,
                not_null: false,
                default: None,
                identity: None,
                generated: None,
                identity_options: None,
                comment: None,
            },
            primary_key: false,
            unique: false,
            check: None,
            references: None,
            backfill: None,
        }
    }

    /// The column-level constraints as named table constraints, named the way PostgreSQL names them.
    pub fn constraints(&self, table: &str) -> Vec<ConstraintDef> {
        let col = self.def.name.as_str();
        let mut out = Vec::new();
        let named = |name: String, kind| ConstraintDef { name, kind, not_valid: false, deferred: false };
        if self.primary_key {
            out.push(named(derive_name(&[table], "pkey"), ConstraintKind::PrimaryKey { columns: vec![col.into()] }));
        }
        if self.unique {
            out.push(named(
                derive_name(&[table, col], "key"),
                ConstraintKind::Unique { columns: vec![col.into()], nulls_not_distinct: false },
            ));
        }
        if let Some(expr) = &self.check {
            out.push(named(derive_name(&[table, col], "check"), ConstraintKind::Check { expr: expr.clone() }));
        }
        if let Some(r) = &self.references {
            out.push(named(
                derive_name(&[table, col], "fkey"),
                ConstraintKind::ForeignKey {
                    columns: vec![col.into()],
                    ref_table: r.table.clone(),
                    ref_columns: vec![r.column.clone()],
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                },
            ));
        }
        out
    }
}

/// A column being defined; its type `T` decides which defaults compile.
///
/// Columns are nullable unless [`not_null`](Self::not_null) or [`primary_key`](Self::primary_key) is
/// called, as in PostgreSQL.
pub struct ColumnBuilder<'a, T> {
    entry: super::hidden::ColumnMut<'a>,
    _ty: PhantomData<T>,
}

impl<T> ColumnBuilder<'_, T> {
    /// `NOT NULL`.
    pub fn not_null(mut self) -> Self {
        self.entry.def.not_null = true;
        self
    }

    /// A typed default: a literal of the column's Rust type, or an SQL expression.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("users", |t| {
    ///     t.boolean("active").not_null().default(true);
    ///     t.timestamptz("created_at").not_null().default(now());
    ///     t.array("tags", Text).default(vec!["new"]);
    /// });
    /// # s.finish().unwrap();
    /// ```
    ///
    /// A literal of another type does not compile:
    ///
    /// ```compile_fail
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("users", |t| { t.boolean("active").default("yes"); });
    /// ```
    pub fn default<V: DefaultFor<T>>(mut self, value: V) -> Self {
        self.entry.def.default = Some(value.into_default());
        self
    }

    /// `PRIMARY KEY` (constraint `<table>_pkey`); implies `NOT NULL`.
    pub fn primary_key(mut self) -> Self {
        self.entry.primary_key = true;
        self.entry.def.not_null = true;
        self
    }

    /// `UNIQUE` (constraint `<table>_<column>_key`).
    pub fn unique(mut self) -> Self {
        self.entry.unique = true;
        self
    }

    /// `CHECK (expr)` (constraint `<table>_<column>_check`).
    pub fn check(mut self, expr: impl Into<String>) -> Self {
        self.entry.check = Some(expr.into());
        self
    }

    /// A foreign key to `table(column)` (constraint `<table>_<column>_fkey`).
    pub fn references(mut self, table: &str, column: &str) -> Self {
        self.entry.references =
            Some(ColumnRef { table: table.into(), column: column.into(), on_delete: None, on_update: None });
        self
    }

    /// `ON DELETE` of the foreign key declared with [`references`](Self::references).
    pub fn on_delete(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.entry.references {
            r.on_delete = Some(action);
        }
        self
    }

    /// `ON UPDATE` of the foreign key declared with [`references`](Self::references).
    pub fn on_update(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.entry.references {
            r.on_update = Some(action);
        }
        self
    }

    /// Fills the existing rows of a column added to an existing table with an SQL expression, in
    /// batches, without long locks: the column is added nullable (with its default for new rows),
    /// filled batch by batch, then made NOT NULL (if declared) through a validated CHECK. Only for
    /// `alter_table`; the derived down drops the column.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.alter_table("users", |t| {
    ///     t.text("handle").not_null().backfill("lower(email)");
    /// });
    /// # s.finish().unwrap();
    /// ```
    pub fn backfill(mut self, expr: impl Into<String>) -> Self {
        self.entry.backfill = Some(expr.into());
        self
    }

    /// `COMMENT ON COLUMN`.
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.entry.def.comment = Some(text.into());
        self
    }

    /// `GENERATED ALWAYS AS (expression) STORED`: computed from the other columns of the row
    /// (it cannot have a default or be written to).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("people", |t| {
    ///     t.text("first").not_null();
    ///     t.text("last").not_null();
    ///     t.text("full_name").generated("first || ' ' || last");
    /// });
    /// # s.finish().unwrap();
    /// ```
    pub fn generated(mut self, expression: impl Into<String>) -> Self {
        self.entry.def.generated = Some(expression.into());
        self
    }
}

impl<T: IntegerType> ColumnBuilder<'_, T> {
    /// `GENERATED ALWAYS AS IDENTITY` (implies `NOT NULL`). Only integer columns have this method.
    pub fn identity(mut self) -> Self {
        self.entry.def.identity = Some(Identity::Always);
        self.entry.def.not_null = true;
        self
    }

    /// `GENERATED BY DEFAULT AS IDENTITY` (implies `NOT NULL`).
    pub fn identity_by_default(mut self) -> Self {
        self.entry.def.identity = Some(Identity::ByDefault);
        self.entry.def.not_null = true;
        self
    }

    /// The options of the identity column's sequence (with [`identity`](Self::identity) or
    /// [`identity_by_default`](Self::identity_by_default)).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("invoices", |t| {
    ///     t.bigint("number").identity().identity_options(IdentityOptions { start: Some(1000), ..Default::default() });
    /// });
    /// # s.finish().unwrap();
    /// ```
    pub fn identity_options(mut self, options: crate::op::IdentityOptions) -> Self {
        self.entry.def.identity_options = Some(options);
        self
    }
}

/// The typed column methods of [`CreateTable`](super::CreateTable) and [`AlterTable`](super::AlterTable)
/// (where each adds a column).
pub trait ColumnMethods {
    #[doc(hidden)]
    // Not public API.
    fn __entry(&mut self, name: &str, ty: crate::op::ColumnType) -> &mut ColumnEntry;

    /// A column of any type marker: `t.column("price", Numeric::new(10, 2))`.
    fn column<T: SqlType>(&mut self, name: &str, ty: T) -> ColumnBuilder<'_, T> {
        let entry = self.__entry(name, ty.column_type());
        ColumnBuilder { entry: super::hidden::ColumnMut::new(entry), _ty: PhantomData }
    }
    /// `smallint`.
    fn smallint(&mut self, name: &str) -> ColumnBuilder<'_, SmallInt> {
        self.column(name, SmallInt)
    }
    /// `integer`.
    fn integer(&mut self, name: &str) -> ColumnBuilder<'_, Integer> {
        self.column(name, Integer)
    }
    /// `bigint`.
    fn bigint(&mut self, name: &str) -> ColumnBuilder<'_, BigInt> {
        self.column(name, BigInt)
    }
    /// `numeric(precision, scale)`.
    fn numeric(&mut self, name: &str, precision: u16, scale: u16) -> ColumnBuilder<'_, Numeric> {
        self.column(name, Numeric::new(precision, scale))
    }
    /// `real`.
    fn real(&mut self, name: &str) -> ColumnBuilder<'_, Real> {
        self.column(name, Real)
    }
    /// `double precision`.
    fn double(&mut self, name: &str) -> ColumnBuilder<'_, Double> {
        self.column(name, Double)
    }
    /// `boolean`.
    fn boolean(&mut self, name: &str) -> ColumnBuilder<'_, Boolean> {
        self.column(name, Boolean)
    }
    /// `text`.
    fn text(&mut self, name: &str) -> ColumnBuilder<'_, Text> {
        self.column(name, Text)
    }
    /// `varchar(length)`.
    fn varchar(&mut self, name: &str, length: u32) -> ColumnBuilder<'_, Varchar> {
        self.column(name, Varchar(length))
    }
    /// `char(length)`.
    fn char(&mut self, name: &str, length: u32) -> ColumnBuilder<'_, Char> {
        self.column(name, Char(length))
    }
    /// `uuid`.
    fn uuid(&mut self, name: &str) -> ColumnBuilder<'_, Uuid> {
        self.column(name, Uuid)
    }
    /// `bytea`.
    fn bytea(&mut self, name: &str) -> ColumnBuilder<'_, Bytea> {
        self.column(name, Bytea)
    }
    /// `date`.
    fn date(&mut self, name: &str) -> ColumnBuilder<'_, Date> {
        self.column(name, Date)
    }
    /// `time`.
    fn time(&mut self, name: &str) -> ColumnBuilder<'_, Time> {
        self.column(name, Time)
    }
    /// `timestamp` (without time zone).
    fn timestamp(&mut self, name: &str) -> ColumnBuilder<'_, Timestamp> {
        self.column(name, Timestamp)
    }
    /// `timestamptz`.
    fn timestamptz(&mut self, name: &str) -> ColumnBuilder<'_, Timestamptz> {
        self.column(name, Timestamptz)
    }
    /// `interval`.
    fn interval(&mut self, name: &str) -> ColumnBuilder<'_, Interval> {
        self.column(name, Interval)
    }
    /// `json`.
    fn json(&mut self, name: &str) -> ColumnBuilder<'_, Json> {
        self.column(name, Json)
    }
    /// `jsonb`.
    fn jsonb(&mut self, name: &str) -> ColumnBuilder<'_, Jsonb> {
        self.column(name, Jsonb)
    }
    /// `inet`.
    fn inet(&mut self, name: &str) -> ColumnBuilder<'_, Inet> {
        self.column(name, Inet)
    }
    /// `cidr`.
    fn cidr(&mut self, name: &str) -> ColumnBuilder<'_, Cidr> {
        self.column(name, Cidr)
    }
    /// A column of a user enum type: `t.enumeration("role", "user_role")`.
    fn enumeration(&mut self, name: &str, enum_type: &str) -> ColumnBuilder<'_, EnumType> {
        self.column(name, EnumType(enum_type.into()))
    }
    /// An array column: `t.array("tags", Text)` is `text[]`.
    fn array<T: SqlType>(&mut self, name: &str, element: T) -> ColumnBuilder<'_, Array<T>> {
        self.column(name, Array(element))
    }
    /// A column of any other type by name: `t.named_type("search", "tsvector")`.
    fn named_type(&mut self, name: &str, type_name: &str) -> ColumnBuilder<'_, NamedType> {
        self.column(name, NamedType(type_name.into()))
    }
}
