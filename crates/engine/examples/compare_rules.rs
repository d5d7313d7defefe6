//! Compares the selection rules on simulated full-profile sessions over a bank-shaped pool with
//! provisional parameters, the same simulated agents for every rule, and prints Markdown tables
//! (the figures of `docs/simulation.md`, "Preliminary comparison").
//!
//! `cargo run --release -p jauge-engine --example compare_rules [examinees] [seed]`

use jauge_engine::session::{
    CompetenceSummary, draw_correlated_abilities, perturb_params, summarise_sessions, synthetic_pool,
};
use jauge_engine::{Plan, SessionConfig, SessionRule, simulate_pool};
use jauge_irt::Grid;

fn mean(xs: &[CompetenceSummary], f: impl Fn(&CompetenceSummary) -> f64) -> f64 {
    xs.iter().map(f).sum::<f64>() / xs.len().max(1) as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(500);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let grid = Grid::standard();
    // 16 competences × 4 tubes × levels 1–7 × 3 variants
    let pool = synthetic_pool(16, 4, 7, 3, &grid);
    let codes: Vec<String> = pool.competences().map(str::to_owned).collect();
    let thetas = draw_correlated_abilities(seed, n, codes.len(), 0.6);
    let params: Vec<_> = pool.items().iter().map(|i| i.params).collect();
    let truth = perturb_params(&params, 0.3, seed);
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());

    println!("{n} examinees, true θ equicorrelated 0.6, true parameters perturbed (SD 0.3)\n");
    println!("| rule | plan | items per competence | SE | RMSE θ | level exact | level ±1 | pix RMSE |");
    println!("|---|---|---|---|---|---|---|---|");
    let run = |rule: SessionRule, plan: &Plan, label: &str| {
        let config = SessionConfig {
            rule,
            ..SessionConfig::default()
        };
        let s = match simulate_pool(&pool, plan, &config, &thetas, Some(&truth), seed, threads) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return;
            }
        };
        let sum = summarise_sessions(&pool, plan, &s, &thetas);
        let name = format!("{rule:?}").to_lowercase();
        println!(
            "| {name} | {label} | {:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} |",
            mean(&sum, |c| c.mean_items),
            mean(&sum, |c| c.mean_se),
            mean(&sum, |c| c.rmse),
            mean(&sum, |c| c.level_exact),
            mean(&sum, |c| c.level_within_one),
            mean(&sum, |c| c.pix_rmse),
        );
        if rule == SessionRule::Skills {
            println!(
                "| skills, national score | {label} | {:.2} | – | – | {:.3} | {:.3} | {:.2} |",
                mean(&sum, |c| c.mean_items),
                mean(&sum, |c| c.national_level_exact),
                mean(&sum, |c| c.national_level_within_one),
                mean(&sum, |c| c.national_pix_rmse),
            );
        }
    };
    let default = Plan::full_profile(codes.clone());
    for rule in [
        SessionRule::Mfi,
        SessionRule::Kl,
        SessionRule::Random,
        SessionRule::Skills,
    ] {
        run(rule, &default, "default (4–10, SE ≤ 0.55)");
    }
    for len in [3, 4, 6, 8, 10] {
        let fixed = Plan::with(codes.clone(), len, len, 0.0, 16 * len);
        for rule in [SessionRule::Mfi, SessionRule::Skills] {
            run(rule, &fixed, &format!("fixed {len}"));
        }
    }
}
