//! `create_table`.

use super::column::{ColumnEntry, ColumnMethods};
use crate::ident::derive_name;
use crate::op::{ConstraintDef, ConstraintKind, FkAction, TableDef};

/// The body of `create_table`: columns (through [`ColumnMethods`]) and table constraints.
pub struct CreateTable {
    pub(crate) name: String,
    pub(crate) columns: super::hidden::Columns,
    pub(crate) constraints: super::hidden::Constraints,
    pub(crate) comment: Option<String>,
    pub(crate) partition_by: Option<String>,
}

impl ColumnMethods for CreateTable {
    fn __entry(&mut self, name: &str, ty: crate::op::ColumnType) -> &mut ColumnEntry {
        let i = self.columns.len();
        self.columns.push(ColumnEntry::new(name, ty));
        &mut self.columns[i]
    }
}

impl CreateTable {
    pub(crate) fn new(name: &str) -> Self {
        CreateTable {
            name: name.into(),
            columns: super::hidden::Columns::new(vec![]),
            constraints: super::hidden::Constraints::new(vec![]),
            comment: None,
            partition_by: None,
        }
    }

    fn push(&mut self, name: String, kind: ConstraintKind) -> TableConstraint<'_> {
        let i = self.constraints.len();
        self.constraints.push(ConstraintDef { name, kind, not_valid: false, deferred: false });
        TableConstraint { def: super::hidden::ConstraintMut::new(&mut self.constraints[i]) }
    }

    /// A composite `PRIMARY KEY` (constraint `<table>_pkey`).
    pub fn primary_key<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>) -> TableConstraint<'_> {
        let name = derive_name(&[&self.name], "pkey");
        self.push(name, ConstraintKind::PrimaryKey { columns: columns.into_iter().map(String::from).collect() })
    }

    /// A multi-column `UNIQUE` (constraint `<table>_<columns>_key`).
    pub fn unique<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>) -> TableConstraint<'_> {
        let columns: Vec<String> = columns.into_iter().map(String::from).collect();
        let mut parts = vec![self.name.as_str()];
        parts.extend(columns.iter().map(String::as_str));
        let name = derive_name(&parts, "key");
        self.push(name, ConstraintKind::Unique { columns, nulls_not_distinct: false })
    }

    /// A named `CHECK (expr)`.
    pub fn check(&mut self, name: &str, expr: impl Into<String>) -> TableConstraint<'_> {
        self.push(name.into(), ConstraintKind::Check { expr: expr.into() })
    }

    /// A named exclusion constraint, `EXCLUDE definition`: no two rows match on all its operators.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_extension("btree_gist");
    /// s.create_table("bookings", |t| {
    ///     t.integer("room");
    ///     t.named_type("during", "tstzrange");
    ///     t.exclude("bookings_no_overlap", "USING gist (room WITH =, during WITH &&)");
    /// });
    /// assert!(migrate_core::render::render_script(&s.finish().unwrap())
    ///     .contains(r#"CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist (room WITH =, during WITH &&)"#));
    /// ```
    pub fn exclude(&mut self, name: &str, definition: impl Into<String>) -> TableConstraint<'_> {
        self.push(name.into(), ConstraintKind::Exclude { definition: definition.into() })
    }

    /// A multi-column foreign key (constraint `<table>_<columns>_fkey`).
    pub fn foreign_key<'a>(
        &mut self,
        columns: impl IntoIterator<Item = &'a str>,
        ref_table: &str,
        ref_columns: impl IntoIterator<Item = &'a str>,
    ) -> TableConstraint<'_> {
        let columns: Vec<String> = columns.into_iter().map(String::from).collect();
        let mut parts = vec![self.name.as_str()];
        parts.extend(columns.iter().map(String::as_str));
        let name = derive_name(&parts, "fkey");
        self.push(
            name,
            ConstraintKind::ForeignKey {
                columns,
                ref_table: ref_table.into(),
                ref_columns: ref_columns.into_iter().map(String::from).collect(),
                on_delete: None,
                on_update: None,
            },
        )
    }

    /// `COMMENT ON TABLE`.
    pub fn comment(&mut self, text: impl Into<String>) {
        self.comment = Some(text.into());
    }

    /// `PARTITION BY key`: a partitioned table (`RANGE (at)`, `LIST (region)`, `HASH (id)`), whose rows
    /// live in its partitions ([`Schema::create_partition`](crate::Schema::create_partition)). Its
    /// primary key and unique constraints must include the key's columns.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("events", |t| {
    ///     t.bigint("id");
    ///     t.date("at");
    ///     t.primary_key(["id", "at"]);
    ///     t.partition_by("RANGE (at)");
    /// });
    /// s.create_partition("events_2026", "events", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
    /// let sql = migrate_core::render::render_script(&s.finish().unwrap());
    /// assert!(sql.contains(r#"PRIMARY KEY ("id", "at")) PARTITION BY RANGE (at);"#));
    /// assert!(sql.contains(r#"CREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"#));
    /// ```
    pub fn partition_by(&mut self, key: impl Into<String>) {
        self.partition_by = Some(key.into());
    }

    pub(crate) fn into_def(self) -> TableDef {
        let mut constraints = Vec::new();
        for c in self.columns.iter() {
            constraints.extend(c.constraints(&self.name));
        }
        constraints.extend(self.constraints.into_inner());
        constraints.shrink_to_fit();
        // Collected in place, the columns would keep the builder entries' larger allocation for the
        // life of the registry.
        let mut columns: Vec<_> = self.columns.into_inner().into_iter().map(|c| c.def).collect();
        columns.shrink_to_fit();
        TableDef {
            name: self.name,
            columns,
            constraints,
            comment: self.comment,
            partition_by: self.partition_by,
            partition_of: None,
        }
    }
}

/// A table constraint being defined; refine it with the methods below.
pub struct TableConstraint<'a> {
    pub(crate) def: super::hidden::ConstraintMut<'a>,
}

impl TableConstraint<'_> {
    /// Replaces the derived name.
    pub fn name(mut self, name: &str) -> Self {
        self.def.name = name.into();
        self
    }

    /// `ON DELETE` (foreign keys).
    pub fn on_delete(mut self, action: FkAction) -> Self {
        if let ConstraintKind::ForeignKey { on_delete, .. } = &mut self.def.kind {
            *on_delete = Some(action);
        }
        self
    }

    /// `ON UPDATE` (foreign keys).
    pub fn on_update(mut self, action: FkAction) -> Self {
        if let ConstraintKind::ForeignKey { on_update, .. } = &mut self.def.kind {
            *on_update = Some(action);
        }
        self
    }

    /// `NULLS NOT DISTINCT` (unique constraints; PostgreSQL 15+).
    pub fn nulls_not_distinct(mut self) -> Self {
        if let ConstraintKind::Unique { nulls_not_distinct, .. } = &mut self.def.kind {
            *nulls_not_distinct = true;
        }
        self
    }

    /// `DEFERRABLE INITIALLY DEFERRED` (unique, primary key, foreign key).
    pub fn deferred(mut self) -> Self {
        self.def.deferred = true;
        self
    }

    /// `NOT VALID` (check and foreign key, on existing tables only): existing rows are checked later by
    /// `validate_constraint`, without blocking writes meanwhile.
    pub fn not_valid(mut self) -> Self {
        self.def.not_valid = true;
        self
    }
}
