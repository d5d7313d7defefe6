//! Exports read back with independent readers: the csv crate, serde_json, and Parquet's own
//! file reader checking the physical and logical types that pandas and DuckDB rely on.

use jauge_export::{
    Filter, Format, GroupBy, Protected, Pseudonymiser, Target, export_aggregate, export_profiles,
    export_responses,
};
use jauge_store::{NewCampaign, NewSession, ProfileSnapshot, ResponseRecord, Store};
use jiff::Timestamp;
use std::path::PathBuf;

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("jauge-export-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn snap(c: &str, pix: u32, at: &str) -> ProfileSnapshot {
    ProfileSnapshot {
        competence: c.into(),
        theta: f64::from(pix) / 16.0 - 1.0,
        se: 0.5,
        pix,
        pix_low: pix.saturating_sub(3),
        pix_high: pix + 3,
        level: (pix / 8) as u8,
        capped_at: None,
        assessed_at: t(at),
        scoring_version: "1".into(),
        ..Default::default()
    }
}

fn comps() -> Vec<String> {
    vec!["1.1".into(), "4.2".into()]
}

/// Two organisations, a campaign, an agent assessed twice, an agent never finished.
fn fixture() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.create_organisation("prefecture-69", "Préfecture du Rhône")
        .unwrap();
    s.create_organisation("chu-lille", "CHU de Lille").unwrap();
    s.create_campaign(&NewCampaign {
        name: "rentree-2026".into(),
        organisation: None,
        plan: "{}".into(),
        opens_at: None,
        closes_at: None,
    })
    .unwrap();
    let a = s
        .agent_or_create("alice@rhone.gouv.fr", Some("prefecture-69"))
        .unwrap();
    let b = s.agent_or_create("bob@chu-lille.fr", Some("chu-lille")).unwrap();
    let c = s
        .agent_or_create("chloé@rhone.gouv.fr", Some("prefecture-69"))
        .unwrap();
    let mut n = NewSession::new(a.id, "{}", 1, "bank-a");
    n.started_at = t("2026-03-01T09:00:00Z");
    let s1 = s.start_session(&n).unwrap();
    s.finish_session(
        s1.id,
        t("2026-03-01T09:30:00Z"),
        &[
            snap("1.1", 10, "2026-03-01T09:30:00Z"),
            snap("4.2", 20, "2026-03-01T09:30:00Z"),
        ],
    )
    .unwrap();
    let mut n = NewSession::new(a.id, "{}", 2, "bank-b");
    n.campaign = Some("rentree-2026".into());
    n.started_at = t("2026-09-10T09:00:00Z");
    let s2 = s.start_session(&n).unwrap();
    s.record_response(
        s2.id,
        &ResponseRecord {
            step: 0,
            item: "operateurs-guillemets".into(),
            competence: "1.1".into(),
            raw_answer: "[\"b\"]".into(),
            options_order: None,
            score: 1,
            credit: 1.0,
            status: "answered".into(),
            pretest: false,
            shown_at: t("2026-09-10T09:01:00Z"),
            answered_at: t("2026-09-10T09:01:30Z"),
            theta: Some(0.4),
            se: Some(0.9),
        },
    )
    .unwrap();
    s.finish_session(
        s2.id,
        t("2026-09-10T09:20:00Z"),
        &[snap("1.1", 30, "2026-09-10T09:20:00Z")],
    )
    .unwrap();
    let mut n = NewSession::new(b.id, "{}", 3, "bank-b");
    n.campaign = Some("rentree-2026".into());
    let s3 = s.start_session(&n).unwrap();
    s.finish_session(
        s3.id,
        t("2026-09-12T14:00:00Z"),
        &[snap("4.2", 41, "2026-09-12T14:00:00Z")],
    )
    .unwrap();
    s.start_session(&NewSession::new(c.id, "{}", 4, "bank-b"))
        .unwrap(); // unfinished: never exported
    s
}

static NOTHING: std::sync::LazyLock<Protected> = std::sync::LazyLock::new(Protected::new);

fn target<'a>(format: Format, out: &'a std::path::Path, p: Option<&'a Pseudonymiser>) -> Target<'a> {
    Target {
        pseudonymiser: p,
        force: true,
        ..Target::new(format, out, &NOTHING)
    }
}

