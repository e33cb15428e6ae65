//! The command line's arguments.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

impl Cli {
    /// Parses the arguments. `--database-url` is bound to `DATABASE_URL` (for `--help`), but a value
    /// that came from the environment is left to [`crate::connect::resolve`], where `--target` wins
    /// over it and an empty one is an error.
    pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        // The flag may be given before the command or after it: at each level, a value that came
        // from the environment is dropped.
        let from_env = |m: &clap::ArgMatches| {
            m.ids().any(|id| id.as_str() == "database_url")
                && m.value_source("database_url") == Some(clap::parser::ValueSource::EnvVariable)
        };
        if from_env(&matches) {
            cli.database_url = None;
        }
        // The flags in effect land in `cli`: those given after the command win over those before it.
        if let Some(after) = cli.command.conn() {
            let after_url = matches.subcommand().filter(|(_, sub)| !from_env(sub)).and(after.database_url.clone());
            cli.database_url = after_url.or(cli.database_url);
            cli.target = after.target.clone().or(cli.target);
            cli.no_dotenv |= after.no_dotenv;
        }
        Ok(cli)
    }
}

/// Which database: the flags of the commands that connect to one. Given before the command they
/// apply to it too (`migrate-cli -D URL status`).
#[derive(Debug, Clone, Default, Args)]
pub struct ConnArgs {
    /// Connection URL, e.g. postgres://user@host:5432/db?sslmode=require (never printed). From
    /// DATABASE_URL when not given; --target wins over DATABASE_URL, not over this flag.
    #[arg(short = 'D', long, global = true, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A target named in migrate.toml.
    #[arg(long, global = true, value_name = "NAME")]
    pub target: Option<String>,
    /// Do not read DATABASE_URL from the project's .env file.
    #[arg(long, global = true)]
    pub no_dotenv: bool,
}

/// Apply, roll back and check this project's PostgreSQL migrations.
///
/// The database comes from --database-url, --target NAME, $DATABASE_URL, a .env file, libpq's
/// PGHOST/PGPORT/PGUSER/PGDATABASE, or the default target in migrate.toml, in that order; with none of
/// them, a project-local development cluster.
#[derive(Debug, Parser)]
#[command(name = "migrate-cli", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Connection URL, e.g. postgres://user@host:5432/db?sslmode=require (never printed). From
    /// DATABASE_URL when not given; --target wins over DATABASE_URL, not over this flag. For the
    /// commands that connect to a database. After parsing ([`Cli::parse_args`]) this and the two
    /// fields below hold the flags in effect, given before or after the command.
    #[arg(short = 'D', long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A target named in migrate.toml (for the commands that connect to a database).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Do not read DATABASE_URL from the project's .env file.
    #[arg(long)]
    pub no_dotenv: bool,
    /// The configuration file (default: migrate.toml here or in a folder above); the project's
    /// root is its folder.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  migrate-cli up                       apply every pending migration
  migrate-cli up --dry-run             print the plan and the SQL, run nothing
  migrate-cli down                     roll back the last batch
  migrate-cli status --exit-code       a CI gate: exit 1 when anything is pending or changed
  migrate-cli sql up 20240101000000    print a migration's SQL
  migrate-cli new add_user_roles       write a new migration file";

/// A migration as the user names it: its version (`20240620120000`), or the migration as the tool
/// prints it (`m20240620120000_create_users`, or without the `m`).
pub fn version_arg(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t.strip_prefix('m').filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(t);
    let (digits, name) = t.split_once('_').unwrap_or((t, ""));
    let name_ok = name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    match digits.parse::<u64>() {
        Ok(v) if name_ok && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => Ok(v),
        _ => Err(format!(
            "`{text}` is not a migration: give its version (20240620120000) or its name as the tool prints it (m20240620120000_create_users)"
        )),
    }
}

