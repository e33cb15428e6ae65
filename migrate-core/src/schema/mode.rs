//! Migration modes: what a `Schema` may record.
//!
//! `#[migration]` gives `up` the [`DerivedDown`] mode when the migration has no explicit `down`: in that
//! mode the builder methods of irreversible ops do not exist as far as the type checker is concerned
//! (their `where` bound fails), so a migration that could not be rolled back does not compile. This
//! holds wherever the call is written: in `up`, in a helper taking `&mut Schema`, or in a macro.
//! With an explicit `down` (mode [`WithDown`]) or a reasoned opt-out (mode [`Irreversible`]) every
//! op is available.
//!
//! A helper that records irreversible ops takes the mode as a parameter, with the bound of each op
//! (`fn helper<M: ?Sized + AllowsDropTable>(s: &mut Schema<M>)`), or takes `&mut Schema<ExplicitDown>`: the
//! builder of any migration with a `down` (or marked irreversible) passes as one. Passed from a
//! migration without `down`, it does not compile, and the error says to write the `down`:
//!
//! ```compile_fail,E0277
//! use migrate_core::prelude::*;
//! use migrate_core::schema::mode::ExplicitDown;
//!
//! fn retire(s: &mut Schema<ExplicitDown>) {
//!     s.drop_table("legacy");
//! }
//!
//! mod m20240101000000_retire {
//!     use migrate_core::prelude::*;
//!
//!     #[migration]
//!     pub fn up(s: &mut Schema) {
//!         super::retire(s); // error: this migration has no `down`, ...
//!     }
//! }
//! # fn main() {}
//! ```

use std::panic::{RefUnwindSafe, UnwindSafe};

/// A migration mode. Sealed: [`DerivedDown`], [`WithDown`], [`Irreversible`], and [`ExplicitDown`], which
/// stands for either of `WithDown` and `Irreversible`, are all there are.
pub trait Mode: sealed::Sealed + 'static {
    /// Which mode: 0 derived, 1 with down, 2 irreversible, 3 [`ExplicitDown`] (no migration's:
    /// `#[migration]` checks that a migration's mode is the one its `down` and options give it).
    #[doc(hidden)]
    const KIND: u8;
}

/// A mode a builder is made in ([`Schema::in_mode`](crate::Schema::in_mode)): every mode but
/// [`ExplicitDown`], which only names the modes with every op allowed.
pub trait BuilderMode: Mode + Sized {
    #[doc(hidden)]
    const VALUE: Self;
}

mod sealed {
    pub trait Sealed {}
}

/// The down is derived from `up`: only reversible ops are allowed. The default mode of [`Schema`](crate::Schema).
#[derive(Debug)]
pub struct DerivedDown {
    _private: (),
}
/// The migration has an explicit `down`: every op is allowed in `up`. `#[migration]` gives this mode
/// to `up` and `down` of such a migration; helpers name it [`ExplicitDown`].
#[derive(Debug)]
pub struct WithDown {
    _private: (),
}
/// The migration is knowingly irreversible (`#[migration(irreversible = "why")]`).
#[derive(Debug)]
pub struct Irreversible {
    _private: (),
}

/// The modes in which every op is allowed: [`WithDown`] and [`Irreversible`]. Named through
/// [`ExplicitDown`].
#[diagnostic::on_unimplemented(
    message = "this migration has no `down`, and it passes its builder to a function that takes `Schema<ExplicitDown>`, which may record what cannot be undone",
    label = "a migration without `down` cannot pass its builder as `Schema<ExplicitDown>`",
    note = "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; or make the function generic over the mode: `fn helper<M: ?Sized + Mode>(s: &mut Schema<M>)` if it records only reversible changes, with the bound of each irreversible op it records otherwise (`M: ?Sized + AllowsDropTable` for `drop_table`)"
)]
pub trait HasDown: sealed::Sealed + Send + Sync + UnwindSafe + RefUnwindSafe + 'static {}