#[test]
fn latest_profile_per_agent_in_csv() {
    let dir = TempDir::new("csv");
    let out = dir.0.join("p.csv");
    let mut s = fixture();
    let n = export_profiles(
        &mut s,
        &comps(),
        &Filter::default(),
        false,
        target(Format::Csv, &out, None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 2);
    let mut r = csv::Reader::from_path(&out).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        h[..15],
        [
            "agent",
            "organisation",
            "campaign",
            "assessed_at",
            "total_pix",
            "bank_version",
            "scoring_version",
            "c1_1_level",
            "c1_1_pix",
            "c1_1_pix_low",
            "c1_1_pix_high",
            "c1_1_theta",
            "c1_1_se",
            "c1_1_theta_separate",
            "c1_1_se_separate"
        ]
    );
    assert_eq!(h.len(), 7 + 16 + 1, "the contract's columns, then `structure`");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // alice: 1.1 from September (30 pix), 4.2 from March (20 pix): the latest per competence
    assert_eq!(&rows[0][0], "alice@rhone.gouv.fr");
    assert_eq!(&rows[0][2], "rentree-2026");
    assert_eq!(&rows[0][3], "2026-09-10T09:20:00Z");
    assert_eq!(&rows[0][4], "50");
    assert_eq!(&rows[0][5], "bank-b");
    assert_eq!((&rows[0][7], &rows[0][8], &rows[0][16]), ("3", "30", "20"));
    assert_eq!(&rows[0][6], "1", "the scoring version of the scores");
    assert_eq!(&h[23], "structure");
    assert_eq!(&rows[0][23], "independent", "scores of version 1: independent");
    assert_eq!(&rows[1][0], "bob@chu-lille.fr");
    assert_eq!(&rows[1][7], "", "never assessed: empty");
    assert_eq!(&rows[1][16], "41");
    assert_eq!(s.audit_log().unwrap().last().unwrap().command, "export");

    // alice's September score of 1.1 under scoring version 2 with the assumed structure: her row
    // mixes it with March's version-1 score of 4.2, and says both (never a v1 score labelled 2)
    s.connection()
        .execute(
            "UPDATE profile_snapshot SET scoring_version = '2', structure = 'assumed'
             WHERE competence = '1.1' AND pix = 30",
            [],
        )
        .unwrap();
    let read = |s: &mut Store, all_sessions: bool| {
        export_profiles(
            s,
            &comps(),
            &Filter::default(),
            all_sessions,
            target(Format::Csv, &out, None),
            &mut |_| {},
        )
        .unwrap();
        let mut r = csv::Reader::from_path(&out).unwrap();
        r.records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_owned(), r[6].to_owned(), r[23].to_owned())
            })
            .collect::<Vec<_>>()
    };
    let row = |a: &str, v: &str, st: &str| (a.to_owned(), v.to_owned(), st.to_owned());
    assert_eq!(
        read(&mut s, false),
        [
            row("alice@rhone.gouv.fr", "1,2", "assumed,independent"),
            row("bob@chu-lille.fr", "1", "independent")
        ]
    );
    // one row per session: each session's own scores
    assert_eq!(
        read(&mut s, true),
        [
            row("alice@rhone.gouv.fr", "1", "independent"),
            row("alice@rhone.gouv.fr", "2", "assumed"),
            row("bob@chu-lille.fr", "1", "independent")
        ]
    );
}

#[test]
fn filters_and_pseudonyms_in_jsonl() {
    let dir = TempDir::new("jsonl");
    let out = dir.0.join("p.jsonl");
    let mut s = fixture();
    let key = Pseudonymiser::new(b"secret key of the ministry");
    let f = Filter {
        organisation: Some("prefecture-69".into()),
        since: Some(t("2026-03-01T09:30:00Z")),
        until: Some(t("2026-03-01T09:30:00Z")),
        ..Filter::default()
    };
    let n = export_profiles(
        &mut s,
        &comps(),
        &f,
        true,
        target(Format::Jsonl, &out, Some(&key)),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 1, "inclusive dates select exactly the March session");
    let text = std::fs::read_to_string(&out).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(v["agent"], key.apply("alice@rhone.gouv.fr"));
    assert_eq!(v["agent"].as_str().unwrap().len(), 64);
    assert_eq!(v["c1_1_pix"], 10);
    assert_eq!(v["c4_2_level"], 2);
    assert_eq!(v["campaign"], serde_json::Value::Null);
    assert!(!text.contains("alice"));
    let log = s.audit_log().unwrap();
    assert!(log.last().unwrap().detail.contains("pseudonymised"));
}

