//! The schema model: replaying the ops of every migration in order gives the schema at each point
//! of the history. Replaying checks each op against the model (adding a column to a table that does
//! not exist, dropping an unknown index, a foreign key to a missing column, two objects with one
//! name, ...), and the lint rules read the model to know what an op does to an existing table.
//!
//! Raw SQL is opaque: after it, an op on an object the model does not know may be right (the raw SQL
//! may have created it), so such problems become warnings naming that raw SQL.

mod replay;

use std::collections::{BTreeMap, BTreeSet};

use crate::op::{
    ColumnDef, ConstraintDef, ConstraintKind, EnumDef, FunctionDef, IndexDef, MaterializedViewDef, Op, PartitionOf,
    PolicyDef, SequenceDef, TriggerDef, TriggerState, TypeDef, ViewDef,
};

pub use replay::Problem;
pub(crate) use replay::{mentions, uses_type};

/// A table in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in their order.
    pub columns: Vec<ColumnDef>,
    /// Constraints by name.
    pub constraints: Constraints,
    /// Its comment.
    pub comment: Option<String>,
    /// The migration that created the table (0 when unknown).
    pub created_in: u64,
    /// Its triggers by name, with whether they fire.
    pub triggers: BTreeMap<String, (TriggerDef, TriggerState)>,
    /// `PARTITION BY ..`: the key of a partitioned table.
    pub partition_by: Option<String>,
    /// The table it is a partition of, with its bound.
    pub partition_of: Option<PartitionOf>,
    /// Row-level security is enabled: its policies apply to everyone but the table's owner.
    pub row_security: bool,
    /// Row-level security is forced: the policies apply to the table's owner too.
    pub force_row_security: bool,
    /// Its row-level security policies by name.
    pub policies: BTreeMap<String, PolicyDef>,
}

impl Table {
    /// The column named `name`.
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

/// A table's constraints, sorted by name: a map from name to constraint kept in one vector (a table
/// has a handful, and a long history holds thousands of tables: a B-tree node per table cost 1.5 KB).
///
/// ```
/// use migrate_core::model::Constraints;
/// use migrate_core::op::{ConstraintDef, ConstraintKind};
/// let check = |name: &str| ConstraintDef {
///     name: name.into(),
///     kind: ConstraintKind::Check { expr: "true".into() },
///     not_valid: false,
///     deferred: false,
/// };
/// let mut ks = Constraints::default();
/// ks.insert(check("b"));
/// ks.insert(check("a"));
/// assert_eq!(ks.values().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
/// assert!(ks.remove("a").is_some() && !ks.contains_key("a"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints(Vec<ConstraintDef>);

impl Constraints {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|k| k.name.as_str().cmp(name))
    }

    /// Adds `def` under its name, replacing a constraint of that name; returns the replaced one.
    pub fn insert(&mut self, def: ConstraintDef) -> Option<ConstraintDef> {
        match self.position(&def.name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i], def)),
            Err(i) => {
                self.0.insert(i, def);
                None
            }
        }
    }

    /// The constraint named `name`.
    pub fn get(&self, name: &str) -> Option<&ConstraintDef> {
        self.position(name).ok().map(|i| &self.0[i])
    }

    /// The constraint named `name`, to change in place: not its name (the vector is kept sorted by
    /// name; rename by [`remove`](Self::remove) and [`insert`](Self::insert)).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ConstraintDef> {
        self.position(name).ok().map(|i| &mut self.0[i])
    }

    /// Whether a constraint is named `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Removes the constraint named `name` and returns it.
    pub fn remove(&mut self, name: &str) -> Option<ConstraintDef> {
        self.position(name).ok().map(|i| self.0.remove(i))
    }

    /// The constraints, by name.
    pub fn values(&self) -> std::slice::Iter<'_, ConstraintDef> {
        self.0.iter()
    }

    /// The constraints, to change in place: not their names (see [`get_mut`](Self::get_mut)).
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, ConstraintDef> {
        self.0.iter_mut()
    }

    /// The names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|k| &k.name)
    }

    /// `(name, constraint)` pairs, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ConstraintDef)> {
        self.0.iter().map(|k| (&k.name, k))
    }

    /// How many constraints there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the constraints `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&ConstraintDef) -> bool) {
        self.0.retain(keep)
    }
}

impl<'a> IntoIterator for &'a Constraints {
    type Item = (&'a String, &'a ConstraintDef);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, ConstraintDef>, fn(&'a ConstraintDef) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|k| (&k.name, k))
    }
}

/// An index in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The index as created.
    pub def: IndexDef,
    /// The constraint that owns it (a primary key or unique constraint's index).
    pub constraint: Option<String>,
    /// The migration that created the index (0 when unknown).
    pub created_in: u64,
}