/// The builder of a migration with a `down` (or marked irreversible), as a helper function takes it:
/// `fn helper(s: &mut Schema<ExplicitDown>)`. Every op is allowed. The builder of such a migration
/// ([`WithDown`] or [`Irreversible`] mode) passes as one; that of a migration without `down` does
/// not (a compile error that says to write the `down`).
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::schema::mode::ExplicitDown;
///
/// fn retire(s: &mut Schema<ExplicitDown>, table: &str) {
///     s.drop_table(table);
/// }
///
/// let mut s = Schema::<ExplicitDown>::in_mode();
/// retire(&mut s, "legacy");
/// assert_eq!(s.finish().unwrap().len(), 1);
/// ```
pub type ExplicitDown = dyn HasDown;

impl sealed::Sealed for DerivedDown {}
impl sealed::Sealed for WithDown {}
impl sealed::Sealed for Irreversible {}
#[diagnostic::do_not_recommend]
impl HasDown for WithDown {}
#[diagnostic::do_not_recommend]
impl HasDown for Irreversible {}
impl Mode for DerivedDown {
    const KIND: u8 = 0;
}
impl Mode for WithDown {
    const KIND: u8 = 1;
}
impl Mode for Irreversible {
    const KIND: u8 = 2;
}
impl Mode for ExplicitDown {
    const KIND: u8 = 3;
}
impl BuilderMode for DerivedDown {
    const VALUE: Self = DerivedDown { _private: () };
}
impl BuilderMode for WithDown {
    const VALUE: Self = WithDown { _private: () };
}
impl BuilderMode for Irreversible {
    const VALUE: Self = Irreversible { _private: () };
}

// `#[diagnostic::on_unimplemented]` takes only string literals (no `concat!`), so each marker trait is
// written out with its own sentence.
macro_rules! irreversible_op {
    ($(#[$doc:meta])* $trait:ident, $message:literal, $label:literal, $note:literal) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(
            message = $message,
            label = $label,
            note = $note
        )]
        pub trait $trait: Mode {}
        // Hidden from diagnostics: the error names the op and the fix, not the modes that allow it.
        #[diagnostic::do_not_recommend]
        impl $trait for WithDown {}
        #[diagnostic::do_not_recommend]
        impl $trait for Irreversible {}
        #[diagnostic::do_not_recommend]
        impl $trait for ExplicitDown {}
    };
}

