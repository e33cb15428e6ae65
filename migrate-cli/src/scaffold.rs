//! `new` and `init`: writing migration files and setting up a migrations crate.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::Loaded;

/// The `src/migrations` folder of the configured migrations crate (or of the crate `cargo run` runs).
pub fn migrations_dir(loaded: &Loaded) -> Result<PathBuf> {
    if let Some(dir) = loaded.migrations_crate() {
        return Ok(dir.join("src").join("migrations"));
    }
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        return Ok(PathBuf::from(dir).join("src").join("migrations"));
    }
    bail!(
        "no migrations crate configured: set `migrations = \"path/to/crate\"` in migrate.toml, or run `migrate-cli init`"
    )
}

/// UTC now as `YYYYMMDDHHMMSS`.
pub fn timestamp_now() -> u64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    timestamp(secs)
}

/// Seconds since the epoch as `YYYYMMDDHHMMSS` (UTC), by Howard Hinnant's days-to-civil algorithm.
pub fn timestamp(secs: u64) -> u64 {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    (year as u64) * 10_000_000_000 + (month as u64) * 100_000_000 + (day as u64) * 1_000_000 + h * 10_000 + m * 100 + s
}

const TEMPLATE: &str = "use migrate_core::prelude::*;

#[migration]
pub fn up(s: &mut Schema) {
    // Record the change here, e.g.:
    // s.create_table(\"things\", |t| {
    //     t.bigint(\"id\").identity().primary_key();
    // });
    let _ = s;
}

// No `down`: it is derived from `up`. A change that cannot be derived (dropping a table or a column,
// raw SQL without its down, ...) does not compile until you add:
//
// #[migration]
// pub fn down(s: &mut Schema) { .. }
";

const SQL_TEMPLATE: &str = "-- The migration's SQL. Without a down.sql beside this file, its down is derived when every
-- statement has an inverse the tool knows (CREATE TABLE, CREATE INDEX, ADD COLUMN, renames, ...);
-- for anything else write down.sql, or put this on the first line:
-- migrate: irreversible = \"why it cannot be undone\"
";

/// What `new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `m<now>_<name>.rs` from the template.
    Rust,
    /// A folder `m<now>_<name>/` with `up.sql`.
    Sql,
}

/// Writes `m<now>_<name>.rs` (or, for [`Kind::Sql`], the folder `m<now>_<name>/` with `up.sql`) in
/// `dir` and registers it: with the build-script module list (what `init` sets up) the file is all it
/// takes; with a hand-written `mod.rs`, its `mod` line is added (an SQL migration needs the module
/// list). Returns the file written.
pub fn new_migration(dir: &Path, name: &str, kind: Kind) -> Result<PathBuf> {
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
        bail!("migration name `{name}` must be snake_case: lowercase letters, digits and `_`, e.g. add_user_roles");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut version = timestamp_now();
    // Two migrations created in the same second get distinct versions.
    let taken = |v: u64| {
        std::fs::read_dir(dir)
            .map(|rd| rd.flatten().any(|e| e.file_name().to_string_lossy().starts_with(&format!("m{v}_"))))
            .unwrap_or(false)
    };
    while taken(version) {
        version += 1;
    }
    let module = format!("m{version}_{name}");
    let mod_rs = dir.join("mod.rs");
    if kind == Kind::Sql {
        if mod_rs.is_file() {
            bail!(
                "{} lists the migrations by hand, and an SQL migration is registered by the build script's module list: call `migrate_build::generate_module_list(\"src/migrations\")` in build.rs (as `init` sets up), or write a Rust migration",
                mod_rs.display()
            );
        }
        let folder = dir.join(&module);
        std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let path = folder.join("up.sql");
        std::fs::write(&path, SQL_TEMPLATE).with_context(|| format!("writing {}", path.display()))?;
        return Ok(path);
    }
    let path = dir.join(format!("{module}.rs"));
    std::fs::write(&path, TEMPLATE).with_context(|| format!("writing {}", path.display()))?;
    if mod_rs.is_file() {
        let mut text = std::fs::read_to_string(&mod_rs).with_context(|| format!("reading {}", mod_rs.display()))?;
        if !text.ends_with('\n') && !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("pub mod {module};\n"));
        std::fs::write(&mod_rs, text).with_context(|| format!("writing {}", mod_rs.display()))?;
    }
    Ok(path)
}

/// Where the dependencies `init` writes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DependencySource {
    /// This CLI was built in a clone of the workspace (the folder holding it): path dependencies.
    Clone(PathBuf),
    /// This CLI was installed as a published package (its sources sit alone, e.g. in cargo's
    /// registry folder): version dependencies on the published packages, of this version.
    Registry(&'static str),
}

/// Where this CLI's sources are (`CARGO_MANIFEST_DIR` when it was built) tells which: a folder whose
/// parent is the workspace (its Cargo.toml a `[workspace]` holding `migrate-core`) is a clone.
fn dependency_source(manifest_dir: &Path) -> DependencySource {
    let Some(root) = manifest_dir.parent() else { return DependencySource::Registry(env!("CARGO_PKG_VERSION")) };
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    if workspace.contains("[workspace]") && root.join("migrate-core/Cargo.toml").is_file() {
        DependencySource::Clone(root.to_path_buf())
    } else {
        DependencySource::Registry(env!("CARGO_PKG_VERSION"))
    }
}

