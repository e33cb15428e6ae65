//! The typed schema builder: what `fn up(s: &mut Schema)` receives.

mod alter;
mod column;
mod hidden;
mod index;
pub mod mode;
mod partition;
mod routine;
mod sequence;
mod table;
mod types;

pub use alter::{AlterTable, OpHandle, SetDefault, TypeChange};
pub use column::{ColumnBuilder, ColumnMethods};
#[doc(hidden)]
pub use column::{ColumnEntry, ColumnRef};
pub use index::{AddEnumValue, Backfill, DropIndex, IndexBuilder, col, expr};
pub use partition::{CreatePartition, DetachPartition, PolicyBuilder};
pub use routine::{ArgType, FunctionBuilder, TriggerBuilder};
pub use sequence::SequenceOptions;
pub use table::{CreateTable, TableConstraint};
pub use types::{
    AddDomainCheck, CommentOn, CompositeFields, CreateMaterializedView, CreateView, DomainOptions, RangeOptions,
    RefreshMaterializedView, Reindex, SetStatistics,
};

use crate::error::BuildErrors;
use crate::op::{EnumDef, ExtensionDef, IndexDef, IndexElem, Op, ViewDef};
use mode::*;

/// Raw SQL being recorded.
pub struct RawSql<'a> {
    op: hidden::OpMut<'a>,
}

impl RawSql<'_> {
    /// Declares what the SQL does to the schema, as builder calls that are never rendered: the schema
    /// model (lint, the safe plan) applies them, so it stays exact after raw SQL.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.sql_with_down("CREATE TABLE audit (id bigint PRIMARY KEY) PARTITION BY RANGE (id)", "DROP TABLE audit")
    ///     .declares(|d| d.create_table("audit", |t| { t.bigint("id").primary_key(); }));
    /// # s.finish().unwrap();
    /// ```
    pub fn declares(mut self, f: impl FnOnce(&mut Schema<ExplicitDown>)) -> Self {
        let mut d = Schema::<ExplicitDown>::in_mode();
        f(&mut d);
        if let Op::Sql { declares, .. } = &mut *self.op {
            declares.extend(d.ops.into_inner());
        }
        self
    }
}

/// Records schema changes as ops. `M` is the migration's mode (see [`mode`]): in the default
/// [`DerivedDown`] mode only reversible changes compile.
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::render::render_script;
///
/// let mut s = Schema::new();
/// s.create_enum("role", ["user", "admin"]);
/// s.create_table("users", |t| {
///     t.bigint("id").identity().primary_key();
///     t.enumeration("role", "role").not_null().default("user");
/// });
/// s.create_index("users", ["role"]);
/// assert_eq!(
///     render_script(&s.finish().unwrap()),
///     "CREATE TYPE \"role\" AS ENUM ('user', 'admin');\n\
///      CREATE TABLE \"users\" (\"id\" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, \"role\" \"role\" NOT NULL DEFAULT 'user', CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"));\n\
///      CREATE INDEX \"users_role_idx\" ON \"users\" (\"role\");\n"
/// );
/// ```
pub struct Schema<M: ?Sized = DerivedDown> {
    ops: hidden::Ops,
    errors: BuildErrors,
    // The last field, so that a builder with every op allowed passes as `Schema<ExplicitDown>` (an
    // unsizing coercion, which fails with `HasDown`'s message for a migration without `down`).
    _mode: M,
}

impl Schema<DerivedDown> {
    /// A schema builder in the default mode (reversible changes only).
    pub fn new() -> Self {
        Schema::<DerivedDown>::in_mode()
    }
}

impl Default for Schema<DerivedDown> {
    fn default() -> Self {
        Schema::new()
    }
}

impl<M: BuilderMode> Schema<M> {
    /// A builder in mode `M`. `#[migration]` picks the mode; this is for tests and tools.
    pub fn in_mode() -> Self {
        Schema { ops: hidden::Ops::new(Vec::new()), errors: BuildErrors::default(), _mode: M::VALUE }
    }

    /// Validates the recorded ops and returns them. Every problem is reported, each naming the op and
    /// the object (see [`crate::validate`]).
    pub fn finish(self) -> Result<Vec<Op>, BuildErrors> {
        let mut errors = self.errors;
        errors.0.extend(crate::validate::validate_ops(&self.ops));
        if errors.0.is_empty() { Ok(self.ops.into_inner()) } else { Err(errors) }
    }
}

impl Schema<ExplicitDown> {
    /// A builder in which every op is allowed ([`WithDown`] mode), as tests of a helper that takes
    /// `&mut Schema<ExplicitDown>` make it: `&mut` of it passes as `&mut Schema<ExplicitDown>`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// use migrate_core::schema::mode::ExplicitDown;
    ///
    /// let mut s = Schema::<ExplicitDown>::in_mode();
    /// s.drop_table("legacy");
    /// assert_eq!(s.finish().unwrap().len(), 1);
    /// ```
    pub fn in_mode() -> Schema<WithDown> {
        Schema::<WithDown>::in_mode()
    }
}

