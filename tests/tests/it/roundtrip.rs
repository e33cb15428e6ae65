//! Property test: random sequences of reversible ops on random, hostile identifiers; applying them
//! and then their derived down gives back exactly the catalog before; applying them again gives
//! exactly the catalog after.

use migrate_core::prelude::*;
use migrate_core::reverse::reverse_ops;
use migrate_core::types::SqlType;
use migrate_tests::{TestDb, apply, catalog};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Pieces of identifiers chosen to break naive quoting: quotes, spaces, reserved words, Unicode.
const PIECES: &[&str] = &[
    "a", "Users", "select", "table", "\"", "'", " ", "é", "名前", "x-y", ";", "$1", "--", "\\", "ß", "Ünï", "order",
    "😀",
];

fn ident() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..5).prop_map(|parts| parts.concat())
}

#[derive(Debug, Clone)]
enum Step {
    CreateTable { name: String, columns: Vec<(String, u8)> },
    AddColumn { table: usize, name: String, ty: u8, not_null_default: bool },
    RenameColumn { table: usize, column: usize, to: String },
    RenameTable { table: usize, to: String },
    CreateIndex { table: usize, column: usize, unique: bool },
    AddCheck { table: usize, name: String },
    SetDefault { table: usize, column: usize },
    SetNotNull { table: usize, column: usize },
    Comment { table: usize, text: String },
    CreateEnum { name: String, values: Vec<String> },
    RenameEnumValue { which: usize, to: String },
    ChangeType { table: usize, column: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let idx = || 0usize..8;
    prop_oneof![
        (ident(), prop::collection::vec((ident(), 0u8..4), 1..4))
            .prop_map(|(name, columns)| Step::CreateTable { name, columns }),
        (idx(), ident(), 0u8..4, any::<bool>()).prop_map(|(table, name, ty, not_null_default)| Step::AddColumn {
            table,
            name,
            ty,
            not_null_default
        }),
        (idx(), idx(), ident()).prop_map(|(table, column, to)| Step::RenameColumn { table, column, to }),
        (idx(), ident()).prop_map(|(table, to)| Step::RenameTable { table, to }),
        (idx(), idx(), any::<bool>()).prop_map(|(table, column, unique)| Step::CreateIndex { table, column, unique }),
        (idx(), ident()).prop_map(|(table, name)| Step::AddCheck { table, name }),
        (idx(), idx()).prop_map(|(table, column)| Step::SetDefault { table, column }),
        (idx(), idx()).prop_map(|(table, column)| Step::SetNotNull { table, column }),
        (idx(), ident()).prop_map(|(table, text)| Step::Comment { table, text }),
        (ident(), prop::collection::vec(ident(), 1..4)).prop_map(|(name, values)| Step::CreateEnum { name, values }),
        (idx(), ident()).prop_map(|(which, to)| Step::RenameEnumValue { which, to }),
        (idx(), idx()).prop_map(|(table, column)| Step::ChangeType { table, column }),
    ]
}

/// A column type as a type marker, for changes chosen at run time.
struct Raw(migrate_core::op::ColumnType);

impl SqlType for Raw {
    fn column_type(&self) -> migrate_core::op::ColumnType {
        self.0.clone()
    }
}

// The changes chosen below each keep every value of the short values generated.
impl migrate_core::types::ChangeTo<Raw> for Raw {
    type Values = migrate_core::types::Kept;
}

/// Column kinds: 0 text, 1 integer, 2 boolean, 3 bigint.
struct Table {
    name: String,
    columns: Vec<(String, u8)>,
}

/// Turns abstract steps into builder calls on a model, so every op is valid; names get a unique
/// numeric suffix, which keeps them distinct without making them tame.
fn build(steps: &[Step]) -> Vec<migrate_core::op::Op> {
    let mut s = Schema::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut enums: Vec<(String, Vec<String>)> = Vec::new();
    let mut n = 0;
    let mut fresh = |base: &str| {
        n += 1;
        format!("{base}{n}")
    };
    for step in steps {
        match step.clone() {
            Step::CreateTable { name, columns } => {
                let name = fresh(&name);
                let columns: Vec<(String, u8)> = columns.into_iter().map(|(c, ty)| (fresh(&c), ty)).collect();
                s.create_table(&name, |t| {
                    for (c, ty) in &columns {
                        match ty {
                            0 => {
                                t.text(c);
                            }
                            1 => {
                                t.integer(c);
                            }
                            2 => {
                                t.boolean(c);
                            }
                            _ => {
                                t.bigint(c);
                            }
                        }
                    }
                });
                tables.push(Table { name, columns });
            }
            _ if tables.is_empty() => {}
            Step::AddColumn { table, name, ty, not_null_default } => {
                let len = tables.len();
                let t = &mut tables[table % len];
                let c = fresh(&name);
                s.alter_table(&t.name, |a| match (ty, not_null_default) {
                    (0, true) => {
                        a.text(&c).not_null().default("d'v");
                    }
                    (0, false) => {
                        a.text(&c);
                    }
                    (1, true) => {
                        a.integer(&c).not_null().default(7);
                    }
                    (1, false) => {
                        a.integer(&c).unique();
                    }
                    (2, d) => {
                        a.boolean(&c).default(d);
                    }
                    (_, _) => {
                        a.bigint(&c).check(format!("{} > 0", migrate_core::ident::quote_ident(&c)));
                    }
                });
                t.columns.push((c, ty));
            }
            Step::RenameColumn { table, column, to } => {
                let len = tables.len();
                let t = &mut tables[table % len];
                let col = column % t.columns.len();
                let to = fresh(&to);
                s.alter_table(&t.name, |a| a.rename_column(&t.columns[col].0, &to));
                t.columns[col].0 = to;
            }
            Step::RenameTable { table, to } => {
                let i = table % tables.len();
                let to = fresh(&to);
                s.rename_table(&tables[i].name, &to);
                tables[i].name = to;
            }
            Step::CreateIndex { table, column, unique } => {
                let t = &tables[table % tables.len()];
                let col = &t.columns[column % t.columns.len()].0;
                let name = fresh("ix");
                let b = s.create_index(&t.name, [col.as_str()]).name(&name);
                if unique {
                    b.unique();
                }
            }
            Step::AddCheck { table, name } => {
                let t = &tables[table % tables.len()];
                let col = migrate_core::ident::quote_ident(&t.columns[0].0);
                let name = fresh(&name);
                s.alter_table(&t.name, |a| {
                    a.add_check(&name, format!("{col} IS NOT NULL OR true")).not_valid();
                });
            }
            Step::SetDefault { table, column } => {
                let t = &tables[table % tables.len()];
                let (col, ty) = &t.columns[column % t.columns.len()];
                s.alter_table(&t.name, |a| match ty {
                    0 => {
                        a.set_default(col, Text, "x");
                    }
                    1 => {
                        a.set_default(col, Integer, 1);
                    }
                    2 => {
                        a.set_default(col, Boolean, true);
                    }
                    _ => {
                        a.set_default(col, BigInt, sql("42"));
                    }
                });
            }
            Step::SetNotNull { table, column } => {
                let t = &tables[table % tables.len()];
                let col = &t.columns[column % t.columns.len()].0;
                s.alter_table(&t.name, |a| a.set_not_null(col));
            }
            Step::Comment { table, text } => {
                let t = &tables[table % tables.len()];
                s.alter_table(&t.name, |a| {
                    a.comment(text);
                });
            }
            Step::CreateEnum { name, values } => {
                let name = fresh(&name);
                let values: Vec<String> = values.iter().map(|v| fresh(v)).collect();
                s.create_enum(&name, values.iter().map(String::as_str));
                enums.push((name, values));
            }
            Step::RenameEnumValue { which, to } => {
                if enums.is_empty() {
                    continue;
                }
                let i = which % enums.len();
                let to = fresh(&to);
                let (name, values) = &mut enums[i];
                s.rename_enum_value(name, &values[0], &to);
                values[0] = to;
            }
            Step::ChangeType { table, column } => {
                let len = tables.len();
                let t = &mut tables[table % len];
                let col = column % t.columns.len();
                let (name, ty) = t.columns[col].clone();
                // integer <-> bigint and text -> varchar are the changes that keep every value.
                let (from, to) = match ty {
                    1 => (Integer.column_type(), BigInt.column_type()),
                    3 => (BigInt.column_type(), Numeric::any().column_type()),
                    0 => (Text.column_type(), Varchar(500).column_type()),
                    _ => continue,
                };
                s.alter_table(&t.name, |a| {
                    a.change_type(&name, Raw(from), Raw(to));
                });
                t.columns[col].1 = 9; // changed: not changed again
            }
        }
    }
    s.finish().expect("the model only builds valid ops")
}

#[test]
fn derived_downs_restore_the_catalog() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = rt.block_on(TestDb::new("roundtrip"));
    let cases: u32 = std::env::var("MIGRATE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let case = std::cell::Cell::new(0u32);
    let result = runner.run(&prop::collection::vec(step(), 1..14), |steps| {
        case.set(case.get() + 1);
        let ops = build(&steps);
        let down = reverse_ops(&ops).expect("every op here is reversible");
        let schema = format!("p{}", case.get());
        rt.block_on(async {
            let c = &db.client;
            c.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path TO {schema}")).await.unwrap();
            let before = catalog(c, &schema).await;
            apply(c, &ops).await.map_err(|e| TestCaseError::fail(format!("up: {e}")))?;
            let after = catalog(c, &schema).await;
            apply(c, &down).await.map_err(|e| TestCaseError::fail(format!("down: {e}")))?;
            let restored = catalog(c, &schema).await;
            prop_assert_eq!(&restored, &before, "the derived down did not restore the catalog");
            apply(c, &ops).await.map_err(|e| TestCaseError::fail(format!("up again: {e}")))?;
            prop_assert_eq!(&catalog(c, &schema).await, &after, "up after down differs");
            c.batch_execute(&format!("RESET search_path; DROP SCHEMA {schema} CASCADE")).await.unwrap();
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
