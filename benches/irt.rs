//! Criterion benchmarks of the measurement core's hot paths: one incremental EAP step, a
//! maximum-information (MFI) and a posterior-weighted KL (KLP) scan over 1,000 and 10,000
//! items, and the mode estimators on a 20-item pattern.
//!
//! Run briefly: `cargo bench --bench irt -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jauge_irt::{
    Estimator, Grid, ItemParams, LikelihoodTable, Posterior, Settings, estimate, max_information_item,
    posterior_weights_into,
};

/// Reads a bank `id,a,b,c,d` from `benches/data/` (copies of the shared scenario banks).
fn bank(name: &str) -> Vec<ItemParams> {
    let path = format!("{}/benches/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f64> = l
                .split(',')
                .skip(1)
                .map(|x| x.trim().parse().expect("number"))
                .collect();
            ItemParams::new(v[0], v[1], v[2], v[3]).expect("valid item")
        })
        .collect()
}

fn eap_step(c: &mut Criterion) {
    let grid = Grid::standard();
    let items = bank("bank_1000.csv");
    let table = LikelihoodTable::new(&grid, &items);
    let mut post = Posterior::new(&grid);
    // a realistic state: 10 responses already in
    for (i, it) in items.iter().take(10).enumerate() {
        post.add_response(it, i % 2 == 0);
    }
    let right = table.row(10, true).expect("row").to_vec();
    // a fresh clone per iteration (untimed): repeated additions would drive the weights into
    // subnormal numbers, which no real test reaches
    c.bench_function("eap_step_61_nodes (add row + mean/sd)", |b| {
        b.iter_batched(
            || post.clone(),
            |mut p| {
                p.add_log_likelihood_row(black_box(&right));
                let summary = p.mean_sd();
                (p, summary)
            },
            BatchSize::SmallInput,
        )
    });
}

fn scans(c: &mut Criterion) {
    let grid = Grid::standard();
    for name in ["bank_1000.csv", "bank_10000.csv"] {
        let items = bank(name);
        let n = items.len();
        // 20 items already administered
        let used: Vec<bool> = (0..n).map(|i| i % (n / 20) == 0).collect();
        c.bench_function(&format!("mfi_scan_{n}_items"), |b| {
            b.iter(|| max_information_item(black_box(&items), black_box(0.37), |i| !used[i]))
        });
        let table = LikelihoodTable::new(&grid, &items);
        let mut post = Posterior::new(&grid);
        for it in items.iter().take(5) {
            post.add_response(it, true);
        }
        let mut w = Vec::new();
        posterior_weights_into(&post, &mut w);
        let theta_hat = post.mean();
        c.bench_function(&format!("klp_scan_{n}_items_61_nodes"), |b| {
            b.iter(|| table.max_kl_posterior_item(&items, black_box(theta_hat), &w, |i| !used[i]))
        });
    }
}

fn estimators(c: &mut Criterion) {
    let items: Vec<ItemParams> = bank("bank_1000.csv").into_iter().take(20).collect();
    let u: Vec<bool> = (0..20).map(|i| (i * 7) % 3 != 0).collect();
    let settings = Settings::default();
    for est in [Estimator::Mle, Estimator::Wle, Estimator::Map, Estimator::Eap] {
        c.bench_function(&format!("{est}_20_items_3pl"), |b| {
            b.iter(|| estimate(est, items.iter().zip(u.iter().copied()), black_box(&settings)))
        });
    }
}

criterion_group!(benches, eap_step, scans, estimators);
criterion_main!(benches);
