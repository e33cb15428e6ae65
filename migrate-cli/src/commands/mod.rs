//! One file per command; this module dispatches and holds what they share.

use anstream::{eprintln, println};
mod capture;
mod codegen;
mod down;
mod drift;
mod fleet;
mod import;
pub mod lint;
mod list;
mod marker;
mod pull;
mod rehearse;
mod report;
mod reset;
mod resolve;
mod seed;
mod sql;
mod squash;
mod status;
mod unlock;
mod up;
pub(crate) mod verify;

use anyhow::{Context, Result};
use migrate_core::registry::Migration;
use migrate_core::runner::{Finished, Migrator};
use tokio_postgres::Client;

use crate::cli::{Cli, Command, DevDbAction, Format};
use crate::config::Loaded;
use crate::connect::Database;
use crate::output::{Out, envelope, print_json};

/// What every command gets.
pub struct Ctx {
    pub cli_url: Option<String>,
    pub cli_target: Option<String>,
    /// `--no-dotenv`: the project's `.env` is not read.
    pub no_dotenv: bool,
    pub out: Out,
    /// The `--format` given (diagrams read it; other commands use `out`).
    pub format: Format,
    pub loaded: Loaded,
    /// What the command does to the database it connects to, for the line that names it first
    /// ("migrating database `app` on db:5432 as `deploy`").
    pub verb: &'static str,
    /// The command's name in the JSON envelope.
    pub command: &'static str,
    /// Whether the command printed its JSON envelope (an error after it prints none).
    printed: std::cell::Cell<bool>,
    /// Where our end of the last connection [`connect_to`](Self::connect_to) opened is.
    origin: std::cell::RefCell<Option<crate::connect::Origin>>,
}

impl Ctx {
    /// The migrations linked into this program.
    pub fn migrations(&self) -> Result<Vec<Migration>> {
        Ok(migrate_core::registry::migrations()?)
    }

    /// The database to use; with none configured, the project-local development cluster, except in
    /// CI (`CI` set) and in a project whose migrate.toml declares targets, where a database that was
    /// meant but not named must not be replaced by a fresh local one.
    pub async fn database(&self) -> Result<Database> {
        match crate::connect::resolve(
            &self.loaded,
            self.cli_url.as_deref(),
            self.cli_target.as_deref(),
            self.no_dotenv,
        )? {
            Some(db) => Ok(db),
            None if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) || !self.loaded.config.targets.is_empty() => {
                let targets: Vec<&str> = self.loaded.config.targets.keys().map(String::as_str).collect();
                anyhow::bail!(
                    "no database is configured ({}): name one with --database-url URL, --target NAME{}, DATABASE_URL, or `default_target` in migrate.toml. For the project-local development cluster, run `migrate-cli dev-db start` and pass the URL it prints with --database-url",
                    if targets.is_empty() {
                        "the development cluster is not started implicitly when CI is set".to_string()
                    } else {
                        "the development cluster is not started implicitly when migrate.toml declares targets"
                            .to_string()
                    },
                    if targets.is_empty() { String::new() } else { format!(" (targets: {})", targets.join(", ")) }
                );
            }
            None => {
                let url = crate::dev_db::ensure_running(&self.loaded.root, !self.out.json)?;
                Ok(Database { url, source: crate::connect::Source::DefaultTarget("dev-db".into()), production: false })
            }
        }
    }

    /// The code's migrations as [summaries](migrate_core::registry::summaries) (checksums without
    /// ops; the runner builds each one's ops again when it plans it) and a connection, built and opened
    /// at once: building a long history runs on other threads while the connection is set up.
    pub async fn summaries_and_connection(&self) -> Result<(Vec<Migration>, Database, Client)> {
        let (migrations, db, client, ()) = self.summaries_while_connected(async |_| Ok(())).await?;
        Ok((migrations, db, client))
    }

    /// [`summaries_and_connection`](Self::summaries_and_connection), running `read` on the connection
    /// while the migrations are still being built (`status` reads the history meanwhile). A problem
    /// in the migrations is reported before a connection problem, as if built first.
    pub async fn summaries_while_connected<T>(
        &self,
        read: impl AsyncFnOnce(&Client) -> Result<T>,
    ) -> Result<(Vec<Migration>, Database, Client, T)> {
        let building = std::thread::spawn(migrate_core::registry::summaries);
        let connected = async {
            let (db, client) = self.connect().await?;
            let value = read(&client).await?;
            anyhow::Ok((db, client, value))
        }
        .await;
        let migrations = building.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        let (db, client, value) = connected?;
        Ok((migrations, db, client, value))
    }

    /// Connects to [the database](Self::database), after saying on stderr which one it is.
    pub async fn connect(&self) -> Result<(Database, Client)> {
        let db = self.database().await?;
        let client = self.connect_to(&db).await?;
        Ok((db, client))
    }

    /// Connects to `db`, after saying on stderr which database ([`announce`](Self::announce)).
    pub async fn connect_to(&self, db: &Database) -> Result<Client> {
        self.announce(db)?;
        let (client, origin) = crate::connect::connect_with_origin(&db.url).await?;
        *self.origin.borrow_mut() = Some(origin);
        Ok(client)
    }

    /// The repeatable migrations linked into this program, or every problem with them.
    pub fn repeatables() -> Result<Vec<migrate_core::repeatable::Repeatable>> {
        migrate_core::repeatable::repeatables().map_err(|errors| anyhow::anyhow!("{}", errors.join("\n")))
    }

    /// Readies `m` to take the migration lock on `client`, the connection to `db` just opened: the
    /// target's `lock` setting, our end of the connection (so `lock = auto` can prove the session
    /// direct), and, when the run will take the lease, a heartbeat connection and the target's
    /// `direct_url` for the steps outside a transaction.
    pub async fn ready_lock(&self, m: &mut Migrator, db: &Database, client: &Client) -> Result<()> {
        let target = match &db.source {
            crate::connect::Source::Target(t) | crate::connect::Source::DefaultTarget(t) => Some(t.as_str()),
            _ => None,
        };
        let (settings, direct_url) = self.loaded.for_target(target)?;
        let mut config = m.config().clone();
        config.lock = settings.lock;
        m.with_config(config);
        let origin = self.origin.borrow().clone();
        ready_lock(m, &db.url, client, origin, direct_url).await
    }

    /// Says on stderr what the command does to which database (unless the output is JSON).
    pub fn announce(&self, db: &Database) -> Result<()> {
        if !self.out.json {
            eprintln!("{} {}", self.verb, db.describe()?);
        }
        Ok(())
    }

    /// A runner over the code's migrations with the configured settings; progress goes to stderr.
    pub fn migrator(&self, migrations: Vec<Migration>) -> Result<Migrator> {
        let mut m = Migrator::new(migrations);
        m.with_config(self.loaded.runner_config()?);
        m.with_repeatables(Self::repeatables()?);
        let out = self.out;
        m.on_progress(move |msg| {
            if !out.json {
                eprintln!("{msg}");
            }
        });
        // Each result as soon as it is committed: a long run says what is done while it goes on.
        m.on_result(move |r| {
            if !out.json {
                match r {
                    Finished::Applied(d) => println!("{}", report::result_line(&out, "applied", d)),
                    Finished::RolledBack(d) => println!("{}", report::result_line(&out, "rolled back", d)),
                    _ => {}
                }
            }
        });
        Ok(m)
    }

    /// Prints the command's JSON envelope (`docs/json.md`): `version`, `command` and `ok` (`false`
    /// when the command failed or found problems), then the fields of `body`.
    pub fn json(&self, ok: bool, body: serde_json::Value) {
        self.printed.set(true);
        print_json(&envelope(self.command, ok, body));
    }
}

