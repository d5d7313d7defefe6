//! End-to-end: `jauge profile`, `jauge campaign`, `jauge organisation` and adjustments, on
//! simulated sessions.

use std::path::Path;

use jauge::store::Store;
use serde_json::Value;

mod common;
use common::TempDir;
use common::procs::{jauge, text};
use common::session::{json, recorded, simulate};

#[test]
fn profiles_list_every_competence_with_the_contract_keys() {
    let dir = TempDir::new("profile");
    let db = dir.db();
    assert_eq!(
        simulate(&db, "ana", "1", &["--competences", "1.1,2.1"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        simulate(&db, "ana", "2", &["--competences", "2.1"]).status.code(),
        Some(0)
    );
    let p = json(&jauge(&["profile", "show", "ana", "--db", &db, "--json"]));
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "agent",
            "bank_version",
            "competences",
            "scoring_version",
            "simulated",
            "structure",
            "total_pix"
        ]
    );
    assert_eq!(p["simulated"], true, "labelled: these are simulated sessions");
    assert_eq!(p["scoring_version"], jauge::SCORING_VERSION);
    assert_eq!(p["structure"], "independent");
    assert_eq!(p["agent"], "ana");
    let comps = p["competences"].as_array().unwrap();
    assert_eq!(comps.len(), 16);
    let mut ckeys: Vec<&str> = comps[0].as_object().unwrap().keys().map(String::as_str).collect();
    ckeys.sort();
    assert_eq!(
        ckeys,
        [
            "assessed_at",
            "capped_at",
            "code",
            "level",
            "not_assessed",
            "pix",
            "pix_high",
            "pix_low",
            "scoring_version",
            "se",
            "se_separate",
            "session",
            "simulated",
            "structure",
            "theta",
            "theta_separate"
        ]
    );
    let by = |c: &str| comps.iter().find(|x| x["code"] == c).unwrap().clone();
    assert!(by("1.1")["level"].is_u64());
    assert!(
        by("4.2")["level"].is_null() && by("4.2")["theta"].is_null() && by("4.2")["assessed_at"].is_null()
    );
    let total: u64 = comps.iter().filter_map(|c| c["pix"].as_u64()).sum();
    assert_eq!(p["total_pix"].as_u64(), Some(total));
    let h = json(&jauge(&["profile", "history", "ana", "--db", &db, "--json"]));
    let sessions = h["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(h["agent"], "ana");
    for s in sessions {
        assert!(s["session"].is_string() && s["finished_at"].is_string());
        assert_eq!(s["simulated"], true);
        assert_eq!(s["competences"].as_array().unwrap().len(), 16);
    }
    // two competences under the bundled bank's assumed structure, then one alone (independent)
    let mut structures: Vec<&str> = sessions
        .iter()
        .map(|s| s["structure"].as_str().unwrap())
        .collect();
    structures.sort_unstable();
    assert_eq!(structures, ["assumed", "independent"]);
    // the text views say the structure and label the simulated sessions too
    let shown = text(&jauge(&["profile", "show", "ana", "--db", &db]).stdout);
    assert!(
        shown.contains("Structure du profil\u{202f}: compétences indépendantes")
            && shown.contains("sessions simulées")
            && shown.contains("· simulée"),
        "{shown}"
    );
    let history = text(&jauge(&["profile", "history", "ana", "--db", &db]).stdout);
    let heads: Vec<&str> = history.lines().filter(|l| l.starts_with("Session ")).collect();
    assert_eq!(heads.len(), 2, "{history}");
    assert!(
        heads.iter().all(|l| l.contains("(simulée)"))
            && history.contains("Structure du profil\u{202f}: compétences indépendantes")
            && history.contains("Structure du profil\u{202f}: corrélations supposées"),
        "{history}"
    );
    // "latest" is the latest finished result per competence: 2.1 from the second session
    let second_21 = sessions[1]["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "2.1")
        .unwrap()
        .clone();
    assert_eq!(by("2.1"), second_21);
    let first_11 = sessions[0]["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "1.1")
        .unwrap()
        .clone();
    assert_eq!(by("1.1"), first_11);
    // an unknown agent is bad input
    assert_eq!(
        jauge(&["profile", "show", "nobody", "--db", &db]).status.code(),
        Some(2)
    );
}

#[test]
fn campaigns_carry_the_plan_and_unknown_ones_are_refused() {
    let dir = TempDir::new("campaign");
    let db = dir.db();
    let o = jauge(&["organisation", "create", "dgfip", "--name", "DGFiP", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let orgs = json(&jauge(&["organisation", "list", "--db", &db, "--json"]));
    assert_eq!(orgs["organisations"][0]["code"], "dgfip");
    let o = jauge(&[
        "campaign",
        "create",
        "c2026",
        "--organisation",
        "dgfip",
        "--competences",
        "1.1,4.1",
        "--max-level",
        "3",
        "--max-items",
        "5",
        "--opens",
        "2020-01-01",
        "--closes",
        "2099-12-31",
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = json(&jauge(&["campaign", "show", "c2026", "--db", &db, "--json"]));
    assert_eq!(c["plan"]["competences"], serde_json::json!(["1.1", "4.1"]));
    assert_eq!(c["plan"]["max_level"], 3);
    assert_eq!(c["closes_at"], "2099-12-31T23:59:59.999999Z");
    let l = json(&jauge(&["campaign", "list", "--db", &db, "--json"]));
    assert_eq!(l["campaigns"].as_array().unwrap().len(), 1);
    let o = simulate(
        &db,
        "eve",
        "4",
        &["--campaign", "c2026", "--organisation", "dgfip"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let p = json(&jauge(&["profile", "show", "eve", "--db", &db, "--json"]));
    let assessed: Vec<&Value> = p["competences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["level"].is_null())
        .collect();
    assert_eq!(assessed.len(), 2);
    for c in assessed {
        assert!(c["level"].as_u64().unwrap() <= 3);
    }
    let rec = recorded(&db, "eve");
    assert!(rec.sessions[0].1.len() <= 10);
    // unknown campaign, closed campaign, unknown competence: exit 2, nothing started
    for (args, msg) in [
        (vec!["--campaign", "nope"], "campagne inconnue"),
        (vec!["--competences", "9.9"], "unknown competence"),
    ] {
        let o = simulate(&db, "fred", "1", &args);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains(msg), "{}", text(&o.stderr));
    }
    assert_eq!(
        jauge(&["campaign", "show", "nope", "--db", &db]).status.code(),
        Some(2)
    );
    let o = jauge(&["campaign", "create", "old", "--closes", "2001-01-01", "--db", &db]);
    assert_eq!(o.status.code(), Some(0));
    let o = simulate(&db, "fred", "1", &["--campaign", "old"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("closed"), "{}", text(&o.stderr));
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let fred = store.agent("fred").unwrap();
    assert!(fred.is_none_or(|a| store.active_session(a.id).unwrap().is_none()));
}

#[test]
fn adjustments_are_recorded_and_honoured() {
    let dir = TempDir::new("adjust");
    let db = dir.db();
    let o = jauge(&[
        "agent",
        "adjust",
        "noa",
        "--screen-reader",
        "--time-factor",
        "2",
        "--db",
        &db,
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["adjustments"], serde_json::json!(["screen-reader"]));
    assert_eq!(
        simulate(&db, "noa", "1", &["--competences", "1.1"]).status.code(),
        Some(0)
    );
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let rec = store.agent_record("noa").unwrap();
    let plan: Value = serde_json::from_str(&rec.sessions[0].0.plan).unwrap();
    assert_eq!(plan["adjustments"], serde_json::json!(["screen-reader"]));
    assert_eq!(plan["time_factor"], 2.0);
    assert_eq!(
        jauge(&["agent", "adjust", "noa", "--time-factor", "0.5", "--db", &db])
            .status
            .code(),
        Some(2)
    );
}
