//! Applying migrations to PostgreSQL over a `tokio_postgres::Client`.
//!
//! ```no_run
//! # async fn boot(client: &mut tokio_postgres::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use migrate_core::runner::Migrator;
//! let migrations = migrate_core::registry::migrations()?;
//! let report = Migrator::new(migrations).up(client, None).await?;
//! for m in &report.applied {
//!     println!("applied {} in {} ms", m.id, m.duration_ms);
//! }
//! # Ok(()) }
//! ```
//!
//! Every run takes the migration lock ([`lock`]: a session advisory lock when the session is proven
//! direct, else a lease with a fencing token), creates the history tables on first use, and records every migration applied or rolled back (with its exact SQL) in
//! the history table and in the append-only event log.

mod adopt;
mod apply;
mod backfill;
pub mod error;
pub mod history;
pub mod layout;
pub mod lock;
pub mod observe;
pub mod plan;
pub mod production;
mod recover;
pub mod repeat;
pub mod safe;
mod squash;
mod status;
mod step;

use std::time::Duration;

use tokio_postgres::Client;

pub use error::{DbFailure, InvalidConfig, RunError};
pub use history::HistoryRow;
pub use production::ProductionMarker;
pub use status::{Entry, EntryState, RunFacts, Status};

use crate::registry::{Migration, RegistryError};
use history::HistoryTables;
use layout::Access;

/// Runner settings. Defaults: history table `migrate_history` in the connection's current schema,
/// `lock_timeout` 200 ms with 10 retries, no `statement_timeout`, wait for the migration lock, refuse
/// out-of-order migrations.
#[derive(Debug, Clone)]
pub struct Config {
    /// The history table's name; the event log is `<name>_events` beside it.
    pub history_table: String,
    /// The schema the migrations and the history run in; `None` keeps the connection's
    /// `current_schema()`. When set, the runner creates it if needed and sets `search_path` to it.
    pub schema: Option<String>,
    /// `lock_timeout` for every migration statement (`None`: the server's setting). Short by default
    /// (200 ms): a DDL statement waiting for its lock makes every later query on the table wait behind
    /// it, so it gives up quickly and is retried ([`lock_retries`](Self::lock_retries)).
    pub lock_timeout: Option<Duration>,
    /// How many times a step that hit `lock_timeout` (SQLSTATE 55P03) is retried, with backoff
    /// (200 ms doubling to 5 s), before the run stops; in a transaction (a transactional step, a
    /// backfill batch) a deadlock (40P01) or a serialization failure (40001) too.
    pub lock_retries: u32,
    /// `statement_timeout` for every migration statement (`None`: the server's setting).
    pub statement_timeout: Option<Duration>,
    /// Wait for the migration lock (true) or fail at once when another process holds it.
    pub wait_for_lock: bool,
    /// Apply pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
    /// Run changes to existing tables in their safe forms ([`safe`]): concurrent indexes, NOT VALID +
    /// VALIDATE, batched backfills, ... On by default.
    pub safe_operations: bool,
    /// `statement_timeout` of each backfill batch.
    pub batch_statement_timeout: Duration,
    /// The database is a production database (the CLI sets it for a target marked `production =
    /// true`): [`up`](Migrator::up) writes the [production marker](production) into it, so that
    /// destructive commands recognise it whatever URL reaches it later.
    pub production: bool,
    /// Lets destructive operations (a `down` that leaves no migration applied, `resolve` of a
    /// rolled-back migration) run on a database carrying a valid production marker. `reset` never does.
    pub allow_production: bool,
    /// How a run keeps other runs out ([`lock::Strategy`]): `Auto` (the default) takes the session
    /// advisory lock when the session is proven direct ([`Migrator::connected_from`]) and the lease
    /// table otherwise.
    pub lock: lock::Strategy,
    /// How long the lease of the table lock lasts without being renewed: a run that crashed holds it
    /// this long at most. 60 s by default.
    pub lock_lease: Duration,
    /// How often the heartbeat renews the lease ([`Migrator::with_heartbeat`]); shorter than
    /// `lock_lease`. 10 s by default.
    pub lock_heartbeat: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            history_table: "migrate_history".into(),
            schema: None,
            lock_timeout: Some(Duration::from_millis(200)),
            lock_retries: 10,
            statement_timeout: None,
            wait_for_lock: true,
            allow_out_of_order: false,
            safe_operations: true,
            batch_statement_timeout: Duration::from_secs(30),
            production: false,
            allow_production: false,
            lock: lock::Strategy::Auto,
            lock_lease: Duration::from_secs(60),
            lock_heartbeat: Duration::from_secs(10),
        }
    }
}

/// PostgreSQL's longest identifier, in bytes: a longer name is cut to it, silently.
const MAX_IDENTIFIER: usize = 63;

impl Config {
    /// The names of the runner's own tables (in the migrations' schema): the history, its event log,
    /// its meta table and its lock table. Schema comparisons leave them out.
    pub fn own_tables(&self) -> [String; 5] {
        let t = &self.history_table;
        [t.clone(), format!("{t}_events"), format!("{t}_meta"), format!("{t}_lock"), format!("{t}_repeat")]
    }

