//! The E-step of Bock & Aitkin (1981): the posterior of θ on the quadrature nodes for every
//! distinct response pattern, accumulated into expected counts per item and node.
//!
//! For item i and node k: n̄_ik = Σ_p f_p π_p(θ_k) over the patterns p that answered item i, and
//! r̄_ik the same sum over those that answered it right (f_p = the pattern's frequency, π_p the
//! normalised posterior).
//!
//! The likelihood of a pattern at the nodes is computed one of two ways, with the same floored
//! probabilities:
//! - a pattern that answered some of the items: a product of precomputed P_i(θ_k) / Q_i(θ_k) rows,
//!   taken in linear space and rescaled by a power of two every [`RESCALE_EVERY`] factors so that it
//!   never underflows (no exponential per person);
//! - a pattern that answered every item: ln L = Σ_i ln Q_i + Σ_{i right} ln(P_i / Q_i) (the first
//!   sum shared by all such patterns), so only the right answers cost an addition, followed by one
//!   branch-free exponential per node. Its posterior is then added to the rows of the items it
//!   answered right, or, for an item that most people answer right, to that item's "wrong" row,
//!   subtracted from the total at the end: half the work on complete data.
//!
//! The patterns are cut into a fixed number of chunks whatever the thread count, each chunk is
//! summed in order and the chunks are reduced in order: the result does not depend on the number
//! of threads.
//!
//! Kept whole (~880 lines): the pattern plans, the vectorised posterior kernel and the count
//! accumulation share one data layout and are tuned together; split next by kernel vs. plans
//! (the unfinished split of calibration/ in branch `calib` starts it).

use super::data::ResponseData;

/// Rows are multiplied this many at a time between rescalings. Probabilities are clamped to at
/// least 1e−15 ([`LOG_PROB_FLOOR`]), so 16 factors stay above 1e−240: no underflow.
const RESCALE_EVERY: usize = 16;
/// ln 1e−15, the log of the smallest probability used in a likelihood (a node where an answer is
/// less likely than this carries no posterior weight anyway).
pub(crate) const LOG_PROB_FLOOR: f64 = -34.538_776_394_910_684;
/// The log-domain value of a padding node (its weight is 0).
pub(crate) const LOG_PADDING: f64 = -1e9;
/// Nodes are processed this many at a time, kept in registers across the rows added or
/// multiplied (4 AVX-512 or 8 AVX2 registers); the node dimension is padded to a multiple of it
/// (padding: probability 1, weight 0).
pub(crate) const LANES: usize = 32;
/// The posterior of a complete pattern is set to 0 on the blocks of this many nodes where it is
/// negligible, and the batch's sums skip the blocks where every posterior of the batch is 0.
const BLOCK: usize = 8;
/// The most chunks the patterns are cut into (bounds the memory of the partial sums).
const MAX_CHUNKS: usize = 16;
/// Fewest patterns per chunk.
const MIN_CHUNK: usize = 128;

/// Expected counts of one chunk (or of the whole data after reduction).
#[derive(Debug, Clone)]
pub(crate) struct Counts {
    /// r̄_ik, item-major (`item * K + k`).
    pub right: Vec<f64>,
    /// n̄_ik from incomplete patterns, item-major.
    pub answered: Vec<f64>,
    /// Σ π over patterns that answered every item (added to every item's n̄ at the end).
    pub complete: Vec<f64>,
    /// For items tracked by their wrong answers: Σ π over complete patterns that answered wrong.
    wrong_complete: Vec<f64>,
    /// Σ_p f_p π_p(θ_k): the expected number of persons at each node.
    pub latent: Vec<f64>,
    /// Σ_p f_p ln L_p, the marginal log-likelihood.
    pub loglik: f64,
    /// The number of real nodes (the vectors have a padded stride).
    k: usize,
}

impl Counts {
    fn new(items: usize, k: usize) -> Self {
        let kp = padded(k);
        Self {
            right: vec![0.0; items * kp],
            answered: vec![0.0; items * kp],
            complete: vec![0.0; kp],
            wrong_complete: vec![0.0; items * kp],
            latent: vec![0.0; kp],
            loglik: 0.0,
            k,
        }
    }

