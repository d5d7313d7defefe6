//! The store's guarantees, on real files.

use jauge_store::*;
use jiff::Timestamp;
use std::path::PathBuf;

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("jauge-store-{name}-{}", std::process::id()));
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

fn response(step: u32, item: &str, score: u8) -> ResponseRecord {
    ResponseRecord {
        step,
        item: item.into(),
        competence: "1.1".into(),
        raw_answer: r#"["b"]"#.into(),
        options_order: Some("c a b".into()),
        score,
        credit: f64::from(score),
        status: "answered".into(),
        pretest: false,
        shown_at: t("2026-11-29T10:00:00Z"),
        answered_at: t("2026-11-29T10:00:30Z"),
        theta: Some(0.3),
        se: Some(0.8),
    }
}

fn snapshot(competence: &str, pix: u32, at: &str) -> ProfileSnapshot {
    ProfileSnapshot {
        competence: competence.into(),
        theta: 0.1,
        se: 0.5,
        pix,
        pix_low: pix.saturating_sub(4),
        pix_high: pix + 4,
        level: (pix / 8) as u8,
        capped_at: None,
        assessed_at: t(at),
        scoring_version: "1".into(),
        ..Default::default()
    }
}

#[test]
fn file_database_is_private_wal_and_reopens() -> Result<()> {
    let dir = TempDir::new("open");
    let path = dir.0.join("sub/jauge.db");
    {
        let mut s = Store::open(&path)?;
        s.create_organisation("dinum", "Direction interministérielle du numérique")?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let s = Store::open(&path)?;
    let mode: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    let v: i64 = s
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(v, SCHEMA_VERSION);
    assert_eq!(s.organisations()?.len(), 1);
    assert!(s.integrity_ok()?);
    Ok(())
}

#[test]
fn refuses_missing_corrupt_foreign_and_newer_databases_without_writing() {
    let dir = TempDir::new("refuse");
    let missing = dir.0.join("none.db");
    assert!(matches!(
        Store::open_existing(&missing),
        Err(StoreError::Missing(_))
    ));
    assert!(!missing.exists());

    let garbage = dir.0.join("garbage.db");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &bytes).unwrap();
    let e = Store::open(&garbage).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        bytes,
        "a corrupt file is left untouched"
    );

    let foreign = dir.0.join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    assert!(matches!(Store::open(&foreign), Err(StoreError::Corrupt { .. })));

    let newer = dir.0.join("newer.db");
    drop(Store::open(&newer).unwrap());
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
    }
    let e = Store::open(&newer).unwrap_err();
    assert!(
        matches!(e, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1),
        "{e}"
    );
}

#[test]
fn one_unfinished_session_per_agent() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    let a = s.agent_or_create("zoé.ünal@prefecture.gouv.fr", None)?;
    let first = s.start_session(&NewSession::new(a.id, "{}", 1, "v1"))?;
    assert!(matches!(
        s.start_session(&NewSession::new(a.id, "{}", 2, "v1")),
        Err(StoreError::SessionInProgress { session }) if session == first.uid
    ));
    // the schema itself refuses a second active row, whatever the caller does
    let raw = s.connection().execute(
        "INSERT INTO session (uid, agent_id, plan, state, seed, engine_version, bank_version, scoring_version,
                              lang, started_at) VALUES ('x', ?1, '{}', 'active', 0, '', '', '', 'fr', 0)",
        [a.id],
    );
    assert!(raw.is_err());
    s.abandon_session(first.id, Timestamp::now())?;
    let second = s.start_session(&NewSession::new(a.id, "{}", 2, "v1"))?;
    assert_ne!(second.uid, first.uid);
    assert_eq!(second.uid.len(), 32);
    Ok(())
}

