//! What the records keep: scoring version 2 with its separate scores, version-1 scores labelled
//! and rescored on demand, "I don't know", pretest questions, accessibility adjustments whatever
//! their spelling, and no non-finite number from an absurd calibration.

mod common;

use common::{TempDir, alike, bank_dir, examples_dir, right_answer, sim_bank};
use jauge::store::Store;
use jauge::{Answer, Error, Jauge, Lang, ManualClock, PlanChoice, StartOptions};

fn options(agent: &str, competences: &[&str], seed: u64) -> StartOptions {
    let mut o = StartOptions::new(agent);
    o.plan = PlanChoice::Competences(competences.iter().map(|s| s.to_string()).collect());
    o.seed = Some(seed);
    o
}

fn run(j: &Jauge, o: &StartOptions, level: u8, clock: &ManualClock) -> jauge::Report {
    let mut a = j.start(o, clock).unwrap();
    while let Some(q) = a.next_question(clock).unwrap() {
        let item = j.bank().item(&q.question.item).unwrap();
        clock.advance(5_000);
        a.submit(&alike(item, Lang::Fr, level), clock).unwrap();
    }
    a.finish(clock).unwrap()
}

#[test]
fn scores_are_version_2_with_their_separate_score_and_version_1_ones_are_rescored_only_on_demand() {
    let dir = TempDir::new("v2");
    let j = Jauge::open(&bank_dir(), &dir.db()).unwrap();
    let clock = ManualClock::default();
    let report = run(&j, &options("ana", &["1.1", "3.2"], 4), 3, &clock);
    assert_eq!(report.competences.len(), 2);
    for c in &report.competences {
        assert_eq!(c.scoring_version, "2");
        assert!(c.theta_separate.is_some() && c.se_separate.is_some());
        // the bundled bank's structure: λ = √0.5, assumed
        assert_eq!(c.structure.as_deref(), Some("assumed"));
    }
    let live = report.competences.clone();
    let p = j.profile("ana").unwrap();
    assert_eq!(p.scoring_version, "2");
    let json = p.to_json();
    assert_eq!(json["scoring_version"], "2");
    assert_eq!(json["structure"], "assumed");
    let h = j.history("ana").unwrap()[0].to_json();
    assert_eq!(h["structure"], "assumed", "{h}");
    assert_eq!(h["competences"][0]["structure"], "assumed", "{h}");
    assert!(h["competences"][0]["theta_separate"].is_f64(), "{h}");
    let c11 = &json["competences"][0];
    assert_eq!(c11["code"], "1.1");
    assert!(
        c11["theta_separate"].is_f64() && c11["se_separate"].is_f64(),
        "{c11}"
    );

    // the same scores as if recorded by a version-1 Jauge (other numbers, version 1)
    drop(p);
    {
        let store = j.store();
        store
            .connection()
            .execute_batch(
                "UPDATE session SET scoring_version = '1';
                 UPDATE profile_snapshot SET scoring_version = '1', pix = pix - 1, theta = theta - 0.25,
                        theta_separate = theta - 0.25, se_separate = se, structure = NULL;",
            )
            .unwrap();
    }
    let p = j.profile("ana").unwrap();
    assert_eq!(p.scoring_version, "1", "no silent rescoring: labelled version 1");
    assert!(
        p.competences
            .iter()
            .filter_map(|c| c.score.as_ref())
            .all(|s| s.scoring_version == "1")
    );
    let h = j.history("ana").unwrap()[0].to_json();
    assert_eq!(h["competences"][0]["scoring_version"], "1");
    // version 1 recorded no structure: its model was the independent one, and says so
    assert_eq!(h["structure"], "independent", "{h}");
    assert_eq!(h["competences"][0]["structure"], "independent", "{h}");
    assert_eq!(p.to_json()["structure"], "independent");
    // a rescore recomputes them from the stored responses: the live session's own scores
    clock.advance(60_000);
    let r = j.rescore(None, &clock).unwrap();
    assert_eq!(r.rescored.len(), 1);
    assert!(r.skipped.is_empty());
    assert_eq!(r.rescored[0].from, ["1"]);
    assert_eq!(r.rescored[0].scored, 2);
    let p = j.profile("ana").unwrap();
    assert_eq!(p.scoring_version, "2");
    let again: Vec<_> = p.competences.iter().filter_map(|c| c.score.clone()).collect();
    assert_eq!(again.len(), 2);
    for (a, b) in again.iter().zip(&live) {
        assert_eq!(
            (
                a.theta,
                a.se,
                a.pix,
                a.pix_low,
                a.pix_high,
                a.level,
                a.theta_separate,
                a.se_separate
            ),
            (
                b.theta,
                b.se,
                b.pix,
                b.pix_low,
                b.pix_high,
                b.level,
                b.theta_separate,
                b.se_separate
            ),
            "{}",
            a.competence
        );
        assert!(a.assessed_at > b.assessed_at, "dated at the rescore");
    }
    // the version-1 scores are kept, superseded; a second rescore has nothing to do
    let store = j.store();
    let s = store.session(&report.session).unwrap().unwrap();
    let all = store.all_snapshots(s.id).unwrap();
    assert_eq!(
        all.iter().map(|p| p.scoring_version.as_str()).collect::<Vec<_>>(),
        ["1", "2", "1", "2"]
    );
    drop(store);
    assert!(j.rescore(None, &clock).unwrap().rescored.is_empty());
}

