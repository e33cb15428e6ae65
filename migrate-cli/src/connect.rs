//! Which database to use, and connecting to it (TLS as libpq's `sslmode`), without ever printing a
//! password.

use anstream::eprintln;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config};

use crate::config::Loaded;
pub use migrate_core::runner::lock::Origin;

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--database-url`.
    Flag,
    /// `--target NAME`.
    Target(String),
    /// `DATABASE_URL` in the environment.
    Env,
    /// `DATABASE_URL` in the project's `.env`.
    DotEnv,
    /// libpq's `PGHOST`, `PGPORT`, `PGUSER` or `PGDATABASE`, with no URL.
    PgEnv,
    /// The `default_target` of migrate.toml (or the development cluster, `dev-db`).
    DefaultTarget(String),
}

/// The database to use.
#[derive(Debug, Clone)]
pub struct Database {
    /// The connection URL (never printed: [`describe`](Self::describe) says which database).
    pub url: String,
    /// Where the URL came from.
    pub source: Source,
    /// Marked `production = true` in migrate.toml (directly, or by having a production target's URL).
    pub production: bool,
}

impl Database {
    /// Which database this is, for messages: its name, host, port and role (never the password).
    pub fn describe(&self) -> Result<String> {
        Ok(describe(&parse(&self.url)?.config))
    }
}

/// Resolves the database: `--database-url`, `--target`, `DATABASE_URL`, a `.env` file, libpq's
/// `PGHOST`/`PGPORT`/`PGUSER`/`PGDATABASE`, the config's default target, in that order. `None` when
/// nothing is configured. The other `PG*` variables fill what the chosen URL leaves out ([`parse`]).
pub fn resolve(
    loaded: &Loaded,
    flag_url: Option<&str>,
    flag_target: Option<&str>,
    no_dotenv: bool,
) -> Result<Option<Database>> {
    let cfg = &loaded.config;
    let target_url = |name: &str| -> Result<(String, bool)> {
        let Some(t) = cfg.targets.get(name) else {
            let known: Vec<&str> = cfg.targets.keys().map(String::as_str).collect();
            bail!(
                "no target named `{name}` in migrate.toml (known: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            );
        };
        let url = match (&t.url, &t.url_env) {
            (Some(u), _) => u.clone(),
            (None, Some(var)) => std::env::var(var)
                .with_context(|| format!("target `{name}` takes its URL from ${var}, which is not set"))?,
            (None, None) => bail!("target `{name}` in migrate.toml has neither `url` nor `url_env`"),
        };
        Ok((url, t.production))
    };
    let is_production_url =
        |url: &str| cfg.targets.iter().any(|(name, t)| t.production && target_url(name).is_ok_and(|(u, _)| u == url));
    if let Some(url) = flag_url {
        return Ok(Some(Database { url: url.into(), source: Source::Flag, production: is_production_url(url) }));
    }
    if let Some(name) = flag_target {
        let (url, production) = target_url(name)?;
        return Ok(Some(Database { url, source: Source::Target(name.into()), production }));
    }
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if url.trim().is_empty() {
            bail!(
                "DATABASE_URL is set but empty: set it to the database's URL (postgres://user@host:5432/db), or unset it"
            );
        }
        let production = is_production_url(&url);
        return Ok(Some(Database { url, source: Source::Env, production }));
    }
    if let Some(url) = if no_dotenv { None } else { dot_env(&loaded.root)? } {
        let production = is_production_url(&url);
        return Ok(Some(Database { url, source: Source::DotEnv, production }));
    }
    // libpq's variables alone name a database (a user who sets PGDATABASE means it).
    if PG_VARIABLES.iter().any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty())) {
        return Ok(Some(Database { url: String::new(), source: Source::PgEnv, production: false }));
    }
    if let Some(name) = &cfg.default_target {
        let (url, production) = target_url(name)?;
        return Ok(Some(Database { url, source: Source::DefaultTarget(name.clone()), production }));
    }
    Ok(None)
}

/// `DATABASE_URL` from the `.env` file in `dir`, read by dotenvy (quotes, escapes, comments,
/// `export`, variables expanded as a shell would); nothing else of the file is used, and nothing is
/// put into the environment.
fn dot_env(dir: &Path) -> Result<Option<String>> {
    let path = dir.join(".env");
    let entries = match dotenvy::from_path_iter(&path) {
        Ok(entries) => entries,
        Err(e) if e.not_found() => return Ok(None),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    // The whole file is read, so that a line it cannot read is said even after DATABASE_URL; the
    // first DATABASE_URL counts, as when dotenvy loads a file.
    let mut url = None;
    let mut last: Option<String> = None;
    for entry in entries {
        let (key, value) = entry.map_err(|e| {
            // dotenvy's own message quotes the line, which may hold a password.
            let what = match e {
                dotenvy::Error::LineParse(..) => "a line is not `KEY=value`".to_string(),
                other => other.to_string(),
            };
            let place = match &last {
                Some(key) => format!(" (the first after {key})"),
                None => " (before any variable)".to_string(),
            };
            anyhow!(
                "{} cannot be read as a .env file: {what}{place}. Fix the line, or skip the file with --no-dotenv",
                path.display()
            )
        })?;
        if key == "DATABASE_URL" && !value.trim().is_empty() && url.is_none() {
            url = Some(value);
        }
        last = Some(key);
    }
    Ok(url)
}

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unverified (libpq's default).
    Prefer,
    /// TLS, unverified (verified as `verify-ca` when `sslrootcert` is given).
    Require,
    /// TLS with the server's certificate chain verified.
    VerifyCa,
    /// TLS with the chain and the host name verified.
    VerifyFull,
}

/// A parsed connection string: tokio-postgres' config plus the TLS settings it does not parse.
pub struct Parsed {
    /// tokio-postgres' configuration.
    pub config: Config,
    /// `sslmode`.
    pub tls: TlsMode,
    /// `sslrootcert`: the certificates the server's must chain to (with `require` too, as libpq).
    pub root_cert: Option<String>,
    /// `sslcert` and `sslkey`: the client certificate and its key, for servers that ask for one.
    pub client_cert: Option<String>,
    /// The client certificate's key (`sslkey`).
    pub client_key: Option<String>,
}

/// The variables of libpq's environment this tool reads: each fills what a connection string
/// leaves out, and any of the first four alone names a database.
pub const PG_VARIABLES: [&str; 4] = ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE"];

/// libpq's `sslmode` value.
fn ssl_mode(value: &str) -> Result<TlsMode> {
    Ok(match value {
        "disable" => TlsMode::Disable,
        "allow" | "prefer" => TlsMode::Prefer,
        "require" => TlsMode::Require,
        "verify-ca" => TlsMode::VerifyCa,
        "verify-full" => TlsMode::VerifyFull,
        other => bail!("sslmode={other} is not known: use disable, prefer, require, verify-ca or verify-full"),
    })
}

/// The form the messages about a bad URL show.
const EXPECTED_FORM: &str = "expected postgres://user:password@host:5432/database?sslmode=require, or key=value pairs: host=db user=app dbname=app";

/// Splits a libpq key=value string into `(key, value, the pair's text)`. Values are unquoted (up to
/// whitespace, `\` escaping the next character) or single-quoted (`\'` and `\\` inside), as libpq
/// reads them. tokio-postgres reads the same grammar, but refuses the keys taken out here (the
/// verifying sslmodes, sslrootcert) and offers no tokenizer to call, so the split is done here.
fn conninfo_pairs(s: &str) -> Result<Vec<(String, String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = s.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else { break };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            bail!("the connection string has `{key}` without `=value`: {EXPECTED_FORM}");
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => value.extend(chars.next().map(|(_, c)| c)),
                    Some((_, c)) => value.push(c),
                    None => bail!("the connection string's value of `{key}` has no closing quote: {EXPECTED_FORM}"),
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next().map(|(_, c)| c));
                } else {
                    value.push(c);
                }
            }
        }
        let end = chars.peek().map_or(s.len(), |(i, _)| *i);
        pairs.push((key, value, s[start..end].trim_end().to_string()));
    }
    Ok(pairs)
}

