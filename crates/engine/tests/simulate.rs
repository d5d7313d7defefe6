//! Item-file simulation: determinism, exactness of the short lists, accuracy on S1, exposure.

use jauge_engine::exposure::{check_feasible, fit_sympson_hetter};
use jauge_engine::select::{MaxInfo, MaxInfoFullScan, PosteriorKl, RandomItem};
use jauge_engine::simulate::exposure_rates;
use jauge_engine::{
    EngineError, EstimatorKind, InfoIndex, ItemSet, ResponseMatrix, SimConfig, Simulation, Truth, summarise,
};
use jauge_irt::{Grid, ItemParams};

fn rows(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/../../tests/data/peers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect()
}

fn s1() -> (Vec<ItemParams>, Vec<f64>) {
    let bank = rows("bank_1000.csv")
        .iter()
        .map(|r| ItemParams::new(r[1], r[2], r[3], r[4]).unwrap())
        .collect();
    let thetas = rows("thetas_1000.csv").iter().map(|r| r[1]).collect();
    (bank, thetas)
}

#[test]
fn s1_subset_is_identical_across_threads_and_equal_to_a_full_scan() {
    let (bank, thetas) = s1();
    let grid = Grid::standard();
    let set = ItemSet::new(bank, &grid);
    let index = InfoIndex::new(&set, -4.0, 4.0, 0.1, 28);
    let n = 200;
    let run = |threads: usize, indexed: bool| {
        let config = SimConfig {
            threads,
            seed: 11,
            ..SimConfig::default()
        };
        let sim = Simulation {
            set: &set,
            index: Some(&index),
            grid: &grid,
            selector: if indexed {
                &MaxInfo { randomesque: 1 }
            } else {
                &MaxInfoFullScan { randomesque: 1 }
            },
            estimator: &EstimatorKind::Eap,
            config: &config,
        };
        sim.run(Truth::Thetas(&thetas[..n]), n).unwrap()
    };
    let a = run(1, true);
    assert_eq!(a, run(2, true));
    assert_eq!(a, run(3, true));
    assert_eq!(
        a,
        run(2, false),
        "short lists must choose exactly what a full scan chooses"
    );
    let s = summarise(&a, set.len(), Some(&thetas[..n]));
    assert_eq!(s.mean_length, 20.0);
    // the peers' S1 RMSE is 0.292 on 1,000 examinees; a 200 subset is noisier (SE ≈ 0.015)
    let rmse = s.rmse.unwrap();
    assert!((0.24..0.34).contains(&rmse), "RMSE {rmse}");
    assert!(s.bias.unwrap().abs() < 0.06);
    assert!(s.correlation.unwrap() > 0.93);
}

#[test]
fn other_rules_and_estimators_run_and_stop_on_se() {
    let (bank, thetas) = s1();
    let grid = Grid::standard();
    let set = ItemSet::new(bank[..300].to_vec(), &grid);
    let config = SimConfig {
        length: 30,
        min_length: 5,
        se_target: Some(0.35),
        threads: 2,
        ..SimConfig::default()
    };
    for est in [
        EstimatorKind::Eap,
        EstimatorKind::Map,
        EstimatorKind::Mle,
        EstimatorKind::Wle,
    ] {
        for sel in [
            &MaxInfo { randomesque: 3 } as &dyn jauge_engine::Selector,
            &PosteriorKl { randomesque: 1 },
            &RandomItem,
        ] {
            let sim = Simulation {
                set: &set,
                index: None,
                grid: &grid,
                selector: sel,
                estimator: &est,
                config: &config,
            };
            let out = sim.run(Truth::Thetas(&thetas[..20]), 20).unwrap();
            for r in &out {
                assert!(r.theta.is_finite() && r.se.is_finite() && r.se > 0.0);
                assert!((-4.0..=4.0).contains(&r.theta));
                assert!(r.items.len() >= 5 && r.items.len() <= 30);
                if r.items.len() < 30 && est == EstimatorKind::Eap {
                    assert!(r.se <= 0.35);
                }
            }
        }
    }
}

