//! Sessions: replay after interruption, constraints, pretest seeding, timing and the profile.

use std::collections::HashSet;

use jauge_engine::rng::{Draws, Purpose};
use jauge_engine::session::{AnswerStatus, Record, synthetic_pool};
use jauge_engine::{ManualClock, Plan, Pool, Session, SessionConfig, SessionRule, simulate_pool};
use jauge_irt::{Grid, Posterior};

fn pool() -> Pool {
    synthetic_pool(3, 4, 6, 2, &Grid::standard())
}

/// Runs a session to its end, answering with a θ-driven generator independent of the engine.
fn run_to_end(s: &mut Session<'_>, pool: &Pool, theta: f64, answers_seed: u64) {
    let clock = ManualClock::default();
    clock.advance(s.records().last().map_or(0, |r| r.answered_at));
    let mut d = Draws::new(answers_seed, 0, Purpose::Answers);
    while let Some(q) = s.next_question(&clock) {
        let p = pool.items()[q.item].params.prob(theta);
        let right = d.uniform(q.step as u64, 0) < p;
        clock.advance(7_000);
        s.answer(&q.id, right, &clock).unwrap();
    }
}

fn plan(pool: &Pool) -> Plan {
    let mut p = Plan::full_profile_independent(pool.competences().map(str::to_owned).collect::<Vec<_>>());
    p.pretest = 2;
    p
}

/// The structured full-profile plan (λ = 0.7 everywhere, the largest-SE order), with pretest.
fn structured_plan(pool: &Pool) -> Plan {
    let mut p = Plan::full_profile_for(pool.competences().map(str::to_owned).collect::<Vec<_>>(), |_| 0.7);
    p.pretest = 2;
    p
}

#[test]
fn replay_after_interruption_at_every_step_continues_identically() {
    let pool = pool();
    let n = pool.items().len();
    let rules = [
        (SessionRule::Mfi, false),
        (SessionRule::Mfi, true),
        (SessionRule::Kl, false),
        (SessionRule::Random, false),
        (SessionRule::Skills, false),
    ];
    for ((rule, exposure), structured) in rules.into_iter().flat_map(|r| [(r, false), (r, true)]) {
        let plan = |pool: &Pool| {
            if structured {
                structured_plan(pool)
            } else {
                plan(pool)
            }
        };
        // the second run adds Sympson–Hetter parameters of one half on every item
        let config = SessionConfig {
            rule,
            randomesque: 2,
            exposure: exposure.then(|| vec![0.5; n]),
            ..SessionConfig::default()
        };
        let mut full = Session::new(&pool, plan(&pool), config.clone(), 99).unwrap();
        run_to_end(&mut full, &pool, 0.3, 5);
        let records: Vec<Record> = full.records().to_vec();
        assert!(records.len() >= 12, "{rule:?}: {}", records.len());
        for cut in 0..=records.len() {
            let mut s = Session::replay(&pool, plan(&pool), config.clone(), 99, &records[..cut]).unwrap();
            run_to_end(&mut s, &pool, 0.3, 5);
            assert_eq!(s.records(), &records[..], "{rule:?} {structured} cut at {cut}");
            assert_eq!(s.profile(), full.profile());
        }
    }
}

#[test]
fn replay_rejects_a_record_the_session_would_not_have_shown() {
    let pool = pool();
    let mut full = Session::new(&pool, plan(&pool), SessionConfig::default(), 1).unwrap();
    run_to_end(&mut full, &pool, 0.0, 1);
    let mut records = full.records().to_vec();
    records[3].item = records[5].item.clone();
    assert!(Session::replay(&pool, plan(&pool), SessionConfig::default(), 1, &records).is_err());
}

