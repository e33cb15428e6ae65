//! Partitions and row-level security: the handles and option builders their `Schema` methods return
//! or take.

use super::hidden::OpMut;
use crate::op::{Op, PolicyCommand, PolicyDef};

/// A partition being created.
pub struct CreatePartition<'a> {
    pub(crate) op: OpMut<'a>,
}

impl CreatePartition<'_> {
    /// `PARTITION BY ..`: the partition is itself partitioned (`RANGE (at)`, `LIST (region)`, `HASH (id)`).
    pub fn partition_by(mut self, key: impl Into<String>) -> Self {
        if let Op::CreateTable { def } = &mut *self.op {
            def.partition_by = Some(key.into());
        }
        self
    }
}

/// A partition being detached.
pub struct DetachPartition<'a> {
    pub(crate) op: OpMut<'a>,
}

impl DetachPartition<'_> {
    /// `DETACH PARTITION .. CONCURRENTLY`: queries on the parent go on while it detaches (it runs
    /// outside a transaction, and a partitioned table with a default partition cannot use it).
    pub fn concurrently(mut self) -> Self {
        if let Op::DetachPartition { concurrently, .. } = &mut *self.op {
            *concurrently = true;
        }
        self
    }
}

/// The parts of a row-level security policy (`create_policy`): permissive, for every command and
/// every role, unless set here.
pub struct PolicyBuilder {
    pub(crate) def: PolicyDef,
}

impl PolicyBuilder {
    /// `AS RESTRICTIVE`: rows must pass this policy as well as a permissive one.
    pub fn restrictive(&mut self) -> &mut Self {
        self.def.restrictive = true;
        self
    }

    /// `FOR SELECT|INSERT|UPDATE|DELETE` (the default is `ALL`).
    pub fn command(&mut self, command: PolicyCommand) -> &mut Self {
        self.def.command = command;
        self
    }

    /// `TO role, ..` (the default is `PUBLIC`, every role). `CURRENT_USER`, `CURRENT_ROLE` and
    /// `SESSION_USER` are written as they are; other names are quoted.
    pub fn to<'a>(&mut self, roles: impl IntoIterator<Item = &'a str>) -> &mut Self {
        self.def.roles = roles.into_iter().map(String::from).collect();
        self
    }

    /// `USING (condition)`: which existing rows the command sees (and may update or delete).
    pub fn using(&mut self, condition: impl Into<String>) -> &mut Self {
        self.def.using = Some(condition.into());
        self
    }

    /// `WITH CHECK (condition)`: which rows the command may write.
    pub fn with_check(&mut self, condition: impl Into<String>) -> &mut Self {
        self.def.with_check = Some(condition.into());
        self
    }
}
