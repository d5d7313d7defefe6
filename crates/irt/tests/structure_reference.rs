//! The structured posterior against the independent NumPy reference
//! (`tests/reference/structure_reference.py`: the formula of `SCORING.md` and, for three
//! competences, a brute-force sum over the joint grid g × θ₁ × θ₂ × θ₃).

use std::collections::BTreeMap;
use std::sync::Arc;

use jauge_irt::structure::{ConditionalPrior, FactorGrid, ProfilePosterior};
use jauge_irt::{Grid, ItemParams};

fn read(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/../../tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

type Answers = Vec<(ItemParams, bool)>;

#[test]
fn the_structured_posterior_matches_the_numpy_reference() {
    // case → competence → (λ, answers)
    let mut cases: BTreeMap<String, BTreeMap<usize, (f64, Answers)>> = BTreeMap::new();
    for r in read("structure_cases.csv") {
        let d: usize = r[1].parse().unwrap();
        let lambda: f64 = r[2].parse().unwrap();
        let entry = cases
            .entry(r[0].clone())
            .or_default()
            .entry(d)
            .or_insert((lambda, Vec::new()));
        if !r[3].is_empty() {
            let x: Vec<f64> = r[3..7].iter().map(|v| v.parse().unwrap()).collect();
            entry
                .1
                .push((ItemParams::new(x[0], x[1], x[2], x[3]).unwrap(), r[7] == "1"));
        }
    }
    let mut expected: BTreeMap<(String, usize), (Vec<f64>, f64, f64)> = BTreeMap::new();
    for r in read("structure_expected.csv") {
        let e = expected.entry((r[0].clone(), r[1].parse().unwrap())).or_insert((
            Vec::new(),
            r[4].parse().unwrap(),
            r[5].parse().unwrap(),
        ));
        e.0.push(r[3].parse().unwrap());
    }
    assert_eq!(cases.len(), 6);
    let g = Grid::standard();
    let f = FactorGrid::standard();
    let mut checked = 0;
    for (name, comps) in &cases {
        let priors = comps
            .values()
            .map(|(l, _)| Arc::new(ConditionalPrior::new(&g, &f, *l).unwrap()))
            .collect();
        let mut sp = ProfilePosterior::new(&g, &f, priors);
        // answers interleaved across competences, as a session gives them
        let longest = comps.values().map(|c| c.1.len()).max().unwrap_or(0);
        for k in 0..longest {
            for (&d, (_, answers)) in comps {
                if let Some((it, right)) = answers.get(k) {
                    let row: Vec<f64> = g
                        .nodes()
                        .iter()
                        .map(|&t| if *right { it.prob(t) } else { it.prob_wrong(t) })
                        .collect();
                    sp.add_row(d, &row);
                }
            }
        }
        for &d in comps.keys() {
            let (w, mean, sd) = &expected[&(name.clone(), d)];
            let m = sp.marginal(d);
            assert_eq!(m.weights.len(), w.len());
            for (a, b) in m.weights.iter().zip(w) {
                assert!((a - b).abs() < 1e-12, "{name} {d}: {a} vs {b}");
            }
            assert!(
                (m.mean - mean).abs() < 1e-12,
                "{name} {d}: mean {} vs {mean}",
                m.mean
            );
            assert!((m.sd - sd).abs() < 1e-12, "{name} {d}: sd {} vs {sd}", m.sd);
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 3 + 16 * 3);
}
