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

use super::data::ResponseData;

/// Rows are multiplied this many at a time between rescalings. Probabilities are clamped to at
/// least 1e−15 ([`LOG_PROB_FLOOR`]), so 16 factors stay above 1e−240: no underflow.
const RESCALE_EVERY: usize = 16;
/// ln 1e−15, the log of the smallest probability used in a likelihood (a node where an answer is
/// less likely than this carries no posterior weight anyway).
pub(crate) const LOG_PROB_FLOOR: f64 = -34.538_776_394_910_684;
/// The log-domain value of a padding node (its weight is 0).
pub(crate) const LOG_PADDING: f64 = -1e9;
/// Nodes are processed this many at a time, kept in registers across the factors of a block;
/// the node dimension is padded to a multiple of it (padding: probability 1, weight 0).
pub(crate) const LANES: usize = 16;
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

/// The E-step machine: chunk boundaries and reusable partial sums.
#[derive(Debug)]
pub(crate) struct EStep {
    k: usize,
    items: usize,
    bounds: Vec<usize>,
    partial: Vec<(Counts, Scratch, Plan)>,
    pub total: Counts,
    threads: usize,
    /// Items whose complete-pattern posteriors are accumulated over wrong answers (the rarer ones).
    track_wrong: Vec<bool>,
}

