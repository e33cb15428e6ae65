//! The registry: every migration linked into the program, sorted, built, reversed and checksummed.
//!
//! `#[migration]` registers a static [`MigrationDef`] through inventory. inventory defines no iteration
//! order, so [`migrations`] sorts by version and rejects duplicate versions.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::canonical::Canonical;
pub use crate::canonical::{CANONICAL_FORMAT, SQL_TEXT_FORMAT};
use crate::error::BuildErrors;
use crate::op::Op;
use crate::reverse::{Irreversible, reverse_ops, reverse_ops_owned};

/// Builds a migration's ops: what [`MigrationDef`] holds for `up` and `down`.
pub type BuildFn = &'static dyn Build;

/// A function that builds a migration's ops.
///
/// `#[migration]` registers its `fn up` / `fn down` as a plain function pointer with the builder mode
/// it takes, `&(up as fn(&mut Schema<M>))` (`M` a [`BuilderMode`](crate::schema::mode::BuilderMode)):
/// the code that runs it is compiled once per mode in the migrations crate, rather than once per
/// migration. A function that returns the ops is a `Build` too (tests that register definitions of
/// their own use it):
///
/// ```
/// use migrate_core::error::BuildErrors;
/// use migrate_core::op::Op;
/// use migrate_core::registry::BuildFn;
///
/// fn up() -> Result<Vec<Op>, BuildErrors> {
///     let mut s = migrate_core::Schema::new();
///     s.create_schema("reports");
///     s.finish()
/// }
/// let build: BuildFn = &(up as fn() -> Result<Vec<Op>, BuildErrors>);
/// assert_eq!(build.build().unwrap().len(), 1);
/// ```
pub trait Build: Sync + std::panic::RefUnwindSafe {
    /// Runs the function and returns the ops it records (validated), or every problem found.
    fn build(&self) -> Result<Vec<Op>, BuildErrors>;
}

impl<M: crate::schema::mode::BuilderMode> Build for fn(&mut crate::Schema<M>) {
    fn build(&self) -> Result<Vec<Op>, BuildErrors> {
        let mut s = crate::Schema::<M>::in_mode();
        self(&mut s);
        s.finish()
    }
}

impl fmt::Debug for dyn Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Build")
    }
}

impl Build for fn() -> Result<Vec<Op>, BuildErrors> {
    fn build(&self) -> Result<Vec<Op>, BuildErrors> {
        self()
    }
}

/// What `#[migration]` registers for each migration. Not built by hand.
#[derive(Debug)]
pub struct MigrationDef {
    /// `module_path!()` of the migration's module; its last segment is `m<version>_<name>`.
    pub module_path: &'static str,
    /// The source file and line of `fn up`; for an SQL-file migration, its `up.sql` (as the crate's
    /// build script names it: `src/migrations/m.._name/up.sql`).
    pub file: &'static str,
    /// The line of `fn up` in `file`.
    pub line: u32,
    /// Builds the migration's up ops.
    pub up: BuildFn,
    /// The explicit down, if the migration has one.
    pub down: Option<BuildFn>,
    /// `false` for `#[migration(no_transaction)]`.
    pub transaction: bool,
    /// The reason given with `#[migration(irreversible = "..")]`.
    pub irreversible: Option<&'static str>,
    /// Lint rules acknowledged with `#[migration(allow(rule = "reason"))]`: `(rule id, reason)`.
    pub allow: &'static [(&'static str, &'static str)],
    /// The identifier in the tool the migration was imported from (`#[migration(original = "..")]`).
    pub original: Option<&'static str>,
    /// For a baseline written by `squash` (`#[migration(squashes(..))]`): the versions of the
    /// migrations it replaces, its own among them. Empty for every other migration.
    pub squashes: &'static [u64],
}

inventory::collect!(MigrationDef);

pub use crate::repeatable::RepeatableDef;

