//! Views with options, materialized views, composite types, domains and range types: the handles and
//! option builders their `Schema` methods return or take.

use super::hidden::OpMut;
use super::routine::ArgType;
use crate::op::{CheckOption, CompositeField, DomainCheck, Op, TypeDef};

/// A view being created: its options.
pub struct CreateView<'a> {
    pub(crate) op: OpMut<'a>,
}

impl CreateView<'_> {
    /// `WITH (security_barrier = true)`: the view's own conditions run before any function of the
    /// query that reads it (a view that hides rows must not leak them to a cheap function).
    pub fn security_barrier(mut self) -> Self {
        if let Op::CreateView { def } = &mut *self.op {
            def.security_barrier = true;
        }
        self
    }

    /// `WITH LOCAL CHECK OPTION` or `WITH CASCADED CHECK OPTION`: rows inserted or updated through
    /// the view must satisfy its condition.
    pub fn check_option(mut self, option: CheckOption) -> Self {
        if let Op::CreateView { def } = &mut *self.op {
            def.check_option = Some(option);
        }
        self
    }
}

/// A `REINDEX` being recorded.
pub struct Reindex<'a> {
    pub(crate) op: OpMut<'a>,
}

impl Reindex<'_> {
    /// `CONCURRENTLY`: writes go on while the index is rebuilt (it runs outside a transaction).
    pub fn concurrently(mut self) -> Self {
        if let Op::Reindex { concurrently, .. } = &mut *self.op {
            *concurrently = true;
        }
        self
    }
}

/// A statistics target being set.
pub struct SetStatistics<'a> {
    pub(crate) op: OpMut<'a>,
}

impl SetStatistics<'_> {
    /// The target it replaces, which the down sets again (the default, -1, when not given).
    pub fn replacing(mut self, previous: i32) -> Self {
        if let Op::SetStatistics { previous: p, .. } = &mut *self.op {
            *p = Some(previous);
        }
        self
    }
}

/// A comment being set.
pub struct CommentOn<'a> {
    pub(crate) op: OpMut<'a>,
}

impl CommentOn<'_> {
    /// The comment it replaces, which the down restores (without it, the down removes the comment).
    pub fn replacing(mut self, previous: &str) -> Self {
        if let Op::Comment { previous: p, .. } = &mut *self.op {
            *p = Some(previous.into());
        }
        self
    }
}

/// A materialized view being created.
pub struct CreateMaterializedView<'a> {
    pub(crate) op: OpMut<'a>,
}

impl CreateMaterializedView<'_> {
    /// `WITH NO DATA`: created empty (fast, no lock held while the query runs) and unreadable until
    /// its first `refresh_materialized_view`.
    pub fn with_no_data(mut self) -> Self {
        if let Op::CreateMaterializedView { def } = &mut *self.op {
            def.with_data = false;
        }
        self
    }
}

/// A `REFRESH MATERIALIZED VIEW` being recorded.
pub struct RefreshMaterializedView<'a> {
    pub(crate) op: OpMut<'a>,
}

impl RefreshMaterializedView<'_> {
    /// `CONCURRENTLY`: reads go on while it runs (the view needs a unique index on columns).
    pub fn concurrently(mut self) -> Self {
        if let Op::RefreshMaterializedView { concurrently, .. } = &mut *self.op {
            *concurrently = true;
        }
        self
    }
}

/// The fields of a composite type being created.
pub struct CompositeFields {
    pub(crate) fields: Vec<CompositeField>,
}

impl CompositeFields {
    /// A field: its name and type (a marker or SQL text).
    pub fn field(&mut self, name: &str, ty: impl ArgType) -> &mut Self {
        self.fields.push(CompositeField { name: name.into(), data_type: ty.type_sql() });
        self
    }
}

/// The options of a domain being created.
pub struct DomainOptions {
    pub(crate) not_null: bool,
    pub(crate) default: Option<String>,
    pub(crate) checks: Vec<DomainCheck>,
}

impl DomainOptions {
    /// `NOT NULL`.
    pub fn not_null(&mut self) -> &mut Self {
        self.not_null = true;
        self
    }

    /// `DEFAULT expr` for columns of the domain that give none.
    pub fn default(&mut self, expr: &str) -> &mut Self {
        self.default = Some(expr.into());
        self
    }

    /// `CONSTRAINT name CHECK (condition)`, the condition on `VALUE`.
    pub fn check(&mut self, name: &str, condition: &str) -> &mut Self {
        self.checks.push(DomainCheck { name: name.into(), expr: condition.into(), not_valid: false });
        self
    }
}

/// The options of a range type being created; unset ones take PostgreSQL's defaults.
pub struct RangeOptions {
    pub(crate) subtype_opclass: Option<String>,
    pub(crate) collation: Option<String>,
    pub(crate) subtype_diff: Option<String>,
    pub(crate) multirange_type_name: Option<String>,
}

impl RangeOptions {
    /// `SUBTYPE_OPCLASS`: the B-tree operator class that orders the subtype.
    pub fn subtype_opclass(&mut self, opclass: &str) -> &mut Self {
        self.subtype_opclass = Some(opclass.into());
        self
    }

    /// `COLLATION` of a collatable subtype.
    pub fn collation(&mut self, collation: &str) -> &mut Self {
        self.collation = Some(collation.into());
        self
    }

    /// `SUBTYPE_DIFF`: the function giving the distance of two values as `double precision` (for
    /// GiST indexes).
    pub fn subtype_diff(&mut self, function: &str) -> &mut Self {
        self.subtype_diff = Some(function.into());
        self
    }

    /// `MULTIRANGE_TYPE_NAME` (PostgreSQL names it after the range otherwise).
    pub fn multirange_type_name(&mut self, name: &str) -> &mut Self {
        self.multirange_type_name = Some(name.into());
        self
    }
}

/// A domain constraint being added.
pub struct AddDomainCheck<'a> {
    pub(crate) op: OpMut<'a>,
}

impl AddDomainCheck<'_> {
    /// `NOT VALID`: the values already in columns of the domain are not checked (no long scan under
    /// lock); `validate_domain_check` checks them later.
    pub fn not_valid(mut self) -> Self {
        if let Op::AddDomainCheck { check, .. } = &mut *self.op {
            check.not_valid = true;
        }
        self
    }
}

pub(crate) fn composite(name: &str, f: impl FnOnce(&mut CompositeFields)) -> TypeDef {
    let mut c = CompositeFields { fields: vec![] };
    f(&mut c);
    TypeDef::Composite { name: name.into(), fields: c.fields }
}

pub(crate) fn domain(name: &str, ty: String, f: impl FnOnce(&mut DomainOptions)) -> TypeDef {
    let mut d = DomainOptions { not_null: false, default: None, checks: vec![] };
    f(&mut d);
    TypeDef::Domain { name: name.into(), data_type: ty, not_null: d.not_null, default: d.default, checks: d.checks }
}

pub(crate) fn range(name: &str, subtype: String, f: impl FnOnce(&mut RangeOptions)) -> TypeDef {
    let mut r = RangeOptions { subtype_opclass: None, collation: None, subtype_diff: None, multirange_type_name: None };
    f(&mut r);
    TypeDef::Range {
        name: name.into(),
        subtype,
        subtype_opclass: r.subtype_opclass,
        collation: r.collation,
        subtype_diff: r.subtype_diff,
        multirange_type_name: r.multirange_type_name,
    }
}
