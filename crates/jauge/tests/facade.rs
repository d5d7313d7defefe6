//! The embedding API: sessions through the facade, resume, bank changes, refusals, threads.

use std::path::{Path, PathBuf};

use jauge::bank::{ItemType, load_dir};
use jauge::store::Store;
use jauge::{Answer, Error, Jauge, ManualClock, PlanChoice, PlanSpec, StartOptions};

mod common;

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("jauge-facade-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn db(&self) -> PathBuf {
        self.0.join("jauge.db")
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bank_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank")
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bank-examples")
}

fn options(agent: &str, competences: &[&str], seed: u64) -> StartOptions {
    let mut o = StartOptions::new(agent);
    o.plan = PlanChoice::Competences(competences.iter().map(|s| s.to_string()).collect());
    o.seed = Some(seed);
    o.simulated = true;
    o
}

/// Runs the session to its end (or `stop` answers), with simulated answers at θ and 4 s per
/// question; returns the ids of the items shown.
fn run(a: &mut jauge::Assessment<'_>, clock: &ManualClock, theta: f64, stop: Option<usize>) -> Vec<String> {
    let mut shown = Vec::new();
    while let Some(q) = a.next_question(clock).unwrap() {
        shown.push(q.question.item.clone());
        if stop.is_some_and(|k| a.answered() >= k) {
            break;
        }
        clock.advance(4000);
        let answer = a.simulated_answer(theta).unwrap();
        a.submit(&answer, clock).unwrap();
        clock.advance(1000);
    }
    shown
}

fn responses(db: &Path, agent: &str) -> Vec<String> {
    let store = Store::open_existing(db).unwrap();
    let rec = store.agent_record(agent).unwrap();
    rec.sessions
        .iter()
        .flat_map(|(_, rs, _)| rs.iter().map(|r| format!("{r:?}")))
        .collect()
}

#[test]
fn a_session_stopped_anywhere_resumes_exactly() {
    let full = TempDir::new("full");
    let j = Jauge::open(&bank_dir(), &full.db()).unwrap();
    let clock = ManualClock::default();
    let mut a = j.start(&options("a", &["1.1", "3.4"], 9), &clock).unwrap();
    let all = run(&mut a, &clock, 0.2, None);
    let report = a.finish(&clock).unwrap();
    assert!(all.len() >= 8);
    for stop in [0, 1, 5, all.len() - 1] {
        let dir = TempDir::new(&format!("stop{stop}"));
        let j2 = Jauge::open(&bank_dir(), &dir.db()).unwrap();
        let clock = ManualClock::default();
        let mut a = j2.start(&options("a", &["1.1", "3.4"], 9), &clock).unwrap();
        let before = run(&mut a, &clock, 0.2, Some(stop));
        drop(a); // the process dies with a question on screen
        let mut b = j2.resume("a").unwrap();
        assert_eq!(b.answered(), stop);
        let again = b.next_question(&clock).unwrap().unwrap();
        assert_eq!(
            Some(&again.question.item),
            before.last(),
            "the pending question is shown again"
        );
        let rest = run(&mut b, &clock, 0.2, None);
        assert_eq!(rest[0], again.question.item);
        let r2 = b.finish(&clock).unwrap();
        assert_eq!(
            r2.competences
                .iter()
                .map(|c| (c.level, c.pix, c.theta, c.se))
                .collect::<Vec<_>>(),
            report
                .competences
                .iter()
                .map(|c| (c.level, c.pix, c.theta, c.se))
                .collect::<Vec<_>>()
        );
        assert_eq!(responses(&dir.db(), "a"), responses(&full.db(), "a"));
    }
}

#[test]
fn a_changed_bank_refuses_to_resume() {
    let dir = TempDir::new("changed");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    let clock = ManualClock::default();
    let mut a = j.start(&options("b", &["2.1"], 1), &clock).unwrap();
    run(&mut a, &clock, 0.0, Some(2));
    drop(a);
    drop(j);
    let mut bank = load_dir(&bank_dir()).unwrap().bank;
    bank.version = "another".into();
    let j = Jauge::with(bank, Store::open(&dir.db()).unwrap());
    assert!(matches!(j.resume("b"), Err(Error::BankChanged { .. })));
    // starting afresh abandons the old session and keeps its answers
    assert!(matches!(
        j.start(&options("b", &["2.1"], 1), &clock),
        Err(Error::Unfinished { .. })
    ));
    assert!(j.abandon("b", &clock).unwrap().is_some());
    let mut a = j.start(&options("b", &["2.1"], 1), &clock).unwrap();
    run(&mut a, &clock, 0.0, None);
    a.finish(&clock).unwrap();
    assert_eq!(j.history("b").unwrap().len(), 1);
}