#[test]
fn predrawn_answers_are_used_and_missing_ones_never_administered() {
    let grid = Grid::standard();
    let items: Vec<ItemParams> = (0..30)
        .map(|k| ItemParams::two_pl(1.0 + 0.02 * f64::from(k), -1.5 + 0.1 * f64::from(k)).unwrap())
        .collect();
    let set = ItemSet::new(items, &grid);
    let mut m = ResponseMatrix::new(2, 30);
    for i in 0..30 {
        if i % 2 == 0 {
            m.set(0, i, true); // examinee 0 answered only the even items, all right
        }
        m.set(1, i, false);
    }
    let config = SimConfig {
        length: 10,
        ..SimConfig::default()
    };
    let sim = Simulation {
        set: &set,
        index: None,
        grid: &grid,
        selector: &MaxInfo { randomesque: 1 },
        estimator: &EstimatorKind::Eap,
        config: &config,
    };
    let out = sim.run(Truth::Responses(&m), 2).unwrap();
    assert!(out[0].items.iter().all(|i| i % 2 == 0));
    assert!(out[0].answers.iter().all(|&a| a) && out[1].answers.iter().all(|&a| !a));
    assert!(out[0].theta > 1.0 && out[1].theta < -1.0);
}

fn toy_bank() -> Vec<ItemParams> {
    (0..60)
        .map(|k| {
            let a = 0.6 + 0.03 * f64::from(k % 20);
            ItemParams::new(a, -2.5 + 5.0 * f64::from(k) / 59.0, 0.1, 1.0).unwrap()
        })
        .collect()
}

#[test]
fn sympson_hetter_reaches_its_target_on_a_toy_bank() {
    let grid = Grid::standard();
    let set = ItemSet::new(toy_bank(), &grid);
    let thetas = jauge_engine::rng::draw_abilities(3, 400);
    let config = SimConfig {
        length: 10,
        threads: 2,
        ..SimConfig::default()
    };
    let sim = Simulation {
        set: &set,
        index: None,
        grid: &grid,
        selector: &MaxInfo { randomesque: 1 },
        estimator: &EstimatorKind::Eap,
        config: &config,
    };
    let free = sim.run(Truth::Thetas(&thetas), thetas.len()).unwrap();
    let before = exposure_rates(&free, set.len()).into_iter().fold(0.0, f64::max);
    assert!(before > 0.6, "{before}");
    let fit = fit_sympson_hetter(&sim, &thetas, 0.3, 40).unwrap();
    assert!(fit.converged, "{fit:?}");
    assert!(fit.max_exposure <= 0.31, "{}", fit.max_exposure);
    assert!(fit.k.iter().all(|&k| (0.0..=1.0).contains(&k)));
    assert!(fit.k.iter().any(|&k| k < 1.0));
    // the fitted parameters hold on a fresh run of the same population (within sampling noise)
    let controlled = SimConfig {
        exposure: Some(fit.k.clone()),
        seed: 1234,
        ..config.clone()
    };
    let again = Simulation {
        config: &controlled,
        ..sim
    };
    let out = again.run(Truth::Thetas(&thetas), thetas.len()).unwrap();
    let after = exposure_rates(&out, set.len()).into_iter().fold(0.0, f64::max);
    assert!(after < 0.36, "{after}");
    assert!(out.iter().all(|r| r.items.len() == 10));
}

#[test]
fn infeasible_exposure_targets_are_reported() {
    // 10 items per test at r = 0.1 need 100 items; the toy bank has 60
    assert!(matches!(
        check_feasible(0.1, 10, 60),
        Err(EngineError::InfeasibleExposure {
            needed: 100,
            usable: 60,
            ..
        })
    ));
    assert!(check_feasible(0.2, 10, 60).is_ok());
    assert!(check_feasible(0.0, 10, 60).is_err());
    let grid = Grid::standard();
    let set = ItemSet::new(toy_bank(), &grid);
    let config = SimConfig::default();
    let sim = Simulation {
        set: &set,
        index: None,
        grid: &grid,
        selector: &MaxInfo { randomesque: 1 },
        estimator: &EstimatorKind::Eap,
        config: &config,
    };
    // 20 items at r = 0.25 need 80 > 60
    assert!(fit_sympson_hetter(&sim, &[0.0; 10], 0.25, 5).is_err());
}

#[test]
fn randomesque_lowers_the_maximum_exposure() {
    let grid = Grid::standard();
    let set = ItemSet::new(toy_bank(), &grid);
    let thetas = jauge_engine::rng::draw_abilities(4, 300);
    let config = SimConfig {
        length: 8,
        ..SimConfig::default()
    };
    let max_exp = |k: usize| {
        let sim = Simulation {
            set: &set,
            index: None,
            grid: &grid,
            selector: &MaxInfo { randomesque: k },
            estimator: &EstimatorKind::Eap,
            config: &config,
        };
        let out = sim.run(Truth::Thetas(&thetas), thetas.len()).unwrap();
        exposure_rates(&out, set.len()).into_iter().fold(0.0, f64::max)
    };
    let (one, five) = (max_exp(1), max_exp(5));
    assert!(one == 1.0 && five < 0.8, "{one} {five}");
}
