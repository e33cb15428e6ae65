//! Repeatable migrations: one SQL file per view, function, procedure, trigger or materialized view
//! (`src/repeatable/<name>.sql`, listed by `migrate-build`), applied by `up` after the versioned
//! migrations, in name order, and again whenever its normalised text changes. Its down is the drop of
//! what it creates, derived here from the parsed statements, or its `<name>.down.sql`. The runner
//! keeps what it applied in the history's `<table>_repeat` table ([`runner`](crate::runner)), drops
//! a repeatable removed from the code, and drops and re-creates the repeatables that depend on what a
//! versioned migration changes around it.
//!
//! ```
//! use migrate_core::repeatable::Repeatable;
//! let r = Repeatable::new("active_users", "src/repeatable/active_users.sql",
//!     "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE active;", None).unwrap();
//! assert_eq!(r.down, ["DROP VIEW IF EXISTS \"active_users\""]);
//! assert_eq!(r.relations, ["active_users"]);
//! ```

use sha2::{Digest, Sha256};

use crate::op::Op;

/// What `migrate-build` registers for each file of `src/repeatable/`. Not built by hand.
#[derive(Debug)]
pub struct RepeatableDef {
    /// The file's name without `.sql`.
    pub name: &'static str,
    /// The file, as the crate names it (`src/repeatable/<name>.sql`).
    pub file: &'static str,
    /// Its SQL.
    pub up: &'static str,
    /// Its `<name>.down.sql`, if it has one.
    pub down: Option<&'static str>,
    /// For one written with the builder (`#[repeatable]`): `module_path!()` of its module, whose
    /// last segment is its name (empty for an SQL file).
    pub module: &'static str,
    /// For one written with the builder: builds its ops (`None` for an SQL file).
    pub build: Option<BuildOps>,
}

/// What `#[repeatable]` registers to build a repeatable's ops.
pub type BuildOps = fn() -> Result<Vec<Op>, crate::error::BuildErrors>;

inventory::collect!(RepeatableDef);

/// A repeatable migration, loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeatable {
    /// Its name (the file's, without `.sql`): repeatables apply in name order.
    pub name: String,
    /// Its file.
    pub file: String,
    /// The SQL that creates what it makes.
    pub up: String,
    /// The statements that drop it: its `down.sql`, or derived.
    pub down: Vec<String>,
    /// Hex SHA-256 of its normalised up and down texts: a change of layout or comments is not a change.
    pub checksum: String,
    /// The views and materialized views it creates (what other objects can depend on).
    pub relations: Vec<String>,
    /// The tables its triggers are on.
    pub trigger_tables: Vec<String>,
    /// The names its views' and materialized views' queries use, lowercased (what it may depend on,
    /// read from its text: `sql up` shows from them which migrations it is dropped and made around,
    /// without a database; `up` asks the catalog).
    pub uses: Vec<String>,
}

