//! The M-step: for each item, maximise the expected complete-data log-posterior
//!
//! ℓ_i(a, δ, c) = Σ_k [ r̄_ik ln P(θ_k) + (n̄_ik − r̄_ik) ln Q(θ_k) ] + ln p(c),
//! P(θ) = c + (1 − c) L(aθ + δ), L the logistic function, b = −δ / a,
//!
//! by Fisher scoring with step halving (the slope–intercept form makes the 2PL problem concave and
//! well conditioned). The standard errors come from the exact Hessian of the same function at the
//! end (central differences of the analytic gradient).

use super::CPrior;

/// Bounds that keep an item valid and the Newton steps sane.
pub(crate) const A_MIN: f64 = 0.01;
pub(crate) const A_MAX: f64 = 20.0;
pub(crate) const DELTA_MAX: f64 = 80.0;
pub(crate) const C_MIN: f64 = 1e-6;
pub(crate) const C_MAX: f64 = 0.95;

/// Which of (a, δ, c) the M-step moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Free {
    pub a: bool,
    pub c: bool,
}

/// The working parameters of one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Working {
    pub a: f64,
    pub delta: f64,
    pub c: f64,
}

/// The expected counts of one item at the nodes.
pub(crate) struct ItemCounts<'a> {
    pub nodes: &'a [f64],
    pub right: &'a [f64],
    pub n: &'a [f64],
}

fn log_prior(prior: &CPrior, c: f64) -> f64 {
    match prior {
        CPrior::Fixed(_) => 0.0,
        CPrior::Beta { .. } => prior.log_density(c),
    }
}

/// The logistic function and its logs at z from one exponential: (L(z), 1 − L(z), ln L(z),
/// ln(1 − L(z))), each to full relative precision (no cancellation, no log of 0).
#[inline]
pub(crate) fn logistic_parts(z: f64) -> (f64, f64, f64, f64) {
    let e = (-z.abs()).exp();
    let inv = 1.0 / (1.0 + e);
    let l1 = e.ln_1p();
    if z >= 0.0 {
        (inv, e * inv, -l1, -z - l1)
    } else {
        (e * inv, inv, z - l1, -l1)
    }
}

/// ℓ_i, its gradient (∂/∂a, ∂/∂δ, ∂/∂c) and the Fisher information (expected negative Hessian,
/// prior curvature included) at `w`, in one pass over the nodes.
struct Eval {
    f: f64,
    g: [f64; 3],
    h: [[f64; 3]; 3],
}

fn evaluate(cnt: &ItemCounts, w: Working, prior: &CPrior) -> Eval {
    let mut f = 0.0;
    let mut g = [0.0; 3];
    let mut h = [[0.0; 3]; 3];
    let c = w.c;
    let ln_1mc = (1.0 - c).ln();
    for ((&t, &r), &n) in cnt.nodes.iter().zip(cnt.right).zip(cnt.n) {
        let z = w.a * t + w.delta;
        let (l, m, ln_l, ln_m) = logistic_parts(z);
        // P = c + (1 − c) L, Q = (1 − c) M.
        let (p, ln_p) = if c > 0.0 {
            let p = c + (1.0 - c) * l;
            (p, p.ln())
        } else {
            (l, ln_l)
        };
        f += r * ln_p + (n - r) * (ln_1mc + ln_m);
        let p = p.max(1e-300);
        let e = r - n * p;
        // ∂ℓ/∂δ = Σ (r − nP) L / P; ∂ℓ/∂a = θ × that; ∂ℓ/∂c = Σ (r − nP) / (P (1 − c)).
        let lp = l / p;
        g[0] += e * lp * t;
        g[1] += e * lp;
        g[2] += e / (p * (1.0 - c));
        // Fisher: I = Σ n (∂P)(∂P)ᵀ / (P Q), with ∂P/∂δ = (1−c) L M, ∂P/∂c = M, Q = (1−c) M.
        let idd = n * (1.0 - c) * l * lp * m;
        let idc = n * lp * m;
        let icc = n * m / (p * (1.0 - c));
        h[0][0] += idd * t * t;
        h[0][1] += idd * t;
        h[1][1] += idd;
        h[0][2] += idc * t;
        h[1][2] += idc;
        h[2][2] += icc;
    }
    if let CPrior::Beta { alpha, beta } = *prior {
        g[2] += (alpha - 1.0) / c - (beta - 1.0) / (1.0 - c);
        h[2][2] += (alpha - 1.0) / (c * c) + (beta - 1.0) / ((1.0 - c) * (1.0 - c));
    }
    h[1][0] = h[0][1];
    h[2][0] = h[0][2];
    h[2][1] = h[1][2];
    Eval {
        f: f + log_prior(prior, w.c),
        g,
        h,
    }
}

/// ℓ_i at `w`.
#[cfg(test)]
pub(crate) fn objective(cnt: &ItemCounts, w: Working, prior: &CPrior) -> f64 {
    evaluate(cnt, w, prior).f
}