#[test]
fn a_malformed_answer_is_refused_and_nothing_is_recorded() {
    let dir = TempDir::new("refused");
    let j = Jauge::open(&examples_dir(), &dir.db()).unwrap();
    let clock = ManualClock::default();
    let mut o = options("c", &["1.1"], 3);
    o.simulated = false;
    let mut a = j.start(&o, &clock).unwrap();
    let q = a.next_question(&clock).unwrap().unwrap();
    assert_eq!(q.question.item_type, ItemType::Number);
    let e = a.submit(&Answer::Number("douze".into()), &clock).unwrap_err();
    assert!(matches!(e, Error::Refused(_)), "{e}");
    assert_eq!(a.answered(), 0);
    assert!(responses(&dir.db(), "c").is_empty());
    // the wrong shape is refused too; then the right answer is taken
    assert!(matches!(
        a.submit(&Answer::Options(vec!["a".into()]), &clock),
        Err(Error::Refused(_))
    ));
    let s = a.submit(&Answer::Number("120".into()), &clock).unwrap();
    assert_eq!(s.score, 1);
    assert!(s.theta.is_some() && s.se.is_some());
    assert_eq!(responses(&dir.db(), "c").len(), 1);
    assert!(matches!(
        a.submit(&Answer::Number("1".into()), &clock),
        Err(Error::NoQuestion)
    ));
}

#[test]
fn nothing_shown_before_answering_holds_the_solution() {
    let dir = TempDir::new("nosolution");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    let clock = ManualClock::default();
    let mut a = j.start(&options("d", &[], 4), &clock).unwrap();
    let mut seen = 0;
    while let Some(q) = a.next_question(&clock).unwrap() {
        let item = j.bank().item(&q.question.item).unwrap();
        // everything but the item's id, which the terminal never displays (ids may name the
        // skill, e.g. `peripheriques-pilote`)
        let mut v = serde_json::to_value(&q.question).unwrap();
        v.as_object_mut().unwrap().remove("item");
        let shown = v.to_string();
        for key in v.as_object().unwrap().keys() {
            assert!(
                !["solution", "accept", "explanation", "reject"].contains(&key.as_str()),
                "{key}"
            );
        }
        let expl = &item.text.get(a.lang()).explanation;
        assert!(!shown.contains(expl.as_str()), "{}", item.id);
        for b in item.kind.blanks() {
            for acc in b.accepted(a.lang()).filter(|s| s.chars().count() >= 5) {
                assert!(
                    !shown.contains(acc.as_str()) || item.text.get(a.lang()).question.contains(acc.as_str()),
                    "{} shows {acc}",
                    item.id
                );
            }
        }
        let answer = a.simulated_answer(0.0).unwrap();
        a.submit(&answer, &clock).unwrap();
        seen += 1;
    }
    assert!(seen > 50);
}

#[test]
fn many_sessions_run_at_once_on_one_handle() {
    let dir = TempDir::new("threads");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let j = &j;
            s.spawn(move || {
                let clock = ManualClock::default();
                let agent = format!("agent-{t}");
                let mut a = j.start(&options(&agent, &["1.2", "5.1"], t), &clock).unwrap();
                run(&mut a, &clock, 0.0, None);
                a.finish(&clock).unwrap();
            });
        }
    });
    assert_eq!(j.agents(None).unwrap().len(), 4);
    for t in 0..4 {
        let p = j.profile(&format!("agent-{t}")).unwrap();
        assert_eq!(p.competences.iter().filter(|c| c.score.is_some()).count(), 2);
    }
    assert!(j.store().integrity_ok().unwrap());
}

#[test]
fn simulated_answers_follow_the_model() {
    // at θ far above every item the simulated agent answers right, far below mostly wrong
    let dir = TempDir::new("model");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    let clock = ManualClock::default();
    for (agent, theta, seed) in [("hi", 8.0, 1), ("lo", -8.0, 2)] {
        let mut a = j
            .start(&options(agent, &["1.1", "2.1", "3.1", "4.1"], seed), &clock)
            .unwrap();
        let mut scores = Vec::new();
        while a.next_question(&clock).unwrap().is_some() {
            let answer = a.simulated_answer(theta).unwrap();
            scores.push(a.submit(&answer, &clock).unwrap().score);
        }
        let right = scores.iter().filter(|&&s| s == 1).count() as f64 / scores.len() as f64;
        if theta > 0.0 {
            // every solution the simulation builds is judged right by the bank
            assert_eq!(right, 1.0, "{agent}");
        } else {
            // only single-choice guessing (c = 1/k) can be right
            assert!(right < 0.35, "{agent}: {right}");
        }
        a.finish(&clock).unwrap();
    }
}

