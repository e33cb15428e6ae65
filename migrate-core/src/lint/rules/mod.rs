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
    SchemaModel,
    RequireConcurrentIndexCreation,
    RequireConcurrentIndexDeletion,
    ConcurrentlyInTransaction,
    ConstraintMissingNotValid,
    ValidateInSameTransaction,
    DisallowedUniqueConstraint,
    AddingVolatileDefault,
    AddingRequiredField,
    SettingNotNullableField,
    ChangingColumnType,
    RenamingColumn,
    RenamingTable,
    BanDropColumn,
    BanDropTable,
    EnumValueInTransaction,
    PreferJsonb,
    PreferIdentity,
    PreferBigintKeys,
    PreferText,
    PreferTimestamptz,
    RequireLockTimeout,
    BackfillWithDdl,
    AddingTrigger,
    DomainCheckMissingNotValid,
    RefreshWithoutConcurrently,
    AddingExclusionConstraint,
    ReindexWithoutConcurrently,
    AttachPartitionScan,
    DetachPartitionWithoutConcurrently,
    AddingIdentityColumn,
    RenamingEnumValue,
    DroppingNotNull,
    EnumValuePosition,
    InexactDown,
    ConversionRoundTrip,
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