#[test]
fn pending_then_responses_in_order() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    let a = s.agent_or_create("agent-1", None)?;
    let sess = s.start_session(&NewSession::new(a.id, r#"{"competences":["1.1"]}"#, 7, "v1"))?;
    let pending = Pending {
        step: 0,
        item: "q1".into(),
        shown_at: t("2026-11-29T10:00:00Z"),
        options_order: Some("c a b".into()),
    };
    s.set_pending(sess.id, &pending)?;
    assert_eq!(s.active_session(a.id)?.unwrap().pending, Some(pending));
    s.record_response(sess.id, &response(0, "q1", 1))?;
    assert_eq!(s.active_session(a.id)?.unwrap().pending, None);
    assert!(matches!(
        s.record_response(sess.id, &response(3, "q2", 0)),
        Err(StoreError::OutOfOrder {
            expected: 1,
            got: 3,
            ..
        })
    ));
    s.record_response(sess.id, &response(1, "q2", 0))?;
    let rs = s.responses(sess.id)?;
    assert_eq!(rs, vec![response(0, "q1", 1), response(1, "q2", 0)]);
    s.finish_session(
        sess.id,
        t("2026-11-29T10:05:00Z"),
        &[snapshot("1.1", 20, "2026-11-29T10:05:00Z")],
    )?;
    assert!(matches!(
        s.record_response(sess.id, &response(2, "q3", 0)),
        Err(StoreError::SessionState { .. })
    ));
    assert!(s.active_session(a.id)?.is_none());
    Ok(())
}

#[test]
fn latest_profile_takes_the_latest_finished_result_per_competence() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    let a = s.agent_or_create("agent-2", None)?;
    let s1 = s.start_session(&NewSession::new(a.id, "{}", 1, "v1"))?;
    s.finish_session(
        s1.id,
        t("2026-01-10T09:00:00Z"),
        &[
            snapshot("1.1", 10, "2026-01-10T09:00:00Z"),
            snapshot("4.1", 30, "2026-01-10T09:00:00Z"),
        ],
    )?;
    let s2 = s.start_session(&NewSession::new(a.id, "{}", 2, "v1"))?;
    s.finish_session(
        s2.id,
        t("2026-06-01T09:00:00Z"),
        &[snapshot("1.1", 25, "2026-06-01T09:00:00Z")],
    )?;
    // an unfinished session's results never count
    let s3 = s.start_session(&NewSession::new(a.id, "{}", 3, "v1"))?;
    s.record_response(s3.id, &response(0, "q1", 1))?;
    let p = s.latest_profile(a.id)?;
    assert_eq!(
        p.iter()
            .map(|x| (x.competence.as_str(), x.pix))
            .collect::<Vec<_>>(),
        [("1.1", 25), ("4.1", 30)]
    );
    let h = s.history(a.id)?;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].0.uid, s1.uid);
    assert_eq!(h[1].1.len(), 1);
    Ok(())
}

#[test]
fn ids_campaigns_and_organisations() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    assert!(matches!(
        s.agent_or_create("", None),
        Err(StoreError::InvalidId { .. })
    ));
    assert!(matches!(
        s.agent_or_create("x", Some("nowhere")),
        Err(StoreError::NotFound { .. })
    ));
    s.create_organisation("mairie-lyon", "Mairie de Lyon")?;
    assert!(matches!(
        s.create_organisation("mairie-lyon", "again"),
        Err(StoreError::AlreadyExists { .. })
    ));
    let a = s.agent_or_create("x", Some("mairie-lyon"))?;
    assert_eq!(a.organisation.as_deref(), Some("mairie-lyon"));
    let c = s.create_campaign(&NewCampaign {
        name: "lyon-2026".into(),
        organisation: Some("mairie-lyon".into()),
        plan: r#"{"competences":["4.1","4.2"]}"#.into(),
        opens_at: Some(t("2026-01-01T00:00:00Z")),
        closes_at: None,
    })?;
    assert_eq!(s.campaign("lyon-2026")?, Some(c.clone()));
    let mut new = NewSession::new(a.id, &c.plan, 5, "v1");
    new.campaign = Some("lyon-2026".into());
    let sess = s.start_session(&new)?;
    assert_eq!(sess.campaign.as_deref(), Some("lyon-2026"));
    new.campaign = Some("unknown".into());
    s.abandon_session(sess.id, Timestamp::now())?;
    assert!(matches!(
        s.start_session(&new),
        Err(StoreError::NotFound { what: "campaign", .. })
    ));
    assert_eq!(s.agents(Some("mairie-lyon"))?.len(), 1);
    assert_eq!(s.agents(Some("other"))?.len(), 0);
    s.audit("export", "format=csv rows=1")?;
    assert_eq!(s.audit_log()?[0].command, "export");
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files_contain(path: &std::path::Path, needle: &str) -> bool {
    let mut found = false;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(bytes) = std::fs::read(&p) {
            found |= contains(&bytes, needle.as_bytes());
        }
    }
    found
}

