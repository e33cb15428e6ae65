//! A steady write load: writers updating random rows one at a time, each write timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

/// One write: when it started and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Write {
    pub start: Instant,
    pub took: Duration,
}

/// Writers running until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    writes: Arc<Mutex<Vec<Write>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

pub async fn connect(url: &str) -> anyhow::Result<Client> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

impl Load {
    /// Starts `writers` connections, each updating one random row of `events` after another.
    pub async fn start(url: &str, writers: usize, rows: i64) -> anyhow::Result<Load> {
        let stop = Arc::new(AtomicBool::new(false));
        let writes = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for w in 0..writers {
            let client = connect(url).await?;
            let stop = stop.clone();
            let writes = writes.clone();
            tasks.push(tokio::spawn(async move {
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1);
                let stmt = client.prepare("UPDATE events SET hits = hits + 1 WHERE id = $1").await.unwrap();
                while !stop.load(Ordering::Relaxed) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let id = (x % rows as u64) as i64 + 1;
                    let start = Instant::now();
                    if client.execute(&stmt, &[&id]).await.is_err() {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                    writes.lock().await.push(Write { start, took: start.elapsed() });
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }));
        }
        Ok(Load { stop, writes, tasks })
    }

    /// Stops the writers and returns every write.
    pub async fn stop(self) -> Vec<Write> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = t.await;
        }
        std::mem::take(&mut *self.writes.lock().await)
    }
}

/// The longest write that overlapped the window, and the writes slower than 1 s in it.
pub fn stalls(writes: &[Write], from: Instant, to: Instant) -> (Duration, usize) {
    let overlapping = writes.iter().filter(|w| w.start <= to && w.start + w.took >= from);
    let mut longest = Duration::ZERO;
    let mut slow = 0;
    for w in overlapping {
        longest = longest.max(w.took);
        if w.took > Duration::from_secs(1) {
            slow += 1;
        }
    }
    (longest, slow)
}
