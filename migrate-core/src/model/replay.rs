//! Applying one op to the model, checking it first.

use super::{Index, Model, Table};
use crate::op::*;

/// A problem an op has with the schema it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// An error, or a warning when raw SQL run earlier may explain it.
    pub error: bool,
    /// What does not fit: the op and the object it names.
    pub message: String,
}

struct Check<'a> {
    problems: Vec<Problem>,
    opaque: &'a Option<String>,
}

impl Check<'_> {
    /// A problem about an object the model does not know: a warning after raw SQL.
    fn unknown(&mut self, message: String) {
        match self.opaque {
            Some(sql) => self.problems.push(Problem {
                error: false,
                message: format!("{message} (the model may not know it: raw SQL ran earlier, {sql})"),
            }),
            None => self.problems.push(Problem { error: true, message }),
        }
    }

    fn fail(&mut self, message: String) {
        self.problems.push(Problem { error: true, message });
    }
}

fn constraint_columns(kind: &ConstraintKind) -> &[String] {
    match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => columns,
        ConstraintKind::ForeignKey { columns, .. } => columns,
        ConstraintKind::Check { .. } | ConstraintKind::Exclude { .. } => &[],
    }
}

fn owns_index(kind: &ConstraintKind) -> bool {
    matches!(kind, ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } | ConstraintKind::Exclude { .. })
}

impl Model {
    /// Checks `op` against the model and applies it. `version` is the migration the op belongs to.
    /// The op is applied as far as it makes sense even when it has problems, so one mistake does not
    /// cascade into many.
    pub fn apply(&mut self, op: &Op, version: u64) -> Vec<Problem> {
        let opaque = self.opaque.clone();
        let mut c = Check { problems: Vec::new(), opaque: &opaque };
        self.apply_checked(op, version, &mut c);
        self.propagate(op);
        c.problems
    }

    /// A change to a partitioned table's columns reaches its partitions, as in PostgreSQL.
    fn propagate(&mut self, op: &Op) {
        let table = match op {
            Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::RenameColumn { table, .. }
            | Op::ChangeColumnType { table, .. }
            | Op::SetNotNull { table, .. }
            | Op::DropNotNull { table, .. }
            | Op::SetDefault { table, .. }
            | Op::DropDefault { table, .. } => table,
            _ => return,
        };
        if self.tables.get(table).is_some_and(|t| t.partition_by.is_some()) {
            let renamed = match op {
                Op::RenameColumn { from, to, .. } => Some((from.as_str(), to.as_str())),
                _ => None,
            };
            self.sync_partitions(table, renamed);
        }
    }

    /// The partitions of `parent` (and theirs) take its columns, keeping their own order and
    /// comments (a comment is not inherited).
    fn sync_partitions(&mut self, parent: &str, renamed: Option<(&str, &str)>) {
        let Some(columns) = self.tables.get(parent).map(|t| t.columns.clone()) else { return };
        let children: Vec<String> = self.partitions(parent).cloned().collect();
        for child in children {
            let Some(t) = self.tables.get_mut(&child) else { continue };
            if let Some((from, to)) = renamed
                && let Some(c) = t.column_mut(from)
            {
                c.name = to.to_string();
            }
            t.columns.retain(|c| columns.iter().any(|p| p.name == c.name));
            for p in &columns {
                match t.column_mut(&p.name) {
                    Some(c) => *c = ColumnDef { comment: c.comment.take(), ..p.clone() },
                    None => t.columns.push(ColumnDef { comment: None, ..p.clone() }),
                }
            }
            if t.partition_by.is_some() {
                self.sync_partitions(&child, renamed);
            }
        }
    }