/// Output formats (`mermaid` and `dot` are for `schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people (the default).
    Human,
    /// One JSON document (docs/json.md).
    Json,
    /// A Mermaid diagram (`schema`).
    Mermaid,
    /// A Graphviz diagram (`schema`).
    Dot,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations.
    ///
    /// Example: migrate-cli up --to 20240105000000
    #[command(visible_alias = "run", visible_alias = "apply")]
    Up(UpArgs),
    /// Roll back migrations (default: the last batch, i.e. the last `up` run).
    ///
    /// Example: migrate-cli down --steps 2
    #[command(visible_alias = "revert")]
    Down(DownArgs),
    /// Roll back the last migration and apply it again.
    ///
    /// Example: migrate-cli redo
    Redo(LockArgs),
    /// Show every migration's state: applied, pending, changed, missing, failed.
    ///
    /// Example: migrate-cli status --exit-code --format json
    #[command(visible_alias = "info")]
    Status(StatusArgs),
    /// Print the exact SQL of migrations without running it.
    ///
    /// Example: migrate-cli sql down 20240101000000..20240105000000
    Sql(SqlArgs),
    /// Check the migrations against the schema they run on: locks, rewrites, risky changes.
    ///
    /// Example: migrate-cli lint --all --format json
    Lint(LintArgs),
    /// Apply every migration to a scratch database and check that each down restores the schema
    /// exactly, and that up again gives the same schema (for CI).
    ///
    /// Example: migrate-cli verify
    Verify(ScratchArgs),
    /// Compare the database with the schema its applied migrations build; list every difference.
    ///
    /// Example: migrate-cli drift --format json
    Drift(ScratchArgs),
    /// Write a Rust module with typed identifiers for every table and column (no database needed).
    ///
    /// Example: migrate-cli codegen --out src/schema.rs
    Codegen(CodegenArgs),
    /// Draw the schema as an entity-relationship diagram (no database needed).
    ///
    /// Example: migrate-cli schema --format dot --at 20240105000000
    Schema(SchemaArgs),
    /// Write a migration that turns the schema of the migrations into the live database's schema
    /// (to capture a change made by hand), or with --reverse the other way.
    ///
    /// Example: migrate-cli diff --name capture_hotfix
    Diff(DiffArgs),
    /// Bring another tool's SQL migrations into the project, in order, keeping their identifiers.
    ///
    /// Example: migrate-cli import --from diesel ../old/migrations
    Import(ImportArgs),
    /// Adopt an existing database: write a baseline migration with its whole schema and record it
    /// as applied there.
    ///
    /// Example: migrate-cli pull
    Pull(PullArgs),
    /// Replace the migrations up to VERSION by one baseline, proven on scratch databases to build
    /// the same schema; the originals are removed from src/migrations/ (git keeps them).
    ///
    /// Databases that applied them record the baseline in their place at the next `up` (no SQL
    /// runs); new databases run it instead of them. Exit 1 when the baseline would not rebuild the
    /// schema (nothing is written).
    ///
    /// Example: migrate-cli squash --to 20240601000000 --drop-data
    Squash(SquashArgs),
    /// Run the pending migrations on a copy of the database with real rows (up to --rows per table)
    /// and measure what they lock: per statement its duration, the strongest lock on each table and
    /// for how long, whether it rewrote the table, the rows a backfill updated; then their downs and
    /// their ups again. The database itself is only read.
    ///
    /// Exit 1 when a statement held a lock that blocks writes (SHARE or stronger) on a table with rows
    /// for longer than --max-lock, or a migration, a down or an up again failed.
    ///
    /// Example: migrate-cli rehearse --target production --scratch-url postgres://localhost/postgres
    Rehearse(RehearseArgs),
    /// List the migrations in the code (no database needed).
    ///
    /// Example: migrate-cli list
    List,
    /// Repair the history by hand, without running migrations.
    ///
    /// Example: migrate-cli resolve --accept-checksum 20240101000000
    Resolve(ResolveArgs),
    /// Drop every object in the migrations' schema and apply everything again (development only).
    ///
    /// Example: migrate-cli reset --yes
    Reset(ResetArgs),
    /// Run the seeds of an environment (all in one transaction), or list the seeds.
    ///
    /// Example: migrate-cli seed --env dev
    Seed(SeedArgs),
    /// Write a new migration file from a template and register it.
    ///
    /// Example: migrate-cli new add_user_roles
    #[command(visible_alias = "add", visible_alias = "generate")]
    New(NewArgs),
    /// Set up migrations in your project: a migrations crate and migrate.toml.
    ///
    /// Example: migrate-cli init
    Init(InitArgs),
    /// Manage the project-local development database.
    ///
    /// Example: migrate-cli dev-db status
    DevDb(DevDbArgs),
    /// Show, set or clear the production marker that `up` through a production target writes, and
    /// that destructive commands refuse.
    ///
    /// Example: migrate-cli production-marker status
    ProductionMarker(ProductionMarkerArgs),
    /// Show who holds the migration lock; with --force, remove it: the lease of `lock = "table"`
    /// (its token moves on, so the run that held it records nothing more), or end the session
    /// holding the advisory lock (e.g. an idle pooled server connection that kept it).
    ///
    /// Exit 0 when something was held (and, with --force, removed), 1 when nothing was.
    ///
    /// Example: migrate-cli unlock --force
    Unlock(UnlockArgs),
}