impl<M: ?Sized + Mode> Schema<M> {
    /// The ops recorded so far.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Records `op`; the builders that refine it afterwards hold the returned handle.
    fn push(&mut self, op: Op) -> hidden::OpMut<'_> {
        let i = self.ops.len();
        self.ops.push(op);
        hidden::OpMut::new(&mut self.ops[i])
    }

    /// `CREATE TABLE`. Reversible (the down drops it).
    pub fn create_table(&mut self, name: &str, body: impl FnOnce(&mut CreateTable)) {
        // The closure makes this method generic, so it is compiled once per migration: it only calls
        // the closure between two functions compiled once, in this crate.
        let mut t = CreateTable::new(name);
        body(&mut t);
        create_table_done(&mut self.ops, &mut self.errors, t);
    }

    /// `DROP TABLE`. Irreversible.
    pub fn drop_table(&mut self, name: &str)
    where
        M: AllowsDropTable,
    {
        self.push(Op::DropTable { name: name.into(), def: None });
    }

    /// `ALTER TABLE .. RENAME TO`. Reversible.
    pub fn rename_table(&mut self, from: &str, to: &str) {
        self.push(Op::RenameTable { from: from.into(), to: to.into() });
    }

    /// Changes an existing table: add, drop, rename and change columns, add and drop constraints.
    /// Recording nothing is an error (an empty ALTER).
    pub fn alter_table(&mut self, name: &str, body: impl FnOnce(&mut AlterTable<M>)) {
        // As in `create_table`: the per-migration instance only calls the closure.
        let mut t = AlterTable::new(name);
        body(&mut t);
        alter_table_done(&mut self.ops, &mut self.errors, name, t.into_ops());
    }

    /// Drops a column: shorthand for `alter_table(table, |t| t.drop_column(column))`. Irreversible.
    pub fn drop_column(&mut self, table: &str, column: &str)
    where
        M: AllowsDropColumn,
    {
        self.alter_table(table, |t| t.drop_column(column));
    }

    /// Renames a column: shorthand for `alter_table(table, |t| t.rename_column(from, to))`. Reversible.
    pub fn rename_column(&mut self, table: &str, from: &str, to: &str) {
        self.alter_table(table, |t| t.rename_column(from, to));
    }

    /// `CREATE INDEX` on columns or [`expr`]essions; refine with the [`IndexBuilder`] methods.
    /// Reversible (the down drops it, concurrently if it was built so).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_index("users", [col("created_at").desc()]).concurrently();
    /// s.create_index("users", [expr("lower(email)")]).name("users_email_lower_idx").unique();
    /// s.create_index("docs", [col("body").opclass("jsonb_path_ops")]).using("gin");
    /// s.create_index("users", ["email"]).include(["name"]).where_("deleted_at IS NULL");
    /// # s.finish().unwrap();
    /// ```
    pub fn create_index<E: Into<IndexElem>>(
        &mut self,
        table: &str,
        elems: impl IntoIterator<Item = E>,
    ) -> IndexBuilder<'_> {
        let mut def = IndexDef::new(table);
        def.elems = elems.into_iter().map(Into::into).collect();
        IndexBuilder { ops: hidden::OpsMut::new(&mut self.ops), def: hidden::Index::new(def) }
    }

    /// `DROP INDEX`. Irreversible.
    pub fn drop_index(&mut self, name: &str) -> DropIndex<'_>
    where
        M: AllowsDropIndex,
    {
        DropIndex { op: self.push(Op::DropIndex { name: name.into(), concurrently: false, def: None }) }
    }

    /// `ALTER INDEX .. RENAME TO`. Reversible.
    pub fn rename_index(&mut self, from: &str, to: &str) {
        self.push(Op::RenameIndex { from: from.into(), to: to.into() });
    }

    /// `CREATE TYPE .. AS ENUM`. Reversible.
    pub fn create_enum<'a>(&mut self, name: &str, values: impl IntoIterator<Item = &'a str>) {
        let values = values.into_iter().map(String::from).collect();
        self.push(Op::CreateEnum { def: EnumDef { name: name.into(), values } });
    }

    /// `ALTER TYPE .. ADD VALUE`. Irreversible: PostgreSQL cannot remove an enum value.
    pub fn add_enum_value(&mut self, name: &str, value: &str) -> AddEnumValue<'_>
    where
        M: AllowsAddEnumValue,
    {
        AddEnumValue { op: self.push(Op::AddEnumValue { name: name.into(), value: value.into(), position: None }) }
    }

    /// `ALTER TYPE .. RENAME VALUE`. Reversible.
    pub fn rename_enum_value(&mut self, name: &str, from: &str, to: &str) {
        self.push(Op::RenameEnumValue { name: name.into(), from: from.into(), to: to.into() });
    }

    /// `DROP TYPE` of an enum. Irreversible.
    pub fn drop_enum(&mut self, name: &str)
    where
        M: AllowsDropEnum,
    {
        self.push(Op::DropEnum { name: name.into(), def: None });
    }

    /// `CREATE EXTENSION`. Reversible.
    pub fn create_extension(&mut self, name: &str) {
        self.push(Op::CreateExtension { def: ExtensionDef { name: name.into(), schema: None } });
    }

    /// `CREATE EXTENSION .. SCHEMA schema`. Reversible.
    pub fn create_extension_in(&mut self, name: &str, schema: &str) {
        self.push(Op::CreateExtension { def: ExtensionDef { name: name.into(), schema: Some(schema.into()) } });
    }

    /// `DROP EXTENSION`. Irreversible.
    pub fn drop_extension(&mut self, name: &str)
    where
        M: AllowsDropExtension,
    {
        self.push(Op::DropExtension { name: name.into(), def: None });
    }

    /// `CREATE SCHEMA`. Reversible.
    pub fn create_schema(&mut self, name: &str) {
        self.push(Op::CreateSchema { name: name.into() });
    }

    /// `DROP SCHEMA` (without CASCADE: it must be empty). Irreversible.
    pub fn drop_schema(&mut self, name: &str)
    where
        M: AllowsDropSchema,
    {
        self.push(Op::DropSchema { name: name.into(), recreate: false });
    }

    /// `CREATE SEQUENCE name` with the options `f` sets. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_sequence("invoice_numbers", |q| {
    ///     q.as_type(Integer).start(1000).increment(10);
    /// });
    /// let ops = s.finish().unwrap();
    /// assert_eq!(
    ///     migrate_core::render::render_script(&ops),
    ///     "CREATE SEQUENCE \"invoice_numbers\" AS integer INCREMENT BY 10 START WITH 1000;\n"
    /// );
    /// ```
    pub fn create_sequence(&mut self, name: &str, f: impl FnOnce(&mut SequenceOptions)) {
        let mut q = SequenceOptions { def: crate::op::SequenceDef { name: name.into(), ..Default::default() } };
        f(&mut q);
        self.push(Op::CreateSequence { def: q.def });
    }

    /// `SELECT setval(name, value, true)`: the sequence's next value is the one after `value`. Its
    /// down leaves the sequence where it is (a position is data, not schema).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_sequence("invoice_numbers", |_| {});
    /// s.set_sequence_value("invoice_numbers", 41);
    /// assert!(migrate_core::render::render_script(&s.finish().unwrap()).ends_with("SELECT setval('\"invoice_numbers\"', 41, true);\n"));
    /// ```
    pub fn set_sequence_value(&mut self, name: &str, value: i64) {
        self.push(Op::SetSequenceValue { name: name.into(), value, is_called: true });
    }

    /// `setval` of an identity column's sequence: its next value is the one after `value`. Its down
    /// leaves the numbering where it is.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_table("invoices", |t| { t.bigint("number").identity().primary_key(); });
    /// s.set_identity_value("invoices", "number", 1000);
    /// let sql = migrate_core::render::render_script(&s.finish().unwrap());
    /// assert!(sql.ends_with("SELECT setval(pg_get_serial_sequence('\"invoices\"', 'number'), 1000, true);\n"));
    /// ```
    pub fn set_identity_value(&mut self, table: &str, column: &str, value: i64) {
        self.push(Op::SetIdentityValue { table: table.into(), column: column.into(), value });
    }

    /// `DROP SEQUENCE`. Irreversible.
    pub fn drop_sequence(&mut self, name: &str)
    where
        M: AllowsDropSequence,
    {
        self.push(Op::DropSequence { name: name.into(), def: None });
    }

    /// `CREATE FUNCTION name(..)` as `f` writes it. Reversible: the down drops it (by its name and
    /// argument types). See [`FunctionBuilder`].
    pub fn create_function(&mut self, name: &str, f: impl FnOnce(&mut FunctionBuilder)) {
        self.push(Op::CreateFunction { def: routine(name, crate::op::RoutineKind::Function, f), or_replace: false });
    }

    /// `CREATE PROCEDURE name(..)` as `f` writes it (no result: leave `returns` out). Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_procedure("purge", |p| {
    ///     p.arg("days", Integer).language("sql").body("DELETE FROM events WHERE at < now() - days * interval '1 day'");
    /// });
    /// let down = migrate_core::reverse::reverse_ops(&s.finish().unwrap()).unwrap();
    /// assert_eq!(migrate_core::render::render_script(&down), "DROP PROCEDURE \"purge\"(integer);\n");
    /// ```
    pub fn create_procedure(&mut self, name: &str, f: impl FnOnce(&mut FunctionBuilder)) {
        self.push(Op::CreateFunction { def: routine(name, crate::op::RoutineKind::Procedure, f), or_replace: false });
    }

    /// `CREATE OR REPLACE FUNCTION`: a new definition of an existing function. Irreversible (the old
    /// definition is not known to the down): write a `down` that creates the old one again.
    pub fn replace_function(&mut self, name: &str, f: impl FnOnce(&mut FunctionBuilder))
    where
        M: AllowsReplaceFunction,
    {
        self.push(Op::CreateFunction { def: routine(name, crate::op::RoutineKind::Function, f), or_replace: true });
    }

    /// `DROP FUNCTION name(arg_types)`, the types of the arguments that identify it (`["integer"]`,
    /// `[]`). Irreversible.
    pub fn drop_function<S: Into<String>>(&mut self, name: &str, arg_types: impl IntoIterator<Item = S>)
    where
        M: AllowsDropFunction,
    {
        let arg_types = arg_types.into_iter().map(Into::into).collect();
        self.push(Op::DropFunction { name: name.into(), arg_types, kind: crate::op::RoutineKind::Function, def: None });
    }

    /// `DROP PROCEDURE name(arg_types)`. Irreversible.
    pub fn drop_procedure<S: Into<String>>(&mut self, name: &str, arg_types: impl IntoIterator<Item = S>)
    where
        M: AllowsDropFunction,
    {
        let arg_types = arg_types.into_iter().map(Into::into).collect();
        self.push(Op::DropFunction {
            name: name.into(),
            arg_types,
            kind: crate::op::RoutineKind::Procedure,
            def: None,
        });
    }

    /// `CREATE TRIGGER name .. ON table` as `f` writes it. Reversible. See [`TriggerBuilder`].
    pub fn create_trigger(&mut self, table: &str, name: &str, f: impl FnOnce(&mut TriggerBuilder)) {
        let mut t = TriggerBuilder::new(table, name);
        f(&mut t);
        self.push(Op::CreateTrigger { def: t.def });
    }

    /// `DROP TRIGGER name ON table`. Irreversible.
    pub fn drop_trigger(&mut self, table: &str, name: &str)
    where
        M: AllowsDropTrigger,
    {
        self.push(Op::DropTrigger { table: table.into(), name: name.into(), def: None });
    }

    /// `ALTER TABLE table DISABLE TRIGGER name`. Reversible: the down enables it again.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.disable_trigger("posts", "posts_touch");
    /// let down = migrate_core::reverse::reverse_ops(&s.finish().unwrap()).unwrap();
    /// assert_eq!(migrate_core::render::render_script(&down), "ALTER TABLE \"posts\" ENABLE TRIGGER \"posts_touch\";\n");
    /// ```
    pub fn disable_trigger(&mut self, table: &str, name: &str) {
        self.set_trigger_state(table, name, crate::op::TriggerState::Disabled, crate::op::TriggerState::Enabled);
    }

    /// `ALTER TABLE table ENABLE TRIGGER name`. Reversible: the down disables it again.
    pub fn enable_trigger(&mut self, table: &str, name: &str) {
        self.set_trigger_state(table, name, crate::op::TriggerState::Enabled, crate::op::TriggerState::Disabled);
    }

    /// `ALTER TABLE table ENABLE [REPLICA | ALWAYS] / DISABLE TRIGGER name`, from `previous` (which
    /// the down restores).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.set_trigger_state("posts", "posts_touch", TriggerState::Replica, TriggerState::Enabled);
    /// let sql = migrate_core::render::render_script(&s.finish().unwrap());
    /// assert_eq!(sql, "ALTER TABLE \"posts\" ENABLE REPLICA TRIGGER \"posts_touch\";\n");
    /// ```
    pub fn set_trigger_state(
        &mut self,
        table: &str,
        name: &str,
        state: crate::op::TriggerState,
        previous: crate::op::TriggerState,
    ) {
        self.push(Op::SetTriggerState { table: table.into(), name: name.into(), state, previous: Some(previous) });
    }

    /// `CREATE TABLE name PARTITION OF parent bound`: a partition of a partitioned table
    /// ([`CreateTable::partition_by`]), with its parent's columns. `bound` is
    /// `FOR VALUES FROM (..) TO (..)` (range), `FOR VALUES IN (..)` (list),
    /// `FOR VALUES WITH (MODULUS m, REMAINDER r)` (hash) or `DEFAULT`. Reversible (the down drops it).
    pub fn create_partition(&mut self, name: &str, parent: &str, bound: &str) -> CreatePartition<'_> {
        let def = crate::op::TableDef {
            name: name.into(),
            partition_of: Some(crate::op::PartitionOf { parent: parent.into(), bound: bound.into() }),
            ..Default::default()
        };
        CreatePartition { op: self.push(Op::CreateTable { def }) }
    }

    /// `ALTER TABLE parent ATTACH PARTITION name bound`: an existing table (with the parent's columns)
    /// becomes a partition. PostgreSQL reads every row to check the bound while writes to the table
    /// wait; with `safe_operations` on, the plan first adds the bound as a CHECK constraint
    /// `NOT VALID`, validates it (writes go on), attaches (the check implies the bound: no scan) and
    /// drops the check. Reversible: the down detaches it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.attach_partition("events", "events_2025", "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    /// let down = migrate_core::reverse::reverse_ops(&s.finish().unwrap()).unwrap();
    /// assert_eq!(migrate_core::render::render_script(&down), "ALTER TABLE \"events\" DETACH PARTITION \"events_2025\";\n");
    /// ```
    pub fn attach_partition(&mut self, parent: &str, name: &str, bound: &str) {
        self.push(Op::AttachPartition { parent: parent.into(), name: name.into(), bound: bound.into() });
    }

    /// `ALTER TABLE parent DETACH PARTITION name`: the partition becomes a table of its own.
    /// `.concurrently()` does not block queries on the parent. Reversible: the down attaches it again
    /// with `bound` (its bound now).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.detach_partition("events", "events_2020", "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')").concurrently();
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "ALTER TABLE \"events\" DETACH PARTITION \"events_2020\" CONCURRENTLY;\n"
    /// );
    /// ```
    pub fn detach_partition(&mut self, parent: &str, name: &str, bound: &str) -> DetachPartition<'_> {
        let op =
            Op::DetachPartition { parent: parent.into(), name: name.into(), bound: bound.into(), concurrently: false };
        DetachPartition { op: self.push(op) }
    }

    /// `ALTER TABLE table ENABLE ROW LEVEL SECURITY`: the table's policies decide which rows each role
    /// sees and writes (with none, no rows), for every role but the owner and superusers. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.enable_row_level_security("documents");
    /// s.create_policy("documents", "documents_owner", |p| {
    ///     p.to(["app"]).using("owner = current_user");
    /// });
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "ALTER TABLE \"documents\" ENABLE ROW LEVEL SECURITY;\n\
    ///      CREATE POLICY \"documents_owner\" ON \"documents\" TO \"app\" USING (owner = current_user);\n"
    /// );
    /// ```
    pub fn enable_row_level_security(&mut self, table: &str) {
        self.set_row_security(table, crate::op::RowSecurity::Enable);
    }

    /// `ALTER TABLE table FORCE ROW LEVEL SECURITY`: the policies apply to the table's owner too.
    /// Reversible.
    pub fn force_row_level_security(&mut self, table: &str) {
        self.set_row_security(table, crate::op::RowSecurity::Force);
    }

    /// `ALTER TABLE table ENABLE|DISABLE|FORCE|NO FORCE ROW LEVEL SECURITY`. Reversible: the down sets
    /// the inverse.
    pub fn set_row_security(&mut self, table: &str, setting: crate::op::RowSecurity) {
        self.push(Op::SetRowSecurity { table: table.into(), setting });
    }

    /// `CREATE POLICY name ON table ..` as `f` writes it (see [`PolicyBuilder`]). Reversible.
    pub fn create_policy(&mut self, table: &str, name: &str, f: impl FnOnce(&mut PolicyBuilder)) {
        let mut p = PolicyBuilder {
            def: crate::op::PolicyDef { name: name.into(), table: table.into(), ..Default::default() },
        };
        f(&mut p);
        self.push(Op::CreatePolicy { def: p.def });
    }

    /// `DROP POLICY name ON table`. Irreversible.
    pub fn drop_policy(&mut self, table: &str, name: &str)
    where
        M: AllowsDropPolicy,
    {
        self.push(Op::DropPolicy { table: table.into(), name: name.into(), def: None });
    }

    /// `REINDEX INDEX name`: rebuilds a bloated or corrupt index. Plain `REINDEX` blocks writes to
    /// the table (lint `reindex-without-concurrently`); `.concurrently()` does not. Its down does
    /// nothing.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.reindex_index("users_email_idx").concurrently();
    /// assert_eq!(migrate_core::render::render_script(&s.finish().unwrap()), "REINDEX INDEX CONCURRENTLY \"users_email_idx\";\n");
    /// ```
    pub fn reindex_index(&mut self, name: &str) -> Reindex<'_> {
        Reindex { op: self.push(Op::Reindex { table: false, name: name.into(), concurrently: false }) }
    }

    /// `REINDEX TABLE name`: rebuilds every index of the table (see [`reindex_index`](Self::reindex_index)).
    pub fn reindex_table(&mut self, name: &str) -> Reindex<'_> {
        Reindex { op: self.push(Op::Reindex { table: true, name: name.into(), concurrently: false }) }
    }

    /// `ALTER TABLE table ALTER COLUMN column SET STATISTICS value` (-1: the server's default): how
    /// much `ANALYZE` samples for the planner. Reversible: the down sets the default again, or the
    /// value given with `.replacing(previous)`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.set_statistics("events", "kind", 1000);
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "ALTER TABLE \"events\" ALTER COLUMN \"kind\" SET STATISTICS 1000;\n"
    /// );
    /// ```
    pub fn set_statistics(&mut self, table: &str, column: &str, value: i32) -> SetStatistics<'_> {
        SetStatistics {
            op: self.push(Op::SetStatistics { table: table.into(), column: column.into(), value, previous: None }),
        }
    }

    /// `COMMENT ON target IS text` (tables and columns also have `t.comment(..)` and
    /// `t.comment_column(..)`). Reversible: the down removes the comment, or restores the one given
    /// with `.replacing(previous)`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.comment_on(CommentTarget::Function { name: "add".into(), arg_types: vec!["integer".into()], kind: Default::default() }, "Adds one.");
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "COMMENT ON FUNCTION \"add\"(integer) IS 'Adds one.';\n"
    /// );
    /// ```
    pub fn comment_on(&mut self, target: crate::op::CommentTarget, text: &str) -> CommentOn<'_> {
        CommentOn { op: self.push(Op::Comment { target, comment: Some(text.into()), previous: None }) }
    }

    /// `CREATE VIEW name AS query`, with the options the returned handle sets. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_view("adults", "SELECT * FROM users WHERE age >= 18").security_barrier().check_option(CheckOption::Local);
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "CREATE VIEW \"adults\" WITH (security_barrier = true) AS SELECT * FROM users WHERE age >= 18 WITH LOCAL CHECK OPTION;\n"
    /// );
    /// ```
    pub fn create_view(&mut self, name: &str, query: impl Into<String>) -> CreateView<'_> {
        let def = ViewDef { name: name.into(), query: query.into(), ..Default::default() };
        CreateView { op: self.push(Op::CreateView { def }) }
    }

    /// `CREATE MATERIALIZED VIEW name AS query` (filled now unless `.with_no_data()`). Reversible.
    /// Its indexes are `create_index(name, ..)`, as a table's.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_materialized_view("daily_totals", "SELECT day, sum(n) AS n FROM hits GROUP BY day").with_no_data();
    /// s.create_index("daily_totals", ["day"]).unique();
    /// s.refresh_materialized_view("daily_totals");
    /// let sql = migrate_core::render::render_script(&s.finish().unwrap());
    /// assert!(sql.starts_with("CREATE MATERIALIZED VIEW \"daily_totals\" AS SELECT day, sum(n) AS n FROM hits GROUP BY day WITH NO DATA;\n"));
    /// assert!(sql.ends_with("REFRESH MATERIALIZED VIEW \"daily_totals\";\n"));
    /// ```
    pub fn create_materialized_view(&mut self, name: &str, query: impl Into<String>) -> CreateMaterializedView<'_> {
        let def =
            crate::op::MaterializedViewDef { name: name.into(), query: query.into(), columns: vec![], with_data: true };
        CreateMaterializedView { op: self.push(Op::CreateMaterializedView { def }) }
    }

    /// `REFRESH MATERIALIZED VIEW [CONCURRENTLY]`: its rows from its query again. Its down does
    /// nothing (the rows are data).
    pub fn refresh_materialized_view(&mut self, name: &str) -> RefreshMaterializedView<'_> {
        RefreshMaterializedView {
            op: self.push(Op::RefreshMaterializedView { name: name.into(), concurrently: false }),
        }
    }

    /// `DROP MATERIALIZED VIEW`. Irreversible.
    pub fn drop_materialized_view(&mut self, name: &str)
    where
        M: AllowsDropMaterializedView,
    {
        self.push(Op::DropMaterializedView { name: name.into(), def: None });
    }

    /// `CREATE TYPE name AS (field type, ..)`: a composite type. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_composite_type("address", |c| {
    ///     c.field("street", Text).field("zip", Varchar(10));
    /// });
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "CREATE TYPE \"address\" AS (\"street\" text, \"zip\" varchar(10));\n"
    /// );
    /// ```
    pub fn create_composite_type(&mut self, name: &str, f: impl FnOnce(&mut CompositeFields)) {
        self.push(Op::CreateType { def: types::composite(name, f) });
    }

    /// `CREATE DOMAIN name AS type ..` with the options `f` sets. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_domain("positive_int", Integer, |d| {
    ///     d.not_null().check("positive", "VALUE > 0");
    /// });
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "CREATE DOMAIN \"positive_int\" AS integer NOT NULL CONSTRAINT \"positive\" CHECK (VALUE > 0);\n"
    /// );
    /// ```
    pub fn create_domain(&mut self, name: &str, ty: impl ArgType, f: impl FnOnce(&mut DomainOptions)) {
        self.push(Op::CreateType { def: types::domain(name, ty.type_sql(), f) });
    }

    /// `CREATE TYPE name AS RANGE (SUBTYPE = subtype, ..)`. Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_range_type("float_range", Double, |r| {
    ///     r.subtype_diff("float8mi");
    /// });
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "CREATE TYPE \"float_range\" AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi);\n"
    /// );
    /// ```
    pub fn create_range_type(&mut self, name: &str, subtype: impl ArgType, f: impl FnOnce(&mut RangeOptions)) {
        self.push(Op::CreateType { def: types::range(name, subtype.type_sql(), f) });
    }

    /// `DROP TYPE` of a composite or range type. Irreversible.
    pub fn drop_type(&mut self, name: &str)
    where
        M: AllowsDropType,
    {
        self.push(Op::DropType { name: name.into(), domain: false, def: None });
    }

    /// `DROP DOMAIN`. Irreversible.
    pub fn drop_domain(&mut self, name: &str)
    where
        M: AllowsDropType,
    {
        self.push(Op::DropType { name: name.into(), domain: true, def: None });
    }

    /// `ALTER DOMAIN domain ADD CONSTRAINT name CHECK (condition)`; `.not_valid()` leaves the values
    /// in use unchecked (the safe form: then `validate_domain_check`). Reversible.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.add_domain_check("positive_int", "small", "VALUE < 1000").not_valid();
    /// s.validate_domain_check("positive_int", "small");
    /// assert_eq!(
    ///     migrate_core::render::render_script(&s.finish().unwrap()),
    ///     "ALTER DOMAIN \"positive_int\" ADD CONSTRAINT \"small\" CHECK (VALUE < 1000) NOT VALID;\n\
    ///      ALTER DOMAIN \"positive_int\" VALIDATE CONSTRAINT \"small\";\n"
    /// );
    /// ```
    pub fn add_domain_check(&mut self, domain: &str, name: &str, condition: &str) -> AddDomainCheck<'_> {
        let check = crate::op::DomainCheck { name: name.into(), expr: condition.into(), not_valid: false };
        AddDomainCheck { op: self.push(Op::AddDomainCheck { domain: domain.into(), check }) }
    }

    /// `ALTER DOMAIN domain VALIDATE CONSTRAINT name`: checks the values in use. Its down does nothing.
    pub fn validate_domain_check(&mut self, domain: &str, name: &str) {
        self.push(Op::ValidateDomainCheck { domain: domain.into(), name: name.into() });
    }

    /// `ALTER DOMAIN domain DROP CONSTRAINT name`. Irreversible.
    pub fn drop_domain_check(&mut self, domain: &str, name: &str)
    where
        M: AllowsDropDomainCheck,
    {
        self.push(Op::DropDomainCheck { domain: domain.into(), name: name.into(), def: None });
    }

    /// `DROP VIEW`. Irreversible.
    pub fn drop_view(&mut self, name: &str)
    where
        M: AllowsDropView,
    {
        self.push(Op::DropView { name: name.into(), def: None });
    }

    /// Raw SQL. Irreversible as a rule; say what it does to the schema with
    /// [`declares`](RawSql::declares). In a `#[migration]` without `down`, a string literal whose
    /// every statement has a derived inverse (`CREATE TABLE`, `CREATE INDEX`, `ALTER TABLE .. ADD
    /// COLUMN`, renames, ...: [`migrate_sql::derive::reversible`]) is allowed: its down is derived from
    /// the statements. Text that is not a literal needs a `down` (or `sql_with_down`).
    ///
    /// ```
    /// mod m20240101000000_create_users {
    ///     use migrate_core::prelude::*;
    ///
    ///     #[migration]
    ///     pub fn up(s: &mut Schema) {
    ///         s.sql("CREATE TABLE users (id bigint PRIMARY KEY); CREATE INDEX users_id_idx ON users (id)");
    ///     }
    /// }
    /// ```
    pub fn sql(&mut self, up: impl Into<String>) -> RawSql<'_>
    where
        M: AllowsRawSql,
    {
        RawSql { op: self.push(Op::Sql { up: up.into(), down: None, declares: vec![] }) }
    }

    /// `UPDATE table SET set` in batches by primary key, each batch a short transaction of its own;
    /// refine with `.where_(..)`, `.batch_size(..)` (default 1000), `.pause_ms(..)` (default 0).
    /// Irreversible: the values it overwrites are gone.
    pub fn backfill(&mut self, table: &str, set: impl Into<String>) -> Backfill<'_>
    where
        M: AllowsBackfill,
    {
        let op = Op::Backfill { table: table.into(), set: set.into(), filter: None, batch_size: 1000, pause_ms: 0 };
        Backfill { op: self.push(op) }
    }

    /// [`backfill`](Self::backfill) with its `SET` from sea-query: `(column, expression)` pairs
    /// (feature `sea-query`; the expressions' values are written inline, see [`crate::sea`]).
    #[cfg(feature = "sea-query")]
    pub fn backfill_set<C, E>(&mut self, table: &str, set: impl IntoIterator<Item = (C, E)>) -> Backfill<'_>
    where
        M: AllowsBackfill,
        C: sea_query::Iden,
        E: Into<sea_query::Expr>,
    {
        let set: Vec<String> = set
            .into_iter()
            .map(|(c, e)| format!("{} = {}", crate::ident::quote_ident(c.unquoted()), crate::sea::expr_sql(&e.into())))
            .collect();
        self.backfill(table, set.join(", "))
    }

    /// A step of Rust code, run with the step's transaction (its own, after the steps before it):
    /// for data changes SQL alone cannot express. Irreversible: needs a `down`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// use migrate_core::op::DataFuture;
    ///
    /// fn fill_slugs<'a>(tx: &'a tokio_postgres::Transaction<'a>) -> DataFuture<'a> {
    ///     Box::pin(async move {
    ///         for row in tx.query("SELECT id, title FROM posts WHERE slug IS NULL", &[]).await? {
    ///             let (id, title): (i64, String) = (row.get(0), row.get(1));
    ///             let slug = title.to_lowercase().replace(' ', "-");
    ///             tx.execute("UPDATE posts SET slug = $1 WHERE id = $2", &[&slug, &id]).await?;
    ///         }
    ///         Ok(())
    ///     })
    /// }
    ///
    /// let mut s = Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
    /// s.data_step("fill slugs", fill_slugs);
    /// # s.finish().unwrap();
    /// ```
    pub fn data_step(&mut self, name: &str, run: crate::op::DataStepFn)
    where
        M: AllowsDataStep,
    {
        self.push(Op::DataStep { name: name.into(), run: crate::op::DataFn::new(run) });
    }

    /// Raw SQL whose down is derived from what its statements do: written by `migrate-build` for an
    /// SQL file without `down.sql`, and by `#[migration]` for `s.sql("..")` whose literal it checked
    /// ([`migrate_sql::derive::reversible`]). The registry derives the down when the migration loads,
    /// and refuses the migration there if a statement has none.
    #[doc(hidden)]
    pub fn __sql_derived(&mut self, up: impl Into<String>) -> RawSql<'_> {
        RawSql { op: self.push(Op::Sql { up: up.into(), down: None, declares: vec![] }) }
    }

    /// Raw SQL and the SQL that undoes it. Reversible.
    pub fn sql_with_down(&mut self, up: impl Into<String>, down: impl Into<String>) -> RawSql<'_> {
        RawSql { op: self.push(Op::Sql { up: up.into(), down: Some(down.into()), declares: vec![] }) }
    }
}