    /// Σ_p f_p π_p(θ_k) at the real nodes.
    pub fn latent(&self) -> &[f64] {
        &self.latent[..self.k]
    }

    fn clear(&mut self) {
        for v in [
            &mut self.right,
            &mut self.answered,
            &mut self.complete,
            &mut self.wrong_complete,
            &mut self.latent,
        ] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        self.loglik = 0.0;
    }

    fn add(&mut self, other: &Counts) {
        for (a, b) in [
            (&mut self.right, &other.right),
            (&mut self.answered, &other.answered),
            (&mut self.complete, &other.complete),
            (&mut self.wrong_complete, &other.wrong_complete),
            (&mut self.latent, &other.latent),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.loglik += other.loglik;
    }

    /// n̄_ik for item `i` (answered + complete) written into `out`.
    pub fn item_n(&self, i: usize, out: &mut [f64]) {
        let kp = self.complete.len();
        for ((o, &a), &c) in out[..self.k]
            .iter_mut()
            .zip(&self.answered[i * kp..i * kp + self.k])
            .zip(&self.complete)
        {
            *o = a + c;
        }
    }

    /// r̄_ik for item `i`.
    pub fn item_r(&self, i: usize) -> &[f64] {
        let kp = self.complete.len();
        &self.right[i * kp..i * kp + self.k]
    }
}

/// `k` rounded up to a multiple of [`LANES`].
pub(crate) fn padded(k: usize) -> usize {
    k.div_ceil(LANES) * LANES
}

/// The E-step machine: the order the patterns are visited in, chunk boundaries, and reusable
/// partial sums.
#[derive(Debug)]
pub(crate) struct EStep {
    k: usize,
    items: usize,
    /// Pattern indices in the order they are processed (see [`visiting_order`]).
    order: Vec<u32>,
    /// Chunk boundaries, as positions in `order`.
    bounds: Vec<usize>,
    partial: Vec<(Counts, Scratch, Plan)>,
    pub total: Counts,
    threads: usize,
    /// Items whose complete-pattern posteriors are accumulated over wrong answers (the rarer ones).
    track_wrong: Vec<bool>,
    /// The instruction set the chunks are run with.
    arch: pulp::Arch,
}

/// `f(0), …, f(n − 1)` in that order, computed on up to `threads` threads (contiguous ranges).
pub(crate) fn map_parallel<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t * n / threads..(t + 1) * n / threads)
                        .map(f)
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The order patterns are processed in: incomplete patterns first, then the complete ones by
/// number of right answers (ties in data order). Patterns with close scores have their posterior
/// mass on the same nodes, so the batches of [`run_chunk`] touch few node blocks.
fn visiting_order(data: &ResponseData) -> Vec<u32> {
    let items = data.n_items();
    let key = |q: usize| -> (bool, usize, usize) {
        let cells = data.pattern_cells(q);
        let right = cells.iter().filter(|&&c| c & 1 == 1).count();
        (cells.len() == items, right, q)
    };
    let mut keyed: Vec<(bool, usize, usize)> = (0..data.n_patterns()).map(key).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, q)| q as u32).collect()
}

