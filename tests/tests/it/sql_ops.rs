//! SQL read into ops: the schema model built from SQL migrations matches the database the same SQL
//! builds.

use std::path::{Path, PathBuf};

use migrate_core::model::Model;
use migrate_core::op::Op;
use migrate_tests::{TestDb, connect_to};

/// The corpus's migration folders in diesel's order (by version, its dashes dropped).
fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-registry-app/migrations");
    let mut folders: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("up.sql").is_file()).collect();
    let key = |p: &PathBuf| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        (name.split('_').next().unwrap().replace('-', ""), name)
    };
    folders.sort_by_key(key);
    folders
}

/// Each table's columns (name, type, NOT NULL) in order and its constraints' names.
type Shape = Vec<(String, Vec<(String, String, bool)>, Vec<String>)>;

fn shape(m: &Model) -> Shape {
    m.tables
        .iter()
        .map(|(name, t)| {
            let cols = t.columns.iter().map(|c| (c.name.clone(), format!("{:?}", c.ty), c.not_null)).collect();
            let mut cons: Vec<String> = t.constraints.keys().cloned().collect();
            cons.sort();
            (name.clone(), cols, cons)
        })
        .collect()
}

/// The registry-app history applied to PostgreSQL as diesel runs it, and read into the model from
/// its SQL alone: the model has every table the database has, with its columns (name, type, NOT
/// NULL, in order) and constraints, and every index on its table. Defaults and CHECK texts are not
/// compared: PostgreSQL prints them its own way (`false` for `'f'`), which the model does not do yet.
#[tokio::test]
async fn the_model_read_from_the_corpus_sql_is_the_database_it_builds() {
    let db = TestDb::new("sql_ops_corpus").await;
    let client = connect_to(&db.name).await;
    let mut model = Model::default();
    let mut warnings = Vec::new();
    let mut derived = 0;
    for (i, folder) in corpus().iter().enumerate() {
        let up = std::fs::read_to_string(folder.join("up.sql")).unwrap();
        let alone = std::fs::read_to_string(folder.join("metadata.toml"))
            .is_ok_and(|m| m.replace(' ', "").contains("run_in_transaction=false"));
        let run_up = async || {
            if alone {
                for st in migrate_core::render::split_statements(&up) {
                    client.batch_execute(&st).await.unwrap_or_else(|e| panic!("{}: {e:?}", folder.display()));
                }
            } else {
                client
                    .batch_execute(&format!("BEGIN;\n{up}\n;COMMIT;"))
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e:?}", folder.display()));
            }
        };
        // A file whose every statement has a derived inverse (as the build script decides for an
        // SQL file without down.sql): migrate-core derives its down, and the down restores the
        // catalog exactly. For any other file it refuses to derive one.
        let derivable = migrate_sql::parse_statements(&up).iter().all(|s| migrate_sql::derive::reversible(s).is_ok());
        let reversed = migrate_core::reverse::reverse_op(&Op::Sql { up: up.clone(), down: None, declares: vec![] });
        assert_eq!(derivable, reversed.is_ok(), "{}: {reversed:?}", folder.display());
        if let Ok(down) = reversed {
            let before = migrate_tests::catalog(&client, "public").await;
            run_up().await;
            migrate_tests::apply(&client, &down).await.unwrap_or_else(|e| panic!("{} down: {e}", folder.display()));
            assert_eq!(migrate_tests::catalog(&client, "public").await, before, "{}", folder.display());
            derived += 1;
        }
        run_up().await;
        for p in model.apply(&Op::Sql { up, down: None, declares: vec![] }, i as u64 + 1) {
            warnings.push(format!("{}: {}", folder.display(), p.message));
        }
    }
    eprintln!("{derived} of the corpus's migrations have a derived down");
    assert!(derived > 20, "{derived}");
    let ops = migrate_core::introspect::ops(&client, "public", &[]).await.unwrap();
    let mut live = Model::default();
    for op in &ops {
        live.apply(op, 0);
    }
    assert_eq!(live.tables.len(), 35, "{:?}", live.tables.keys());
    for (read, real) in shape(&model).into_iter().zip(shape(&live)) {
        assert_eq!(read, real);
    }
    assert_eq!(model.tables.len(), live.tables.len());
    let indexes = |m: &Model| -> Vec<(String, String)> {
        m.indexes.iter().map(|(name, i)| (name.clone(), i.def.table.clone())).collect()
    };
    let (read, real) = (indexes(&model), indexes(&live));
    let only_read: Vec<_> = read.iter().filter(|i| !real.contains(i)).collect();
    let only_real: Vec<_> = real.iter().filter(|i| !read.contains(i)).collect();
    assert!(
        only_read.is_empty() && only_real.is_empty(),
        "read only: {only_read:?}\nin the database only: {only_real:?}"
    );
    // Functions and triggers: the same ones, named by their argument types as PostgreSQL has them.
    assert_eq!(live.functions.len(), 31);
    assert_eq!(model.functions.keys().collect::<Vec<_>>(), live.functions.keys().collect::<Vec<_>>());
    assert_eq!(triggers(&model), triggers(&live));
    assert_eq!(triggers(&live).len(), 25);
    // Everything is read, `ADD CONSTRAINT .. PRIMARY KEY USING INDEX` included (its columns are the
    // index's): the model stays exact through the whole history.
    assert_eq!(model.opaque, None);
    // The materialized view (with the indexes on it) and the composite type are read too: the model
    // has no problem with the whole history.
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(model.materialized_views.keys().collect::<Vec<_>>(), ["recent_crate_downloads"]);
    assert_eq!(model.materialized_views.keys().collect::<Vec<_>>(), live.materialized_views.keys().collect::<Vec<_>>());
    assert_eq!(model.types.keys().collect::<Vec<_>>(), live.types.keys().collect::<Vec<_>>());
    assert!(!live.types.is_empty());
}