/// Readies `m` to take the migration lock on `client` (a connection to `url` whose end is
/// `origin`): `lock = auto` proves the session direct with it; when the run will take the lease, a
/// heartbeat connection, and `direct_url` for the steps outside a transaction.
pub async fn ready_lock(
    m: &mut Migrator,
    url: &str,
    client: &Client,
    origin: Option<crate::connect::Origin>,
    direct_url: Option<String>,
) -> Result<()> {
    use migrate_core::runner::lock::{Strategy, prove_direct};
    let direct = match &origin {
        Some(o) => prove_direct(client, Some(o)).await?.0,
        None => false,
    };
    if let Some(o) = origin {
        m.connected_from(o);
    }
    let strategy = m.config().lock;
    if strategy == Strategy::Table || (strategy == Strategy::Auto && !direct) {
        m.with_heartbeat(crate::connect::connect(url).await.context("opening the lease's heartbeat connection")?);
    }
    if !direct && let Some(direct_url) = direct_url {
        let (d, origin) = crate::connect::connect_with_origin(&direct_url).await.context("connecting to direct_url")?;
        if !prove_direct(&d, Some(&origin)).await?.0 {
            anyhow::bail!(
                "direct_url does not reach PostgreSQL directly (the server does not see our own socket): give the server's own address, not a pooler's"
            );
        }
        m.with_direct(d);
    }
    Ok(())
}

/// The envelope of a command stopped by `error`: `ok` false and the error.
pub fn error_envelope(command: &str, error: &anyhow::Error) -> serde_json::Value {
    envelope(command, false, serde_json::json!({ "error": report::error_json(error) }))
}

/// What a command does to the database it connects to.
fn verb_of(command: &Command) -> &'static str {
    match command {
        Command::Up(_) => "migrating",
        Command::Down(_) => "rolling back",
        Command::Redo(_) => "redoing the last migration of",
        Command::Status(_) => "reading",
        Command::Verify(_) => "verifying on the server of",
        Command::Drift(_) | Command::Diff(_) => "comparing",
        Command::Pull(_) => "pulling",
        Command::Squash(_) => "squashing on the server of",
        Command::Rehearse(_) => "rehearsing on a copy of",
        Command::Resolve(_) => "resolving the history of",
        Command::Reset(_) => "resetting",
        Command::Seed(_) => "seeding",
        Command::ProductionMarker(_) => "production marker of",
        Command::Unlock(_) => "unlocking",
        _ => "connecting to",
    }
}

