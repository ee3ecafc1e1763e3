//! The one worker pool: work shared over a thread per core, on scoped threads (nothing outlives
//! the call, and work may borrow from the caller). Every parallel loop of spendlens goes through
//! it, so how many threads run, and how they take work, is decided here once.
//!
//! Three shapes cover them:
//! - [`map`]: every item worked on once, the next free worker taking the next item; the results
//!   in the items' order (encoding days, combining shards, writing runs of days);
//! - [`fold`]: each worker folds the items it takes, the next one in turn, into an accumulator of
//!   its own, and finishes it on its own thread (reading transcript files, largest first);
//! - [`runs`]: the items split into consecutive runs, one per worker, each folded in order; the
//!   accumulators in the runs' order (reading a person's days, which must stay in day order).
//!
//! [`join`] runs a job on a thread of its own beside the caller's work. A panic in a worker is a
//! bug: it is raised again on the caller's thread once the other workers stop.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The workers a loop over `items` items gets: one per core, never more than the items, at
/// least one.
pub fn workers_for(items: usize) -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).clamp(1, items.max(1))
}

/// `work` done on every item by at most `most` workers, each taking the next item in turn; the
/// results in the items' order.
pub fn map_with<T: Send, R: Send>(most: usize, items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let workers = workers_for(items.len()).min(most.max(1));
    if workers == 1 {
        return items.into_iter().map(work).collect();
    }
    let slots: Vec<Mutex<(Option<T>, Option<R>)>> = items.into_iter().map(|item| Mutex::new((Some(item), None))).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(slot) = slots.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let item = slot.lock().map(|mut slot| slot.0.take()).unwrap_or(None);
                    if let Some(item) = item {
                        let result = work(item);
                        if let Ok(mut slot) = slot.lock() {
                            slot.1 = Some(result);
                        }
                    }
                }
            });
        }
    });
    slots.into_iter().filter_map(|slot| slot.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).1).collect()
}

/// [`map_with`] on every core.
pub fn map<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    map_with(usize::MAX, items, work)
}

/// Each worker starts an accumulator with `start`, folds into it every item it takes (the next
/// one in turn), and, when no item is left, hands it to `finish` on its own thread; the workers'
/// results (in no particular order).
pub fn fold<T: Sync, A, R: Send>(
    items: &[T],
    start: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &T) + Sync,
    finish: impl Fn(A) -> R + Sync,
) -> Vec<R> {
    let workers = workers_for(items.len());
    let next = AtomicUsize::new(0);
    let work = || {
        let mut accumulator = start();
        while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
            fold(&mut accumulator, item);
        }
        finish(accumulator)
    };
    if workers == 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
        handles.into_iter().map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

/// The items split into consecutive runs, one per worker, each folded in order into an
/// accumulator started with `start`; the accumulators in the runs' order.
pub fn runs<T: Sync, A: Send>(items: &[T], start: impl Fn() -> A + Sync, fold: impl Fn(&mut A, &T) + Sync) -> Vec<A> {
    let per_worker = items.len().div_ceil(workers_for(items.len())).max(1);
    map(items.chunks(per_worker).collect(), |run: &[T]| {
        let mut accumulator = start();
        run.iter().for_each(|item| fold(&mut accumulator, item));
        accumulator
    })
}

/// Runs `background` on a thread of its own while `here` runs on the caller's; both results.
pub fn join<A: Send, B>(background: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let handle = scope.spawn(background);
        let mine = here();
        (handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), mine)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_items_order() {
        let squares = map((0..1000u64).collect(), |n| n * n);
        assert_eq!(squares, (0..1000u64).map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(map_with(1, vec![3, 1, 2], |n| n + 1), vec![4, 2, 3]);
        assert!(map(Vec::<u8>::new(), |n| n).is_empty());
    }

    #[test]
    fn fold_sees_every_item_once() {
        let items: Vec<u64> = (1..=10_000).collect();
        let parts = fold(
            &items,
            || (0u64, 0usize),
            |(sum, count), item| {
                *sum += item;
                *count += 1;
            },
            |part| part,
        );
        assert_eq!(parts.iter().map(|part| part.0).sum::<u64>(), 50_005_000);
        assert_eq!(parts.iter().map(|part| part.1).sum::<usize>(), 10_000);
    }

    #[test]
    fn runs_are_consecutive_and_in_order() {
        let items: Vec<u32> = (0..97).collect();
        let runs = runs(&items, Vec::new, |run: &mut Vec<u32>, item| run.push(*item));
        assert_eq!(runs.concat(), items);
        assert!(runs.iter().all(|run| run.windows(2).all(|pair| pair[0] + 1 == pair[1])));
    }

    #[test]
    fn join_returns_both() {
        let (a, b) = join(|| 1 + 1, || "here");
        assert_eq!((a, b), (2, "here"));
    }
}