/// Each trigger: table, name, when it fires, the function it runs and whether it is enabled (its WHEN
/// is left out: PostgreSQL prints the condition its own way).
fn triggers(m: &Model) -> Vec<String> {
    m.tables
        .values()
        .flat_map(|t| t.triggers.values())
        .map(|(d, state)| {
            format!(
                "{}.{} {:?} {:?} {:?}/{:?} row={} {}({}) {state:?}",
                d.table,
                d.name,
                d.timing,
                d.events,
                d.old_table,
                d.new_table,
                d.for_each_row,
                d.function,
                d.args.len()
            )
        })
        .collect()
}

/// Functions, procedures and triggers written in SQL read into the model as PostgreSQL has them, and
/// their statements have a derived down that gives the catalog back.
#[tokio::test]
async fn functions_and_triggers_read_from_sql_are_the_ones_postgresql_builds() {
    let db = TestDb::new("sql_ops_functions").await;
    let client = connect_to(&db.name).await;
    let script = "CREATE TABLE notes (id bigint PRIMARY KEY, body text, edited timestamptz);
        CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.edited := now(); RETURN NEW; END $$;
        CREATE FUNCTION add(int, b INT4 DEFAULT 1, OUT total bigint) LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1 + b';
        CREATE FUNCTION bodies(VARIADIC parts text[]) RETURNS SETOF notes LANGUAGE sql STABLE BEGIN ATOMIC SELECT * FROM notes WHERE body = ANY (parts); END;
        CREATE PROCEDURE purge(before timestamptz) LANGUAGE sql AS $p$ DELETE FROM notes WHERE edited < before $p$;
        CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE OF body ON notes FOR EACH ROW WHEN (NEW.body IS NOT NULL) EXECUTE FUNCTION touch();
        CREATE TRIGGER notes_wipe AFTER TRUNCATE ON notes EXECUTE PROCEDURE touch('a', 'b');
        ALTER TABLE notes DISABLE TRIGGER notes_wipe;
        CREATE OR REPLACE TRIGGER notes_moved AFTER UPDATE ON notes REFERENCING NEW TABLE AS moved OLD TABLE AS was FOR EACH STATEMENT EXECUTE FUNCTION touch();
        CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS 'SELECT 1'; DROP FUNCTION gone;";
    client.batch_execute(script).await.unwrap();
    let (model, live) = read_and_live(&client, script).await;
    assert_eq!(
        model.functions.keys().collect::<Vec<_>>(),
        ["add(integer, integer)", "bodies(text[])", "purge(timestamptz)", "touch()"]
    );
    assert_eq!(model.functions.keys().collect::<Vec<_>>(), live.functions.keys().collect::<Vec<_>>());
    assert_eq!(triggers(&model), triggers(&live));
    assert_eq!(triggers(&model).len(), 3);
    let moved = &model.tables["notes"].triggers["notes_moved"].0;
    assert_eq!((moved.old_table.as_deref(), moved.new_table.as_deref()), (Some("was"), Some("moved")));
    for (key, def) in &model.functions {
        let real = &live.functions[key];
        assert_eq!(
            (def.kind, def.volatility, def.strict, def.atomic),
            (real.kind, real.volatility, real.strict, real.atomic),
            "{key}"
        );
        assert_eq!(def.language, real.language, "{key}");
    }
    // The derived down of each creating statement drops what it made.
    let fresh = TestDb::new("sql_ops_functions_down").await;
    let client = connect_to(&fresh.name).await;
    client.batch_execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text, edited timestamptz)").await.unwrap();
    let before = migrate_tests::catalog(&client, "public").await;
    let up = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE FUNCTION bodies(VARIADIC parts text[]) RETURNS SETOF notes LANGUAGE sql BEGIN ATOMIC SELECT * FROM notes WHERE body = ANY (parts); END;
        CREATE PROCEDURE purge(before timestamptz) LANGUAGE sql AS 'DELETE FROM notes WHERE edited < before';
        CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()";
    let down = migrate_core::reverse::reverse_op(&Op::Sql { up: up.into(), down: None, declares: vec![] }).unwrap();
    client.batch_execute(up).await.unwrap();
    assert_ne!(migrate_tests::catalog(&client, "public").await, before);
    migrate_tests::apply(&client, &down).await.unwrap();
    assert_eq!(migrate_tests::catalog(&client, "public").await, before);
    // Replacing or dropping needs a written down.
    for refused in [
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
        "DROP TRIGGER t ON notes",
        "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON notes DEFERRABLE FOR EACH ROW EXECUTE FUNCTION touch()",
    ] {
        assert!(
            migrate_core::reverse::reverse_op(&Op::Sql { up: refused.into(), down: None, declares: vec![] }).is_err(),
            "{refused}"
        );
    }
}

