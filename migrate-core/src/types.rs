//! Column type markers and typed defaults.
//!
//! A builder column carries its type as a Rust type parameter, so a literal default is checked when the
//! migration compiles: `t.boolean("active").default(true)` compiles, `.default("yes")` does not. SQL
//! expressions ([`sql`], [`now`], [`gen_random_uuid`], ...) fit every column type.

use std::marker::PhantomData;

use crate::op::{ColumnType, DefaultValue, Literal};

/// A Rust value that stands for a column type.
pub trait SqlType {
    /// The type as the op model records it.
    fn column_type(&self) -> ColumnType;
}

/// An integer type: the only ones that can be identity columns.
pub trait IntegerType: SqlType {}

macro_rules! simple_types {
    ($($(#[$m:meta])* $name:ident => $variant:ident;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;
        impl SqlType for $name {
            fn column_type(&self) -> ColumnType {
                ColumnType::$variant
            }
        }
    )*};
}

simple_types! {
    /// `smallint`.
    SmallInt => SmallInt;
    /// `integer`.
    Integer => Integer;
    /// `bigint`.
    BigInt => BigInt;
    /// `real`.
    Real => Real;
    /// `double precision`.
    Double => Double;
    /// `boolean`.
    Boolean => Boolean;
    /// `text`.
    Text => Text;
    /// `uuid`.
    Uuid => Uuid;
    /// `bytea`.
    Bytea => Bytea;
    /// `date`.
    Date => Date;
    /// `time`.
    Time => Time;
    /// `timestamp` (without time zone).
    Timestamp => Timestamp;
    /// `timestamptz`.
    Timestamptz => Timestamptz;
    /// `interval`.
    Interval => Interval;
    /// `json`.
    Json => Json;
    /// `jsonb`.
    Jsonb => Jsonb;
    /// `inet`.
    Inet => Inet;
    /// `cidr`.
    Cidr => Cidr;
}

impl IntegerType for SmallInt {}
impl IntegerType for Integer {}
impl IntegerType for BigInt {}

/// `numeric(precision, scale)`; `Numeric::any()` is unconstrained `numeric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numeric {
    /// The total number of significant digits (`None`: any).
    pub precision: Option<u16>,
    /// The digits after the decimal point (`None`: 0 when a precision is given).
    pub scale: Option<u16>,
}

impl Numeric {
    /// `numeric(precision, scale)`.
    pub fn new(precision: u16, scale: u16) -> Self {
        Numeric { precision: Some(precision), scale: Some(scale) }
    }
    /// Unconstrained `numeric`.
    pub fn any() -> Self {
        Numeric { precision: None, scale: None }
    }
}

impl SqlType for Numeric {
    fn column_type(&self) -> ColumnType {
        ColumnType::Numeric { precision: self.precision, scale: self.scale }
    }
}

/// `varchar(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Varchar(pub u32);

impl SqlType for Varchar {
    fn column_type(&self) -> ColumnType {
        ColumnType::Varchar { length: Some(self.0) }
    }
}

/// `varchar` without a length limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnboundedVarchar;

impl SqlType for UnboundedVarchar {
    fn column_type(&self) -> ColumnType {
        ColumnType::Varchar { length: None }
    }
}

/// `char(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Char(pub u32);

impl SqlType for Char {
    fn column_type(&self) -> ColumnType {
        ColumnType::Char { length: self.0 }
    }
}

/// A user enum type, by name (create it with `Schema::create_enum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType(pub String);

impl SqlType for EnumType {
    fn column_type(&self) -> ColumnType {
        ColumnType::Enum { name: self.0.clone() }
    }
}

/// Any other type by name (`tsvector`, `citext`, ...), quoted as an identifier. Literal defaults are
/// not typed for it: use [`sql`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedType(pub String);

impl SqlType for NamedType {
    fn column_type(&self) -> ColumnType {
        ColumnType::Named { name: self.0.clone() }
    }
}

/// An array of `T`: `Array(Text)` is `text[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Array<T>(pub T);

impl<T: SqlType> SqlType for Array<T> {
    fn column_type(&self) -> ColumnType {
        ColumnType::Array { element: Box::new(self.0.column_type()) }
    }
}