/// Gradient (∂/∂a, ∂/∂δ, ∂/∂c) and the Fisher information (expected negative Hessian, prior
/// curvature included) of ℓ_i.
fn gradient_info(cnt: &ItemCounts, w: Working, prior: &CPrior) -> ([f64; 3], [[f64; 3]; 3]) {
    let e = evaluate(cnt, w, prior);
    (e.g, e.h)
}

/// The indices of the free parameters among (a, δ, c).
fn free_indices(free: Free) -> Vec<usize> {
    let mut v = Vec::with_capacity(3);
    if free.a {
        v.push(0);
    }
    v.push(1);
    if free.c {
        v.push(2);
    }
    v
}

/// Solves the symmetric positive-definite system `h x = g` (size ≤ 3) by Cholesky; `None` when
/// `h` is not positive definite.
#[allow(clippy::needless_range_loop)] // index notation is the clearer one for Cholesky
pub(crate) fn solve_spd(h: &[Vec<f64>], g: &[f64]) -> Option<Vec<f64>> {
    let n = g.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = h[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = g[i];
        for k in 0..i {
            s -= l[i][k] * y[k];
        }
        y[i] = s / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[k][i] * x[k];
        }
        x[i] = s / l[i][i];
    }
    Some(x)
}

/// Inverse of a small symmetric positive-definite matrix (column by column).
pub(crate) fn invert_spd(h: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = h.len();
    let mut inv = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let x = solve_spd(h, &e)?;
        for i in 0..n {
            inv[i][j] = x[i];
        }
    }
    Some(inv)
}

fn clamp(w: Working) -> Working {
    Working {
        a: w.a.clamp(A_MIN, A_MAX),
        delta: w.delta.clamp(-DELTA_MAX, DELTA_MAX),
        c: w.c.clamp(C_MIN, C_MAX),
    }
}

/// Maximises ℓ_i over the free parameters from `start` by Fisher scoring with step halving.
pub(crate) fn maximise(cnt: &ItemCounts, start: Working, free: Free, prior: &CPrior) -> Working {
    let idx = free_indices(free);
    let mut w = start;
    let mut cur = evaluate(cnt, w, prior);
    for _ in 0..20 {
        let hs: Vec<Vec<f64>> = idx
            .iter()
            .map(|&i| idx.iter().map(|&j| cur.h[i][j]).collect())
            .collect();
        let gs: Vec<f64> = idx.iter().map(|&i| cur.g[i]).collect();
        let Some(step) = solve_spd(&hs, &gs) else {
            break;
        };
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..30 {
            let mut cand = w;
            for (s, &i) in step.iter().zip(&idx) {
                match i {
                    0 => cand.a += t * s,
                    1 => cand.delta += t * s,
                    _ => cand.c += t * s,
                }
            }
            if free.c {
                cand = clamp(cand);
            } else {
                let c = cand.c;
                cand = clamp(cand);
                cand.c = c;
            }
            let next = evaluate(cnt, cand, prior);
            if next.f.is_finite() && next.f >= cur.f {
                let change = (cand.a - w.a)
                    .abs()
                    .max((cand.delta - w.delta).abs())
                    .max((cand.c - w.c).abs());
                w = cand;
                cur = next;
                moved = change > 1e-10;
                break;
            }
            t *= 0.5;
        }
        if !moved {
            break;
        }
    }
    w
}