#[test]
fn hard_constraints_hold() {
    let pool = pool();
    // history: every level-3 item of competence 1; adjustment: screen reader
    let history: HashSet<String> = pool
        .items()
        .iter()
        .filter(|i| i.competence == "1" && i.level == 3)
        .map(|i| i.id.clone())
        .collect();
    for seed in 0..20 {
        let config = SessionConfig {
            history: history.clone(),
            adjustments: vec!["screen-reader".into()],
            time_factor: 1.5,
            ..SessionConfig::default()
        };
        let mut s = Session::new(&pool, plan(&pool), config, seed).unwrap();
        run_to_end(&mut s, &pool, f64::from(seed as u32 % 5) - 2.0, seed);
        let recs = s.records();
        let ids: HashSet<&str> = recs.iter().map(|r| r.item.as_str()).collect();
        assert_eq!(ids.len(), recs.len(), "an item given twice");
        for r in recs {
            assert!(!history.contains(&r.item), "history item {}", r.item);
            let it = pool.items().iter().find(|i| i.id == r.item).unwrap();
            assert!(
                !it.accessibility.iter().any(|t| t == "no-screen-reader"),
                "{}",
                r.item
            );
        }
        // no two timed questions in a row (always satisfiable here: most items are untimed)
        for w in recs.windows(2) {
            let timed = |r: &Record| {
                pool.items()
                    .iter()
                    .find(|i| i.id == r.item)
                    .unwrap()
                    .time_limit
                    .is_some()
            };
            assert!(
                !(timed(&w[0]) && timed(&w[1])),
                "two timed in a row: {} {}",
                w[0].item,
                w[1].item
            );
        }
    }
}

#[test]
fn balancing_spreads_competences_and_tubes_and_starts_easy() {
    let pool = pool();
    for seed in 0..20 {
        let mut s = Session::new(&pool, plan(&pool), SessionConfig::default(), seed).unwrap();
        run_to_end(&mut s, &pool, 0.5, seed + 100);
        let scored: Vec<&Record> = s.records().iter().filter(|r| !r.pretest).collect();
        // competences interleave: after 3k scored items each competence has k
        for k in 1..=4 {
            for c in ["1", "2", "3"] {
                let n = scored[..3 * k].iter().filter(|r| r.competence == c).count();
                assert_eq!(n, k, "seed {seed}: competence {c} after {} items", 3 * k);
            }
        }
        for c in ["1", "2", "3"] {
            let mine: Vec<&&Record> = scored.iter().filter(|r| r.competence == c).collect();
            // the first question of each competence is easy (chosen at θ = −1: level ≤ 3)
            let first = pool.items().iter().find(|i| i.id == mine[0].item).unwrap();
            assert!(
                first.level <= 3,
                "seed {seed}: first item {} of level {}",
                first.id,
                first.level
            );
            // the first four items of a competence come from its four tubes
            let tubes: HashSet<&str> = mine
                .iter()
                .take(4)
                .map(|r| {
                    pool.items()
                        .iter()
                        .find(|i| i.id == r.item)
                        .unwrap()
                        .tube
                        .as_str()
                })
                .collect();
            assert_eq!(tubes.len(), mine.len().min(4), "seed {seed}, competence {c}");
            assert!(mine.len() >= 4 && mine.len() <= 10);
        }
    }
}

#[test]
fn never_more_than_two_levels_above_the_estimate() {
    let pool = pool();
    let mut s = Session::new(&pool, Plan::single("2"), SessionConfig::default(), 3).unwrap();
    let clock = ManualClock::default();
    while let Some(q) = s.next_question(&clock) {
        let it = &pool.items()[q.item];
        if s.records().iter().any(|r| !r.pretest) {
            let theta = s.estimates()[0].1;
            let level = pool.scale("2").unwrap().level_at(theta, None);
            assert!(
                it.level <= level + 2,
                "level {} at estimated level {level}",
                it.level
            );
        }
        // an agent who fails everything
        s.answer(&q.id, false, &clock).unwrap();
    }
}

#[test]
fn pretest_items_are_recorded_but_never_scored() {
    let pool = pool();
    let mut with = Session::new(&pool, plan(&pool), SessionConfig::default(), 8).unwrap();
    run_to_end(&mut with, &pool, 1.0, 2);
    let pre: Vec<&Record> = with.records().iter().filter(|r| r.pretest).collect();
    assert_eq!(pre.len(), 2);
    assert!(pre.iter().all(|r| r.item.contains("pretest")));
    // the profile equals a hand-built one from the scored responses only
    let grid = Grid::standard();
    for cs in with.profile().competences {
        let mut post = Posterior::new(&grid);
        let mut n = 0;
        for r in with
            .records()
            .iter()
            .filter(|r| !r.pretest && r.competence == cs.code)
        {
            let it = pool.items().iter().find(|i| i.id == r.item).unwrap();
            post.add_response(&it.params, r.score);
            n += 1;
        }
        assert_eq!(cs.items, n);
        let want = pool.scale(&cs.code).unwrap().score(&post, None);
        assert!((cs.score.theta - want.theta).abs() < 1e-12);
        assert_eq!((cs.score.pix, cs.score.level), (want.pix, want.level));
    }
}