/// Parses a URL (`postgres://...`) or key=value string, with libpq's environment (`PGHOST`, `PGPORT`,
/// `PGUSER`, `PGDATABASE`, `PGPASSWORD`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`,
/// `PGAPPNAME`) filling what it leaves out. `sslmode` and `sslrootcert` are taken out and handled
/// here, since tokio-postgres knows only disable/prefer/require.
pub fn parse(url: &str) -> Result<Parsed> {
    parse_with(url, &|key| match key {
        // libpq's default user: the OS user.
        "USER" => whoami::username().ok(),
        _ => std::env::var(key).ok().filter(|v| !v.is_empty()),
    })
}

/// [`parse`] with the environment given (`env(name)`: the variable's value, `None` when unset).
pub fn parse_with(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Parsed> {
    if let Some((scheme, _)) = url.split_once("://")
        && !scheme.contains(|c: char| c.is_whitespace() || c == '=')
        && scheme != "postgres"
        && scheme != "postgresql"
    {
        bail!("the database URL starts with `{scheme}://`, which is not PostgreSQL's: {EXPECTED_FORM}");
    }
    let mut tls = None;
    let (mut root_cert, mut client_cert, mut client_key) = (None, None, None);
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => tls = Some(ssl_mode(value)?),
            "sslrootcert" => root_cert = Some(value.to_string()),
            "sslcert" => client_cert = Some(value.to_string()),
            "sslkey" => client_key = Some(value.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.contains("://") {
        match url.split_once('?') {
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(k, v)? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) }
            }
            None => url.to_string(),
        }
    } else {
        let mut kept = Vec::new();
        for (key, value, text) in conninfo_pairs(url)? {
            if !take(&key, &value)? {
                kept.push(text);
            }
        }
        kept.join(" ")
    };
    let mut config: Config = rest.parse().map_err(|e: tokio_postgres::Error| {
        anyhow!("the database URL is not valid: {} ({EXPECTED_FORM})", redact(&e.to_string(), url))
    })?;
    // libpq's environment, for what the string leaves out.
    if config.get_hosts().is_empty()
        && let Some(hosts) = env("PGHOST")
    {
        for host in hosts.split(',') {
            if host.starts_with('/') {
                config.host_path(host);
            } else {
                config.host(host);
            }
        }
    }
    if config.get_hosts().is_empty() {
        bail!("the database URL names no host, and PGHOST is not set: {EXPECTED_FORM}");
    }
    if config.get_ports().is_empty()
        && let Some(port) = env("PGPORT")
    {
        config.port(port.parse().map_err(|_| anyhow!("PGPORT={port} is not a port number"))?);
    }
    if config.get_user().is_none()
        && let Some(user) = env("PGUSER").or_else(|| env("USER"))
    {
        config.user(&user);
    }
    if config.get_dbname().is_none()
        && let Some(db) = env("PGDATABASE")
    {
        config.dbname(&db);
    }
    if config.get_password().is_none()
        && let Some(password) = env("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_password().is_none()
        && let Some(password) = password_from_file(&config, env)
    {
        config.password(password);
    }
    let tls = match tls {
        Some(mode) => mode,
        None => env("PGSSLMODE").map(|m| ssl_mode(&m)).transpose()?.unwrap_or(TlsMode::Prefer),
    };
    // libpq's files in ~/.postgresql count when they exist and nothing else names one.
    let default_file = |name: &str| {
        let path = Path::new(&env("HOME")?).join(".postgresql").join(name);
        path.is_file().then(|| path.display().to_string())
    };
    let root_cert = root_cert.or_else(|| env("PGSSLROOTCERT")).or_else(|| default_file("root.crt"));
    let client_cert = client_cert.or_else(|| env("PGSSLCERT")).or_else(|| default_file("postgresql.crt"));
    let client_key = client_key.or_else(|| env("PGSSLKEY")).or_else(|| default_file("postgresql.key"));
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        let seconds = match env("PGCONNECT_TIMEOUT") {
            // libpq: 0 waits for ever, and less than 2 seconds counts as 2.
            Some(t) => match t.trim().parse::<u64>() {
                Ok(0) => None,
                Ok(s) => Some(s.max(2)),
                Err(_) => bail!("PGCONNECT_TIMEOUT={t} is not a number of seconds"),
            },
            None => Some(5),
        };
        if let Some(s) = seconds {
            config.connect_timeout(Duration::from_secs(s));
        }
    }
    if config.get_application_name().is_none() {
        config.application_name(env("PGAPPNAME").unwrap_or_else(|| "migrate-cli".into()));
    }
    Ok(Parsed { config, tls, root_cert, client_cert, client_key })
}