/// The schema as the migrations leave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Indexes by name (those of primary key and unique constraints too).
    pub indexes: BTreeMap<String, Index>,
    /// Enum types by name, with their labels in order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// Views by name, with their queries.
    pub views: BTreeMap<String, ViewDef>,
    /// Materialized views by name.
    pub materialized_views: BTreeMap<String, MaterializedViewDef>,
    /// Composite types, domains and range types by name (enums are in `enums`).
    pub types: BTreeMap<String, TypeDef>,
    /// The extensions' names.
    pub extensions: BTreeSet<String>,
    /// The schemas' names.
    pub schemas: BTreeSet<String>,
    /// Sequences (those of identity columns are part of their column).
    pub sequences: BTreeMap<String, SequenceDef>,
    /// Functions and procedures by [`function_key`] (`name(argument types)`).
    pub functions: BTreeMap<String, FunctionDef>,
    /// Comments on objects other than tables and columns, by [`CommentTarget::key`](crate::op::CommentTarget::key).
    pub comments: BTreeMap<String, String>,
    /// The raw SQL seen last (`m<version>_<name>`: first words), which may have changed anything.
    pub opaque: Option<String>,
}

impl Model {
    /// Whether a relation (table, index, view, sequence) has this name: they share one namespace.
    pub fn relation_exists(&self, name: &str) -> bool {
        self.tables.contains_key(name)
            || self.indexes.contains_key(name)
            || self.views.contains_key(name)
            || self.materialized_views.contains_key(name)
            || self.sequences.contains_key(name)
    }

    /// The partitions of table `name` (not theirs).
    pub fn partitions<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.tables
            .iter()
            .filter(move |(_, t)| t.partition_of.as_ref().is_some_and(|p| p.parent == name))
            .map(|(n, _)| n)
    }

    /// Whether the table existed before migration `version` (so changing it can lock live traffic). A
    /// table the model does not know (created by raw SQL, or before the history the code holds)
    /// counts as existing: assuming it has rows is the safe side.
    pub fn existed_before(&self, table: &str, version: u64) -> bool {
        self.tables.get(table).is_none_or(|t| t.created_in != version)
    }
}

impl Model {
    /// A copy of the part of the model that planning `ops` reads or changes: the tables and indexes
    /// they name (with each such index's table, and the tables their foreign keys reference), the
    /// enums they name, and the small sets (views, extensions, schemas). Planning a migration's down
    /// on this copy gives the plan a copy of the whole model gives, at a cost that does not grow with
    /// the history (the runner plans one down per migration, so whole copies made planning quadratic).
    ///
    /// ```
    /// use migrate_core::model::Model;
    /// use migrate_core::op::Op;
    /// use migrate_core::prelude::*;
    /// let mut model = Model::default();
    /// for name in ["users", "posts"] {
    ///     let mut s = Schema::<migrate_core::schema::mode::ExplicitDown>::in_mode();
    ///     s.create_table(name, |t| { t.bigint("id").primary_key(); });
    ///     for op in s.finish().unwrap() { model.apply(&op, 1); }
    /// }
    /// let drop = [Op::DropTable { name: "posts".into(), def: None }];
    /// let scoped = model.scoped(&drop);
    /// assert!(scoped.tables.contains_key("posts") && !scoped.tables.contains_key("users"));
    /// ```
    pub fn scoped(&self, ops: &[Op]) -> Model {
        let mut names = BTreeSet::new();
        let mut enums = BTreeSet::new();
        for op in ops {
            named(op, &mut names, &mut enums);
        }
        let mut out = Model {
            views: self.views.clone(),
            materialized_views: self.materialized_views.clone(),
            types: self.types.clone(),
            sequences: self.sequences.clone(),
            // Function definitions hold whole bodies: copied only for ops about functions or triggers.
            functions: if ops.iter().any(about_functions) { self.functions.clone() } else { BTreeMap::new() },
            extensions: self.extensions.clone(),
            schemas: self.schemas.clone(),
            opaque: self.opaque.clone(),
            ..Model::default()
        };
        for name in names {
            if let Some(i) = self.indexes.get(name) {
                out.indexes.insert(name.to_string(), i.clone());
                out.copy_table(self, &i.def.table);
            }
            out.copy_table(self, name);
        }
        for name in enums {
            if let Some(e) = self.enums.get(name) {
                out.enums.insert(name.to_string(), e.clone());
            }
        }
        out
    }

    /// Copies table `name` from `from` (if it is there and not copied yet), with the tables its foreign
    /// keys reference.
    fn copy_table(&mut self, from: &Model, name: &str) {
        if self.tables.contains_key(name) {
            return;
        }
        let Some(t) = from.tables.get(name) else { return };
        self.tables.insert(name.to_string(), t.clone());
        // A partition's parent and a partitioned table's partitions: a change to the parent's
        // columns reaches them.
        if let Some(p) = &t.partition_of {
            self.copy_table(from, &p.parent);
        }
        if t.partition_by.is_some() {
            for child in from.partitions(name) {
                self.copy_table(from, child);
            }
        }
        for k in t.constraints.values() {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &k.kind
                && let Some(r) = from.tables.get(ref_table)
            {
                self.tables.entry(ref_table.clone()).or_insert_with(|| r.clone());
            }
        }
    }
}