/// An SQL expression used as a default (`now()`, `'{}'::jsonb`, `lower('X')`), rendered as written.
/// It fits a column of any type; PostgreSQL checks it when the migration runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr(pub(crate) String);

/// An SQL expression default, rendered as written.
///
/// ```
/// use migrate_core::prelude::*;
/// let mut s = Schema::new();
/// s.create_table("docs", |t| { t.jsonb("body").not_null().default(sql("'{}'::jsonb")); });
/// # s.finish().unwrap();
/// ```
pub fn sql(expression: impl Into<String>) -> Expr {
    Expr(expression.into())
}

/// An SQL function's call whose result type is known (`now()`, `gen_random_uuid()`, ..): a default only
/// of a column PostgreSQL assigns that result to, so that `.default(now())` on an integer column is a
/// compile error. `sql("..")` stays the escape hatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlCall<R> {
    sql: &'static str,
    _result: PhantomData<R>,
}

/// What [`now`] and [`current_timestamp`] return: a `timestamptz`, which PostgreSQL assigns to
/// `timestamptz`, `timestamp`, `date` and `time` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampResult {}
/// What [`current_date`] returns: a `date` (also assigned to `timestamp` and `timestamptz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateResult {}
/// What [`gen_random_uuid`] returns: a `uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UuidResult {}

impl<R> SqlCall<R> {
    const fn new(sql: &'static str) -> Self {
        SqlCall { sql, _result: PhantomData }
    }
}

macro_rules! call_defaults {
    ($($result:ty => [$($col:ty),*];)*) => {$(
        $(
            #[diagnostic::do_not_recommend]
            impl DefaultFor<$col> for SqlCall<$result> {
                fn into_default(self) -> DefaultValue {
                    DefaultValue::Expr { sql: self.sql.to_string() }
                }
            }
        )*
        // A type the builder knows only by name: PostgreSQL checks it.
        #[diagnostic::do_not_recommend]
        impl DefaultFor<NamedType> for SqlCall<$result> {
            fn into_default(self) -> DefaultValue {
                DefaultValue::Expr { sql: self.sql.to_string() }
            }
        }
    )*};
}

call_defaults! {
    TimestampResult => [Timestamptz, Timestamp, Date, Time];
    DateResult => [Date, Timestamp, Timestamptz];
    UuidResult => [Uuid];
}

/// `now()`: the transaction's start time (a default of `timestamptz`, `timestamp`, `date` and `time`
/// columns).
pub fn now() -> SqlCall<TimestampResult> {
    SqlCall::new("now()")
}

/// `gen_random_uuid()` (built in from PostgreSQL 13; the `pgcrypto` extension before): a default of
/// `uuid` columns.
pub fn gen_random_uuid() -> SqlCall<UuidResult> {
    SqlCall::new("gen_random_uuid()")
}

/// `CURRENT_DATE` (a default of `date`, `timestamp` and `timestamptz` columns).
pub fn current_date() -> SqlCall<DateResult> {
    SqlCall::new("CURRENT_DATE")
}

/// `CURRENT_TIMESTAMP` (as [`now`]).
pub fn current_timestamp() -> SqlCall<TimestampResult> {
    SqlCall::new("CURRENT_TIMESTAMP")
}

/// A value that can be the default of a column of type `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid default for a `{T}` column",
    label = "this default does not have the column's type",
    note = "give a literal of the column's Rust type (e.g. `true` for boolean, `5` for integer, `\"text\"` for text; a Rust integer fits the columns that hold all its values, so convert a wider one with `as`: `value as i32` for integer, `as i16` for smallint), or an SQL expression: `sql(\"...\")`; `now()`, `current_date()` and `gen_random_uuid()` fit only the types their result is assigned to (timestamps, dates and times; uuid)"
)]
pub trait DefaultFor<T> {
    /// Converts the value to the op model's default.
    fn into_default(self) -> DefaultValue;
}

/// A plain literal value (not an expression); arrays of these are literals too.
pub trait LiteralValue {
    /// The literal in the op model.
    fn into_literal(self) -> Literal;
}

impl<T> DefaultFor<T> for Expr {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Expr { sql: self.0 }
    }
}

