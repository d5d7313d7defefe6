//! One simulated agent: starts a session (or continues its unfinished one), answers every
//! question as soon as it gets it (or after a think time), finishes, and starts again, until the
//! run's end. It rides through server restarts: a request that got no reply is followed by a
//! read of the question, and a repeated answer is refused by the server (409), never recorded
//! twice. Every acknowledged answer is logged, for checking against the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{Client, Failure, Reply};

/// An answer the server acknowledged (200).
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    /// The session.
    pub session: String,
    /// The step answered (from 1).
    pub step: u64,
    /// The item.
    pub item: String,
    /// The answer sent.
    pub answer: Value,
}

/// What every agent of a run shares.
pub struct Shared {
    /// The client.
    pub client: Client,
    /// The tokens (agent k uses token k mod n).
    pub tokens: Vec<String>,
    /// The plan: competences of each session (empty: all 16).
    pub competences: Vec<String>,
    /// Mean think time between receiving a question and answering it.
    pub think: Duration,
    /// The run's end.
    pub deadline: Instant,
    /// Requests left in the run's budget.
    pub budget: AtomicU64,
    /// Set to stop the agents at their next step.
    pub stop: Arc<AtomicBool>,
    /// A prefix making this run's agent ids unique.
    pub prefix: String,
    /// Whether answers must be logged (kill tests).
    pub log_acks: bool,
    /// Whether transport failures are expected (the server is being killed): retried quietly.
    pub tolerate_outages: bool,
    /// Start each session with a seed derived from the agent (reproducible sessions).
    pub seeded: bool,
    /// Sessions each agent goes through (then it stops).
    pub sessions_per_agent: u64,
}

impl Shared {
    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && Instant::now() < self.deadline
    }

    fn take_budget(&self) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
            .is_ok()
    }
}

/// What one agent did.
#[derive(Debug, Default, Clone)]
pub struct AgentReport {
    /// Answers acknowledged.
    pub answers: u64,
    /// Latency of each acknowledged answer, microseconds.
    pub latencies_us: Vec<u32>,
    /// Sessions finished (profile received).
    pub sessions_finished: u64,
    /// Sessions started or continued.
    pub sessions_started: u64,
    /// Unexpected replies (neither 200 nor an expected 409 after an outage), by status.
    pub errors: Vec<(u16, String)>,
    /// Requests that got no reply.
    pub outages: u64,
    /// 409 replies to answers.
    pub conflicts: u64,
    /// Acknowledged answers (when logged).
    pub acks: Vec<Ack>,
    /// The agent's id and its session in progress when the run stopped.
    pub unfinished: Option<String>,
}

/// A small deterministic generator (SplitMix64) for the answers' choices.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

const WORDS: &[&str] = &[
    "mentions légales",
    "RSS",
    "PDF",
    "Tchap",
    "sauvegarde",
    "https",
    "2FA",
    "ET",
    "OU",
    "tableur",
    "courriel",
    "cloud",
    "mot de passe",
    "filtre",
    "signature",
];