impl EStep {
    /// `totals[i]` = (responses, right answers) of item i, from [`ResponseData::item_totals`].
    pub fn new(data: &ResponseData, totals: &[(f64, f64)], k: usize, threads: usize) -> Self {
        let np = data.n_patterns();
        let chunks = (np / MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let bounds: Vec<usize> = (0..=chunks).map(|c| c * np / chunks).collect();
        let items = data.n_items();
        let track_wrong = rare_is_wrong(totals);
        let kp = padded(k);
        let order = visiting_order(data);
        let plans = map_parallel(chunks, threads, |c| {
            Plan::new(data, &order[bounds[c]..bounds[c + 1]], &track_wrong, kp)
        });
        Self {
            k,
            items,
            partial: plans
                .into_iter()
                .map(|plan| (Counts::new(items, k), Scratch::default(), plan))
                .collect(),
            total: Counts::new(items, k),
            order,
            bounds,
            threads: threads.clamp(1, chunks),
            track_wrong,
            arch: pulp::Arch::new(),
        }
    }

    /// Runs the E-step on `tables` (see [`Tables`]; built with the same [`rare_is_wrong`]),
    /// whose rows have the padded stride Kp = [`padded`]`(K)`.
    pub fn run(&mut self, data: &ResponseData, tables: &Tables) {
        let k = padded(self.k);
        let items = self.items;
        let bounds = &self.bounds;
        let order = &self.order;
        let track_wrong = &self.track_wrong;
        // Threads take the next chunk as they finish one (balanced even when a core is busy with
        // something else); each chunk's sums land in its own slot, so the reduction below is in
        // chunk order whichever thread did the work.
        let queue = std::sync::Mutex::new(self.partial.iter_mut().enumerate());
        let arch = self.arch;
        let work = || {
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((c, (counts, scratch, plan))) = next else {
                    break;
                };
                // The chunk's loops are compiled for the widest vector unit the processor has
                // (AVX-512, AVX2, or the baseline). Every operation is element-wise or summed in
                // a fixed order, so the results are the same bits on every processor.
                arch.dispatch(Chunk {
                    data,
                    patterns: &order[bounds[c]..bounds[c + 1]],
                    tables,
                    track_wrong,
                    k,
                    items,
                    out: counts,
                    scratch,
                    plan,
                });
            }
        };
        std::thread::scope(|s| {
            for _ in 1..self.threads {
                s.spawn(work);
            }
            work();
        });
        self.total.clear();
        for (p, _, _) in &self.partial {
            self.total.add(p);
        }
        // Items tracked by their wrong answers: r̄ += (complete − wrong among complete).
        let t = &mut self.total;
        for (i, _) in self.track_wrong.iter().enumerate().filter(|(_, w)| **w) {
            let right = &mut t.right[i * k..(i + 1) * k];
            let wrong = &t.wrong_complete[i * k..(i + 1) * k];
            for ((r, &c), &w) in right.iter_mut().zip(&t.complete).zip(wrong) {
                *r += c - w;
            }
        }
    }
}

/// The per-E-step tables of [`EStep::run`].
///
/// Each item has a *common* answer (the one most persons gave: right when `rare_is_wrong`) and a
/// *rare* one. A complete pattern's log-likelihood is `log_base` (which holds every item's common
/// answer) plus the `rare` rows of the items it answered the rare way: fewer additions than
/// adding the right answers to Σ ln Q.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Floored P(u | θ_k), `(2 i + u) Kp + k`.
    pub rows: Vec<f64>,
    /// ln P(rare answer) − ln P(common answer) of the floored probabilities, `i Kp + k`
    /// (padding 0).
    pub rare: Vec<f64>,
    /// ln w_k + Σ_i ln P_i(common answer | θ_k) (padding [`LOG_PADDING`]).
    pub log_base: Vec<f64>,
    /// Prior weights w_k (padding 0).
    pub weights: Vec<f64>,
    /// Per item: true when the rare answer is the wrong one (most persons answered it right).
    rare_is_wrong: Vec<bool>,
    kp: usize,
}

impl Tables {
    /// Tables for `kp` (padded) nodes and the items of `rare_is_wrong`, filled with the padding
    /// values.
    pub fn new(rare_is_wrong: Vec<bool>, kp: usize) -> Self {
        let items = rare_is_wrong.len();
        Self {
            rows: vec![1.0; 2 * items * kp],
            rare: vec![0.0; items * kp],
            log_base: vec![LOG_PADDING; kp],
            weights: vec![0.0; kp],
            rare_is_wrong,
            kp,
        }
    }

    /// Starts a new E-step's tables from the log prior weights of the real nodes.
    pub fn start(&mut self, log_weights: &[f64]) {
        for (j, &lw) in log_weights.iter().enumerate() {
            self.log_base[j] = lw;
            self.weights[j] = lw.exp();
        }
    }