/// Views with options, materialized views, composite types, domains and range types written in SQL
/// read into the model as PostgreSQL has them; their creating statements have a derived down that
/// gives the catalog back.
#[tokio::test]
async fn types_and_materialized_views_read_from_sql_are_the_ones_postgresql_builds() {
    let db = TestDb::new("sql_ops_types").await;
    let client = connect_to(&db.name).await;
    let script = "CREATE DOMAIN positive AS int4 DEFAULT 1 NOT NULL CHECK (VALUE > 0) CHECK (VALUE < 100);
        ALTER DOMAIN positive ADD CONSTRAINT not_seven CHECK (VALUE <> 7) NOT VALID;
        CREATE TYPE pair AS (a positive, b text[]);
        CREATE TYPE span AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
        CREATE TABLE t (id bigint PRIMARY KEY, p pair, s span, n positive, CONSTRAINT t_apart EXCLUDE USING gist (s WITH &&));
        CREATE VIEW big WITH (security_barrier = true) AS SELECT id, n FROM t WHERE n > 10 WITH CHECK OPTION;
        CREATE MATERIALIZED VIEW totals AS SELECT n, count(*) AS c FROM t GROUP BY n WITH NO DATA;
        CREATE UNIQUE INDEX totals_n ON totals (n);
        REFRESH MATERIALIZED VIEW totals;
        CREATE TYPE gone AS (x int); DROP TYPE gone;
        CREATE DOMAIN gone_too AS text; DROP DOMAIN gone_too;
        COMMENT ON DOMAIN positive IS 'More than zero'; COMMENT ON MATERIALIZED VIEW totals IS 'Per n';
        COMMENT ON CONSTRAINT t_pkey ON t IS 'The key'; COMMENT ON INDEX totals_n IS 'One per n';
        COMMENT ON TYPE pair IS 'Two'; COMMENT ON VIEW big IS 'Big ones'; COMMENT ON TYPE span IS NULL;";
    client.batch_execute(script).await.unwrap();
    let (model, live) = read_and_live(&client, script).await;
    assert_eq!(model.types.keys().collect::<Vec<_>>(), ["pair", "positive", "span"]);
    // Comments on them, as the catalog has them.
    assert_eq!(model.comments.len(), 6, "{:?}", model.comments);
    assert_eq!(model.comments, live.comments);
    assert_eq!(model.types.keys().collect::<Vec<_>>(), live.types.keys().collect::<Vec<_>>());
    let Some(migrate_core::op::TypeDef::Domain { checks, not_null, .. }) = model.types.get("positive") else {
        panic!()
    };
    let names: Vec<(&str, bool)> = checks.iter().map(|k| (k.name.as_str(), k.not_valid)).collect();
    assert_eq!(names, [("positive_check", false), ("positive_check1", false), ("not_seven", true)]);
    assert!(*not_null);
    let Some(migrate_core::op::TypeDef::Domain { checks: real, .. }) = live.types.get("positive") else { panic!() };
    let mut real: Vec<(&str, bool)> = real.iter().map(|k| (k.name.as_str(), k.not_valid)).collect();
    let mut read = names.clone();
    real.sort();
    read.sort();
    assert_eq!(read, real, "PostgreSQL's names for unnamed domain checks");
    assert_eq!(shape(&model), shape(&live));
    assert!(
        format!("{:?}", model.tables["t"].constraints.get("t_apart")).contains("EXCLUDE")
            || format!("{:?}", model.tables["t"].constraints.get("t_apart")).contains("Exclude")
    );
    assert_eq!(model.views["big"].security_barrier, live.views["big"].security_barrier);
    assert_eq!(model.views["big"].check_option, live.views["big"].check_option);
    assert_eq!(model.materialized_views.keys().collect::<Vec<_>>(), ["totals"]);
    assert_eq!(model.indexes["totals_n"].def.table, live.indexes["totals_n"].def.table);
    // The derived down of each creating statement drops what it made.
    let fresh = TestDb::new("sql_ops_types_down").await;
    let client = connect_to(&fresh.name).await;
    client.batch_execute("CREATE TABLE t (id bigint PRIMARY KEY, n int)").await.unwrap();
    let before = migrate_tests::catalog(&client, "public").await;
    let up = "CREATE DOMAIN positive AS int CHECK (VALUE > 0);
        ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100) NOT VALID;
        ALTER DOMAIN positive VALIDATE CONSTRAINT small;
        CREATE TYPE pair AS (a positive, b text);
        CREATE TYPE span AS RANGE (SUBTYPE = float8);
        CREATE VIEW big WITH (security_barrier) AS SELECT id FROM t WHERE n > 10 WITH LOCAL CHECK OPTION;
        CREATE MATERIALIZED VIEW totals (value, c) AS SELECT n, count(*) FROM t GROUP BY n;
        CREATE UNIQUE INDEX totals_n ON totals (value);
        REFRESH MATERIALIZED VIEW CONCURRENTLY totals;
        CREATE VIEW named (a, b) AS SELECT id, n FROM t";
    derived_down_restores(&client, &before, up).await;
    refused_derived_downs(&[
        "DROP DOMAIN positive",
        "ALTER DOMAIN positive ADD CHECK (VALUE > 1)",
        "ALTER DOMAIN positive SET DEFAULT 2",
    ]);
}