    /// Checks the names the history uses: a name PostgreSQL would cut short could make two settings
    /// that differ only after byte 63 name one table (or schema) under two migration locks, so each is
    /// an error here, and so is an empty one.
    ///
    /// ```
    /// use migrate_core::runner::Config;
    /// let long = Config { history_table: "h".repeat(57), ..Config::default() };
    /// assert!(long.validate().unwrap_err().to_string().contains("at most 56 bytes"));
    /// assert!(Config::default().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), InvalidConfig> {
        let t = &self.history_table;
        if t.is_empty() {
            return Err(InvalidConfig(
                "history_table is empty: name the history table (the default is `migrate_history`)".into(),
            ));
        }
        let events = format!("{t}_events");
        if events.len() > MAX_IDENTIFIER {
            return Err(InvalidConfig(format!(
                "history_table {t:?} is {} bytes long: its event log `{events}` must fit PostgreSQL's {MAX_IDENTIFIER}-byte names (longer ones are cut short, so two settings could name one table), so the history table's name can be at most {} bytes",
                t.len(),
                MAX_IDENTIFIER - "_events".len()
            )));
        }
        if self.lock_lease.is_zero() || self.lock_heartbeat.is_zero() || self.lock_heartbeat >= self.lock_lease {
            return Err(InvalidConfig(format!(
                "lock_heartbeat ({}) must be shorter than lock_lease ({}), and neither zero: the heartbeat renews the lease before it runs out",
                humantime::format_duration(self.lock_heartbeat),
                humantime::format_duration(self.lock_lease)
            )));
        }
        match &self.schema {
            Some(s) if s.is_empty() => Err(InvalidConfig(
                "schema is empty: name a schema, or leave the setting out to use the connection's current schema"
                    .into(),
            )),
            Some(s) if s.len() > MAX_IDENTIFIER => Err(InvalidConfig(format!(
                "schema {s:?} is {} bytes long: PostgreSQL cuts names to {MAX_IDENTIFIER} bytes, so two settings could name one schema; use a name of at most {MAX_IDENTIFIER} bytes",
                s.len()
            ))),
            _ => Ok(()),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The migrations applied, in order.
    pub applied: Vec<Done>,
    /// The migrations rolled back, in order (newest first).
    pub rolled_back: Vec<Done>,
    /// Messages worth showing (e.g. applied migrations missing from the code).
    pub warnings: Vec<String>,
    /// Repeatable migrations applied, re-applied or dropped, in order (`applied active_users
    /// (new)`).
    pub repeatables: Vec<String>,
    /// Baselines written by `squash` recorded in place of the migrations they replace, which this
    /// database applied one by one (no SQL run): `m<version>_<name>` and what was done.
    pub recorded: Vec<String>,
}

/// One migration applied or rolled back.
#[derive(Debug, Clone)]
pub struct Done {
    /// The migration's version (the 14-digit timestamp of its module name).
    pub version: u64,
    /// `m<version>_<name>`.
    pub id: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The statements that ran (a backfill or data step as its description).
    pub statements: Vec<String>,
}

/// A migration that finished, as [`Migrator::on_result`] receives it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Finished<'a> {
    /// Applied (and committed).
    Applied(&'a Done),
    /// Rolled back (and committed).
    RolledBack(&'a Done),
}

/// A failed run: the error, and what was done before it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// What was done before the error (those migrations stay applied or rolled back).
    pub report: Report,
    /// Not marked `#[source]`: the message is the error's own, and chained printing must not repeat it.
    pub error: RunError,
}

impl From<RunError> for Failed {
    fn from(error: RunError) -> Self {
        Failed { report: Report::default(), error }
    }
}

/// A migration's up steps, and its down steps or the reason it cannot be rolled back.
pub type Plans = (Vec<plan::Step>, Result<Vec<plan::Step>, String>);

/// Plans migrations in version order on one walk of the schema model: the ups of the migrations in
/// between are replayed, each asked-for migration is planned on the schema its predecessors build.
pub(crate) struct Walk<'a> {
    m: &'a Migrator,
    model: crate::model::Model,
    /// The index in `m.migrations` of the first migration not walked yet.
    next: usize,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(m: &'a Migrator) -> Self {
        Walk { m, model: Default::default(), next: 0 }
    }

    /// The plans of migration `version`, which must come after every version asked before; `None`
    /// when the code has no such migration. Summaries are built again one at a time as the walk
    /// reaches them ([`Migration::loaded`]), so a long history is never held whole; the error is a
    /// migration whose second build differs from its first.
    pub(crate) fn plans(&mut self, version: u64) -> Option<Result<Plans, RegistryError>> {
        while let Some(mig) = self.m.migrations.get(self.next)
            && mig.version < version
        {
            self.next += 1;
            let mig = match mig.loaded() {
                Ok(mig) => mig,
                Err(e) => return Some(Err(e)),
            };
            for op in &mig.up {
                self.model.apply(op, mig.version);
            }
        }
        let mig = self.m.migrations.get(self.next).filter(|mig| mig.version == version)?;
        self.next += 1;
        Some(mig.loaded().map(|mig| self.m.plan_walking(&mig, &mut self.model)))
    }
}

/// Which migrations `down` rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownTarget {
    /// Every migration of the last `up` run (the default).
    LastBatch,
    /// The last `n` applied migrations.
    Steps(usize),
    /// Every applied migration newer than this version.
    To(u64),
}

/// How a resolve changes the history without running migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// Record a migration as applied (it was applied by hand, or its failure was repaired by hand).
    Applied(u64),
    /// Remove a migration from the history (it was rolled back by hand).
    RolledBack(u64),
    /// Accept the code's checksum for an applied migration whose ops changed deliberately.
    AcceptChecksum(u64),
}