    /// Enters item `i` at node `j`: `lp` = ln P(right), `lq` = ln P(wrong), both already floored
    /// at [`LOG_PROB_FLOOR`].
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, lp: f64, lq: f64) {
        let kp = self.kp;
        self.rows[(2 * i + 1) * kp + j] = lp.exp();
        self.rows[2 * i * kp + j] = lq.exp();
        let (common, rare) = if self.rare_is_wrong[i] { (lp, lq) } else { (lq, lp) };
        self.rare[i * kp + j] = rare - common;
        self.log_base[j] += common;
    }
}

/// Per item, whether its rare answer is the wrong one (more right than wrong answers), from
/// `totals[i]` = (responses, right answers).
pub(crate) fn rare_is_wrong(totals: &[(f64, f64)]) -> Vec<bool> {
    totals.iter().map(|&(n, r)| 2.0 * r > n).collect()
}

/// e^x for x ≤ 0 (0 below −700), within a few ulps of `f64::exp`: x = n ln 2 + r with
/// |r| ≤ ln 2 / 2 (Cody–Waite), e^r by its Taylor polynomial of degree 13 (remainder < 1e−17), and
/// 2^n assembled from the bits of the rounding sum. No branch and no call, so a loop over it
/// vectorises.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 × 2^52: adding it rounds to an integer
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let xc = x.max(-700.0);
    let t = xc * std::f64::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = p * r + c;
    }
    let bits = (t.to_bits().wrapping_sub(MAGIC.to_bits()).wrapping_add(1023)) << 52;
    let y = p * f64::from_bits(bits);
    if x < -700.0 { 0.0 } else { y }
}

/// Patterns whose posteriors are computed together before they are added into the item rows.
const BATCH: usize = 32;

/// Per-chunk work space, reused across EM cycles.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Normalised posteriors (× frequency) of the batch, BATCH × Kp.
    post: Vec<f64>,
    /// Per item: the batch rows (incomplete patterns) that answered it right.
    right: Vec<Vec<u8>>,
    /// Per item: the batch rows (incomplete patterns) that answered it.
    answered: Vec<Vec<u8>>,
    /// Items with a non-empty `right` or `answered` list in this batch.
    touched: Vec<u32>,
}

/// What the E-step does with a chunk's complete patterns, worked out once from the data (it does
/// not depend on the parameters).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Per pattern of the chunk, CSR into `rare_offsets` (empty for an incomplete pattern).
    rare_start: Vec<u32>,
    /// Offsets `item × Kp / LANES` (in groups of LANES nodes) of the [`Tables::rare`] rows of the
    /// rare answers of complete patterns.
    rare_offsets: Vec<u32>,
    /// Per batch, CSR into `segments`.
    batch_start: Vec<u32>,
    /// (item, start, length) in `rows`: the batch rows of the complete patterns whose answer to
    /// the item is the tracked one (right, or wrong for an item tracked by its wrong answers).
    segments: Vec<(u32, u32, u32)>,
    /// Batch rows.
    rows: Vec<u8>,
}

impl Plan {
    /// The plan of the chunk made of `patterns`, in that order.
    fn new(data: &ResponseData, patterns: &[u32], track_wrong: &[bool], kp: usize) -> Self {
        let items = data.n_items();
        let nc = (kp / LANES) as u32;
        // Per packed cell `item << 1 | score`: is it the item's rare answer?
        let rare: Vec<bool> = (0..2 * items)
            .map(|cell| (cell & 1 == 1) != track_wrong[cell >> 1])
            .collect();
        let mut plan = Plan {
            rare_start: vec![0],
            ..Plan::default()
        };
        // Per item, bit b set when batch row b answered it the rare way.
        let mut masks = vec![0u32; items];
        const _: () = assert!(BATCH <= 32, "one bit per batch row in a u32");
        for batch in patterns.chunks(BATCH) {
            plan.batch_start.push(plan.segments.len() as u32);
            masks.fill(0);
            for (b, &q) in batch.iter().enumerate() {
                let cells = data.pattern_cells(q as usize);
                if cells.len() == items {
                    plan.rare_offsets.extend(
                        cells
                            .iter()
                            .filter(|&&cell| rare[cell as usize])
                            .map(|&cell| (cell >> 1) * nc),
                    );
                    for (mask, &cell) in masks.iter_mut().zip(cells) {
                        *mask |= u32::from(rare[cell as usize]) << b;
                    }
                }
                plan.rare_start.push(plan.rare_offsets.len() as u32);
            }
            for (i, &mask) in masks.iter().enumerate() {
                if mask != 0 {
                    plan.segments
                        .push((i as u32, plan.rows.len() as u32, mask.count_ones()));
                    let mut m = mask;
                    while m != 0 {
                        plan.rows.push(m.trailing_zeros() as u8);
                        m &= m - 1;
                    }
                }
            }
        }
        plan.batch_start.push(plan.segments.len() as u32);
        plan
    }
}