/// The password file's entry for the connection (libpq's `~/.pgpass`, or `PGPASSFILE`): lines of
/// `hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaping, `#`
/// starting a comment line, the first matching line winning. A socket connection matches
/// `localhost` when its folder is a default one. As libpq, a file that others can read is not used
/// (with a warning). Written here, after libpq's `passwordFromFile`, because the crates found
/// (postgres_secrets) follow other rules for sockets and escapes, and the format is a few lines.
fn password_from_file(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = match env("PGPASSFILE") {
        Some(p) => std::path::PathBuf::from(p),
        None => Path::new(&env("HOME")?).join(".pgpass"),
    };
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: password file {} has group or world access; permissions should be u=rw (0600) or less: it is not used (chmod 600 {})",
                path.display(),
                path.display()
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let (host, socket) = match config.get_hosts().first()? {
        Host::Tcp(h) => (h.clone(), false),
        Host::Unix(p) => (p.display().to_string(), true),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = config.get_user()?;
    let db = config.get_dbname().unwrap_or(user);
    let host_matches = |field: &str| {
        field == "*"
            || field == host
            || (socket
                && field == "localhost"
                && ["/var/run/postgresql", "/run/postgresql", "/tmp"].contains(&host.as_str()))
    };
    text.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).find_map(|line| {
        let fields = pgpass_fields(line);
        let [h, p, d, u, password] = fields.as_slice() else { return None };
        let matches = |field: &str, value: &str| field == "*" || field == value;
        (host_matches(h) && matches(p, &port) && matches(d, db) && matches(u, user)).then(|| password.clone())
    })
}