impl EStep {
    /// `totals[i]` = (responses, right answers) of item i, from [`ResponseData::item_totals`].
    pub fn new(data: &ResponseData, totals: &[(f64, f64)], k: usize, threads: usize) -> Self {
        let np = data.n_patterns();
        let chunks = (np / MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let bounds: Vec<usize> = (0..=chunks).map(|c| c * np / chunks).collect();
        let items = data.n_items();
        let track_wrong: Vec<bool> = totals.iter().map(|&(n, r)| 2.0 * r > n).collect();
        let kp = padded(k);
        Self {
            k,
            items,
            partial: (0..chunks)
                .map(|c| {
                    let plan = Plan::new(data, &track_wrong, kp, bounds[c], bounds[c + 1]);
                    (Counts::new(items, k), Scratch::default(), plan)
                })
                .collect(),
            total: Counts::new(items, k),
            bounds,
            threads: threads.clamp(1, chunks),
            track_wrong,
        }
    }

    /// Runs the E-step. `tables.rows[(2 i + u) Kp + k]` = P(u | θ_k) for item i (u = 1 right,
    /// 0 wrong), floored, with the padded stride Kp = [`padded`]`(K)` (padding 1);
    /// `tables.log_odds[i Kp + k]` = ln P − ln Q of the floored values (padding 0);
    /// `tables.log_base[k]` = ln w_k + Σ_i ln Q_i(θ_k) (padding [`LOG_PADDING`]);
    /// `tables.weights[k]` = the prior weight w_k (Σ = 1; padding 0).
    pub fn run(&mut self, data: &ResponseData, tables: &Tables) {
        let k = padded(self.k);
        let items = self.items;
        let bounds = &self.bounds;
        let track_wrong = &self.track_wrong;
        // Threads take the next chunk as they finish one (balanced even when a core is busy with
        // something else); each chunk's sums land in its own slot, so the reduction below is in
        // chunk order whichever thread did the work.
        let queue = std::sync::Mutex::new(self.partial.iter_mut().enumerate());
        let work = || {
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((c, (counts, scratch, plan))) = next else {
                    break;
                };
                run_chunk(
                    data,
                    tables,
                    track_wrong,
                    k,
                    items,
                    bounds[c],
                    bounds[c + 1],
                    counts,
                    scratch,
                    plan,
                );
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
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Floored P(u | θ_k), `(2 i + u) Kp + k`.
    pub rows: Vec<f64>,
    /// ln P − ln Q of the floored probabilities, `i Kp + k`.
    pub log_odds: Vec<f64>,
    /// ln w_k + Σ_i ln Q_i(θ_k).
    pub log_base: Vec<f64>,
    /// Prior weights w_k.
    pub weights: Vec<f64>,
}

impl Tables {
    /// Tables for `items` items and `kp` (padded) nodes, filled with the padding values.
    pub fn new(items: usize, kp: usize) -> Self {
        Self {
            rows: vec![1.0; 2 * items * kp],
            log_odds: vec![0.0; items * kp],
            log_base: vec![LOG_PADDING; kp],
            weights: vec![0.0; kp],
        }
    }
}

/// e^x for x ≤ 0 (0 below −700), within a few ulps of `f64::exp`: x = n ln 2 + r with
/// |r| ≤ ln 2 / 2 (Cody–Waite), e^r by its Taylor polynomial of degree 13 (remainder < 1e−17), and
/// 2^n assembled from the bits of the rounding sum. No branch and no call, so a loop over it
/// vectorises.
#[inline]
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

/// Multiplies `lik` by the rows of `cells`, LANES nodes at a time held in registers.
#[inline]
fn multiply_rows(lik: &mut [f64], rows: &[f64], cells: &[u32], k: usize) {
    for (c, acc_out) in lik.chunks_exact_mut(LANES).enumerate() {
        let mut acc = [0.0; LANES];
        acc.copy_from_slice(acc_out);
        for &cell in cells {
            let start = cell as usize * k + c * LANES;
            let row: &[f64; LANES] = rows[start..start + LANES]
                .try_into()
                .expect("rows have the padded stride");
            for j in 0..LANES {
                acc[j] *= row[j];
            }
        }
        acc_out.copy_from_slice(&acc);
    }
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
    /// Per pattern of the chunk, CSR into `right_offsets` (empty for an incomplete pattern).
    right_start: Vec<u32>,
    /// Offsets `item × Kp` of the log-odds rows of the right answers of complete patterns.
    right_offsets: Vec<u32>,
    /// Per batch, CSR into `segments`.
    batch_start: Vec<u32>,
    /// (item, start, length) in `rows`: the batch rows of the complete patterns whose answer to
    /// the item is the tracked one (right, or wrong for an item tracked by its wrong answers).
    segments: Vec<(u32, u32, u32)>,
    /// Batch rows.
    rows: Vec<u8>,
}

impl Plan {
    fn new(data: &ResponseData, track_wrong: &[bool], kp: usize, from: usize, to: usize) -> Self {
        let items = data.n_items();
        let mut plan = Plan {
            right_start: vec![0],
            ..Plan::default()
        };
        let mut lists: Vec<Vec<u8>> = vec![Vec::new(); items];
        let mut touched: Vec<u32> = Vec::new();
        let mut start = from;
        while start < to {
            let end = (start + BATCH).min(to);
            plan.batch_start.push(plan.segments.len() as u32);
            for (b, q) in (start..end).enumerate() {
                let cells = data.pattern_cells(q);
                if cells.len() == items {
                    for &cell in cells {
                        let i = (cell >> 1) as usize;
                        let right = cell & 1 == 1;
                        if right {
                            plan.right_offsets.push((i * kp) as u32);
                        }
                        if right != track_wrong[i] {
                            if lists[i].is_empty() {
                                touched.push(i as u32);
                            }
                            lists[i].push(b as u8);
                        }
                    }
                }
                plan.right_start.push(plan.right_offsets.len() as u32);
            }
            touched.sort_unstable();
            for &i in &touched {
                let list = &mut lists[i as usize];
                plan.segments.push((i, plan.rows.len() as u32, list.len() as u32));
                plan.rows.extend_from_slice(list);
                list.clear();
            }
            touched.clear();
            start = end;
        }
        plan.batch_start.push(plan.segments.len() as u32);
        plan
    }
}

/// Adds the posterior rows `list` of `post` into `acc` (one item's row), LANES nodes at a time
/// held in registers.
#[inline]
fn add_rows(acc: &mut [f64], post: &[f64], list: &[u8], k: usize) {
    for (c, acc_out) in acc.chunks_exact_mut(LANES).enumerate() {
        let mut sum = [0.0; LANES];
        sum.copy_from_slice(acc_out);
        for &b in list {
            let start = b as usize * k + c * LANES;
            let row: &[f64; LANES] = post[start..start + LANES]
                .try_into()
                .expect("posteriors have the padded stride");
            for j in 0..LANES {
                sum[j] += row[j];
            }
        }
        acc_out.copy_from_slice(&sum);
    }
}

/// `acc += lik`, element-wise.
#[inline]
fn add_into(acc: &mut [f64], lik: &[f64]) {
    for (a, &l) in acc.iter_mut().zip(lik) {
        *a += l;
    }
}

/// Rescales `lik` so that its maximum lies in [1, 2) by an exact power of two; returns the
/// exponent removed, or `None` when every entry is 0 (or not finite).
#[inline]
fn rescale(lik: &mut [f64]) -> Option<i64> {
    let m = lik.iter().copied().fold(0.0, f64::max);
    if !(m >= f64::MIN_POSITIVE && m.is_finite()) {
        return None;
    }
    let e = ((m.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let inv = f64::from_bits(((1023 - e) as u64) << 52);
    lik.iter_mut().for_each(|l| *l *= inv);
    Some(e)
}

#[allow(clippy::too_many_arguments)]
fn run_chunk(
    data: &ResponseData,
    tables: &Tables,
    track_wrong: &[bool],
    k: usize,
    items: usize,
    from: usize,
    to: usize,
    out: &mut Counts,
    scratch: &mut Scratch,
    plan: &Plan,
) {
    out.clear();
    let counts = data.counts();
    if scratch.right.len() != items {
        scratch.right = vec![Vec::new(); items];
        scratch.answered = vec![Vec::new(); items];
    }
    scratch.post.resize(BATCH * k, 0.0);
    let mut start = from;
    let mut batch = 0;
    while start < to {
        let end = (start + BATCH).min(to);
        for (b, q) in (start..end).enumerate() {
            let cells = data.pattern_cells(q);
            let lik = &mut scratch.post[b * k..(b + 1) * k];
            if cells.is_empty() {
                // A person who answered nothing says nothing about the items or the population.
                lik.iter_mut().for_each(|l| *l = 0.0);
                continue;
            }
            let f = counts[q];
            let complete = cells.len() == items;
            let log_scale = if complete {
                let j = q - from;
                let offsets =
                    &plan.right_offsets[plan.right_start[j] as usize..plan.right_start[j + 1] as usize];
                complete_likelihood(lik, tables, offsets, k)
            } else {
                partial_likelihood(lik, tables, cells, k)
            };
            let s: f64 = lik.iter().sum();
            let Some(log_scale) = log_scale.filter(|_| s > 0.0 && s.is_finite()) else {
                // Impossible with floored probabilities and positive weights; never poison the
                // sums: this pattern contributes nothing (its planned rows add zeros).
                lik.iter_mut().for_each(|l| *l = 0.0);
                continue;
            };
            out.loglik += f * (s.ln() + log_scale);
            let scale = f / s;
            lik.iter_mut().for_each(|l| *l *= scale);
            add_into(&mut out.latent, lik);
            if complete {
                add_into(&mut out.complete, lik);
            } else {
                for &cell in cells {
                    let i = (cell >> 1) as usize;
                    let (r, a) = (&mut scratch.right[i], &mut scratch.answered[i]);
                    if a.is_empty() {
                        scratch.touched.push(i as u32);
                    }
                    a.push(b as u8);
                    if cell & 1 == 1 {
                        r.push(b as u8);
                    }
                }
            }
        }
        for &i in &scratch.touched {
            let i = i as usize;
            for (list, acc) in [
                (&mut scratch.right[i], &mut out.right),
                (&mut scratch.answered[i], &mut out.answered),
            ] {
                if !list.is_empty() {
                    add_rows(&mut acc[i * k..i * k + k], &scratch.post, list, k);
                    list.clear();
                }
            }
        }
        scratch.touched.clear();
        let segments = plan.batch_start[batch] as usize..plan.batch_start[batch + 1] as usize;
        for &(i, s0, len) in &plan.segments[segments] {
            let i = i as usize;
            let acc = if track_wrong[i] {
                &mut out.wrong_complete
            } else {
                &mut out.right
            };
            let list = &plan.rows[s0 as usize..(s0 + len) as usize];
            add_rows(&mut acc[i * k..i * k + k], &scratch.post, list, k);
        }
        batch += 1;
        start = end;
    }
}

/// The likelihood of a pattern that answered some items: product of rows with power-of-two
/// rescaling. Writes it into `lik` (scaled) and returns ln of the scale, `None` if it vanished.
#[inline]
fn partial_likelihood(lik: &mut [f64], tables: &Tables, cells: &[u32], k: usize) -> Option<f64> {
    lik.copy_from_slice(&tables.weights);
    let mut exponent = 0i64;
    for block in cells.chunks(RESCALE_EVERY) {
        multiply_rows(lik, &tables.rows, block, k);
        exponent += rescale(lik)?;
    }
    Some(exponent as f64 * std::f64::consts::LN_2)
}

/// The likelihood of a pattern that answered every item: exp(base + Σ_right log-odds − max), the
/// log-odds rows of its right answers starting at `offsets`. Writes it into `lik` and returns the
/// max, `None` if it is not finite.
#[inline]
fn complete_likelihood(lik: &mut [f64], tables: &Tables, offsets: &[u32], k: usize) -> Option<f64> {
    debug_assert!(offsets.iter().all(|&o| (o as usize).is_multiple_of(k)));
    for (c, out) in lik.chunks_exact_mut(LANES).enumerate() {
        let mut acc = [0.0; LANES];
        acc.copy_from_slice(&tables.log_base[c * LANES..(c + 1) * LANES]);
        for &o in offsets {
            let start = o as usize + c * LANES;
            let row: &[f64; LANES] = tables.log_odds[start..start + LANES]
                .try_into()
                .expect("log-odds rows have the padded stride");
            for j in 0..LANES {
                acc[j] += row[j];
            }
        }
        out.copy_from_slice(&acc);
    }
    let m = lik.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return None;
    }
    for chunk in lik.chunks_exact_mut(LANES) {
        let top = chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if top - m < NEGLIGIBLE {
            // e^−50 ≈ 2e−22 of the largest term: below the precision of every sum it enters.
            chunk.iter_mut().for_each(|l| *l = 0.0);
        } else {
            chunk.iter_mut().for_each(|l| *l = exp_nonpositive(*l - m));
        }
    }
    Some(m)
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
        let mut t = Tables::new(items.len(), kp);
        let lw: Vec<f64> = nodes.iter().map(|x| -0.5 * x * x).collect();
        let norm = lw.iter().map(|l| l.exp()).sum::<f64>().ln();
        for (j, l) in lw.iter().enumerate() {
            t.log_base[j] = l - norm;
            t.weights[j] = (l - norm).exp();
        }
        for (i, it) in items.iter().enumerate() {
            for (j, &x) in nodes.iter().enumerate() {
                let lp = it.log_prob(x, true).max(LOG_PROB_FLOOR);
                let lq = it.log_prob(x, false).max(LOG_PROB_FLOOR);
                t.rows[(2 * i + 1) * kp + j] = lp.exp();
                t.rows[2 * i * kp + j] = lq.exp();
                t.log_odds[i * kp + j] = lp - lq;
                t.log_base[j] += lq;
            }
        }
        let cells: Vec<u32> = (0..40u32).map(|i| (i << 1) | u32::from(i % 3 != 0)).collect();
        let (mut a, mut b) = (vec![0.0; kp], vec![0.0; kp]);
        let la = partial_likelihood(&mut a, &t, &cells, kp).unwrap();
        let offsets: Vec<u32> = cells
            .iter()
            .filter(|&&c| c & 1 == 1)
            .map(|&c| (c >> 1) * kp as u32)
            .collect();
        let lb = complete_likelihood(&mut b, &t, &offsets, kp).unwrap();
        let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        assert!(((sa.ln() + la) - (sb.ln() + lb)).abs() < 1e-10);
        for (x, y) in a.iter().zip(&b) {
            assert!((x / sa - y / sb).abs() < 1e-12);
        }
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
