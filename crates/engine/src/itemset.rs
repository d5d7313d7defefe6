//! The precomputed view of a set of items that selection and estimation read: the parameters in
//! flat arrays, each item's peak of information, lazily computed likelihood rows on the
//! quadrature grid, and the per-interval short lists of [`crate::index`].

use std::sync::OnceLock;

use jauge_irt::{Grid, ItemParams};

/// Fisher information of a 4PL item, I(θ) = a² (d − c)² L² (1 − L)² / (P Q) (Magis 2013),
/// with one exponential: L and 1 − L both come from exp(−|z|).
#[inline]
pub fn information(p: &ItemParams, theta: f64) -> f64 {
    let z = p.a() * (theta - p.b());
    let e = (-z.abs()).exp();
    let inv = 1.0 / (1.0 + e);
    let (l, m) = if z >= 0.0 { (inv, e * inv) } else { (e * inv, inv) };
    let s = p.d() - p.c();
    let num = p.a() * s * l * m;
    if num == 0.0 {
        return 0.0;
    }
    let prob = p.c() + s * l;
    let q = (1.0 - p.d()) + s * m;
    (num / prob) * (num / q)
}

/// P(θ) = c + (d − c) / (1 + exp(−a(θ − b))) with one exponential.
#[inline]
pub fn prob(p: &ItemParams, theta: f64) -> f64 {
    let z = p.a() * (theta - p.b());
    let e = (-z.abs()).exp();
    let l = if z >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
    p.c() + (p.d() - p.c()) * l
}

/// The θ of maximum information and that maximum. For d = 1 Birnbaum's (1968) closed form
/// θ* = b + ln((1 + √(1 + 8c)) / 2) / a; otherwise the measurement core's numerical search.
pub fn peak(p: &ItemParams) -> (f64, f64) {
    let t = if p.d() == 1.0 {
        p.b() + ((1.0 + (1.0 + 8.0 * p.c()).sqrt()) / 2.0).ln() / p.a()
    } else {
        p.max_information().0
    };
    (t, information(p, t))
}

/// P and Q of an item at every node of an equally spaced grid.
///
/// exp(−a(θ_k − b)) is a geometric sequence in k, so two exponentials serve the whole row when
/// it stays in range; otherwise each node is computed directly.
fn prob_row(p: &ItemParams, nodes: &[f64]) -> Box<[f64]> {
    let n = nodes.len();
    let mut row = vec![0.0; 2 * n].into_boxed_slice();
    let s = p.d() - p.c();
    let step = if n > 1 { nodes[1] - nodes[0] } else { 0.0 };
    let z0 = p.a() * (nodes[0] - p.b());
    let z1 = p.a() * (nodes[n - 1] - p.b());
    let geometric = z0.abs() < 600.0 && z1.abs() < 600.0;
    if geometric {
        let mut e = (-z0).exp();
        let r = (-p.a() * step).exp();
        for k in 0..n {
            // L = 1/(1+e), 1 − L = e/(1+e); refresh e exactly every 16 nodes to bound drift
            if k % 16 == 0 {
                e = (-p.a() * (nodes[k] - p.b())).exp();
            }
            let inv = 1.0 / (1.0 + e);
            row[k] = p.c() + s * inv;
            row[n + k] = (1.0 - p.d()) + s * e * inv;
            e *= r;
        }
    } else {
        for (k, &t) in nodes.iter().enumerate() {
            row[k] = p.prob(t);
            row[n + k] = p.prob_wrong(t);
        }
    }
    row
}

/// A set of items prepared for adaptive selection on one quadrature grid.
#[derive(Debug)]
pub struct ItemSet {
    params: Vec<ItemParams>,
    peaks: Vec<(f64, f64)>,
    nodes: Vec<f64>,
    rows: Vec<OnceLock<Box<[f64]>>>,
    log_rows: Vec<OnceLock<Box<[f64]>>>,
}

impl ItemSet {
    /// Prepares `params` for selection and EAP on `grid`.
    pub fn new(params: Vec<ItemParams>, grid: &Grid) -> Self {
        let peaks = params.iter().map(peak).collect();
        let n = params.len();
        Self {
            params,
            peaks,
            nodes: grid.nodes().to_vec(),
            rows: (0..n).map(|_| OnceLock::new()).collect(),
            log_rows: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// True when the set holds no item.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The parameters of item `i`.
    #[inline]
    pub fn params(&self, i: usize) -> &ItemParams {
        &self.params[i]
    }

    /// All parameters.
    pub fn all_params(&self) -> &[ItemParams] {
        &self.params
    }

    /// Fisher information of item `i` at θ.
    #[inline]
    pub fn information(&self, i: usize, theta: f64) -> f64 {
        information(&self.params[i], theta)
    }

    /// (θ*, I(θ*)) of item `i`.
    #[inline]
    pub fn peak(&self, i: usize) -> (f64, f64) {
        self.peaks[i]
    }

    /// The grid nodes.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// P(θ_k) then Q(θ_k) at the grid nodes for item `i` (computed on first use, shared by all
    /// threads).
    #[inline]
    pub fn prob_row(&self, i: usize) -> &[f64] {
        self.rows[i].get_or_init(|| prob_row(&self.params[i], &self.nodes))
    }

    /// The likelihood row of a response to item `i` at the nodes: P(θ_k) if `right`, else Q(θ_k).
    #[inline]
    pub fn likelihood_row(&self, i: usize, right: bool) -> &[f64] {
        let r = self.prob_row(i);
        let n = self.nodes.len();
        if right { &r[..n] } else { &r[n..] }
    }

    /// ln P(θ_k) then ln Q(θ_k) for item `i`, computed in log space by the measurement core.
    pub fn log_row(&self, i: usize) -> &[f64] {
        self.log_rows[i].get_or_init(|| {
            let p = &self.params[i];
            let mut v: Vec<f64> = self.nodes.iter().map(|&t| p.log_prob(t, true)).collect();
            v.extend(self.nodes.iter().map(|&t| p.log_prob(t, false)));
            v.into_boxed_slice()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_information_matches_the_core() {
        for &(a, b, c, d) in &[(1.2, 0.3, 0.2, 1.0), (0.4, -2.0, 0.0, 1.0), (2.5, 1.0, 0.1, 0.9)] {
            let p = ItemParams::new(a, b, c, d).unwrap();
            for k in -40..=40 {
                let t = f64::from(k) * 0.2;
                let (x, y) = (information(&p, t), p.information(t));
                assert!((x - y).abs() <= 1e-13 * y.max(1e-300), "{x} {y}");
            }
            let (t, i) = peak(&p);
            let (t2, i2) = p.max_information();
            assert!((t - t2).abs() < 1e-5 && (i - i2).abs() < 1e-12, "{t} {t2}");
        }
    }

    #[test]
    fn rows_match_the_core() {
        let g = Grid::standard();
        let p = ItemParams::new(1.7, -0.4, 0.15, 0.97).unwrap();
        let set = ItemSet::new(vec![p], &g);
        for (k, &t) in g.nodes().iter().enumerate() {
            assert!((set.likelihood_row(0, true)[k] - p.prob(t)).abs() < 1e-14);
            assert!((set.likelihood_row(0, false)[k] - p.prob_wrong(t)).abs() < 1e-14);
            assert!((set.log_row(0)[k] - p.log_prob(t, true)).abs() < 1e-14);
        }
    }
}
