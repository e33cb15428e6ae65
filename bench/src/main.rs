//! The benchmark program. `cargo run --release -p migrate-bench -- all` runs what
//! `docs/benchmarks.md` reports:
//! - `perf [N ...]`: apply (`up` against psql's floor), `status` and peak memory for crates of N
//!   generated migrations (default 500 5000 10000), on a throwaway PostgreSQL cluster on tmpfs;
//! - `plan [N]`: building, linting and planning N migrations in-process (default 10,000);
//! - `compile [N]`: compile time and rustc memory of a crate of N migrations (default 500);
//! - `corpus`: `up` and `status` of the real 285-migration SQL history of `tests/corpus/`, imported,
//!   against psql applying the same files;
//! - `safety [ROWS]`: write stalls of schema changes under load, naive DDL against the safe plan;
//! - `lock [N]`: `up` of N migrations and `up` with nothing pending, `lock = "advisory"` against
//!   `lock = "table"` (default 500).

mod cluster;
mod compile;
mod corpus;
mod load;
mod lock;
mod perf;
mod plan;
mod safety;

// The allocator is migrate-cli's (its default feature `mimalloc`, linked through the `rehearse`
// measurement of `safety`), as in every migrations binary: what `plan` measures in-process is what
// the CLI pays.
use migrate_cli as _;

fn sizes(args: &[String]) -> anyhow::Result<Vec<usize>> {
    let v: Vec<usize> = args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    Ok(if v.is_empty() { vec![500, 5000, 10_000] } else { v })
}

fn main() -> anyhow::Result<()> {
    if let Some(code) = compile::wrapper().or_else(perf::measure_wrapper) {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(|r| r.parse::<usize>()).transpose();
    match args.first().map(String::as_str) {
        Some("safety") => {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(safety::run(arg(1)?.unwrap_or(1_000_000) as i64))
        }
        Some("plan") => plan::run(arg(1)?.unwrap_or(10_000)),
        Some("perf") => perf::run(&cluster::Server::start()?, &sizes(&args[1..])?),
        Some("compile") => compile::run(arg(1)?.unwrap_or(500)),
        Some("lock") => lock::run(&cluster::Server::start()?, arg(1)?.unwrap_or(500)),
        Some("corpus") => corpus::run(&cluster::Server::start()?),
        Some("all") => {
            // Each part in a process of its own, so one part's memory does not stay behind in the next.
            for (title, part) in [
                ("Plan (in-process, no database)", "plan"),
                ("Compile time", "compile"),
                ("Apply, status, peak memory", "perf"),
                ("The imported SQL history", "corpus"),
            ] {
                println!("## {title}\n");
                let status = std::process::Command::new(std::env::current_exe()?).arg(part).status()?;
                anyhow::ensure!(status.success(), "`migrate-bench {part}` failed");
                println!();
            }
            Ok(())
        }
        _ => {
            eprintln!(
                "usage: migrate-bench all | perf [MIGRATIONS ...] | plan [MIGRATIONS] | compile [MIGRATIONS] | corpus | safety [ROWS] | lock [MIGRATIONS]"
            );
            std::process::exit(2);
        }
    }
}