#[test]
fn late_answers_time_out_with_the_time_factor() {
    let pool = pool();
    let clock = ManualClock::default();
    for (factor, wait_s, want) in [
        (1.0, 61, AnswerStatus::TimedOut),
        (1.0, 60, AnswerStatus::Answered),
        (1.5, 89, AnswerStatus::Answered),
        (1.5, 91, AnswerStatus::TimedOut),
    ] {
        // find a session whose some question is timed, and answer it after `wait_s`
        let config = SessionConfig {
            time_factor: factor,
            ..SessionConfig::default()
        };
        let mut s = Session::new(&pool, Plan::single("1"), config, 0).unwrap();
        let mut seen = false;
        while let Some(q) = s.next_question(&clock) {
            let timed = q.allowed_ms.is_some();
            clock.advance(if timed { wait_s * 1000 } else { 1000 });
            let st = s.answer(&q.id, true, &clock).unwrap();
            if timed {
                assert_eq!(st, want, "factor {factor}, {wait_s} s");
                let r = s.records().last().unwrap();
                assert_eq!(r.score, want == AnswerStatus::Answered);
                assert!(r.raw);
                seen = true;
                break;
            }
        }
        assert!(seen, "no timed question was shown");
    }
}

#[test]
fn an_adjustment_gives_a_time_factor_of_one_and_a_half_by_default() {
    let plain = SessionConfig::default();
    assert_eq!(plain.effective_time_factor(), 1.0);
    let adjusted = SessionConfig {
        adjustments: vec!["screen-reader".into()],
        ..SessionConfig::default()
    };
    assert_eq!(adjusted.effective_time_factor(), 1.5);
    let pool = pool();
    let mut s = Session::new(&pool, Plan::single("1"), adjusted, 0).unwrap();
    let clock = ManualClock::default();
    while let Some(q) = s.next_question(&clock) {
        if let Some(ms) = q.allowed_ms {
            assert_eq!(ms, 90_000); // 60 s × 1.5
            return;
        }
        clock.advance(1000);
        s.answer(&q.id, true, &clock).unwrap();
    }
    panic!("no timed question was shown");
}

#[test]
fn a_capped_plan_reports_its_cap_and_asks_nothing_above() {
    let pool = pool();
    let mut plan = Plan::single("3");
    plan.competences[0].max_level = Some(3);
    let mut s = Session::new(&pool, plan, SessionConfig::default(), 4).unwrap();
    run_to_end(&mut s, &pool, 3.0, 4);
    assert!(
        s.records()
            .iter()
            .filter(|r| !r.pretest)
            .all(|r| { pool.items().iter().find(|i| i.id == r.item).unwrap().level <= 3 })
    );
    let p = s.profile();
    assert_eq!(p.competences[0].score.capped_at, Some(3));
    assert!(p.competences[0].score.level <= 3);
}

#[test]
fn wrong_answers_and_misuse_are_errors_not_panics() {
    let pool = pool();
    let mut s = Session::new(&pool, Plan::single("1"), SessionConfig::default(), 0).unwrap();
    let clock = ManualClock::default();
    assert!(s.answer("x", true, &clock).is_err());
    let q = s.next_question(&clock).unwrap();
    assert!(s.answer("not-this-one", true, &clock).is_err());
    assert!(s.answer(&q.id, true, &clock).is_ok());
    assert!(Session::new(&pool, Plan::single("9.9"), SessionConfig::default(), 0).is_err());
}