/// The dependency line for crate `c` (`migrate-core`, `migrate-cli`, `migrate-build`). The key is the
/// name code uses (`migrate_core::`); migrate-core's package is `migrate-pg-core` (`migrate-core` on
/// crates.io is an unrelated crate), so its line has a `package =` key.
fn dependency_line(c: &str, source: &DependencySource) -> String {
    let package = if c == "migrate-core" { "package = \"migrate-pg-core\", " } else { "" };
    match source {
        DependencySource::Clone(root) => {
            format!("{c} = {{ {package}path = {:?} }}", root.join(c).display().to_string())
        }
        DependencySource::Registry(version) => format!("{c} = {{ {package}version = \"{version}\" }}"),
    }
}

/// The package name `init` gives the migrations crate: `<project>-migrations`, where the project is
/// the package name in `cwd/Cargo.toml`, else the folder's name. Package names must differ between
/// projects: two migrations crates of one name built into a shared target folder overwrite each
/// other's program.
pub fn default_package_name(cwd: &Path) -> String {
    let from_manifest = std::fs::read_to_string(cwd.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_string));
    let project = from_manifest
        .or_else(|| cwd.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".into());
    let mut name: String = project
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "db-");
    }
    format!("{name}-migrations")
}

/// Sets up migrations in the project at `cwd`: a migrations crate at `path` named `package` (default
/// [`default_package_name`]; library with the migrations, binary calling the CLI, build script
/// listing `src/migrations/`) and `migrate.toml`.
pub fn init(cwd: &Path, path: &str, package: Option<&str>, first: Option<&str>) -> Result<Vec<PathBuf>> {
    let krate = cwd.join(path);
    let config = cwd.join(crate::config::FILE_NAME);
    if config.exists() {
        bail!("{} already exists: this project is set up", config.display());
    }
    if krate.join("Cargo.toml").exists() {
        bail!("{} already has a Cargo.toml: choose another --path", krate.display());
    }
    let package = package.map(str::to_string).unwrap_or_else(|| default_package_name(cwd));
    if package.is_empty()
        || !package.starts_with(|c: char| c.is_ascii_alphabetic())
        || !package.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("`{package}` is not a package name: use letters, digits, `-` and `_`, starting with a letter");
    }
    let name = package.replace('-', "_");
    let source = dependency_source(Path::new(env!("CARGO_MANIFEST_DIR")));
    let dep = |c: &str| dependency_line(c, &source);
    let files: Vec<(PathBuf, String)> = vec![
        (
            krate.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{}\n{}\n\n[build-dependencies]\n{}\n",
                dep("migrate-core"),
                dep("migrate-cli"),
                dep("migrate-build")
            ),
        ),
        (krate.join("build.rs"), "fn main() {\n    migrate_build::generate_module_list(\"src/migrations\");\n}\n".into()),
        (
            krate.join("src/lib.rs"),
            "//! The database migrations, one file per migration in `src/migrations/`.\n\npub mod migrations {\n    include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));\n}\n".into(),
        ),
        (
            krate.join("src/main.rs"),
            format!(
                "use std::process::ExitCode;\n\n// Names the library so the linker keeps its migrations.\nuse {name} as _;\n\nfn main() -> ExitCode {{\n    migrate_cli::run()\n}}\n"
            ),
        ),
        (
            config.clone(),
            format!(
                "# migrate.toml: see the migrate-cli README for every key.\nmigrations = {path:?}\n# history_table = \"migrate_history\"\n# lock_timeout = \"200ms\"\n# default_target = \"dev\"\n#\n# [targets.dev]\n# url = \"postgres://postgres@127.0.0.1:5432/app_dev\"\n#\n# [targets.production]\n# url_env = \"PRODUCTION_DATABASE_URL\"\n# production = true\n"
            ),
        ),
    ];
    let mut written = Vec::new();
    for (file, text) in files {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        written.push(file);
    }
    // The folder starts empty (a `.gitkeep` keeps it in git) unless a first migration is asked for.
    let migrations = krate.join("src/migrations");
    std::fs::create_dir_all(&migrations).with_context(|| format!("creating {}", migrations.display()))?;
    std::fs::write(migrations.join(".gitkeep"), "").with_context(|| format!("writing {}", migrations.display()))?;
    if let Some(name) = first {
        written.push(new_migration(&migrations, name, Kind::Rust)?);
    }
    add_to_workspace(cwd, path)?;
    Ok(written)
}

