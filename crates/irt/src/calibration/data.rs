//! Sparse response data: each person answers a small, different subset of the items.
//!
//! Responses are stored per person as (item, score) lists, never as a dense person × item matrix,
//! and identical response patterns are collapsed into one pattern with a frequency (a complete
//! 5-item test such as LSAT6 has at most 32 distinct patterns for 1,000 people).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::CalibrationError;

/// One scored response: the item's index and whether the answer was right (score 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Response {
    /// Index of the item in the calibration's item list.
    pub item: u32,
    /// True for a right answer (score 1), false otherwise.
    pub correct: bool,
}

#[inline]
pub(crate) fn pack(item: u32, correct: bool) -> u32 {
    (item << 1) | u32::from(correct)
}

#[inline]
pub(crate) fn unpack(cell: u32) -> Response {
    Response {
        item: cell >> 1,
        correct: cell & 1 == 1,
    }
}

/// Responses of many persons to a set of items, with identical patterns collapsed.
///
/// Built by [`ResponseData::from_cells`] or [`ResponseData::from_persons`]; every person keeps the
/// index of its pattern so that per-person results (θ̂, residuals) can be recovered.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseData {
    n_items: usize,
    /// CSR offsets of the distinct patterns into `cells` (length = patterns + 1).
    starts: Vec<usize>,
    /// Packed cells `item << 1 | score`, sorted by item within a pattern.
    cells: Vec<u32>,
    /// How many persons share each pattern.
    counts: Vec<f64>,
    /// The pattern of each person.
    person_pattern: Vec<u32>,
}

impl ResponseData {
    /// Builds the data from `(person, item, correct)` triples for `n_persons` persons and
    /// `n_items` items, in any order. A person who answered nothing keeps an empty pattern.
    ///
    /// Errors: an index out of range, more than 2³⁰ items, or the same person answering the
    /// same item twice.
    pub fn from_cells(
        n_items: usize,
        n_persons: usize,
        cells: impl IntoIterator<Item = (u32, u32, bool)>,
    ) -> Result<Self, CalibrationError> {
        if n_items >= (1 << 30) {
            return Err(CalibrationError::TooManyItems(n_items));
        }
        let cells: Vec<(u32, u32, bool)> = cells.into_iter().collect();
        // One pass: the cells packed in the given order, the persons' counts, the largest
        // indices, and whether the cells come grouped by person (as a wide file gives them).
        let mut flat = vec![0u32; cells.len()];
        let mut counts = vec![0usize; n_persons + 1];
        let (mut max_p, mut max_i, mut previous, mut grouped) = (0, 0, 0, true);
        for (f, &(p, i, s)) in flat.iter_mut().zip(&cells) {
            max_p = max_p.max(p);
            max_i = max_i.max(i);
            grouped &= p >= previous;
            previous = p;
            if let Some(c) = counts.get_mut(p as usize + 1) {
                *c += 1;
            }
            *f = pack(i, s);
        }
        if !cells.is_empty() && (max_p as usize >= n_persons || max_i as usize >= n_items) {
            for &(p, i, _) in &cells {
                if p as usize >= n_persons {
                    return Err(CalibrationError::PersonOutOfRange {
                        person: p as usize,
                        persons: n_persons,
                    });
                }
                if i as usize >= n_items {
                    return Err(CalibrationError::ItemOutOfRange {
                        item: i as usize,
                        items: n_items,
                    });
                }
            }
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        if !grouped {
            // Counting sort by person.
            let mut next = counts.clone();
            for &(p, i, s) in &cells {
                let slot = &mut next[p as usize];
                flat[*slot] = pack(i, s);
                *slot += 1;
            }
        }
        drop(cells);
        let mut builder = Builder::new(n_items);
        for p in 0..n_persons {
            let person = &mut flat[counts[p]..counts[p + 1]];
            builder.push(p, person)?;
        }
        Ok(builder.finish())
    }

    /// Builds the data from one list of responses per person.
    pub fn from_persons(n_items: usize, persons: &[Vec<Response>]) -> Result<Self, CalibrationError> {
        let cells = persons
            .iter()
            .enumerate()
            .flat_map(|(p, rs)| rs.iter().map(move |r| (p as u32, r.item, r.correct)));
        Self::from_cells(n_items, persons.len(), cells)
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Number of persons.
    pub fn n_persons(&self) -> usize {
        self.person_pattern.len()
    }

    /// Number of distinct response patterns.
    pub fn n_patterns(&self) -> usize {
        self.counts.len()
    }

    /// Total number of responses over all persons.
    pub fn n_responses(&self) -> usize {
        self.person_pattern
            .iter()
            .map(|&q| self.starts[q as usize + 1] - self.starts[q as usize])
            .sum()
    }

    /// The responses of person `p`, sorted by item (empty when `p` is out of range).
    pub fn person(&self, p: usize) -> impl Iterator<Item = Response> + '_ {
        let cells = match self.person_pattern.get(p) {
            Some(&q) => self.pattern_cells(q as usize),
            None => &[],
        };
        cells.iter().map(|&c| unpack(c))
    }

    /// The pattern index of person `p`.
    pub fn pattern_of(&self, p: usize) -> Option<usize> {
        self.person_pattern.get(p).map(|&q| q as usize)
    }

    /// The responses of distinct pattern `q`, sorted by item.
    pub fn pattern(&self, q: usize) -> impl Iterator<Item = Response> + '_ {
        self.pattern_cells(q).iter().map(|&c| unpack(c))
    }

