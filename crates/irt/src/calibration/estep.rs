//! The E-step of Bock & Aitkin (1981): the posterior of θ on the quadrature nodes for every
//! distinct response pattern, accumulated into expected counts per item and node.
//!
//! For item i and node k: n̄_ik = Σ_p f_p π_p(θ_k) over the patterns p that answered item i, and
//! r̄_ik the same sum over those that answered it right (f_p = the pattern's frequency, π_p the
//! normalised posterior). The likelihood of a pattern at the nodes is a product of precomputed
//! P_i(θ_k) / Q_i(θ_k) rows, taken in linear space and rescaled every [`RESCALE_EVERY`] factors so
//! that it never underflows (no exponential per person). The patterns are cut into a fixed number of
//! chunks whatever the thread count, each chunk is summed in order and the chunks are reduced in
//! order: the result does not depend on the number of threads.

use super::data::ResponseData;

/// Rows are multiplied this many at a time between rescalings. Probabilities are clamped to at
/// least [`PROB_FLOOR`], so 16 factors stay above 1e−240: no underflow.
const RESCALE_EVERY: usize = 16;
/// The smallest probability used in a likelihood product (a node where an answer is less likely
/// than this carries no posterior weight anyway).
pub(crate) const PROB_FLOOR: f64 = 1e-15;
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
    partial: Vec<(Counts, Scratch)>,
    pub total: Counts,
    threads: usize,
}

impl EStep {
    pub fn new(data: &ResponseData, k: usize, threads: usize) -> Self {
        let np = data.n_patterns();
        let chunks = (np / MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let bounds: Vec<usize> = (0..=chunks).map(|c| c * np / chunks).collect();
        let items = data.n_items();
        Self {
            k,
            items,
            partial: (0..chunks)
                .map(|_| (Counts::new(items, k), Scratch::default()))
                .collect(),
            total: Counts::new(items, k),
            bounds,
            threads: threads.clamp(1, chunks),
        }
    }

    /// Runs the E-step. `rows[(2 i + u) Kp + k]` = P(u | θ_k) for item i (u = 1 right, 0 wrong),
    /// already floored, with the padded stride Kp = [`padded`]`(K)` (padding 1); `weights[k]` =
    /// the prior weight of node k (Σ = 1; padding 0), length Kp.
    pub fn run(&mut self, data: &ResponseData, rows: &[f64], weights: &[f64]) {
        let k = padded(self.k);
        let items = self.items;
        let bounds = &self.bounds;
        let per = self.partial.len().div_ceil(self.threads);
        std::thread::scope(|s| {
            let mut groups = self.partial.chunks_mut(per).enumerate();
            let first = groups.next();
            for (g, group) in groups {
                s.spawn(move || {
                    for (j, (counts, scratch)) in group.iter_mut().enumerate() {
                        let c = g * per + j;
                        run_chunk(
                            data,
                            rows,
                            weights,
                            k,
                            items,
                            bounds[c],
                            bounds[c + 1],
                            counts,
                            scratch,
                        );
                    }
                });
            }
            if let Some((_, group)) = first {
                for (c, (counts, scratch)) in group.iter_mut().enumerate() {
                    run_chunk(
                        data,
                        rows,
                        weights,
                        k,
                        items,
                        bounds[c],
                        bounds[c + 1],
                        counts,
                        scratch,
                    );
                }
            }
        });
        self.total.clear();
        for (p, _) in &self.partial {
            self.total.add(p);
        }
    }
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
const BATCH: usize = 64;

/// Per-chunk work space, reused across EM cycles.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Normalised posteriors (× frequency) of the batch, BATCH × Kp.
    post: Vec<f64>,
    /// Per item: the batch rows that answered it right.
    right: Vec<Vec<u16>>,
    /// Per item: the batch rows (incomplete patterns only) that answered it.
    answered: Vec<Vec<u16>>,
    /// Items with a non-empty list in this batch.
    touched: Vec<u32>,
}

/// Adds the posterior rows `list` of `post` into `acc` (one item's row), LANES nodes at a time
/// held in registers.
#[inline]
fn add_rows(acc: &mut [f64], post: &[f64], list: &[u16], k: usize) {
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
    rows: &[f64],
    weights: &[f64],
    k: usize,
    items: usize,
    from: usize,
    to: usize,
    out: &mut Counts,
    scratch: &mut Scratch,
) {
    out.clear();
    let counts = data.counts();
    if scratch.right.len() != items {
        scratch.right = vec![Vec::new(); items];
        scratch.answered = vec![Vec::new(); items];
    }
    scratch.post.resize(BATCH * k, 0.0);
    let mut start = from;
    while start < to {
        let end = (start + BATCH).min(to);
        for (b, q) in (start..end).enumerate() {
            let cells = data.pattern_cells(q);
            let f = counts[q];
            let lik = &mut scratch.post[b * k..(b + 1) * k];
            lik.copy_from_slice(weights);
            let mut exponent = 0i64;
            let mut dead = false;
            for block in cells.chunks(RESCALE_EVERY) {
                multiply_rows(lik, rows, block, k);
                match rescale(lik) {
                    Some(e) => exponent += e,
                    None => {
                        dead = true;
                        break;
                    }
                }
            }
            let s: f64 = lik.iter().sum();
            if dead || !(s > 0.0 && s.is_finite()) {
                // Impossible with floored probabilities and positive weights; never poison the
                // sums: this pattern contributes nothing.
                lik.iter_mut().for_each(|l| *l = 0.0);
                continue;
            }
            out.loglik += f * (s.ln() + exponent as f64 * std::f64::consts::LN_2);
            let scale = f / s;
            lik.iter_mut().for_each(|l| *l *= scale);
            add_into(&mut out.latent, lik);
            let complete = cells.len() == items;
            if complete {
                add_into(&mut out.complete, lik);
            }
            for &cell in cells {
                let i = (cell >> 1) as usize;
                let (r, a) = (&mut scratch.right[i], &mut scratch.answered[i]);
                if r.is_empty() && a.is_empty() {
                    scratch.touched.push(i as u32);
                }
                if cell & 1 == 1 {
                    r.push(b as u16);
                }
                if !complete {
                    a.push(b as u16);
                }
            }
        }
        for &i in &scratch.touched {
            let i = i as usize;
            let (r, a) = (&mut scratch.right[i], &mut scratch.answered[i]);
            if !r.is_empty() {
                add_rows(&mut out.right[i * k..i * k + k], &scratch.post, r, k);
                r.clear();
            }
            if !a.is_empty() {
                add_rows(&mut out.answered[i * k..i * k + k], &scratch.post, a, k);
                a.clear();
            }
        }
        scratch.touched.clear();
        start = end;
    }
}