/// The fields of a password file line: split at unescaped `:`, with `\x` read as `x`. The password
/// is the rest of the line after the fourth separator.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().extend(chars.next()),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Removes the password of `url` from a message, in case a library quoted it.
fn redact(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_string())
        .or_else(|| url.split_whitespace().find_map(|w| w.strip_prefix("password=").map(str::to_string)));
    match password {
        Some(p) if !p.is_empty() => message.replace(&p, "***"),
        _ => message.to_string(),
    }
}

/// "database `blog` on 127.0.0.1:5432 as `postgres`": where we connect, never the password.
pub fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("(default user)");
    let db = config.get_dbname().unwrap_or(user);
    format!("database `{db}` on {host}:{port} as `{user}`")
}

/// Connects, spawning the connection task on the current runtime.
pub async fn connect(url: &str) -> Result<Client> {
    Ok(connect_parsed(parse(url)?, url).await?.0)
}

/// Connects, and says where our end of the connection is (to prove the session direct:
/// [`migrate_core::runner::lock::prove_direct`]).
pub async fn connect_with_origin(url: &str) -> Result<(Client, Origin)> {
    connect_parsed(parse(url)?, url).await
}

/// Connects to another database of the same server (same user, host, TLS).
pub async fn connect_to_db(url: &str, dbname: &str) -> Result<Client> {
    let mut parsed = parse(url)?;
    parsed.config.dbname(dbname);
    Ok(connect_parsed(parsed, url).await?.0)
}

/// [`connect_to_db`], and where our end of the connection is.
pub async fn connect_to_db_with_origin(url: &str, dbname: &str) -> Result<(Client, Origin)> {
    let mut parsed = parse(url)?;
    parsed.config.dbname(dbname);
    connect_parsed(parsed, url).await
}

/// The socket we open ourselves ([`open_socket`]): TCP or Unix-domain. (A `Box<dyn ..>` here makes
/// the connecting future `Send` for one lifetime only, which `tokio::spawn` refuses.)
enum Stream {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            #[cfg(unix)]
            Stream::Unix(s) => std::pin::Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            #[cfg(unix)]
            Stream::Unix(s) => std::pin::Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_flush(cx),
            #[cfg(unix)]
            Stream::Unix(s) => std::pin::Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            #[cfg(unix)]
            Stream::Unix(s) => std::pin::Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// One place to connect to: a Unix socket (its directory and port), or a TCP address with the host
/// name TLS checks.
enum Target {
    #[cfg(unix)]
    Unix(std::path::PathBuf, u16),
    Tcp(std::net::SocketAddr, String),
}

/// The places to try, in order, as tokio-postgres's own `connect` tries them: each host (or
/// `hostaddr`) with its port, each address a host name resolves to. We open the sockets ourselves
/// because only the program that opened a socket knows its local address: `lock = auto` compares it
/// with the address the server sees.
async fn targets(config: &Config) -> std::io::Result<Vec<Target>> {
    let (hosts, addrs, ports) = (config.get_hosts(), config.get_hostaddrs(), config.get_ports());
    let count = hosts.len().max(addrs.len()).max(1);
    if (!hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len())
        || (ports.len() > 1 && ports.len() != count)
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the numbers of hosts, hostaddrs and ports differ: give one port, or one per host",
        ));
    }
    // Owned before any await: borrowed lists held across them make the future `Send` for one
    // lifetime only, which `tokio::spawn` refuses.
    let places: Vec<(Option<Host>, Option<std::net::IpAddr>, u16)> = (0..count)
        .map(|i| {
            (hosts.get(i).cloned(), addrs.get(i).copied(), ports.get(i).or(ports.first()).copied().unwrap_or(5432))
        })
        .collect();
    let mut out = Vec::new();
    let mut last = None;
    for (host, ip, port) in places {
        let name = match host {
            #[cfg(unix)]
            Some(Host::Unix(dir)) if ip.is_none() => {
                out.push(Target::Unix(dir, port));
                continue;
            }
            Some(Host::Tcp(name)) => name,
            #[cfg(unix)]
            Some(Host::Unix(_)) => String::new(),
            None => "localhost".into(),
        };
        match ip {
            Some(ip) => out.push(Target::Tcp(std::net::SocketAddr::new(ip, port), name)),
            None => match tokio::net::lookup_host((name.clone(), port)).await {
                Ok(found) => out.extend(found.map(|addr| Target::Tcp(addr, name.clone()))),
                Err(e) => last = Some(e),
            },
        }
    }
    match (out.is_empty(), last) {
        (true, Some(e)) => Err(e),
        _ => Ok(out),
    }
}

