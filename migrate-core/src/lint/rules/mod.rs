//! The lint rules: one module per rule, each opening with its Problem and Solution.

pub mod adding_exclusion_constraint;
pub mod adding_identity_column;
pub mod adding_required_field;
pub mod adding_trigger;
pub mod adding_volatile_default;
pub mod attach_partition_scan;
pub mod backfill_with_ddl;
pub mod ban_drop_column;
pub mod ban_drop_table;
pub mod changing_column_type;
pub mod concurrently_in_transaction;
pub mod constraint_missing_not_valid;
pub mod conversion_round_trip;
pub mod detach_partition_without_concurrently;
pub mod disallowed_unique_constraint;
pub mod domain_check_missing_not_valid;
pub mod dropping_not_null;
pub mod enum_value_in_transaction;
pub mod enum_value_position;
pub(crate) mod helpers;
pub use helpers::is_volatile_sql as is_volatile;
pub mod prefer_bigint_keys;
pub mod prefer_identity;
pub mod prefer_jsonb;
pub mod prefer_text;
pub mod prefer_timestamptz;
pub mod raw_sql;
pub mod refresh_without_concurrently;
pub mod reindex_without_concurrently;
pub mod renaming_column;
pub mod renaming_enum_value;
pub mod renaming_table;
pub mod require_concurrent_index_creation;
pub mod require_concurrent_index_deletion;
pub mod require_lock_timeout;
pub mod setting_not_nullable_field;
pub mod validate_in_same_transaction;

use super::{Context, Severity, Violation};
use crate::op::Op;