/// A run of whole LANES-node groups starting at node `start` (a multiple of [`BLOCK`]) that
/// covers every node where some posterior of the batch is not 0.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    groups: usize,
}

impl Window {
    /// The window covering blocks `lo..hi` (of [`BLOCK`] nodes) of a row of `nb` blocks (a
    /// multiple of LANES / BLOCK): as few groups as cover them, shifted left where they would run
    /// past the end of the row.
    #[inline(always)]
    fn covering(lo: usize, hi: usize, nb: usize) -> Self {
        const PER_GROUP: usize = LANES / BLOCK;
        if hi <= lo {
            return Self { start: 0, groups: 0 };
        }
        let groups = (hi - lo).div_ceil(PER_GROUP);
        let first = lo.min(nb - groups * PER_GROUP);
        Self {
            start: first * BLOCK,
            groups,
        }
    }
}

/// Adds the posterior rows `list` of `post` (stride `kp`) into `acc` (one item's row) on the
/// nodes of `window`, LANES nodes at a time held in registers.
#[inline(always)]
fn add_rows(acc: &mut [f64], post: &[f64], list: &[u8], kp: usize, window: Window) {
    for g in 0..window.groups {
        let off = window.start + g * LANES;
        let out: &mut [f64; LANES] = (&mut acc[off..off + LANES])
            .try_into()
            .expect("the window lies within the row");
        let mut sum = *out;
        for &b in list {
            let start = b as usize * kp + off;
            let row: &[f64; LANES] = post[start..start + LANES]
                .try_into()
                .expect("the window lies within the row");
            for j in 0..LANES {
                sum[j] += row[j];
            }
        }
        *out = sum;
    }
}

/// Multiplies `lik` by the rows of `cells` (`rows` in groups of LANES nodes, `nc` groups per
/// row), LANES nodes at a time held in registers.
#[inline(always)]
fn multiply_rows(lik: &mut [[f64; LANES]], rows: &[[f64; LANES]], cells: &[u32], nc: usize) {
    for (c, acc_out) in lik.iter_mut().enumerate() {
        let mut acc = *acc_out;
        for &cell in cells {
            let row = &rows[cell as usize * nc + c];
            for j in 0..LANES {
                acc[j] *= row[j];
            }
        }
        *acc_out = acc;
    }
}

/// The largest entry of `v` and `floor` (NaN entries ignored, like a fold with `f64::max`),
/// lane-wise first so that it vectorises.
#[inline(always)]
fn max_of<const N: usize>(v: &[[f64; N]], floor: f64) -> f64 {
    let mut m = [floor; N];
    for row in v {
        for j in 0..N {
            m[j] = if row[j] > m[j] { row[j] } else { m[j] };
        }
    }
    m.iter().copied().fold(floor, f64::max)
}

/// Σ v, lane-wise first (a fixed order, whatever the processor).
#[inline(always)]
fn sum_of(v: &[[f64; LANES]]) -> f64 {
    let mut s = [0.0; LANES];
    for row in v {
        for j in 0..LANES {
            s[j] += row[j];
        }
    }
    let mut h = LANES;
    while h > 1 {
        h /= 2;
        for j in 0..h {
            s[j] += s[j + h];
        }
    }
    s[0]
}