#[test]
fn responses_table_is_what_calibration_reads() {
    let dir = TempDir::new("resp");
    let out = dir.0.join("r.csv");
    let mut s = fixture();
    let n = export_responses(
        &mut s,
        &Filter::default(),
        target(Format::Csv, &out, None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 1);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "person,item,score,credit,agent,session,shown_at,answered_at,step,status,pretest"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[0], row[5]);
    assert_eq!(
        &row[1..5],
        ["operateurs-guillemets", "1", "1", "alice@rhone.gouv.fr"]
    );
    assert_eq!(row[7], "2026-09-10T09:01:30Z");
    assert_eq!(&row[8..], ["1", "answered", "0"], "step from 1, status, pretest");
}

/// The fixture with a simulated agent's finished session (in `prefecture-69`, 1.1 at level 7)
/// and a real session's "I don't know" answer.
fn fixture_with_simulated() -> Store {
    let mut s = fixture();
    let d = s
        .agent_or_create("demo@rhone.gouv.fr", Some("prefecture-69"))
        .unwrap();
    let mut n = NewSession::new(d.id, "{}", 9, "bank-b");
    n.simulated = true;
    let sim = s.start_session(&n).unwrap();
    let response = |step: u32, item: &str, status: &str, score: u8| ResponseRecord {
        step,
        item: item.into(),
        competence: "1.1".into(),
        raw_answer: if status == "dontknow" {
            r#"{"kind":"dontknow"}"#.into()
        } else {
            r#"{"kind":"options","value":["b"]}"#.into()
        },
        options_order: None,
        score,
        credit: f64::from(score),
        status: status.into(),
        pretest: false,
        shown_at: t("2026-09-11T09:01:00Z"),
        answered_at: t("2026-09-11T09:01:30Z"),
        theta: Some(0.4),
        se: Some(0.9),
    };
    s.record_response(sim.id, &response(0, "sim-item", "answered", 1))
        .unwrap();
    s.finish_session(
        sim.id,
        t("2026-09-11T10:00:00Z"),
        &[snap("1.1", 60, "2026-09-11T10:00:00Z")],
    )
    .unwrap();
    let e = s
        .agent_or_create("eve@rhone.gouv.fr", Some("prefecture-69"))
        .unwrap();
    let real = s
        .start_session(&NewSession::new(e.id, "{}", 10, "bank-b"))
        .unwrap();
    s.record_response(real.id, &response(0, "dk-item", "dontknow", 0))
        .unwrap();
    s
}

