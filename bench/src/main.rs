//! `cargo run --release -p migrate-bench -- safety [ROWS]`: for each schema change, the longest write
//! stall and the writes slower than 1 s while it runs, once as naive DDL and once through the
//! framework's default (safe) plan, on a table of ROWS rows (default 1,000,000) under a steady write
//! load. Prints a Markdown table.
//!
//! The server comes from `BENCH_DATABASE_URL` (default: the local PostgreSQL as `postgres`); the
//! benchmark creates and drops its own database.

mod load;
mod perf;
mod plan;
mod safety;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    match args.first().map(String::as_str) {
        Some("safety") => {
            let rows = args.get(1).map(|r| r.parse()).transpose()?.unwrap_or(1_000_000);
            runtime.block_on(safety::run(rows))
        }
        Some("plan") => plan::run(args.get(1).map(|r| r.parse()).transpose()?.unwrap_or(10_000)),
        Some("perf") => perf::run(args.get(1).map(|r| r.parse()).transpose()?.unwrap_or(500)),
        _ => {
            eprintln!("usage: migrate-bench safety [ROWS] | perf [MIGRATIONS] | plan [MIGRATIONS]");
            std::process::exit(2);
        }
    }
}