impl Command {
    /// The connection flags given after the command, for the commands that connect to a database.
    pub fn conn(&self) -> Option<&ConnArgs> {
        match self {
            Command::Up(a) => Some(&a.lock.conn),
            Command::Down(a) => Some(&a.lock.conn),
            Command::Redo(a) => Some(&a.conn),
            Command::Status(a) => Some(&a.conn),
            Command::Verify(a) | Command::Drift(a) => Some(&a.conn),
            Command::Diff(a) => Some(&a.scratch.conn),
            Command::Pull(a) => Some(&a.conn),
            Command::Squash(a) => Some(&a.conn),
            Command::Rehearse(a) => Some(&a.conn),
            Command::Resolve(a) => Some(&a.conn),
            Command::Reset(a) => Some(&a.conn),
            Command::Seed(a) => Some(&a.conn),
            Command::ProductionMarker(a) => Some(&a.conn),
            Command::Unlock(a) => Some(&a.conn),
            _ => None,
        }
    }

    /// The command's name as typed (without aliases): `up`, `production-marker`, …
    pub fn name(&self) -> &'static str {
        match self {
            Command::Up(_) => "up",
            Command::Down(_) => "down",
            Command::Redo(_) => "redo",
            Command::Status(_) => "status",
            Command::Sql(_) => "sql",
            Command::Lint(_) => "lint",
            Command::Verify(_) => "verify",
            Command::Drift(_) => "drift",
            Command::Codegen(_) => "codegen",
            Command::Schema(_) => "schema",
            Command::Diff(_) => "diff",
            Command::Import(_) => "import",
            Command::Pull(_) => "pull",
            Command::Squash(_) => "squash",
            Command::Rehearse(_) => "rehearse",
            Command::List => "list",
            Command::Resolve(_) => "resolve",
            Command::Reset(_) => "reset",
            Command::Seed(_) => "seed",
            Command::New(_) => "new",
            Command::Init(_) => "init",
            Command::DevDb(_) => "dev-db",
            Command::ProductionMarker(_) => "production-marker",
            Command::Unlock(_) => "unlock",
        }
    }
}

/// The flags of the commands that take the migration lock.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Fail at once when another process holds the migration lock, instead of waiting.
    #[arg(long)]
    pub no_wait: bool,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `up`'s flags.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Apply up to and including this migration (its version, or its name as printed).
    #[arg(long, value_name = "VERSION", value_parser = version_arg, conflicts_with = "steps")]
    pub to: Option<u64>,
    /// Apply the next N pending migrations.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: Option<u32>,
    /// Print the plan and the SQL; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply pending migrations older than the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// The lock and the database.
    #[command(flatten)]
    pub lock: LockArgs,
    /// Every target at once.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Every target of migrate.toml at once.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Every target in migrate.toml (each tenant schema of a target counts as one).
    #[arg(long)]
    pub all_targets: bool,
    /// How many targets are migrated at once with --all-targets (after the canary).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
}