#[test]
fn plans_are_checked_against_the_bank() {
    let dir = TempDir::new("plans");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    let bad = |spec: PlanSpec| j.create_campaign("x", None, &spec, None, None).unwrap_err();
    assert!(
        bad(PlanSpec::competences(["9.9"]))
            .to_string()
            .contains("unknown competence")
    );
    let spec = PlanSpec {
        tubes: Some(vec!["no-such-tube".into()]),
        ..PlanSpec::default()
    };
    assert!(bad(spec).to_string().contains("unknown tube"));
    let spec = PlanSpec {
        max_level: Some(9),
        ..PlanSpec::default()
    };
    assert!(bad(spec).to_string().contains("levels go from 1 to 8"));
    let c = j
        .create_campaign("ok", None, &PlanSpec::default(), None, None)
        .unwrap();
    let (_, spec) = j.campaign(&c.name).unwrap();
    assert_eq!(spec.competences.len(), 16);
    assert!(matches!(j.campaign("nope"), Err(Error::UnknownCampaign(_))));
}

/// A copy of the small test bank (`tests/bank-sim`) in which every item of tube `alpha` is timed.
fn timed_bank(dir: &Path, seconds: u32) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bank-sim");
    let dst = dir.join("bank");
    for sub in ["", "1.1", "1.2"] {
        std::fs::create_dir_all(dst.join(sub)).unwrap();
    }
    for f in [
        "framework.toml",
        "1.1/alpha.toml",
        "1.1/beta.toml",
        "1.2/gamma.toml",
        "1.2/delta.toml",
    ] {
        let mut text = std::fs::read_to_string(src.join(f)).unwrap();
        if f == "1.1/alpha.toml" {
            text = text
                .lines()
                .map(|l| {
                    if l.starts_with("level = ") {
                        format!("{l}\ntime_limit = {seconds}")
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        std::fs::write(dst.join(f), text).unwrap();
    }
    dst
}

#[test]
fn a_late_answer_to_a_timed_question_scores_zero_and_the_time_factor_is_honoured() {
    let dir = TempDir::new("timed");
    let bank = timed_bank(&dir.0, 30);
    let jauge = Jauge::open(&bank, &dir.db()).unwrap();
    // an agent with an adjustment: its time factor (1.5) stretches the 30 s limit to 45 s
    jauge.agent_or_create("adjusted", None).unwrap();
    jauge
        .set_adjustments("adjusted", &["extra-time".into()], 1.5)
        .unwrap();
    for (agent, factor) in [("plain", 1.0), ("adjusted", 1.5)] {
        let clock = ManualClock::default();
        let mut o = options(agent, &["1.1"], 5);
        o.simulated = false;
        let mut a = jauge.start(&o, &clock).unwrap();
        // (no two timed questions in a row: the engine's `hard_constraints_hold` tests that rule)
        let mut timed = 0;
        while let Some(q) = a.next_question(&clock).unwrap() {
            let limit = q.question.time_limit.map(f64::from);
            assert_eq!(
                q.allowed_seconds,
                limit.map(|l| l * factor),
                "{agent}: the time shown"
            );
            // a right answer (an agent who knows), given 40 s after the question
            let item = jauge.bank().item(&q.question.item).unwrap();
            let answer = common::right_answer(item, a.lang());
            clock.advance(40_000);
            let s = a.submit(&answer, &clock).unwrap();
            assert_eq!(s.verdict.score, 1);
            if limit.is_some() {
                timed += 1;
                // 40 s is late for 30 s, in time for 30 s × 1.5
                assert_eq!(s.timed_out, factor == 1.0, "{agent}");
                assert_eq!(s.score, u8::from(factor > 1.0), "{agent}");
            } else {
                assert!(!s.timed_out);
                assert_eq!(s.score, 1);
            }
        }
        assert!(timed > 0, "{agent}: the session met a timed question");
        a.finish(&clock).unwrap();
        // what the store kept: status `timedout`, score 0, the raw answer
        let store = Store::open_existing(&dir.db()).unwrap();
        let rec = store.agent_record(agent).unwrap();
        let rs = &rec.sessions[0].1;
        let late: Vec<_> = rs.iter().filter(|r| r.status == "timedout").collect();
        if factor == 1.0 {
            assert_eq!(late.len(), timed);
            assert!(late.iter().all(|r| r.score == 0 && !r.raw_answer.is_empty()));
        } else {
            assert!(late.is_empty());
        }
    }
}
