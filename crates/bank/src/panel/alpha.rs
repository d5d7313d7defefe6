//! Krippendorff's alpha, the inter-rater agreement of the panel: it takes any number of raters,
//! items rated by different subsets of them, and levels compared as numbers (interval metric).

/// Krippendorff's alpha with the interval metric δ(c, k) = (c − k)², over `units` (the values
/// each unit received; units with fewer than two values are not pairable and left out):
///
/// α = 1 − D_o / D_e, with n the number of pairable values,
/// D_o = (1/n) Σ_u 1/(m_u − 1) Σ_{i≠j} (v_ui − v_uj)² (disagreement observed within units) and
/// D_e = 1/(n(n − 1)) Σ_{a≠b} (v_a − v_b)² (disagreement expected between any two values).
///
/// `None` when it is undefined: fewer than two pairable values, or every value equal (D_e = 0).
/// Reference: K. Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011 (its example
/// of 4 observers and 12 units with missing values gives α = 0.849 with the interval metric).
pub fn krippendorff_alpha_interval(units: &[Vec<f64>]) -> Option<f64> {
    // Σ over ordered pairs i ≠ j of (x_i − x_j)² = 2 (m Σx² − (Σx)²).
    let pair_sum = |m: f64, s: f64, s2: f64| 2.0 * (m * s2 - s * s);
    let (mut n, mut total, mut total2, mut observed) = (0.0, 0.0, 0.0, 0.0);
    for u in units.iter().filter(|u| u.len() >= 2) {
        let m = u.len() as f64;
        let s: f64 = u.iter().sum();
        let s2: f64 = u.iter().map(|x| x * x).sum();
        observed += pair_sum(m, s, s2) / (m - 1.0);
        n += m;
        total += s;
        total2 += s2;
    }
    if n < 2.0 {
        return None;
    }
    let d_o = observed / n;
    let d_e = pair_sum(n, total, total2) / (n * (n - 1.0));
    (d_e > 1e-12).then(|| 1.0 - d_o / d_e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff (2011), section C: observers A–D, units 1–12, `None` = missing.
    fn krippendorff_example() -> Vec<Vec<f64>> {
        let n = None;
        let rows: [[Option<u8>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                n,
                n,
                n,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                n,
                Some(3),
            ],
            [
                n,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                n,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                n,
            ],
        ];
        (0..12)
            .map(|u| rows.iter().filter_map(|r| r[u]).map(f64::from).collect())
            .collect()
    }

    #[test]
    fn the_published_example() {
        let alpha = krippendorff_alpha_interval(&krippendorff_example()).expect("defined");
        // 0.849 in the paper; 0.8491071428571428 by the definition computed term by term in
        // tests/reference/panel_reference.py.
        assert!((alpha - 0.849_107_142_857_142_8).abs() < 1e-12, "{alpha}");
    }

    #[test]
    fn perfect_agreement_and_undefined_cases() {
        let perfect = vec![vec![4.0, 4.0, 4.0], vec![6.0, 6.0], vec![5.0, 5.0, 5.0]];
        assert_eq!(krippendorff_alpha_interval(&perfect), Some(1.0));
        assert_eq!(
            krippendorff_alpha_interval(&[vec![4.0, 4.0], vec![4.0, 4.0]]),
            None
        );
        assert_eq!(krippendorff_alpha_interval(&[vec![4.0], vec![5.0]]), None);
        assert_eq!(krippendorff_alpha_interval(&[]), None);
    }
}