/// The folder of a migrations crate whose module list `migrate-build` generated (the list registers
/// it). A migrations binary compares it with the crate the `migrate-cli` driver meant to run: two
/// projects whose migrations crates share a package name and a cargo target folder would otherwise
/// run each other's binary against the wrong database.
#[derive(Debug)]
pub struct CrateDir(pub &'static str);

inventory::collect!(CrateDir);

/// The folders of the migrations crates linked into this program ([`CrateDir`]).
pub fn crate_dirs() -> Vec<&'static str> {
    let mut dirs: Vec<&'static str> = inventory::iter::<CrateDir>.into_iter().map(|d| d.0).collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs
}

/// How a migration is undone.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Down {
    /// Derived from `up` by [`reverse_ops`].
    Derived(Vec<Op>),
    /// Written by hand in `fn down`.
    Explicit(Vec<Op>),
    /// Knowingly irreversible, with the reason; rolling back fails with it.
    Irreversible {
        /// The reason given with `#[migration(irreversible = "..")]`.
        reason: String,
    },
}

/// A loaded migration.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The 14-digit timestamp of its module name, as a number (`20240620120000`).
    pub version: u64,
    /// The part of the module name after the version.
    pub name: String,
    /// Its ops, validated (empty in a summary: [`loaded`](Migration::loaded) builds them).
    pub up: Vec<Op>,
    /// How it is undone; the ops of a derived or written down are empty in a summary, as `up`'s.
    pub down: Down,
    /// Runs in one transaction (the default) or, with `no_transaction`, statement by statement.
    pub transaction: bool,
    /// Hex SHA-256 of the canonical form of the migration's ops and options.
    pub checksum: String,
    /// The version of the canonical form the checksum was computed from: [`CANONICAL_FORMAT`] (the
    /// ops), or for an SQL-file migration [`SQL_TEXT_FORMAT`] (its normalised SQL text).
    pub checksum_format: u32,
    /// For an SQL-file migration, the checksum of format 1 (its ops' canonical form, as the first
    /// releases stored it), which a history row of that format is compared with until `up`
    /// re-stamps it.
    pub legacy_checksum: Option<String>,
    /// The source file of `fn up`, or the `up.sql` of an SQL-file migration (as
    /// [`MigrationDef::file`]).
    pub file: &'static str,
    /// The line of `fn up` in `file`.
    pub line: u32,
    /// Lint rules this migration acknowledges: `(rule id, reason)`.
    pub acks: Vec<(String, String)>,
    /// The identifier in the tool it was imported from, kept in the history.
    pub original: Option<String>,
    /// For a baseline written by `squash`: the versions of the migrations it replaces, in order, its
    /// own among them. On a database that applied them, `up` records the baseline in place of them
    /// without running it; on a new one it runs instead of them. Empty for every other migration.
    pub squashes: Vec<u64>,
    /// For a summary ([`summaries`]), which holds no ops: the registered definition it was built
    /// from, which [`loaded`](Migration::loaded) builds the ops again from. `None` for a migration that
    /// holds its ops ([`migrations`], or made by hand).
    pub source: Option<&'static MigrationDef>,
}

impl Migration {
    /// Whether a checksum stored in the history (with its format) is this migration's: the current
    /// one, or for a row stored before SQL-file migrations were checksummed by their text, the one
    /// of that format.
    pub fn checksum_matches(&self, stored: &str, format: u32) -> bool {
        if format == CANONICAL_FORMAT && self.checksum_format != CANONICAL_FORMAT {
            return self.legacy_checksum.as_deref() == Some(stored);
        }
        self.checksum == stored
    }

    /// Whether the checksum stored in the history is of an older format that `up` re-stamps.
    pub fn restamps(&self, stored: &str, format: u32) -> bool {
        format != self.checksum_format && self.checksum_matches(stored, format)
    }

    /// Whether the down was derived rather than written.
    pub fn down_is_derived(&self) -> bool {
        matches!(self.down, Down::Derived(_))
    }

    /// The down ops, or the reason the migration cannot be rolled back.
    pub fn down_ops(&self) -> Result<&[Op], &str> {
        match &self.down {
            Down::Derived(ops) | Down::Explicit(ops) => Ok(ops),
            Down::Irreversible { reason } => Err(reason),
        }
    }

