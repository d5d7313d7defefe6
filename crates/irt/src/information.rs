//! Fisher and Kullback–Leibler information, in the forms an adaptive engine needs.
//!
//! - Test information I(θ) = Σ_i I_i(θ) over the administered items (Birnbaum 1968): the
//!   variance of the score, whose inverse square root is the asymptotic SE of the MLE.
//! - The item KL index of Chang & Ying (1996): KL_i(θ̂) = ∫_{θ̂−δ}^{θ̂+δ} KL_i(θ̂ ‖ θ) dθ.
//! - The posterior-weighted KL index (KLP; Chang & Ying 1996, van der Linden 1998):
//!   KLP_i = Σ_k w_k · KL_i(θ̂ ‖ θ_k), w the normalised posterior on the quadrature grid.
//!
//! For KLP the engine keeps, per item, the rows ln P_i(θ_k) and ln Q_i(θ_k) it already needs for
//! the incremental EAP ([`LikelihoodTable`]). Since Σ_k w_k = 1,
//!
//! KLP_i = P̂ ln P̂ + Q̂ ln Q̂ − P̂ Σ_k w_k ln P_i(θ_k) − Q̂ Σ_k w_k ln Q_i(θ_k),  P̂ = P_i(θ̂),
//!
//! so one item costs two dot products over the grid and one evaluation at θ̂: no logarithm per
//! node and no allocation.

use crate::{Grid, ItemParams, Posterior, kl_bernoulli};

/// Test information I(θ) = Σ_i I_i(θ) over the given items (Birnbaum 1968). Always finite and
/// ≥ 0; 0 for no item.
pub fn test_information<'a>(items: impl IntoIterator<Item = &'a ItemParams>, theta: f64) -> f64 {
    items.into_iter().map(|it| it.information(theta)).sum()
}

/// The item of greatest Fisher information at `theta` among those `eligible` accepts (maximum
/// information selection, MFI): `(index, information)`, or `None` when no item is eligible.
/// Ties go to the lowest index. One pass, no allocation.
pub fn max_information_item(
    items: &[ItemParams],
    theta: f64,
    mut eligible: impl FnMut(usize) -> bool,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, it) in items.iter().enumerate() {
        if !eligible(i) {
            continue;
        }
        let info = it.information(theta);
        if best.is_none_or(|(_, b)| info > b) {
            best = Some((i, info));
        }
    }
    best
}

