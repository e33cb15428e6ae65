//! Which database to use, and connecting to it (TLS as libpq's `sslmode`), without ever printing a
//! password.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config};

use crate::config::Loaded;

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Target(String),
    Env,
    DotEnv,
    DefaultTarget(String),
}

/// The database to use.
#[derive(Debug, Clone)]
pub struct Database {
    pub url: String,
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

/// Resolves the database: `--database-url`, `--target`, `DATABASE_URL`, a `.env` file, the config's
/// default target, in that order. `None` when nothing is configured.
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
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A parsed connection string: tokio-postgres' config plus the TLS settings it does not parse.
pub struct Parsed {
    pub config: Config,
    pub tls: TlsMode,
    pub root_cert: Option<String>,
}

/// Parses a URL (`postgres://...`) or key=value string. `sslmode` and `sslrootcert` are taken out and
/// handled here, since tokio-postgres knows only disable/prefer/require.
pub fn parse(url: &str) -> Result<Parsed> {
    let mut tls = TlsMode::Prefer;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => {
                tls = match value {
                    "disable" => TlsMode::Disable,
                    "allow" | "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    other => {
                        bail!("sslmode={other} is not known: use disable, prefer, require, verify-ca or verify-full")
                    }
                };
                Ok(true)
            }
            "sslrootcert" => {
                root_cert = Some(value.to_string());
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
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
        for word in url.split_whitespace() {
            let (k, v) = word.split_once('=').unwrap_or((word, ""));
            if !take(k, v.trim_matches('\''))? {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    let mut config: Config = rest.parse().map_err(|e: tokio_postgres::Error| {
        anyhow!("the database URL is not valid: {}", redact(&e.to_string(), url))
    })?;
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    if config.get_application_name().is_none() {
        config.application_name("migrate-cli");
    }
    Ok(Parsed { config, tls, root_cert })
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
    connect_parsed(parse(url)?, url).await
}

/// Connects to another database of the same server (same user, host, TLS).
pub async fn connect_to_db(url: &str, dbname: &str) -> Result<Client> {
    let mut parsed = parse(url)?;
    parsed.config.dbname(dbname);
    connect_parsed(parsed, url).await
}

async fn connect_parsed(parsed: Parsed, url: &str) -> Result<Client> {
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
    if parsed.tls == TlsMode::Disable {
        let (client, conn) = parsed.config.connect(tokio_postgres::NoTls).await.map_err(fail)?;
        tokio::spawn(conn);
        return Ok(client);
    }
    let tls = tls_connector(&parsed)?;
    let (client, conn) = parsed.config.connect(tls).await.map_err(fail)?;
    tokio::spawn(conn);
    Ok(client)
}

fn tls_connector(parsed: &Parsed) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?;
    let config = match parsed.tls {
        // As libpq: prefer and require encrypt without verifying the server's certificate.
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(tls::NoVerification(provider)))
            .with_no_client_auth(),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
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
            let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("setting up certificate verification")?;
            if parsed.tls == TlsMode::VerifyCa {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(tls::ChainOnly(verifier)))
                    .with_no_client_auth()
            } else {
                builder.with_webpki_verifier(verifier).with_no_client_auth()
            }
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

    #[test]
    fn redaction() {
        assert_eq!(redact("bad hunter2 here", "postgres://u:hunter2@h/d"), "bad *** here");
        assert_eq!(redact("x password=pw y", "host=h password=pw"), "x password=*** y");
    }
}
