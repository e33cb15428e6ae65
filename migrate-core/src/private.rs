//! Items used by the code `#[migration]` generates.
// Not public API.

pub use inventory;

pub use crate::registry::{BuildFn, MigrationDef};
use crate::schema::mode::{DerivedDown, Irreversible, WithDown};

/// Fails to compile (a const panic) when the module is not named `m<YYYYMMDDHHMMSS>_<snake_name>`.
pub const fn check_module_path(path: &str) {
    if let Some(problem) = migrate_naming::check(crate::registry::module_name_of(path)) {
        // One argument, a `&str`: the only formatting a const panic allows.
        panic!("{}", problem.sentence());
    }
}

/// The `down` that `#[migration]` on `up` provides when the module has none.
pub struct NoDown;

/// What `#[migration]` on `fn up` glob-imports (`use ..::derived::*`, or `irreversible` with that
/// option): the mode and the absent `down` of a module without `#[migration] fn down`. The `down`
/// expansion's own items shadow these glob imports. Shared here rather than emitted in every
/// migration: each item a migration expands to costs the compiler on every rebuild.
#[allow(non_upper_case_globals)]
pub mod up_fallback {
    use super::{BuildFn, NoDown};

    pub mod derived {
        pub use super::__MIGRATE_DOWN;
        pub use super::down;
        pub type __MigrateMode = crate::schema::mode::DerivedDown;
    }
    pub mod irreversible {
        pub use super::__MIGRATE_DOWN;
        pub use super::down;
        pub type __MigrateMode = crate::schema::mode::Irreversible;
    }
    pub const __MIGRATE_DOWN: Option<BuildFn> = None;
    pub const down: NoDown = NoDown;
}

/// What `#[migration]` on `fn down` glob-imports: the marker of a module whose `fn up` lacks the
/// attribute. The `up` expansion's own `__MigrateUp` shadows it.
pub mod down_fallback {
    pub type __MigrateUp = super::UpWithoutAttribute;
}

/// Checks that a `fn down` next to `#[migration] fn up` is registered too.
#[diagnostic::on_unimplemented(
    message = "`fn down` of this migration has no #[migration] attribute, so it would never run",
    label = "this migration's `down` is not registered",
    note = "add `#[migration]` on the line above `pub fn down(s: &mut Schema)`"
)]
pub trait DownHasAttribute<M> {}
#[diagnostic::do_not_recommend]
impl DownHasAttribute<DerivedDown> for NoDown {}
#[diagnostic::do_not_recommend]
impl DownHasAttribute<Irreversible> for NoDown {}
#[diagnostic::do_not_recommend]
impl<T> DownHasAttribute<WithDown> for T {}

/// See [`DownHasAttribute`].
pub const fn check_down<M, T: DownHasAttribute<M>>(_down: &T) {}

/// What `#[migration]` on `fn up` declares; the `down` expansion requires it.
pub struct UpRegistered;
/// What the `down` expansion falls back to when `fn up` has no `#[migration]`.
pub struct UpWithoutAttribute;

/// Checks that `fn up` of a module with `#[migration] fn down` is registered.
#[diagnostic::on_unimplemented(
    message = "`fn up` of this migration has no #[migration] attribute, so the migration is not registered",
    label = "this `down` belongs to a migration whose `up` is not registered",
    note = "add `#[migration]` on the line above `pub fn up(s: &mut Schema)`"
)]
pub trait UpHasAttribute {}
impl UpHasAttribute for UpRegistered {}

/// See [`UpHasAttribute`].
pub const fn check_up<T: UpHasAttribute>() {}

/// Fails to compile (a const panic) when the migration's mode is not the one its `down` and options
/// give it: a module that defines or imports its own `__MigrateMode` would otherwise switch off the
/// check that a migration without `down` records only reversible ops.
pub const fn check_mode<M: ?Sized + crate::schema::mode::Mode>(has_down: bool, irreversible: bool) {
    let expected = if irreversible {
        2
    } else if has_down {
        1
    } else {
        0
    };
    if M::KIND != expected {
        panic!(
            "this migration's mode is not the one #[migration] gives it: the module defines or imports its own `__MigrateMode`, which would switch off the check that a migration without `down` is reversible; remove it (write `#[migration] pub fn down(s: &mut Schema)` for an irreversible change)"
        );
    }
}

/// The mode of `down`, named in its generated signature (`up` has `__MigrateMode`).
pub type DownMode = WithDown;

/// Fails to compile (a const panic) when `#[migration(allow(..))]` names an unknown lint rule.
pub const fn check_rule(id: &str) {
    if !crate::lint::rules::is_rule_id(id) {
        panic!(
            "unknown lint rule in #[migration(allow(..))]: see the rule list in the migrate_core::lint docs (LINT_RULES.md)"
        );
    }
}
