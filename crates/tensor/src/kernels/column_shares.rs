//! How the columns of a product split over threads are shared out.
//!
//! For the packed GEMM with A packed whole, and for the AVX2 strip kernel
//! going through a large B in passes for many rows of a row-major A
//! ([`ColumnShares::in_units`]), each thread starts on its own stretch of
//! columns and takes units from its front, large ones first and smaller ones
//! as the stretch runs down; a
//! thread whose stretch is done takes units from the back of the stretch
//! with the most left. Why not a fixed share each: on a shared machine one
//! core is often slower than the other for a while (another tenant on it).
//! With the columns of a 100×1000×1000 product cut in two fixed halves, one
//! of two threads idled for 14–22 % of the product on average; taking units
//! (a quarter of what was left, then: see [`unit_width`] for today's), for
//! 3 % (an Intel Xeon, family 6 model 207, 400 products in a row). The AVX2
//! strip kernel's passes, in fixed halves, ran MM100 held to AVX2 at two
//! threads at 1.5× its one-thread rate on that Xeon; in units, 5–54 % faster
//! than in halves in each of four alternating rounds of `GRADLAB_ISA=avx2
//! experiments bench MM100 --matmul-threads 2` (W2: −3 to +16 %).
//!
//! A thread knows the unit it will most likely take next (the next one of its
//! stretch), so the kernels bring its first block of B into cache while they
//! finish the current one ([`Claim::then`]). Every unit starts at a multiple
//! of [`ALIGN`] columns, a strip of the packed GEMM, so each column of C is
//! computed the same way whichever thread takes it: the result does not
//! depend on timing, nor on the thread count.
//!
//! Everywhere else ([`ColumnShares::in_stretches`]) each thread takes its own
//! stretch whole (equal widths; those kernels compute a column the same
//! wherever it starts): the streaming kernels for few rows read long runs of
//! each row of B, which units would cut short, and the other GEMMs
//! (matrixmultiply's, the packed one with an A too large to keep packed, the
//! strip kernel on an A it gathers row-major first) would pack A again for
//! every unit.

use std::ops::Range;
use std::sync::Mutex;

use smallvec::SmallVec;

/// Columns a unit starts on a multiple of, and the fewest it holds (but at
/// the end of a stretch).
pub(crate) const ALIGN: usize = 32;

/// The columns `0..n` of one product, shared out among `threads` threads.
pub(crate) struct ColumnShares {
    /// Each thread's stretch: the columns not taken yet, `start..end`.
    stretches: SmallVec<[Mutex<Range<usize>>; 4]>,
    /// Whether units are taken ([`ColumnShares::in_units`]) rather than
    /// whole stretches ([`ColumnShares::in_stretches`]).
    units: bool,
}

/// Columns a thread has taken, and those it will likely take next.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Claim {
    /// The unit taken: this thread computes these columns.
    pub(crate) columns: Range<usize>,
    /// The unit this thread would take next if no other thread took it first
    /// (for prefetching only).
    pub(crate) then: Option<Range<usize>>,
}

impl ColumnShares {
    /// Columns `0..n` for `threads` threads (at least one), taken in units
    /// as the module docs describe: for the packed GEMM, which packs A once
    /// per thread however many units it takes.
    pub(crate) fn in_units(n: usize, threads: usize) -> Self {
        // Stretches of nearly equal width, cut at multiples of ALIGN.
        let threads = threads.max(1);
        Self::cut(threads, |t| if t == threads { n } else { t * n / threads / ALIGN * ALIGN }, true)
    }

    /// Columns `0..n` for `threads` threads (at least one), each taking its
    /// own stretch whole and nothing else: for the streaming kernels, which
    /// read long runs of each row of B (taking units, 10×1000×1000 on two
    /// threads took twice as long), and GEMMs that would pack A per unit.
    pub(crate) fn in_stretches(n: usize, threads: usize) -> Self {
        // Stretches of equal width but the last: these kernels compute a column
        // the same wherever it starts, and balance needs every column here.
        let threads = threads.max(1);
        Self::cut(threads, |t| (t * n.div_ceil(threads)).min(n), false)
    }

    /// Stretch t is `cut(t)..cut(t + 1)`.
    fn cut(threads: usize, cut: impl Fn(usize) -> usize, units: bool) -> Self {
        ColumnShares { stretches: (0..threads).map(|t| Mutex::new(cut(t)..cut(t + 1))).collect(), units }
    }

    /// The next unit for `thread`: from the front of its own stretch, or
    /// when that is done (taking units) from the back of the stretch with
    /// the most columns left; None when there is nothing left to take.
    pub(crate) fn claim(&self, thread: usize) -> Option<Claim> {
        self.take_front(thread).or_else(|| if self.units { self.take_back_of_longest(thread) } else { None })
    }

    fn take_front(&self, thread: usize) -> Option<Claim> {
        let mut stretch = lock(&self.stretches[thread]);
        if stretch.is_empty() {
            return None;
        }
        let front =
            |stretch: &Range<usize>, width: usize| stretch.start..(stretch.start + width).min(stretch.end);
        let columns = front(&stretch, if self.units { unit_width(stretch.len()) } else { stretch.len() });
        stretch.start = columns.end;
        let then = (!stretch.is_empty()).then(|| front(&stretch, unit_width(stretch.len())));
        Some(Claim { columns, then })
    }

