//! Item analysis on simulated data with known properties: an item with built-in DIF is found
//! (class C), items without DIF are not, on complete data (total-score matching) and on sparse
//! adaptive-like data (θ̂ strata); a misfitting item is flagged.

use jauge_irt::analysis::{AnalysisOptions, Basis, DifClass, Flag, Group, analyse, eap_thetas};
use jauge_irt::calibration::ResponseData;
use jauge_irt::{Grid, ItemParams};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random::<f64>().max(1e-300);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// 20 items; for the focal group item 0 is 1.2 logits harder (Δ_MH ≈ −2.35 × 1.2 × a ≈ −2.8:
/// class C). Every other item behaves the same in both groups.
fn setup(sparse: bool) -> (ResponseData, Vec<ItemParams>, Vec<Option<Group>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let items: Vec<ItemParams> = (0..20)
        .map(|i| ItemParams::two_pl(1.0, -1.5 + 3.0 * i as f64 / 19.0).unwrap())
        .collect();
    let persons = 6000;
    let mut cells = Vec::new();
    let mut groups = Vec::new();
    for p in 0..persons {
        let focal = p % 2 == 1;
        groups.push(Some(if focal { Group::Focal } else { Group::Reference }));
        let theta = normal(&mut rng);
        for (i, it) in items.iter().enumerate() {
            // Sparse: each person sees the 8 items nearest a noisy guess of their θ, plus item 0.
            if sparse && i != 0 && (it.b() - (theta + 0.5 * normal(&mut rng))).abs() > 0.6 {
                continue;
            }
            let shift = if focal && i == 0 { 1.2 } else { 0.0 };
            let item = ItemParams::two_pl(it.a(), it.b() + shift).unwrap();
            cells.push((p as u32, i as u32, rng.random::<f64>() < item.prob(theta)));
        }
    }
    let data = ResponseData::from_cells(items.len(), persons, cells).unwrap();
    (data, items, groups)
}

fn check(sparse: bool) {
    let (data, items, groups) = setup(sparse);
    let grid = Grid::standard();
    let thetas: Vec<f64> = eap_thetas(&data, &items, &grid)
        .into_iter()
        .map(|t| t.0)
        .collect();
    let a = analyse(&data, &items, &thetas, Some(&groups), &AnalysisOptions::default());
    assert_eq!(a.basis, if sparse { Basis::Theta } else { Basis::RawScore });
    let dif0 = a.items[0].dif.unwrap();
    assert!(dif0.delta < -1.5, "Δ {}", dif0.delta);
    assert_eq!(dif0.class, DifClass::C);
    assert!(a.items[0].flags.contains(&Flag::DifC));
    let c_elsewhere = a.items[1..]
        .iter()
        .filter(|i| i.dif.is_some_and(|d| d.class == DifClass::C))
        .count();
    assert_eq!(c_elsewhere, 0);
    // Items without DIF: Δ centred on 0.
    let mean_delta = a.items[1..]
        .iter()
        .filter_map(|i| i.dif.map(|d| d.delta))
        .sum::<f64>()
        / 19.0;
    assert!(mean_delta.abs() < 0.35, "mean Δ of the clean items {mean_delta}");
    if sparse {
        assert!(a.items[5].exposure < 0.6, "exposure {}", a.items[5].exposure);
        assert_eq!(a.items[0].exposure, 1.0);
    }
}

#[test]
fn dif_found_on_complete_data() {
    check(false);
}

#[test]
fn dif_found_on_sparse_data_with_theta_strata() {
    check(true);
}

/// A flat item (true a = 0.15, analysed with a = 1.5) has low item-rest correlation and
/// infit/outfit far above 1; a well-specified item does not.
#[test]
fn misfit_is_flagged() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let truth: Vec<ItemParams> = (0..15)
        .map(|i| {
            let a = if i == 0 { 0.15 } else { 1.2 };
            ItemParams::two_pl(a, -1.0 + i as f64 / 7.0).unwrap()
        })
        .collect();
    let mut cells = Vec::new();
    for p in 0..3000u32 {
        let theta = normal(&mut rng);
        for (i, it) in truth.iter().enumerate() {
            cells.push((p, i as u32, rng.random::<f64>() < it.prob(theta)));
        }
    }
    let data = ResponseData::from_cells(15, 3000, cells).unwrap();
    let mut model = truth.clone();
    model[0] = ItemParams::two_pl(1.5, model[0].b()).unwrap();
    let thetas: Vec<f64> = eap_thetas(&data, &model, &Grid::standard())
        .into_iter()
        .map(|t| t.0)
        .collect();
    let a = analyse(&data, &model, &thetas, None, &AnalysisOptions::default());
    let bad = &a.items[0];
    assert!(bad.flags.contains(&Flag::LowItemRest), "{bad:?}");
    assert!(
        bad.flags.contains(&Flag::Infit) && bad.flags.contains(&Flag::Outfit),
        "{bad:?}"
    );
    let good = &a.items[7];
    assert!(good.flags.is_empty(), "{good:?}");
    assert!(bad.dif.is_none());
}
