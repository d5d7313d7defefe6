//! Profiles: the structured (reported) and the separate score of every competence, the
//! not-assessed state, and the structured posterior's use in selection and stopping.

use std::collections::HashSet;
use std::sync::Arc;

use jauge_engine::rng::{Draws, Purpose};
use jauge_engine::session::{CompetenceOrder, NotAssessedReason, synthetic_pool};
use jauge_engine::{ManualClock, Plan, Pool, Session, SessionConfig};
use jauge_irt::structure::{ConditionalPrior, FactorGrid, ProfilePosterior};
use jauge_irt::{Grid, Posterior};

fn pool() -> Pool {
    synthetic_pool(4, 3, 6, 2, &Grid::standard())
}

fn codes(pool: &Pool) -> Vec<String> {
    pool.competences().map(str::to_owned).collect()
}

fn run(s: &mut Session<'_>, pool: &Pool, thetas: &[f64], seed: u64) {
    let clock = ManualClock::default();
    let mut d = Draws::new(seed, 0, Purpose::Answers);
    let codes = codes(pool);
    while let Some(q) = s.next_question(&clock) {
        let k = codes.iter().position(|c| *c == q.competence).unwrap();
        let p = pool.items()[q.item].params.prob(thetas[k]);
        let right = d.uniform(q.step as u64, 0) < p;
        clock.advance(1000);
        s.answer(&q.id, right, &clock).unwrap();
    }
}

#[test]
fn the_independent_plan_reports_the_separate_score() {
    let pool = pool();
    let mut s = Session::new(
        &pool,
        Plan::full_profile(codes(&pool)),
        SessionConfig::default(),
        3,
    )
    .unwrap();
    run(&mut s, &pool, &[0.5, -1.0, 1.5, 0.0], 3);
    let p = s.profile();
    assert!(!p.structured);
    for c in &p.competences {
        assert_eq!(c.score, c.separate);
        assert!(c.is_assessed());
    }
    assert_eq!(
        p.total_pix,
        p.competences.iter().map(|c| c.score.pix).sum::<u32>()
    );
}

/// The structured score against a structured posterior rebuilt from the records, and the
/// separate score against a log-space posterior of the competence's own answers only.
#[test]
fn both_scores_of_a_structured_profile_by_hand() {
    let pool = pool();
    let grid = Grid::standard();
    let mut plan = Plan::full_profile(codes(&pool));
    let loadings = [0.9, 0.7, 0.5, 0.0];
    plan.set_loadings(|c| loadings[c.parse::<usize>().unwrap() - 1]);
    for seed in 0..5 {
        let mut s = Session::new(&pool, plan.clone(), SessionConfig::default(), seed).unwrap();
        run(&mut s, &pool, &[1.2, 1.0, 0.8, -1.0], seed);
        let p = s.profile();
        assert!(p.structured);
        let f = FactorGrid::standard();
        let priors = loadings
            .iter()
            .map(|&l| Arc::new(ConditionalPrior::new(&grid, &f, l).unwrap()))
            .collect();
        let mut sp = ProfilePosterior::new(&grid, &f, priors);
        let mut separate: Vec<Posterior> = (0..4).map(|_| Posterior::new(&grid)).collect();
        for r in s.records().iter().filter(|r| !r.pretest) {
            let d = r.competence.parse::<usize>().unwrap() - 1;
            let it = pool.items().iter().find(|i| i.id == r.item).unwrap();
            let row: Vec<f64> = grid
                .nodes()
                .iter()
                .map(|&t| {
                    if r.score {
                        it.params.prob(t)
                    } else {
                        it.params.prob_wrong(t)
                    }
                })
                .collect();
            sp.add_row(d, &row);
            separate[d].add_response(&it.params, r.score);
        }
        for (d, c) in p.competences.iter().enumerate() {
            let scale = pool.scale(&c.code).unwrap();
            let sep = scale.score(&separate[d], None);
            assert!((c.separate.theta - sep.theta).abs() < 1e-9 && (c.separate.se - sep.se).abs() < 1e-9);
            assert_eq!(
                (c.separate.pix, c.separate.level, c.separate.median),
                (sep.pix, sep.level, sep.median)
            );
            let m = sp.marginal(d);
            let st = scale.score_weights(grid.nodes(), &m.weights, m.mean, m.sd, None);
            assert!((c.score.theta - st.theta).abs() < 1e-9 && (c.score.se - st.se).abs() < 1e-9);
            assert_eq!((c.score.pix, c.score.level), (st.pix, st.level));
            if loadings[d] == 0.0 {
                assert_eq!(c.score, c.separate);
            }
        }
        // a profile correlated this way borrows strength: the structured SEs are smaller
        for c in &p.competences[..3] {
            assert!(
                c.score.se < c.separate.se,
                "{}: {} vs {}",
                c.code,
                c.score.se,
                c.separate.se
            );
        }
    }
}

