//! The schema model: replaying the ops of every migration in order gives the schema at each point
//! of the history. Replaying checks each op against the model (adding a column to a table that does
//! not exist, dropping an unknown index, a foreign key to a missing column, two objects with one
//! name, ...), and the lint rules read the model to know what an op does to an existing table.
//!
//! Raw SQL is opaque: after it, an op on an object the model does not know may be right (the raw SQL
//! may have created it), so such problems become warnings naming that raw SQL.

mod replay;

use std::collections::{BTreeMap, BTreeSet};

use crate::op::{ColumnDef, ConstraintDef, ConstraintKind, IndexDef};

pub use replay::Problem;

/// A table in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in their order.
    pub columns: Vec<ColumnDef>,
    /// Constraints by name.
    pub constraints: BTreeMap<String, ConstraintDef>,
    pub comment: Option<String>,
    /// The migration that created the table (0 when unknown).
    pub created_in: u64,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut ColumnDef> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The primary key's columns.
    pub fn primary_key(&self) -> Option<&[String]> {
        self.constraints.values().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } => Some(columns.as_slice()),
            _ => None,
        })
    }
}

/// An index in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub def: IndexDef,
    /// The constraint that owns it (a primary key or unique constraint's index).
    pub constraint: Option<String>,
    pub created_in: u64,
}

/// The schema as the migrations leave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    pub enums: BTreeMap<String, Vec<String>>,
    pub views: BTreeSet<String>,
    pub extensions: BTreeSet<String>,
    pub schemas: BTreeSet<String>,
    /// The raw SQL seen last (`m<version>_<name>`: first words), which may have changed anything.
    pub opaque: Option<String>,
}

impl Model {
    /// Whether a relation (table, index, view) has this name: they share one namespace.
    pub fn relation_exists(&self, name: &str) -> bool {
        self.tables.contains_key(name) || self.indexes.contains_key(name) || self.views.contains(name)
    }

    /// Whether the table existed before migration `version` (so changing it can lock live traffic). A
    /// table the model does not know (created by raw SQL, or before the history the code holds)
    /// counts as existing: assuming it has rows is the safe side.
    pub fn existed_before(&self, table: &str, version: u64) -> bool {
        self.tables.get(table).is_none_or(|t| t.created_in != version)
    }
}
