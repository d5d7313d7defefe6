//! Tests of the structure fit: derivatives against finite differences, recovery, bounds.

use super::*;
use crate::structure::ConditionalPrior;

/// A small deterministic generator (SplitMix64), for the tests only.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.next().max(1e-300);
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Agents answering `per` random items in each of the competences, θ from the one-factor
/// model with `lambda`.
fn simulate(lambda: &[f64], agents: usize, per: usize, seed: u64) -> StructureData {
    let mut rng = Rng(seed);
    let grid = Grid::standard();
    let mut data = StructureData::new(&grid, lambda.len()).unwrap();
    for _ in 0..agents {
        let g = rng.normal();
        let mut resp = Vec::new();
        for (d, &l) in lambda.iter().enumerate() {
            let theta = l * g + (1.0 - l * l).sqrt() * rng.normal();
            for _ in 0..per {
                let it =
                    ItemParams::new(0.8 + rng.next(), 3.0 * rng.normal().clamp(-1.0, 1.0), 0.0, 1.0).unwrap();
                let right = rng.next() < it.prob(theta);
                resp.push((d, it, right));
            }
        }
        data.add_agent(&resp).unwrap();
    }
    data
}

#[test]
fn weight_rows_match_the_conditional_prior() {
    let g = Grid::standard();
    let f = FactorGrid::standard();
    for l in [0.0, 0.3, std::f64::consts::FRAC_1_SQRT_2, 0.95] {
        let r = rows(g.nodes(), f.nodes(), l);
        let p = ConditionalPrior::new(&g, &f, l).unwrap();
        for j in 0..f.len() {
            for (a, b) in r.w[j * g.len()..(j + 1) * g.len()].iter().zip(p.row(j)) {
                assert!((a - b).abs() < 1e-15, "{l}: {a} {b}");
            }
        }
    }
}

/// The analytic gradient and Hessian against central differences of ℓ.
#[test]
fn derivatives_match_finite_differences() {
    let lambda = [0.3, 0.6, 0.85, 0.0];
    let data = simulate(&lambda, 60, 5, 7);
    let f = FactorGrid::standard();
    let at = [0.35, 0.55, 0.8, 0.2];
    let ev = evaluate(&data, &f, &at, 1).unwrap();
    let h = 1e-5;
    for d in 0..4 {
        let mut up = at;
        let mut dn = at;
        up[d] += h;
        dn[d] -= h;
        let eu = evaluate(&data, &f, &up, 1).unwrap();
        let ed = evaluate(&data, &f, &dn, 1).unwrap();
        let g = (eu.loglik - ed.loglik) / (2.0 * h);
        assert!(
            (g - ev.gradient[d]).abs() < 1e-5 * (1.0 + g.abs()),
            "grad {d}: {g} {}",
            ev.gradient[d]
        );
        for e in 0..4 {
            let fd = (eu.gradient[e] - ed.gradient[e]) / (2.0 * h);
            let an = ev.hessian[d * 4 + e];
            assert!(
                (fd - an).abs() < 1e-4 * (1.0 + fd.abs()),
                "hess {d},{e}: {fd} {an}"
            );
        }
    }
    // the thread count does not change a bit
    let e2 = evaluate(&data, &f, &at, 3).unwrap();
    assert_eq!(ev, e2);
}

#[test]
fn recovers_known_loadings() {
    let lambda = [0.3, 0.5, 0.7, 0.9, 0.6];
    let data = simulate(&lambda, 1500, 8, 11);
    let fit = fit_structure(&data, &StructureOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    for (d, &truth) in lambda.iter().enumerate() {
        let se = fit.se[d].unwrap();
        assert!(se > 0.005 && se < 0.1, "{d}: se {se}");
        let z = (fit.loadings[d] - truth) / se;
        assert!(z.abs() < 4.0, "{d}: {} vs {truth} (se {se})", fit.loadings[d]);
        let r = fit.se_robust[d].unwrap();
        assert!((r / se - 1.0).abs() < 0.35, "{d}: robust {r} vs {se}");
    }
    assert!(fit.loglik > fit.loglik_independent);
}

#[test]
fn independent_data_put_loadings_at_or_near_zero() {
    let data = simulate(&[0.0, 0.0, 0.0], 800, 8, 3);
    let fit = fit_structure(&data, &StructureOptions::default()).unwrap();
    assert!(fit.converged);
    // only the correlations λ_d λ_e are identified: with every other loading at 0, one
    // loading alone changes nothing (its θ stays N(0, 1), correlated with nothing)
    let l = &fit.loadings;
    for d in 0..3 {
        for e in d + 1..3 {
            assert!(l[d] * l[e] < 0.1, "{d},{e}: {l:?}");
        }
    }
}

#[test]
fn single_competence_agents_and_bad_input() {
    let g = Grid::standard();
    let mut data = StructureData::new(&g, 2).unwrap();
    let it = ItemParams::two_pl(1.0, 0.0).unwrap();
    assert!(!data.add_agent(&[(0, it, true), (0, it, false)]).unwrap());
    assert_eq!(data.single_competence_agents(), 1);
    assert!(matches!(
        fit_structure(&data, &StructureOptions::default()),
        Err(StructureFitError::NoAgents)
    ));
    assert!(matches!(
        data.add_agent(&[(2, it, true)]),
        Err(StructureFitError::CompetenceOutOfRange { .. })
    ));
    assert!(data.add_agent(&[(0, it, true), (1, it, false)]).unwrap());
    let f = FactorGrid::standard();
    assert!(matches!(
        loglik(&data, &f, &[0.5]),
        Err(StructureFitError::StartLength { .. })
    ));
    assert!(matches!(
        loglik(&data, &f, &[0.5, 0.99]),
        Err(StructureFitError::Start(_))
    ));
    let shifted = Grid::new(61, -4.0, 4.0, 0.5, 1.0).unwrap();
    assert!(StructureData::new(&shifted, 2).is_err());
}

/// A competence nobody answered keeps its starting value and has no SE.
#[test]
fn unanswered_competence_is_not_estimated() {
    let mut data = simulate(&[0.6, 0.6, 0.6], 300, 6, 5);
    data.competences = 4;
    data.answered.push(0);
    let fit = fit_structure(&data, &StructureOptions::default()).unwrap();
    assert_eq!(fit.states[3], LoadingState::NotEstimated);
    assert_eq!(fit.loadings[3], std::f64::consts::FRAC_1_SQRT_2);
    assert!(fit.se[3].is_none());
}
