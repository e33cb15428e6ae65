//! Connecting: bad URLs, unreachable servers, wrong passwords (never echoed), unknown commands, and
//! TLS as libpq's sslmode.

use std::process::Command;
use std::time::{Duration, Instant};

use migrate_tests::{TestDb, cli, db_url};

const BASE: &str = env!("CARGO_BIN_EXE_fx_base");

#[test]
fn a_bad_url_is_refused_without_echoing_the_password() {
    let run = cli(BASE, "", &["--database-url", "postgres://u:hunter2@h:notaport/d", "status"]).expect(2);
    assert!(run.stderr.contains("error: the database URL is not valid"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"), "{}", run.stderr);
    let run = cli(BASE, "postgres://h/d?sslmode=sometimes", &["status"]).expect(2);
    assert!(run.stderr.contains("sslmode=sometimes is not known"), "{}", run.stderr);
}

#[test]
fn an_unreachable_server_fails_fast_and_clearly() {
    let start = Instant::now();
    let run = cli(BASE, "postgres://postgres:s3cr3tpw@127.0.0.1:1/nowhere", &["up"]).expect(2);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(
        run.stderr.contains("error: cannot connect to database `nowhere` on 127.0.0.1:1 as `postgres`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cr3tpw"), "{}", run.stderr);
}

#[test]
fn unknown_commands_are_usage_errors() {
    let run = cli(BASE, "", &["upp"]).expect(2);
    assert!(run.stderr.contains("unrecognized subcommand 'upp'"), "{}", run.stderr);
    let help = cli(BASE, "", &["--help"]).expect(0);
    for command in ["up", "down", "redo", "status", "sql", "list", "resolve", "reset", "new", "init", "dev-db"] {
        assert!(help.stdout.contains(&format!("  {command} ")), "--help lacks {command}:\n{}", help.stdout);
    }
    let up_help = cli(BASE, "", &["up", "--help"]).expect(0);
    assert!(up_help.stdout.contains("Example: migrate-cli up --to 20240105000000"), "{}", up_help.stdout);
}

/// A throwaway cluster that requires a password (the shared server trusts every local connection).
struct PasswordCluster {
    dir: std::path::PathBuf,
}

fn as_postgres(cmd: &str, args: &[&str]) -> std::process::Output {
    // PostgreSQL refuses to run as root: drop to the postgres user when we are root.
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--", cmd]);
        c
    } else {
        Command::new(cmd)
    };
    c.args(args).output().unwrap()
}

fn pg_bin(name: &str) -> String {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql").unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    dirs.last().unwrap().join("bin").join(name).display().to_string()
}

impl PasswordCluster {
    fn start() -> PasswordCluster {
        // One folder per cluster: tests start theirs at once.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mt-pw-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pw"), "right-password\n").unwrap();
        Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap();
        let d = dir.display().to_string();
        let init = as_postgres(
            &pg_bin("initdb"),
            &[
                "-D",
                &format!("{d}/data"),
                "-U",
                "postgres",
                "-A",
                "scram-sha-256",
                "--pwfile",
                &format!("{d}/pw"),
                "-N",
            ],
        );
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        let opts = format!("-k {d} -c listen_addresses=''");
        let start = as_postgres(
            &pg_bin("pg_ctl"),
            &["-D", &format!("{d}/data"), "-l", &format!("{d}/log"), "-o", &opts, "-w", "start"],
        );
        assert!(start.status.success(), "pg_ctl: {}", String::from_utf8_lossy(&start.stderr));
        PasswordCluster { dir }
    }
}

impl Drop for PasswordCluster {
    fn drop(&mut self) {
        let d = self.dir.display().to_string();
        as_postgres(&pg_bin("pg_ctl"), &["-D", &format!("{d}/data"), "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_wrong_password_is_reported_and_never_echoed() {
    let cluster = PasswordCluster::start();
    let host = cluster.dir.display().to_string();
    let encoded = host.replace('/', "%2F");
    let wrong = format!("postgres://postgres:wr0ng-pa55@{encoded}/postgres?sslmode=disable");
    let run = cli(BASE, &wrong, &["status"]).expect(2);
    assert!(
        run.stderr.contains("password authentication failed for user \"postgres\" (SQLSTATE 28P01)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wr0ng-pa55") && !run.stdout.contains("wr0ng-pa55"), "{}", run.stderr);
    let right = format!("host={host} user=postgres password=right-password dbname=postgres sslmode=disable");
    cli(BASE, &right, &["up"]).expect(0);
}

async fn uses_tls(url: &str) -> Result<bool, String> {
    let client = migrate_cli::connect::connect(url).await.map_err(|e| format!("{e:#}"))?;
    Ok(client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap().get(0))
}

#[tokio::test]
async fn tls_follows_sslmode() {
    let db = TestDb::new("tls").await;
    let url = db_url(&db.name);
    // The local server has TLS on with a self-signed certificate: prefer (the default) and require
    // encrypt without verifying, as libpq does.
    assert_eq!(uses_tls(&url).await, Ok(true));
    assert_eq!(uses_tls(&format!("{url}?sslmode=require")).await, Ok(true));
    assert_eq!(uses_tls(&format!("{url}?sslmode=disable")).await, Ok(false));
    let err = uses_tls(&format!("{url}?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"))
        .await
        .unwrap_err();
    assert!(err.contains("cannot connect to database"), "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
}

#[tokio::test]
async fn the_database_comes_from_flag_target_env_dotenv_or_default_target() {
    let db = TestDb::new("cli_sources").await;
    let url = db_url(&db.name);
    let nowhere = "postgres://postgres@127.0.0.1:1/nowhere";
    let dir = migrate_tests::scratch_dir("sources");
    std::fs::write(
        dir.join("migrate.toml"),
        format!("default_target = \"dev\"\n[targets.dev]\nurl = \"{nowhere}\"\n[targets.real]\nurl = \"{url}\"\n"),
    )
    .unwrap();
    // The default target alone: unreachable.
    migrate_tests::cli_in(&dir, BASE, "", &["status"]).expect(2);
    // .env wins over the default target.
    std::fs::write(dir.join(".env"), format!("# local settings\nexport DATABASE_URL=\"{url}\"\n")).unwrap();
    migrate_tests::cli_in(&dir, BASE, "", &["status"]).expect(0);
    // DATABASE_URL wins over .env.
    migrate_tests::cli_in(&dir, BASE, nowhere, &["status"]).expect(2);
    // --target wins over DATABASE_URL, and --database-url over everything.
    migrate_tests::cli_in(&dir, BASE, nowhere, &["--target", "real", "status"]).expect(0);
    migrate_tests::cli_in(&dir, BASE, nowhere, &["--target", "real", "--database-url", nowhere, "status"]).expect(2);
    let run = migrate_tests::cli_in(&dir, BASE, "", &["--target", "staging", "status"]).expect(2);
    assert!(run.stderr.contains("no target named `staging` in migrate.toml (known: dev, real)"), "{}", run.stderr);
}

/// The database meant: an empty DATABASE_URL and an unnamed database (in CI, or in a project that
/// declares targets) stop the run instead of starting the development cluster; every command that
/// connects names the database first.
#[tokio::test]
async fn the_database_meant_is_named_first_or_the_run_stops() {
    let dir = migrate_tests::scratch_dir("meant");
    let run = |envs: &[(&str, &str)], args: &[&str]| -> migrate_tests::Run {
        let mut cmd = Command::new(BASE);
        cmd.args(args).current_dir(&dir).env("NO_COLOR", "1").env_remove("DATABASE_URL").env_remove("CI");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap().into()
    };
    let empty = run(&[("DATABASE_URL", "")], &["status"]).expect(2);
    assert!(empty.stderr.contains("DATABASE_URL is set but empty"), "{}", empty.stderr);
    let ci = run(&[("CI", "true")], &["up"]).expect(2);
    assert!(
        ci.stderr
            .contains("no database is configured (the development cluster is not started implicitly when CI is set)"),
        "{}",
        ci.stderr
    );
    assert!(
        ci.stderr.contains("run `migrate-cli dev-db start` and pass the URL it prints with --database-url"),
        "{}",
        ci.stderr
    );
    std::fs::write(dir.join("migrate.toml"), "[targets.prod]\nurl_env = \"PROD_URL\"\n").unwrap();
    let declared = run(&[], &["up"]).expect(2);
    assert!(declared.stderr.contains("when migrate.toml declares targets"), "{}", declared.stderr);
    assert!(declared.stderr.contains("--target NAME (targets: prod)"), "{}", declared.stderr);
    assert!(!dir.join(".migrate").exists(), "no development cluster was started");
    std::fs::remove_dir_all(&dir).unwrap();

    let db = TestDb::new("cli_meant").await;
    let url = db_url(&db.name);
    let blog = env!("CARGO_BIN_EXE_blog");
    let named = format!("database `{}` on 127.0.0.1:5432 as `postgres`", db.name);
    for (args, verb) in [
        (&["up"][..], "migrating"),
        (&["status"], "reading"),
        (&["down"], "rolling back"),
        (&["up"], "migrating"),
        (&["redo"], "redoing the last migration of"),
        (&["resolve", "--accept-checksum", "20240101000000"], "resolving the history of"),
        (&["seed", "--env", "dev"], "seeding"),
        (&["drift"], "comparing"),
        (&["reset", "--yes"], "resetting"),
    ] {
        let out = cli(blog, &url, args);
        let first = out.stderr.lines().next().unwrap_or("");
        assert_eq!(first, format!("{verb} {named}"), "{args:?}: {out:?}");
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    }
}

/// `.env` is read as dotenv files are (dotenvy): spaces around `=`, comments, quotes, escapes and
/// `${VAR}`; a file that cannot be read stops the run naming it, and `--no-dotenv` skips it.
#[tokio::test]
async fn dotenv_files_are_read_the_dotenv_way() {
    let db = TestDb::new("cli_dotenv").await;
    let name = &db.name;
    let dir = migrate_tests::scratch_dir("dotenv");
    let cases = [
        format!("DATABASE_URL = postgres://postgres@127.0.0.1:5432/{name}\n"),
        format!("# the local database\nDATABASE_URL=postgres://postgres@127.0.0.1:5432/{name} # not part of it\n"),
        format!("DATABASE_URL='postgres://postgres@127.0.0.1:5432/{name}'\n"),
        format!("export DATABASE_URL=\"host=127.0.0.1 user=postgres dbname={name} application_name=\\\"quoted\\\"\"\n"),
        format!("PGSERVER=127.0.0.1:5432\nDATABASE_URL=\"postgres://postgres@${{PGSERVER}}/{name}\"\n"),
    ];
    for text in &cases {
        std::fs::write(dir.join(".env"), text).unwrap();
        let run = migrate_tests::cli_in(&dir, BASE, "", &["status"]);
        assert_eq!(run.code, 0, "{text}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("database `{name}`")), "{text}: {}", run.stderr);
    }
    std::fs::write(
        dir.join(".env"),
        format!("DATABASE_URL=postgres://postgres@127.0.0.1:5432/{name}\nPASSWORD=hunter2 and more words\n"),
    )
    .unwrap();
    std::fs::write(dir.join("migrate.toml"), "[targets.none]\nurl = \"postgres://postgres@127.0.0.1:1/none\"\n")
        .unwrap();
    let run = migrate_tests::cli_in(&dir, BASE, "", &["status"]).expect(2);
    assert!(
        run.stderr
            .contains(".env cannot be read as a .env file: a line is not `KEY=value` (the first after DATABASE_URL)")
            && run.stderr.contains("--no-dotenv"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    // Skipped: no database is configured then (migrate.toml declares targets, none is the default).
    let run = migrate_tests::cli_in(&dir, BASE, "", &["--no-dotenv", "status"]).expect(2);
    assert!(run.stderr.contains("no database is configured"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// libpq's variables alone name the database (before the default target, after `.env`), and fill
/// what a URL leaves out; PGPASSWORD is sent, and never shown.
#[tokio::test]
async fn libpq_variables_name_the_database() {
    let db = TestDb::new("cli_pgenv").await;
    let dir = migrate_tests::scratch_dir("pgenv");
    std::fs::write(
        dir.join("migrate.toml"),
        "default_target = \"none\"\n[targets.none]\nurl = \"postgres://postgres@127.0.0.1:1/none\"\n",
    )
    .unwrap();
    let run = |envs: &[(&str, &str)], args: &[&str]| -> migrate_tests::Run {
        let mut cmd = Command::new(BASE);
        cmd.args(args).current_dir(&dir).env("NO_COLOR", "1").env_remove("DATABASE_URL").env_remove("CI");
        for var in ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE", "PGPASSFILE"] {
            cmd.env_remove(var);
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap().into()
    };
    let named = format!("database `{}` on 127.0.0.1:5432 as `postgres`", db.name);
    let all = [("PGHOST", "127.0.0.1"), ("PGPORT", "5432"), ("PGUSER", "postgres"), ("PGDATABASE", db.name.as_str())];
    let out = run(&all, &["up"]).expect(0);
    assert!(out.stderr.starts_with(&format!("migrating {named}")), "{}", out.stderr);
    // Each variable alone names a database (the others take libpq's defaults or fail to connect,
    // but the default target is not used).
    for (var, value) in all {
        let out = run(&[(var, value)], &["status"]);
        assert!(!out.stderr.contains("127.0.0.1:1"), "{var}: {}", out.stderr);
    }
    // A URL's missing parts come from them.
    let out =
        run(&[("PGDATABASE", db.name.as_str())], &["--database-url", "postgres://postgres@127.0.0.1:5432", "status"])
            .expect(0);
    assert!(out.stderr.contains(&named), "{}", out.stderr);
    // .env comes first.
    std::fs::write(dir.join(".env"), "DATABASE_URL=postgres://postgres@127.0.0.1:1/dotenv\n").unwrap();
    let out = run(&all, &["status"]).expect(2);
    assert!(out.stderr.contains("database `dotenv`"), "{}", out.stderr);
    std::fs::remove_file(dir.join(".env")).unwrap();

    // PGPASSWORD on a server that asks for one.
    let cluster = PasswordCluster::start();
    let socket = cluster.dir.display().to_string();
    let env = |password: &'static str| {
        [
            ("PGHOST", socket.clone()),
            ("PGUSER", "postgres".into()),
            ("PGDATABASE", "postgres".into()),
            ("PGPASSWORD", password.into()),
            ("PGSSLMODE", "disable".into()),
        ]
    };
    let owned = env("wr0ng-pa55");
    let wrong: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run(&wrong, &["status"]).expect(2);
    assert!(out.stderr.contains("password authentication failed"), "{}", out.stderr);
    assert!(!out.stderr.contains("wr0ng-pa55") && !out.stdout.contains("wr0ng-pa55"), "{}", out.stderr);
    let owned = env("right-password");
    let right: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&right, &["up"]).expect(0);

    // The password file, when no password is given; not used while others can read it.
    use std::os::unix::fs::PermissionsExt;
    let passfile = dir.join("pgpass");
    std::fs::write(
        &passfile,
        format!("# the test cluster\n{}:*:*:postgres:right-password\n", socket.replace(':', "\\:")),
    )
    .unwrap();
    let file = passfile.display().to_string();
    let by_file =
        [("PGHOST", socket.as_str()), ("PGUSER", "postgres"), ("PGSSLMODE", "disable"), ("PGPASSFILE", file.as_str())];
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&by_file, &["status"]).expect(2);
    assert!(out.stderr.contains("has group or world access") && out.stderr.contains("chmod 600"), "{}", out.stderr);
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    run(&by_file, &["status"]).expect(0);
}

/// A throwaway cluster on 127.0.0.1 that speaks only TLS, with a certificate signed by a CA the test
/// creates, and asks each client for a certificate of that CA (`cert` authentication).
struct TlsCluster {
    dir: std::path::PathBuf,
    port: u16,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl TlsCluster {
    fn start() -> TlsCluster {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mt-tls-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let days = ["-days", "2"];
        // Two CAs: the server's and the client's are signed by `ca`; `rogue` signs nothing here.
        for ca in ["ca", "rogue"] {
            openssl(
                &dir,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{ca}.key"),
                    "-out",
                    &format!("{ca}.crt"),
                    days[0],
                    days[1],
                    "-subj",
                    &format!("/CN={ca}"),
                ],
            );
        }
        // Extensions make version 3 certificates, the only ones rustls reads.
        std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
        std::fs::write(dir.join("client.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n").unwrap();
        for (name, cn) in [("server", "localhost"), ("client", "postgres")] {
            openssl(
                &dir,
                &[
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.csr"),
                    "-subj",
                    &format!("/CN={cn}"),
                ],
            );
            let mut sign =
                vec!["x509", "-req", "-in", &format!("{name}.csr")].into_iter().map(String::from).collect::<Vec<_>>();
            sign.extend(
                ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", &format!("{name}.crt"), "-days", "2"]
                    .map(String::from),
            );
            sign.extend(["-extfile".to_string(), format!("{name}.ext")]);
            openssl(&dir, &sign.iter().map(String::as_str).collect::<Vec<_>>());
        }
        use std::os::unix::fs::PermissionsExt;
        for key in ["server.key", "client.key"] {
            std::fs::set_permissions(dir.join(key), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        // A free port: bound and released.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = dir.display().to_string();
        // The server reads its files as the postgres user; the client key stays the test's.
        Command::new("chown")
            .args([
                "postgres:postgres",
                &d,
                &format!("{d}/server.key"),
                &format!("{d}/server.crt"),
                &format!("{d}/ca.crt"),
            ])
            .status()
            .unwrap();
        let init = as_postgres(&pg_bin("initdb"), &["-D", &format!("{d}/data"), "-U", "postgres", "-A", "trust", "-N"]);
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        std::fs::write(format!("{d}/data/pg_hba.conf"), "hostssl all all 127.0.0.1/32 cert\n").unwrap();
        let opts = format!(
            "-p {port} -k {d} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key -c ssl_ca_file={d}/ca.crt"
        );
        let start = as_postgres(
            &pg_bin("pg_ctl"),
            &["-D", &format!("{d}/data"), "-l", &format!("{d}/log"), "-o", &opts, "-w", "start"],
        );
        assert!(
            start.status.success(),
            "pg_ctl: {} {}",
            String::from_utf8_lossy(&start.stderr),
            std::fs::read_to_string(format!("{d}/log")).unwrap_or_default()
        );
        TlsCluster { dir, port }
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let d = self.dir.display().to_string();
        as_postgres(&pg_bin("pg_ctl"), &["-D", &format!("{d}/data"), "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Client certificates for a server that asks for one, and `require` with `sslrootcert` verifying
/// the server's certificate as libpq does, on a TLS cluster with a CA the test creates.
#[tokio::test]
async fn client_certificates_and_require_with_a_root_certificate() {
    let cluster = TlsCluster::start();
    let base = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
    let (ca, rogue, cert, key) =
        (cluster.file("ca.crt"), cluster.file("rogue.crt"), cluster.file("client.crt"), cluster.file("client.key"));
    // With the client certificate: connected over TLS, as the certificate's user.
    let with_cert = format!("{base}?sslmode=require&sslrootcert={ca}&sslcert={cert}&sslkey={key}");
    let client = migrate_cli::connect::connect(&with_cert).await.unwrap();
    let row =
        client.query_one("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap();
    assert_eq!((row.get::<_, bool>(0), row.get::<_, String>(1)), (true, "/CN=postgres".to_string()));
    // verify-full checks the host name too (the certificate names 127.0.0.1).
    migrate_cli::connect::connect(&format!("{base}?sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}"))
        .await
        .unwrap();
    // Without it, the server refuses.
    let err = migrate_cli::connect::connect(&format!("{base}?sslmode=require")).await.err().unwrap().to_string();
    assert!(err.contains("certificate"), "{err}");
    // require with a root certificate the server's does not chain to: refused before any password.
    let err = migrate_cli::connect::connect(&format!(
        "{base}?sslmode=require&sslrootcert={rogue}&sslcert={cert}&sslkey={key}"
    ))
    .await
    .err()
    .unwrap();
    assert!(format!("{err:#}").to_lowercase().contains("certificate"), "{err:#}");
    // A key others can read is refused, as libpq does.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = migrate_cli::connect::connect(&with_cert).await.err().unwrap().to_string();
    assert!(err.contains("has group or world access") && err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The same through libpq's variables, from the command line.
    let run = |envs: &[(&str, &str)]| -> migrate_tests::Run {
        let mut cmd = Command::new(BASE);
        cmd.args(["up"]).env("NO_COLOR", "1").env_remove("DATABASE_URL").env_remove("CI");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap().into()
    };
    let port = cluster.port.to_string();
    let tls_env = [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", port.as_str()),
        ("PGUSER", "postgres"),
        ("PGDATABASE", "postgres"),
        ("PGSSLMODE", "verify-ca"),
        ("PGSSLROOTCERT", ca.as_str()),
        ("PGSSLCERT", cert.as_str()),
        ("PGSSLKEY", key.as_str()),
    ];
    run(&tls_env).expect(0);
}

/// The command names users of sqlx-cli, diesel and sea-orm-cli type.
#[tokio::test]
async fn other_tools_command_names_are_aliases() {
    let db = TestDb::new("cli_aliases").await;
    let url = db_url(&db.name);
    for (alias, then) in [("run", "revert"), ("apply", "revert")] {
        let up = cli(BASE, &url, &[alias]).expect(0);
        assert!(up.stderr.contains("applying m20240103000000_three"), "{alias}: {}", up.stderr);
        let info = cli(BASE, &url, &["info"]).expect(0);
        assert!(info.stdout.contains("3 applied, 0 pending"), "{}", info.stdout);
        cli(BASE, &url, &[then, "--steps", "3"]).expect(0);
    }
    let help = cli(BASE, "", &["--help"]).expect(0);
    for alias in ["run", "apply", "revert", "info", "add", "generate"] {
        assert!(help.stdout.contains(alias), "--help names `{alias}`:\n{}", help.stdout);
    }
    for alias in ["add", "generate"] {
        let out = cli(BASE, "", &[alias, "--help"]).expect(0);
        assert!(out.stdout.contains("Write a new migration"), "{alias}: {}", out.stdout);
    }
}

/// `-D`/`--database-url` is bound to DATABASE_URL in `--help` (its value never shown), and the
/// precedence stays: the flag over everything, `--target` over the variable.
#[tokio::test]
async fn the_database_url_flag_is_bound_to_the_variable() {
    let db = TestDb::new("cli_dash_d").await;
    let url = db_url(&db.name);
    cli(BASE, "", &["-D", &url, "status"]).expect(0);
    let help = cli(BASE, "postgres://u:hunter2@h/d", &["status", "--help"]).expect(0);
    assert!(
        help.stdout.contains("-D, --database-url <URL>") && help.stdout.contains("[env: DATABASE_URL]"),
        "{}",
        help.stdout
    );
    assert!(!help.stdout.contains("hunter2"), "{}", help.stdout);
    // Given after the command too; and only the commands that connect take the flags.
    cli(BASE, "", &["status", "-D", &url]).expect(0);
    cli(BASE, "", &["production-marker", "status", "--database-url", &url]).expect(0);
    let list_help = cli(BASE, "", &["list", "--help"]).expect(0);
    assert!(
        !list_help.stdout.contains("--database-url") && !list_help.stdout.contains("--target"),
        "{}",
        list_help.stdout
    );
    let misplaced = cli(BASE, "", &["-D", &url, "list"]).expect(2);
    assert!(misplaced.stderr.contains("`list` connects to no database"), "{}", misplaced.stderr);
    cli(BASE, "", &["list", "--target", "prod"]).expect(2);
    // The variable alone is used; an empty one stays an error.
    cli(BASE, &url, &["status"]).expect(0);
    let mut cmd = Command::new(BASE);
    cmd.args(["status"]).env("NO_COLOR", "1").env("DATABASE_URL", "").env_remove("CI");
    let run: migrate_tests::Run = cmd.output().unwrap().into();
    assert!(run.stderr.contains("DATABASE_URL is set but empty"), "{}", run.stderr);
}

/// Colour is decided for each stream: styles on a terminal, none on a pipe or a file, none with
/// NO_COLOR; every `error:` is styled the same way.
#[tokio::test]
async fn colour_is_decided_per_stream() {
    let db = TestDb::new("cli_colour").await;
    let url = db_url(&db.name);
    let nowhere = "postgres://postgres@127.0.0.1:1/nowhere";
    let esc = '\u{1b}';
    // Both streams on pipes: no escape codes, even without NO_COLOR.
    let piped = |args: &[&str], url: &str| -> migrate_tests::Run {
        let mut cmd = Command::new(BASE);
        cmd.args(args).env("DATABASE_URL", url).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CI");
        cmd.output().unwrap().into()
    };
    let ok = piped(&["status"], &url);
    let failed = piped(&["status"], nowhere);
    for out in [&ok.stdout, &ok.stderr, &failed.stderr] {
        assert!(!out.contains(esc), "{out:?}");
    }
    assert!(failed.stderr.contains("error: cannot connect"), "{}", failed.stderr);
    // On a terminal (a pty through `script`): styled, stdout and stderr alike.
    let dir = migrate_tests::scratch_dir("colour");
    let on_terminal = |shell: &str, url: &str, no_color: bool| -> String {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", shell, "/dev/null"]).current_dir(&dir).env("DATABASE_URL", url).env("TERM", "xterm");
        cmd.env_remove("CLICOLOR_FORCE").env_remove("CI");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let status = on_terminal(&format!("{BASE} status"), &url, false);
    assert!(status.contains(&format!("{esc}[")) && status.contains("pending"), "{status:?}");
    let error = on_terminal(&format!("{BASE} status"), nowhere, false);
    assert!(error.contains(&format!("{esc}[1m{esc}[31merror:")), "{error:?}");
    assert!(!on_terminal(&format!("{BASE} status"), &url, true).contains(esc), "NO_COLOR");
    // stdout to a file, stderr on the terminal: the file plain, the terminal's error styled.
    let file = dir.join("out.txt");
    let mixed = on_terminal(&format!("{BASE} status > {}", file.display()), &url, false);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("pending") && !written.contains(esc), "{written:?}");
    assert!(mixed.contains("reading database"), "{mixed:?}");
    let mixed_error = on_terminal(&format!("{BASE} status > {}", file.display()), nowhere, false);
    assert!(mixed_error.contains(&format!("{esc}[1m{esc}[31merror:")), "{mixed_error:?}");
}

/// `--config PATH` names the configuration file; the project's root is its folder.
#[tokio::test]
async fn the_config_flag_names_the_file() {
    let db = TestDb::new("cli_config_flag").await;
    let dir = migrate_tests::scratch_dir("config_flag");
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    std::fs::write(
        dir.join("conf/staging.toml"),
        format!("default_target = \"db\"\n[targets.db]\nurl = \"{}\"\n", db_url(&db.name)),
    )
    .unwrap();
    // Found from another folder, relative to the current one; no migrate.toml there.
    let out = migrate_tests::cli_in(&dir, BASE, "", &["--config", "conf/staging.toml", "status"]).expect(0);
    assert!(out.stderr.contains(&format!("database `{}`", db.name)), "{}", out.stderr);
    // The .env beside it is the project's.
    std::fs::write(dir.join("conf/.env"), "DATABASE_URL=postgres://postgres@127.0.0.1:1/beside\n").unwrap();
    let out = migrate_tests::cli_in(&dir, BASE, "", &["--config", "conf/staging.toml", "status"]).expect(2);
    assert!(out.stderr.contains("database `beside`"), "{}", out.stderr);
    let out = migrate_tests::cli_in(&dir, BASE, "", &["--config", "missing.toml", "status"]).expect(2);
    assert!(out.stderr.contains("--config missing.toml: no such file"), "{}", out.stderr);
}

/// `--help` starts with what the tool does for its user, and wraps to the terminal's width.
#[test]
fn help_speaks_to_users_and_wraps() {
    let mut cmd = Command::new(BASE);
    cmd.args(["--help"]).env("COLUMNS", "60").env_remove("DATABASE_URL");
    let help: migrate_tests::Run = cmd.output().unwrap().into();
    assert!(help.stdout.starts_with("Apply, roll back and check this project's PostgreSQL"), "{}", help.stdout);
    let widest = help.stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 60, "a line of {widest} characters:\n{}", help.stdout);
}