/// Whether `op` (or what raw SQL declares) creates, drops or uses a function: a trigger runs one.
fn about_functions(op: &Op) -> bool {
    match op {
        Op::CreateFunction { .. } | Op::DropFunction { .. } | Op::CreateTrigger { .. } => true,
        Op::Comment { target: crate::op::CommentTarget::Function { .. }, .. } => true,
        Op::Sql { declares, .. } => declares.iter().any(about_functions),
        _ => false,
    }
}

/// The relations (tables, indexes, constraints that own an index) and enums `op` names.
fn named<'a>(op: &'a Op, names: &mut BTreeSet<&'a str>, enums: &mut BTreeSet<&'a str>) {
    let refs = |k: &'a ConstraintDef, names: &mut BTreeSet<&'a str>| {
        names.insert(&k.name);
        if let ConstraintKind::ForeignKey { ref_table, .. } = &k.kind {
            names.insert(ref_table);
        }
    };
    match op {
        Op::CreateTable { def } => {
            names.insert(&def.name);
            names.extend(def.partition_of.as_ref().map(|p| p.parent.as_str()));
            def.constraints.iter().for_each(|k| refs(k, names));
        }
        Op::DropTable { name, .. } => {
            names.insert(name);
        }
        Op::RenameTable { from, to } | Op::RenameIndex { from, to } => {
            names.extend([from.as_str(), to.as_str()]);
        }
        Op::AddColumn { table, def } => {
            names.insert(table);
            def.constraints.iter().for_each(|k| refs(k, names));
        }
        Op::AddConstraint { table, def } => {
            names.insert(table);
            refs(def, names);
        }
        Op::DropConstraint { table, name, .. } | Op::ValidateConstraint { table, name } => {
            names.extend([table.as_str(), name.as_str()]);
        }
        Op::RenameConstraint { table, from, to } => {
            names.extend([table.as_str(), from.as_str(), to.as_str()]);
        }
        Op::Backfill { table, .. } | Op::SetIdentityValue { table, .. } | Op::SetRowSecurity { table, .. } => {
            names.insert(table);
        }
        Op::AttachPartition { parent, name, .. } | Op::DetachPartition { parent, name, .. } => {
            names.extend([parent.as_str(), name.as_str()]);
        }
        Op::CreatePolicy { def: PolicyDef { table, .. } } | Op::DropPolicy { table, .. } => {
            names.insert(table);
        }
        Op::DropColumn { .. }
        | Op::RenameColumn { .. }
        | Op::ChangeColumnType { .. }
        | Op::SetNotNull { .. }
        | Op::DropNotNull { .. }
        | Op::SetDefault { .. }
        | Op::DropDefault { .. }
        | Op::Comment { .. } => names.extend(crate::lint::rules::helpers::table_of(op)),
        Op::CreateIndex { def } => {
            names.extend([def.name.as_str(), def.table.as_str()]);
        }
        Op::DropIndex { name, .. } | Op::CreateView { def: ViewDef { name, .. } } | Op::DropView { name, .. } => {
            names.insert(name);
        }
        Op::CreateEnum { def: EnumDef { name, .. } }
        | Op::AddEnumValue { name, .. }
        | Op::RenameEnumValue { name, .. }
        | Op::DropEnum { name, .. } => {
            enums.insert(name);
        }
        Op::Sql { declares, .. } => declares.iter().for_each(|d| named(d, names, enums)),
        Op::Reindex { name, .. } => {
            names.insert(name);
        }
        Op::AddConstraintUsingIndex { table, name, index, .. } => {
            names.extend([table.as_str(), name.as_str(), index.as_str()]);
        }
        Op::SetStatistics { table, .. } => {
            names.insert(table);
        }
        Op::CreateTrigger { def: TriggerDef { table, .. } }
        | Op::DropTrigger { table, .. }
        | Op::SetTriggerState { table, .. } => {
            names.insert(table);
        }
        Op::CreateExtension { .. }
        | Op::CreateSequence { .. }
        | Op::DropSequence { .. }
        | Op::SetSequenceValue { .. }
        | Op::CreateFunction { .. }
        | Op::DropFunction { .. }
        | Op::CreateMaterializedView { .. }
        | Op::DropMaterializedView { .. }
        | Op::RefreshMaterializedView { .. }
        | Op::CreateType { .. }
        | Op::DropType { .. }
        | Op::AddDomainCheck { .. }
        | Op::ValidateDomainCheck { .. }
        | Op::DropDomainCheck { .. }
        | Op::DropExtension { .. }
        | Op::CreateSchema { .. }
        | Op::DropSchema { .. }
        | Op::DataStep { .. } => {}
    }
}

/// How the model names a function or procedure: `name(type, ..)` with the types of the arguments that
/// identify it, each as PostgreSQL spells it (`int4` and `int` are `integer`).
///
/// ```
/// use migrate_core::model::function_key;
/// assert_eq!(function_key("add", &["int".into(), "INT8".into()]), "add(integer, bigint)");
/// ```
pub fn function_key(name: &str, arg_types: &[String]) -> String {
    let types: Vec<String> = arg_types.iter().map(|t| crate::sql_ops::type_key(t)).collect();
    format!("{name}({})", types.join(", "))
}