/// `down`'s flags.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct DownArgs {
    /// Roll back this many migrations.
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// Roll back every migration newer than this one (its version, or its name as printed).
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub to: Option<u64>,
    /// The lock and the database.
    #[command(flatten)]
    pub lock: LockArgs,
    /// Roll back every applied migration even on a database carrying a production marker.
    #[arg(long)]
    pub allow_production: bool,
}

/// `status`'s flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit with 1 when a migration is pending, changed since applied, or failed (or, with --drift,
    /// when the schema drifted).
    #[arg(long)]
    pub exit_code: bool,
    /// Also compare the schema with what the applied migrations build (see `drift`).
    #[arg(long)]
    pub drift: bool,
    /// Every target in migrate.toml, a line each.
    #[arg(long)]
    pub all_targets: bool,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `lint`'s flags.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Check every migration, including those at or before `lint_baseline`.
    #[arg(long)]
    pub all: bool,
}

/// `diff`'s flags.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Turn the live schema into the migrations' schema instead.
    #[arg(long)]
    pub reverse: bool,
    /// The new migration's name.
    #[arg(long, default_value = "capture")]
    pub name: String,
    /// Write here instead of the migrations folder.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// The scratch database and the database.
    #[command(flatten)]
    pub scratch: ScratchArgs,
}

/// Where a command's scratch database lives.
#[derive(Debug, Default, Args)]
pub struct ScratchArgs {
    /// A server (or database) whose role may CREATE DATABASE, for the scratch database (default:
    /// `scratch_url` in migrate.toml, else the target's server).
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `import`'s flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The tool the migrations come from.
    #[arg(long, value_enum)]
    pub from: Tool,
    /// Its migrations folder.
    pub path: std::path::PathBuf,
}

/// Tools `import` reads.
/// The tools `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tool {
    /// `<version>_<name>.sql` (or `.up.sql`/`.down.sql`) files.
    Sqlx,
    /// A folder per migration with `up.sql` and `down.sql`.
    Diesel,
    /// `V<n>__<name>.sql` files (ups only).
    Refinery,
}

/// `pull`'s flags.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The baseline migration's name.
    #[arg(long, default_value = "baseline")]
    pub name: String,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `squash`'s flags.
#[derive(Debug, Args)]
pub struct SquashArgs {
    /// The last migration to squash: the baseline takes its version.
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub to: u64,
    /// The baseline migration's name.
    #[arg(long, default_value = "baseline")]
    pub name: String,
    /// Append the squashed migrations' data statements (INSERT, UPDATE, DELETE, ...) to the baseline,
    /// after the schema, in their order.
    #[arg(long, conflicts_with = "drop_data")]
    pub keep_data: bool,
    /// Leave the squashed migrations' data statements out: new databases will not get that data.
    #[arg(long)]
    pub drop_data: bool,
    /// A server (or database) whose role may CREATE DATABASE, for the two scratch databases (default:
    /// `scratch_url` in migrate.toml, else the target's server).
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
    /// Which database's server (for the scratch databases; nothing is written to it).
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `rehearse`'s flags.
#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// At most this many rows of each table go to the copy (sampled from larger tables).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub rows: u64,
    /// The longest a statement may hold a lock that blocks writes on a table with rows (`1s`, `200ms`).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration_arg)]
    pub max_lock: std::time::Duration,
    /// Keep the copy afterwards (its name is printed) instead of dropping it.
    #[arg(long)]
    pub keep: bool,
    /// A server whose role may CREATE DATABASE, for the copy (default: `scratch_url` in
    /// migrate.toml, else the target's server).
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
    /// Which database to copy (only read).
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// A duration flag (`1s`, `250ms`, `2min`).
fn duration_arg(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("{e}: write a duration such as 1s, 250ms or 2min"))
}