/// `acc += lik`, element-wise.
#[inline(always)]
fn add_into(acc: &mut [[f64; LANES]], lik: &[[f64; LANES]]) {
    for (a, l) in acc.iter_mut().zip(lik) {
        let mut x = *a;
        for j in 0..LANES {
            x[j] += l[j];
        }
        *a = x;
    }
}

/// `v *= x`, element-wise.
#[inline(always)]
fn scale_by(v: &mut [[f64; LANES]], x: f64) {
    for row in v {
        for l in row {
            *l *= x;
        }
    }
}

/// Rescales `lik` so that its maximum lies in [1, 2) by an exact power of two; returns the
/// exponent removed, or `None` when every entry is 0 (or not finite).
#[inline(always)]
fn rescale(lik: &mut [[f64; LANES]]) -> Option<i64> {
    let m = max_of(lik, 0.0);
    if !(m >= f64::MIN_POSITIVE && m.is_finite()) {
        return None;
    }
    let e = ((m.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    scale_by(lik, f64::from_bits(((1023 - e) as u64) << 52));
    Some(e)
}

/// `v` (a row of the padded stride) as groups of LANES nodes.
#[inline(always)]
fn groups(v: &[f64]) -> &[[f64; LANES]] {
    v.as_chunks::<LANES>().0
}

/// `v` (a row of the padded stride) as mutable groups of LANES nodes.
#[inline(always)]
fn groups_mut(v: &mut [f64]) -> &mut [[f64; LANES]] {
    v.as_chunks_mut::<LANES>().0
}

/// One chunk of the E-step, as a [`pulp::WithSimd`] operation: `with_simd` is compiled once per
/// instruction set, with everything it calls inlined (hence the `inline(always)` on the helpers),
/// so the element-wise loops are vectorised for that set.
struct Chunk<'a> {
    data: &'a ResponseData,
    patterns: &'a [u32],
    tables: &'a Tables,
    track_wrong: &'a [bool],
    k: usize,
    items: usize,
    out: &'a mut Counts,
    scratch: &'a mut Scratch,
    plan: &'a Plan,
}

impl pulp::WithSimd for Chunk<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        run_chunk(self);
    }
}

