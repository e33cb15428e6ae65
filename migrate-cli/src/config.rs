//! `migrate.toml`: found by walking up from the current folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The file name looked for.
pub const FILE_NAME: &str = "migrate.toml";

/// The configuration, as documented key by key in the README.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server (or database) for the scratch databases of `verify`, `drift` and `diff`, for a
    /// role without CREATEDB on the target's server (default: the target's server).
    pub scratch_url: Option<String>,
    /// The migrations crate: a folder with a Cargo.toml, relative to migrate.toml.
    pub migrations: Option<String>,
    /// The history table (default `migrate_history`).
    pub history_table: Option<String>,
    /// The schema the migrations and the history run in (default: the connection's current schema).
    pub schema: Option<String>,
    /// `lock_timeout` per statement, e.g. `"200ms"`, `"2s"`, `"0"` for none (default 200ms).
    pub lock_timeout: Option<String>,
    /// `statement_timeout` per statement (default: none).
    pub statement_timeout: Option<String>,
    /// How many times a step that hit `lock_timeout` is retried (default 10).
    pub lock_retries: Option<u32>,
    /// How a run keeps other runs out: `auto` (default: the advisory lock when the session is proven
    /// direct, the lease table otherwise), `advisory` or `table`.
    pub lock: Option<String>,
    /// How long the lease of the table lock lasts without renewal (default `60s`).
    pub lock_lease: Option<String>,
    /// How often the heartbeat renews the lease (default `10s`).
    pub lock_heartbeat: Option<String>,
    /// A direct connection (not through a pooler) for the steps that run outside a transaction,
    /// used when the migrating connection is not proven direct.
    pub direct_url: Option<String>,
    /// Run changes to existing tables in their safe forms (default true).
    pub safe_operations: Option<bool>,
    /// Migrations at or before this version are not linted (history that predates the tool).
    pub lint_baseline: Option<u64>,
    /// The PostgreSQL major version `lint` assumes without a connection (default 12, the oldest supported).
    pub server_version: Option<u32>,
    /// Tables that are not the migrations' business (another tool's history table, ...): `verify`,
    /// `drift`, `diff` and `pull` leave them out.
    #[serde(default)]
    pub ignore_tables: Vec<String>,
    /// `drift` also compares who owns each object and the privileges granted on it (default false:
    /// many deployments grant by hand, per environment).
    #[serde(default)]
    pub compare_privileges: bool,
    /// The target used when none is named.
    pub default_target: Option<String>,
    /// Named databases.
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
}

/// A named database.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The connection URL (`postgres://user:password@host:port/db?sslmode=...`).
    pub url: Option<String>,
    /// The name of an environment variable holding the URL (keeps passwords out of the file).
    pub url_env: Option<String>,
    /// A production database: `reset` refuses it, and `up` through it writes the production marker
    /// into the database, which destructive commands then recognise whatever URL reaches it.
    #[serde(default)]
    pub production: bool,
    /// Tenant schemas: with `--all-targets` the migrations and their history run in each of them.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// With `--all-targets`, migrated first and alone; a failure there stops the run.
    #[serde(default)]
    pub canary: bool,
    /// The lock strategy for this target (overrides the top-level `lock`).
    pub lock: Option<String>,
    /// The direct connection for this target's steps outside a transaction (overrides the
    /// top-level `direct_url`).
    pub direct_url: Option<String>,
}

/// A loaded configuration and where it was found.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The settings read (all defaults without a file).
    pub config: Config,
    /// The folder holding migrate.toml, or the current folder when there is none.
    pub root: PathBuf,
    /// Whether a file was found.
    pub found: bool,
}

/// Finds migrate.toml in `start` or a parent folder and reads it.
pub fn load(start: &Path) -> Result<Loaded> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            let text =
                std::fs::read_to_string(&candidate).with_context(|| format!("reading {}", candidate.display()))?;
            let config: Config =
                toml::from_str(&text).with_context(|| format!("{} is not valid", candidate.display()))?;
            return Ok(Loaded { config, root: d.to_path_buf(), found: true });
        }
        dir = d.parent();
    }
    Ok(Loaded { config: Config::default(), root: start.to_path_buf(), found: false })
}