#[test]
fn i_dont_know_is_scored_zero_stored_as_such_and_never_a_timeout() {
    let dir = TempDir::new("dontknow");
    let bank = sim_bank(&dir.0, |f, text| {
        if f == "1.1/alpha.toml" {
            text.replace("level = 1\n", "level = 1\ntime_limit = 30\n")
        } else {
            text
        }
    });
    let j = Jauge::open(&bank, &dir.db()).unwrap();
    let clock = ManualClock::default();
    let mut a = j.start(&options("dk", &["1.1"], 2), &clock).unwrap();
    let mut timed_late = 0;
    while let Some(q) = a.next_question(&clock).unwrap() {
        // "I don't know" to every question, a minute after it is shown (late for a timed one)
        clock.advance(60_000);
        let s = a.submit(&Answer::DontKnow, &clock).unwrap();
        assert_eq!((s.score, s.dont_know, s.timed_out), (0, true, false));
        timed_late += usize::from(q.allowed_seconds.is_some());
    }
    assert!(timed_late > 0, "a timed question was answered late");
    a.finish(&clock).unwrap();
    let store = Store::open_existing(&dir.db()).unwrap();
    let rec = store.agent_record("dk").unwrap();
    let rs = &rec.sessions[0].1;
    assert!(rs.len() >= 4);
    for r in rs {
        assert_eq!((r.status.as_str(), r.score, r.credit), ("dontknow", 0, 0.0));
        assert_eq!(jauge::parse_answer(&r.raw_answer), Some(Answer::DontKnow));
    }
}