macro_rules! literal_defaults {
    ($($rust:ty => |$v:ident| $lit:expr; [$($col:ty),*])*) => {$(
        impl LiteralValue for $rust {
            fn into_literal(self) -> Literal {
                let $v = self;
                $lit
            }
        }
        $(
            #[diagnostic::do_not_recommend]
            impl DefaultFor<$col> for $rust {
                fn into_default(self) -> DefaultValue {
                    DefaultValue::Literal { value: self.into_literal() }
                }
            }
        )*
    )*};
}

fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        v.to_string()
    }
}

literal_defaults! {
    bool => |v| Literal::Bool { value: v }; [Boolean]
    i16 => |v| Literal::Int { value: v.into() }; [SmallInt, Integer, BigInt, Numeric]
    i32 => |v| Literal::Int { value: v.into() }; [Integer, BigInt, Numeric]
    i64 => |v| Literal::Int { value: v }; [BigInt, Numeric]
    f32 => |v| Literal::Float { text: if v.is_finite() { v.to_string() } else { float_text(v.into()) } }; [Real, Double, Numeric]
    f64 => |v| Literal::Float { text: float_text(v) }; [Double, Numeric]
    &str => |v| Literal::Text { value: v.to_string() }; [Text, Varchar, UnboundedVarchar, Char, EnumType, Json, Jsonb]
    String => |v| Literal::Text { value: v }; [Text, Varchar, UnboundedVarchar, Char, EnumType, Json, Jsonb]
}

impl<E, V: DefaultFor<E> + LiteralValue> DefaultFor<Array<E>> for Vec<V> {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Literal { value: Literal::Array { items: self.into_iter().map(V::into_literal).collect() } }
    }
}

impl<E, V: DefaultFor<E> + LiteralValue, const N: usize> DefaultFor<Array<E>> for [V; N] {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Literal { value: Literal::Array { items: self.into_iter().map(V::into_literal).collect() } }
    }
}

/// What changing a column from this type marker to `To` does to its values, for `change_type`:
/// [`Kept`] when `To` holds every value of this type (or when the lengths and precisions, which are
/// values, decide: those are checked when the migrations load), [`Narrowed`] when it does not
/// (`bigint` to `integer`, `numeric` to `integer`, `text` to `varchar`, `timestamp` to `date`, ...).
/// A narrowing change compiles only in a migration with a `down`: the derived down would change the
/// type back, but not give back what the change refused, rounded or cut off.
///
/// Implemented for every pair of the crate's markers. A type this crate does not know
/// ([`NamedType`]) is [`Kept`] both ways: PostgreSQL checks it. A marker of your own implements it
/// for the changes it allows:
///
/// ```
/// use migrate_core::op::ColumnType;
/// use migrate_core::types::{ChangeTo, Kept, SqlType};
///
/// struct Citext;
/// impl SqlType for Citext {
///     fn column_type(&self) -> ColumnType {
///         ColumnType::Named { name: "citext".into() }
///     }
/// }
/// impl ChangeTo<Citext> for Citext {
///     type Values = Kept;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`change_type` from `{Self}` to `{To}` is not a change this crate knows",
    label = "no `ChangeTo<{To}>` for `{Self}`",
    note = "implement `migrate_core::types::ChangeTo<{To}>` for `{Self}` (`type Values = Kept;` when `{To}` holds every value of `{Self}`, `Narrowed` when it does not)"
)]
pub trait ChangeTo<To> {
    /// [`Kept`] or [`Narrowed`].
    type Values;
}

/// A type change that keeps every value (see [`ChangeTo`]).
#[derive(Debug)]
pub enum Kept {}
/// A type change to a type that cannot hold every value of the old one (see [`ChangeTo`]).
#[derive(Debug)]
pub enum Narrowed {}

/// Whether a migration of mode `M` may make a change whose values are [`Kept`] (any) or
/// [`Narrowed`] (one with a `down`, or marked irreversible).
pub trait ChangeAllowedIn<M: ?Sized> {}
impl<M: ?Sized + crate::schema::mode::Mode> ChangeAllowedIn<M> for Kept {}
impl<M: ?Sized + crate::schema::mode::AllowsNarrowing> ChangeAllowedIn<M> for Narrowed {}

