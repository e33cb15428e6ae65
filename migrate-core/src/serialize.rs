//! `serde::Serialize` for the reports (feature `serde`; the CLI turns it on and prints these):
//! [`Report`], [`Done`], [`Status`] and its [`Entry`]s, lint [`Finding`]s. The shapes are the
//! fields of the CLI's `--format json` documents (`docs/json.md`), so an application that serializes
//! them gets what the CLI prints:
//!
//! ```
//! let report = migrate_core::runner::Report::default();
//! let json = serde_json::to_value(&report).unwrap();
//! assert_eq!(json, serde_json::json!({ "applied": [], "rolled_back": [], "recorded": [], "repeatables": [], "warnings": [] }));
//! ```

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::lint::Finding;
use crate::runner::{Done, Entry, Report, Status};

impl Serialize for Done {
    /// `version`, `id`, `duration_ms` (the statements are left out, as in the CLI's output).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Done", 3)?;
        m.serialize_field("version", &self.version)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("duration_ms", &self.duration_ms)?;
        m.end()
    }
}

impl Serialize for Report {
    /// `applied`, `rolled_back`, `recorded` (baselines recorded in place of what they squash),
    /// `repeatables` (repeatable migrations applied, re-applied or dropped), `warnings`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Report", 5)?;
        m.serialize_field("applied", &self.applied)?;
        m.serialize_field("rolled_back", &self.rolled_back)?;
        m.serialize_field("recorded", &self.recorded)?;
        m.serialize_field("repeatables", &self.repeatables)?;
        m.serialize_field("warnings", &self.warnings)?;
        m.end()
    }
}

/// An acknowledgement: `rule` and `reason`.
struct Ack<'a>(&'a (String, String));

impl Serialize for Ack<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("rule", &self.0.0)?;
        m.serialize_entry("reason", &self.0.1)?;
        m.end()
    }
}

impl Serialize for Entry {
    /// `version`, `name`, `state` (as the CLI says it), `applied_at` (RFC 3339), `applied_by`,
    /// `batch`, `acknowledged` (`rule`, `reason`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Entry", 7)?;
        m.serialize_field("version", &self.version)?;
        m.serialize_field("name", &self.name)?;
        m.serialize_field("state", &self.state.label())?;
        m.serialize_field("applied_at", &self.applied_at)?;
        m.serialize_field("applied_by", &self.applied_by)?;
        m.serialize_field("batch", &self.batch)?;
        m.serialize_field("acknowledged", &self.acks.iter().map(Ack).collect::<Vec<_>>())?;
        m.end()
    }
}

impl Serialize for Status {
    /// `migrations` (every [`Entry`]), `repeatables` (`name`, `state`) and `problems` (how many need
    /// attention, repeatables not applied included).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Status", 3)?;
        m.serialize_field("migrations", &self.entries)?;
        let repeatables: Vec<serde_json::Value> =
            self.repeatables.iter().map(|r| serde_json::json!({ "name": r.name, "state": r.state })).collect();
        m.serialize_field("repeatables", &repeatables)?;
        m.serialize_field("problems", &self.problem_count())?;
        m.end()
    }
}

impl Serialize for Finding {
    /// `rule`, `severity`, `migration`, `version`, `op`, `message`, `help`, `acknowledged`, `blocks`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Finding", 9)?;
        m.serialize_field("rule", self.rule.id())?;
        m.serialize_field("severity", self.severity.label())?;
        m.serialize_field("migration", &self.migration)?;
        m.serialize_field("version", &self.version)?;
        m.serialize_field("op", &self.op)?;
        m.serialize_field("message", &self.message)?;
        m.serialize_field("help", &self.help)?;
        m.serialize_field("acknowledged", &self.acknowledged)?;
        m.serialize_field("blocks", &self.blocks())?;
        m.end()
    }
}