/// Opens the socket of `target` (`connect_timeout`, and for TCP no delay and the URL's keepalives),
/// with its origin and the host name for TLS.
async fn open_socket(target: Target, config: &Config) -> std::io::Result<(Stream, Origin, String)> {
    let timeout = config.get_connect_timeout().copied();
    match target {
        #[cfg(unix)]
        Target::Unix(dir, port) => {
            let s = within(timeout, tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}")))).await?;
            Ok((Stream::Unix(s), Origin::Unix { dir, port }, String::new()))
        }
        Target::Tcp(addr, name) => {
            let (s, origin) = open_tcp(addr, timeout, config.get_keepalives().then(|| keepalive_of(config))).await?;
            Ok((s, origin, name))
        }
    }
}

/// The keepalive settings of the URL, as tokio-postgres applies them.
fn keepalive_of(config: &Config) -> socket2::TcpKeepalive {
    let mut keepalive = socket2::TcpKeepalive::new().with_time(config.get_keepalives_idle());
    if let Some(every) = config.get_keepalives_interval() {
        keepalive = keepalive.with_interval(every);
    }
    #[cfg(unix)]
    if let Some(n) = config.get_keepalives_retries() {
        keepalive = keepalive.with_retries(n);
    }
    keepalive
}

/// A TCP connection to `addr` as tokio-postgres opens one (no delay, keepalives), and its origin.
async fn open_tcp(
    addr: std::net::SocketAddr,
    timeout: Option<Duration>,
    keepalive: Option<socket2::TcpKeepalive>,
) -> std::io::Result<(Stream, Origin)> {
    let stream = within(timeout, tokio::net::TcpStream::connect(addr)).await?;
    stream.set_nodelay(true)?;
    if let Some(keepalive) = keepalive {
        socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive)?;
    }
    let local = stream.local_addr()?;
    Ok((Stream::Tcp(stream), Origin::Tcp(local)))
}

/// `connect`, given up after `timeout` (`connect_timeout`) when there is one.
async fn within<T>(timeout: Option<Duration>, connect: impl Future<Output = std::io::Result<T>>) -> std::io::Result<T> {
    match timeout {
        Some(t) => tokio::time::timeout(t, connect)
            .await
            .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect_timeout passed"))),
        None => connect.await,
    }
}

async fn connect_parsed(parsed: Parsed, url: &str) -> Result<(Client, Origin)> {
    let what = describe(&parsed.config);
    let fail = |e: tokio_postgres::Error| {
        let message = match e.as_db_error() {
            Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            None => {
                let mut m = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    m.push_str(": ");
                    m.push_str(&s.to_string());
                    source = s.source();
                }
                m
            }
        };
        anyhow!("cannot connect to {what}: {}", redact(&message, url))
    };
    let io_failed = |e: std::io::Error| anyhow!("cannot connect to {what}: {}", redact(&e.to_string(), url));
    // As tokio-postgres: a place that fails (socket, TLS, authentication, target_session_attrs)
    // passes to the next; the last failure is the error.
    let mut last = anyhow!("cannot connect to {what}: no host to connect to");
    for target in targets(&parsed.config).await.map_err(io_failed)? {
        let (stream, origin, host) = match open_socket(target, &parsed.config).await {
            Ok(opened) => opened,
            Err(e) => {
                last = io_failed(e);
                continue;
            }
        };
        let connected = if parsed.tls == TlsMode::Disable {
            parsed.config.connect_raw(stream, tokio_postgres::NoTls).await.map(|(client, conn)| {
                tokio::spawn(conn);
                client
            })
        } else {
            use tokio_postgres::tls::MakeTlsConnect;
            let tls = MakeTlsConnect::<Stream>::make_tls_connect(&mut tls_connector(&parsed)?, &host)
                .map_err(|never| match never {})?;
            parsed.config.connect_raw(stream, tls).await.map(|(client, conn)| {
                tokio::spawn(conn);
                client
            })
        };
        let client = match connected {
            Ok(client) => client,
            Err(e) => {
                last = fail(e);
                continue;
            }
        };
        match check_session_attrs(&client, &parsed.config).await {
            Ok(()) => return Ok((client, origin)),
            Err(e) => last = anyhow!("cannot use {what}: {e}"),
        }
    }
    Err(last)
}