#[test]
fn pool_simulation_is_identical_whatever_the_threads() {
    let pool = pool();
    let plan = plan(&pool);
    let thetas: Vec<Vec<f64>> = (0..12)
        .map(|e| vec![f64::from(e) * 0.3 - 1.5, 0.2, -0.4])
        .collect();
    let config = SessionConfig::default();
    let one = simulate_pool(&pool, &plan, &config, &thetas, None, 5, 1).unwrap();
    let two = simulate_pool(&pool, &plan, &config, &thetas, None, 5, 2).unwrap();
    let five = simulate_pool(&pool, &plan, &config, &thetas, None, 5, 5).unwrap();
    assert_eq!(one, two);
    assert_eq!(one, five);
    // higher true θ on competence 1 → a higher estimate on average
    let lo: f64 = one[..4]
        .iter()
        .map(|s| s.profile.competences[0].score.theta)
        .sum();
    let hi: f64 = one[8..]
        .iter()
        .map(|s| s.profile.competences[0].score.theta)
        .sum();
    assert!(hi > lo);
}

#[test]
fn rules_compare_on_the_same_simulated_agents() {
    use jauge_engine::session::perturb_params;
    let pool = pool();
    let plan = plan(&pool);
    // independent N(0, 1) abilities from the abilities stream (the study crate draws correlated ones)
    let mut d = Draws::new(1, 9, Purpose::Abilities);
    let thetas: Vec<Vec<f64>> = (0..60u64)
        .map(|e| (0..3u64).map(|k| d.normal(3 * e + k)).collect())
        .collect();
    let params: Vec<_> = pool.items().iter().map(|i| i.params).collect();
    let truth = perturb_params(&params, 0.2, 1);
    let mut rmse = Vec::new();
    for rule in [SessionRule::Mfi, SessionRule::Skills, SessionRule::Random] {
        let config = SessionConfig {
            rule,
            ..SessionConfig::default()
        };
        let s = simulate_pool(&pool, &plan, &config, &thetas, Some(&truth), 2, 2).unwrap();
        let mut sq = 0.0;
        for (session, t) in s.iter().zip(&thetas) {
            for (c, &theta) in session.profile.competences.iter().zip(t) {
                assert!(c.items >= 4 && c.items <= 7, "{}", c.items);
                assert!(c.is_assessed());
                sq += (c.score.theta - theta).powi(2);
            }
        }
        rmse.push((sq / 180.0).sqrt());
    }
    // maximum information estimates θ better than a random pick at equal length
    assert!(rmse[0] < rmse[2], "{rmse:?}");
}

/// Sympson–Hetter with groups: the control holds in each group of the population, where a
/// pooled fit lets the group whose items are concentrated exceed the target.
#[test]
fn sympson_hetter_holds_in_every_group() {
    use jauge_engine::fit_sympson_hetter_pool;
    // 30 items of distinct difficulties: no ties, so each group has its own favourite items
    let items: Vec<jauge_engine::PoolItem> = (0..30)
        .map(|i| jauge_engine::PoolItem {
            id: format!("i{i}"),
            competence: "1".into(),
            tube: format!("t{}", i % 3),
            level: (1 + i / 5) as u8,
            params: jauge_irt::ItemParams::two_pl(1.0 + 0.01 * f64::from(i), -3.0 + 0.2 * f64::from(i))
                .unwrap(),
            status: jauge_engine::ItemStatus::Live,
            time_limit: None,
            accessibility: Vec::new(),
            set: None,
        })
        .collect();
    let pool = Pool::new(items, &Grid::standard());
    let mut plan = Plan::with(["1"], 3, 3, 0.0, 3);
    plan.one_per_tube = false;
    // 300 agents at θ = −1.5 and 100 at θ = 1.5
    let thetas: Vec<Vec<f64>> = (0..400).map(|e| vec![if e < 300 { -1.5 } else { 1.5 }]).collect();
    let groups: Vec<usize> = (0..400).map(|e| usize::from(e >= 300)).collect();
    let rate_in = |k: &[f64], g: usize| -> f64 {
        let config = SessionConfig {
            exposure: Some(k.to_vec()),
            ..SessionConfig::default()
        };
        let s = simulate_pool(&pool, &plan, &config, &thetas, None, 3, 2).unwrap();
        let members: Vec<&jauge_engine::session::SimulatedSession> = s
            .iter()
            .enumerate()
            .filter(|(e, _)| groups[*e] == g)
            .map(|(_, s)| s)
            .collect();
        pool.items()
            .iter()
            .map(|it| {
                members
                    .iter()
                    .filter(|m| m.records.iter().any(|r| r.item == it.id))
                    .count() as f64
            })
            .fold(0.0, f64::max)
            / members.len() as f64
    };
    let pooled = fit_sympson_hetter_pool(
        &pool,
        &plan,
        &SessionConfig::default(),
        &thetas,
        &[],
        None,
        3,
        2,
        0.3,
        30,
    )
    .unwrap();
    let by_group = fit_sympson_hetter_pool(
        &pool,
        &plan,
        &SessionConfig::default(),
        &thetas,
        &groups,
        None,
        3,
        2,
        0.3,
        30,
    )
    .unwrap();
    // the fit's own figure is the largest expected rate P(S_i) k_i over the groups
    assert!(
        by_group.converged && by_group.max_exposure <= 0.31,
        "{by_group:?}"
    );
    // realised rates carry the lottery's noise (SD 0.026 in group 0, 0.046 in group 1)
    let (p1, g0, g1) = (
        rate_in(&pooled.k, 1),
        rate_in(&by_group.k, 0),
        rate_in(&by_group.k, 1),
    );
    assert!(g0 <= 0.37 && g1 <= 0.42, "{g0} {g1}");
    // the pooled fit controls the mixture, not the small group of able agents
    assert!(p1 > 0.6 && p1 > g1 + 0.2, "{p1} {g1}");
}