/// Loads the configuration file `path` (`--config`): the project root is its folder.
pub fn load_file(path: &Path) -> Result<Loaded> {
    if !path.is_file() {
        bail!("--config {}: no such file (give the path of a migrate.toml)", path.display());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let config: Config = toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    let absolute = std::fs::canonicalize(path).with_context(|| format!("reading {}", path.display()))?;
    let root = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Loaded { config, root, found: true })
}

/// `--config PATH` when given, else the `migrate.toml` found from `cwd` upwards.
pub fn load_for(config: Option<&Path>, cwd: &Path) -> Result<Loaded> {
    match config {
        Some(path) => load_file(path),
        None => load(cwd),
    }
}

/// The longest timeout PostgreSQL takes (`lock_timeout`, `statement_timeout`: an int of milliseconds).
pub const MAX_TIMEOUT_MS: u128 = 2_147_483_647;

/// Parses a duration with humantime (`"10s"`, `"500ms"`, `"2min"`, `"1m 30s"`, `"1h"`), `"0"` for
/// none; a duration PostgreSQL cannot take (above [`MAX_TIMEOUT_MS`], or not whole milliseconds) is
/// an error naming the limit.
pub fn duration(key: &str, text: &str) -> Result<Option<Duration>> {
    let t = text.trim();
    if t == "0" {
        return Ok(None);
    }
    let d = humantime::parse_duration(t).map_err(|e| {
        anyhow::anyhow!(
            "{key} = {text:?} in {FILE_NAME} is not a duration ({e}): write e.g. \"500ms\", \"2s\", \"1min\", \"1h\", or \"0\" for none"
        )
    })?;
    if d.as_millis() > MAX_TIMEOUT_MS {
        bail!(
            "{key} = {text:?} in {FILE_NAME} is longer than PostgreSQL takes: at most 2147483647ms (about 24 days 20 hours), or \"0\" for none"
        );
    }
    if d.subsec_nanos() % 1_000_000 != 0 {
        bail!("{key} = {text:?} in {FILE_NAME}: PostgreSQL counts whole milliseconds; write e.g. \"1ms\"");
    }
    Ok(if d.is_zero() { None } else { Some(d) })
}

impl Loaded {
    /// The runner settings from this configuration.
    pub fn runner_config(&self) -> Result<migrate_core::runner::Config> {
        let mut c = migrate_core::runner::Config::default();
        if let Some(t) = &self.config.history_table {
            c.history_table = t.clone();
        }
        c.schema = self.config.schema.clone();
        if let Some(t) = &self.config.lock_timeout {
            c.lock_timeout = duration("lock_timeout", t)?;
        }
        if let Some(t) = &self.config.statement_timeout {
            c.statement_timeout = duration("statement_timeout", t)?;
        }
        if let Some(n) = self.config.lock_retries {
            c.lock_retries = n;
        }
        if let Some(safe) = self.config.safe_operations {
            c.safe_operations = safe;
        }
        if let Some(lock) = &self.config.lock {
            c.lock = lock.parse().map_err(|e: String| anyhow::anyhow!("lock = {lock:?} in {FILE_NAME}: {e}"))?;
        }
        for (key, text, slot) in [
            ("lock_lease", &self.config.lock_lease, &mut c.lock_lease),
            ("lock_heartbeat", &self.config.lock_heartbeat, &mut c.lock_heartbeat),
        ] {
            if let Some(t) = text {
                *slot = duration(key, t)?
                    .ok_or_else(|| anyhow::anyhow!("{key} = \"0\" in {FILE_NAME}: give a duration"))?;
            }
        }
        c.validate().with_context(|| format!("{FILE_NAME} is not valid"))?;
        Ok(c)
    }