    /// This migration with its ops: itself when it holds them, else built again from its
    /// [`source`](Migration::source) (a summary). The build must give the ops the checksum was taken
    /// of: a builder that gives other ops each time it runs is an error, not a different migration.
    ///
    /// ```no_run
    /// let summaries = migrate_core::registry::summaries()?;
    /// let first = summaries[0].loaded()?;
    /// assert_eq!(first.checksum, summaries[0].checksum);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn loaded(&self) -> Result<std::borrow::Cow<'_, Migration>, RegistryError> {
        let Some(def) = self.source else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let built = build(self.version, self.name.clone(), def, true)?;
        if built.checksum != self.checksum {
            return Err(RegistryError::Nondeterministic { migration: self.id(), file: def.file.into() });
        }
        Ok(std::borrow::Cow::Owned(built))
    }

    /// `m<version>_<name>`, as the module is named.
    pub fn id(&self) -> String {
        format!("m{}_{}", self.version, self.name)
    }
}

/// A problem found while loading the migrations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No migration is linked into the program.
    #[error(
        "no migrations found: this program links no #[migration].\n\
         If your migrations live in their own crate, the binary (or test) must name that crate, or the linker \
         drops it: add `use my_migrations as _;` to main.rs (or the test), where `my_migrations` is the \
         migrations crate. A migration's module must also be compiled: check the `mod` lines (or the \
         build-script module list) of the migrations crate. A new project has none until \
         `migrate-cli new NAME` writes one."
    )]
    NoMigrations,
    /// The module name does not have the form `m<YYYYMMDDHHMMSS>_<snake_name>`.
    #[error("migration module `{module_path}` ({file}) is misnamed: {problem}")]
    BadName {
        /// The migration's `module_path!()`.
        module_path: String,
        /// Its source file.
        file: String,
        /// What is wrong with the name.
        problem: String,
    },
    /// Two migrations share a version.
    #[error("migration version {version} is used twice: by {first} and by {second}; give one of them a new timestamp")]
    DuplicateVersion {
        /// The version both use.
        version: u64,
        /// One of them: its module path and source file.
        first: String,
        /// The other one.
        second: String,
    },
    /// A migration's ops are invalid.
    #[error("migration {migration} ({file}):\n{errors}")]
    Build {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// Every problem found in its ops.
        errors: BuildErrors,
    },
    /// A migration without explicit down contains irreversible ops (the compile-time check was bypassed).
    #[error("migration {migration} ({file}) has no `down`, and its up cannot be reversed:\n{}", list(.ops))]
    Irreversible {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// Each op that has no inverse, and why.
        ops: Vec<Irreversible>,
    },
    /// A transactional migration contains a statement PostgreSQL refuses inside a transaction.
    #[error(
        "migration {migration} ({file}) runs in a transaction, but `{op}` cannot run inside one: mark it `#[migration(no_transaction)]`"
    )]
    NeedsNoTransaction {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// The first op that cannot run in a transaction, as [`Op::describe`] names it.
        op: String,
    },
    /// Building a migration again gave other ops than the first build.
    #[error(
        "migration {migration} ({file}) gave other ops when built again: a migration's `up` and `down` must build \
         the same ops every time they run (no clock, randomness, environment or I/O in the builder)"
    )]
    Nondeterministic {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
    },
    /// A type change narrows a length or precision (`varchar(100)` to `varchar(50)`) in a migration
    /// whose down is derived: the down widens it again, but what the narrowing refused or rounded is
    /// not given back.
    #[error(
        "migration {migration} ({file}) has no `down`, and {what}: values that do not fit make the change fail, and a numeric's dropped digits are rounded away for good. Add the `down` (restoring from a copy if the values matter); if the migration is applied already, then run `migrate-cli resolve --accept-checksum {version}`"
    )]
    Narrowing {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// The narrowing change: the column and its old and new types.
        what: String,
        /// The migration's version, for the `resolve --accept-checksum` the message suggests.
        version: u64,
    },
    /// A definition `#[migration]` never makes: registered by hand through the re-exported inventory,
    /// with ops the builder never records (a drop carrying the definition that only a derived down
    /// has, which would make an irreversible drop look reversible).
    #[error(
        "migration {migration} ({file}) was not registered by #[migration]: {what}. Write the migration as `#[migration] pub fn up(s: &mut Schema)` with the builder"
    )]
    NotFromMacro {
        /// The migration, `m<version>_<name>` (or the module path given, when it is not one).
        migration: String,
        /// Its source file.
        file: String,
        /// What `#[migration]` would not have registered.
        what: String,
    },
    /// A baseline written by `squash` replaces a migration that is still in the code (or one newer
    /// than itself).
    #[error(
        "migration {migration} ({file}) is a baseline that replaces {version}, {why}: remove {version}'s file from src/migrations/ (git keeps it), or {version} from the baseline's `squashes(..)`"
    )]
    SquashedInCode {
        /// The baseline, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// The version it lists.
        version: u64,
        /// What is wrong with it.
        why: String,
    },
    /// A migration older than a baseline written by `squash` that the baseline does not replace: on a
    /// new database it would run before the baseline, against a schema not made yet.
    #[error(
        "migration {migration} ({file}) is older than the baseline {baseline} but not squashed into it: on a new database it would run before the baseline. Give it a newer timestamp (rename its file with the version `migrate-cli new` would give it)"
    )]
    OlderThanBaseline {
        /// The older migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
        /// The baseline, `m<version>_<name>`.
        baseline: String,
    },
    /// A migration is marked irreversible and has a `down` too.
    #[error("migration {migration} ({file}) is marked irreversible but has a `down`: remove one of them")]
    IrreversibleWithDown {
        /// The migration, `m<version>_<name>`.
        migration: String,
        /// Its source file.
        file: String,
    },
}