/// The pool of [`pool`] where every live item of competence 1 shares a set with the item of
/// competence 2 at the same tube, level and variant (the same fact asked in two competences),
/// and every pretest item of competence 3 with the live item `c3-t0-l3-v0`.
fn pool_with_sets() -> Pool {
    let base = pool();
    let items = base
        .items()
        .iter()
        .map(|i| {
            let mut i = i.clone();
            let rest =
                i.id.split_once('-')
                    .map(|(_, r)| r.to_owned())
                    .unwrap_or_default();
            i.set = match i.competence.as_str() {
                "1" | "2" if !rest.starts_with("pretest") => Some(format!("set-{rest}")),
                "3" if rest.starts_with("pretest") || rest == "t0-l3-v0" => Some("set-c3".into()),
                _ => None,
            };
            i
        })
        .collect();
    Pool::new(items, &Grid::standard())
}

/// The sets of a session's records, and whether one of them comes twice.
fn sets_met_twice(pool: &Pool, records: &[Record]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut twice = Vec::new();
    for r in records {
        let item = pool.items().iter().find(|i| i.id == r.item).unwrap();
        if let Some(set) = &item.set
            && !seen.insert(set.clone())
        {
            twice.push(format!("{set} ({})", r.item));
        }
    }
    twice
}

#[test]
fn a_session_never_shows_two_items_of_one_set() {
    let with_sets = pool_with_sets();
    let without = pool();
    let mut collisions_without = 0;
    for seed in 0..30 {
        let theta = f64::from(seed as u32 % 7) - 3.0;
        for (rule, exposure) in [
            (SessionRule::Mfi, false),
            (SessionRule::Mfi, true),
            (SessionRule::Kl, false),
            (SessionRule::Random, false),
            (SessionRule::Skills, false),
        ] {
            let config = SessionConfig {
                rule,
                randomesque: 2,
                exposure: exposure.then(|| vec![0.5; with_sets.items().len()]),
                ..SessionConfig::default()
            };
            let mut s = Session::new(&with_sets, plan(&with_sets), config.clone(), seed).unwrap();
            run_to_end(&mut s, &with_sets, theta, seed);
            let twice = sets_met_twice(&with_sets, s.records());
            assert!(twice.is_empty(), "seed {seed}, {rule:?}: {twice:?}");
            // Replay rebuilds the sets already shown.
            let replayed =
                Session::replay(&with_sets, plan(&with_sets), config.clone(), seed, s.records()).unwrap();
            assert_eq!(replayed.records(), s.records());
            // The same session on the same items without sets meets a set's two items (the
            // check above is not empty).
            let mut s = Session::new(&without, plan(&without), config, seed).unwrap();
            run_to_end(&mut s, &without, theta, seed);
            collisions_without += sets_met_twice(&with_sets, s.records()).len();
        }
    }
    assert!(
        collisions_without > 30,
        "only {collisions_without} collisions without sets"
    );
}