#[test]
fn a_competence_stops_on_its_structured_se() {
    // λ = 0.9: after a few answers everywhere the structured SE passes 0.6 long before the
    // separate one would
    let pool = pool();
    let mut plan = Plan::with(codes(&pool), 2, 12, 0.6, 100);
    plan.set_loadings(|_| 0.9);
    let mut s = Session::new(&pool, plan.clone(), SessionConfig::default(), 1).unwrap();
    run(&mut s, &pool, &[0.3, 0.2, 0.4, 0.1], 1);
    let p = s.profile();
    for c in &p.competences {
        assert!(c.items >= 2 && c.items < 12, "{}: {}", c.code, c.items);
        assert!(c.score.se <= 0.6 + 1e-12 && c.separate.se > 0.6, "{c:?}");
    }
    // the same plan without the structure runs on the separate SE: longer
    let mut plain = plan;
    plain.set_loadings(|_| 0.0);
    let mut t = Session::new(&pool, plain, SessionConfig::default(), 1).unwrap();
    run(&mut t, &pool, &[0.3, 0.2, 0.4, 0.1], 1);
    assert!(t.records().len() > s.records().len() + 8);
}

#[test]
fn the_largest_se_order_starts_with_the_minima_then_follows_the_se() {
    let pool = pool();
    let mut plan = Plan::with(codes(&pool), 2, 8, 0.3, 20);
    plan.set_loadings(|_| 0.6);
    plan.order = CompetenceOrder::LargestSe;
    let mut s = Session::new(&pool, plan, SessionConfig::default(), 2).unwrap();
    let clock = ManualClock::default();
    let mut d = Draws::new(2, 0, Purpose::Answers);
    let mut step = 0;
    while let Some(q) = s.next_question(&clock) {
        if step >= 8 {
            // after every minimum: the competence asked has the largest SE of those still open
            // (fewer than 8 items; the SE target 0.3 is out of reach)
            let n = |c: &str| s.records().iter().filter(|r| r.competence == c).count();
            let est = s.estimates();
            let asked = est.iter().find(|e| e.0 == q.competence).unwrap().2;
            let max = est
                .iter()
                .filter(|e| n(&e.0) < 8)
                .map(|e| e.2)
                .fold(0.0, f64::max);
            assert!(asked >= max - 1e-12, "step {step}: {asked} < {max}");
        } else {
            // the round robin of the minima: two per competence in the first eight
            let n = s
                .records()
                .iter()
                .filter(|r| r.competence == q.competence)
                .count();
            assert!(n < 2, "step {step}: {} asked a third time", q.competence);
        }
        let right = d.uniform(q.step as u64, 0) < 0.5;
        s.answer(&q.id, right, &clock).unwrap();
        step += 1;
    }
}

#[test]
fn a_competence_without_items_left_is_not_assessed() {
    let pool = pool();
    // every item of competence 2 but two is in the agent's recent history
    let of2: Vec<String> = pool
        .items()
        .iter()
        .filter(|i| i.competence == "2")
        .map(|i| i.id.clone())
        .collect();
    let history: HashSet<String> = of2.iter().skip(2).cloned().collect();
    let config = SessionConfig {
        history,
        ..SessionConfig::default()
    };
    let mut plan = Plan::full_profile(codes(&pool));
    plan.set_loadings(|_| 0.7);
    let mut s = Session::new(&pool, plan, config, 5).unwrap();
    run(&mut s, &pool, &[0.0; 4], 5);
    let p = s.profile();
    let two = &p.competences[1];
    let na = two.not_assessed.expect("not assessed");
    assert_eq!(
        (na.answered, na.minimum, na.reason),
        (two.items, 3, NotAssessedReason::NoItemsLeft)
    );
    assert!(two.items < 3);
    assert!(na.to_string().contains("not assessed"));
    assert_eq!(
        p.total_pix,
        p.competences
            .iter()
            .filter(|c| c.code != "2")
            .map(|c| c.score.pix)
            .sum::<u32>()
    );
    assert!(
        p.competences
            .iter()
            .filter(|c| c.code != "2")
            .all(|c| c.is_assessed())
    );
}

#[test]
fn the_session_limit_and_an_unfinished_session_are_reasons_too() {
    let pool = pool();
    // 4 competences × minimum 4 cannot fit in 10 questions
    let plan = Plan::with(codes(&pool), 4, 6, 0.1, 10);
    let mut s = Session::new(&pool, plan.clone(), SessionConfig::default(), 0).unwrap();
    run(&mut s, &pool, &[0.0; 4], 0);
    let p = s.profile();
    assert_eq!(s.records().len(), 10);
    assert!(
        p.competences
            .iter()
            .filter(|c| !c.is_assessed())
            .all(|c| c.not_assessed.unwrap().reason == NotAssessedReason::SessionLimit)
    );
    assert!(p.competences.iter().any(|c| !c.is_assessed()));
    // a fresh session's profile: nothing assessed yet
    let fresh = Session::new(&pool, plan, SessionConfig::default(), 0).unwrap();
    let p = fresh.profile();
    assert!(
        p.competences
            .iter()
            .all(|c| c.not_assessed.unwrap().reason == NotAssessedReason::Unfinished)
    );
    assert_eq!(p.total_pix, 0);
}

#[test]
fn invalid_loadings_are_refused_when_the_session_starts() {
    let pool = pool();
    let mut plan = Plan::full_profile(codes(&pool));
    plan.set_loadings(|_| 0.99);
    assert!(Session::new(&pool, plan, SessionConfig::default(), 0).is_err());
}