irreversible_op!(
    /// Allows `drop_table` (an irreversible op) in `up`.
    AllowsDropTable,
    "`drop_table` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the table and its rows cannot be recreated",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropTable>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_column` (an irreversible op) in `up`.
    AllowsDropColumn,
    "`drop_column` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the column and its values cannot be recreated",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropColumn>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_index` (an irreversible op) in `up`.
    AllowsDropIndex,
    "`drop_index` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the index definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropIndex>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_constraint` (an irreversible op) in `up`.
    AllowsDropConstraint,
    "`drop_constraint` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the constraint definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropConstraint>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_enum` (an irreversible op) in `up`.
    AllowsDropEnum,
    "`drop_enum` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the enum's values are not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropEnum>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_extension` (an irreversible op) in `up`.
    AllowsDropExtension,
    "`drop_extension` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the extension's objects and data cannot be recreated",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropExtension>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_schema` (an irreversible op) in `up`.
    AllowsDropSchema,
    "`drop_schema` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the schema's contents cannot be recreated",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropSchema>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_view` (an irreversible op) in `up`.
    AllowsDropView,
    "`drop_view` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the view's query is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropView>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_sequence` (an irreversible op) in `up`.
    AllowsDropSequence,
    "`drop_sequence` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the sequence's definition and position are not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropSequence>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_materialized_view` (an irreversible op) in `up`.
    AllowsDropMaterializedView,
    "`drop_materialized_view` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the view's query is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropMaterializedView>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_type` and `drop_domain` (irreversible ops) in `up`.
    AllowsDropType,
    "`drop_type` / `drop_domain` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the type's definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropType>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_domain_check` (an irreversible op) in `up`.
    AllowsDropDomainCheck,
    "`drop_domain_check` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the constraint's condition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropDomainCheck>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `add_unique_using_index` and `add_primary_key_using_index` (irreversible ops) in `up`.
    AllowsUsingIndex,
    "`add_unique_using_index` / `add_primary_key_using_index` cannot be undone automatically, and this migration has no `down`",
    "irreversible: dropping the constraint drops the index it took over",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module (drop the constraint, create the index again), or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsUsingIndex>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `replace_function` (an irreversible op) in `up`.
    AllowsReplaceFunction,
    "`replace_function` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the definition it replaces is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module that creates the old definition again, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsReplaceFunction>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_function` and `drop_procedure` (irreversible ops) in `up`.
    AllowsDropFunction,
    "`drop_function` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the function's definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropFunction>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_trigger` (an irreversible op) in `up`.
    AllowsDropTrigger,
    "`drop_trigger` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the trigger's definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropTrigger>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows a one-way `.using(..)` on `change_type` in `up`.
    AllowsOneWayUsing,
    "`.using(..)` converts the values one way, and this migration has no `down`",
    "one-way: the derived down would change the type back without converting the values",
    "to fix it, give both ways with `.converting(up, down)`, or write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsOneWayUsing>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows a narrowing `change_type` (`bigint` to `integer`, `text` to `varchar`: see
    /// [`ChangeTo`](crate::types::ChangeTo)) in `up`.
    AllowsNarrowing,
    "this `change_type` narrows the column's type, and this migration has no `down`",
    "narrowing: the new type cannot hold every value of the old, and the derived down would change the type back without giving back what was refused, rounded or cut off",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module (restoring the values from a copy if they matter), or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsNarrowing>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_policy` (an irreversible op) in `up`.
    AllowsDropPolicy,
    "`drop_policy` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the policy's definition is not known to the down",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDropPolicy>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `add_enum_value` (an irreversible op) in `up`.
    AllowsAddEnumValue,
    "`add_enum_value` cannot be undone automatically, and this migration has no `down`",
    "irreversible: PostgreSQL cannot remove a value from an enum",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsAddEnumValue>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `sql` (an irreversible op) in `up`.
    AllowsRawSql,
    "`sql` cannot be undone automatically, and this migration has no `down`",
    "irreversible: this SQL has no derived inverse (only a string literal whose every statement has one does: CREATE TABLE, CREATE INDEX, ADD COLUMN, renames, ...)",
    "to fix it, use `s.sql_with_down(up_sql, down_sql)`, or write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsRawSql>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `change_type_unrecorded` (an irreversible op) in `up`.
    AllowsUnrecordedTypeChange,
    "`change_type_unrecorded` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the old type is not recorded",
    "to fix it, use `t.change_type(column, OldType, NewType)`, or write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsUnrecordedTypeChange>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `drop_default_unrecorded` (an irreversible op) in `up`.
    AllowsUnrecordedDropDefault,
    "`drop_default_unrecorded` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the previous default is not recorded",
    "to fix it, use `t.drop_default(column, Type, previous_default)`, or write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsUnrecordedDropDefault>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `backfill` (an irreversible op) in `up`.
    AllowsBackfill,
    "`backfill` cannot be undone automatically, and this migration has no `down`",
    "irreversible: the values it overwrites are gone",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; to fill a column you add, use `.backfill(expr)` on the column instead; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsBackfill>(s: &mut Schema<M>)`"
);

irreversible_op!(
    /// Allows `data_step` (an irreversible op) in `up`.
    AllowsDataStep,
    "`data_step` cannot be undone automatically, and this migration has no `down`",
    "irreversible: Rust code has no known inverse",
    "to fix it, write `#[migration] pub fn down(s: &mut Schema)` in the same module, or mark the migration `#[migration(irreversible = \"why it cannot be undone\")]`; a helper function that records it takes the mode: `fn helper<M: ?Sized + AllowsDataStep>(s: &mut Schema<M>)`"
);
