//! `lock [N]`: what the lease table costs against the advisory lock: `up` of N generated migrations
//! on a fresh database, then `up` with nothing pending, under `lock = "advisory"` and
//! `lock = "table"`, alternating run by run on the same server (a session not proven direct takes the
//! lease: this is what a false "not direct" costs).

use anyhow::Result;

use crate::cluster::Server;
use crate::perf::{binary, fresh_db, gen_dir, row, run_bin_in, stats};

/// Alternating pairs of runs.
const PAIRS: usize = 9;

pub fn run(server: &Server, n: usize) -> Result<()> {
    let bin = binary(n)?;
    let dir = gen_dir(n);
    let name = format!("migrate_lock_{}", std::process::id());
    let url = server.url(&name);
    let log = dir.join("last-run.log");
    let configs: Vec<(&str, std::path::PathBuf)> = ["advisory", "table"]
        .into_iter()
        .map(|lock| {
            let folder = dir.join(format!("lock-{lock}"));
            std::fs::create_dir_all(&folder)?;
            std::fs::write(folder.join("migrate.toml"), format!("lock = \"{lock}\"\n"))?;
            Ok((lock, folder))
        })
        .collect::<Result<_>>()?;
    let (mut apply, mut idle) = (vec![vec![]; 2], vec![vec![]; 2]);
    for i in 0..PAIRS {
        eprintln!("lock, {n} migrations: pair {}/{PAIRS}", i + 1);
        // Alternate which goes first, so drift on a noisy machine hits both alike.
        let order: [usize; 2] = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let (_, folder) = &configs[k];
            fresh_db(server, &name)?;
            apply[k].push(run_bin_in(&bin, folder, &url, &["up"], &log)?.took);
            idle[k].push(run_bin_in(&bin, folder, &url, &["up"], &log)?.took);
        }
    }
    crate::perf::psql(&server.admin_url, &["-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])?;
    println!("Server: {}.\n", server.description);
    println!("| {PAIRS} runs each, alternating | median | min | max | ratio to advisory |");
    println!("|---|---|---|---|---|");
    for (what, runs) in [("`up`, {n} migrations", &apply), ("`up`, nothing pending", &idle)] {
        let what = what.replace("{n}", &n.to_string());
        let advisory = stats(runs[0].clone()).0;
        println!("{}", row(&format!("{what}, lock = advisory"), runs[0].clone(), None));
        println!("{}", row(&format!("{what}, lock = table"), runs[1].clone(), Some(advisory)));
    }
    Ok(())
}
