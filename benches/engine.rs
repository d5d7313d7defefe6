//! Benchmarks of the adaptive engine: scenario S1 (MFI + EAP on the 1,000-item peers bank) on a
//! 100-examinee subset, and one full-profile adaptive session on a bank-shaped pool and on the
//! real bundled bank (`item-bank/`), and the cost of one answer with and without the profile
//! structure.
//!
//! Run briefly: `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 2`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jauge_engine::select::MaxInfo;
use jauge_engine::session::synthetic_pool;
use jauge_engine::{
    EstimatorKind, InfoIndex, ItemSet, ManualClock, Plan, Session, SessionConfig, SimConfig, Simulation,
    Truth,
};
use jauge_irt::{Grid, ItemParams};

fn read_csv(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("bench data");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap_or(f64::NAN)).collect())
        .collect()
}

fn s1(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/");
    let bank: Vec<ItemParams> = read_csv(&format!("{dir}bank_1000.csv"))
        .iter()
        .map(|r| ItemParams::new(r[1], r[2], r[3], r[4]).expect("valid item"))
        .collect();
    let thetas: Vec<f64> = read_csv(&format!("{dir}thetas_1000.csv"))
        .iter()
        .map(|r| r[1])
        .collect();
    let grid = Grid::standard();
    let config = SimConfig {
        length: 20,
        threads: 1,
        ..SimConfig::default()
    };
    c.bench_function("s1_100_examinees_with_setup", |b| {
        b.iter(|| {
            // the whole per-run cost: item set, lazy short lists and rows, 100 × 20 items
            let set = ItemSet::new(bank.clone(), &grid);
            let index = InfoIndex::new(&set, -4.0, 4.0, 0.1, 28);
            let sim = Simulation {
                set: &set,
                index: Some(&index),
                grid: &grid,
                selector: &MaxInfo { randomesque: 1 },
                estimator: &EstimatorKind::Eap,
                config: &config,
            };
            black_box(sim.run(Truth::Thetas(&thetas[..100]), 100).expect("runs"))
        })
    });
    let set = ItemSet::new(bank.clone(), &grid);
    let index = InfoIndex::new(&set, -4.0, 4.0, 0.1, 28);
    let sim = Simulation {
        set: &set,
        index: Some(&index),
        grid: &grid,
        selector: &MaxInfo { randomesque: 1 },
        estimator: &EstimatorKind::Eap,
        config: &config,
    };
    c.bench_function("s1_100_examinees_warm", |b| {
        b.iter(|| black_box(sim.run(Truth::Thetas(&thetas[..100]), 100).expect("runs")))
    });
}

fn full_session(c: &mut Criterion) {
    let grid = Grid::standard();
    // 16 competences × 4 tubes × levels 1–7 × 3 variants = 1,344 live items
    let pool = synthetic_pool(16, 4, 7, 3, &grid);
    let plan = Plan::full_profile_independent(pool.competences().map(str::to_owned).collect::<Vec<_>>());
    c.bench_function("full_profile_session", |b| {
        b.iter(|| {
            let mut s = Session::new(&pool, plan.clone(), SessionConfig::default(), 42).expect("plan");
            let clock = ManualClock::default();
            let mut k = 0u64;
            while let Some(q) = s.next_question(&clock) {
                k += 1;
                clock.advance(5_000);
                s.answer(&q.id, !k.is_multiple_of(3), &clock).expect("answer");
            }
            black_box(s.profile())
        })
    });
}

fn real_bank_session(c: &mut Criterion) {
    let grid = Grid::standard();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/item-bank");
    let loaded = jauge_bank::load_dir(std::path::Path::new(dir)).expect("the bundled bank loads");
    let pool = jauge::pool::pool_from_bank(&loaded.bank, &grid);
    // the default plan with the bank's structure in force
    let structure = loaded
        .bank
        .structure
        .clone()
        .expect("the bundled bank ships a structure");
    let plan = Plan::full_profile_for(pool.competences().map(str::to_owned).collect::<Vec<_>>(), |c| {
        structure.loading(c)
    });
    c.bench_function("full_profile_session_real_bank", |b| {
        b.iter(|| {
            // a simulated agent of θ = 0.3 on every competence, answers drawn from the model
            let mut s = Session::new(&pool, plan.clone(), SessionConfig::default(), 42).expect("plan");
            let clock = ManualClock::default();
            let mut k = 0u64;
            while let Some(q) = s.next_question(&clock) {
                k += 1;
                clock.advance(5_000);
                let p = pool.items()[q.item].params.prob(0.3);
                let u = ((k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64) < p;
                s.answer(&q.id, u, &clock).expect("answer");
            }
            black_box(s.profile())
        })
    });
}

/// The cost of one answer on the bundled bank, mid-session (30 answers given), with the
/// independent model and with the default profile structure (λ = √0.5 on 16 competences: the
/// answer also updates g and the structured posterior of every open competence).
fn answer_cost(c: &mut Criterion) {
    let grid = Grid::standard();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/item-bank");
    let loaded = jauge_bank::load_dir(std::path::Path::new(dir)).expect("the bundled bank loads");
    let pool = jauge::pool::pool_from_bank(&loaded.bank, &grid);
    for (name, lambda) in [("answer_independent", 0.0), ("answer_structured", 0.5f64.sqrt())] {
        let mut plan = Plan::full_profile(pool.competences().map(str::to_owned).collect::<Vec<_>>());
        plan.set_loadings(|_| lambda);
        let mut s = Session::new(&pool, plan, SessionConfig::default(), 42).expect("plan");
        let clock = ManualClock::default();
        for k in 0..30u64 {
            let q = s.next_question(&clock).expect("a question");
            s.answer(&q.id, k % 3 != 0, &clock).expect("answer");
        }
        let q = s.next_question(&clock).expect("a question");
        c.bench_function(name, |b| {
            b.iter_batched(
                || s.clone(),
                |mut t| {
                    t.answer(&q.id, true, &clock).expect("answer");
                    t
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, s1, full_session, real_bank_session, answer_cost);
criterion_main!(benches);