/// `target_session_attrs` (libpq's): tokio-postgres checks it in its own `connect`, which we do not
/// use ([`open_socket`]).
async fn check_session_attrs(client: &Client, config: &Config) -> Result<()> {
    use tokio_postgres::config::TargetSessionAttrs;
    let wanted = config.get_target_session_attrs();
    if wanted == TargetSessionAttrs::Any {
        return Ok(());
    }
    let rows = client.simple_query("SHOW transaction_read_only").await?;
    let read_only =
        rows.iter().any(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(r) if r.get(0) == Some("on")));
    match (wanted, read_only) {
        (TargetSessionAttrs::ReadWrite, true) => {
            bail!("target_session_attrs=read-write, and the database does not allow writes")
        }
        (TargetSessionAttrs::ReadOnly, false) => bail!("target_session_attrs=read-only, and the session allows writes"),
        _ => Ok(()),
    }
}

fn tls_connector(parsed: &Parsed) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?;
    // As libpq: `prefer`, and `require` without a root certificate, encrypt without verifying the
    // server's certificate; `require` with `sslrootcert` verifies the chain, as `verify-ca` does.
    let verify = match parsed.tls {
        TlsMode::Disable | TlsMode::Prefer => None,
        TlsMode::Require => parsed.root_cert.as_ref().map(|_| TlsMode::VerifyCa),
        mode => Some(mode),
    };
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = match verify {
        None => Arc::new(tls::NoVerification(provider.clone())),
        Some(mode) => {
            let mut roots = rustls::RootCertStore::empty();
            match &parsed.root_cert {
                Some(path) => {
                    let pem = std::fs::read(path).with_context(|| format!("reading sslrootcert {path}"))?;
                    for cert in tls::pem_certificates(&pem) {
                        roots.add(cert).with_context(|| format!("a certificate in {path} is not valid"))?;
                    }
                }
                None => {
                    for cert in rustls_native_certs::load_native_certs().certs {
                        let _ = roots.add(cert);
                    }
                }
            }
            if roots.is_empty() {
                bail!("sslmode=verify-ca/verify-full needs trusted certificates: give sslrootcert=PATH in the URL");
            }
            let verifier =
                rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .context("setting up certificate verification")?;
            if mode == TlsMode::VerifyFull { verifier } else { Arc::new(tls::ChainOnly(verifier)) }
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    let config = match (&parsed.client_cert, &parsed.client_key) {
        (None, _) => builder.with_no_client_auth(),
        (Some(_), None) => bail!("sslcert is given without sslkey: give the client certificate's key with sslkey=PATH"),
        (Some(cert), Some(key)) => {
            use rustls::pki_types::pem::PemObject;
            let chain = tls::pem_certificates(&std::fs::read(cert).with_context(|| format!("reading sslcert {cert}"))?);
            if chain.is_empty() {
                bail!("sslcert {cert} holds no PEM certificate");
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode =
                    std::fs::metadata(key).with_context(|| format!("reading sslkey {key}"))?.permissions().mode();
                if mode & 0o077 != 0 {
                    // As libpq: a key others can read is refused.
                    bail!(
                        "private key file {key} has group or world access; permissions should be u=rw (0600) or less (chmod 600 {key})"
                    );
                }
            }
            let key_der = rustls::pki_types::PrivateKeyDer::from_pem_file(key).map_err(|e| {
                anyhow!("sslkey {key} holds no private key this tool reads (PEM, PKCS#8, PKCS#1 or SEC1): {e}")
            })?;
            builder
                .with_client_auth_cert(chain, key_der)
                .with_context(|| format!("sslcert {cert} and sslkey {key} do not go together"))?
        }
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

mod tls {
    //! Certificate verifiers for libpq's `require` (none) and `verify-ca` (chain, not host name).

    use std::sync::Arc;

    use rustls::DigitallySignedStruct;
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    /// Encrypts without verifying the certificate (libpq's `prefer` and `require`).
    #[derive(Debug)]
    pub struct NoVerification(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for NoVerification {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// Verifies the chain to a trusted root but not the host name (libpq's `verify-ca`).
    #[derive(Debug)]
    pub struct ChainOnly(pub Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
                Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
                | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext { .. })) => {
                    Ok(ServerCertVerified::assertion())
                }
                other => other,
            }
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }

    /// The certificates of a PEM file.
    pub fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
        use rustls::pki_types::pem::PemObject;
        CertificateDer::pem_slice_iter(pem).filter_map(Result::ok).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_taken_out_of_urls() {
        let p =
            parse("postgres://u:secret@db.example:6543/app?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x")
                .unwrap();
        assert_eq!(p.tls, TlsMode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some("/ca.pem"));
        assert_eq!(describe(&p.config), "database `app` on db.example:6543 as `u`");
        let p = parse("host=localhost user=me dbname=d sslmode=disable").unwrap();
        assert_eq!(p.tls, TlsMode::Disable);
        assert_eq!(parse("postgres://h/d").unwrap().tls, TlsMode::Prefer);
    }

    #[test]
    fn bad_urls_never_show_the_password() {
        let err = parse("postgres://u:hunter2@h:notaport/d").err().unwrap().to_string();
        assert!(err.starts_with("the database URL is not valid"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse("postgres://h/d?sslmode=sometimes").err().unwrap().to_string();
        assert!(err.contains("sslmode=sometimes is not known"), "{err}");
    }

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    }

    /// Each libpq variable fills what the string leaves out, and only that.
    #[test]
    fn libpq_variables_fill_what_the_string_leaves_out() {
        let env = env_of(&[
            ("PGHOST", "db.example"),
            ("PGPORT", "6543"),
            ("PGUSER", "app"),
            ("PGDATABASE", "appdb"),
            ("PGPASSWORD", "from-env"),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", "/ca.pem"),
            ("PGCONNECT_TIMEOUT", "1"),
            ("PGAPPNAME", "deploy"),
        ]);
        let p = parse_with("", &env).unwrap();
        assert_eq!(describe(&p.config), "database `appdb` on db.example:6543 as `app`");
        assert_eq!(p.config.get_password(), Some(&b"from-env"[..]));
        assert_eq!(p.tls, TlsMode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some("/ca.pem"));
        // libpq counts less than 2 seconds as 2.
        assert_eq!(p.config.get_connect_timeout(), Some(&Duration::from_secs(2)));
        assert_eq!(p.config.get_application_name(), Some("deploy"));
        // What the string gives wins.
        let p = parse_with(
            "postgres://u:pw@h:1/d?sslmode=disable&sslrootcert=/other.pem&connect_timeout=9&application_name=x",
            &env,
        )
        .unwrap();
        assert_eq!(describe(&p.config), "database `d` on h:1 as `u`");
        assert_eq!(p.config.get_password(), Some(&b"pw"[..]));
        assert_eq!((p.tls, p.root_cert.as_deref()), (TlsMode::Disable, Some("/other.pem")));
        assert_eq!(p.config.get_connect_timeout(), Some(&Duration::from_secs(9)));
        assert_eq!(p.config.get_application_name(), Some("x"));
        // A socket folder; no user anywhere: the OS user, as libpq.
        let p = parse_with("", &env_of(&[("PGHOST", "/run/postgresql"), ("USER", "osuser")])).unwrap();
        assert_eq!(describe(&p.config), "database `osuser` on /run/postgresql:5432 as `osuser`");
        // 0 waits for ever; bad values are named.
        let p = parse_with("host=h", &env_of(&[("PGCONNECT_TIMEOUT", "0")])).unwrap();
        assert_eq!(p.config.get_connect_timeout(), None);
        let err = parse_with("host=h", &env_of(&[("PGPORT", "x")])).err().unwrap().to_string();
        assert!(err.contains("PGPORT=x is not a port number"), "{err}");
        let err = parse_with("host=h", &env_of(&[("PGSSLMODE", "often")])).err().unwrap().to_string();
        assert!(err.contains("sslmode=often is not known"), "{err}");
    }

    /// key=value values are read as libpq reads them: quoted with spaces and escapes.
    #[test]
    fn quoted_values_in_key_value_strings() {
        let p =
            parse_with(r"host=h user=u password='a b\'c' dbname = 'my db' sslmode=verify-ca", &env_of(&[])).unwrap();
        assert_eq!(p.config.get_password(), Some(&b"a b'c"[..]));
        assert_eq!(p.config.get_dbname(), Some("my db"));
        assert_eq!(p.tls, TlsMode::VerifyCa);
        let err = parse_with("host=h password='open", &env_of(&[])).err().unwrap().to_string();
        assert!(err.contains("value of `password` has no closing quote") && !err.contains("open"), "{err}");
    }

    /// A bad URL says what is wrong and shows the expected form.
    #[test]
    fn bad_urls_say_what_is_wrong() {
        for (url, says) in [
            ("mysql://root@localhost/app", "starts with `mysql://`, which is not PostgreSQL's"),
            ("postgress://u@h/d", "starts with `postgress://`, which is not PostgreSQL's"),
            ("postgres:///d", "names no host, and PGHOST is not set"),
            ("host=h dbname", "has `dbname` without `=value`"),
        ] {
            let err = parse_with(url, &env_of(&[])).err().unwrap().to_string();
            assert!(
                err.contains(says) && err.contains("expected postgres://user:password@host:5432/database"),
                "{url}: {err}"
            );
        }
    }

    /// A password file with `text` and `mode`, removed when dropped.
    struct PassFile(std::path::PathBuf);
    impl PassFile {
        fn new(tag: &str, text: &str, mode: u32) -> PassFile {
            use std::os::unix::fs::PermissionsExt;
            let path = std::env::temp_dir().join(format!("migrate-pgpass-{tag}-{}", std::process::id()));
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            PassFile(path)
        }
        fn password(&self, url: &str) -> Option<String> {
            let file = self.0.display().to_string();
            let env = move |key: &str| (key == "PGPASSFILE").then(|| file.clone());
            parse_with(url, &env).unwrap().config.get_password().map(|p| String::from_utf8(p.to_vec()).unwrap())
        }
    }
    impl Drop for PassFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// libpq's password file rules, one by one.
    #[test]
    fn password_file_rules() {
        let f = PassFile::new(
            "rules",
            "# comment line\n\
             db.example:5432:app:deploy:exact\n\
             db.example:6543:*:deploy:any-db\n\
             *:*:*:deploy:wildcard-host\n\
             db.example:5432:app:*:any-user\n\
             weird\\:host:5432:*:*:pass\\:with\\\\colon:and-more\n\
             localhost:5432:*:sock:socket\n\
             short:line\n",
            0o600,
        );
        // Exact fields.
        assert_eq!(f.password("postgres://deploy@db.example:5432/app").as_deref(), Some("exact"));
        // `*` for the database, and the port compared.
        assert_eq!(f.password("postgres://deploy@db.example:6543/other").as_deref(), Some("any-db"));
        // `*` for the host; the first matching line wins.
        assert_eq!(f.password("postgres://deploy@elsewhere/app").as_deref(), Some("wildcard-host"));
        // Escaped `:` and `\`; the password is the rest of the line.
        assert_eq!(f.password("postgres://x@weird%3Ahost:5432/d").as_deref(), Some("pass:with\\colon:and-more"));
        // A socket in a default folder matches `localhost`; another does not.
        assert_eq!(f.password("host=/var/run/postgresql user=sock").as_deref(), Some("socket"));
        assert_eq!(f.password("host=/srv/sockets user=sock"), None);
        // `*` for the user (deploy matched an earlier line first).
        assert_eq!(f.password("postgres://nobody@db.example/app").as_deref(), Some("any-user"));
        // No line matches: no password.
        assert_eq!(f.password("postgres://nobody@other.example/app"), None);
        // A password given wins.
        assert_eq!(f.password("postgres://deploy:given@db.example:5432/app").as_deref(), Some("given"));
        // A file others can read is not used.
        let open = PassFile::new("open", "*:*:*:*:secret\n", 0o644);
        assert_eq!(open.password("postgres://deploy@db.example/app"), None);
        let closed = PassFile::new("closed", "*:*:*:*:secret\n", 0o600);
        assert_eq!(closed.password("postgres://deploy@db.example/app").as_deref(), Some("secret"));
    }

    /// ~/.pgpass when PGPASSFILE is not set.
    #[test]
    fn password_file_in_home() {
        let home = std::env::temp_dir().join(format!("migrate-pgpass-home-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        let f = PassFile(home.join(".pgpass"));
        std::fs::write(&f.0, "*:*:*:*:from-home\n").unwrap();
        std::fs::set_permissions(&f.0, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let dir = home.display().to_string();
        let env = move |key: &str| (key == "HOME").then(|| dir.clone());
        let p = parse_with("postgres://u@h/d", &env).unwrap();
        assert_eq!(p.config.get_password(), Some(&b"from-home"[..]));
        drop(f);
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("bad hunter2 here", "postgres://u:hunter2@h/d"), "bad *** here");
        assert_eq!(redact("x password=pw y", "host=h password=pw"), "x password=*** y");
    }
}
