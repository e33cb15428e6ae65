//! `create_index` and its options.

use crate::ident::derive_name;
use crate::op::{IndexDef, IndexElem, IndexTarget, Op};

impl From<&str> for IndexElem {
    fn from(column: &str) -> Self {
        col(column)
    }
}

impl From<&String> for IndexElem {
    fn from(column: &String) -> Self {
        col(column)
    }
}

/// An index entry on a column, to refine with [`desc`](IndexElem::desc) or
/// [`opclass`](IndexElem::opclass).
pub fn col(name: &str) -> IndexElem {
    IndexElem { target: IndexTarget::Column { name: name.into() }, opclass: None, desc: false }
}

/// An index entry on an expression such as `lower(email)`. An index with an expression entry needs an
/// explicit [`name`](IndexBuilder::name).
pub fn expr(sql: impl Into<String>) -> IndexElem {
    IndexElem { target: IndexTarget::Expr { sql: sql.into() }, opclass: None, desc: false }
}

impl IndexElem {
    /// Sorts this entry descending.
    pub fn desc(mut self) -> Self {
        self.desc = true;
        self
    }

    /// Uses an operator class, e.g. `jsonb_path_ops` or `text_pattern_ops`.
    pub fn opclass(mut self, opclass: &str) -> Self {
        self.opclass = Some(opclass.into());
        self
    }
}

/// An index being defined. It is recorded when the builder is dropped (at the end of the statement).
///
/// Without [`name`](Self::name), the name is derived as PostgreSQL does: `<table>_<columns>_idx`.
pub struct IndexBuilder<'a> {
    pub(crate) ops: super::hidden::OpsMut<'a>,
    pub(crate) def: super::hidden::Index,
}

impl IndexBuilder<'_> {
    /// An explicit name.
    pub fn name(mut self, name: &str) -> Self {
        self.def.name = name.into();
        self
    }
    /// `UNIQUE`.
    pub fn unique(mut self) -> Self {
        self.def.unique = true;
        self
    }
    /// `CONCURRENTLY`: builds without blocking writes; runs outside a transaction.
    pub fn concurrently(mut self) -> Self {
        self.def.concurrently = true;
        self
    }
    /// `USING method` (`gin`, `gist`, `brin`, `hash`, ...).
    pub fn using(mut self, method: &str) -> Self {
        self.def.method = Some(method.into());
        self
    }
    /// `INCLUDE (columns)`: covering columns stored in the index.
    pub fn include<'c>(mut self, columns: impl IntoIterator<Item = &'c str>) -> Self {
        self.def.include = columns.into_iter().map(String::from).collect();
        self
    }
    /// `WHERE predicate`: a partial index.
    pub fn where_(mut self, predicate: impl Into<String>) -> Self {
        self.def.predicate = Some(predicate.into());
        self
    }
    /// `NULLS NOT DISTINCT` (unique indexes; PostgreSQL 15+).
    pub fn nulls_not_distinct(mut self) -> Self {
        self.def.nulls_not_distinct = true;
        self
    }
    /// A storage parameter, `WITH (name = value)`: `.with("fillfactor", "70")`,
    /// `.with("pages_per_range", "16")` for a BRIN index.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.def.with.push(format!("{name}={value}"));
        self
    }
}

impl Drop for IndexBuilder<'_> {
    fn drop(&mut self) {
        let mut def = std::mem::replace(&mut *self.def, IndexDef::new(""));
        if def.name.is_empty() && def.elems.iter().all(|e| matches!(e.target, IndexTarget::Column { .. })) {
            let mut parts = vec![def.table.as_str()];
            parts.extend(def.elems.iter().filter_map(|e| match &e.target {
                IndexTarget::Column { name } => Some(name.as_str()),
                IndexTarget::Expr { .. } => None,
            }));
            def.name = derive_name(&parts, "idx");
        }
        self.ops.push(Op::CreateIndex { def });
    }
}

/// A `drop_index` that can be made concurrent.
pub struct DropIndex<'a> {
    pub(crate) op: super::hidden::OpMut<'a>,
}

impl DropIndex<'_> {
    /// `DROP INDEX CONCURRENTLY`: runs outside a transaction, without blocking reads or writes.
    pub fn concurrently(mut self) -> Self {
        if let Op::DropIndex { concurrently, .. } = &mut *self.op {
            *concurrently = true;
        }
        self
    }
}

/// An `add_enum_value` that can be placed before or after an existing label.
pub struct AddEnumValue<'a> {
    pub(crate) op: super::hidden::OpMut<'a>,
}

impl AddEnumValue<'_> {
    /// `BEFORE existing`.
    pub fn before(mut self, existing: &str) -> Self {
        if let Op::AddEnumValue { position, .. } = &mut *self.op {
            *position = Some(crate::op::EnumPosition::Before { value: existing.into() });
        }
        self
    }
    /// `AFTER existing`.
    pub fn after(mut self, existing: &str) -> Self {
        if let Op::AddEnumValue { position, .. } = &mut *self.op {
            *position = Some(crate::op::EnumPosition::After { value: existing.into() });
        }
        self
    }
}

/// A `backfill` being defined.
pub struct Backfill<'a> {
    pub(crate) op: super::hidden::OpMut<'a>,
}

impl Backfill<'_> {
    /// Only the rows matching a sea-query condition (feature `sea-query`; its values are written
    /// inline).
    #[cfg(feature = "sea-query")]
    pub fn where_expr(self, filter: impl Into<sea_query::Expr>) -> Self {
        self.where_(crate::sea::expr_sql(&filter.into()))
    }

    /// Only the rows matching `filter` (an SQL condition).
    pub fn where_(mut self, filter: impl Into<String>) -> Self {
        if let Op::Backfill { filter: f, .. } = &mut *self.op {
            *f = Some(filter.into());
        }
        self
    }
    /// Rows per batch (default 1000).
    pub fn batch_size(mut self, rows: u32) -> Self {
        if let Op::Backfill { batch_size, .. } = &mut *self.op {
            *batch_size = rows;
        }
        self
    }
    /// A pause between batches, to spare a busy server (default none).
    pub fn pause_ms(mut self, ms: u32) -> Self {
        if let Op::Backfill { pause_ms, .. } = &mut *self.op {
            *pause_ms = ms;
        }
        self
    }
}