/// `up` (SQL) changes the catalog, and its derived down, applied, gives `before` back.
async fn derived_down_restores(client: &tokio_postgres::Client, before: &str, up: &str) {
    let down = migrate_core::reverse::reverse_op(&Op::Sql { up: up.into(), down: None, declares: vec![] }).unwrap();
    client.batch_execute(up).await.unwrap();
    assert_ne!(migrate_tests::catalog(client, "public").await, before);
    migrate_tests::apply(client, &down).await.unwrap();
    assert_eq!(migrate_tests::catalog(client, "public").await, before);
}

/// Each of these statements has no derived down.
fn refused_derived_downs(statements: &[&str]) {
    for refused in statements {
        assert!(
            migrate_core::reverse::reverse_op(&Op::Sql { up: refused.to_string(), down: None, declares: vec![] })
                .is_err(),
            "{refused}"
        );
    }
}

/// The model `script` (already run on `client`'s database) reads into, with no problem, and the
/// model of the database's catalog.
async fn read_and_live(client: &tokio_postgres::Client, script: &str) -> (Model, Model) {
    let mut model = Model::default();
    let problems = model.apply(&Op::Sql { up: script.into(), down: None, declares: vec![] }, 1);
    assert!(problems.is_empty(), "{problems:?}");
    let mut live = Model::default();
    for op in &migrate_core::introspect::ops(client, "public", &[]).await.unwrap() {
        live.apply(op, 0);
    }
    (model, live)
}