/// Every rule. `SchemaModel` reports the schema model's problems (an op that does not fit the schema
/// the earlier migrations build).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// `schema-model`: an op that does not fit the schema the earlier migrations build (an error,
    /// or a warning for what the model cannot judge), or a migration that does not build the same
    /// ops every time.
    SchemaModel,
    /// `CREATE INDEX` without `CONCURRENTLY` blocks writes to the table while the index builds
    /// ([`require_concurrent_index_creation`]).
    RequireConcurrentIndexCreation,
    /// `DROP INDEX` without `CONCURRENTLY` blocks reads and writes on the index's table
    /// ([`require_concurrent_index_deletion`]).
    RequireConcurrentIndexDeletion,
    /// `CONCURRENTLY` in a migration that runs in a transaction, which PostgreSQL refuses
    /// ([`concurrently_in_transaction`]).
    ConcurrentlyInTransaction,
    /// A CHECK or FOREIGN KEY added to an existing table without `NOT VALID` checks every row while
    /// writes wait ([`constraint_missing_not_valid`]).
    ConstraintMissingNotValid,
    /// A constraint validated in the transaction that added it `NOT VALID`, which keeps the
    /// write-blocking lock ([`validate_in_same_transaction`]).
    ValidateInSameTransaction,
    /// A UNIQUE or PRIMARY KEY constraint added to an existing table builds its index while reads
    /// and writes wait ([`disallowed_unique_constraint`]).
    DisallowedUniqueConstraint,
    /// A new column with a volatile default, or a stored generated one, rewrites the table under an
    /// exclusive lock ([`adding_volatile_default`]).
    AddingVolatileDefault,
    /// A NOT NULL column without a default cannot be added to a table with rows
    /// ([`adding_required_field`]).
    AddingRequiredField,
    /// `SET NOT NULL` scans the whole table under an exclusive lock
    /// ([`setting_not_nullable_field`]).
    SettingNotNullableField,
    /// A column type change that rewrites the table and its indexes under an exclusive lock
    /// ([`changing_column_type`]).
    ChangingColumnType,
    /// A column rename breaks the code still running with the old name ([`renaming_column`]).
    RenamingColumn,
    /// A table rename breaks the code still running with the old name ([`renaming_table`]).
    RenamingTable,
    /// A dropped column loses its data and breaks the code still using it ([`ban_drop_column`]).
    BanDropColumn,
    /// A dropped table loses its data and breaks the code still using it ([`ban_drop_table`]).
    BanDropTable,
    /// `ALTER TYPE .. ADD VALUE` in a transaction: refused before PostgreSQL 12, and the value is
    /// unusable in that transaction after ([`enum_value_in_transaction`]).
    EnumValueInTransaction,
    /// A `json` column, which cannot be indexed or compared; `jsonb` can ([`prefer_jsonb`]).
    PreferJsonb,
    /// A `serial` column or `nextval` default where an identity column would do
    /// ([`prefer_identity`]).
    PreferIdentity,
    /// An `integer` primary key, which runs out at 2,147,483,647 ([`prefer_bigint_keys`]).
    PreferBigintKeys,
    /// A `varchar(n)` or `char(n)` column where `text` does as well ([`prefer_text`]).
    PreferText,
    /// A `timestamp` column, which does not say which time zone its values are in
    /// ([`prefer_timestamptz`]).
    PreferTimestamptz,
    /// DDL run without a `lock_timeout`, where one waiting statement stalls every query behind it
    /// ([`require_lock_timeout`]).
    RequireLockTimeout,
    /// A data change in the transaction of DDL on an existing table, which holds the DDL's lock
    /// until it ends ([`backfill_with_ddl`]).
    BackfillWithDdl,
    /// `CREATE TRIGGER` on an existing table, which blocks writes while it waits for its lock
    /// ([`adding_trigger`]).
    AddingTrigger,
    /// A domain CHECK added without `NOT VALID` checks every value in use while writes wait
    /// ([`domain_check_missing_not_valid`]).
    DomainCheckMissingNotValid,
    /// `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` blocks every read of the view
    /// ([`refresh_without_concurrently`]).
    RefreshWithoutConcurrently,
    /// An exclusion constraint added to an existing table builds and checks under an exclusive lock
    /// ([`adding_exclusion_constraint`]).
    AddingExclusionConstraint,
    /// `REINDEX` without `CONCURRENTLY` blocks writes to the table
    /// ([`reindex_without_concurrently`]).
    ReindexWithoutConcurrently,
    /// `ATTACH PARTITION` reads every row of the table while its writes wait
    /// ([`attach_partition_scan`]).
    AttachPartitionScan,
    /// `DETACH PARTITION` without `CONCURRENTLY` blocks every query on the partitioned table
    /// ([`detach_partition_without_concurrently`]).
    DetachPartitionWithoutConcurrently,
    /// An identity or serial column added to a table with rows rewrites it under an exclusive lock
    /// ([`adding_identity_column`]).
    AddingIdentityColumn,
    /// An enum value rename breaks the code still running with the old value
    /// ([`renaming_enum_value`]).
    RenamingEnumValue,
    /// Dropping NOT NULL lets in nulls that running code may not handle ([`dropping_not_null`]).
    DroppingNotNull,
    /// An enum value added without `BEFORE`/`AFTER` sorts last, which decides orderings that use
    /// the enum ([`enum_value_position`]).
    EnumValuePosition,
    /// `inexact-down`: replayed on the schema model, the migration's `down` does not give back the
    /// schema it started from. Acknowledge it when that is deliberate.
    InexactDown,
    /// A type change with a conversion each way, whose way back may lose what the new type cannot
    /// hold ([`conversion_round_trip`]).
    ConversionRoundTrip,
    /// Raw SQL the schema model cannot represent: its locks and rewrites are not known
    /// ([`raw_sql`]).
    RawSql,
}

