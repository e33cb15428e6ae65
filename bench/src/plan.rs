//! `cargo run --release -p migrate-bench -- plan [N]`: building, reversing, checksumming, linting and
//! planning (rendering) N migrations of the perf workload's shape in-process, without a database.
//! Prints median, min and max over 5 runs of each phase and of the whole.

use std::time::Instant;

use migrate_core::prelude::*;
use migrate_core::registry::{Down, Migration, checksum};
use migrate_core::schema::mode::ExplicitDown;

use crate::perf::cells;

/// Builds the migrations as the registry does: spread over the cores
/// ([`map_in_order`](migrate_core::parallel::map_in_order) with the registry's threshold).
fn build(n: usize) -> Vec<Migration> {
    migrate_core::parallel::map_in_order((0..n).collect(), 256, |i| {
        let mut s = Schema::<ExplicitDown>::in_mode();
        let table = format!("t{i}");
        s.create_table(&table, |t| {
            t.uuid("id").primary_key().default(gen_random_uuid());
            t.text("name").not_null().unique();
            t.timestamptz("created_at").not_null().default(now());
        });
        s.create_index(&table, [col("created_at")]);
        if i % 5 == 4 {
            s.alter_table(&format!("t{}", i / 2), |t| {
                t.text(&format!("extra_{i}"));
            });
        }
        let up = s.finish().expect("valid ops");
        let down = Down::Derived(migrate_core::reverse::reverse_ops(&up).expect("reversible"));
        assemble(20240101000000 + i as u64, format!("create_t{i}"), up, down)
    })
}

/// A migration of the benchmark's own (no file), in one transaction, with its checksum.
pub(crate) fn assemble(version: u64, name: String, up: Vec<migrate_core::op::Op>, down: Down) -> Migration {
    Migration {
        version,
        name,
        checksum: checksum(&up, &down, true),
        up,
        down,
        transaction: true,
        checksum_format: 1,
        legacy_checksum: None,
        squashes: vec![],
        file: "generated",
        line: 1,
        acks: vec![],
        original: None,
        source: None,
    }
}

pub fn run(n: usize) -> anyhow::Result<()> {
    let (mut builds, mut lints, mut plans, mut totals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let start = Instant::now();
        let migrations = build(n);
        builds.push(start.elapsed());
        let t = Instant::now();
        let findings = migrate_core::lint::lint(&migrations, &migrate_core::lint::LintConfig::default());
        lints.push(t.elapsed());
        anyhow::ensure!(findings.is_empty(), "the workload should lint clean: {findings:?}");
        let t = Instant::now();
        let versions: Vec<u64> = migrations.iter().map(|m| m.version).collect();
        let runner = migrate_core::runner::Migrator::new(migrations);
        let planned = runner.plans_for(&versions)?;
        plans.push(t.elapsed());
        totals.push(start.elapsed());
        anyhow::ensure!(planned.len() == n);
        // Freeing the migrations and their plans is not planning: it happens here, untimed.
        drop((planned, runner));
    }
    println!("| {n} migrations, 5 runs | median | min | max |");
    println!("|---|---|---|---|");
    println!("| build ops + derive downs + checksums | {} |", cells(builds, 1));
    println!("| lint (schema model replay + rules) | {} |", cells(lints, 1));
    println!("| plan (safe plan + render SQL, up and down) | {} |", cells(plans, 1));
    println!("| total | {} |", cells(totals, 1));
    Ok(())
}