fn list(errors: &[Irreversible]) -> String {
    errors.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n")
}

/// Every problem found while loading.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RegistryErrors(pub Vec<RegistryError>);

impl fmt::Display for RegistryErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Loads every migration linked into the program: sorted by version, ops built and validated, downs
/// derived (or built), checksums computed. Reports every problem at once.
pub fn migrations() -> Result<Vec<Migration>, RegistryErrors> {
    load(inventory::iter::<MigrationDef>())
}

/// [`migrations`] without their ops: each migration is built, checked and checksummed, then its ops
/// are dropped (`up` empty, a derived or explicit down empty). What comparing the code with the
/// history needs (`status`), in a fraction of the memory of a long history; the runner builds a
/// summary's ops again when it plans it ([`Migration::loaded`]), one migration at a time (`up`).
///
/// ```no_run
/// let summaries = migrate_core::registry::summaries()?;
/// assert!(summaries.iter().all(|m| m.up.is_empty() && !m.checksum.is_empty()));
/// # Ok::<(), migrate_core::registry::RegistryErrors>(())
/// ```
pub fn summaries() -> Result<Vec<Migration>, RegistryErrors> {
    summaries_of(inventory::iter::<MigrationDef>())
}

/// [`summaries`] over an explicit list of definitions (tests, tools).
pub fn summaries_of(defs: impl IntoIterator<Item = &'static MigrationDef>) -> Result<Vec<Migration>, RegistryErrors> {
    load_keeping(defs, false)
}

/// [`migrations`] over an explicit list of definitions (tests, tools).
pub fn load(defs: impl IntoIterator<Item = &'static MigrationDef>) -> Result<Vec<Migration>, RegistryErrors> {
    load_keeping(defs, true)
}

