//! End-to-end: one person is one agent however the id was typed. Ids are stored and looked up in
//! NFC; spaces at either end, bidirectional controls and invisible characters are refused at
//! every entry point; a database written before the rule is repaired where that is unambiguous.

use std::path::Path;

mod common;
use common::TempDir;
use common::procs::{assert_clean, jauge, text};

const DECOMPOSED: &str = "Zoe\u{301}.martin@example.fr";
const COMPOSED: &str = "Zo\u{e9}.martin@example.fr";

fn ids(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT external_id FROM agent_identity ORDER BY agent_id")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_composed_and_a_decomposed_id_are_one_agent() {
    let dir = TempDir::new("nfc");
    let db = dir.db();
    let o = jauge(&[
        "assess",
        "--agent",
        DECOMPOSED,
        "--simulate-theta",
        "0",
        "--competences",
        "1.1",
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(ids(Path::new(&db)), vec![COMPOSED.to_string()], "stored in NFC");
    for id in [COMPOSED, DECOMPOSED] {
        let o = jauge(&["profile", "show", id, "--json", "--db", &db]);
        assert_eq!(o.status.code(), Some(0), "{id:?}: {}", text(&o.stderr));
        let o = jauge(&["agent", "show", id, "--json", "--db", &db]);
        assert_eq!(o.status.code(), Some(0), "{id:?}: {}", text(&o.stderr));
    }
    let o = jauge(&["agent", "adjust", COMPOSED, "--screen-reader", "--db", &db]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(ids(Path::new(&db)).len(), 1, "still one agent");
}

#[test]
fn ids_that_would_look_like_another_are_refused_everywhere() {
    let dir = TempDir::new("refused");
    let db = dir.db();
    let o = jauge(&["agent", "adjust", "alice", "--screen-reader", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let bad = [
        ("alice ", "space"),
        (" alice", "space"),
        ("alice\u{a0}", "space"),
        ("\u{202e}ecila", "bidirectional"),
        ("ali\u{200b}ce", "invisible"),
        ("\u{feff}alice", "invisible"),
        ("al\u{ad}ice", "invisible"),
    ];
    for (id, why) in bad {
        let runs = [
            vec![
                "assess",
                "--agent",
                id,
                "--simulate-theta",
                "0",
                "--competences",
                "1.1",
                "--db",
                &db,
            ],
            vec!["agent", "adjust", id, "--screen-reader", "--db", &db],
            vec!["agent", "show", id, "--db", &db],
            vec!["agent", "erase", id, "--db", &db],
            vec!["profile", "show", id, "--db", &db],
            vec!["profile", "history", id, "--db", &db],
        ];
        for args in runs {
            let o = jauge(&args);
            assert_clean(&o, &format!("{} {id:?}", args[..2].join(" ")));
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
            let err = text(&o.stderr);
            assert!(err.contains("agent id") && err.contains(why), "{args:?}: {err}");
            // the message shows the hidden character instead of hiding it
            assert!(!err.contains('\u{202e}') && !err.contains('\u{200b}'), "{err}");
        }
    }
    assert_eq!(
        ids(Path::new(&db)),
        vec!["alice".to_string()],
        "nothing was created"
    );
}

#[test]
fn a_database_from_before_the_rule_is_repaired_where_unambiguous() {
    let dir = TempDir::new("legacy");
    let db = dir.0.join("old.db");
    std::fs::copy("tests/data/schema-1-offending-agent-ids.db", &db).unwrap();
    let db_s = db.to_str().unwrap();
    let o = jauge(&["agent", "list", "--json", "--db", db_s]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // `alice ` collides with `alice`: never merged behind the ministry's back, left as stored
    assert_eq!(
        ids(&db),
        vec!["alice", "alice ", "Zo\u{e9}", "bob", "camille"],
        "repaired in place where unambiguous"
    );
    // every record stays reachable, the one left as stored by its exact form
    for id in ["alice", "alice ", "Zo\u{e9}", "Zoe\u{301}", "bob", "camille"] {
        let o = jauge(&["agent", "show", id, "--json", "--db", db_s]);
        assert_eq!(o.status.code(), Some(0), "{id:?}: {}", text(&o.stderr));
    }
    let o = jauge(&["agent", "erase", "alice ", "--db", db_s]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(ids(&db), vec!["alice", "Zo\u{e9}", "bob", "camille"]);
    // the audit log says what the migration did, without the ids
    let c = rusqlite::Connection::open(&db).unwrap();
    let detail: String = c
        .query_row(
            "SELECT detail FROM audit_log WHERE command = 'migration'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        detail.contains("3 rewritten") && detail.contains("1 left"),
        "{detail}"
    );
    assert!(!detail.contains("bob"), "{detail}");
}