impl Repeatable {
    /// Reads a repeatable: its objects, and its down when `down` is not given. An error names the
    /// statement whose drop cannot be derived.
    pub fn new(name: &str, file: &str, up: &str, down: Option<&str>) -> Result<Repeatable, String> {
        let mut relations = Vec::new();
        let mut trigger_tables = Vec::new();
        let mut uses = std::collections::BTreeSet::new();
        let mut words = |query: &str| {
            for w in query.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()) {
                uses.insert(w.to_lowercase());
            }
        };
        let mut creates = Vec::new();
        for st in crate::sql_ops::read_sql(up) {
            let first = st.text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("--")).unwrap_or("");
            let refuse = |why: &str| {
                format!(
                    "{file} line {} (`{}`): {why}; a repeatable makes views, functions, procedures, triggers or materialized views (and their comments and grants), or give it a {name}.down.sql that undoes it",
                    st.line,
                    first.chars().take(60).collect::<String>()
                )
            };
            if !st.not_read.is_empty() {
                if down.is_none() {
                    return Err(refuse(&format!("its effect is not read ({})", st.not_read.join(", "))));
                }
                continue;
            }
            if st.outside && !matches!(st.kind.as_str(), "GRANT" | "REVOKE") && down.is_none() {
                return Err(refuse(&format!("a {} statement has no drop", st.kind)));
            }
            for op in st.ops {
                match op {
                    Op::CreateView { def } => {
                        words(&def.query);
                        relations.push(def.name.clone());
                        creates.push(Op::CreateView { def });
                    }
                    Op::CreateMaterializedView { def } => {
                        words(&def.query);
                        relations.push(def.name.clone());
                        creates.push(Op::CreateMaterializedView { def });
                    }
                    Op::CreateFunction { def, .. } => creates.push(Op::CreateFunction { def, or_replace: false }),
                    Op::CreateTrigger { def } => {
                        words(&def.table);
                        trigger_tables.push(def.table.clone());
                        creates.push(Op::CreateTrigger { def });
                    }
                    Op::Comment { .. } => {}
                    other if down.is_none() => {
                        return Err(refuse(&format!("`{}` is not what a repeatable makes", other.describe())));
                    }
                    _ => {}
                }
            }
        }
        let down_statements = match down {
            Some(text) => migrate_sql::split_statements(text),
            None => {
                let reversed = crate::reverse::reverse_ops(&creates)
                    .map_err(|e| format!("{file}: its drop cannot be derived ({e:?}); add {name}.down.sql"))?;
                // `IF EXISTS`: a drop that finds the object gone (a migration's CASCADE took it)
                // leaves the repeatable's record consistent instead of failing.
                crate::render::render_ops(&reversed)
                    .into_iter()
                    .map(|s| {
                        let kinds = [
                            "DROP MATERIALIZED VIEW ",
                            "DROP VIEW ",
                            "DROP FUNCTION ",
                            "DROP PROCEDURE ",
                            "DROP TRIGGER ",
                        ];
                        match kinds.iter().find(|k| s.sql.starts_with(*k)) {
                            Some(k) => format!("{k}IF EXISTS {}", &s.sql[k.len()..]),
                            None => s.sql,
                        }
                    })
                    .collect()
            }
        };
        let mut text = String::from("up=");
        text.push_str(&migrate_sql::derive::normalize(up));
        text.push_str(";down=");
        match down {
            Some(d) => text.push_str(&migrate_sql::derive::normalize(d)),
            None => text.push_str("derived"),
        }
        let checksum = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Repeatable {
            name: name.into(),
            file: file.into(),
            up: up.into(),
            down: down_statements,
            checksum,
            relations,
            trigger_tables,
            uses: uses.into_iter().collect(),
        })
    }
}

impl Repeatable {
    /// The repeatable as a migration of `version` (after every real one), for checks that take
    /// migrations: `lint` reads its SQL on the schema the migrations build, as it reads an SQL-file
    /// migration's.
    pub fn as_migration(&self, version: u64) -> crate::registry::Migration {
        let down = self.down.join(";\n");
        let up = vec![Op::Sql { up: self.up.clone(), down: Some(down.clone()), declares: vec![] }];
        let down = crate::registry::Down::Explicit(vec![Op::Sql { up: down, down: None, declares: vec![] }]);
        crate::registry::Migration {
            version,
            name: format!("repeatable_{}", self.name),
            checksum: self.checksum.clone(),
            checksum_format: crate::registry::SQL_TEXT_FORMAT,
            legacy_checksum: None,
            up,
            down,
            transaction: true,
            file: "src/repeatable",
            line: 1,
            acks: vec![],
            original: None,
            squashes: vec![],
            source: None,
        }
    }
}

/// A repeatable written with the builder: its ops rendered as the SQL it runs, read back as an SQL
/// repeatable's (so its drops, objects and checksum come the same way).
fn from_builder(name: &str, file: &str, build: BuildOps) -> Result<Repeatable, String> {
    let ops = build().map_err(|e| format!("{file}: {e}"))?;
    let sql: Vec<String> = crate::render::render_ops(&ops).into_iter().map(|s| s.sql).collect();
    if sql.is_empty() {
        return Err(format!("{file}: it makes nothing: build the views, functions or triggers it stands for"));
    }
    Repeatable::new(name, file, &(sql.join(";\n") + ";\n"), None)
}

/// The repeatables linked into this program ([`RepeatableDef`]), in name order, or every problem.
pub fn repeatables() -> Result<Vec<Repeatable>, Vec<String>> {
    load(inventory::iter::<RepeatableDef>())
}

/// [`repeatables`] over an explicit list of definitions (tests, tools).
pub fn load<'a>(defs: impl IntoIterator<Item = &'a RepeatableDef>) -> Result<Vec<Repeatable>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for d in defs {
        // A crate whose build script lists two migrations folders registers the repeatables twice.
        if !seen.insert((d.name, d.file)) {
            continue;
        }
        let loaded = match d.build {
            None => Repeatable::new(d.name, d.file, d.up, d.down).map_err(|e| (d.name, e)),
            Some(build) => {
                let name = d.module.rsplit("::").next().unwrap_or(d.module);
                from_builder(name, d.file, build).map_err(|e| (name, e))
            }
        };
        match loaded {
            Ok(r) => out.push(r),
            Err((name, e)) => errors.push(format!("repeatable {name}: {e}")),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}
