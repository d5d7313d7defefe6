//! The marginal likelihood of the structure estimation (`jauge_irt::structure_fit`) against the
//! independent NumPy reference (`tests/reference/structure_fit_reference.py`: the formula in log
//! space, a brute-force sum over the joint grid for agents with two or three competences, and the
//! gradient by central differences of its own total).

use std::collections::BTreeMap;

use jauge_irt::structure::FactorGrid;
use jauge_irt::structure_fit::{StructureData, agent_logliks, evaluate};
use jauge_irt::{Grid, ItemParams};

fn read(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/../../tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn marginal_likelihood_and_gradient_match_the_numpy_reference() {
    let mut agents: BTreeMap<usize, Vec<(usize, ItemParams, bool)>> = BTreeMap::new();
    for r in read("structure_fit_cases.csv") {
        let x: Vec<f64> = r[2..6].iter().map(|v| v.parse().unwrap()).collect();
        agents.entry(r[0].parse().unwrap()).or_default().push((
            r[1].parse().unwrap(),
            ItemParams::new(x[0], x[1], x[2], x[3]).unwrap(),
            r[6] == "1",
        ));
    }
    assert_eq!(agents.len(), 7);
    let mut data = StructureData::new(&Grid::standard(), 4).unwrap();
    for rs in agents.values() {
        assert!(data.add_agent(rs).unwrap());
    }
    // set → (λ, per-agent, total, gradient)
    type Set = (Vec<f64>, Vec<f64>, f64, BTreeMap<usize, f64>);
    let mut sets: BTreeMap<usize, Set> = BTreeMap::new();
    for r in read("structure_fit_expected.csv") {
        let s = sets.entry(r[0].parse().unwrap()).or_default();
        let v: f64 = r[3].parse().unwrap();
        match r[1].as_str() {
            "lambda" => s.0.push(v),
            "agent" => s.1.push(v),
            "total" => s.2 = v,
            "gradient" => {
                s.3.insert(r[2].parse().unwrap(), v);
            }
            other => panic!("unknown row {other}"),
        }
    }
    assert_eq!(sets.len(), 2);
    let f = FactorGrid::standard();
    for (s, (lam, per, total, grad)) in &sets {
        let got = agent_logliks(&data, &f, lam).unwrap();
        for (p, (a, b)) in got.iter().zip(per).enumerate() {
            assert!(
                (a - b).abs() < 1e-10 * (1.0 + b.abs()),
                "set {s}, agent {p}: {a} vs {b}"
            );
        }
        let ev = evaluate(&data, &f, lam, 2).unwrap();
        assert!(
            (ev.loglik - total).abs() < 1e-9,
            "set {s}: {} vs {total}",
            ev.loglik
        );
        assert!(!grad.is_empty());
        for (&d, g) in grad {
            // central differences with h = 1e-6: about 1e-6 of accuracy
            assert!(
                (ev.gradient[d] - g).abs() < 1e-5 * (1.0 + g.abs()),
                "set {s}, λ_{d}: {} vs {g}",
                ev.gradient[d]
            );
        }
    }
}