/// The end of [`Schema::create_table`], outside the generic method. (Calling the closure through a
/// `dyn` here instead costs more: a vtable and a shim per closure, and an `Option::take` to call a
/// `FnOnce` through `&mut`.)
fn create_table_done(ops: &mut Vec<Op>, errors: &mut BuildErrors, t: CreateTable) {
    for c in t.columns.iter().filter(|c| c.backfill.is_some()) {
        errors.push(
            format!("create_table {}", t.name),
            format!(
                "column `{}`: `.backfill(..)` fills existing rows, and a new table has none: use `.default(..)`",
                c.def.name
            ),
        );
    }
    ops.push(Op::CreateTable { def: t.into_def() });
}

/// The end of [`Schema::alter_table`], outside the generic method.
fn alter_table_done(ops: &mut Vec<Op>, errors: &mut BuildErrors, name: &str, recorded: Option<Vec<Op>>) {
    match recorded {
        Some(recorded) => ops.extend(recorded),
        None => errors.push(format!("alter_table {name}"), "the ALTER records no change; remove it or add a change"),
    }
}

/// The definition a [`FunctionBuilder`] closure writes.
fn routine(name: &str, kind: crate::op::RoutineKind, f: impl FnOnce(&mut FunctionBuilder)) -> crate::op::FunctionDef {
    let mut b = FunctionBuilder { def: crate::op::FunctionDef { name: name.into(), kind, ..Default::default() } };
    f(&mut b);
    b.def
}