/// Runs the parsed command; returns the exit code or an error (printed on stderr by the caller). With
/// `--format json`, an error is also printed as the command's envelope on stdout, unless the command
/// printed its envelope already (a run that failed part-way says what it did in it).
pub async fn dispatch(cli: Cli) -> Result<u8> {
    let (json, command) = (cli.format == Format::Json, cli.command.name());
    let mut printed = false;
    let result = run(cli, &mut printed).await;
    if let Err(e) = &result
        && json
        && !printed
    {
        print_json(&error_envelope(command, e));
    }
    result
}

async fn run(cli: Cli, printed: &mut bool) -> Result<u8> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let loaded = crate::config::load_for(cli.config.as_deref(), &cwd)?;
    if cli.command.conn().is_none() && (cli.database_url.is_some() || cli.target.is_some() || cli.no_dotenv) {
        anyhow::bail!(
            "`{}` connects to no database: --database-url, --target and --no-dotenv are for the commands that do",
            cli.command.name()
        );
    }
    let ctx = Ctx {
        cli_url: cli.database_url,
        cli_target: cli.target,
        no_dotenv: cli.no_dotenv,
        out: Out::new(cli.format == Format::Json),
        format: cli.format,
        loaded,
        verb: verb_of(&cli.command),
        command: cli.command.name(),
        printed: std::cell::Cell::new(false),
        origin: Default::default(),
    };
    let result = command(&ctx, cli.command, &cwd).await;
    *printed = ctx.printed.get();
    result
}

async fn command(ctx: &Ctx, command: Command, cwd: &std::path::Path) -> Result<u8> {
    match command {
        Command::Up(a) => up::run(ctx, a).await,
        Command::Down(a) => down::run(ctx, a).await,
        Command::Redo(a) => down::redo(ctx, a).await,
        Command::Status(a) => status::run(ctx, a).await,
        Command::Sql(a) => sql::run(ctx, a),
        Command::List => list::run(ctx),
        Command::Lint(a) => lint::run(ctx, a),
        Command::Verify(a) => verify::run(ctx, a).await,
        Command::Codegen(a) => codegen::run(ctx, a),
        Command::Schema(a) => codegen::diagram(ctx, a),
        Command::Drift(a) => drift::run(ctx, a).await,
        Command::Pull(a) => pull::run(ctx, a).await,
        Command::Squash(a) => squash::run(ctx, a).await,
        Command::Rehearse(a) => rehearse::run(ctx, a).await,
        Command::Import(a) => import::run(ctx, a),
        Command::Diff(a) => capture::run(ctx, a).await,
        Command::Resolve(a) => resolve::run(ctx, a).await,
        Command::Reset(a) => reset::run(ctx, a).await,
        Command::Seed(a) => seed::run(ctx, a).await,
        Command::New(a) => {
            let dir = crate::scaffold::migrations_dir(&ctx.loaded)?;
            let kind = if a.sql { crate::scaffold::Kind::Sql } else { crate::scaffold::Kind::Rust };
            let path = crate::scaffold::new_migration(&dir, &a.name, kind)?;
            created(ctx, &[path]);
            Ok(crate::EXIT_OK)
        }
        Command::Init(a) => {
            let written = crate::scaffold::init(cwd, &a.path, a.name.as_deref(), a.migration.as_deref())?;
            created(ctx, &written);
            Ok(crate::EXIT_OK)
        }
        Command::ProductionMarker(a) => marker::run(ctx, a).await,
        Command::Unlock(a) => unlock::run(ctx, a).await,
        Command::DevDb(a) => {
            let root = &ctx.loaded.root;
            // `status` asks the cluster once: for the sentence, or for the JSON's fields.
            let (action, said) = match a.action {
                DevDbAction::Status => ("status", None),
                DevDbAction::Start => ("start", Some(crate::dev_db::ensure_running(root, false)?)),
                DevDbAction::Stop => ("stop", Some(crate::dev_db::stop(root)?)),
            };
            if ctx.out.json {
                let (state, url, data) = crate::dev_db::state(root);
                ctx.json(true, serde_json::json!({ "action": action, "state": state, "url": url, "data": data }));
            } else {
                println!(
                    "{}",
                    match said {
                        Some(said) => said,
                        None => crate::dev_db::status(root)?,
                    }
                );
            }
            Ok(crate::EXIT_OK)
        }
    }
}

/// What `new` and `init` say: the files they wrote.
fn created(ctx: &Ctx, paths: &[std::path::PathBuf]) {
    if ctx.out.json {
        ctx.json(true, serde_json::json!({ "created": paths }));
    } else {
        for p in paths {
            println!("created {}", p.display());
        }
    }
}