    /// The lint settings: `server_version_num` given (connected) or from the configured major version.
    pub fn lint_config(&self, server_version_num: Option<u32>) -> Result<migrate_core::lint::LintConfig> {
        let major = self.config.server_version.unwrap_or(12);
        if !(12..=99).contains(&major) {
            bail!("server_version = {major} in {FILE_NAME}: give the PostgreSQL major version, 12 or later");
        }
        Ok(migrate_core::lint::LintConfig {
            server_version: server_version_num.unwrap_or(major * 10_000),
            baseline: self.config.lint_baseline,
            lock_timeout: self.runner_config()?.lock_timeout.is_some(),
            safe_operations: self.config.safe_operations.unwrap_or(true),
            time_zone: None,
        })
    }

    /// The settings of a run on a target (`None`: not a named target): its `lock` over the
    /// top-level one, and its `direct_url`.
    pub fn for_target(&self, target: Option<&str>) -> Result<(migrate_core::runner::Config, Option<String>)> {
        let mut c = self.runner_config()?;
        let t = target.and_then(|name| self.config.targets.get(name));
        if let Some(lock) = t.and_then(|t| t.lock.as_ref()) {
            c.lock =
                lock.parse().map_err(|e: String| anyhow::anyhow!("lock = {lock:?} of a target in {FILE_NAME}: {e}"))?;
        }
        let direct = t.and_then(|t| t.direct_url.clone()).or_else(|| self.config.direct_url.clone());
        Ok((c, direct))
    }

    /// The migrations crate folder, if configured.
    pub fn migrations_crate(&self) -> Option<PathBuf> {
        self.config.migrations.as_ref().map(|m| self.root.join(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("k", "10s").unwrap(), Some(Duration::from_secs(10)));
        assert_eq!(duration("k", "250ms").unwrap(), Some(Duration::from_millis(250)));
        assert_eq!(duration("k", "2min").unwrap(), Some(Duration::from_secs(120)));
        assert_eq!(duration("k", "0").unwrap(), None);
        assert_eq!(duration("k", "1h").unwrap(), Some(Duration::from_secs(3600)));
        assert_eq!(duration("k", "1m 30s").unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(duration("k", "0s").unwrap(), None);
        assert!(duration("k", "ten").unwrap_err().to_string().contains("is not a duration"));
        // PostgreSQL's bound: 2147483647 ms is the longest; one more is an error, not an overflow.
        assert_eq!(duration("k", "2147483647ms").unwrap(), Some(Duration::from_millis(2_147_483_647)));
        for too_long in ["2147483648ms", "25days", "999999999999999999min"] {
            let err = duration("k", too_long).unwrap_err().to_string();
            assert!(err.contains("at most 2147483647ms") || err.contains("is not a duration"), "{too_long}: {err}");
        }
        assert!(duration("k", "2147483648ms").unwrap_err().to_string().contains("at most 2147483647ms"));
        assert!(duration("k", "1500us").unwrap_err().to_string().contains("whole milliseconds"));
    }

    #[test]
    fn names_postgresql_would_cut_short_are_config_errors() {
        let loaded = |text: &str| Loaded { config: toml::from_str(text).unwrap(), root: PathBuf::new(), found: true };
        let long_schema = format!("schema = \"{}\"", "s".repeat(64));
        let err = format!("{:#}", loaded(&long_schema).runner_config().unwrap_err());
        assert!(err.contains("migrate.toml is not valid: schema \"ssss"), "{err}");
        assert!(err.contains("is 64 bytes long"), "{err}");
        let err = format!("{:#}", loaded("history_table = \"\"").runner_config().unwrap_err());
        assert!(err.contains("history_table is empty"), "{err}");
        let table = format!("history_table = \"{}\"", "h".repeat(57));
        assert!(loaded(&table).runner_config().is_err());
        let table = format!("history_table = \"{}\"", "h".repeat(56));
        assert!(loaded(&table).runner_config().is_ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("histroy_table = \"x\"").is_err());
        let c: Config = toml::from_str("[targets.prod]\nurl = \"postgres://h/db\"\nproduction = true").unwrap();
        assert!(c.targets["prod"].production);
    }
}
