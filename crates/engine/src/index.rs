//! Certified short lists for maximum-information search.
//!
//! The θ range is cut into intervals. For an interval J = [lo, hi] and an item i, the item's
//! information is unimodal in θ (it peaks at θ*_i), so on J it lies between
//! m_i = min(I_i(lo), I_i(hi)) and U_i = I_i(clamp(θ*_i, lo, hi)). Let L_J be the `depth`-th
//! largest m_i: whatever `depth − 1` items are excluded, some remaining item is worth at least
//! L_J anywhere on J, so an item with U_i < L_J can never be the best. The interval's short list
//! holds the items with U_i ≥ L_J sorted by U_i, and `rest` bounds the U of every item left out.
//!
//! A search walks the list in order, evaluates the eligible items and stops as soon as the next
//! bound falls below the k-th best value found: every item not evaluated is then provably worse.
//! If the list runs out first, the result is certified only when the k-th best beats `rest`;
//! otherwise (many items excluded by constraints) the search falls back to a full scan. Either
//! way the result is exactly that of a full scan over the eligible items.
//!
//! Lists are built lazily, per interval, by whichever thread first needs them; building walks the
//! items in decreasing order of their peak information and stops once a peak falls below the
//! current L_J, so a large bank costs only its competitive items.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::OnceLock;

use crate::itemset::ItemSet;

/// Relative slack on the bounds, far above rounding error.
const SLACK: f64 = 1e-9;

/// A finite bound, totally ordered for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound(f64);

impl Eq for Bound {}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Debug)]
struct ShortList {
    /// (upper bound on the interval, item), decreasing bound.
    entries: Vec<(f64, u32)>,
    /// An upper bound on the information on the interval of every item not listed.
    rest: f64,
}

/// Per-interval short lists over an [`ItemSet`].
#[derive(Debug)]
pub struct InfoIndex {
    lo: f64,
    width: f64,
    depth: usize,
    /// Items by decreasing peak information.
    by_peak: Vec<u32>,
    lists: Vec<OnceLock<ShortList>>,
}

/// An item and its information at the θ searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// The item's position in its set.
    pub item: u32,
    /// Its Fisher information at θ.
    pub information: f64,
}

fn desc(x: &Ranked, y: &Ranked) -> Ordering {
    y.information.total_cmp(&x.information).then(x.item.cmp(&y.item))
}

impl InfoIndex {
    /// An index of `set` on [lo, hi] cut into intervals of `width`, certified against up to
    /// `depth − 1` excluded items before it may need a full scan.
    pub fn new(set: &ItemSet, lo: f64, hi: f64, width: f64, depth: usize) -> Self {
        let count = (((hi - lo) / width).ceil() as usize).max(1);
        let mut by_peak: Vec<u32> = (0..set.len() as u32).collect();
        by_peak.sort_by(|&x, &y| {
            set.peak(y as usize)
                .1
                .total_cmp(&set.peak(x as usize).1)
                .then(x.cmp(&y))
        });
        Self {
            lo,
            width,
            depth: depth.max(1),
            by_peak,
            lists: (0..count).map(|_| OnceLock::new()).collect(),
        }
    }

    fn interval(&self, theta: f64) -> Option<usize> {
        let x = (theta - self.lo) / self.width;
        if x.is_nan() || x < 0.0 {
            return None;
        }
        let j = x as usize;
        let n = self.lists.len();
        if j < n {
            Some(j)
        } else if x <= n as f64 + 1e-12 {
            Some(n - 1)
        } else {
            None
        }
    }

    fn build(&self, set: &ItemSet, j: usize) -> ShortList {
        let lo = self.lo + self.width * j as f64;
        let hi = lo + self.width;
        // the `depth` largest lower bounds, in a min-heap (its top is L_J once full)
        let mut top: BinaryHeap<Reverse<Bound>> = BinaryHeap::with_capacity(self.depth + 1);
        let mut cands: Vec<(f64, u32)> = Vec::new();
        let mut rest: f64 = -1.0;
        let threshold = |top: &BinaryHeap<Reverse<Bound>>| {
            if top.len() == self.depth {
                top.peek().map_or(f64::NEG_INFINITY, |r| r.0.0)
            } else {
                f64::NEG_INFINITY
            }
        };
        for &i in &self.by_peak {
            let (tstar, imax) = set.peak(i as usize);
            let imax_up = imax * (1.0 + SLACK);
            if imax_up < threshold(&top) {
                rest = rest.max(imax_up);
                break;
            }
            let (ilo, ihi) = (set.information(i as usize, lo), set.information(i as usize, hi));
            let m = ilo.min(ihi) * (1.0 - SLACK);
            let u = if (lo..=hi).contains(&tstar) {
                imax_up
            } else {
                ilo.max(ihi) * (1.0 + SLACK)
            };
            if top.len() < self.depth {
                top.push(Reverse(Bound(m)));
            } else if top.peek().is_some_and(|r| m > r.0.0) {
                top.pop();
                top.push(Reverse(Bound(m)));
            }
            cands.push((u, i));
        }
        let bound_l = threshold(&top);
        let mut entries = Vec::with_capacity(cands.len());
        for (u, i) in cands {
            if u >= bound_l {
                entries.push((u, i));
            } else {
                rest = rest.max(u);
            }
        }
        entries.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        ShortList { entries, rest }
    }