/// Covariance of the free parameters (in `free_indices` order: a?, δ, c?) from the exact Hessian
/// of ℓ_i at `w` (central differences of the analytic gradient), or `None` if it is not negative
/// definite there.
#[allow(clippy::needless_range_loop)]
pub(crate) fn covariance(cnt: &ItemCounts, w: Working, free: Free, prior: &CPrior) -> Option<Vec<Vec<f64>>> {
    let idx = free_indices(free);
    let n = idx.len();
    let mut hess = vec![vec![0.0; n]; n];
    let shift = |w: Working, i: usize, h: f64| -> Working {
        let mut v = w;
        match i {
            0 => v.a += h,
            1 => v.delta += h,
            _ => v.c += h,
        }
        v
    };
    for (col, &j) in idx.iter().enumerate() {
        let h = 1e-5
            * match j {
                0 => w.a.abs().max(0.1),
                1 => w.delta.abs().max(1.0),
                _ => w.c.min(1.0 - w.c).max(1e-3),
            };
        let (gp, _) = gradient_info(cnt, shift(w, j, h), prior);
        let (gm, _) = gradient_info(cnt, shift(w, j, -h), prior);
        for (row, &i) in idx.iter().enumerate() {
            hess[row][col] = -(gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = m;
            hess[j][i] = m;
        }
    }
    invert_spd(&hess)
}

/// Covariance of the free parameters from a given information matrix over (a, δ, c) (e.g. the
/// cross-product of the persons' scores), with the c prior's curvature added.
#[allow(clippy::needless_range_loop)]
pub(crate) fn covariance_from_information(
    info: &[[f64; 3]; 3],
    w: Working,
    free: Free,
    prior: &CPrior,
) -> Option<Vec<Vec<f64>>> {
    let idx = free_indices(free);
    let mut h: Vec<Vec<f64>> = idx
        .iter()
        .map(|&i| idx.iter().map(|&j| info[i][j]).collect())
        .collect();
    if let (CPrior::Beta { alpha, beta }, true) = (*prior, free.c) {
        let last = idx.len() - 1;
        let c = w.c;
        h[last][last] += (alpha - 1.0) / (c * c) + (beta - 1.0) / ((1.0 - c) * (1.0 - c));
    }
    invert_spd(&h)
}

/// The common-slope (one a for every free item) M-step: alternate one Fisher-scoring step on
/// every δ_i with one on the common a, a few rounds. Returns the new (a, δ_i).
pub(crate) fn maximise_common_slope(items: &[ItemCounts], a: f64, deltas: &mut [f64]) -> f64 {
    let none = CPrior::Fixed(0.0);
    let mut a = a;
    let free_delta = Free { a: false, c: false };
    for _ in 0..4 {
        for (cnt, d) in items.iter().zip(deltas.iter_mut()) {
            let w = maximise(cnt, Working { a, delta: *d, c: 0.0 }, free_delta, &none);
            *d = w.delta;
        }
        // One scoring step on a with the δ_i held.
        let (mut g, mut h) = (0.0, 0.0);
        for (cnt, &d) in items.iter().zip(deltas.iter()) {
            let (gi, hi) = gradient_info(cnt, Working { a, delta: d, c: 0.0 }, &none);
            g += gi[0];
            h += hi[0][0];
        }
        if h > 0.0 && h.is_finite() {
            a = (a + g / h).clamp(A_MIN, A_MAX);
        }
    }
    a
}

/// The covariance of the common slope and the δ_i from the arrow-shaped Hessian (Schur
/// complement): returns (var a, var δ_i, cov(a, δ_i)) or `None`.
pub(crate) fn common_slope_covariance(
    items: &[ItemCounts],
    a: f64,
    deltas: &[f64],
) -> Option<(f64, Vec<(f64, f64)>)> {
    let none = CPrior::Fixed(0.0);
    // For the 2PL in slope–intercept form the Fisher information equals the observed Hessian.
    let mut haa = 0.0;
    let mut parts = Vec::with_capacity(items.len());
    for (cnt, &d) in items.iter().zip(deltas) {
        let (_, h) = gradient_info(cnt, Working { a, delta: d, c: 0.0 }, &none);
        haa += h[0][0];
        if h[1][1].is_nan() || h[1][1] <= 0.0 {
            return None;
        }
        parts.push((h[0][1], h[1][1]));
    }
    let schur = haa - parts.iter().map(|&(ad, dd)| ad * ad / dd).sum::<f64>();
    if !(schur > 0.0 && schur.is_finite()) {
        return None;
    }
    let var_a = 1.0 / schur;
    let per = parts
        .iter()
        .map(|&(ad, dd)| {
            let r = ad / dd;
            (1.0 / dd + r * r * var_a, -r * var_a)
        })
        .collect();
    Some((var_a, per))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let nodes = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let right = [1.0, 3.0, 6.0, 8.0, 9.5];
        let n = [5.0, 8.0, 10.0, 10.0, 10.0];
        let cnt = ItemCounts {
            nodes: &nodes,
            right: &right,
            n: &n,
        };
        let prior = CPrior::Beta {
            alpha: 5.0,
            beta: 17.0,
        };
        let w = Working {
            a: 1.3,
            delta: -0.4,
            c: 0.15,
        };
        let (g, _) = gradient_info(&cnt, w, &prior);
        let h = 1e-6;
        let num = [
            (objective(&cnt, Working { a: w.a + h, ..w }, &prior)
                - objective(&cnt, Working { a: w.a - h, ..w }, &prior))
                / (2.0 * h),
            (objective(
                &cnt,
                Working {
                    delta: w.delta + h,
                    ..w
                },
                &prior,
            ) - objective(
                &cnt,
                Working {
                    delta: w.delta - h,
                    ..w
                },
                &prior,
            )) / (2.0 * h),
            (objective(&cnt, Working { c: w.c + h, ..w }, &prior)
                - objective(&cnt, Working { c: w.c - h, ..w }, &prior))
                / (2.0 * h),
        ];
        for (a, b) in g.iter().zip(num) {
            assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn maximise_reaches_a_stationary_point() {
        let nodes = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let right = [1.0, 3.0, 6.0, 8.0, 9.5];
        let n = [5.0, 8.0, 10.0, 10.0, 10.0];
        let cnt = ItemCounts {
            nodes: &nodes,
            right: &right,
            n: &n,
        };
        let prior = CPrior::Fixed(0.0);
        let w = maximise(
            &cnt,
            Working {
                a: 1.0,
                delta: 0.0,
                c: 0.0,
            },
            Free { a: true, c: false },
            &prior,
        );
        let (g, _) = gradient_info(&cnt, w, &prior);
        assert!(g[0].abs() < 1e-8 && g[1].abs() < 1e-8, "{g:?}");
    }
}