    /// How many persons share pattern `q`.
    pub fn pattern_count(&self, q: usize) -> f64 {
        self.counts.get(q).copied().unwrap_or(0.0)
    }

    pub(crate) fn pattern_cells(&self, q: usize) -> &[u32] {
        match (self.starts.get(q), self.starts.get(q + 1)) {
            (Some(&s), Some(&e)) => &self.cells[s..e],
            _ => &[],
        }
    }

    pub(crate) fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// Per item: (number of responses, number right).
    pub fn item_totals(&self) -> Vec<(f64, f64)> {
        // Persons per packed cell `item << 1 | score`, then per item.
        let mut per_cell = vec![0.0; 2 * self.n_items];
        for (q, &n) in self.counts.iter().enumerate() {
            for &cell in self.pattern_cells(q) {
                per_cell[cell as usize] += n;
            }
        }
        let t: Vec<(f64, f64)> = per_cell.chunks_exact(2).map(|c| (c[0] + c[1], c[1])).collect();
        t
    }
}

/// A fast, non-cryptographic hasher for collapsing response patterns (the multiplicative
/// word hash of Firefox and rustc, "FxHash"): the keys are our own data, so SipHash's
/// protection against chosen collisions buys nothing here, and hashing was a sixth of the time
/// spent reading 20,000 × 100 responses.
#[derive(Default)]
struct PatternHasher(u64);

impl Hasher for PatternHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// No pattern (the end of a chain in [`Builder::same_hash`]).
const NONE: u32 = u32::MAX;

struct Builder {
    n_items: usize,
    /// Hash of a pattern's cells → the last distinct pattern with that hash.
    index: HashMap<u64, u32, BuildHasherDefault<PatternHasher>>,
    /// Per pattern, the previous distinct pattern with the same hash ([`NONE`] at the end).
    same_hash: Vec<u32>,
    starts: Vec<usize>,
    cells: Vec<u32>,
    counts: Vec<f64>,
    person_pattern: Vec<u32>,
}

/// The hash of a pattern's cells (two cells per step of [`PatternHasher`]).
fn pattern_hash(cells: &[u32]) -> u64 {
    let mut h = PatternHasher::default();
    let mut pairs = cells.chunks_exact(2);
    for c in &mut pairs {
        h.write_u64(u64::from(c[0]) | (u64::from(c[1]) << 32));
    }
    for &c in pairs.remainder() {
        h.write_u64(u64::from(c));
    }
    h.write_usize(cells.len());
    h.finish()
}

impl Builder {
    fn new(n_items: usize) -> Self {
        Self {
            n_items,
            index: HashMap::default(),
            same_hash: Vec::new(),
            starts: vec![0],
            cells: Vec::new(),
            counts: Vec::new(),
            person_pattern: Vec::new(),
        }
    }