#[test]
fn simulated_sessions_are_left_out_unless_asked_and_dont_know_is_exported_as_such() {
    let dir = TempDir::new("sim");
    let out = dir.0.join("x.csv");
    let mut s = fixture_with_simulated();
    let read = |out: &std::path::Path| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_path(out).unwrap();
        let h = r.headers().unwrap().iter().map(str::to_owned).collect();
        std::iter::once(h)
            .chain(
                r.records()
                    .map(|x| x.unwrap().iter().map(str::to_owned).collect()),
            )
            .collect()
    };
    let inc = Filter {
        include_simulated: true,
        ..Filter::default()
    };
    // profiles: the simulated agent is left out, or included with the `simulated` column
    let n = export_profiles(
        &mut s,
        &comps(),
        &Filter::default(),
        false,
        target(Format::Csv, &out, None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 2);
    assert!(!std::fs::read_to_string(&out).unwrap().contains("demo@"));
    let n = export_profiles(
        &mut s,
        &comps(),
        &inc,
        true,
        target(Format::Csv, &out, None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 4);
    let rows = read(&out);
    assert_eq!(rows[0].last().unwrap(), "simulated");
    let demo = rows.iter().find(|r| r[0] == "demo@rhone.gouv.fr").unwrap();
    assert_eq!(demo.last().unwrap(), "1");
    assert!(
        rows[1..]
            .iter()
            .filter(|r| r[0] != "demo@rhone.gouv.fr")
            .all(|r| r.last().unwrap() == "0")
    );
    // responses: the simulated one only when asked; "I don't know" is its own status
    let n = export_responses(
        &mut s,
        &Filter::default(),
        target(Format::Csv, &out, None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(n, 2);
    let rows = read(&out);
    assert!(rows.iter().all(|r| r[1] != "sim-item"));
    let dk = rows.iter().find(|r| r[1] == "dk-item").unwrap();
    assert_eq!((dk[2].as_str(), dk[9].as_str()), ("0", "dontknow"));
    let n = export_responses(&mut s, &inc, target(Format::Csv, &out, None), &mut |_| {}).unwrap();
    assert_eq!(n, 3);
    // aggregates: the simulated agent does not count in its organisation
    let agents = |s: &mut Store, f: &Filter| {
        export_aggregate(
            s,
            &comps(),
            GroupBy::Organisation,
            1,
            f,
            target(Format::Csv, &out, None),
        )
        .unwrap();
        let rows = read(&out);
        rows.iter().find(|r| r[0] == "prefecture-69").unwrap()[1].clone()
    };
    assert_eq!(agents(&mut s, &Filter::default()), "1");
    assert_eq!(agents(&mut s, &inc), "2");
    assert!(
        s.audit_log()
            .unwrap()
            .last()
            .unwrap()
            .detail
            .contains("simulated sessions included")
    );
}

#[test]
fn aggregates_suppress_small_groups() {
    let dir = TempDir::new("agg");
    let out = dir.0.join("a.csv");
    let mut s = fixture();
    let n = export_aggregate(
        &mut s,
        &comps(),
        GroupBy::Organisation,
        1,
        &Filter::default(),
        target(Format::Csv, &out, None),
    )
    .unwrap();
    assert_eq!(n, 2);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("group,agents,c1_1_assessed,c1_1_mean_level,c1_1_level_0,"));
    // chu-lille: bob, 4.2 at level 5
    assert!(
        lines[1].starts_with("chu-lille,1,0,,0,0,0,0,0,0,0,0,0,1,5,0,0,0,0,0,1,0,0,0"),
        "{}",
        lines[1]
    );
    let n = export_aggregate(
        &mut s,
        &comps(),
        GroupBy::Organisation,
        10,
        &Filter::default(),
        target(Format::Csv, &out, None),
    )
    .unwrap();
    assert_eq!(n, 0, "groups under 10 agents are left out");
}

#[test]
fn parquet_has_the_contract_types() {
    use parquet::basic::{LogicalType, Type as Physical};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let dir = TempDir::new("pq");
    let out = dir.0.join("p.parquet");
    let mut s = fixture();
    let key = Pseudonymiser::new(b"k");
    export_profiles(
        &mut s,
        &comps(),
        &Filter::default(),
        false,
        target(Format::Parquet, &out, Some(&key)),
        &mut |_| {},
    )
    .unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr();
    let col = |name: &str| {
        schema
            .columns()
            .iter()
            .find(|c| c.name() == name)
            .unwrap()
            .clone()
    };
    assert_eq!(col("agent").physical_type(), Physical::BYTE_ARRAY);
    assert_eq!(col("agent").logical_type_ref(), Some(&LogicalType::String));
    assert_eq!(col("assessed_at").physical_type(), Physical::INT64);
    assert!(
        matches!(col("assessed_at").logical_type_ref(), Some(LogicalType::Timestamp(ts)) if ts.is_adjusted_to_u_t_c)
    );
    assert_eq!(col("c1_1_level").physical_type(), Physical::INT32);
    assert_eq!(col("c1_1_pix").physical_type(), Physical::INT32);
    assert_eq!(col("total_pix").physical_type(), Physical::INT32);
    assert_eq!(col("c1_1_theta").physical_type(), Physical::DOUBLE);
    assert_eq!(col("c1_1_se").physical_type(), Physical::DOUBLE);
    let rows: Vec<_> = reader.get_row_iter(None).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let first: Vec<(String, Field)> = rows[0]
        .get_column_iter()
        .map(|(n, f)| (n.clone(), f.clone()))
        .collect();
    let get = |n: &str| first.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("agent"), Field::Str(key.apply("alice@rhone.gouv.fr")));
    assert_eq!(get("c1_1_pix"), Field::Int(30));
    assert_eq!(
        get("assessed_at"),
        Field::TimestampMicros(t("2026-09-10T09:20:00Z").as_microsecond())
    );
    let second: Vec<(String, Field)> = rows[1]
        .get_column_iter()
        .map(|(n, f)| (n.clone(), f.clone()))
        .collect();
    assert_eq!(
        second.iter().find(|(k, _)| k == "c1_1_level").unwrap().1,
        Field::Null
    );
}