/// What only the model knows completes what SQL says: a column of an enum type written by its name is
/// that enum (as PostgreSQL reports it), and `REFERENCES t` without columns references `t`'s primary
/// key.
#[tokio::test]
async fn enum_columns_and_references_to_a_primary_key_read_as_postgresql_has_them() {
    let db = TestDb::new("sql_ops_resolve").await;
    let client = connect_to(&db.name).await;
    let script = "CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE TABLE people (code text PRIMARY KEY);
        CREATE TABLE notes (id bigint PRIMARY KEY, mood mood NOT NULL, moods mood[], author text REFERENCES people);";
    client.batch_execute(script).await.unwrap();
    let (model, live) = read_and_live(&client, script).await;
    assert_eq!(shape(&model), shape(&live));
    let fk = |m: &Model| format!("{:?}", m.tables["notes"].constraints.get("notes_author_fkey").map(|c| &c.kind));
    assert_eq!(fk(&model), fk(&live));
    assert!(fk(&model).contains("ref_columns: [\"code\"]"), "{}", fk(&model));
    assert_eq!(format!("{:?}", model.tables["notes"].column("mood").unwrap().ty), "Enum { name: \"mood\" }");
}

/// Sequences written in SQL read into the model as PostgreSQL has them: options, and the sequence a
/// serial column owns; `CREATE SEQUENCE` has a derived down that gives the catalog back.
#[tokio::test]
async fn sequences_read_from_sql_are_the_ones_postgresql_builds() {
    let db = TestDb::new("sql_ops_sequences").await;
    let client = connect_to(&db.name).await;
    let script =
        "CREATE SEQUENCE tickets AS integer INCREMENT BY -2 MINVALUE -1000 MAXVALUE 500 START WITH 400 CACHE 5 CYCLE;
        CREATE TABLE counters (id bigserial PRIMARY KEY, small smallserial, n int);
        CREATE SEQUENCE counter_n OWNED BY counters.n;
        CREATE SEQUENCE gone; DROP SEQUENCE gone;";
    let before = migrate_tests::catalog(&client, "public").await;
    client.batch_execute(script).await.unwrap();
    let (model, live) = read_and_live(&client, script).await;
    assert_eq!(model.sequences, live.sequences);
    assert_eq!(
        model.sequences.keys().map(String::as_str).collect::<Vec<_>>(),
        ["counter_n", "counters_id_seq", "counters_small_seq", "tickets"]
    );
    // A generated column is read as one, with its expression.
    let mut m = Model::default();
    m.apply(
        &Op::Sql {
            up: "CREATE TABLE b (w int, area int GENERATED ALWAYS AS (w * 2) STORED)".into(),
            down: None,
            declares: vec![],
        },
        1,
    );
    let area = m.tables["b"].column("area").unwrap();
    assert_eq!((area.generated.as_deref(), &area.default), (Some("w * 2"), &None));
    // So are an identity column's options.
    m.apply(
        &Op::Sql {
            up: "CREATE TABLE inv (n bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 10 CYCLE))"
                .into(),
            down: None,
            declares: vec![],
        },
        2,
    );
    let n = m.tables["inv"].column("n").unwrap();
    let expected =
        migrate_core::op::IdentityOptions { start: Some(1000), increment: Some(10), cycle: true, ..Default::default() };
    assert_eq!(n.identity_options.as_ref(), Some(&expected));
    // The derived down of the statements (all of them have one) drops what they made.
    let up = "CREATE SEQUENCE tickets2 START 7; CREATE TABLE more (id serial PRIMARY KEY)";
    let down = migrate_core::reverse::reverse_op(&Op::Sql { up: up.into(), down: None, declares: vec![] }).unwrap();
    let mid = migrate_tests::catalog(&client, "public").await;
    client.batch_execute(up).await.unwrap();
    migrate_tests::apply(&client, &down).await.unwrap();
    assert_eq!(migrate_tests::catalog(&client, "public").await, mid);
    assert_ne!(mid, before);
}

