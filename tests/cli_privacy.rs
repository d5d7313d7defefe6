//! End-to-end: `jauge export`, `jauge agent show|erase|list` and `jauge purge` on a database
//! populated through the store's API.

use std::path::Path;
use std::process::{Command, Output};

use jauge_store::{NewSession, ProfileSnapshot, Store};

mod common;
use common::TempDir;

fn jauge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JAUGE_DB")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const ALICE: &str = "alice.durand@interieur.gouv.fr";

fn populate(db: &Path) {
    let mut st = Store::open(db).unwrap();
    st.create_organisation("dgfip", "DGFiP").unwrap();
    for (who, pix) in [(ALICE, 20u32), ("bruno@dgfip.finances.gouv.fr", 33)] {
        let a = st.agent_or_create(who, Some("dgfip")).unwrap();
        let sess = st
            .start_session(&NewSession::new(a.id, "{}", 1, "bank-test"))
            .unwrap();
        let at = "2026-10-01T10:00:00Z".parse().unwrap();
        let snap = |c: &str| ProfileSnapshot {
            competence: c.into(),
            theta: 0.2,
            se: 0.4,
            pix,
            pix_low: pix - 3,
            pix_high: pix + 3,
            level: (pix / 8) as u8,
            capped_at: None,
            assessed_at: at,
            scoring_version: "1".into(),
            ..Default::default()
        };
        st.finish_session(sess.id, at, &[snap("1.1"), snap("5.2")])
            .unwrap();
    }
}

#[test]
fn export_formats_filters_and_pseudonyms() {
    let dir = TempDir::new("export");
    let db = dir.0.join("j.db");
    populate(&db);
    let out = dir.0.join("p.csv");
    let o = jauge(&["export", "--db", s(&db), "--format", "csv", "--out", s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with(
        "agent,organisation,campaign,assessed_at,total_pix,bank_version,scoring_version,c1_1_level,"
    ));
    assert!(header.ends_with(
        ",c5_2_level,c5_2_pix,c5_2_pix_low,c5_2_pix_high,c5_2_theta,c5_2_se,c5_2_theta_separate,c5_2_se_separate,structure"
    ));
    assert_eq!(
        header.split(',').count(),
        7 + 16 * 8 + 1,
        "every competence of the bank, then the profile structure"
    );
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains(&format!(
        "{ALICE},dgfip,,2026-10-01T10:00:00Z,40,bank-test,1,2,20,17,23,0.2,0.4"
    )));

    let key = dir.0.join("key");
    // 32 bytes of random material, as hex (as `jauge key create` writes)
    std::fs::write(
        &key,
        "9c1f4be07a3d52e8816f0c2ab94d7e35f0a61b8c2d4e97a3058b6cf1e2d9a470\n",
    )
    .unwrap();
    for fmt in ["csv", "jsonl", "parquet"] {
        let out = dir.0.join(format!("p.{fmt}"));
        let o = jauge(&[
            "export",
            "--db",
            s(&db),
            "--format",
            fmt,
            "--out",
            s(&out),
            "--pseudonymise-key-file",
            s(&key),
            "--since",
            "2026-10-01",
            "--until",
            "2026-10-01",
            "--json",
            "--force",
        ]);
        assert!(
            o.status.success(),
            "{fmt}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["rows"], 2);
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            !bytes.windows(ALICE.len()).any(|w| w == ALICE.as_bytes()),
            "{fmt} must not contain the id"
        );
    }
    let o = jauge(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "csv",
        "--out",
        s(&out),
        "--responses",
        "--force",
    ]);
    assert!(o.status.success());
    let o = jauge(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "csv",
        "--out",
        s(&out),
        "--aggregate",
        "organisation",
        "--min-group",
        "2",
        "--force",
    ]);
    assert!(o.status.success());
    let agg = std::fs::read_to_string(&out).unwrap();
    assert!(
        agg.lines().nth(1).unwrap().starts_with("dgfip,2,2,3,0,0,1,0,1,"),
        "{agg}"
    );

    // bad input: exit 2, a message, nothing written
    let o = jauge(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "csv",
        "--out",
        s(&out),
        "--organisation",
        "nowhere",
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown organisation `nowhere`"));
    let missing = dir.0.join("none.db");
    let o = jauge(&["export", "--db", s(&missing), "--format", "csv", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());
    let o = jauge(&["export", "--db", s(&db), "--format", "xlsx", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn access_erasure_and_purge() {
    let dir = TempDir::new("privacy");
    let db = dir.0.join("j.db");
    populate(&db);
    let o = jauge(&["agent", "show", ALICE, "--db", s(&db), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["agent"], ALICE);
    assert_eq!(v["sessions"][0]["profile"][0]["code"], "1.1");
    let o = jauge(&["agent", "list", "--db", s(&db), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["agents"].as_array().unwrap().len(), 2);

    let o = jauge(&["agent", "erase", ALICE, "--db", s(&db)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Exports made before now are not affected"));
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", db.display())) {
            assert!(
                !bytes.windows(ALICE.len()).any(|w| w == ALICE.as_bytes()),
                "id left in {suffix}"
            );
        }
    }
    let o = jauge(&["agent", "show", ALICE, "--db", s(&db), "--json"]);
    assert_eq!(o.status.code(), Some(2));

    let o = jauge(&["purge", "--older-than", "30d", "--db", s(&db), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["sessions"], 2,
        "both sessions ended on 2026-10-01, more than 30 days before today"
    );
    let o = jauge(&["purge", "--older-than", "30 days", "--db", s(&db)]);
    assert_eq!(o.status.code(), Some(2));
}