    /// Length of the short list of the interval holding θ (diagnostics and benchmarks).
    pub fn list_len(&self, set: &ItemSet, theta: f64) -> Option<usize> {
        let j = self.interval(theta)?;
        Some(self.lists[j].get_or_init(|| self.build(set, j)).entries.len())
    }
}

/// Inserts `r` into `out` (sorted by decreasing information) keeping every item whose
/// information is at least the k-th largest; returns the current k-th largest (−∞ if fewer).
#[inline]
fn push_top(out: &mut Vec<Ranked>, r: Ranked, k: usize) -> f64 {
    let pos = out.partition_point(|x| desc(x, &r) == Ordering::Less);
    out.insert(pos, r);
    if out.len() > k {
        let kth = out[k - 1].information;
        while out.last().is_some_and(|x| x.information < kth) {
            out.pop();
        }
    }
    if out.len() >= k {
        out[k - 1].information
    } else {
        f64::NEG_INFINITY
    }
}

/// Every eligible item whose information at θ is at least the k-th largest among eligible items
/// (ties at the boundary included), sorted by decreasing information then by position. Uses the
/// index's certified short list when it can, a full scan otherwise; the result is the same.
pub fn top_k(
    set: &ItemSet,
    index: Option<&InfoIndex>,
    theta: f64,
    k: usize,
    eligible: impl Fn(usize) -> bool,
    out: &mut Vec<Ranked>,
) {
    let k = k.max(1);
    out.clear();
    if let Some(ix) = index
        && let Some(j) = ix.interval(theta)
    {
        let list = ix.lists[j].get_or_init(|| ix.build(set, j));
        let mut kth = f64::NEG_INFINITY;
        let mut certified = false;
        for &(u, i) in &list.entries {
            if u < kth {
                certified = true;
                break;
            }
            if !eligible(i as usize) {
                continue;
            }
            let v = set.information(i as usize, theta);
            if v >= kth {
                kth = push_top(
                    out,
                    Ranked {
                        item: i,
                        information: v,
                    },
                    k,
                );
            }
        }
        if certified || (out.len() >= k && kth > list.rest) {
            return;
        }
        out.clear();
    }
    full_scan(set, theta, k, eligible, out);
}

/// The full-scan version of [`top_k`], used as its fallback and as its test oracle.
pub fn full_scan(
    set: &ItemSet,
    theta: f64,
    k: usize,
    eligible: impl Fn(usize) -> bool,
    out: &mut Vec<Ranked>,
) {
    let k = k.max(1);
    out.clear();
    let mut kth = f64::NEG_INFINITY;
    for i in 0..set.len() {
        if !eligible(i) {
            continue;
        }
        let v = set.information(i, theta);
        if v >= kth {
            kth = push_top(
                out,
                Ranked {
                    item: i as u32,
                    information: v,
                },
                k,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jauge_irt::{Grid, ItemParams};

    fn bank(n: usize, seed: u64) -> ItemSet {
        let mut d = crate::rng::Draws::new(seed, 0, crate::rng::Purpose::Abilities);
        let params = (0..n as u64)
            .map(|s| {
                let a = (0.3 * d.normal(3 * s)).exp();
                let b = d.normal(3 * s + 1);
                let c = 0.25 * d.uniform(3 * s + 2, 0);
                // every third item a 4PL (upper asymptote below 1)
                let top = if s % 3 == 0 {
                    1.0 - 0.2 * d.uniform(3 * s + 2, 1)
                } else {
                    1.0
                };
                ItemParams::new(a, b, c, top).unwrap()
            })
            .collect();
        ItemSet::new(params, &Grid::standard())
    }

    #[test]
    fn short_lists_agree_with_full_scans() {
        let set = bank(800, 3);
        let ix = InfoIndex::new(&set, -4.0, 4.0, 0.1, 8);
        let mut a = Vec::new();
        let mut b = Vec::new();
        for t in 0..=400 {
            let theta = -4.3 + 0.0215 * f64::from(t);
            for k in [1, 3] {
                // exclude a θ-dependent set of items, sometimes many
                let excl = |i: usize| (i * 7 + t as usize).is_multiple_of(if t % 5 == 0 { 2 } else { 50 });
                top_k(&set, Some(&ix), theta, k, |i| !excl(i), &mut a);
                full_scan(&set, theta, k, |i| !excl(i), &mut b);
                assert_eq!(a, b, "θ = {theta}, k = {k}");
            }
        }
    }

    #[test]
    fn identical_items_are_all_returned_as_ties() {
        let p = ItemParams::new(1.0, 0.4, 0.0, 1.0).unwrap();
        let q = ItemParams::new(1.0, -2.0, 0.0, 1.0).unwrap();
        let set = ItemSet::new(vec![q, p, q, p, p], &Grid::standard());
        let ix = InfoIndex::new(&set, -4.0, 4.0, 0.1, 2);
        let mut out = Vec::new();
        top_k(&set, Some(&ix), 0.3, 1, |_| true, &mut out);
        let items: Vec<u32> = out.iter().map(|r| r.item).collect();
        assert_eq!(items, [1, 3, 4]);
    }
}