/// A plausible answer to `q` (a question as the API returns it), chosen from (session, step).
pub fn choose_answer(q: &Value, session: &str) -> Value {
    let step = q["step"].as_u64().unwrap_or(0);
    let mut r = Mix(hash(session) ^ step.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let options: Vec<&str> = q["options"]
        .as_array()
        .map(|v| v.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    let blanks = q["blanks"].as_array().map_or(0, Vec::len).max(1);
    match q["type"].as_str().unwrap_or("") {
        "single" if !options.is_empty() => {
            json!({"kind": "options", "value": [options[r.below(options.len())]]})
        }
        "multiple" if !options.is_empty() => {
            let mut chosen: Vec<&str> = options.iter().copied().filter(|_| r.below(2) == 0).collect();
            if chosen.is_empty() {
                chosen.push(options[r.below(options.len())]);
            }
            json!({"kind": "options", "value": chosen})
        }
        "number" => json!({"kind": "number", "value": format!("{}", r.below(2000))}),
        _ => {
            let texts: Vec<&str> = (0..blanks).map(|_| WORDS[r.below(WORDS.len())]).collect();
            json!({"kind": "texts", "value": texts})
        }
    }
}

enum Next {
    Question(Value),
    Done,
    Stop,
}

/// Runs agent number `k` until the run ends.
pub async fn run(shared: Arc<Shared>, k: usize) -> AgentReport {
    let mut rep = AgentReport::default();
    let token = shared.tokens[k % shared.tokens.len()].clone();
    let agent = format!("{}-{k}@load.invalid", shared.prefix);
    let mut round = 0u64;
    if !shared.think.is_zero() {
        // agents arrive spread over a think time, as people do, rather than all at once
        let delay = shared
            .think
            .mul_f64(Mix(hash(&agent)).below(1001) as f64 / 1000.0);
        tokio::time::sleep(delay).await;
    }
    'sessions: while shared.running() && rep.sessions_finished < shared.sessions_per_agent {
        // start, or continue the unfinished session after a restart
        let mut body = json!({"agent": agent, "resume": true});
        if !shared.competences.is_empty() {
            body["competences"] = json!(shared.competences);
        }
        if shared.seeded {
            body["seed"] = json!(hash(&agent) ^ round);
        }
        let Some(started) = call(&shared, &mut rep, |c| {
            let t = token.clone();
            let b = body.clone();
            async move { c.post("/api/v1/sessions", Some(&t), &b).await }
        })
        .await
        else {
            break;
        };
        if !(started.status == 200 || started.status == 201) {
            rep.errors.push((started.status, started.body.to_string()));
            break;
        }
        rep.sessions_started += 1;
        round += 1;
        let session = started.body["session"].as_str().unwrap_or_default().to_owned();
        rep.unfinished = Some(session.clone());
        let mut next = match &started.body["question"] {
            Value::Null => Next::Done,
            q => Next::Question(q.clone()),
        };
        loop {
            match next {
                Next::Stop => break 'sessions,
                Next::Done => {
                    let path = format!("/api/v1/sessions/{session}/finish");
                    let Some(r) = call(&shared, &mut rep, |c| {
                        let t = token.clone();
                        let p = path.clone();
                        async move { c.post(&p, Some(&t), &json!({})).await }
                    })
                    .await
                    else {
                        break 'sessions;
                    };
                    if r.status == 200 {
                        rep.sessions_finished += 1;
                        rep.unfinished = None;
                    } else {
                        rep.errors.push((r.status, r.body.to_string()));
                        break 'sessions;
                    }
                    continue 'sessions;
                }
                Next::Question(q) => {
                    if !shared.think.is_zero() {
                        // uniform on [0, 2 × think]: the mean is the think time
                        let jitter = Mix(hash(&session) ^ q["step"].as_u64().unwrap_or(0)).below(2001) as u64;
                        let wait = shared.think.mul_f64(jitter as f64 / 1000.0);
                        tokio::time::sleep(wait).await;
                    }
                    next = answer(&shared, &mut rep, &token, &session, &q).await;
                }
            }
        }
    }
    rep
}

/// Calls the server through outages (when tolerated) and rate limits; `None` when the run
/// ended or its request budget is spent.
async fn call<F, Fut>(shared: &Shared, rep: &mut AgentReport, f: F) -> Option<Reply>
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<Reply, Failure>>,
{
    // through an outage, retries back off (20 ms doubling to 640 ms, with jitter), so that a
    // thousand agents do not hammer a server that is starting
    let mut wait_ms = 20u64;
    loop {
        if !shared.running() || !shared.take_budget() {
            return None;
        }
        match f(shared.client.clone()).await {
            Ok(r) if r.status == 429 => {
                rep.errors.push((429, "rate limited".into()));
                tokio::time::sleep(Duration::from_secs(r.retry_after.unwrap_or(1))).await;
            }
            Ok(r) => return Some(r),
            Err(e) => {
                rep.outages += 1;
                if !shared.tolerate_outages {
                    rep.errors.push((0, e.to_string()));
                }
                tokio::time::sleep(Duration::from_millis(wait_ms + jitter(rep, wait_ms))).await;
                wait_ms = (wait_ms * 2).min(640);
            }
        }
    }
}

/// A pseudo-random delay below `ms`, different from one agent to the next.
fn jitter(rep: &AgentReport, ms: u64) -> u64 {
    let mut m = Mix((std::ptr::from_ref(rep) as u64) ^ rep.outages.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    m.below(ms.max(1) as usize) as u64
}

async fn question(shared: &Shared, rep: &mut AgentReport, token: &str, session: &str) -> Next {
    let path = format!("/api/v1/sessions/{session}/question");
    let Some(r) = call(shared, rep, |c| {
        let t = token.to_owned();
        let p = path.clone();
        async move { c.get(&p, Some(&t)).await }
    })
    .await
    else {
        return Next::Stop;
    };
    match (r.status, &r.body["question"]) {
        (200, Value::Null) => Next::Done,
        (200, q) => Next::Question(q.clone()),
        (s, _) => {
            rep.errors.push((s, r.body.to_string()));
            Next::Stop
        }
    }
}

async fn answer(shared: &Shared, rep: &mut AgentReport, token: &str, session: &str, q: &Value) -> Next {
    let answer = choose_answer(q, session);
    let step = q["step"].as_u64().unwrap_or(0);
    let body = json!({"step": step, "answer": answer});
    let path = format!("/api/v1/sessions/{session}/answers");
    if !shared.running() || !shared.take_budget() {
        return Next::Stop;
    }
    let start = Instant::now();
    match shared.client.post(&path, Some(token), &body).await {
        Ok(r) if r.status == 200 => {
            rep.answers += 1;
            rep.latencies_us
                .push(start.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            if shared.log_acks {
                rep.acks.push(Ack {
                    session: session.to_owned(),
                    step,
                    item: q["item"].as_str().unwrap_or_default().to_owned(),
                    answer,
                });
            }
            match &r.body["question"] {
                Value::Null => Next::Done,
                q => Next::Question(q.clone()),
            }
        }
        Ok(r) if r.status == 409 => {
            // recorded before a lost reply, or a stale copy: read where the session stands
            rep.conflicts += 1;
            if !shared.tolerate_outages {
                rep.errors.push((409, r.body.to_string()));
            }
            question(shared, rep, token, session).await
        }
        Ok(r) if r.status == 429 => {
            rep.errors.push((429, "rate limited".into()));
            tokio::time::sleep(Duration::from_secs(r.retry_after.unwrap_or(1))).await;
            Next::Question(q.clone())
        }
        Ok(r) => {
            rep.errors.push((r.status, r.body.to_string()));
            question(shared, rep, token, session).await
        }
        Err(e) => {
            rep.outages += 1;
            if !shared.tolerate_outages {
                rep.errors.push((0, e.to_string()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            question(shared, rep, token, session).await
        }
    }
}