/// Chang & Ying's (1996) item KL index: ∫_{θ̂−δ}^{θ̂+δ} KL_i(θ̂ ‖ θ) dθ, by Simpson's rule on 40
/// intervals (error about 1e−8 for δ ≤ 1/a). Chang & Ying take δ = z/√n after n items.
/// A non-positive or non-finite δ gives 0.
pub fn kl_index(item: &ItemParams, theta_hat: f64, delta: f64) -> f64 {
    if !(delta.is_finite() && delta > 0.0) {
        return 0.0;
    }
    const N: usize = 40;
    let p_hat = item.prob(theta_hat);
    let h = 2.0 * delta / N as f64;
    let mut s = 0.0;
    for k in 0..=N {
        let t = theta_hat - delta + h * k as f64;
        let w = if k == 0 || k == N {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        s += w * kl_bernoulli(p_hat, item.prob(t));
    }
    s * h / 3.0
}

/// The posterior-weighted KL index KLP_i = Σ_k w_k · KL_i(θ̂ ‖ θ_k) (Chang & Ying 1996;
/// van der Linden 1998), evaluated directly from the item: O(grid) logarithms. `weights` are the
/// normalised posterior weights at `nodes` (e.g. from [`posterior_weights_into`]); the two slices
/// are read up to the shorter one.
pub fn kl_posterior(item: &ItemParams, theta_hat: f64, nodes: &[f64], weights: &[f64]) -> f64 {
    let p_hat = item.prob(theta_hat);
    nodes
        .iter()
        .zip(weights)
        .map(|(&t, &w)| w * kl_bernoulli(p_hat, item.prob(t)))
        .sum()
}

/// KLP from precomputed likelihood rows: P̂ ln P̂ + Q̂ ln Q̂ − P̂ (w · ln P) − Q̂ (w · ln Q), with
/// `p_hat` = P_i(θ̂), `q_hat` = Q_i(θ̂), Σ w = 1. Two dot products, no transcendental function
/// per node, no allocation. Clamped at 0 against rounding.
#[inline]
pub fn kl_posterior_rows(p_hat: f64, q_hat: f64, weights: &[f64], log_p: &[f64], log_q: &[f64]) -> f64 {
    let n = weights.len().min(log_p.len()).min(log_q.len());
    let (weights, log_p, log_q) = (&weights[..n], &log_p[..n], &log_q[..n]);
    // four independent accumulators per sum so that the loop vectorises
    let (mut sp, mut sq) = ([0.0f64; 4], [0.0f64; 4]);
    let (wc, pc, qc) = (
        weights.chunks_exact(4),
        log_p.chunks_exact(4),
        log_q.chunks_exact(4),
    );
    let (wr, pr, qr) = (wc.remainder(), pc.remainder(), qc.remainder());
    for ((w, p), q) in wc.zip(pc).zip(qc) {
        for j in 0..4 {
            sp[j] += w[j] * p[j];
            sq[j] += w[j] * q[j];
        }
    }
    let (mut sp, mut sq) = (
        (sp[0] + sp[1]) + (sp[2] + sp[3]),
        (sq[0] + sq[1]) + (sq[2] + sq[3]),
    );
    for ((&w, &lp), &lq) in wr.iter().zip(pr).zip(qr) {
        sp += w * lp;
        sq += w * lq;
    }
    let ent = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
    (ent(p_hat) + ent(q_hat) - p_hat * sp - q_hat * sq).max(0.0)
}

/// Writes the normalised posterior weights w_k (Σ = 1) of `posterior` into `out`, reusing its
/// allocation (the allocation-free counterpart of [`Posterior::weights`]).
pub fn posterior_weights_into(posterior: &Posterior, out: &mut Vec<f64>) {
    let lp = posterior.log_posterior();
    let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    out.clear();
    out.extend(lp.iter().map(|&l| (l - m).exp()));
    let s: f64 = out.iter().sum();
    if s > 0.0 && s.is_finite() {
        for w in out.iter_mut() {
            *w /= s;
        }
    }
}

/// The log-likelihood rows ln P_i(θ_k) and ln Q_i(θ_k) of a whole item bank on one grid, stored
/// contiguously: the table behind the O(grid) EAP update
/// ([`Posterior::add_log_likelihood_row`]) and the allocation-free KLP scan.
#[derive(Debug, Clone, PartialEq)]
pub struct LikelihoodTable {
    nodes: usize,
    /// For item i: [ln P at every node, ln Q at every node].
    rows: Vec<f64>,
}

impl LikelihoodTable {
    /// Precomputes the rows of every item on `grid` (2 × items × nodes logarithms, once).
    pub fn new(grid: &Grid, items: &[ItemParams]) -> Self {
        let n = grid.len();
        let mut rows = Vec::with_capacity(2 * n * items.len());
        for it in items {
            rows.extend(grid.nodes().iter().map(|&t| it.log_prob(t, true)));
            rows.extend(grid.nodes().iter().map(|&t| it.log_prob(t, false)));
        }
        Self { nodes: n, rows }
    }

    /// Number of items.
    pub fn items(&self) -> usize {
        self.rows.len() / (2 * self.nodes)
    }

    /// Number of grid nodes per row.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The row ln P_i(θ_k) (`correct`) or ln Q_i(θ_k) (wrong) of item `item`, or `None` when
    /// the index is out of range.
    #[inline]
    pub fn row(&self, item: usize, correct: bool) -> Option<&[f64]> {
        let start = 2 * self.nodes * item + if correct { 0 } else { self.nodes };
        self.rows.get(start..start + self.nodes)
    }

    /// KLP of item `item` (see [`kl_posterior_rows`]) with θ̂ and the normalised posterior
    /// `weights`; 0 for an index out of range.
    #[inline]
    pub fn kl_posterior(&self, item: usize, params: &ItemParams, theta_hat: f64, weights: &[f64]) -> f64 {
        match (self.row(item, true), self.row(item, false)) {
            (Some(lp), Some(lq)) => kl_posterior_rows(
                params.prob(theta_hat),
                params.prob_wrong(theta_hat),
                weights,
                lp,
                lq,
            ),
            _ => 0.0,
        }
    }

    /// The item of greatest KLP among those `eligible` accepts: `(index, KLP)`, or `None`. `items`
    /// are the parameters the table was built from, in the same order. Ties go to the lowest index.
    pub fn max_kl_posterior_item(
        &self,
        items: &[ItemParams],
        theta_hat: f64,
        weights: &[f64],
        mut eligible: impl FnMut(usize) -> bool,
    ) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (i, it) in items.iter().enumerate().take(self.items()) {
            if !eligible(i) {
                continue;
            }
            let v = self.kl_posterior(i, it, theta_hat, weights);
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((i, v));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol
    }

    #[test]
    fn two_pl_test_information_closed_form() {
        // 2PL: I_i = a² P Q. At θ = b, P = 1/2 → a²/4.
        let items = [
            ItemParams::two_pl(1.0, 0.0).unwrap(),
            ItemParams::two_pl(2.0, 0.0).unwrap(),
        ];
        assert!(close(test_information(&items, 0.0), 0.25 + 1.0, 1e-15));
        // at θ = ln 3 for a = 1, b = 0: P = 3/4, I = 3/16; for a = 2: P = 9/10, I = 4·9/100
        let t = 3f64.ln();
        assert!(close(test_information(&items, t), 3.0 / 16.0 + 0.36, 1e-14));
        assert_eq!(test_information(&[], 0.3), 0.0);
    }

    #[test]
    fn mfi_picks_the_closest_2pl_of_equal_slope() {
        let items: Vec<_> = [-1.0, 0.2, 1.5]
            .iter()
            .map(|&b| ItemParams::two_pl(1.0, b).unwrap())
            .collect();
        assert_eq!(max_information_item(&items, 0.0, |_| true).unwrap().0, 1);
        assert_eq!(max_information_item(&items, 0.0, |i| i != 1).unwrap().0, 0);
        assert!(max_information_item(&items, 0.0, |_| false).is_none());
    }

    #[test]
    fn klp_rows_equal_direct_sum() {
        let grid = Grid::standard();
        let items = [
            ItemParams::new(1.3, 0.4, 0.2, 0.95).unwrap(),
            ItemParams::two_pl(0.7, -1.2).unwrap(),
        ];
        let table = LikelihoodTable::new(&grid, &items);
        let mut post = Posterior::new(&grid);
        post.add_response(&items[0], true);
        let mut w = Vec::new();
        posterior_weights_into(&post, &mut w);
        assert!(close(w.iter().sum::<f64>(), 1.0, 1e-14));
        for (i, it) in items.iter().enumerate() {
            let direct = kl_posterior(it, 0.3, grid.nodes(), &w);
            let fast = table.kl_posterior(i, it, 0.3, &w);
            assert!(close(direct, fast, 1e-13), "{direct} vs {fast}");
            assert!(direct > 0.0);
        }
        assert!(table.row(2, true).is_none());
        assert_eq!(table.kl_posterior(5, &items[0], 0.0, &w), 0.0);
    }

    #[test]
    fn kl_index_of_rasch_item_matches_series() {
        // Rasch item b = 0, θ̂ = 0 (P̂ = 1/2): KL(½ ‖ P(θ)) = −ln 2 − ½ ln P(θ) − ½ ln Q(θ)
        // = −ln 2 + ln(2 cosh(θ/2)) = ln cosh(θ/2). ∫_{−1}^{1} ln cosh(θ/2) dθ
        // = 2 ∫_0^1 ln cosh(x/2) dx; with ln cosh y = y²/2 − y⁴/12 + y⁶/45 − 17y⁸/2520 + 31y¹⁰/14175 − …:
        // 2 [1/24 − 1/960 + 1/20160 − 17/(2520·256·9) + 31/(14175·1024·11)] (next term ~1e−10).
        let it = ItemParams::rasch(0.0).unwrap();
        let want = 2.0
            * (1.0 / 24.0 - 1.0 / 960.0 + 1.0 / 20160.0 - 17.0 / (2520.0 * 256.0 * 9.0)
                + 31.0 / (14175.0 * 1024.0 * 11.0));
        assert!(
            close(kl_index(&it, 0.0, 1.0), want, 1e-7),
            "{}",
            kl_index(&it, 0.0, 1.0)
        );
        assert_eq!(kl_index(&it, 0.0, 0.0), 0.0);
    }
}