fn load_keeping(
    defs: impl IntoIterator<Item = &'static MigrationDef>,
    keep_ops: bool,
) -> Result<Vec<Migration>, RegistryErrors> {
    let mut named: Vec<(u64, String, &'static MigrationDef)> = Vec::new();
    let mut errors = Vec::new();
    let mut any = false;
    for def in defs {
        any = true;
        if !def.module_path.contains("::") {
            // `module_path!()` starts with the crate's name.
            errors.push(RegistryError::NotFromMacro {
                migration: def.module_path.into(),
                file: def.file.into(),
                what: format!("its module path `{}` is not a `module_path!()` (crate::module)", def.module_path),
            });
            continue;
        }
        let module = last_segment(def.module_path);
        // An inline migration module inside a migration's file is nested in the file's module.
        let parent = def.module_path.rsplit("::").nth(1);
        if let Some(stem) = file_stem(def.file)
            && stem != module
            && parent != Some(stem)
            && migrate_naming::check(stem.as_bytes()).is_none()
        {
            // `#[path = "m…_a.rs"] mod m…_b;`: the history would record another name than the file's.
            errors.push(RegistryError::BadName {
                module_path: def.module_path.into(),
                file: def.file.into(),
                problem: format!(
                    "the module is named `{module}` but its file is `{stem}.rs`: a migration takes its file's name (drop the #[path] attribute, or name the module `{stem}`)"
                ),
            });
            continue;
        }
        match parse_module_name(module) {
            Ok((version, name)) => named.push((version, name.to_string(), def)),
            Err(problem) => errors.push(RegistryError::BadName {
                module_path: def.module_path.into(),
                file: def.file.into(),
                problem: problem.into(),
            }),
        }
    }
    if !any {
        return Err(RegistryErrors(vec![RegistryError::NoMigrations]));
    }
    named.sort_by(|a, b| (a.0, a.2.file).cmp(&(b.0, b.2.file)));
    for pair in named.windows(2) {
        if pair[0].0 == pair[1].0 {
            errors.push(RegistryError::DuplicateVersion {
                version: pair[0].0,
                first: format!("{} ({})", pair[0].2.module_path, pair[0].2.file),
                second: format!("{} ({})", pair[1].2.module_path, pair[1].2.file),
            });
        }
    }
    let versions: std::collections::HashSet<u64> = named.iter().map(|n| n.0).collect();
    for (version, name, def) in named.iter().filter(|n| !n.2.squashes.is_empty()) {
        let baseline = || format!("m{version}_{name}");
        if !def.squashes.contains(version) || !def.squashes.windows(2).all(|w| w[0] < w[1]) {
            errors.push(RegistryError::NotFromMacro {
                migration: baseline(),
                file: def.file.into(),
                what: format!(
                    "its `squashes(..)` must list the versions it replaces in increasing order, each once, its own ({version}) last"
                ),
            });
        }
        // A migration older than a baseline and not replaced by it would run before it on a new
        // database, against tables the baseline has not made yet.
        if let Some((older, older_name, older_def)) =
            named.iter().find(|(v, _, _)| v < version && !def.squashes.contains(v))
        {
            errors.push(RegistryError::OlderThanBaseline {
                migration: format!("m{older}_{older_name}"),
                file: older_def.file.into(),
                baseline: baseline(),
            });
        }
        for s in def.squashes.iter().filter(|s| **s != *version) {
            let why = if *s > *version {
                Some(format!("which is newer than the baseline ({version})"))
            } else if versions.contains(s) {
                Some("which is still in the code".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                errors.push(RegistryError::SquashedInCode {
                    migration: format!("m{version}_{name}"),
                    file: def.file.into(),
                    version: *s,
                    why,
                });
            }
        }
    }
    let mut out = Vec::with_capacity(named.len());
    for built in build_all(named, keep_ops) {
        match built {
            Ok(mut m) => {
                if !keep_ops {
                    // A summary's checksum was written on a builder thread, between the migration's
                    // temporaries: a copy made here lets the builders' memory go (at 10,000 migrations,
                    // 640 KB of checksums kept some 30 MiB of the builders' pages alive).
                    m.checksum = m.checksum.as_str().to_owned();
                }
                out.push(m)
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(RegistryErrors(errors)) }
}

/// Builds every migration (ops, derived down, checksum), in order. Every command starts with this, so
/// a long history is split across the machine's cores (each migration builds on its own).
fn build_all(
    named: Vec<(u64, String, &'static MigrationDef)>,
    keep_ops: bool,
) -> Vec<Result<Migration, RegistryError>> {
    crate::parallel::map_in_order(named, 256, |(version, name, def)| build(version, name, def, keep_ops))
}

/// A type change that narrows a length or a precision within one kind of type (the kinds themselves
/// are the type markers', checked when the migration compiles).
fn narrowing(op: &Op) -> Option<String> {
    let Op::ChangeColumnType { table, column, to, from: Some(from), .. } = op else { return None };
    narrower(from, to).then(|| {
        format!(
            "it narrows `{table}.{column}` from {} to {}",
            crate::render::render_column_type(from),
            crate::render::render_column_type(to)
        )
    })
}

/// An op the builder and the SQL reader never record: a drop carrying the table's or column's
/// definition, which only a derived down (the inverse of a create) has.
fn not_from_builder(op: &Op) -> Option<String> {
    match op {
        Op::DropTable { name, def: Some(_) } => {
            Some(format!("it drops table `{name}` with a definition attached, which only a derived down carries"))
        }
        Op::DropColumn { table, column, def: Some(_) } => Some(format!(
            "it drops column `{table}.{column}` with a definition attached, which only a derived down carries"
        )),
        _ => None,
    }
}

/// Whether `to` holds fewer values than `from` by its length or precision (the kinds of type are
/// compared by the markers' [`ChangeTo`](crate::types::ChangeTo) when the migration compiles).
fn narrower(from: &crate::op::ColumnType, to: &crate::op::ColumnType) -> bool {
    use crate::op::ColumnType as T;
    // Decimal digits of the largest smallint, integer and bigint.
    let integer_digits = |t: &T| match t {
        T::SmallInt => Some(5),
        T::Integer => Some(10),
        T::BigInt => Some(19),
        _ => None,
    };
    match (from, to) {
        (
            T::Varchar { length: Some(a) } | T::Char { length: a },
            T::Varchar { length: Some(b) } | T::Char { length: b },
        ) => b < a,
        (T::Varchar { length: None }, T::Varchar { length: Some(_) } | T::Char { .. }) => true,
        (T::Numeric { precision: Some(p1), scale: s1 }, T::Numeric { precision: Some(p2), scale: s2 }) => {
            let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
            // Digits before the point, and after it.
            p2.saturating_sub(s2) < p1.saturating_sub(s1) || s2 < s1
        }
        (T::Numeric { precision: None, .. }, T::Numeric { precision: Some(_), .. }) => true,
        (int, T::Numeric { precision: Some(p), scale }) if integer_digits(int).is_some() => {
            p.saturating_sub(scale.unwrap_or(0)) < integer_digits(int).unwrap_or(0)
        }
        (T::Array { element: a }, T::Array { element: b }) => narrower(a, b),
        _ => false,
    }
}

/// Builds one migration; with `keep_ops` false, a summary: checked and checksummed, its ops dropped
/// (the derived down is computed from the up ops themselves, not from a copy).
fn build(version: u64, name: String, def: &'static MigrationDef, keep_ops: bool) -> Result<Migration, RegistryError> {
    // Named only in errors: most migrations have none.
    let id = || format!("m{version}_{name}");
    let build_err = |errors| RegistryError::Build { migration: id(), file: def.file.into(), errors };
    let mut up = def.up.build().map_err(build_err)?;
    up.shrink_to_fit();
    let mut down = match (def.down, def.irreversible) {
        (Some(_), Some(_)) => {
            return Err(RegistryError::IrreversibleWithDown { migration: id(), file: def.file.into() });
        }
        (Some(down), None) => Down::Explicit(down.build().map_err(build_err)?),
        (None, Some(reason)) => Down::Irreversible { reason: reason.into() },
        (None, None) => Down::Derived(Vec::new()),
    };
    let explicit = match &down {
        Down::Explicit(ops) => &ops[..],
        _ => &[],
    };
    if let Some(what) = up.iter().chain(explicit).find_map(not_from_builder) {
        return Err(RegistryError::NotFromMacro { migration: id(), file: def.file.into(), what });
    }
    // A derived down follows from the up: the checksum names it without its ops.
    let (checksum, checksum_format, legacy_checksum) = match sql_file_texts(def, &up) {
        Some((text, down_text)) => (
            sql_file_checksum(text, down_text, &down, def.transaction),
            SQL_TEXT_FORMAT,
            Some(checksum(&up, &down, def.transaction)),
        ),
        None => (checksum(&up, &down, def.transaction), CANONICAL_FORMAT, None),
    };
    let checksum = if def.squashes.is_empty() { checksum } else { squash_checksum(&checksum, def.squashes) };
    let needs_autocommit = |ops: &[Op]| ops.iter().find(|op| op.needs_autocommit()).map(Op::describe);
    let mut refused = if def.transaction { needs_autocommit(&up) } else { None };
    if let Down::Derived(_) = &down
        && let Some(what) = up.iter().find_map(narrowing)
    {
        return Err(RegistryError::Narrowing { migration: id(), file: def.file.into(), what, version });
    }
    if let Down::Derived(ops) = &mut down {
        let reversed = if keep_ops { reverse_ops(&up) } else { reverse_ops_owned(std::mem::take(&mut up)) };
        *ops = reversed.map_err(|ops| RegistryError::Irreversible { migration: id(), file: def.file.into(), ops })?;
        ops.shrink_to_fit();
    }
    if def.transaction
        && let Down::Derived(ops) | Down::Explicit(ops) = &down
    {
        refused = refused.or_else(|| needs_autocommit(ops));
    }
    if let Some(op) = refused {
        return Err(RegistryError::NeedsNoTransaction { migration: id(), file: def.file.into(), op });
    }
    if !keep_ops {
        up = Vec::new();
        if let Down::Derived(ops) | Down::Explicit(ops) = &mut down {
            *ops = Vec::new();
        }
    }
    Ok(Migration {
        version,
        name,
        up,
        down,
        transaction: def.transaction,
        checksum,
        checksum_format,
        legacy_checksum,
        file: def.file,
        line: def.line,
        acks: def.allow.iter().map(|(r, why)| (r.to_string(), why.to_string())).collect(),
        original: def.original.map(str::to_string),
        squashes: def.squashes.to_vec(),
        source: (!keep_ops).then_some(def),
    })
}

/// The texts of an SQL-file migration (its `file` is its `up.sql`, as `migrate-build` writes it): the
/// up, and the down when it has a `down.sql`.
fn sql_file_texts<'a>(def: &MigrationDef, up: &'a [Op]) -> Option<(&'a str, Option<&'a str>)> {
    if !def.file.ends_with(".sql") {
        return None;
    }
    match up {
        [Op::Sql { up, down, declares }] if declares.is_empty() => Some((up, down.as_deref())),
        _ => None,
    }
}

/// The checksum of an SQL-file migration ([`SQL_TEXT_FORMAT`]): SHA-256 of its normalised up and
/// down texts ([`migrate_sql::derive::normalize`]: reformatting, comments and CRLF do not change it)
/// and its options, never of the ops they read into, so that reading more of SQL later does not
/// change the checksums of applied migrations.
pub fn sql_file_checksum(up: &str, down_sql: Option<&str>, down: &Down, transaction: bool) -> String {
    let mut text = String::with_capacity(up.len() + down_sql.map_or(0, str::len) + 64);
    text.push_str("format=");
    crate::canonical::push_decimal(&mut text, SQL_TEXT_FORMAT.into(), false);
    text.push_str(";sql-up=");
    migrate_sql::derive::normalize(up).write_canonical(&mut text);
    text.push_str(";sql-down=");
    match (down_sql, down) {
        (Some(sql), _) => migrate_sql::derive::normalize(sql).write_canonical(&mut text),
        (None, Down::Irreversible { reason }) => {
            text.push_str("irreversible:");
            reason.write_canonical(&mut text);
        }
        (None, _) => text.push_str("derived"),
    }
    text.push_str(";transaction=");
    transaction.write_canonical(&mut text);
    hex_digest(&text)
}

/// The checksum of a baseline written by `squash`: its ops' checksum and the versions it replaces, so
/// that a changed list is a changed migration. (Other migrations' checksums stay as they were.)
pub fn squash_checksum(ops_checksum: &str, squashes: &[u64]) -> String {
    let mut text = format!("{ops_checksum};squashes=");
    for v in squashes {
        crate::canonical::push_decimal(&mut text, u128::from(*v), false);
        text.push(',');
    }
    hex_digest(&text)
}

fn hex_digest(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 15)] as char);
    }
    hex
}