/// Partitions, row-level security and policies written in SQL read into the model as PostgreSQL has
/// them (a partition with its parent's columns, a column added to the parent reaching them, an
/// attached and a detached table), and their SQL has a derived down that gives the catalog back.
#[tokio::test]
async fn partitions_and_policies_read_from_sql_are_the_ones_postgresql_builds() {
    let db = TestDb::new("sql_ops_partitions").await;
    let client = connect_to(&db.name).await;
    let script = "CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE events_2026 PARTITION OF events (CONSTRAINT small CHECK (id < 1000000)) FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (id);
        CREATE TABLE events_2026_low PARTITION OF events_2026 FOR VALUES IN (1, 2, 3);
        CREATE TABLE events_rest PARTITION OF events DEFAULT;
        CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL, kind text);
        ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM (MINVALUE) TO ('2026-01-01');
        ALTER TABLE events ADD COLUMN note text DEFAULT 'n';
        ALTER TABLE events ALTER COLUMN kind SET NOT NULL;
        ALTER TABLE events DETACH PARTITION events_rest;
        ALTER TABLE events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY mine ON events AS RESTRICTIVE FOR UPDATE TO root, postgres USING (kind = current_user) WITH CHECK (id > 0);
        CREATE POLICY everyone ON events USING (true);
        CREATE POLICY gone ON events USING (false); DROP POLICY gone ON events;";
    client.batch_execute(script).await.unwrap();
    let (model, live) = read_and_live(&client, script).await;
    assert_eq!(shape(&model), shape(&live));
    for t in ["events", "events_2025", "events_2026", "events_2026_low", "events_rest"] {
        let parts = |m: &Model| {
            let t = &m.tables[t];
            (
                t.partition_by.clone(),
                t.partition_of.as_ref().map(|p| p.parent.clone()),
                t.row_security,
                t.force_row_security,
            )
        };
        assert_eq!(parts(&model), parts(&live), "{t}");
    }
    assert_eq!(model.tables["events_2026"].partition_by.as_deref(), Some("LIST (id)"));
    assert_eq!(model.tables["events_2025"].column("note").map(|c| c.name.as_str()), Some("note"));
    assert!(model.tables["events_rest"].partition_of.is_none());
    assert!(model.tables["events"].row_security && model.tables["events"].force_row_security);
    let policies = |m: &Model| {
        m.tables["events"]
            .policies
            .values()
            .map(|p| {
                (p.name.clone(), p.restrictive, p.command, p.roles.clone(), p.using.is_some(), p.with_check.is_some())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(policies(&model), policies(&live));
    assert_eq!(model.tables["events"].policies.keys().collect::<Vec<_>>(), ["everyone", "mine"]);
    // The derived down of each statement that has one gives the catalog back.
    let fresh = TestDb::new("sql_ops_partitions_down").await;
    let client = connect_to(&fresh.name).await;
    client.batch_execute("CREATE TABLE t (id bigint, at date); CREATE TABLE old (id bigint, at date) ").await.unwrap();
    let before = migrate_tests::catalog(&client, "public").await;
    let up = "CREATE TABLE p (id bigint, at date) PARTITION BY RANGE (at);
        CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        ALTER TABLE p ATTACH PARTITION old FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
        CREATE POLICY p_read ON t FOR SELECT USING (id > 0)";
    derived_down_restores(&client, &before, up).await;
    refused_derived_downs(&[
        "ALTER TABLE p DETACH PARTITION p1",
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        "DROP POLICY p_read ON t",
    ]);
}