    /// `name` becomes a table of its own: it keeps what it had from `parent` (PostgreSQL's copies of
    /// its keys, foreign keys and indexes, named as PostgreSQL names them, and its checks).
    fn detach(&mut self, parent: &str, name: &str, v: u64) {
        use crate::sql_ops::object_name;
        let Some(p) = self.tables.get(parent) else { return };
        let mut keys = Vec::new();
        for k in p.constraints.values() {
            let name = match &k.kind {
                ConstraintKind::PrimaryKey { .. } => object_name(name, None, "pkey"),
                ConstraintKind::Unique { columns, .. } => object_name(name, Some(&columns.join("_")), "key"),
                ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } => k.name.clone(),
                // An exclusion constraint's copy is named from its index's columns: not known here.
                ConstraintKind::Exclude { .. } => continue,
            };
            keys.push(ConstraintDef { name, ..k.clone() });
        }
        let indexes: Vec<IndexDef> = self
            .indexes
            .values()
            .filter(|i| i.def.table == parent && i.constraint.is_none())
            .map(|i| {
                let columns: Vec<&str> = i
                    .def
                    .elems
                    .iter()
                    .map(|e| match &e.target {
                        IndexTarget::Column { name } => name.as_str(),
                        IndexTarget::Expr { .. } => "expr",
                    })
                    .collect();
                IndexDef {
                    name: object_name(name, Some(&columns.join("_")), "idx"),
                    table: name.to_string(),
                    ..i.def.clone()
                }
            })
            .collect();
        if let Some(t) = self.tables.get_mut(name) {
            t.partition_of = None;
        }
        for k in keys {
            if self.tables.get(name).is_some_and(|t| !t.constraints.contains_key(&k.name)) {
                self.add_constraint(name, &k, v);
            }
        }
        for def in indexes {
            self.indexes.entry(def.name.clone()).or_insert(Index { def, constraint: None, created_in: v });
        }
    }

    /// The table `name` as a partitioned table that can take a partition.
    fn partitioned_or_report(&self, c: &mut Check, name: &str) -> Option<&Table> {
        let t = self.tables.get(name);
        match t {
            None => c.unknown(format!("table `{name}` does not exist")),
            Some(t) if t.partition_by.is_none() => {
                c.fail(format!("table `{name}` is not partitioned: create it with `t.partition_by(..)` (PARTITION BY)"))
            }
            Some(_) => {}
        }
        t.filter(|t| t.partition_by.is_some())
    }

    /// The columns (`table.column`) whose type is `name` or an array of it.
    fn columns_of_type(&self, name: &str) -> Vec<String> {
        self.tables
            .iter()
            .flat_map(|(t, tab)| {
                tab.columns.iter().filter(|cd| uses_type(&cd.ty, name)).map(move |cd| format!("{t}.{}", cd.name))
            })
            .collect()
    }

    fn table_or_report(&self, c: &mut Check, table: &str) -> bool {
        if self.tables.contains_key(table) {
            true
        } else {
            c.unknown(format!("table `{table}` does not exist"));
            false
        }
    }

    fn check_columns(&self, c: &mut Check, table: &str, columns: &[String], what: &str) {
        if let Some(t) = self.tables.get(table) {
            for col in columns {
                if t.column(col).is_none() {
                    c.unknown(format!("{what} names column `{col}`, which table `{table}` does not have"));
                }
            }
        }
    }

    fn check_constraint(&self, c: &mut Check, table: &str, def: &ConstraintDef, own: Option<&Table>) {
        let cols = constraint_columns(&def.kind);
        match own {
            Some(t) => {
                for col in cols {
                    if t.column(col).is_none() {
                        c.fail(format!(
                            "constraint `{}` names column `{col}`, which table `{table}` does not have",
                            def.name
                        ));
                    }
                }
            }
            None => self.check_columns(c, table, cols, &format!("constraint `{}`", def.name)),
        }
        if let ConstraintKind::ForeignKey { ref_table, ref_columns, .. } = &def.kind {
            let target = if ref_table == table { own.or(self.tables.get(table)) } else { self.tables.get(ref_table) };
            match target {
                None => c.unknown(format!(
                    "foreign key `{}` references table `{ref_table}`, which does not exist",
                    def.name
                )),
                Some(t) => {
                    for col in ref_columns {
                        if t.column(col).is_none() {
                            c.unknown(format!(
                                "foreign key `{}` references column `{ref_table}.{col}`, which does not exist",
                                def.name
                            ));
                        }
                    }
                }
            }
        }
        if owns_index(&def.kind) && self.relation_exists(&def.name) {
            c.fail(format!(
                "constraint `{}` needs an index of that name, and a relation `{}` already exists",
                def.name, def.name
            ));
        }
    }

    fn add_constraint(&mut self, table: &str, def: &ConstraintDef, version: u64) {
        if owns_index(&def.kind) {
            let index = IndexDef {
                name: def.name.clone(),
                table: table.to_string(),
                elems: constraint_columns(&def.kind)
                    .iter()
                    .map(|c| IndexElem { target: IndexTarget::Column { name: c.clone() }, opclass: None, desc: false })
                    .collect(),
                unique: true,
                method: None,
                include: vec![],
                predicate: None,
                nulls_not_distinct: matches!(def.kind, ConstraintKind::Unique { nulls_not_distinct: true, .. }),
                concurrently: false,
                with: vec![],
            };
            self.indexes.insert(
                def.name.clone(),
                Index { def: index, constraint: Some(def.name.clone()), created_in: version },
            );
        }
        if let Some(t) = self.tables.get_mut(table) {
            if matches!(def.kind, ConstraintKind::PrimaryKey { .. }) {
                for col in constraint_columns(&def.kind) {
                    if let Some(cd) = t.column_mut(col) {
                        cd.not_null = true;
                    }
                }
            }
            t.constraints.insert(def.clone());
        }
    }

    /// Sets (or removes) the comment on `target`.
    fn set_comment(&mut self, c: &mut Check, target: &CommentTarget, comment: &Option<String>) {
        match target {
            CommentTarget::Table { table } => {
                if self.table_or_report(c, table)
                    && let Some(t) = self.tables.get_mut(table)
                {
                    t.comment = comment.clone();
                }
            }
            CommentTarget::Column { table, column } => {
                if let Some(cd) = self.column_mut_or_report(c, table, column) {
                    cd.comment = comment.clone();
                }
            }
            other => {
                let key = other.key();
                match comment {
                    Some(text) => {
                        self.comments.insert(key, text.clone());
                    }
                    None => {
                        self.comments.remove(&key);
                    }
                }
            }
        }
    }

    fn apply_checked(&mut self, op: &Op, v: u64, c: &mut Check) {
        match op {
            Op::CreateTable { def } => {
                if self.relation_exists(&def.name) {
                    c.fail(format!("a table, index or view named `{}` already exists", def.name));
                    return;
                }
                let mut own = Table {
                    columns: def.columns.clone(),
                    constraints: Default::default(),
                    comment: def.comment.clone(),
                    created_in: v,
                    triggers: Default::default(),
                    partition_by: def.partition_by.clone(),
                    partition_of: def.partition_of.clone(),
                    row_security: false,
                    force_row_security: false,
                    policies: Default::default(),
                };
                if let Some(p) = &def.partition_of
                    && let Some(parent) = self.partitioned_or_report(c, &p.parent)
                {
                    own.columns =
                        parent.columns.iter().map(|col| ColumnDef { comment: None, ..col.clone() }).collect();
                }
                for k in &def.constraints {
                    self.check_constraint(c, &def.name, k, Some(&own));
                }
                for col in &def.columns {
                    self.check_type(c, &col.ty);
                    self.check_default(c, &def.name, &col.name, &col.ty, col.default.as_ref());
                }
                self.tables.insert(def.name.clone(), own);
                for k in &def.constraints {
                    self.add_constraint(&def.name, k, v);
                }
            }
            Op::DropTable { name, .. } => {
                if !self.table_or_report(c, name) {
                    return;
                }
                let referencing: Vec<String> = self
                    .tables
                    .iter()
                    .filter(|(t, _)| *t != name)
                    .flat_map(|(t, tab)| {
                        tab.constraints.values().filter_map(move |k| match &k.kind {
                            ConstraintKind::ForeignKey { ref_table, .. } if ref_table == name => {
                                Some(format!("{t}.{}", k.name))
                            }
                            _ => None,
                        })
                    })
                    .collect();
                if !referencing.is_empty() {
                    c.fail(format!(
                        "table `{name}` is referenced by foreign keys {}: drop them first",
                        referencing.join(", ")
                    ));
                }
                // A partitioned table goes with its partitions.
                let children: Vec<String> = self.partitions(name).cloned().collect();
                for child in children {
                    let problems = self.apply(&Op::DropTable { name: child, def: None }, v);
                    c.problems.extend(problems);
                }
                self.tables.remove(name);
                self.indexes.retain(|_, i| &i.def.table != name);
                self.sequences.retain(|_, q| q.owned_by.as_ref().is_none_or(|o| &o.table != name));
            }
            Op::RenameTable { from, to } => {
                if !self.table_or_report(c, from) {
                    return;
                }
                if self.relation_exists(to) {
                    c.fail(format!(
                        "cannot rename table `{from}` to `{to}`: a table, index or view named `{to}` exists"
                    ));
                    return;
                }
                if let Some(mut t) = self.tables.remove(from) {
                    for (trigger, _) in t.triggers.values_mut() {
                        trigger.table = to.clone();
                    }
                    for policy in t.policies.values_mut() {
                        policy.table = to.clone();
                    }
                    self.tables.insert(to.clone(), t);
                }
                for p in self.tables.values_mut().filter_map(|t| t.partition_of.as_mut()).filter(|p| &p.parent == from) {
                    p.parent = to.clone();
                }
                for o in self.sequences.values_mut().filter_map(|q| q.owned_by.as_mut()).filter(|o| &o.table == from) {
                    o.table = to.clone();
                }
                for i in self.indexes.values_mut().filter(|i| &i.def.table == from) {
                    i.def.table = to.clone();
                }
                for t in self.tables.values_mut() {
                    for k in t.constraints.values_mut() {
                        if let ConstraintKind::ForeignKey { ref_table, .. } = &mut k.kind
                            && ref_table == from
                        {
                            *ref_table = to.clone();
                        }
                    }
                }
            }
            Op::AddColumn { table, def } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                if self.tables[table].column(&def.column.name).is_some() {
                    c.fail(format!("column `{table}.{}` already exists", def.column.name));
                    return;
                }
                self.check_type(c, &def.column.ty);
                self.check_default(c, table, &def.column.name, &def.column.ty, def.column.default.as_ref());
                if let Some(t) = self.tables.get_mut(table) {
                    t.columns.push(def.column.clone());
                }
                for k in &def.constraints {
                    let own = self.tables.get(table).cloned();
                    self.check_constraint(c, table, k, own.as_ref());
                    self.add_constraint(table, k, v);
                }
            }
            Op::DropColumn { table, column, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                let Some(t) = self.tables.get_mut(table) else { return };
                if t.column(column).is_none() {
                    c.unknown(format!("column `{table}.{column}` does not exist"));
                    return;
                }
                t.columns.retain(|cd| &cd.name != column);
                self.sequences
                    .retain(|_, q| q.owned_by.as_ref().is_none_or(|o| &o.table != table || &o.column != column));
                // PostgreSQL drops the constraints and indexes that involve the column (and the
                // sequences it owns).
                t.constraints.retain(|k| match &k.kind {
                    ConstraintKind::Check { expr } | ConstraintKind::Exclude { definition: expr } => !mentions(expr, column),
                    kind => !constraint_columns(kind).contains(column),
                });
                self.indexes.retain(|_, i| {
                    let uses = i.def.elems.iter().any(|e| match &e.target {
                        IndexTarget::Column { name } => name == column,
                        IndexTarget::Expr { sql } => mentions(sql, column),
                    }) || i.def.include.contains(column)
                        || i.def.predicate.as_deref().is_some_and(|p| mentions(p, column));
                    !(&i.def.table == table && uses)
                });
            }
            Op::RenameColumn { table, from, to } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                let Some(t) = self.tables.get_mut(table) else { return };
                if t.column(from).is_none() {
                    c.unknown(format!("column `{table}.{from}` does not exist"));
                    return;
                }
                if t.column(to).is_some() {
                    c.fail(format!("cannot rename `{table}.{from}` to `{to}`: that column exists"));
                    return;
                }
                if let Some(cd) = t.column_mut(from) {
                    cd.name = to.clone();
                }
                for o in self.sequences.values_mut().filter_map(|q| q.owned_by.as_mut()) {
                    if &o.table == table && &o.column == from {
                        o.column = to.clone();
                    }
                }
                let rename =
                    |cols: &mut Vec<String>| cols.iter_mut().filter(|x| *x == from).for_each(|x| *x = to.clone());
                for k in t.constraints.values_mut() {
                    match &mut k.kind {
                        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                            rename(columns)
                        }
                        ConstraintKind::ForeignKey { columns, .. } => rename(columns),
                        // Their texts name the column as written: the model does not rewrite SQL.
                        ConstraintKind::Check { .. } | ConstraintKind::Exclude { .. } => {}
                    }
                }
                for i in self.indexes.values_mut().filter(|i| &i.def.table == table) {
                    rename(&mut i.def.include);
                    for e in &mut i.def.elems {
                        if let IndexTarget::Column { name } = &mut e.target
                            && name == from
                        {
                            *name = to.clone();
                        }
                    }
                }
                for t in self.tables.values_mut() {
                    for k in t.constraints.values_mut() {
                        if let ConstraintKind::ForeignKey { ref_table, ref_columns, .. } = &mut k.kind
                            && ref_table == table
                        {
                            rename(ref_columns);
                        }
                    }
                }
            }
            Op::ChangeColumnType { table, column, to, from, .. } => {
                let Some(cd) = self.column_mut_or_report(c, table, column) else { return };
                if let Some(from) = from
                    && *from != cd.ty
                {
                    let (had, said) =
                        (crate::render::render_column_type(&cd.ty), crate::render::render_column_type(from));
                    c.fail(format!(
                        "column `{table}.{column}` is {had}, but the type change records its old type as {said}"
                    ));
                }
                cd.ty = to.clone();
                self.check_type(c, to);
            }
            Op::SetNotNull { table, column } | Op::DropNotNull { table, column } => {
                let set = matches!(op, Op::SetNotNull { .. });
                if let Some(cd) = self.column_mut_or_report(c, table, column) {
                    cd.not_null = set;
                }
            }
            Op::SetDefault { table, column, default, previous } => {
                if let Some(ty) = self.tables.get(table).and_then(|t| t.column(column)).map(|cd| cd.ty.clone()) {
                    self.check_default(c, table, column, &ty, Some(default));
                }
                let Some(cd) = self.column_mut_or_report(c, table, column) else { return };
                if cd.default != *previous {
                    let shown = |d: &Option<DefaultValue>| match d {
                        Some(d) => crate::render::render_default(d),
                        None => "none".into(),
                    };
                    c.fail(format!(
                        "column `{table}.{column}` has default {}, but the change records {} as the one it replaces: the derived down would not restore it (name it with `.replacing(..)`)",
                        shown(&cd.default),
                        shown(previous)
                    ));
                }
                cd.default = Some(default.clone());
            }
            Op::DropDefault { table, column, previous } => {
                let Some(cd) = self.column_mut_or_report(c, table, column) else { return };
                if previous.is_some() && cd.default != *previous {
                    c.fail(format!(
                        "column `{table}.{column}`: the recorded previous default is not the column's default"
                    ));
                }
                cd.default = None;
            }
            Op::Comment { target, comment, previous } => {
                // The derived down restores `previous`: it must be the comment there now.
                let now = match target {
                    CommentTarget::Table { table } => self.tables.get(table).map(|t| t.comment.clone()),
                    CommentTarget::Column { table, column } => {
                        self.tables.get(table).and_then(|t| t.column(column)).map(|c| c.comment.clone())
                    }
                    other => Some(self.comments.get(&other.key()).cloned()),
                };
                if let Some(now) = now
                    && now != *previous
                {
                    let shown = |t: &Option<String>| t.as_ref().map_or("none".to_string(), |t| format!("'{t}'"));
                    c.fail(format!(
                        "{} has the comment {}, but the change records {} as the one it replaces: the derived down would not restore it (name it with `.replacing_comment(..)`, or `.replacing(..)` on `comment_on`)",
                        target.sql(),
                        shown(&now),
                        shown(previous)
                    ));
                }
                self.set_comment(c, target, comment);
            }
            Op::CreateIndex { def } => {
                if self.relation_exists(&def.name) {
                    c.fail(format!("a table, index or view named `{}` already exists", def.name));
                    return;
                }
                if !self.materialized_views.contains_key(&def.table) && !self.table_or_report(c, &def.table) {
                    return;
                }
                if def.concurrently && self.tables.get(&def.table).is_some_and(|t| t.partition_by.is_some()) {
                    c.fail(format!(
                        "index `{}`: PostgreSQL cannot build an index on partitioned table `{}` CONCURRENTLY; build it \
                         on each partition concurrently, then on the parent without (it takes the partitions' indexes)",
                        def.name, def.table
                    ));
                }
                let cols: Vec<String> = def
                    .elems
                    .iter()
                    .filter_map(|e| match &e.target {
                        IndexTarget::Column { name } => Some(name.clone()),
                        IndexTarget::Expr { .. } => None,
                    })
                    .chain(def.include.iter().cloned())
                    .collect();
                self.check_columns(c, &def.table, &cols, &format!("index `{}`", def.name));
                self.indexes.insert(def.name.clone(), Index { def: def.clone(), constraint: None, created_in: v });
            }
            Op::DropIndex { name, .. } => match self.indexes.get(name) {
                None => c.unknown(format!("index `{name}` does not exist")),
                Some(Index { constraint: Some(k), .. }) => {
                    c.fail(format!("index `{name}` belongs to constraint `{k}`: drop the constraint instead"))
                }
                Some(_) => {
                    self.indexes.remove(name);
                }
            },
            Op::RenameIndex { from, to } => {
                if !self.indexes.contains_key(from) {
                    c.unknown(format!("index `{from}` does not exist"));
                    return;
                }
                if self.relation_exists(to) {
                    c.fail(format!(
                        "cannot rename index `{from}` to `{to}`: a table, index or view named `{to}` exists"
                    ));
                    return;
                }
                if let Some(mut i) = self.indexes.remove(from) {
                    i.def.name = to.clone();
                    if let Some(k) = &i.constraint {
                        // Renaming a constraint's index renames the constraint.
                        if let Some(t) = self.tables.get_mut(&i.def.table)
                            && let Some(mut def) = t.constraints.remove(k)
                        {
                            def.name = to.clone();
                            t.constraints.insert(def);
                        }
                        i.constraint = Some(to.clone());
                    }
                    self.indexes.insert(to.clone(), i);
                }
            }
            Op::AddConstraint { table, def } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                if self.tables[table].constraints.contains_key(&def.name) {
                    c.fail(format!("constraint `{}` already exists on table `{table}`", def.name));
                    return;
                }
                self.check_constraint(c, table, def, None);
                self.add_constraint(table, def, v);
            }
            Op::ValidateConstraint { table, name } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                match self.tables.get_mut(table).and_then(|t| t.constraints.get_mut(name)) {
                    Some(k) => k.not_valid = false,
                    None => c.unknown(format!("constraint `{name}` does not exist on table `{table}`")),
                }
            }
            Op::DropConstraint { table, name, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                match self.tables.get_mut(table).and_then(|t| t.constraints.remove(name)) {
                    Some(k) => {
                        if owns_index(&k.kind) {
                            self.indexes.remove(name);
                        }
                    }
                    None => c.unknown(format!("constraint `{name}` does not exist on table `{table}`")),
                }
            }
            Op::RenameConstraint { table, from, to } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                let Some(t) = self.tables.get_mut(table) else { return };
                if t.constraints.contains_key(to) {
                    c.fail(format!("constraint `{to}` already exists on table `{table}`"));
                    return;
                }
                match t.constraints.remove(from) {
                    None => c.unknown(format!("constraint `{from}` does not exist on table `{table}`")),
                    Some(mut k) => {
                        k.name = to.clone();
                        let owns = owns_index(&k.kind);
                        t.constraints.insert(k);
                        if owns && let Some(mut i) = self.indexes.remove(from) {
                            i.def.name = to.clone();
                            i.constraint = Some(to.clone());
                            self.indexes.insert(to.clone(), i);
                        }
                    }
                }
            }
            Op::CreateEnum { def } => {
                if self.enums.contains_key(&def.name) || self.types.contains_key(&def.name) {
                    c.fail(format!("type `{}` already exists", def.name));
                    return;
                }
                self.enums.insert(def.name.clone(), def.values.clone());
            }
            Op::AddEnumValue { name, value, position } => {
                let Some(values) = self.enums.get_mut(name) else {
                    c.unknown(format!("enum `{name}` does not exist"));
                    return;
                };
                if values.contains(value) {
                    c.fail(format!("enum `{name}` already has value `{value}`"));
                    return;
                }
                let at = match position {
                    Some(EnumPosition::Before { value: v }) | Some(EnumPosition::After { value: v }) => {
                        match values.iter().position(|x| x == v) {
                            None => {
                                c.fail(format!("enum `{name}` has no value `{v}` to place `{value}` next to"));
                                return;
                            }
                            Some(i) if matches!(position, Some(EnumPosition::After { .. })) => i + 1,
                            Some(i) => i,
                        }
                    }
                    None => values.len(),
                };
                values.insert(at, value.clone());
            }
            Op::RenameEnumValue { name, from, to } => {
                let Some(values) = self.enums.get_mut(name) else {
                    c.unknown(format!("enum `{name}` does not exist"));
                    return;
                };
                if values.contains(to) {
                    c.fail(format!("enum `{name}` already has value `{to}`"));
                } else if let Some(x) = values.iter_mut().find(|x| *x == from) {
                    *x = to.clone();
                } else {
                    c.unknown(format!("enum `{name}` has no value `{from}`"));
                }
            }
            Op::DropEnum { name, .. } => {
                if self.enums.remove(name).is_none() {
                    c.unknown(format!("enum `{name}` does not exist"));
                    return;
                }
                let users = self.columns_of_type(name);
                if !users.is_empty() {
                    c.fail(format!("enum `{name}` is used by column(s) {}", users.join(", ")));
                }
            }
            Op::CreateExtension { def } => {
                if !self.extensions.insert(def.name.clone()) {
                    c.fail(format!("extension `{}` is already created", def.name));
                }
            }
            Op::DropExtension { name, .. } => {
                if !self.extensions.remove(name) {
                    c.unknown(format!("extension `{name}` does not exist"));
                }
            }
            Op::CreateSchema { name } => {
                if !self.schemas.insert(name.clone()) {
                    c.fail(format!("schema `{name}` already exists"));
                }
            }
            Op::DropSchema { name, .. } => {
                if !self.schemas.remove(name) {
                    c.unknown(format!("schema `{name}` does not exist"));
                }
            }
            Op::CreateView { def } => {
                if self.relation_exists(&def.name) {
                    c.fail(format!("a table, index or view named `{}` already exists", def.name));
                    return;
                }
                self.views.insert(def.name.clone(), def.clone());
            }
            Op::DropView { name, .. } => {
                if self.views.remove(name).is_none() {
                    c.unknown(format!("view `{name}` does not exist"));
                }
            }
            Op::AddConstraintUsingIndex { table, name, index, primary_key, deferred } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                let Some(i) = self.indexes.get(index) else {
                    c.unknown(format!("index `{index}` does not exist"));
                    return;
                };
                let columns: Vec<String> = i
                    .def
                    .elems
                    .iter()
                    .filter_map(|e| match &e.target {
                        IndexTarget::Column { name } => Some(name.clone()),
                        IndexTarget::Expr { .. } => None,
                    })
                    .collect();
                if &i.def.table != table
                    || !i.def.unique
                    || columns.len() != i.def.elems.len()
                    || i.def.predicate.is_some()
                    || i.constraint.is_some()
                {
                    c.fail(format!(
                        "index `{index}` cannot back constraint `{name}`: it must be a unique index of `{table}` on plain columns, without WHERE, not a constraint's"
                    ));
                    return;
                }
                let nulls_not_distinct = i.def.nulls_not_distinct;
                self.indexes.remove(index);
                let kind = match primary_key {
                    true => ConstraintKind::PrimaryKey { columns },
                    false => ConstraintKind::Unique { columns, nulls_not_distinct },
                };
                let def = ConstraintDef { name: name.clone(), kind, not_valid: false, deferred: *deferred };
                self.add_constraint(table, &def, v);
            }
            Op::Reindex { table: true, name, .. } => {
                self.table_or_report(c, name);
            }
            Op::Reindex { name, .. } => {
                if !self.indexes.contains_key(name) {
                    c.unknown(format!("index `{name}` does not exist"));
                }
            }
            Op::SetStatistics { table, column, .. } => {
                self.column_mut_or_report(c, table, column);
            }
            Op::CreateMaterializedView { def } => {
                if self.relation_exists(&def.name) {
                    c.fail(format!("a table, index or view named `{}` already exists", def.name));
                    return;
                }
                self.materialized_views.insert(def.name.clone(), def.clone());
            }
            Op::DropMaterializedView { name, .. } => {
                if self.materialized_views.remove(name).is_none() {
                    c.unknown(format!("materialized view `{name}` does not exist"));
                    return;
                }
                // Its indexes go with it.
                self.indexes.retain(|_, i| &i.def.table != name);
            }
            Op::RefreshMaterializedView { name, concurrently } => match self.materialized_views.get(name) {
                None => c.unknown(format!("materialized view `{name}` does not exist")),
                Some(_) if *concurrently && !self.indexes.values().any(|i| &i.def.table == name && i.def.unique && i.def.predicate.is_none()) => {
                    c.fail(format!(
                        "REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on `{name}` (on columns, without WHERE): create one first"
                    ))
                }
                Some(_) => {}
            },
            Op::CreateType { def } => {
                let name = def.name();
                if self.enums.contains_key(name) || self.types.contains_key(name) {
                    c.fail(format!("type `{name}` already exists"));
                    return;
                }
                self.types.insert(name.to_string(), def.clone());
            }
            Op::DropType { name, domain, .. } => {
                if !*domain && self.enums.contains_key(name) {
                    let problems = self.apply(&Op::DropEnum { name: name.clone(), def: None }, v);
                    c.problems.extend(problems);
                    return;
                }
                match self.types.get(name) {
                    None => c.unknown(format!("{} `{name}` does not exist", if *domain { "domain" } else { "type" })),
                    Some(t) if *domain != matches!(t, TypeDef::Domain { .. }) => c.fail(format!(
                        "`{name}` is a {}: drop it with {}",
                        t.kind(),
                        if *domain { "DROP TYPE (`drop_type`)" } else { "DROP DOMAIN (`drop_domain`)" }
                    )),
                    Some(_) => {
                        let users = self.columns_of_type(name);
                        if !users.is_empty() {
                            c.fail(format!("type `{name}` is used by column(s) {}: change or drop them first", users.join(", ")));
                        }
                        self.types.remove(name);
                    }
                }
            }
            Op::AddDomainCheck { domain, check } => match self.types.get_mut(domain) {
                Some(TypeDef::Domain { checks, .. }) => {
                    if checks.iter().any(|k| k.name == check.name) {
                        c.fail(format!("constraint `{}` of domain `{domain}` already exists", check.name));
                    } else {
                        checks.push(check.clone());
                    }
                }
                _ => c.unknown(format!("domain `{domain}` does not exist")),
            },
            Op::ValidateDomainCheck { domain, name } => match self.types.get_mut(domain) {
                Some(TypeDef::Domain { checks, .. }) => match checks.iter_mut().find(|k| &k.name == name) {
                    Some(k) => k.not_valid = false,
                    None => c.unknown(format!("constraint `{name}` of domain `{domain}` does not exist")),
                },
                _ => c.unknown(format!("domain `{domain}` does not exist")),
            },
            Op::DropDomainCheck { domain, name, .. } => match self.types.get_mut(domain) {
                Some(TypeDef::Domain { checks, .. }) => {
                    let before = checks.len();
                    checks.retain(|k| &k.name != name);
                    if checks.len() == before {
                        c.unknown(format!("constraint `{name}` of domain `{domain}` does not exist"));
                    }
                }
                _ => c.unknown(format!("domain `{domain}` does not exist")),
            },
            Op::CreateSequence { def } => {
                if self.relation_exists(&def.name) {
                    c.fail(format!("a table, index, view or sequence named `{}` already exists", def.name));
                    return;
                }
                if let Some(o) = &def.owned_by {
                    if !self.table_or_report(c, &o.table) {
                        return;
                    }
                    if self.tables.get(&o.table).is_some_and(|t| t.column(&o.column).is_none()) {
                        c.unknown(format!("column `{}.{}` (the sequence's owner) does not exist", o.table, o.column));
                    }
                }
                self.sequences.insert(def.name.clone(), def.clone());
            }
            Op::DropSequence { name, .. } => {
                if self.sequences.remove(name).is_none() {
                    c.unknown(format!("sequence `{name}` does not exist"));
                }
            }
            Op::SetIdentityValue { table, column, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                match self.tables.get(table).and_then(|t| t.column(column)) {
                    None => c.unknown(format!("column `{table}.{column}` does not exist")),
                    Some(col) if col.identity.is_none() => {
                        c.fail(format!("column `{table}.{column}` is not an identity column"))
                    }
                    Some(_) => {}
                }
            }
            Op::SetSequenceValue { name, .. } => {
                if !self.sequences.contains_key(name) {
                    c.unknown(format!("sequence `{name}` does not exist"));
                }
            }
            Op::CreateFunction { def, or_replace } => {
                let key = super::function_key(&def.name, &def.arg_types());
                if self.functions.insert(key.clone(), def.clone()).is_some() && !or_replace {
                    c.fail(format!("{} `{key}` already exists", def.kind.word()));
                }
            }
            Op::DropFunction { name, arg_types, kind, .. } => {
                let mut key = super::function_key(name, arg_types);
                // `DROP FUNCTION name` without a list drops the one function of that name.
                if arg_types.is_empty() && !self.functions.contains_key(&key) {
                    let prefix = format!("{name}(");
                    let same: Vec<&String> = self.functions.keys().filter(|k| k.starts_with(&prefix)).collect();
                    if let [one] = same.as_slice() {
                        key = (*one).clone();
                    }
                }
                if self.functions.remove(&key).is_none() {
                    c.unknown(format!("{} `{key}` does not exist", kind.word()));
                    return;
                }
                if key.ends_with("()") {
                    let users: Vec<String> = self
                        .tables
                        .values()
                        .flat_map(|t| t.triggers.values())
                        .filter(|(t, _)| &t.function == name)
                        .map(|(t, _)| format!("`{}` on `{}`", t.name, t.table))
                        .collect();
                    if !users.is_empty() {
                        c.fail(format!("function `{key}` is used by trigger {}: drop it first", users.join(", ")));
                    }
                }
            }
            Op::CreateTrigger { def } => {
                if !self.table_or_report(c, &def.table) {
                    return;
                }
                if !self.functions.contains_key(&super::function_key(&def.function, &[])) {
                    c.unknown(format!("function `{}()` (trigger `{}`'s) does not exist", def.function, def.name));
                }
                if let Some(t) = self.tables.get_mut(&def.table)
                    && t.triggers.insert(def.name.clone(), (def.clone(), TriggerState::Enabled)).is_some()
                {
                    c.fail(format!("trigger `{}` on `{}` already exists", def.name, def.table));
                }
            }
            Op::DropTrigger { table, name, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                if self.tables.get_mut(table).and_then(|t| t.triggers.remove(name)).is_none() {
                    c.unknown(format!("trigger `{name}` on `{table}` does not exist"));
                }
            }
            Op::SetTriggerState { table, name, state, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                match self.tables.get_mut(table).and_then(|t| t.triggers.get_mut(name)) {
                    Some((_, s)) => *s = *state,
                    None => c.unknown(format!("trigger `{name}` on `{table}` does not exist")),
                }
            }
            Op::AttachPartition { parent, name, bound } => {
                if self.partitioned_or_report(c, parent).is_none() || !self.table_or_report(c, name) {
                    return;
                }
                let (parent_cols, t) = (self.tables[parent].columns.clone(), &self.tables[name]);
                if let Some(p) = &t.partition_of {
                    c.fail(format!("table `{name}` is already a partition of `{}`", p.parent));
                    return;
                }
                let shape = |cols: &[ColumnDef]| {
                    let mut v: Vec<(String, ColumnType)> = cols.iter().map(|c| (c.name.clone(), c.ty.clone())).collect();
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                };
                if shape(&parent_cols) != shape(&t.columns) {
                    c.fail(format!(
                        "table `{name}` cannot become a partition of `{parent}`: its columns (names and types) must be the parent's"
                    ));
                }
                // The table's keys, foreign keys and indexes that match the parent's become the
                // parent's (PostgreSQL attaches them): the model holds only the parent's.
                let parent_keys: Vec<ConstraintKind> = self.tables[parent]
                    .constraints
                    .values()
                    .filter(|k| !matches!(k.kind, ConstraintKind::Check { .. }))
                    .map(|k| k.kind.clone())
                    .collect();
                let same_index = |a: &IndexDef, b: &IndexDef| {
                    (&a.elems, a.unique, &a.method, &a.predicate, &a.include) == (&b.elems, b.unique, &b.method, &b.predicate, &b.include)
                };
                let parent_indexes: Vec<IndexDef> = self
                    .indexes
                    .values()
                    .filter(|i| &i.def.table == parent && i.constraint.is_none())
                    .map(|i| i.def.clone())
                    .collect();
                if let Some(t) = self.tables.get_mut(name) {
                    t.partition_of = Some(PartitionOf { parent: parent.clone(), bound: bound.clone() });
                    let attached: Vec<String> =
                        t.constraints.values().filter(|k| parent_keys.contains(&k.kind)).map(|k| k.name.clone()).collect();
                    for k in &attached {
                        t.constraints.remove(k);
                    }
                    self.indexes.retain(|_, i| {
                        let taken = i.constraint.as_ref().is_some_and(|k| attached.contains(k));
                        let matches = i.constraint.is_none()
                            && &i.def.table == name
                            && parent_indexes.iter().any(|p| same_index(p, &i.def));
                        !(taken || matches)
                    });
                }
            }
            Op::DetachPartition { parent, name, .. } => {
                match self.tables.get(name) {
                    Some(t) if t.partition_of.as_ref().is_some_and(|p| &p.parent == parent) => {}
                    Some(_) => return c.unknown(format!("table `{name}` is not a partition of `{parent}`")),
                    None => return c.unknown(format!("table `{name}` does not exist")),
                }
                self.detach(parent, name, v);
            }
            Op::SetRowSecurity { table, setting } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                let Some(t) = self.tables.get_mut(table) else { return };
                let (flag, to) = match setting {
                    RowSecurity::Enable => (&mut t.row_security, true),
                    RowSecurity::Disable => (&mut t.row_security, false),
                    RowSecurity::Force => (&mut t.force_row_security, true),
                    RowSecurity::NoForce => (&mut t.force_row_security, false),
                };
                let was = std::mem::replace(flag, to);
                if was == to {
                    // Its derived down would set what was not there before.
                    c.unknown(format!("{} on `{table}` changes nothing: it is set already", setting.sql()));
                }
            }
            Op::CreatePolicy { def } => {
                if !self.table_or_report(c, &def.table) {
                    return;
                }
                if let Some(t) = self.tables.get_mut(&def.table)
                    && t.policies.insert(def.name.clone(), def.clone()).is_some()
                {
                    c.fail(format!("policy `{}` on `{}` already exists", def.name, def.table));
                }
            }
            Op::DropPolicy { table, name, .. } => {
                if !self.table_or_report(c, table) {
                    return;
                }
                if self.tables.get_mut(table).and_then(|t| t.policies.remove(name)).is_none() {
                    c.unknown(format!("policy `{name}` on `{table}` does not exist"));
                }
            }
            Op::DataStep { .. } => {}
            Op::Backfill { table, .. } => {
                self.table_or_report(c, table);
            }
            Op::Sql { declares, .. } if !declares.is_empty() => {
                for d in declares {
                    let problems = self.apply(d, v);
                    c.problems.extend(problems);
                }
            }
            Op::Sql { up, .. } => {
                // The SQL as read into ops: it ran as written, so what the model finds wrong with
                // them is the model's own inexactness, said as warnings.
                for st in crate::sql_ops::read_sql_cached(up).iter() {
                    for d in st.ops.iter().chain(&st.implied) {
                        let d = self.resolve(d);
                        let problems = self.apply(&d, v);
                        if !st.tolerant {
                            c.problems.extend(problems.into_iter().map(|p| Problem {
                                error: false,
                                message: format!("{} (read from its SQL, line {})", p.message, st.line),
                            }));
                        }
                    }
                    if let Some(part) = st.not_read.first() {
                        self.opaque = Some(format!("in migration {v}: {part}, line {}", st.line));
                    }
                }
            }
        }
    }

    /// An op read from SQL, completed with what only the model knows: a type named in SQL that is
    /// one of its enums is that enum; a foreign key written `REFERENCES t` without columns references
    /// `t`'s primary key.
    fn resolve<'o>(&self, op: &'o Op) -> std::borrow::Cow<'o, Op> {
        let enum_type = |ty: &ColumnType| -> Option<ColumnType> {
            match ty {
                ColumnType::Named { name } if self.enums.contains_key(name) => {
                    Some(ColumnType::Enum { name: name.clone() })
                }
                ColumnType::Array { element } => {
                    let ColumnType::Named { name } = element.as_ref() else { return None };
                    self.enums
                        .contains_key(name)
                        .then(|| ColumnType::Array { element: Box::new(ColumnType::Enum { name: name.clone() }) })
                }
                _ => None,
            }
        };
        let needs = |ty: &ColumnType| enum_type(ty).is_some();
        let fk_without_columns = |k: &ConstraintDef| matches!(&k.kind, ConstraintKind::ForeignKey { ref_columns, .. } if ref_columns.is_empty());
        // DETACH PARTITION read from SQL: its bound (for its down) is the model's.
        if let Op::DetachPartition { parent, name, bound, concurrently } = op
            && bound.is_empty()
            && let Some(p) = self.tables.get(name).and_then(|t| t.partition_of.as_ref()).filter(|p| &p.parent == parent)
        {
            return std::borrow::Cow::Owned(Op::DetachPartition {
                parent: parent.clone(),
                name: name.clone(),
                bound: p.bound.clone(),
                concurrently: *concurrently,
            });
        }
        let touched = match op {
            Op::CreateTable { def } => {
                def.columns.iter().any(|c| needs(&c.ty)) || def.constraints.iter().any(fk_without_columns)
            }
            Op::AddColumn { def, .. } => needs(&def.column.ty) || def.constraints.iter().any(fk_without_columns),
            Op::ChangeColumnType { to, .. } => needs(to),
            Op::AddConstraint { def, .. } => fk_without_columns(def),
            _ => false,
        };
        if !touched {
            return std::borrow::Cow::Borrowed(op);
        }
        let mut op = op.clone();
        let fix_column = |c: &mut ColumnDef| {
            if let Some(t) = enum_type(&c.ty) {
                c.ty = t;
            }
        };
        let fix_constraint = |k: &mut ConstraintDef| {
            if let ConstraintKind::ForeignKey { ref_table, ref_columns, .. } = &mut k.kind
                && ref_columns.is_empty()
                && let Some(pk) = self.tables.get(ref_table.as_str()).and_then(|t| t.primary_key())
            {
                *ref_columns = pk.to_vec();
            }
        };
        match &mut op {
            Op::CreateTable { def } => {
                def.columns.iter_mut().for_each(fix_column);
                def.constraints.iter_mut().for_each(fix_constraint);
            }
            Op::AddColumn { def, .. } => {
                fix_column(&mut def.column);
                def.constraints.iter_mut().for_each(fix_constraint);
            }
            Op::ChangeColumnType { to, .. } => {
                if let Some(t) = enum_type(to) {
                    *to = t;
                }
            }
            Op::AddConstraint { def, .. } => fix_constraint(def),
            _ => {}
        }
        std::borrow::Cow::Owned(op)
    }

    fn column_mut_or_report(&mut self, c: &mut Check, table: &str, column: &str) -> Option<&mut ColumnDef> {
        if !self.table_or_report(c, table) {
            return None;
        }
        let t = self.tables.get_mut(table)?;
        if t.column(column).is_none() {
            c.unknown(format!("column `{table}.{column}` does not exist"));
            return None;
        }
        t.column_mut(column)
    }

    /// A literal default must fit its column: PostgreSQL accepts the default when it is set, and then
    /// refuses every insert that uses it.
    fn check_default(&self, c: &mut Check, table: &str, column: &str, ty: &ColumnType, default: Option<&DefaultValue>) {
        let Some(DefaultValue::Literal { value }) = default else { return };
        let problem = match (ty, value) {
            (ColumnType::Varchar { length: Some(n) } | ColumnType::Char { length: n }, Literal::Text { value })
                if value.chars().count() > *n as usize =>
            {
                Some(format!("'{value}' is {} characters long, more than its {n}", value.chars().count()))
            }
            (ColumnType::Numeric { precision: Some(p), scale }, Literal::Int { .. } | Literal::Float { .. }) => {
                let text = match value {
                    Literal::Int { value } => value.to_string(),
                    Literal::Float { text } => text.clone(),
                    _ => String::new(),
                };
                let whole =
                    text.trim_start_matches('-').split('.').next().unwrap_or_default().trim_start_matches('0').len();
                let room = (*p as usize).saturating_sub(scale.unwrap_or(0) as usize);
                (whole > room).then(|| {
                    format!(
                        "{text} has {whole} digit(s) before the point, and numeric({p}, {}) holds {room}",
                        scale.unwrap_or(0)
                    )
                })
            }
            _ if !literal_fits(ty, value) => Some(format!(
                "the default is {}, and the column is {} (the type marker given to `set_default` must be the column's)",
                crate::render::render_default(&DefaultValue::Literal { value: value.clone() }),
                crate::render::render_column_type(ty)
            )),
            (ColumnType::Json | ColumnType::Jsonb, Literal::Text { value }) => {
                json_problem(value, ty == &ColumnType::Jsonb)
            }
            (ColumnType::Enum { name }, Literal::Text { value }) => self
                .enums
                .get(name)
                .filter(|values| !values.contains(value))
                .map(|values| format!("'{value}' is not a value of enum `{name}` ({})", values.join(", "))),
            _ => None,
        };
        if let Some(p) = problem {
            c.fail(format!(
                "the default of `{table}.{column}` cannot be stored in it: {p}; every insert that uses it would fail"
            ));
        }
    }

    fn check_type(&self, c: &mut Check, ty: &ColumnType) {
        match ty {
            ColumnType::Enum { name } if !self.enums.contains_key(name) => {
                c.unknown(format!("enum type `{name}` does not exist"))
            }
            ColumnType::Array { element } => self.check_type(c, element),
            _ => {}
        }
    }
}

