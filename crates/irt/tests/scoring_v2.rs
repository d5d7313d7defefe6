//! Scoring version 2 over many random response patterns (`SCORING.md`): the reported pix is the
//! pix of the posterior median, the 90% interval always contains it, the level is the one
//! definition of the level of a pix, for the separate and for the structured posterior.

use std::sync::Arc;

use jauge_irt::scoring::{PixScale, PixScore, ScoredSkill, level_of_pix, provisional_difficulty};
use jauge_irt::structure::{ConditionalPrior, FactorGrid, ProfilePosterior};
use jauge_irt::{Grid, ItemParams, Posterior, weighted_quantile};
use proptest::prelude::*;

/// A competence's scale: 1–4 skills per level up to `max_level`, locations around the
/// provisional difficulty of their level.
fn scale_strategy() -> impl Strategy<Value = PixScale> {
    (2u8..=8).prop_flat_map(|max_level| {
        proptest::collection::vec((1usize..=4, -0.4f64..0.4), max_level as usize).prop_map(move |cells| {
            let mut skills = Vec::new();
            for (l, (n, shift)) in cells.into_iter().enumerate() {
                let level = l as u8 + 1;
                for k in 0..n {
                    skills.push(ScoredSkill {
                        level,
                        location: provisional_difficulty(level) + shift + 0.05 * k as f64,
                    });
                }
            }
            PixScale::new(skills, max_level)
        })
    })
}

fn items_strategy() -> impl Strategy<Value = Vec<(ItemParams, bool)>> {
    proptest::collection::vec(
        (
            0.4f64..2.5,
            -3.0f64..3.0,
            prop_oneof![Just(0.0), Just(0.25), Just(1.0 / 3.0)],
            any::<bool>(),
        ),
        0..25,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(a, b, c, r)| (ItemParams::new(a, b, c, 1.0).expect("valid"), r))
            .collect()
    })
}

fn check(score: &PixScore, scale: &PixScale, nodes: &[f64], weights: &[f64], cap: Option<u8>) {
    assert!(
        score.pix_low <= score.pix && score.pix <= score.pix_high,
        "{score:?}"
    );
    let top = scale.top(cap);
    assert_eq!(score.level, level_of_pix(score.pix, top));
    assert!(score.level <= top);
    assert_eq!(score.median, weighted_quantile(nodes, weights, 0.5));
    assert_eq!(score.pix, scale.pix_floor(score.median, cap));
    // the median of the pix distribution: at least half the mass has pix ≤ the reported one
    // (floored), and at least half has pix ≥ it
    let mass = |f: &dyn Fn(u32) -> bool| -> f64 {
        nodes
            .iter()
            .zip(weights)
            .filter(|(t, _)| f(scale.pix_floor(**t, cap)))
            .map(|(_, w)| w)
            .sum()
    };
    assert!(mass(&|p| p <= score.pix) >= 0.5 - 1e-9);
    assert!(mass(&|p| p >= score.pix) >= 0.5 - 1e-9);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_interval_contains_the_separate_pix(scale in scale_strategy(), pattern in items_strategy(), cap in proptest::option::of(1u8..=8)) {
        let g = Grid::standard();
        let mut p = Posterior::new(&g);
        for (it, r) in &pattern {
            p.add_response(it, *r);
        }
        let s = scale.score(&p, cap);
        check(&s, &scale, g.nodes(), &p.weights(), cap);
    }

    #[test]
    fn the_interval_contains_the_structured_pix(
        scale in scale_strategy(),
        patterns in proptest::collection::vec(items_strategy(), 3),
        lambda in 0.0f64..=0.95,
    ) {
        let g = Grid::standard();
        let f = FactorGrid::standard();
        let prior = Arc::new(ConditionalPrior::new(&g, &f, lambda).unwrap());
        let mut sp = ProfilePosterior::new(&g, &f, vec![prior; 3]);
        for (d, pattern) in patterns.iter().enumerate() {
            for (it, r) in pattern {
                let row: Vec<f64> = g.nodes().iter().map(|&t| if *r { it.prob(t) } else { it.prob_wrong(t) }).collect();
                sp.add_row(d, &row);
            }
        }
        for d in 0..3 {
            let m = sp.marginal(d);
            let s = scale.score_weights(g.nodes(), &m.weights, m.mean, m.sd, None);
            check(&s, &scale, g.nodes(), &m.weights, None);
        }
    }
}

/// A perfect run on the items a session would give (levels 4 to 6, the top open level 6):
/// the top level is reached and the interval holds the pix.
#[test]
fn a_perfect_run_reaches_the_top_open_level() {
    let g = Grid::standard();
    let mut skills = Vec::new();
    for level in 1..=6u8 {
        for _ in 0..3 {
            skills.push(ScoredSkill {
                level,
                location: provisional_difficulty(level),
            });
        }
    }
    let scale = PixScale::new(skills, 6);
    let mut p = Posterior::new(&g);
    for k in 0..20u8 {
        let level = (3 + k / 3).min(6);
        let c = if k % 3 == 0 { 0.25 } else { 0.0 };
        p.add_response(
            &ItemParams::new(1.0, provisional_difficulty(level), c, 1.0).unwrap(),
            true,
        );
        let s = scale.score(&p, None);
        assert!(s.pix_low <= s.pix && s.pix <= s.pix_high, "{s:?}");
    }
    let s = scale.score(&p, None);
    // 6 levels × 3 skills × 8/3 = 48 pix exactly (a float sum would give 47.99…)
    assert_eq!((s.pix, s.level), (48, 6), "{s:?}");
}