/// The E-step's sums over the patterns of one chunk, in batches of [`BATCH`]: the batch's
/// posteriors first, then their sums into the item rows on the window of nodes where some
/// posterior of the batch is not 0.
#[inline(always)]
fn run_chunk(chunk: Chunk) {
    let Chunk {
        data,
        patterns,
        tables,
        track_wrong,
        k,
        items,
        out,
        scratch,
        plan,
    } = chunk;
    out.clear();
    let counts = data.counts();
    let nb = k / BLOCK;
    if scratch.right.len() != items {
        scratch.right = vec![Vec::new(); items];
        scratch.answered = vec![Vec::new(); items];
    }
    scratch.post.resize(BATCH * k, 0.0);
    let Scratch {
        post,
        right: right_lists,
        answered: answered_lists,
        touched,
    } = scratch;
    let mut j = 0;
    for (batch, qs) in patterns.chunks(BATCH).enumerate() {
        // Blocks lo..hi hold every non-zero posterior of the batch.
        let (mut lo, mut hi) = (nb, 0);
        for (b, &q) in qs.iter().enumerate() {
            let q = q as usize;
            let cells = data.pattern_cells(q);
            let lik = groups_mut(&mut post[b * k..(b + 1) * k]);
            let offsets = &plan.rare_offsets[plan.rare_start[j] as usize..plan.rare_start[j + 1] as usize];
            j += 1;
            if cells.is_empty() {
                // A person who answered nothing says nothing about the items or the population.
                lik.fill([0.0; LANES]);
                continue;
            }
            let f = counts[q];
            let complete = cells.len() == items;
            let found = if complete {
                complete_likelihood(lik, tables, offsets)
            } else {
                partial_likelihood(lik, tables, cells).map(|scale| (scale, 0, nb))
            };
            let s = sum_of(lik);
            let Some((log_scale, live_lo, live_hi)) = found.filter(|_| s > 0.0 && s.is_finite()) else {
                // Impossible with floored probabilities and positive weights; never poison the
                // sums: this pattern contributes nothing (its planned rows add zeros).
                lik.fill([0.0; LANES]);
                continue;
            };
            lo = lo.min(live_lo);
            hi = hi.max(live_hi);
            out.loglik += f * (s.ln() + log_scale);
            scale_by(lik, f / s);
            add_into(groups_mut(&mut out.latent), lik);
            if complete {
                add_into(groups_mut(&mut out.complete), lik);
            } else {
                for &cell in cells {
                    let i = (cell >> 1) as usize;
                    let (r, a) = (&mut right_lists[i], &mut answered_lists[i]);
                    if a.is_empty() {
                        touched.push(i as u32);
                    }
                    a.push(b as u8);
                    if cell & 1 == 1 {
                        r.push(b as u8);
                    }
                }
            }
        }
        let window = Window::covering(lo, hi, nb);
        for &i in touched.iter() {
            let i = i as usize;
            for (list, acc) in [
                (&mut right_lists[i], &mut out.right),
                (&mut answered_lists[i], &mut out.answered),
            ] {
                if !list.is_empty() {
                    add_rows(&mut acc[i * k..(i + 1) * k], post, list, k, window);
                    list.clear();
                }
            }
        }
        touched.clear();
        let segments = plan.batch_start[batch] as usize..plan.batch_start[batch + 1] as usize;
        for &(i, s0, len) in &plan.segments[segments] {
            let i = i as usize;
            let acc = if track_wrong[i] {
                &mut out.wrong_complete
            } else {
                &mut out.right
            };
            let list = &plan.rows[s0 as usize..(s0 + len) as usize];
            add_rows(&mut acc[i * k..(i + 1) * k], post, list, k, window);
        }
    }
}

/// The likelihood of a pattern that answered some items: product of rows with power-of-two
/// rescaling. Writes it into `lik` (scaled) and returns ln of the scale, `None` if it vanished.
#[inline(always)]
fn partial_likelihood(lik: &mut [[f64; LANES]], tables: &Tables, cells: &[u32]) -> Option<f64> {
    lik.copy_from_slice(groups(&tables.weights));
    let rows = groups(&tables.rows);
    let nc = lik.len();
    let mut exponent = 0i64;
    for block in cells.chunks(RESCALE_EVERY) {
        multiply_rows(lik, rows, block, nc);
        exponent += rescale(lik)?;
    }
    Some(exponent as f64 * std::f64::consts::LN_2)
}

/// The likelihood of a pattern that answered every item: exp(base + Σ_rare rows − max), the
/// [`Tables::rare`] rows of its rare answers starting at groups `offsets`. Writes it into `lik`
/// (0 on the blocks of [`BLOCK`] nodes that are negligible) and returns the max and the range of
/// blocks that are not 0, `None` if the max is not finite.
#[inline(always)]
fn complete_likelihood(
    lik: &mut [[f64; LANES]],
    tables: &Tables,
    offsets: &[u32],
) -> Option<(f64, usize, usize)> {
    let rare = groups(&tables.rare);
    for (c, (out, base)) in lik.iter_mut().zip(groups(&tables.log_base)).enumerate() {
        let mut acc = *base;
        for &o in offsets {
            let row = &rare[o as usize + c];
            for j in 0..LANES {
                acc[j] += row[j];
            }
        }
        *out = acc;
    }
    let m = max_of(lik, f64::NEG_INFINITY);
    if !m.is_finite() {
        return None;
    }
    let (mut lo, mut hi) = (usize::MAX, 0);
    for (b, block) in lik
        .as_flattened_mut()
        .as_chunks_mut::<BLOCK>()
        .0
        .iter_mut()
        .enumerate()
    {
        let top = max_of(std::slice::from_ref(block), f64::NEG_INFINITY);
        if top - m < NEGLIGIBLE {
            // e^−50 ≈ 2e−22 of the largest term: below the precision of every sum it enters.
            *block = [0.0; BLOCK];
        } else {
            for l in block.iter_mut() {
                *l = exp_nonpositive(*l - m);
            }
            lo = lo.min(b);
            hi = b + 1;
        }
    }
    Some((m, lo, hi))
}