pub(crate) fn uses_type(ty: &ColumnType, name: &str) -> bool {
    match ty {
        ColumnType::Enum { name: n } | ColumnType::Named { name: n } => n == name,
        ColumnType::Array { element } => uses_type(element, name),
        _ => false,
    }
}

/// Whether an SQL expression mentions a column (as a whole word, quoted or not). An approximation:
/// the model does not parse SQL.
pub(crate) fn mentions(sql: &str, column: &str) -> bool {
    let quoted = crate::ident::quote_ident(column);
    if sql.contains(&quoted) {
        return true;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    sql.match_indices(column).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + column.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Why `text` is not a `json` (or `jsonb`) value PostgreSQL takes, if it is not.
fn json_problem(text: &str, jsonb: bool) -> Option<String> {
    // IgnoredAny checks the syntax without building the value (numbers of any size and precision
    // pass, as PostgreSQL's numeric takes them).
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Some(format!("'{text}' is not JSON ({e})"));
    }
    // jsonb stores strings as text, which cannot hold the NUL character `\u0000`: `u0000` after an
    // odd number of backslashes (after an even number, the backslashes escape each other). Valid JSON
    // by now, so such an escape can only be inside a string.
    let nul = text
        .match_indices("u0000")
        .any(|(at, _)| text[..at].bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1);
    (jsonb && nul).then(|| format!("'{text}' has \\u0000, which jsonb cannot store"))
}

/// Whether a literal of this kind can be a default of a column of type `ty` (types the model knows
/// only by name take any).
fn literal_fits(ty: &ColumnType, value: &Literal) -> bool {
    use ColumnType as T;
    match (ty, value) {
        (T::Named { .. }, _) => true,
        (T::Array { element }, Literal::Array { items }) => items.iter().all(|i| literal_fits(element, i)),
        (T::Array { .. }, _) | (_, Literal::Array { .. }) => false,
        (T::Boolean, Literal::Bool { .. }) => true,
        (T::SmallInt | T::Integer | T::BigInt, Literal::Int { .. }) => true,
        (T::Numeric { .. } | T::Real | T::Double, Literal::Int { .. } | Literal::Float { .. }) => true,
        // A string literal is PostgreSQL's input for any type but these.
        (
            T::Boolean | T::SmallInt | T::Integer | T::BigInt | T::Numeric { .. } | T::Real | T::Double,
            Literal::Text { .. },
        ) => false,
        (_, Literal::Text { .. }) => true,
        _ => false,
    }
}