macro_rules! type_changes {
    (columns $cols:tt; $($from:ty => $row:tt;)*) => {
        $(type_changes!(@row $from, $cols, $row);)*
    };
    (@row $from:ty, [$($to:ty),*], [$($v:ident),*]) => {
        $(impl ChangeTo<$to> for $from {
            type Values = type_changes!(@values $v);
        })*
        // A scalar into an array of `T`: as into `T` (each value becomes one element).
        impl<T> ChangeTo<Array<T>> for $from
        where
            $from: ChangeTo<T>,
        {
            type Values = <$from as ChangeTo<T>>::Values;
        }
    };
    (@values K) => { Kept };
    (@values N) => { Narrowed };
}

// K: the new type holds every value of the old (or the load-time check of lengths and precisions
// decides: varchar(n), char(n), numeric(p, s)); N: it does not. Into text every value has its text
// form (which converts back); into a type the crate does not know (NamedType), PostgreSQL decides.
// Between families (a number into a uuid, a boolean into an integer) the change needs a USING, which
// maps values as it likes: N.
type_changes! {
    columns [SmallInt, Integer, BigInt, Numeric, Real, Double, Boolean, Text, UnboundedVarchar, Varchar, Char,
             Uuid, Bytea, Date, Time, Timestamp, Timestamptz, Interval, Json, Jsonb, Inet, Cidr, EnumType, NamedType];
    //                i2 i4 i8 nu f4 f8 bo tx uv vc ch uu by da ti ts tz iv js jb in ci en na
    SmallInt =>       [K, K, K, K, K, K, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Integer =>        [N, K, K, K, N, K, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    BigInt =>         [N, N, K, K, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Numeric =>        [N, N, N, K, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Real =>           [N, N, N, N, K, K, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Double =>         [N, N, N, N, N, K, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Boolean =>        [N, N, N, N, N, N, K, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Text =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    UnboundedVarchar => [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Varchar =>        [N, N, N, N, N, N, N, K, K, K, K, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Char =>           [N, N, N, N, N, N, N, K, K, K, K, N, N, N, N, N, N, N, N, N, N, N, N, K];
    Uuid =>           [N, N, N, N, N, N, N, K, K, N, N, K, N, N, N, N, N, N, N, N, N, N, N, K];
    Bytea =>          [N, N, N, N, N, N, N, K, K, N, N, N, K, N, N, N, N, N, N, N, N, N, N, K];
    Date =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, K, N, K, K, N, N, N, N, N, N, K];
    Time =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, N, K, N, N, K, N, N, N, N, N, K];
    Timestamp =>      [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, K, K, N, N, N, N, N, N, K];
    Timestamptz =>    [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, K, K, N, N, N, N, N, N, K];
    Interval =>       [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, K, N, N, N, N, N, K];
    Json =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, K, N, N, N, N, K];
    Jsonb =>          [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, K, K, N, N, N, K];
    Inet =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, K, N, N, K];
    Cidr =>           [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, K, K, N, K];
    EnumType =>       [N, N, N, N, N, N, N, K, K, N, N, N, N, N, N, N, N, N, N, N, N, N, N, K];
    NamedType =>      [K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K];
}

// Arrays: element to element; an array into text (its text form) or into a type the crate does not
// know is kept, into any other scalar narrowed (one value cannot hold the elements).
impl<A: ChangeTo<B>, B> ChangeTo<Array<B>> for Array<A> {
    type Values = <A as ChangeTo<B>>::Values;
}

macro_rules! array_into_scalar {
    ($($to:ty => $v:ident),* $(,)?) => {$(
        impl<T> ChangeTo<$to> for Array<T> {
            type Values = type_changes!(@values $v);
        }
    )*};
}

array_into_scalar! {
    SmallInt => N, Integer => N, BigInt => N, Numeric => N, Real => N, Double => N, Boolean => N, Text => K,
    UnboundedVarchar => K, Varchar => N, Char => N, Uuid => N, Bytea => N, Date => N, Time => N, Timestamp => N,
    Timestamptz => N, Interval => N, Json => N, Jsonb => N, Inet => N, Cidr => N, EnumType => N, NamedType => K,
}
