//! `jauge serve` and `jauge token` end to end, as a deployment runs them: tokens made with the
//! CLI, the server started as a process, SIGTERM under load (exit 0, every acknowledged answer
//! kept), and kill -9 under load at 20 random moments (every acknowledged answer present exactly
//! once, every session finishable, `PRAGMA integrity_check` ok, the export agreeing).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::TempDir;
use jauge_load::server::{Server, create_token, free_port};
use jauge_load::{Ack, Client, RunConfig};
use jauge_store::Store;
use serde_json::Value;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jauge"))
}

fn bank() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("item-bank")
}

fn start(db: &Path, addr: SocketAddr) -> Server {
    Server::start(&bin(), db, addr, &bank(), &[], Duration::from_secs(120)).expect("jauge serve starts")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every acknowledged answer is in the database exactly once, at its step, with its item and
/// answer; no session holds an item twice; the database is intact. Returns the responses.
fn check_acks(db: &Path, acks: &[Ack]) -> usize {
    let store = Store::open_existing(db).unwrap();
    assert!(store.integrity_ok().unwrap(), "PRAGMA integrity_check");
    let conn = store.connection();
    let mut st = conn
        .prepare(
            "SELECT r.item, r.raw_answer FROM response r JOIN session s ON s.id = r.session_id
             WHERE s.uid = ?1 AND r.step = ?2",
        )
        .unwrap();
    for a in acks {
        let rows: Vec<(String, String)> = st
            .query_map(rusqlite::params![a.session, a.step as i64 - 1], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 1, "acknowledged answer {a:?} present once");
        assert_eq!(rows[0].0, a.item, "{a:?}");
        let stored: Value = serde_json::from_str(&rows[0].1).unwrap();
        assert_eq!(stored, a.answer, "{a:?}");
    }
    let dup: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT session_id, item FROM response GROUP BY session_id, item HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dup, 0, "no item recorded twice in a session");
    let gaps: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT session_id FROM response GROUP BY session_id HAVING max(step) + 1 != count(*))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gaps, 0, "steps are consecutive");
    conn.query_row("SELECT count(*) FROM response", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

#[test]
fn tokens_are_made_listed_and_revoked_with_the_cli() {
    let dir = TempDir::new("serve-tokens");
    let db = dir.db();
    let out = Command::new(bin())
        .args([
            "token",
            "create",
            "--organisation",
            "dinum",
            "--label",
            "portail",
            "--db",
            &db,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("jauge_") && token.len() == 83, "{token}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown once"));
    let admin = Command::new(bin())
        .args(["token", "create", "--admin", "--json", "--db", &db])
        .output()
        .unwrap();
    let admin: Value = serde_json::from_slice(&admin.stdout).unwrap();
    assert_eq!(admin["admin"], true);
    let bad = Command::new(bin())
        .args(["token", "create", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "an organisation or --admin");
    let list = Command::new(bin())
        .args(["token", "list", "--json", "--db", &db])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list["tokens"].as_array().unwrap().len(), 2);
    assert!(
        !String::from_utf8_lossy(&serde_json::to_vec(&list).unwrap()).contains(&token[19..]),
        "never the secret"
    );
    let id = list["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list["tokens"][0]["organisation"], "dinum");

    // the running server sees a revocation at once
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let mut server = start(Path::new(&db), addr);
    let rt = rt();
    let client = Client::new(addr, 4, Duration::from_secs(30)).unwrap();
    let r = rt.block_on(client.get("/api/v1/sessions", Some(&token))).unwrap();
    assert_eq!(r.status, 200);
    let rev = Command::new(bin())
        .args(["token", "revoke", &id, "--db", &db])
        .output()
        .unwrap();
    assert!(rev.status.success(), "{}", String::from_utf8_lossy(&rev.stderr));
    let r = rt.block_on(client.get("/api/v1/sessions", Some(&token))).unwrap();
    assert_eq!(r.status, 401);
    let unknown = Command::new(bin())
        .args(["token", "revoke", "000000000000", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(server.terminate(Duration::from_secs(60)).unwrap().code(), Some(0));
}

#[test]
fn sigterm_under_load_finishes_the_answers_in_flight_and_exits_0() {
    let dir = TempDir::new("serve-term");
    let db = PathBuf::from(dir.db());
    let tokens: Vec<String> = (0..2)
        .map(|k| create_token(&bin(), &db, &format!("o{k}")).unwrap())
        .collect();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let mut server = start(&db, addr);
    let rt = rt();
    let mut config = RunConfig::new(addr, tokens, 20);
    config.competences = vec!["1.1".into()];
    config.duration = Duration::from_secs(60);
    config.log_acks = true;
    config.tolerate_outages = true;
    config.prefix = "term".into();
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let stop = stop.clone();
        std::thread::spawn(move || rt.block_on(jauge_load::run_until(&config, stop)).unwrap())
    };
    std::thread::sleep(Duration::from_millis(1500));
    let status = server.terminate(Duration::from_secs(60)).unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
    stop.store(true, Ordering::SeqCst);
    let report = run.join().unwrap();
    assert!(report.answers > 0);
    assert!(
        report.errors.is_empty(),
        "{:?}",
        &report.errors[..report.errors.len().min(3)]
    );
    assert!(check_acks(&db, &report.acks) >= report.acks.len());
}

#[test]
fn kill_9_under_load_at_random_moments_loses_nothing_acknowledged() {
    let dir = TempDir::new("serve-kill");
    let db = PathBuf::from(dir.db());
    let tokens: Vec<String> = (0..3)
        .map(|k| create_token(&bin(), &db, &format!("o{k}")).unwrap())
        .collect();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let mut server = start(&db, addr);
    let rt = rt();
    let mut config = RunConfig::new(addr, tokens, 30);
    config.competences = vec!["1.1".into(), "3.1".into()];
    config.duration = Duration::from_secs(600);
    config.log_acks = true;
    config.tolerate_outages = true;
    config.seeded = true;
    config.prefix = "kill".into();
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let stop = stop.clone();
        let config = config.clone();
        let handle = rt.handle().clone();
        std::thread::spawn(move || handle.block_on(jauge_load::run_until(&config, stop)).unwrap())
    };
    // 20 kills at pseudo-random moments (a fixed sequence: the test is reproducible in its
    // schedule, not in what each kill interrupts)
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let started = Instant::now();
    let mut answers_seen = Vec::new();
    for _ in 0..20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let wait = Duration::from_millis(150 + x % 700);
        std::thread::sleep(wait);
        server.kill9().unwrap();
        answers_seen.push(count_responses(&db));
        server = start(&db, addr);
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let report = run.join().unwrap();
    assert!(
        report.errors.is_empty(),
        "{:?}",
        &report.errors[..report.errors.len().min(3)]
    );
    assert!(report.outages > 0, "the kills were seen");
    assert!(
        answers_seen.windows(2).filter(|w| w[1] > w[0]).count() >= 10,
        "answers were being recorded between the kills: {answers_seen:?}"
    );
    // every session is finishable: the same agents take theirs to the end
    let mut drain = config.clone();
    drain.sessions_per_agent = 1;
    drain.duration = Duration::from_secs(300);
    let rest = rt.block_on(jauge_load::run(&drain)).unwrap();
    assert!(
        rest.errors.is_empty(),
        "{:?}",
        &rest.errors[..rest.errors.len().min(3)]
    );
    assert!(
        rest.unfinished.is_empty(),
        "every session finished: {:?}",
        rest.unfinished
    );
    let status = server.terminate(Duration::from_secs(60)).unwrap();
    assert_eq!(status.code(), Some(0));
    let acks: Vec<Ack> = report.acks.iter().chain(&rest.acks).cloned().collect();
    let total = check_acks(&db, &acks);
    assert!(total >= acks.len());
    let store = Store::open_existing(&db).unwrap();
    let active: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM session WHERE state = 'active'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(active, 0, "no session left unfinished");
    drop(store);
    // what `jauge export --responses` says agrees with what was acknowledged
    let out = dir.0.join("responses.csv");
    let e = Command::new(bin())
        .args(["export", "--responses", "--format", "csv", "--out"])
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .args(["--bank", bank().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    let mut exported: HashMap<(String, String), usize> = HashMap::new();
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        *exported
            .entry((rec[0].to_owned(), rec[1].to_owned()))
            .or_default() += 1;
    }
    for a in &acks {
        assert_eq!(
            exported.get(&(a.session.clone(), a.item.clone())),
            Some(&1),
            "{a:?} exported once"
        );
    }
    eprintln!(
        "kill test: 20 kills in {:.1} s, {} answers acknowledged, {} responses recorded, {} outages, {} conflicts",
        started.elapsed().as_secs_f64(),
        acks.len(),
        total,
        report.outages + rest.outages,
        report.conflicts + rest.conflicts
    );
}

fn count_responses(db: &Path) -> i64 {
    let s = Store::open_existing(db).unwrap();
    s.connection()
        .query_row("SELECT count(*) FROM response", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_api_profile_is_the_cli_profile() {
    let dir = TempDir::new("serve-profile");
    let db = PathBuf::from(dir.db());
    let token = create_token(&bin(), &db, "o").unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let mut server = start(&db, addr);
    let rt = rt();
    let mut config = RunConfig::new(addr, vec![token.clone()], 1);
    config.competences = vec!["1.1".into(), "4.2".into()];
    config.sessions_per_agent = 1;
    config.prefix = "profile".into();
    let report = rt.block_on(jauge_load::run(&config)).unwrap();
    assert_eq!(report.sessions_finished, 1);
    let client = Client::new(addr, 1, Duration::from_secs(30)).unwrap();
    let agent = "profile-0@load.invalid";
    let api = rt
        .block_on(client.get("/api/v1/agents/profile-0%40load.invalid/profile", Some(&token)))
        .unwrap();
    assert_eq!(api.status, 200);
    let history = rt
        .block_on(client.get("/api/v1/agents/profile-0%40load.invalid/history", Some(&token)))
        .unwrap();
    assert_eq!(server.terminate(Duration::from_secs(60)).unwrap().code(), Some(0));
    for (cmd, from_api) in [("show", &api.body), ("history", &history.body)] {
        let out = Command::new(bin())
            .args(["profile", cmd, agent, "--json", "--db"])
            .arg(&db)
            .arg("--bank")
            .arg(bank())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(from_api, &cli, "GET …/{cmd} is `jauge profile {cmd} --json`");
    }
}

/// The log names routes by their template and tokens by their public id: no agent's id, session
/// link or token secret ever reaches it, even at the debug level and on errors.
#[test]
fn the_log_holds_no_agent_id_link_or_token_secret() {
    let dir = TempDir::new("serve-log");
    let db = PathBuf::from(dir.db());
    let token = create_token(&bin(), &db, "o").unwrap();
    let other = create_token(&bin(), &db, "p").unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let log_path = dir.0.join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Server::start_with_log(
        &bin(),
        &db,
        addr,
        &bank(),
        &["--log".into(), "debug".into()],
        Duration::from_secs(120),
        log.into(),
    )
    .expect("jauge serve starts");
    let rt = rt();
    let client = Client::new(addr, 2, Duration::from_secs(30)).unwrap();
    let agent = "Camille.Secretname@dinum.example";
    let agent_path = "Camille.Secretname%40dinum.example";
    let absent = "Dominique.Absentname@dinum.example";
    let body = serde_json::json!({"agent": agent, "competences": ["1.1"]});
    let started = rt
        .block_on(client.post("/api/v1/sessions", Some(&token), &body))
        .unwrap();
    assert_eq!(started.status, 201, "{}", started.body);
    let session = started.body["session"].as_str().unwrap().to_owned();
    let link = started.body["agent_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/")
        .to_owned();
    let q = started.body["question"].clone();
    let answer = jauge_load::agent::choose_answer(&q, &session);
    // (method, path, token, body, status)
    type Call<'a> = (&'a str, String, Option<&'a str>, Option<Value>, u16);
    let calls: Vec<Call> = vec![
        (
            "POST",
            format!("/api/v1/sessions/{session}/answers"),
            Some(&token),
            Some(serde_json::json!({"step": 1, "answer": answer})),
            200,
        ),
        (
            "POST",
            format!("/api/v1/sessions/{session}/answers"),
            Some(&token),
            Some(serde_json::json!({"step": 1, "answer": answer})),
            409,
        ),
        ("GET", format!("/api/v1/links/{link}/question"), None, None, 200),
        // a session begun: the link's page sends the browser on to the question awaiting an answer
        ("GET", format!("/s/{link}"), None, None, 303),
        ("GET", format!("/s/{link}/question"), None, None, 200),
        (
            "GET",
            format!("/api/v1/agents/{agent_path}/profile"),
            Some(&token),
            None,
            200,
        ),
        (
            "GET",
            format!("/api/v1/agents/{agent_path}/profile"),
            Some(&other),
            None,
            404,
        ),
        (
            "GET",
            format!("/api/v1/agents/{agent_path}/history"),
            Some("jauge_000000000000_nope"),
            None,
            401,
        ),
        (
            "GET",
            format!("/api/v1/agents/{absent}/record"),
            Some(&token),
            None,
            404,
        ),
        (
            "POST",
            "/api/v1/sessions".into(),
            Some(&token),
            Some(serde_json::json!({"agent": absent, "unknown": agent})),
            422,
        ),
    ];
    for (method, path, tok, body, status) in &calls {
        let r = match (method, body) {
            (&"POST", Some(b)) => rt.block_on(client.post(path, *tok, b)),
            _ => rt.block_on(client.get(path, *tok)),
        }
        .unwrap();
        assert_eq!(r.status, *status, "{method} {path}: {}", r.body);
    }
    assert_eq!(server.terminate(Duration::from_secs(60)).unwrap().code(), Some(0));
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.lines().filter(|l| l.contains("request")).count() >= calls.len(),
        "one line per request:\n{text}"
    );
    let secret = |t: &str| t.rsplit('_').next().unwrap().to_owned();
    for needle in [
        agent.to_owned(),
        agent_path.to_owned(),
        "Secretname".to_owned(),
        "Absentname".to_owned(),
        link.clone(),
        secret(&token),
        secret(&other),
    ] {
        assert!(!text.contains(&needle), "the log holds `{needle}`:\n{text}");
    }
}
