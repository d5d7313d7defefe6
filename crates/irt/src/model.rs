//! The dichotomous logistic item response models (1PL to 4PL).
//!
//! P(θ) = c + (d − c) / (1 + exp(−a (θ − b)))  (Birnbaum 1968 for the 3PL; Barton & Lord 1981
//! for the upper asymptote d). A 1PL/Rasch item has a = 1, c = 0, d = 1; a 2PL item c = 0, d = 1.
//! A scaling constant D (1.702 for the normal-ogive metric) is folded into the slope with
//! [`ItemParams::scaled`].

use crate::error::ParamError;

/// The standard logistic function 1 / (1 + exp(−x)), computed without overflow.
#[inline]
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// ln(logistic(x)) = −ln(1 + exp(−x)), exact for large |x| (no log of 0).
#[inline]
pub fn log_logistic(x: f64) -> f64 {
    if x >= 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

/// ln(exp(x) + exp(y)) without overflow; −∞ is the neutral element.
#[inline]
fn log_add_exp(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x >= y { (x, y) } else { (y, x) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// Kullback–Leibler divergence KL(Bernoulli(p) ‖ Bernoulli(q)) = p ln(p/q) + (1−p) ln((1−p)/(1−q)).
///
/// Probabilities are clamped to [1e−300, 1 − 1e−16] so the result is always finite; 0 ln 0 = 0.
pub fn kl_bernoulli(p: f64, q: f64) -> f64 {
    const LO: f64 = 1e-300;
    let q = q.clamp(LO, 1.0 - 1e-16);
    let mut kl = 0.0;
    if p > 0.0 {
        kl += p * (p / q).ln();
    }
    if p < 1.0 {
        kl += (1.0 - p) * ((1.0 - p) / (1.0 - q)).ln();
    }
    kl.max(0.0)
}

/// The parameters of one dichotomous logistic item, validated on construction.
///
/// Invariants: every parameter finite, a > 0, 0 ≤ c < 1, c < d ≤ 1. A value of this type is
/// therefore always a usable item: no function below can produce NaN for a finite θ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemParams {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

impl ItemParams {
    /// A 4PL item with discrimination `a`, difficulty `b`, lower asymptote `c`, upper `d`.
    pub fn new(a: f64, b: f64, c: f64, d: f64) -> Result<Self, ParamError> {
        for (name, value) in [("a", a), ("b", b), ("c", c), ("d", d)] {
            if !value.is_finite() {
                return Err(ParamError::NotFinite { name, value });
            }
        }
        if a <= 0.0 {
            return Err(ParamError::NonPositiveSlope(a));
        }
        if !(0.0..1.0).contains(&c) {
            return Err(ParamError::LowerAsymptote(c));
        }
        if d <= c || d > 1.0 {
            return Err(ParamError::UpperAsymptote { c, d });
        }
        Ok(Self { a, b, c, d })
    }

    /// A 2PL item (c = 0, d = 1).
    pub fn two_pl(a: f64, b: f64) -> Result<Self, ParamError> {
        Self::new(a, b, 0.0, 1.0)
    }

    /// A Rasch / 1PL item (a = 1, c = 0, d = 1).
    pub fn rasch(b: f64) -> Result<Self, ParamError> {
        Self::new(1.0, b, 0.0, 1.0)
    }

    /// The same item with its slope multiplied by the scaling constant `scale` (D), so that
    /// P(θ) = c + (d − c) / (1 + exp(−D a (θ − b))).
    pub fn scaled(self, scale: f64) -> Result<Self, ParamError> {
        if !scale.is_finite() {
            return Err(ParamError::NotFinite {
                name: "D",
                value: scale,
            });
        }
        Self::new(self.a * scale, self.b, self.c, self.d)
    }

    /// Discrimination a.
    #[inline]
    pub fn a(&self) -> f64 {
        self.a
    }
    /// Difficulty b.
    #[inline]
    pub fn b(&self) -> f64 {
        self.b
    }
    /// Lower asymptote c (pseudo-guessing).
    #[inline]
    pub fn c(&self) -> f64 {
        self.c
    }
    /// Upper asymptote d (slipping is 1 − d).
    #[inline]
    pub fn d(&self) -> f64 {
        self.d
    }

    /// The logistic part L(θ) = 1 / (1 + exp(−a(θ − b))) and its complement 1 − L, each computed
    /// directly so that neither suffers cancellation.
    #[inline]
    fn core(&self, theta: f64) -> (f64, f64) {
        let z = self.a * (theta - self.b);
        // one exponential for both: with e = exp(−|z|), the larger is 1/(1 + e), the smaller e/(1 + e)
        let e = (-z.abs()).exp();
        let r = 1.0 / (1.0 + e);
        if z >= 0.0 { (r, e * r) } else { (e * r, r) }
    }

    /// Probability of a right answer, P(θ).
    #[inline]
    pub fn prob(&self, theta: f64) -> f64 {
        let (l, _) = self.core(theta);
        self.c + (self.d - self.c) * l
    }

    /// Probability of a wrong answer, Q(θ) = 1 − P(θ), computed as (1 − d) + (d − c)(1 − L)
    /// so that it keeps full relative precision when P is close to 1.
    #[inline]
    pub fn prob_wrong(&self, theta: f64) -> f64 {
        let (_, m) = self.core(theta);
        (1.0 - self.d) + (self.d - self.c) * m
    }

    /// P(θ), P′(θ) and P″(θ).
    ///
    /// With L the logistic part: P′ = (d − c) a L (1 − L), P″ = (d − c) a² L (1 − L)(1 − 2L).
    #[inline]
    pub fn prob_derivatives(&self, theta: f64) -> (f64, f64, f64) {
        let (l, m) = self.core(theta);
        let s = self.d - self.c;
        let p = self.c + s * l;
        let d1 = s * self.a * l * m;
        let d2 = d1 * self.a * (m - l);
        (p, d1, d2)
    }

    /// ln P(θ) for a right answer (`correct = true`) or ln Q(θ) for a wrong one, computed in log
    /// space so that it stays finite and accurate at extreme θ.
    #[inline]
    pub fn log_prob(&self, theta: f64, correct: bool) -> f64 {
        // Fast path with full relative precision: P and Q both come from one exponential
        // without cancellation; ln x for x ≤ ½, ln(1 − y) = ln_1p(−y) above. Log space is
        // only needed near underflow.
        let (l, m) = self.core(theta);
        let s = self.d - self.c;
        let (p, q) = (self.c + s * l, (1.0 - self.d) + s * m);
        let (x, y) = if correct { (p, q) } else { (q, p) };
        if x > 0.5 {
            return (-y).ln_1p();
        }
        if x > 1e-280 {
            return x.ln();
        }
        let z = self.a * (theta - self.b);
        if self.c == 0.0 && self.d == 1.0 {
            // 1PL/2PL: ln L(±z) exactly (the general form below reduces to it)
            return log_logistic(if correct { z } else { -z });
        }
        let ls = (self.d - self.c).ln();
        if correct {
            // ln(c + (d − c) L)
            let tail = if self.c > 0.0 {
                self.c.ln()
            } else {
                f64::NEG_INFINITY
            };
            log_add_exp(tail, ls + log_logistic(z))
        } else {
            // ln((1 − d) + (d − c)(1 − L))
            let tail = if self.d < 1.0 {
                (1.0 - self.d).ln()
            } else {
                f64::NEG_INFINITY
            };
            log_add_exp(tail, ls + log_logistic(-z))
        }
    }

    /// Fisher information I(θ) = P′(θ)² / (P(θ) Q(θ))
    /// = a² (d − c)² L² (1 − L)² / (P Q) (e.g. Magis 2013 for the 4PL).
    ///
    /// Always finite and ≥ 0; it tends to 0 far from b.
    #[inline]
    pub fn information(&self, theta: f64) -> f64 {
        let (l, m) = self.core(theta);
        let s = self.d - self.c;
        let num = self.a * s * l * m;
        if num == 0.0 {
            return 0.0;
        }
        let p = self.c + s * l;
        let q = (1.0 - self.d) + s * m;
        // num² / (p q), arranged to avoid underflow of num² when p or q is tiny.
        (num / p) * (num / q)
    }

    /// Kullback–Leibler divergence between the item's response distributions at `theta_hat`
    /// and at `theta`: KL_i(θ̂ ‖ θ) = P(θ̂) ln(P(θ̂)/P(θ)) + Q(θ̂) ln(Q(θ̂)/Q(θ))
    /// (Chang & Ying 1996).
    #[inline]
    pub fn kl(&self, theta_hat: f64, theta: f64) -> f64 {
        kl_bernoulli(self.prob(theta_hat), self.prob(theta))
    }

    /// The maximum of the Fisher information over θ and where it is reached.
    ///
    /// For c = 0 and d = 1 (2PL) it is a²/4 at θ = b. Otherwise the θ of maximum information is
    /// found numerically (golden-section search on [b − 20/a, b + 20/a]; the information of a 4PL
    /// item is unimodal in θ), which bounds the information any θ can draw from the item.
    pub fn max_information(&self) -> (f64, f64) {
        if self.c == 0.0 && self.d == 1.0 {
            return (self.b, self.a * self.a / 4.0);
        }
        let (mut lo, mut hi) = (self.b - 20.0 / self.a, self.b + 20.0 / self.a);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let mut x1 = hi - g * (hi - lo);
        let mut x2 = lo + g * (hi - lo);
        let (mut f1, mut f2) = (self.information(x1), self.information(x2));
        for _ in 0..200 {
            if hi - lo < 1e-12 {
                break;
            }
            if f1 < f2 {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + g * (hi - lo);
                f2 = self.information(x2);
            } else {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - g * (hi - lo);
                f1 = self.information(x1);
            }
        }
        let t = 0.5 * (lo + hi);
        (t, self.information(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol
    }

    #[test]
    fn rejects_invalid_parameters() {
        assert_eq!(
            ItemParams::new(0.0, 0.0, 0.0, 1.0),
            Err(ParamError::NonPositiveSlope(0.0))
        );
        assert_eq!(
            ItemParams::new(1.0, 0.0, 1.0, 1.0),
            Err(ParamError::LowerAsymptote(1.0))
        );
        assert_eq!(
            ItemParams::new(1.0, 0.0, -0.1, 1.0),
            Err(ParamError::LowerAsymptote(-0.1))
        );
        assert!(matches!(
            ItemParams::new(1.0, 0.0, 0.3, 0.3),
            Err(ParamError::UpperAsymptote { .. })
        ));
        assert!(matches!(
            ItemParams::new(1.0, f64::NAN, 0.0, 1.0),
            Err(ParamError::NotFinite { name: "b", .. })
        ));
        assert!(
            ItemParams::new(1.0, 0.0, 0.0, 1.0)
                .unwrap()
                .scaled(f64::INFINITY)
                .is_err()
        );
    }

    #[test]
    fn hand_worked_values() {
        // 2PL, a = 1.5, b = 0.5 at θ = 1: z = 0.75, P = 1/(1+e^-0.75) = 0.679178699175393
        let it = ItemParams::two_pl(1.5, 0.5).unwrap();
        assert!(close(it.prob(1.0), 0.679_178_699_175_393, 1e-14));
        // I = a² P Q = 2.25 · 0.679178699175393 · 0.320821300824607 = 0.490247...
        assert!(close(
            it.information(1.0),
            2.25 * 0.679_178_699_175_393 * 0.320_821_300_824_607,
            1e-14
        ));
        // 3PL at θ = b: P = c + (1 − c)/2
        let it = ItemParams::new(1.0, 0.0, 0.25, 1.0).unwrap();
        assert!(close(it.prob(0.0), 0.625, 1e-15));
        // I = a² (P − c)² / ((1 − c)² · P Q) · (1 − P)² / ... → at θ=b: (0.375² · 0.375²)/(0.75²·0.625·0.375)
        let want = 0.375f64.powi(2) * 0.375f64.powi(2) / (0.75f64.powi(2) * 0.625 * 0.375);
        assert!(close(it.information(0.0), want, 1e-14));
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let it = ItemParams::new(1.3, -0.4, 0.15, 0.93).unwrap();
        for &t in &[-3.0, -0.4, 0.0, 1.7] {
            let h = 1e-5;
            let (p, d1, d2) = it.prob_derivatives(t);
            assert!(close(p, it.prob(t), 1e-15));
            let fd1 = (it.prob(t + h) - it.prob(t - h)) / (2.0 * h);
            let fd2 = (it.prob(t + h) - 2.0 * it.prob(t) + it.prob(t - h)) / (h * h);
            assert!(close(d1, fd1, 1e-8), "{d1} vs {fd1}");
            assert!(close(d2, fd2, 1e-4), "{d2} vs {fd2}");
            // I = P'^2/(PQ)
            assert!(close(it.information(t), d1 * d1 / (p * (1.0 - p)), 1e-12));
        }
    }

    #[test]
    fn extreme_values_stay_finite() {
        let it = ItemParams::new(4.0, 0.0, 0.0, 1.0).unwrap();
        for &t in &[-1e6, -800.0, -40.0, 40.0, 800.0, 1e6] {
            assert!(it.log_prob(t, true).is_finite());
            assert!(it.log_prob(t, false).is_finite());
            assert!(it.information(t).is_finite() && it.information(t) >= 0.0);
        }
        // near P = 1 the log keeps full relative precision: ln σ(30) = −ln(1 + e^−30)
        let r = ItemParams::rasch(0.0).unwrap();
        let want = -(-30.0f64).exp().ln_1p();
        assert!(((r.log_prob(30.0, true) - want) / want).abs() < 1e-14);
        assert!(((r.log_prob(-30.0, false) - want) / want).abs() < 1e-14);
        // ln P for a 2PL far below b is a·(θ − b) to first order
        assert!(close(it.log_prob(-200.0, true), -800.0, 1e-9));
        assert!(close(it.log_prob(200.0, false), -800.0, 1e-9));
        let g = ItemParams::new(1.0, 0.0, 0.2, 0.9).unwrap();
        assert!(close(g.log_prob(-1e4, true), 0.2f64.ln(), 1e-12));
        assert!(close(g.log_prob(1e4, false), 0.1f64.ln(), 1e-12));
    }

    #[test]
    fn max_information_of_3pl() {
        // Birnbaum (1968): the 3PL information peaks at b + ln((1 + √(1 + 8c))/2)/a.
        let it = ItemParams::new(1.4, 0.3, 0.2, 1.0).unwrap();
        let (t, i) = it.max_information();
        let want = 0.3 + ((1.0 + (1.0f64 + 8.0 * 0.2).sqrt()) / 2.0).ln() / 1.4;
        assert!(close(t, want, 1e-6), "{t} vs {want}");
        assert!(close(i, it.information(want), 1e-12));
    }

    #[test]
    fn kl_is_zero_at_equality_and_positive_elsewhere() {
        let it = ItemParams::new(1.0, 0.0, 0.2, 1.0).unwrap();
        assert!(close(it.kl(0.5, 0.5), 0.0, 1e-15));
        assert!(it.kl(0.5, -1.0) > 0.0);
        // hand value: p=0.5,q=0.25 → 0.5 ln 2 + 0.5 ln(0.5/0.75)
        assert!(close(
            kl_bernoulli(0.5, 0.25),
            0.5 * 2f64.ln() + 0.5 * (0.5f64 / 0.75).ln(),
            1e-15
        ));
    }
}