#[test]
fn pretest_items_are_shown_recorded_as_pretest_and_never_scored() {
    let dir = TempDir::new("pretest");
    // the third item of every level of tube alpha is being calibrated
    let bank = sim_bank(&dir.0, |f, text| {
        if f != "1.1/alpha.toml" {
            return text;
        }
        let mut out = String::new();
        let mut pretest = false;
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("id = \"alpha-") {
                pretest = id.ends_with("-3\"");
            }
            if line == "status = \"live\"" && pretest {
                out.push_str("status = \"pretest\"\n");
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    });
    let j = Jauge::open(&bank, &dir.db()).unwrap();
    let pretest_ids: Vec<String> = j
        .bank()
        .items
        .iter()
        .filter(|i| i.status == jauge::bank::Status::Pretest)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(pretest_ids.len(), 3);
    let clock = ManualClock::default();
    let mut shown_pretest = 0;
    for seed in 0..6 {
        let mut a = j
            .start(&options(&format!("p{seed}"), &["1.1"], seed), &clock)
            .unwrap();
        let mut thetas = Vec::new();
        while let Some(q) = a.next_question(&clock).unwrap() {
            let item = j.bank().item(&q.question.item).unwrap();
            let s = a.submit(&right_answer(item, Lang::Fr), &clock).unwrap();
            if pretest_ids.contains(&item.id) {
                shown_pretest += 1;
                assert_eq!((s.theta, s.se), (None, None), "not scored");
            } else {
                thetas.push(s.theta.unwrap());
            }
        }
        let report = a.finish(&clock).unwrap();
        assert!(report.missed.iter().all(|m| !pretest_ids.contains(&m.item)));
        let store = j.store();
        let rec = store.agent_record(&format!("p{seed}")).unwrap();
        for r in &rec.sessions[0].1 {
            assert_eq!(r.pretest, pretest_ids.contains(&r.item), "{}", r.item);
            assert_eq!(r.theta.is_none(), r.pretest);
            // recorded with its verdict, for calibration
            assert_eq!(r.score, 1);
        }
    }
    assert!(
        shown_pretest >= 6,
        "2 pretest questions by default: {shown_pretest} shown in 6 sessions"
    );
    // a plan may ask for none
    let spec = jauge::PlanSpec {
        competences: vec!["1.1".into()],
        pretest: Some(0),
        ..jauge::PlanSpec::default()
    };
    let mut o = StartOptions::new("none");
    o.plan = PlanChoice::Spec(spec);
    let mut a = j.start(&o, &clock).unwrap();
    while let Some(q) = a.next_question(&clock).unwrap() {
        assert!(!pretest_ids.contains(&q.question.item));
        let item = j.bank().item(&q.question.item).unwrap();
        a.submit(&right_answer(item, Lang::Fr), &clock).unwrap();
    }
}

#[test]
fn an_adjustment_matches_the_banks_tag_whatever_its_spelling() {
    let dir = TempDir::new("access");
    let j = Jauge::open(&examples_dir(), &dir.db()).unwrap();
    let tagged = "operateurs-exclusion-2";
    assert_eq!(j.bank().item(tagged).unwrap().accessibility, ["no-screen-reader"]);
    let clock = ManualClock::default();
    let shows = |agent: &str| {
        let mut a = j.start(&options(agent, &["1.1"], 1), &clock).unwrap();
        let mut items = Vec::new();
        while let Some(q) = a.next_question(&clock).unwrap() {
            let item = j.bank().item(&q.question.item).unwrap();
            items.push(item.id.clone());
            a.submit(&right_answer(item, Lang::Fr), &clock).unwrap();
        }
        items.contains(&tagged.to_owned())
    };
    assert!(shows("plain"), "without an adjustment the tagged item is given");
    for (agent, spelling) in [
        ("a", "screen-reader"),
        ("b", "Screen-Reader"),
        ("c", "screen_reader"),
        ("d", "SCREEN_READER"),
    ] {
        j.agent_or_create(agent, None).unwrap();
        let a = j.set_adjustments(agent, &[spelling.to_owned()], 1.5).unwrap();
        assert_eq!(a.adjustments, ["screen-reader"], "stored in the bank's spelling");
        assert!(!shows(agent), "{spelling}");
    }
    // an adjustment stored by an older version in another spelling matches too
    j.agent_or_create("legacy", None).unwrap();
    j.store()
        .connection()
        .execute_batch(
            "UPDATE agent SET adjustments = 'Screen_Reader' WHERE id =
             (SELECT agent_id FROM agent_identity WHERE external_id = 'legacy')",
        )
        .unwrap();
    assert!(!shows("legacy"));
}

#[test]
fn an_absurd_calibration_is_refused_and_nothing_non_finite_is_stored() {
    let dir = TempDir::new("absurd");
    let bank = sim_bank(&dir.0, |_, t| t);
    std::fs::create_dir_all(bank.join("calibration")).unwrap();
    for (row, what) in [
        ("alpha-1-1,1e308,0,0,1", "a = 1e308"),
        ("alpha-1-1,0.000001,0,0,1", "a = 1e-6"),
        ("alpha-1-1,1,1e6,0,1", "b = 1e6"),
        ("alpha-1-1,1,0,0.99,1", "c = 0.99"),
    ] {
        std::fs::write(
            bank.join("calibration/2026-01-01.csv"),
            format!("id,a,b,c,d\n{row}\n"),
        )
        .unwrap();
        let e = Jauge::open(&bank, &dir.db()).unwrap_err();
        assert!(matches!(e, Error::InvalidBank { .. }), "{what}: {e}");
        assert!(e.to_string().contains("alpha-1-1"), "{what}: {e}");
        let loaded = jauge::bank::load_dir(&bank).unwrap();
        let d = loaded.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert_eq!(d.code, "irt-out-of-bounds", "{what}: {d}");
    }
    // within the bounds: accepted
    std::fs::write(
        bank.join("calibration/2026-01-01.csv"),
        "id,a,b,c,d\nalpha-1-1,20,-20,0.2,1\n",
    )
    .unwrap();
    assert!(Jauge::open(&bank, &dir.db()).is_ok());
    // the store refuses NaN and infinities whatever their origin
    let mut store = Store::open(&dir.db()).unwrap();
    let a = store.agent_or_create("x", None).unwrap();
    let s = store
        .start_session(&jauge::store::NewSession::new(a.id, "{}", 1, "b"))
        .unwrap();
    let r = jauge::store::ResponseRecord {
        step: 0,
        item: "alpha-1-1".into(),
        competence: "1.1".into(),
        raw_answer: "{}".into(),
        options_order: None,
        score: 0,
        credit: 0.0,
        status: "answered".into(),
        pretest: false,
        shown_at: jiff::Timestamp::UNIX_EPOCH,
        answered_at: jiff::Timestamp::UNIX_EPOCH,
        theta: Some(f64::NAN),
        se: Some(0.5),
    };
    let e = store.record_response(s.id, &r).unwrap_err();
    assert!(e.to_string().contains("not a finite number"), "{e}");
    assert!(store.responses(s.id).unwrap().is_empty());
}
