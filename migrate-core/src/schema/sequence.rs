//! `create_sequence`: a sequence and its options.

use crate::op::{SequenceDef, SequenceOwner};
use crate::types::IntegerType;

/// The options of a sequence being created; unset ones take PostgreSQL's defaults.
pub struct SequenceOptions {
    pub(crate) def: SequenceDef,
}

impl SequenceOptions {
    /// `AS smallint | integer | bigint` (default `bigint`).
    pub fn as_type(&mut self, ty: impl IntegerType) -> &mut Self {
        self.def.data_type = Some(ty.column_type());
        self
    }

    /// `INCREMENT BY n` (default 1).
    pub fn increment(&mut self, n: i64) -> &mut Self {
        self.def.increment = Some(n);
        self
    }

    /// `MINVALUE n`.
    pub fn min(&mut self, n: i64) -> &mut Self {
        self.def.min = Some(n);
        self
    }

    /// `MAXVALUE n`.
    pub fn max(&mut self, n: i64) -> &mut Self {
        self.def.max = Some(n);
        self
    }

    /// `START WITH n`.
    pub fn start(&mut self, n: i64) -> &mut Self {
        self.def.start = Some(n);
        self
    }

    /// `CACHE n` (default 1).
    pub fn cache(&mut self, n: i64) -> &mut Self {
        self.def.cache = Some(n);
        self
    }

    /// `CYCLE`: after the last value, start again.
    pub fn cycle(&mut self) -> &mut Self {
        self.def.cycle = true;
        self
    }

    /// `OWNED BY table.column`: the sequence is dropped with the column (as a `serial` column's is).
    pub fn owned_by(&mut self, table: &str, column: &str) -> &mut Self {
        self.def.owned_by = Some(SequenceOwner { table: table.into(), column: column.into() });
        self
    }
}