#[test]
fn erasure_leaves_no_trace_of_the_id_in_the_files() -> Result<()> {
    let dir = TempDir::new("erase");
    let path = dir.0.join("jauge.db");
    let id = "dominique.lefebvre-erase-me@ars.sante.fr";
    let mut s = Store::open(&path)?;
    // other agents around, so pages are shared and not simply dropped
    for k in 0..200 {
        s.agent_or_create(&format!("someone-{k}@example.fr"), None)?;
    }
    let a = s.agent_or_create(id, None)?;
    let sess = s.start_session(&NewSession::new(a.id, "{}", 3, "v1"))?;
    s.record_response(sess.id, &response(0, "q1", 1))?;
    s.finish_session(
        sess.id,
        t("2026-11-29T11:00:00Z"),
        &[snapshot("1.1", 12, "2026-11-29T11:00:00Z")],
    )?;
    let other = s.agent_or_create("kept@example.fr", None)?;
    let s2 = s.start_session(&NewSession::new(other.id, "{}", 4, "v1"))?;
    s.record_response(s2.id, &response(0, "q1", 0))?;
    assert!(
        files_contain(&path, id),
        "the id is in the files before the erasure"
    );

    let erased = s.erase_agent(id, "agent erase")?;
    assert_eq!(erased.sessions_kept_anonymous, 1);
    assert!(erased.rewritten);
    assert!(
        !files_contain(&path, id),
        "the erased id must survive nowhere in the database files"
    );
    // while the store is still open, and after it is closed
    drop(s);
    assert!(!files_contain(&path, id));

    let s = Store::open(&path)?;
    assert!(s.agent(id)?.is_none());
    // the anonymous session and its responses stay for calibration and aggregates
    let kept = s.session(&sess.uid)?.unwrap();
    assert_eq!(kept.agent, None);
    assert_eq!(s.responses(kept.id)?.len(), 1);
    assert_eq!(s.snapshots(kept.id)?.len(), 1);
    let log = s.audit_log()?;
    assert_eq!(log.last().unwrap().command, "agent erase");
    assert!(!log.iter().any(|e| e.detail.contains(id)));
    assert!(s.integrity_ok()?);
    Ok(())
}

#[test]
fn access_and_purge() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    let a = s.agent_or_create("agent-3", None)?;
    let mut old = NewSession::new(a.id, "{}", 1, "v1");
    old.started_at = t("2020-01-01T00:00:00Z");
    let s1 = s.start_session(&old)?;
    s.record_response(s1.id, &response(0, "q1", 1))?;
    s.finish_session(
        s1.id,
        t("2020-01-01T01:00:00Z"),
        &[snapshot("1.1", 8, "2020-01-01T01:00:00Z")],
    )?;
    let s2 = s.start_session(&NewSession::new(a.id, "{}", 2, "v1"))?;
    s.record_response(s2.id, &response(0, "q2", 0))?;
    let rec = s.agent_record("agent-3")?;
    assert_eq!(rec.sessions.len(), 2);
    assert_eq!(rec.sessions[0].1.len(), 1);
    assert_eq!(rec.sessions[0].2.len(), 1);
    let report = s.purge_before(t("2025-01-01T00:00:00Z"), "purge")?;
    assert_eq!(
        report,
        PurgeReport {
            sessions: 1,
            responses: 1,
            snapshots: 1,
            rewritten: true
        }
    );
    assert_eq!(s.agent_record("agent-3")?.sessions.len(), 1);
    assert!(s.audit_log()?.last().unwrap().detail.contains("1 session(s)"));
    Ok(())
}