/// What [`Migrator::on_statement`] calls.
type OnStatement = Box<dyn Fn(observe::Executed<'_>) + Send + Sync>;

/// Applies, rolls back and inspects migrations.
pub struct Migrator {
    migrations: Vec<Migration>,
    config: Config,
    progress: Box<dyn Fn(String) + Send + Sync>,
    result: Box<dyn Fn(Finished<'_>) + Send + Sync>,
    /// Receives each statement run ([`Migrator::on_statement`]).
    statement: Option<OnStatement>,
    /// Our end of the migrating connection, to prove the session direct.
    origin: Option<lock::Origin>,
    /// A second connection for the lease's heartbeat.
    heartbeat: Option<Client>,
    /// A direct connection for the steps that run outside a transaction, when the migrating one goes
    /// through a pooler.
    direct: Option<Client>,
    /// The repeatable migrations ([`crate::repeatable`]): applied after the versioned ones.
    repeatables: Vec<crate::repeatable::Repeatable>,
}

impl Migrator {
    /// A runner for these migrations (sorted by version, as the registry returns them).
    pub fn new(migrations: Vec<Migration>) -> Self {
        Migrator {
            migrations,
            config: Config::default(),
            progress: Box::new(|_| {}),
            result: Box::new(|_| {}),
            statement: None,
            origin: None,
            heartbeat: None,
            direct: None,
            repeatables: Vec::new(),
        }
    }

    /// The repeatable migrations this runner applies after the versioned ones (in name order), drops
    /// when removed from them, and drops and re-creates around the versioned migrations that change
    /// what they depend on ([`crate::repeatable::repeatables`] gives those linked into the program).
    ///
    /// ```
    /// use migrate_core::repeatable::Repeatable;
    /// use migrate_core::runner::Migrator;
    /// let view = Repeatable::new("recent", "src/repeatable/recent.sql", "CREATE VIEW recent AS SELECT 1 AS one", None).unwrap();
    /// let mut m = Migrator::new(vec![]);
    /// m.with_repeatables(vec![view]);
    /// ```
    pub fn with_repeatables(&mut self, repeatables: Vec<crate::repeatable::Repeatable>) -> &mut Self {
        self.repeatables = repeatables;
        self
    }

    /// The steps of `plans` (migration version → plan, as [`plans_for`](Self::plans_for) gives them)
    /// as `up` would run them on this database: each wrapped in the drops and creation of the applied
    /// repeatables that depend on what it changes (what `up --dry-run` prints).
    pub async fn wrap_for_repeatables(
        &self,
        client: &Client,
        plans: &mut std::collections::HashMap<u64, Plans>,
    ) -> Result<(), RunError> {
        let tables = self.read_tables(client).await?;
        let mut applied = repeat::read(client, &tables).await?;
        // Those gone from the code are dropped before the migrations run.
        applied.retain(|a| self.repeatables.iter().any(|r| r.name == a.name));
        let around = repeat::Around::read(client, &tables, applied).await?;
        self.wrap_plans(around, &tables, plans);
        Ok(())
    }

    /// [`wrap_for_repeatables`](Self::wrap_for_repeatables) without a database (`sql up`): the code's
    /// repeatables taken as applied, each depending on the names its queries use.
    pub fn wrap_from_code(&self, plans: &mut std::collections::HashMap<u64, Plans>) {
        let tables = HistoryTables::new(self.config.schema.as_deref().unwrap_or("public"), &self.config.history_table);
        self.wrap_plans(repeat::Around::from_code(&self.repeatables), &tables, plans);
    }

    /// Wraps `plans`, in version order, as `up` does.
    fn wrap_plans(
        &self,
        mut around: repeat::Around,
        tables: &HistoryTables,
        plans: &mut std::collections::HashMap<u64, Plans>,
    ) {
        let mut versions: Vec<u64> = plans.keys().copied().collect();
        versions.sort_unstable();
        for v in versions {
            let Some(plan) = plans.get_mut(&v).filter(|_| !around.is_empty()) else { continue };
            plan.0 = around.around_up(self, tables, std::mem::take(&mut plan.0)).0;
        }
    }

    /// The repeatable migrations the database holds, as applied (none before the history has the
    /// table).
    pub async fn applied_repeatables(&self, client: &Client) -> Result<Vec<repeat::Applied>, RunError> {
        let tables = self.read_tables(client).await?;
        repeat::read(client, &tables).await
    }

    /// Says where our end of the migrating connection is (the local address of the socket the caller
    /// opened), so that `lock = auto` can prove the session direct and take the advisory lock
    /// ([`lock::prove_direct`]), or find a pooler in between, where the run keeps no session state
    /// and runs the steps outside a transaction on [`with_direct`](Self::with_direct)'s connection.
    /// Without it a run takes the lease table (which holds through poolers too), sends no named
    /// statement, and trusts the session with its settings.
    ///
    /// ```
    /// use migrate_core::runner::{Migrator, lock::Origin};
    /// let mut m = Migrator::new(vec![]);
    /// m.connected_from(Origin::Tcp("127.0.0.1:50123".parse().unwrap()));
    /// ```
    pub fn connected_from(&mut self, origin: lock::Origin) -> &mut Self {
        self.origin = Some(origin);
        self
    }

    /// A second connection to the same database, on which the heartbeat renews the lease of the
    /// table lock every [`Config::lock_heartbeat`] while a run lasts (through a pooler too). Without
    /// one, the lease is renewed as each migration starts, so a migration that runs longer than
    /// [`Config::lock_lease`] can lose it (its history write then fails, and records nothing).
    pub fn with_heartbeat(&mut self, client: Client) -> &mut Self {
        self.heartbeat = Some(client);
        self
    }

    /// A direct connection (not through a transaction pooler) for the steps that must run outside a
    /// transaction (`CREATE INDEX CONCURRENTLY`, ...), whose session settings a transaction pooler
    /// would not keep. Without one, a run through a pooler stops before the first such step.
    pub fn with_direct(&mut self, client: Client) -> &mut Self {
        self.direct = Some(client);
        self
    }

    /// Replaces the settings.
    pub fn with_config(&mut self, config: Config) -> &mut Self {
        self.config = config;
        self
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Receives progress messages: waiting for the lock, each migration and step as it starts, and a
    /// reminder every 10 seconds while a statement runs.
    pub fn on_progress(&mut self, f: impl Fn(String) + Send + Sync + 'static) -> &mut Self {
        self.progress = Box::new(f);
        self
    }

    /// Receives each migration's result as soon as it is applied or rolled back (and committed), so
    /// that a long run can say what is done while it goes on; the [`Report`] at the end holds them too.
    ///
    /// ```
    /// use migrate_core::runner::{Finished, Migrator};
    /// let mut m = Migrator::new(vec![]);
    /// m.on_result(|r| match r {
    ///     Finished::Applied(d) => println!("applied {} ({} ms)", d.id, d.duration_ms),
    ///     Finished::RolledBack(d) => println!("rolled back {}", d.id),
    ///     _ => {}
    /// });
    /// ```
    pub fn on_result(&mut self, f: impl Fn(Finished<'_>) + Send + Sync + 'static) -> &mut Self {
        self.result = Box::new(f);
        self
    }

    /// Receives each statement a migration runs, as soon as it ends: its SQL, timing, the rows of a
    /// backfill batch, and the table locks it took (read on the migrating connection after each
    /// statement inside a transaction). With it, each statement goes to the server on its own (not in
    /// one batch with the migration's others), so that a monitor sees which one runs: the same
    /// statements in the same transactions, with a round trip each. `migrate-cli rehearse` uses it.
    ///
    /// ```
    /// use migrate_core::runner::Migrator;
    /// use migrate_core::runner::observe::{BLOCKS_WRITES, lock_strength};
    /// let mut m = Migrator::new(vec![]);
    /// m.on_statement(|s| {
    ///     for l in s.took.iter().filter(|l| lock_strength(&l.mode) >= BLOCKS_WRITES) {
    ///         println!("{} blocks writes to {} ({} ms so far)", s.sql, l.table, s.duration.as_millis());
    ///     }
    /// });
    /// ```
    pub fn on_statement(&mut self, f: impl Fn(observe::Executed<'_>) + Send + Sync + 'static) -> &mut Self {
        self.statement = Some(Box::new(f));
        self
    }

    /// True when [`on_statement`](Self::on_statement) watches the statements.
    fn observed(&self) -> bool {
        self.statement.is_some()
    }

    fn executed(&self, e: observe::Executed<'_>) {
        if let Some(f) = &self.statement {
            f(e);
        }
    }

    /// The migrations this runner knows.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The steps of a migration's up and of its down, as this runner runs them: planned on the schema
    /// its predecessors build, in their safe forms unless `safe_operations` is off. The down is `Err`
    /// with the reason when the migration cannot be rolled back.
    pub fn steps(&self, mig: &Migration) -> Result<Plans, RegistryError> {
        match self.plans_for(&[mig.version])?.remove(&mig.version) {
            Some(plans) => Ok(plans),
            None => Ok(self.plan_walking(&*mig.loaded()?, &mut Default::default())),
        }
    }

    /// [`steps`](Self::steps) for several migrations, replaying the history once.
    pub fn plans_for(&self, versions: &[u64]) -> Result<std::collections::HashMap<u64, Plans>, RegistryError> {
        let mut sorted = versions.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut walk = Walk::new(self);
        sorted.into_iter().filter_map(|v| Some(walk.plans(v)?.map(|plans| (v, plans)))).collect()
    }

    /// Plans `mig` on `model`, the schema before it, and leaves `model` as it is after its up: planning
    /// the up walks the model through it, and the down is planned on the schema the up leaves.
    fn plan_walking(&self, mig: &Migration, model: &mut crate::model::Model) -> Plans {
        let safe = self.config.safe_operations;
        let up = safe::safe_plan_in(&mig.up, mig.transaction, model, mig.version, safe);
        let down = match mig.down_ops() {
            Ok(ops) => Ok(safe::safe_plan(ops, mig.transaction, model, mig.version, safe)),
            Err(reason) => Err(reason.to_string()),
        };
        (up, down)
    }

    /// The history and event tables for this configuration, given the connection's current schema.
    pub fn tables(&self, current_schema: &str) -> HistoryTables {
        HistoryTables::new(self.config.schema.as_deref().unwrap_or(current_schema), &self.config.history_table)
    }

    /// Prepares the session: settings, server version, lock, schema, history tables (as `access`
    /// allows). Returns the tables and the lock (held until [`finish`](Self::finish)).
    async fn begin(&mut self, client: &Client, access: Access) -> Result<(HistoryTables, lock::Held), RunError> {
        self.config.validate()?;
        let row = client
            .query_typed_one("SELECT version(), current_setting('server_version_num')", &[])
            .await
            .map_err(|e| RunError::db("reading the server version", &e))?;
        let (text, version): (String, String) = (row.get(0), row.get(1));
        if let Some(engine) = engine_of(&text) {
            return Err(RunError::UnsupportedServer { engine, version: text.chars().take(120).collect() });
        }
        let version = version.parse::<u32>().unwrap_or(0);
        if version < 120_000 {
            return Err(RunError::ServerTooOld(version.to_string()));
        }
        let (direct, why) = lock::prove_direct(client, self.origin.as_ref()).await?;
        // Known to go through a pooler: the origin was given and the server does not see it. Without
        // an origin nothing is known: the lease is taken (it holds either way) and statements are
        // unnamed, but the session is trusted with its settings as before (a library caller behind
        // a pooler gives `connected_from`, or `with_direct`).
        let session = match (direct, self.origin.is_some()) {
            (true, _) => history::Session::Direct,
            (false, true) => history::Session::Pooled,
            (false, false) => history::Session::Unknown,
        };
        let pooled = session == history::Session::Pooled;
        if version >= 140_000 && !pooled {
            // When this process dies mid-statement, the server notices the closed connection within
            // a second and ends the statement, which frees the migration lock (without it, the
            // statement would run to its end first).
            client
                .batch_execute("SET client_connection_check_interval = 1000")
                .await
                .map_err(|e| RunError::db("setting client_connection_check_interval", &e))?;
        }
        // The lock comes before the schema is created: concurrent first runs then create it one
        // after the other (both creating it at once fails with a unique violation). A configured
        // schema names the history before it exists.
        let schema = match &self.config.schema {
            Some(s) => s.clone(),
            None => self.use_schema(client, false).await?.ok_or_else(no_current_schema)?,
        };
        let mut tables = self.tables(&schema);
        tables.session = session;
        let strategy = match self.config.lock {
            lock::Strategy::Auto if direct => lock::Strategy::Advisory,
            lock::Strategy::Auto => lock::Strategy::Table,
            chosen => chosen,
        };
        let reason = match self.config.lock {
            lock::Strategy::Auto => format!("lock = auto: {why}"),
            chosen => format!("lock = {chosen} in the settings; {why}"),
        };
        crate::trace::lock_chosen(&strategy.to_string(), &reason);
        self.progress(format!(
            "migration lock: {} ({reason})",
            if strategy == lock::Strategy::Advisory { "session advisory lock" } else { "lease table" }
        ));
        let wait = self.config.wait_for_lock;
        let held = if strategy == lock::Strategy::Advisory {
            lock::Held::Advisory(lock::acquire(client, &tables, wait, &*self.progress).await?)
        } else {
            // The lease lives beside the history, so its table (and a configured schema) comes first,
            // created race-free by concurrent first runs.
            if self.config.schema.is_some() && access != Access::Read {
                let create = format!("CREATE SCHEMA IF NOT EXISTS {}", tables.schema);
                lock::create_race_free(client, &create, &format!("schema {}", tables.schema)).await?;
            }
            lock::create_race_free(client, &tables.lock_ddl(), &format!("the lock table {}", tables.lock)).await?;
            let token = lock::take_lease(client, &tables, self.config.lock_lease, wait, &*self.progress).await?;
            tables.lease_token = Some(token);
            lock::Held::Lease { token, table: tables.lock.clone() }
        };
        let ready = async {
            if self.config.schema.is_some() {
                if !pooled {
                    let create = matches!(access, Access::Run | Access::Repair);
                    self.use_schema(client, create).await?.ok_or_else(no_current_schema)?;
                } else {
                    // Through a pooler a session's search_path would not stay with this run: each
                    // transaction sets it.
                    tables.search_path = Some(tables.schema.clone());
                }
            }
            if let Some(direct_client) = &self.direct {
                self.prepare_direct(direct_client).await?;
            }
            layout::prepare(client, &tables, access).await
        }
        .await;
        if let Err(e) = ready {
            lock::release(client, &held).await;
            return Err(e);
        }
        Ok((tables, held))
    }

    /// Sets up the direct connection for the steps outside a transaction: the schema's search_path.
    async fn prepare_direct(&self, direct: &Client) -> Result<(), RunError> {
        if let Some(schema) = &self.config.schema {
            let sql = format!("SET search_path TO {}", crate::ident::quote_ident(schema));
            direct
                .batch_execute(&sql)
                .await
                .map_err(|e| RunError::db("setting search_path on the direct connection", &e))?;
        }
        Ok(())
    }

    /// Runs `work` while holding `held`: with the lease and a heartbeat connection, the heartbeat
    /// renews it meanwhile.
    async fn holding<T>(&self, held: &lock::Held, work: impl std::future::Future<Output = T>) -> T {
        match (held, &self.heartbeat) {
            (lock::Held::Lease { token, table }, Some(hb)) => {
                let beat = lock::heartbeat(
                    hb,
                    (table, *token),
                    (self.config.lock_lease, self.config.lock_heartbeat),
                    &*self.progress,
                );
                tokio::pin!(work);
                tokio::select! {
                    r = &mut work => r,
                    () = beat => unreachable!("the heartbeat never ends"),
                }
            }
            _ => work.await,
        }
    }

    /// Sets `search_path` to the configured schema (creating it when `create`), and returns the
    /// connection's current schema.
    async fn use_schema(&self, client: &Client, create: bool) -> Result<Option<String>, RunError> {
        if let Some(schema) = &self.config.schema {
            let q = crate::ident::quote_ident(schema);
            let sql = if create {
                format!("CREATE SCHEMA IF NOT EXISTS {q}; SET search_path TO {q}")
            } else {
                format!("SET search_path TO {q}")
            };
            client.batch_execute(&sql).await.map_err(|e| RunError::db(format!("using schema {schema}"), &e))?;
        }
        let row = client
            .query_typed_one("SELECT current_schema()", &[])
            .await
            .map_err(|e| RunError::db("reading the current schema", &e))?;
        Ok(row.get(0))
    }

    /// The history tables, for commands that only read (no lock, nothing created): in the configured
    /// schema, else the connection's current one.
    async fn read_tables(&self, client: &Client) -> Result<HistoryTables, RunError> {
        // A configured schema names the tables: no `SET search_path`, which through a transaction
        // pooler would stay on a server connection another client gets next.
        if let Some(schema) = &self.config.schema {
            return Ok(self.tables(schema));
        }
        let current = self.use_schema(client, false).await?;
        Ok(self.tables(current.as_deref().unwrap_or("public")))
    }

    /// Ends a run begun by [`begin`](Self::begin): releases the lock.
    async fn finish(client: &Client, held: lock::Held) {
        lock::release(client, &held).await;
    }

    /// Applies pending migrations, up to and including `to` when given.
    ///
    /// With [`Config::production`], it first writes the [production marker](production).
    pub async fn up(&mut self, client: &mut Client, to: Option<u64>) -> Result<Report, Failed> {
        crate::trace::within(&crate::trace::run("up"), async {
            let (tables, held) = self.begin(client, Access::Run).await?;
            let marked = match self.config.production {
                true => production::write(client, &tables).await.map(|_| ()),
                false => Ok(()),
            };
            let result = match marked {
                Ok(()) => self.holding(&held, apply::up(self, client, &tables, to)).await,
                Err(e) => Err(e.into()),
            };
            Self::finish(client, held).await;
            result
        })
        .await
    }

    /// Rolls back applied migrations. Refused on a database carrying a valid [production
    /// marker](production) when it would leave no migration applied, unless
    /// [`Config::allow_production`].
    pub async fn down(&mut self, client: &mut Client, target: DownTarget) -> Result<Report, Failed> {
        crate::trace::within(&crate::trace::run("down"), async {
            let (tables, held) = self.begin(client, Access::Run).await?;
            let result = self.holding(&held, apply::down(self, client, &tables, target)).await;
            Self::finish(client, held).await;
            result
        })
        .await
    }

    /// Rolls back the last applied migration and applies it again.
    pub async fn redo(&mut self, client: &mut Client) -> Result<Report, Failed> {
        crate::trace::within(&crate::trace::run("redo"), async {
            let (tables, held) = self.begin(client, Access::Run).await?;
            let mut report = match self.holding(&held, apply::down(self, client, &tables, DownTarget::Steps(1))).await {
                Ok(r) => r,
                Err(e) => {
                    Self::finish(client, held).await;
                    return Err(e);
                }
            };
            let to = report.rolled_back.first().map(|d| d.version);
            let result = match to {
                Some(v) => self.holding(&held, apply::up(self, client, &tables, Some(v))).await,
                None => Ok(Report::default()),
            };
            Self::finish(client, held).await;
            let again = result.map_err(|mut f| {
                f.report.rolled_back = std::mem::take(&mut report.rolled_back);
                f
            })?;
            report.applied = again.applied;
            report.warnings.extend(again.warnings);
            report.recorded.extend(again.recorded);
            report.repeatables.extend(again.repeatables);
            Ok(report)
        })
        .await
    }

    /// Compares the code with the history. Reads only: it creates nothing and takes no lock.
    pub async fn status(&mut self, client: &Client) -> Result<Status, RunError> {
        let (rows, applied) = self.history_and_repeatables(client).await?;
        let facts = self.run_facts(client, &rows).await?;
        let mut status = self.status_of_with(rows, &facts);
        status.repeatables = self.repeatable_states(&applied);
        Ok(status)
    }

    /// How this runner's repeatable migrations and those the database holds (`applied`, from
    /// [`history_and_repeatables`](Self::history_and_repeatables)) stand.
    pub fn repeatable_states(&self, applied: &[repeat::Applied]) -> Vec<repeat::RepeatableState> {
        repeat::states(&self.repeatables, applied)
    }

    /// What the migration lock and the event log add to the history `rows` ([`RunFacts`]): whether
    /// another session is migrating now (asked only when a row is in progress), and which of this
    /// runner's migrations without a row failed on their last run and were rolled back (asked only
    /// when there are such migrations: a fully applied history costs no query). Reads only.
    pub async fn run_facts(&self, client: &Client, rows: &[HistoryRow]) -> Result<RunFacts, RunError> {
        let in_progress = rows.iter().any(|r| r.state == "in_progress");
        // Both are in version order: one merge pass finds the migrations without a row.
        let mut row_versions = rows.iter().map(|r| r.version).peekable();
        let without_row = self.migrations.iter().any(|m| {
            while row_versions.next_if(|v| *v < m.version).is_some() {}
            row_versions.peek() != Some(&m.version)
        });
        if !in_progress && !without_row {
            return Ok(RunFacts::default());
        }
        let tables = self.read_tables(client).await?;
        let mut facts = RunFacts::default();
        if in_progress {
            facts.lock_held = lock::held_elsewhere(client, &tables).await;
        }
        if !without_row {
            return Ok(facts);
        }
        if history::table_exists(client, &tables.events).await? {
            // The last decisive event of each migration with an error: was it a failed apply?
            let sql = format!(
                "SELECT e.version, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', coalesce(e.detail, '')
                 FROM {t} e
                 WHERE e.action = 'apply' AND e.outcome = 'error' AND e.version IS NOT NULL
                   AND e.id = (SELECT max(x.id) FROM {t} x WHERE x.version = e.version AND x.action IN ('apply', 'rollback', 'resolve'))",
                t = tables.events
            );
            let found = client.query_typed(&sql, &[]).await.map_err(|e| RunError::db("reading the event log", &e))?;
            facts.rolled_back_failures = found
                .iter()
                .map(|r| (r.get::<_, i64>(0) as u64, r.get(1), r.get(2)))
                .filter(|(v, _, _)| !rows.iter().any(|row| row.version == *v))
                .collect();
        }
        Ok(facts)
    }

    /// The history rows [`status`](Self::status) compares the code with, read without writing
    /// anything; empty before the first run. Only the fields `status` reads are filled (version, name,
    /// checksum, state, direction, step, batch, applied_at, applied_by); the others are left empty or
    /// zero ([`history::read_summary`]). Needs only the settings, not the migrations: a caller can
    /// read it while the migrations are still being built.
    pub async fn history_summary(&self, client: &Client) -> Result<Vec<history::HistoryRow>, RunError> {
        Ok(self.read_for_status(client, false).await?.0)
    }

    /// [`history_summary`](Self::history_summary) and the repeatable migrations the database holds,
    /// the history tables found once: what [`status`](Self::status) reads.
    pub async fn history_and_repeatables(
        &self,
        client: &Client,
    ) -> Result<(Vec<history::HistoryRow>, Vec<repeat::Applied>), RunError> {
        self.read_for_status(client, true).await
    }

    async fn read_for_status(
        &self,
        client: &Client,
        repeatables: bool,
    ) -> Result<(Vec<history::HistoryRow>, Vec<repeat::Applied>), RunError> {
        self.config.validate()?;
        let tables = self.read_tables(client).await?;
        let Some(layout) = layout::prepare(client, &tables, Access::Read).await? else {
            return Ok((vec![], vec![]));
        };
        let rows = history::read_summary_of(client, &tables, layout).await?;
        // Layout 5 made the repeatables' table.
        let applied = if repeatables && layout >= 5 { repeat::read(client, &tables).await? } else { vec![] };
        Ok((rows, applied))
    }

    /// [`status`](Self::status) from history rows already read ([`history_summary`](Self::history_summary)).
    pub fn status_of(&self, rows: Vec<history::HistoryRow>) -> Status {
        status::compute(&self.migrations, rows)
    }

    /// [`status_of`](Self::status_of) with what the lock and the event log say ([`run_facts`](Self::run_facts)).
    pub fn status_of_with(&self, rows: Vec<history::HistoryRow>, facts: &RunFacts) -> Status {
        status::compute_with(&self.migrations, rows, facts)
    }

    /// Changes the history without running migrations, and logs it. A history table deleted while its
    /// event log remains is created again (empty), so that the applied migrations can be recorded.
    /// [`Resolve::RolledBack`] is refused on a database carrying a valid [production
    /// marker](production) unless [`Config::allow_production`].
    pub async fn resolve(&mut self, client: &mut Client, what: Resolve) -> Result<String, RunError> {
        let (tables, held) = self.begin(client, Access::Repair).await?;
        let result = apply::resolve(self, client, &tables, what).await;
        Self::finish(client, held).await;
        result
    }

    /// Drops every object in the migrations' schema (the history included) and applies every migration
    /// again. For development databases: the caller must have confirmed it. Refused, always, on a
    /// database carrying a valid [production marker](production).
    pub async fn reset(&mut self, client: &mut Client) -> Result<Report, Failed> {
        crate::trace::within(&crate::trace::run("reset"), async {
            let (tables, held) = self.begin(client, Access::Replace).await?;
            if let Err(e) = production::guard(client, &tables, "reset", false, false).await {
                Self::finish(client, held).await;
                return Err(e.into());
            }
            let schema = tables.schema.clone();
            // Through a pooler no session setting: each transaction of the run sets its search_path.
            let search_path = match tables.session {
                history::Session::Pooled => String::new(),
                _ => format!(" SET search_path TO {schema};"),
            };
            let sql = format!(
                "{}DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema};{}{search_path} {};{}",
                // A run that lost its lease drops nothing.
                tables.fence().map(|f| format!("{f}; ")).unwrap_or_default(),
                if schema == "\"public\"" {
                    // PostgreSQL 15's defaults for the public schema.
                    " ALTER SCHEMA public OWNER TO pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC;"
                } else {
                    ""
                },
                tables.ddl(),
                match &held {
                    // The lease dropped with the schema comes back with its token, in the same
                    // transaction: the run keeps it.
                    lock::Held::Lease { token, table } => lock::restore_sql(table, *token, self.config.lock_lease),
                    lock::Held::Advisory(_) => String::new(),
                }
            );
            // The lock is held from the drop to the end of the new run: no other deploy gets in between.
            let result = match client.batch_execute(&sql).await {
                Ok(()) => self.holding(&held, apply::up(self, client, &tables, None)).await,
                Err(e) => Err(RunError::db(format!("dropping and recreating schema {schema}"), &e).into()),
            };
            Self::finish(client, held).await;
            result
        })
        .await
    }

    /// The [production marker](production) of this database, valid or not, if it has one. Reads
    /// only: writes nothing and takes no lock.
    pub async fn production_marker(&self, client: &Client) -> Result<Option<ProductionMarker>, RunError> {
        self.config.validate()?;
        production::read(client, &self.read_tables(client).await?).await
    }

    /// Refuses `what` (e.g. `"seed"`) on a database carrying a valid [production marker](production),
    /// unless [`Config::allow_production`]. Reads only.
    pub async fn refuse_on_production(&self, client: &Client, what: &str) -> Result<(), RunError> {
        self.config.validate()?;
        let tables = self.read_tables(client).await?;
        production::guard(client, &tables, what, true, self.config.allow_production).await
    }

    /// Writes the [production marker](production) for this server and database (as `up` does with
    /// [`Config::production`]), creating the history tables if needed, and logs it.
    pub async fn set_production_marker(&mut self, client: &mut Client) -> Result<ProductionMarker, RunError> {
        let (tables, held) = self.begin(client, Access::Run).await?;
        let result = production::write(client, &tables).await;
        if let Ok(marker) = &result {
            apply::log_change(
                client,
                &tables,
                None,
                "production-marker",
                &actor(client).await,
                &format!("set: {marker}"),
            )
            .await;
        }
        Self::finish(client, held).await;
        result
    }

    /// Removes the [production marker](production), valid or not, and logs it; returns the one removed.
    pub async fn clear_production_marker(&mut self, client: &mut Client) -> Result<Option<ProductionMarker>, RunError> {
        let (tables, held) = self.begin(client, Access::Run).await?;
        let result = production::clear(client, &tables).await;
        if let Ok(Some(marker)) = &result {
            let detail = format!("cleared: {marker}");
            apply::log_change(client, &tables, None, "production-marker", &actor(client).await, &detail).await;
        }
        Self::finish(client, held).await;
        result
    }

    /// The connection for statements that run outside a transaction with session settings: the
    /// migrating one when the session is proven direct; else the direct connection
    /// ([`with_direct`](Self::with_direct)) when one was given; else the migrating one unless it is
    /// known to go through a pooler (`None` then: [`needs_direct`] says why).
    pub(crate) fn outside_transaction<'a>(&'a self, client: &'a Client, tables: &HistoryTables) -> Option<&'a Client> {
        use history::Session;
        match (&self.direct, tables.session) {
            (_, Session::Direct) | (None, Session::Unknown) => Some(client),
            (Some(direct), _) => Some(direct),
            (None, Session::Pooled) => None,
        }
    }

    /// Why a migration through a pooler cannot start: one of its `steps` runs outside a
    /// transaction and no direct connection is given. Checked before any of its steps runs.
    pub(crate) fn blocked_outside_transaction(
        &self,
        tables: &HistoryTables,
        id: &str,
        steps: &[plan::Step],
    ) -> Option<RunError> {
        if tables.session != history::Session::Pooled || self.direct.is_some() {
            return None;
        }
        let k = steps.iter().position(|s| !s.transactional && s.backfill.is_none() && s.data.is_none())?;
        Some(RunError::NeedsDirect {
            migration: id.to_string(),
            step: k + 1,
            steps: steps.len(),
            statement: steps[k].statements.first().cloned().unwrap_or_default(),
        })
    }

    /// Who holds the migration lock of this history: the lease of the table lock, and the session
    /// holding the advisory lock. With `force`, removes them: the lease (its token moves on, so the
    /// run holding it records nothing more) and the advisory lock's session (ended with
    /// `pg_terminate_backend`). Gives what was held, in words.
    pub async fn unlock(&self, client: &Client, force: bool) -> Result<Vec<String>, RunError> {
        self.config.validate()?;
        let tables = self.read_tables(client).await?;
        let mut held = Vec::new();
        if history::table_exists(client, &tables.lock).await? {
            let failed = |e: tokio_postgres::Error| RunError::db(format!("reading the lease in {}", tables.lock), &e);
            let lease = match force {
                true => lock::remove_lease(client, &tables.lock).await.map_err(failed)?,
                false => lock::lease_holder(client, &tables.lock).await.map_err(failed)?,
            };
            held.extend(lease);
        }
        let key = lock::key(&tables.history);
        let advisory = match force {
            true => lock::end_advisory_holder(client, key).await?,
            false => lock::holder(client, key).await,
        };
        held.extend(advisory.map(|h| format!("the advisory lock of {h}")));
        if force && !held.is_empty() {
            let who = actor(client).await;
            let detail = format!("unlock --force removed {}", held.join("; "));
            if history::table_exists(client, &tables.events).await? {
                apply::log_change(client, &tables, None, "unlock", &who, &detail).await;
            }
        }
        Ok(held)
    }

    /// Without a heartbeat connection, renews the lease on the migrating connection (between
    /// migrations, when no transaction is open).
    pub(crate) async fn renew_between(&self, client: &Client, tables: &HistoryTables) -> Result<(), RunError> {
        let (Some(token), None) = (tables.lease_token, &self.heartbeat) else { return Ok(()) };
        match lock::renew(client, &tables.lock, token, self.config.lock_lease).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(RunError::LeaseLost(token)),
            Err(e) => Err(RunError::db("renewing the migration lease", &e)),
        }
    }

    fn progress(&self, message: String) {
        (self.progress)(message);
    }
}

/// The failure of a step outside a transaction that cannot run through a pooler.
pub(crate) fn needs_direct() -> error::DbFailure {
    error::DbFailure {
        code: String::new(),
        message: NEEDS_DIRECT.into(),
        detail: None,
        hint: None,
        statement: None,
        position: None,
    }
}

/// Why a step outside a transaction cannot run through a pooler.
const NEEDS_DIRECT: &str = "this step runs outside a transaction, and the connection is not proven direct (a transaction pooler may be in between), where its session settings (lock_timeout, statement_timeout) would not hold: set `direct_url` in migrate.toml (or on the target) to a direct connection to PostgreSQL for such steps, or connect directly";

/// The history tables of diesel, sqlx and refinery. After `import`, the first `up` on a database one of
/// them migrated reads its table (left in place) and records what it applied as applied here.
pub const FOREIGN_HISTORY_TABLES: [&str; 3] =
    ["__diesel_schema_migrations", "_sqlx_migrations", "refinery_schema_history"];

fn no_current_schema() -> RunError {
    RunError::Usage(
        "the connection has no current schema (search_path names no existing schema); set `schema` in migrate.toml"
            .into(),
    )
}

/// Who is applying: the database role, the OS user and the host.
/// The engine behind a server's `version()` when it is not PostgreSQL itself (a server that speaks
/// its protocol: they accept most DDL but differ in catalogs, locks and transactions); `None` for
/// PostgreSQL, including hosted and patched builds that say `PostgreSQL ..` alone.
///
/// ```
/// use migrate_core::runner::engine_of;
/// assert_eq!(engine_of("PostgreSQL 15.4 on aarch64-unknown-linux-gnu, compiled by gcc 7.3.1, 64-bit"), None);
/// assert_eq!(engine_of("PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu, compiled by clang"), Some("YugabyteDB"));
/// ```
pub fn engine_of(version: &str) -> Option<&'static str> {
    const ENGINES: [(&str, &str); 7] = [
        ("CockroachDB", "CockroachDB"),
        ("-YB-", "YugabyteDB"),
        ("Redshift", "Amazon Redshift"),
        ("Greenplum", "Greenplum"),
        ("materialized", "Materialize"),
        ("CrateDB", "CrateDB"),
        ("Cloudberry", "Apache Cloudberry"),
    ];
    ENGINES.iter().find(|(mark, _)| version.contains(mark)).map(|(_, engine)| *engine)
}

pub(crate) async fn actor(client: &Client) -> String {
    let role: String =
        client.query_typed_one("SELECT current_user::text", &[]).await.map(|r| r.get(0)).unwrap_or_else(|_| "?".into());
    let user = whoami::username().unwrap_or_else(|_| "unknown".into());
    let host = whoami::hostname().unwrap_or_else(|_| "unknown-host".into());
    format!("{role} ({user}@{host})")
}

/// What a transaction of a run sends first: the `search_path` through a pooler, and `SET LOCAL
/// lock_timeout / statement_timeout`.
pub(crate) fn in_transaction(config: &Config, tables: &HistoryTables) -> String {
    format!("{}{}", tables.transaction_prefix(), timeouts(config, true))
}

/// `SET [LOCAL] lock_timeout / statement_timeout` for the configuration.
pub(crate) fn timeouts(config: &Config, local: bool) -> String {
    let scope = if local { "SET LOCAL" } else { "SET" };
    let ms = |d: Option<Duration>| d.map(|d| d.as_millis().to_string()).unwrap_or_else(|| "DEFAULT".into());
    format!(
        "{scope} lock_timeout = {}; {scope} statement_timeout = {}",
        ms(config.lock_timeout),
        ms(config.statement_timeout)
    )
}

#[cfg(test)]
mod engine_tests {
    use super::engine_of;

    /// `version()` as these engines print it.
    #[test]
    fn other_engines_are_named_and_postgresql_is_not() {
        let others = [
            ("CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)", "CockroachDB"),
            (
                "PostgreSQL 11.2-YB-2.19.0.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 15.0.3, 64-bit",
                "YugabyteDB",
            ),
            (
                "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.28422",
                "Amazon Redshift",
            ),
            (
                "PostgreSQL 12.12 (Greenplum Database 7.0.0 build commit:0a7a3566873325aca1789ae6f818c80f17a9402d) on x86_64-pc-linux-gnu",
                "Greenplum",
            ),
            ("PostgreSQL 9.5.0 on x86_64-unknown-linux-gnu (materialized v0.26.4)", "Materialize"),
        ];
        for (version, engine) in others {
            assert_eq!(engine_of(version), Some(engine), "{version}");
        }
        for postgres in [
            "PostgreSQL 15.19 (Debian 15.19-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
            "PostgreSQL 16.4 on aarch64-unknown-linux-gnu, compiled by gcc (GCC) 9.5.0, 64-bit",
            "PostgreSQL 17.2 (Ubuntu 17.2-1.pgdg24.04+1) on x86_64-pc-linux-gnu",
        ] {
            assert_eq!(engine_of(postgres), None, "{postgres}");
        }
    }
}