/// The checksum of a migration: SHA-256 of the canonical form of its up ops, its explicit down (a
/// derived down follows from the up) and its options.
pub fn checksum(up: &[Op], down: &Down, transaction: bool) -> String {
    thread_local! {
        // The canonical text of one migration at a time: reused, so a long history is not a stream of
        // growing and freed buffers.
        static TEXT: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(16 * 1024));
    }
    TEXT.with_borrow_mut(|text| {
        text.clear();
        text.push_str("format=");
        crate::canonical::push_decimal(text, CANONICAL_FORMAT.into(), false);
        text.push_str(";up=");
        up.write_canonical(text);
        text.push_str(";down=");
        match down {
            Down::Derived(_) => text.push_str("derived"),
            Down::Explicit(ops) => ops.write_canonical(text),
            Down::Irreversible { reason } => {
                text.push_str("irreversible:");
                reason.write_canonical(text);
            }
        }
        text.push_str(";transaction=");
        transaction.write_canonical(text);
        hex_digest(text)
    })
}

/// The name of a `.rs` file without its folder and extension.
fn file_stem(file: &str) -> Option<&str> {
    let name = file.rsplit(['/', '\\']).next()?;
    name.strip_suffix(".rs")
}

fn last_segment(module_path: &str) -> &str {
    module_path.rsplit("::").next().unwrap_or(module_path)
}