    fn take_back_of_longest(&self, thread: usize) -> Option<Claim> {
        // Which stretch has the most left may change before it is locked again:
        // taking from another than the longest costs only balance, never columns.
        let longest = (0..self.stretches.len())
            .filter(|&t| t != thread)
            .max_by_key(|&t| lock(&self.stretches[t]).len())?;
        let mut stretch = lock(&self.stretches[longest]);
        if stretch.is_empty() {
            return None;
        }
        let columns = back_start(&stretch)..stretch.end;
        stretch.end = columns.start;
        let then = (!stretch.is_empty()).then(|| back_start(&stretch)..stretch.end);
        Some(Claim { columns, then })
    }
}

/// Locks a stretch. Nothing panics while one is locked, so a poisoned lock
/// still holds a consistent range.
fn lock(stretch: &Mutex<Range<usize>>) -> std::sync::MutexGuard<'_, Range<usize>> {
    stretch.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How wide a unit is, taken from a stretch with `left` columns: half of
/// them, rounded down to [`ALIGN`], at least 2·ALIGN (few units while much is
/// left, small ones at the end, where they even out the threads' finish).
/// Not narrower: the packed GEMM's register blocks reuse their packed A for
/// every strip of a unit, so a unit of one strip reads A from L2 for every
/// step. With a quarter and at least ALIGN (a 100×1000×1000 product's
/// stretch of 480 columns went in units of 96, 96, 64 and seven of 32), W2
/// at two threads ran 5 % slower (on an Intel Xeon, family 6 model 207, in six
/// alternating runs of `experiments bench W2 --matmul-threads 2`; MM100 level).
fn unit_width(left: usize) -> usize {
    (left / 2 / ALIGN * ALIGN).max(2 * ALIGN)
}

/// Where a unit taken from the back of `stretch` starts: a multiple of
/// [`ALIGN`] (as the stretch's start is), about [`unit_width`] from its end.
fn back_start(stretch: &Range<usize>) -> usize {
    (stretch.end.saturating_sub(unit_width(stretch.len())) / ALIGN * ALIGN).max(stretch.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes every unit, threads in turn as `order` says (thread indices,
    /// repeated), and returns each thread's claims.
    fn share_out(shares: ColumnShares, threads: usize, order: &[usize]) -> Vec<Vec<Claim>> {
        let mut taken = vec![Vec::new(); threads];
        let mut done = vec![false; threads];
        for &t in order.iter().cycle() {
            if done.iter().all(|&d| d) {
                break;
            }
            match shares.claim(t) {
                Some(claim) => taken[t].push(claim),
                None => done[t] = true,
            }
        }
        taken
    }

    #[test]
    fn every_column_is_taken_once_in_units_starting_on_a_strip() {
        for n in [1, 31, 32, 33, 100, 500, 1000, 1024, 4097] {
            for threads in 1..=4 {
                // Even turns, and one thread much faster than the others.
                for order in [vec![0, 1, 2, 3], vec![0, 0, 0, 0, 0, 1, 2, 3]] {
                    let order: Vec<_> = order.into_iter().filter(|&t| t < threads).collect();
                    let mut units: Vec<_> =
                        share_out(ColumnShares::in_units(n, threads), threads, &order).concat();
                    units.sort_by_key(|claim| claim.columns.start);
                    assert_eq!(units.first().map(|u| u.columns.start), Some(0), "n {n}, {threads} threads");
                    assert!(
                        units.windows(2).all(|w| w[0].columns.end == w[1].columns.start),
                        "n {n}: {units:?}"
                    );
                    assert_eq!(units.last().map(|u| u.columns.end), Some(n), "n {n}, {threads} threads");
                    assert!(units.iter().all(|u| !u.columns.is_empty() && u.columns.start % ALIGN == 0));
                }
            }
        }
    }

    #[test]
    fn a_faster_thread_takes_more_and_says_what_comes_next() {
        // Thread 0 claims four times for each claim of thread 1.
        let taken = share_out(ColumnShares::in_units(1000, 2), 2, &[0, 0, 0, 0, 1]);
        let width = |claims: &[Claim]| claims.iter().map(|c| c.columns.len()).sum::<usize>();
        assert!(width(&taken[0]) > 600, "thread 0 took {} of 1000 columns", width(&taken[0]));
        // Its first units come from the front of its own stretch (0..480: 1000 / 2
        // rounded down to 32), each half of what is left, rounded down to 32,
        // at least 64.
        let first: Vec<_> = taken[0].iter().take(4).map(|c| c.columns.clone()).collect();
        assert_eq!(first, [0..224, 224..352, 352..416, 416..480]);
        // Each `then` is the unit the thread took next, while it had its own.
        assert_eq!(taken[0][0].then, Some(224..352));
        assert_eq!(taken[0][1].then, Some(352..416));
        // Thread 1 started on the rest; thread 0 then took from its back.
        assert_eq!(taken[1][0].columns, 480..736);
        let stolen =
            taken[0].iter().find(|c| c.columns.start >= 480).expect("thread 0 took from thread 1's stretch");
        assert_eq!(stolen.columns.end, 1000);
    }

    #[test]
    fn in_stretches_each_thread_takes_its_own_stretch_whole() {
        for (n, threads) in [(1000, 2), (1000, 3), (64, 2), (100, 4)] {
            let order: Vec<_> = [0, 0, 0, 1, 2, 3].into_iter().filter(|&t| t < threads).collect();
            let taken = share_out(ColumnShares::in_stretches(n, threads), threads, &order);
            let cut = |t: usize| (t * n.div_ceil(threads)).min(n);
            for (t, claims) in taken.iter().enumerate() {
                let columns: Vec<_> = claims.iter().map(|c| c.columns.clone()).collect();
                let expected: Vec<Range<usize>> =
                    (cut(t) < cut(t + 1)).then(|| cut(t)..cut(t + 1)).into_iter().collect();
                assert_eq!(columns, expected, "n {n}, thread {t} of {threads}");
            }
        }
    }
}