    fn push(&mut self, p: usize, person: &mut [u32]) -> Result<(), CalibrationError> {
        // Already in strictly increasing item order (as a wide file gives them): nothing to do.
        let increasing = person.windows(2).fold(true, |ok, w| ok & (w[0] >> 1 < w[1] >> 1));
        if !increasing {
            person.sort_unstable();
            for w in person.windows(2) {
                if w[0] >> 1 == w[1] >> 1 {
                    return Err(CalibrationError::DuplicateResponse {
                        person: p,
                        item: (w[0] >> 1) as usize,
                    });
                }
            }
        }
        let hash = pattern_hash(person);
        let mut q = self.index.get(&hash).copied().unwrap_or(NONE);
        while q != NONE && self.pattern(q) != person {
            q = self.same_hash[q as usize];
        }
        if q == NONE {
            q = self.counts.len() as u32;
            let previous = self.index.insert(hash, q).unwrap_or(NONE);
            self.same_hash.push(previous);
            self.cells.extend_from_slice(person);
            self.starts.push(self.cells.len());
            self.counts.push(0.0);
        }
        self.counts[q as usize] += 1.0;
        self.person_pattern.push(q);
        Ok(())
    }

    fn pattern(&self, q: u32) -> &[u32] {
        &self.cells[self.starts[q as usize]..self.starts[q as usize + 1]]
    }

    fn finish(self) -> ResponseData {
        ResponseData {
            n_items: self.n_items,
            starts: self.starts,
            cells: self.cells,
            counts: self.counts,
            person_pattern: self.person_pattern,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_identical_patterns_and_keeps_persons() {
        let cells = [
            (0, 1, true),
            (0, 0, false),
            (1, 0, false),
            (1, 1, true),
            (2, 2, true),
        ];
        let d = ResponseData::from_cells(3, 4, cells).unwrap();
        assert_eq!(d.n_persons(), 4);
        assert_eq!(d.n_patterns(), 3); // {0:0,1:1}, {2:1}, {}
        assert_eq!(d.pattern_of(0), d.pattern_of(1));
        assert_eq!(d.pattern_count(d.pattern_of(0).unwrap()), 2.0);
        let p0: Vec<_> = d.person(0).collect();
        assert_eq!(
            p0,
            [
                Response {
                    item: 0,
                    correct: false
                },
                Response {
                    item: 1,
                    correct: true
                }
            ]
        );
        assert_eq!(d.person(3).count(), 0);
        assert_eq!(d.n_responses(), 5);
        assert_eq!(d.item_totals(), vec![(2.0, 0.0), (2.0, 2.0), (1.0, 1.0)]);
    }

    /// Every pattern of 10 items, given by 3 persons each, persons in a scrambled order and the
    /// cells of some persons in reverse item order: 1,024 distinct patterns of 3 persons, each
    /// person on its own pattern, and the same data whether or not the cells come grouped.
    #[test]
    fn collapses_many_patterns_in_any_order() {
        let mut cells = Vec::new();
        for rep in 0..3u32 {
            for m in 0..1024u32 {
                let person = rep * 1024 + (m * 389) % 1024;
                let mut items: Vec<u32> = (0..10).collect();
                if rep == 1 {
                    items.reverse();
                }
                cells.extend(items.into_iter().map(|i| (person, i, (m >> i) & 1 == 1)));
            }
        }
        let d = ResponseData::from_cells(10, 3072, cells.clone()).unwrap();
        assert_eq!(d.n_patterns(), 1024);
        assert!((0..1024).all(|q| d.pattern_count(q) == 3.0));
        for rep in 0..3u32 {
            for m in 0..1024u32 {
                let person = (rep * 1024 + (m * 389) % 1024) as usize;
                let got: Vec<Response> = d.person(person).collect();
                let want: Vec<Response> = (0..10)
                    .map(|i| Response {
                        item: i,
                        correct: (m >> i) & 1 == 1,
                    })
                    .collect();
                assert_eq!(got, want);
            }
        }
        cells.sort_by_key(|&(p, _, _)| p);
        assert_eq!(ResponseData::from_cells(10, 3072, cells).unwrap(), d);
    }

    #[test]
    fn rejects_bad_indices_and_duplicates() {
        assert!(matches!(
            ResponseData::from_cells(2, 1, [(0, 2, true)]),
            Err(CalibrationError::ItemOutOfRange { .. })
        ));
        assert!(matches!(
            ResponseData::from_cells(2, 1, [(1, 0, true)]),
            Err(CalibrationError::PersonOutOfRange { .. })
        ));
        assert!(matches!(
            ResponseData::from_cells(2, 1, [(0, 1, true), (0, 1, false)]),
            Err(CalibrationError::DuplicateResponse { person: 0, item: 1 })
        ));
    }
}