/// Parses `m<YYYYMMDDHHMMSS>_<snake_name>` into the version and the name.
///
/// ```
/// use migrate_core::registry::parse_module_name;
/// assert_eq!(parse_module_name("m20240620120000_add_roles"), Ok((20240620120000, "add_roles")));
/// assert!(parse_module_name("add_roles").is_err());
/// ```
pub fn parse_module_name(module: &str) -> Result<(u64, &str), &'static str> {
    migrate_naming::parse(module).map_err(migrate_naming::NameProblem::describe)
}

/// The problem with a migration module name, if any ([`migrate_naming::check`]). A `const fn`, so
/// `#[migration]` checks the name when the migration compiles.
pub const fn check_module_name(name: &[u8]) -> Option<&'static str> {
    match migrate_naming::check(name) {
        Some(problem) => Some(problem.describe()),
        None => None,
    }
}

/// The last `::` segment of a module path, in a `const fn`.
pub const fn module_name_of(path: &str) -> &[u8] {
    let bytes = path.as_bytes();
    let mut start = bytes.len();
    while start >= 2 {
        if bytes[start - 1] == b':' && bytes[start - 2] == b':' {
            break;
        }
        start -= 1;
    }
    if start < 2 {
        start = 0;
    }
    bytes.split_at(start).1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// The checksum as the first release computed it: the canonical text built with `format!`, hex
    /// digits written one `format!` at a time. Applied migrations carry such checksums for ever.
    fn first_release_checksum(up: &[Op], down: &Down, transaction: bool) -> String {
        let mut text = format!("format={CANONICAL_FORMAT};up=");
        up.write_canonical(&mut text);
        text.push_str(";down=");
        match down {
            Down::Derived(_) => text.push_str("derived"),
            Down::Explicit(ops) => ops.write_canonical(&mut text),
            Down::Irreversible { reason } => {
                text.push_str("irreversible:");
                reason.write_canonical(&mut text);
            }
        }
        text.push_str(";transaction=");
        transaction.write_canonical(&mut text);
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn checksums_are_stable() {
        let mut s = crate::Schema::<crate::schema::mode::ExplicitDown>::in_mode();
        s.create_table("users", |t| {
            t.uuid("id").primary_key().default(gen_random_uuid());
            t.text("email").not_null().unique();
            t.integer("age").default(-42);
        });
        s.create_index("users", [col("email")]);
        let up = s.finish().unwrap();
        let downs = [
            Down::Derived(crate::reverse::reverse_ops(&up).unwrap()),
            Down::Explicit(vec![Op::DropTable { name: "users".into(), def: None }]),
            Down::Irreversible { reason: "data is gone".into() },
        ];
        for down in &downs {
            for tx in [true, false] {
                assert_eq!(checksum(&up, down, tx), first_release_checksum(&up, down, tx));
            }
        }
        // Pinned: a change of the canonical form shows here before it shows in users' histories.
        assert_eq!(checksum(&up, &downs[0], true), "f8fe170426d880431b77c18661e5453d4a7344eea396bdc190975a722d059c4c");
    }
}
