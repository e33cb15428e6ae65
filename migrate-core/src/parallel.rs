//! Spreading independent work over the machine's cores.

/// `items.map(f)`, in order, split into one chunk per core (at most 8) when there are at least
/// `min_items`; on one thread otherwise. A panic in `f` goes on in the calling thread, as it would
/// without threads.
///
/// ```
/// let squares = migrate_core::parallel::map_in_order((0..1000u64).collect(), 256, |i| i * i);
/// assert_eq!(squares[999], 999 * 999);
/// ```
pub fn map_in_order<T: Send, R: Send>(items: Vec<T>, min_items: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || items.len() < min_items.max(2) {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut rest = items.into_iter();
    loop {
        let chunk: Vec<T> = rest.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.into_iter().map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}