/// Log-likelihood differences below this are treated as exactly 0 in [`complete_likelihood`].
const NEGLIGIBLE: f64 = -50.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// The log-odds path (complete patterns) and the product path (other patterns) give the
    /// same posterior and log-likelihood for the same responses.
    #[test]
    fn both_likelihood_paths_agree() {
        use crate::ItemParams;
        let items: Vec<ItemParams> = (0..40)
            .map(|i| ItemParams::new(0.5 + 0.05 * i as f64, -2.0 + 0.1 * i as f64, 0.1, 1.0).unwrap())
            .collect();
        let k = 61;
        let kp = padded(k);
        let nodes: Vec<f64> = (0..k).map(|j| -6.0 + 0.2 * j as f64).collect();
        // Half the items have "wrong" as their rare answer, so both kinds of rows are used.
        let mut t = Tables::new((0..items.len()).map(|i| i % 2 == 0).collect(), kp);
        let lw: Vec<f64> = nodes.iter().map(|x| -0.5 * x * x).collect();
        let norm = lw.iter().map(|l| l.exp()).sum::<f64>().ln();
        let lw: Vec<f64> = lw.iter().map(|l| l - norm).collect();
        t.start(&lw);
        for (i, it) in items.iter().enumerate() {
            for (j, &x) in nodes.iter().enumerate() {
                let lp = it.log_prob(x, true).max(LOG_PROB_FLOOR);
                let lq = it.log_prob(x, false).max(LOG_PROB_FLOOR);
                t.set(i, j, lp, lq);
            }
        }
        let cells: Vec<u32> = (0..40u32).map(|i| (i << 1) | u32::from(i % 3 != 0)).collect();
        let (mut a, mut b) = (vec![0.0; kp], vec![0.0; kp]);
        let la = partial_likelihood(groups_mut(&mut a), &t, &cells).unwrap();
        let offsets: Vec<u32> = cells
            .iter()
            .filter(|&&c| (c & 1 == 1) != t.rare_is_wrong[(c >> 1) as usize])
            .map(|&c| (c >> 1) * (kp / LANES) as u32)
            .collect();
        let lb = complete_likelihood(groups_mut(&mut b), &t, &offsets).unwrap().0;
        let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        assert!(((sa.ln() + la) - (sb.ln() + lb)).abs() < 1e-10);
        for (x, y) in a.iter().zip(&b) {
            assert!((x / sa - y / sb).abs() < 1e-12);
        }
    }

    /// Windows are whole groups of LANES nodes that cover the live blocks and stay in the row.
    #[test]
    fn windows_cover_the_live_blocks() {
        let nb = 64 / BLOCK; // 8 blocks of 8 nodes, 2 groups of 32
        for lo in 0..nb {
            for hi in lo + 1..=nb {
                let w = Window::covering(lo, hi, nb);
                assert!(w.start <= lo * BLOCK && w.start + w.groups * LANES >= hi * BLOCK);
                assert!(w.start + w.groups * LANES <= nb * BLOCK);
                assert_eq!(w.groups, (hi - lo).div_ceil(LANES / BLOCK));
            }
        }
        assert_eq!(Window::covering(3, 3, nb).groups, 0);
    }

    #[test]
    fn fast_exp_matches_std() {
        let mut worst: f64 = 0.0;
        let mut x = 0.0;
        while x > -700.0 {
            let (got, want) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
            x -= 0.013_7;
        }
        assert!(worst < 4e-16, "worst relative error {worst}");
        assert_eq!(exp_nonpositive(-800.0), 0.0);
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!((LOG_PROB_FLOOR - 1e-15f64.ln()).abs() < 1e-12);
    }
}
