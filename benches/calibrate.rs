//! Calibration speed: a reduced scenario C1 (2PL, 100 items, 2,000 complete response vectors,
//! simulated with a fixed seed like `/work/shared/peers/gen_scenario.py`), 61 nodes on [−6, 6].
//!
//! `cargo bench --bench calibrate -- --warm-up-time 1 --measurement-time 2`

use criterion::{Criterion, criterion_group, criterion_main};
use jauge_irt::calibration::{CalibrationOptions, Model, ResponseData, calibrate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u: f64 = rng.random::<f64>().max(1e-300);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn simulate(persons: usize, items: usize, seed: u64) -> ResponseData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let params: Vec<(f64, f64)> = (0..items)
        .map(|_| ((0.3 * normal(&mut rng)).exp(), normal(&mut rng)))
        .collect();
    let mut cells = Vec::with_capacity(persons * items);
    for p in 0..persons {
        let theta = normal(&mut rng);
        for (i, &(a, b)) in params.iter().enumerate() {
            let prob = 1.0 / (1.0 + (-a * (theta - b)).exp());
            cells.push((p as u32, i as u32, rng.random::<f64>() < prob));
        }
    }
    ResponseData::from_cells(items, persons, cells).expect("valid simulated data")
}

fn bench(c: &mut Criterion) {
    let data = simulate(2_000, 100, 7);
    let mut group = c.benchmark_group("calibrate");
    group.sample_size(10);
    for threads in [1, 2] {
        let mut options = CalibrationOptions::new(Model::TwoPl);
        options.threads = threads;
        group.bench_function(format!("2pl_2000x100_threads{threads}"), |b| {
            b.iter(|| calibrate(&data, &options).expect("fit"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