/// When the project at `cwd` is a workspace, adds the new crate to its members.
fn add_to_workspace(cwd: &Path, member: &str) -> Result<()> {
    let manifest = cwd.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else { return Ok(()) };
    if !text.contains("[workspace]") {
        return Ok(());
    }
    let Some(start) = text.find("members") else {
        bail!("{} has a [workspace] without `members`: add {member:?} to it", manifest.display());
    };
    let Some(open) = text[start..].find('[').map(|i| start + i) else { return Ok(()) };
    let updated = format!("{}[{member:?}, {}", &text[..open], &text[open + 1..]);
    std::fs::write(&manifest, updated).with_context(|| format!("writing {}", manifest.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built in this clone: path dependencies on it. Installed from the registry (the package's
    /// sources alone, as cargo unpacks them): version dependencies on the published packages, with
    /// `package =` where the package name differs from the library's.
    #[test]
    fn init_depends_on_the_clone_or_on_the_published_packages() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = here.parent().unwrap().to_path_buf();
        assert_eq!(dependency_source(here), DependencySource::Clone(root.clone()));
        assert_eq!(
            dependency_line("migrate-core", &DependencySource::Clone(root.clone())),
            format!(
                "migrate-core = {{ package = \"migrate-pg-core\", path = {:?} }}",
                root.join("migrate-core").display().to_string()
            )
        );
        let registry = std::env::temp_dir()
            .join(format!("migrate-registry-{}", std::process::id()))
            .join("index.crates.io-1949cf8c6b5b557f");
        let unpacked = registry.join(format!("migrate-cli-{}", env!("CARGO_PKG_VERSION")));
        std::fs::create_dir_all(&unpacked).unwrap();
        std::fs::write(unpacked.join("Cargo.toml"), "[package]\nname = \"migrate-cli\"\n").unwrap();
        let source = dependency_source(&unpacked);
        std::fs::remove_dir_all(registry.parent().unwrap()).unwrap();
        assert_eq!(source, DependencySource::Registry(env!("CARGO_PKG_VERSION")));
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(
            dependency_line("migrate-core", &source),
            format!("migrate-core = {{ package = \"migrate-pg-core\", version = \"{v}\" }}")
        );
        assert_eq!(dependency_line("migrate-cli", &source), format!("migrate-cli = {{ version = \"{v}\" }}"));
        assert_eq!(dependency_line("migrate-build", &source), format!("migrate-build = {{ version = \"{v}\" }}"));
        // The lines are valid TOML dependencies.
        let manifest: toml::Table =
            format!("[dependencies]\n{}\n", dependency_line("migrate-core", &source)).parse().unwrap();
        assert_eq!(manifest["dependencies"]["migrate-core"]["package"].as_str(), Some("migrate-pg-core"));
    }

    #[test]
    fn timestamps_are_utc_civil_time() {
        assert_eq!(timestamp(0), 19700101000000);
        assert_eq!(timestamp(951_782_400), 20000229000000); // a leap day
        assert_eq!(timestamp(1_718_884_800 + 3_723), 20240620130203);
    }

    #[test]
    fn the_migrations_crate_is_named_after_the_project() {
        let dir = std::env::temp_dir().join(format!("migrate-init-name-{}", std::process::id()));
        let project = dir.join("My Shop");
        std::fs::create_dir_all(&project).unwrap();
        assert_eq!(default_package_name(&project), "my-shop-migrations");
        std::fs::write(project.join("Cargo.toml"), "[package]\nname = \"shop_api\"\nversion = \"0.1.0\"\n").unwrap();
        assert_eq!(default_package_name(&project), "shop_api-migrations");
        let numbered = dir.join("2024");
        std::fs::create_dir_all(&numbered).unwrap();
        assert_eq!(default_package_name(&numbered), "db-2024-migrations");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn new_writes_a_registered_file_with_a_unique_version() {
        let dir = std::env::temp_dir().join(format!("migrate-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("mod.rs"), "").unwrap();
        let a = new_migration(&dir, "add_roles", Kind::Rust).unwrap();
        let b = new_migration(&dir, "add_more", Kind::Rust).unwrap();
        let stem = |p: &Path| p.file_stem().unwrap().to_string_lossy().into_owned();
        assert_ne!(stem(&a)[..15], stem(&b)[..15], "same version twice");
        let mods = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
        assert_eq!(mods, format!("pub mod {};\npub mod {};\n", stem(&a), stem(&b)));
        assert!(std::fs::read_to_string(&a).unwrap().contains("#[migration]"));
        assert!(new_migration(&dir, "Bad-Name", Kind::Rust).unwrap_err().to_string().contains("must be snake_case"));
        // An SQL migration needs the build script's module list, not a hand-written mod.rs.
        let err = new_migration(&dir, "add_sql", Kind::Sql).unwrap_err().to_string();
        assert!(err.contains("generate_module_list"), "{err}");
        std::fs::remove_file(dir.join("mod.rs")).unwrap();
        let up = new_migration(&dir, "add_sql", Kind::Sql).unwrap();
        assert_eq!(up.file_name().unwrap(), "up.sql");
        let folder = stem(up.parent().unwrap());
        assert!(folder.ends_with("_add_sql") && folder != stem(&a) && folder != stem(&b), "{folder}");
        assert!(std::fs::read_to_string(&up).unwrap().starts_with("-- The migration's SQL."));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