impl Rule {
    /// Every rule that inspects ops, in the order they run.
    pub const ALL: &'static [Rule] = &[
        Rule::RequireConcurrentIndexCreation,
        Rule::RequireConcurrentIndexDeletion,
        Rule::ConcurrentlyInTransaction,
        Rule::ConstraintMissingNotValid,
        Rule::ValidateInSameTransaction,
        Rule::DisallowedUniqueConstraint,
        Rule::AddingVolatileDefault,
        Rule::AddingRequiredField,
        Rule::SettingNotNullableField,
        Rule::ChangingColumnType,
        Rule::RenamingColumn,
        Rule::RenamingTable,
        Rule::BanDropColumn,
        Rule::BanDropTable,
        Rule::EnumValueInTransaction,
        Rule::PreferJsonb,
        Rule::PreferIdentity,
        Rule::PreferBigintKeys,
        Rule::PreferText,
        Rule::PreferTimestamptz,
        Rule::RequireLockTimeout,
        Rule::BackfillWithDdl,
        Rule::AddingTrigger,
        Rule::DomainCheckMissingNotValid,
        Rule::RefreshWithoutConcurrently,
        Rule::AddingExclusionConstraint,
        Rule::ReindexWithoutConcurrently,
        Rule::AttachPartitionScan,
        Rule::DetachPartitionWithoutConcurrently,
        Rule::AddingIdentityColumn,
        Rule::RenamingEnumValue,
        Rule::DroppingNotNull,
        Rule::EnumValuePosition,
        Rule::InexactDown,
        Rule::ConversionRoundTrip,
        Rule::RawSql,
    ];

    /// The rule's id, as used in output and acknowledgements (`ban-drop-column`; in
    /// `#[migration(allow(..))]` written with underscores).
    pub const fn id(self) -> &'static str {
        match self {
            Rule::SchemaModel => "schema-model",
            Rule::RequireConcurrentIndexCreation => "require-concurrent-index-creation",
            Rule::RequireConcurrentIndexDeletion => "require-concurrent-index-deletion",
            Rule::ConcurrentlyInTransaction => "concurrently-in-transaction",
            Rule::ConstraintMissingNotValid => "constraint-missing-not-valid",
            Rule::ValidateInSameTransaction => "validate-in-same-transaction",
            Rule::DisallowedUniqueConstraint => "disallowed-unique-constraint",
            Rule::AddingVolatileDefault => "adding-volatile-default",
            Rule::AddingRequiredField => "adding-required-field",
            Rule::SettingNotNullableField => "setting-not-nullable-field",
            Rule::ChangingColumnType => "changing-column-type",
            Rule::RenamingColumn => "renaming-column",
            Rule::RenamingTable => "renaming-table",
            Rule::BanDropColumn => "ban-drop-column",
            Rule::BanDropTable => "ban-drop-table",
            Rule::EnumValueInTransaction => "enum-value-in-transaction",
            Rule::PreferJsonb => "prefer-jsonb",
            Rule::PreferIdentity => "prefer-identity",
            Rule::PreferBigintKeys => "prefer-bigint-keys",
            Rule::PreferText => "prefer-text",
            Rule::PreferTimestamptz => "prefer-timestamptz",
            Rule::RequireLockTimeout => "require-lock-timeout",
            Rule::BackfillWithDdl => "backfill-with-ddl",
            Rule::AddingTrigger => "adding-trigger",
            Rule::DomainCheckMissingNotValid => "domain-check-missing-not-valid",
            Rule::RefreshWithoutConcurrently => "refresh-without-concurrently",
            Rule::AddingExclusionConstraint => "adding-exclusion-constraint",
            Rule::ReindexWithoutConcurrently => "reindex-without-concurrently",
            Rule::AttachPartitionScan => "attach-partition-scan",
            Rule::DetachPartitionWithoutConcurrently => "detach-partition-without-concurrently",
            Rule::AddingIdentityColumn => "adding-identity-column",
            Rule::RenamingEnumValue => "renaming-enum-value",
            Rule::DroppingNotNull => "dropping-not-null",
            Rule::EnumValuePosition => "enum-value-position",
            Rule::InexactDown => "inexact-down",
            Rule::ConversionRoundTrip => "conversion-round-trip",
            Rule::RawSql => "raw-sql",
        }
    }

    /// The documented severity.
    pub fn severity(self) -> Severity {
        match self {
            Rule::SchemaModel => Severity::Error,
            Rule::RequireConcurrentIndexCreation => Severity::Error,
            Rule::RequireConcurrentIndexDeletion => Severity::Error,
            Rule::ConcurrentlyInTransaction => Severity::Error,
            Rule::ConstraintMissingNotValid => Severity::Error,
            Rule::ValidateInSameTransaction => Severity::Error,
            Rule::DisallowedUniqueConstraint => Severity::Error,
            Rule::AddingVolatileDefault => Severity::Error,
            Rule::AddingRequiredField => Severity::Error,
            Rule::SettingNotNullableField => Severity::Error,
            Rule::ChangingColumnType => Severity::Error,
            Rule::RenamingColumn => Severity::Warning,
            Rule::RenamingTable => Severity::Warning,
            Rule::BanDropColumn => Severity::Error,
            Rule::BanDropTable => Severity::Error,
            Rule::EnumValueInTransaction => Severity::Error,
            Rule::PreferJsonb => Severity::Warning,
            Rule::PreferIdentity => Severity::Warning,
            Rule::PreferBigintKeys => Severity::Warning,
            Rule::PreferText => Severity::Warning,
            Rule::PreferTimestamptz => Severity::Warning,
            Rule::RequireLockTimeout => Severity::Warning,
            Rule::BackfillWithDdl => Severity::Error,
            Rule::AddingTrigger => Severity::Warning,
            Rule::DomainCheckMissingNotValid => Severity::Error,
            Rule::RefreshWithoutConcurrently => Severity::Warning,
            Rule::AddingExclusionConstraint => Severity::Error,
            Rule::ReindexWithoutConcurrently => Severity::Error,
            Rule::AttachPartitionScan => Severity::Warning,
            Rule::DetachPartitionWithoutConcurrently => Severity::Warning,
            Rule::AddingIdentityColumn => Severity::Error,
            Rule::RenamingEnumValue => Severity::Warning,
            Rule::DroppingNotNull => Severity::Warning,
            Rule::EnumValuePosition => Severity::Warning,
            Rule::InexactDown => Severity::Error,
            Rule::ConversionRoundTrip => Severity::Warning,
            Rule::RawSql => Severity::Warning,
        }
    }

    /// Runs the rule on one op.
    pub fn check(self, op: &Op, cx: &Context) -> Option<Violation> {
        match self {
            // Whole-migration checks, made by `lint` itself.
            Rule::SchemaModel | Rule::InexactDown => None,
            Rule::RequireConcurrentIndexCreation => require_concurrent_index_creation::check(op, cx),
            Rule::RequireConcurrentIndexDeletion => require_concurrent_index_deletion::check(op, cx),
            Rule::ConcurrentlyInTransaction => concurrently_in_transaction::check(op, cx),
            Rule::ConstraintMissingNotValid => constraint_missing_not_valid::check(op, cx),
            Rule::ValidateInSameTransaction => validate_in_same_transaction::check(op, cx),
            Rule::DisallowedUniqueConstraint => disallowed_unique_constraint::check(op, cx),
            Rule::AddingVolatileDefault => adding_volatile_default::check(op, cx),
            Rule::AddingRequiredField => adding_required_field::check(op, cx),
            Rule::SettingNotNullableField => setting_not_nullable_field::check(op, cx),
            Rule::ChangingColumnType => changing_column_type::check(op, cx),
            Rule::RenamingColumn => renaming_column::check(op, cx),
            Rule::RenamingTable => renaming_table::check(op, cx),
            Rule::BanDropColumn => ban_drop_column::check(op, cx),
            Rule::BanDropTable => ban_drop_table::check(op, cx),
            Rule::EnumValueInTransaction => enum_value_in_transaction::check(op, cx),
            Rule::PreferJsonb => prefer_jsonb::check(op, cx),
            Rule::PreferIdentity => prefer_identity::check(op, cx),
            Rule::PreferBigintKeys => prefer_bigint_keys::check(op, cx),
            Rule::PreferText => prefer_text::check(op, cx),
            Rule::PreferTimestamptz => prefer_timestamptz::check(op, cx),
            Rule::RequireLockTimeout => require_lock_timeout::check(op, cx),
            Rule::BackfillWithDdl => backfill_with_ddl::check(op, cx),
            Rule::AddingTrigger => adding_trigger::check(op, cx),
            Rule::DomainCheckMissingNotValid => domain_check_missing_not_valid::check(op, cx),
            Rule::RefreshWithoutConcurrently => refresh_without_concurrently::check(op, cx),
            Rule::AddingExclusionConstraint => adding_exclusion_constraint::check(op, cx),
            Rule::ReindexWithoutConcurrently => reindex_without_concurrently::check(op, cx),
            Rule::AttachPartitionScan => attach_partition_scan::check(op, cx),
            Rule::DetachPartitionWithoutConcurrently => detach_partition_without_concurrently::check(op, cx),
            Rule::AddingIdentityColumn => adding_identity_column::check(op, cx),
            Rule::RenamingEnumValue => renaming_enum_value::check(op, cx),
            Rule::DroppingNotNull => dropping_not_null::check(op, cx),
            Rule::EnumValuePosition => enum_value_position::check(op, cx),
            Rule::ConversionRoundTrip => conversion_round_trip::check(op, cx),
            Rule::RawSql => raw_sql::check(op, cx),
        }
    }

    /// The rule with this id (kebab-case or snake_case).
    pub fn from_id(id: &str) -> Option<Rule> {
        let id = id.replace('_', "-");
        std::iter::once(Rule::SchemaModel).chain(Rule::ALL.iter().copied()).find(|r| r.id() == id)
    }
}

/// Whether `id` (kebab-case) names a rule, in a `const fn`: `#[migration(allow(..))]` checks its rule
/// names when the migration compiles.
pub const fn is_rule_id(id: &str) -> bool {
    if eq(id, Rule::SchemaModel.id()) {
        return true;
    }
    let mut i = 0;
    while i < Rule::ALL.len() {
        if eq(id, Rule::ALL[i].id()) {
            return true;
        }
        i += 1;
    }
    false
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