/// `codegen`'s flags.
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// The schema as of this migration (default: the latest migration).
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub at: Option<u64>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Also implement `sea_query::Iden` (sea-query 1.x), so `Users::Email` goes straight into queries.
    #[arg(long)]
    pub sea_query: bool,
}

/// `schema`'s flags.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema as of this migration (default: the latest migration).
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub at: Option<u64>,
}

/// `sql`'s arguments.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// `up` or `down`.
    #[arg(value_enum, default_value_t = Direction::Up)]
    pub direction: Direction,
    /// A version, or a range `FROM..TO` (either end may be left out).
    pub range: Option<String>,
}

/// Which way `sql` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Direction {
    /// The ups.
    Up,
    /// The downs.
    Down,
}

/// `unlock`: who holds the migration lock, and removing it.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Remove the lease, or end the session holding the advisory lock (without it, only shows them).
    #[arg(long)]
    pub force: bool,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `resolve`'s flags.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// What to record.
    #[command(flatten)]
    pub what: ResolveWhat,
    /// Allow --rolled-back on a database carrying a production marker.
    #[arg(long)]
    pub allow_production: bool,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What `resolve` records (one of them).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ResolveWhat {
    /// Record these migrations as applied without running them (versions, or names as printed).
    #[arg(long, value_name = "VERSION", num_args = 1.., value_parser = version_arg)]
    pub applied: Vec<u64>,
    /// Remove this migration from the history without running its down.
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub rolled_back: Option<u64>,
    /// Accept the code's checksum for this applied migration.
    #[arg(long, value_name = "VERSION", value_parser = version_arg)]
    pub accept_checksum: Option<u64>,
}

/// `reset`'s flags.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Confirm: every object in the migrations' schema is dropped.
    #[arg(long)]
    pub yes: bool,
    /// Run the seeds of this environment afterwards.
    #[arg(long, value_name = "ENV")]
    pub seed: Option<String>,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `seed`'s flags.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The environment whose seeds run (default `dev`; must be given for a production target).
    #[arg(long)]
    pub env: Option<String>,
    /// List the seeds and their environments instead of running them (no database needed).
    #[arg(long)]
    pub list: bool,
    /// Seed even a database carrying a production marker.
    #[arg(long)]
    pub allow_production: bool,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `new`'s arguments.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The migration's name, in snake_case.
    pub name: String,
    /// Write an SQL-file migration (a folder with `up.sql`) instead of a Rust one.
    #[arg(long)]
    pub sql: bool,
}

/// `init`'s flags.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the migrations crate (relative to the current folder).
    #[arg(long, default_value = "migrations")]
    pub path: String,
    /// The migrations crate's package name (default: `<project>-migrations`, the project being the
    /// package in ./Cargo.toml, else this folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Also write a first (empty) migration of this name; without it the folder starts empty.
    #[arg(long, value_name = "NAME")]
    pub migration: Option<String>,
}

/// `production-marker`'s arguments.
#[derive(Debug, Args)]
pub struct ProductionMarkerArgs {
    /// What to do with the marker.
    #[command(subcommand)]
    pub action: MarkerAction,
    /// Which database.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What `production-marker` does.
#[derive(Debug, Subcommand)]
pub enum MarkerAction {
    /// Show the database's marker and whether it matches this server and database.
    Status,
    /// Mark the database as production (as `up` through a target marked `production = true` does).
    Set,
    /// Remove the marker (the database is no longer production).
    Clear,
}

/// `dev-db`'s arguments.
#[derive(Debug, Args)]
pub struct DevDbArgs {
    /// What to do with the cluster.
    #[command(subcommand)]
    pub action: DevDbAction,
}

/// What `dev-db` does.
#[derive(Debug, Subcommand)]
pub enum DevDbAction {
    /// Show whether the development cluster runs, and its URL.
    Status,
    /// Start the development cluster.
    Start,
    /// Stop the development cluster.
    Stop,
}
