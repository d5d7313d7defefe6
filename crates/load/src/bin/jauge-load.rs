//! `jauge-load`: runs N simulated agents through full sessions against `jauge serve` and reports
//! answers per second, latency, errors, the server's CPU and memory per session in progress, and
//! the disk's raw rate of durable single-row commits measured in the same run.
//!
//! ```text
//! cargo build --release
//! target/release/jauge-load --jauge target/release/jauge --agents 1000 --think-ms 900 --duration 60s
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use clap::Parser;
use jauge_load::server::{Server, create_token, free_port};
use jauge_load::{RunConfig, raw, verify};
use serde_json::json;

/// Load generator for `jauge serve` (loopback only, bounded in requests and time).
#[derive(Debug, Parser)]
#[command(name = "jauge-load", version, about)]
struct Args {
    /// Start this `jauge` binary's server on a fresh database (in --dir) and a free loopback port.
    #[arg(long, value_name = "BIN", conflicts_with = "url")]
    jauge: Option<PathBuf>,
    /// The item bank for the server started.
    #[arg(long, value_name = "DIR", default_value = "item-bank")]
    bank: PathBuf,
    /// Directory for the fresh database (default: a new one under the system's temporary
    /// directory, removed at the end).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Extra argument for `jauge serve` (repeat for several).
    #[arg(long = "serve-arg", value_name = "ARG", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// Or: the address of a server already running (loopback only), e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    url: Option<SocketAddr>,
    /// Tokens for --url (repeat; agents take them in turn).
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// Simulated agents (concurrent sessions).
    #[arg(long, default_value_t = 1000)]
    agents: usize,
    /// Organisations the agents are spread over (one token each), when the server is started here.
    #[arg(long, default_value_t = 20)]
    organisations: usize,
    /// Competences of each session (comma-separated; default: all 16).
    #[arg(long, value_delimiter = ',')]
    competences: Vec<String>,
    /// Mean think time before each answer, milliseconds (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// How long the load runs (e.g. 60s, 5m; at most 1h).
    #[arg(long, default_value = "30s", value_parser = duration)]
    duration: Duration,
    /// At most this many requests in all.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests: u64,
    /// Seconds spent measuring the raw rate of durable single-row commits, before the load and
    /// again after it (0: skip).
    #[arg(long, default_value_t = 3)]
    raw_seconds: u64,
    /// Fault run: kill the server started here with SIGKILL this many times at random moments
    /// of the run (restarting it each time), let the same agents finish their sessions, then
    /// check the database against every acknowledged answer (needs --jauge).
    #[arg(long, default_value_t = 0, requires = "jauge")]
    kills: u32,
    /// Print the report as one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

fn duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| format!("`{s}`: write e.g. 30s, 5m"))?;
    match unit {
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(60 * n)),
        "h" => Ok(Duration::from_secs(3600 * n)),
        _ => Err(format!("`{s}`: write e.g. 30s, 5m")),
    }
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let (mut server, addr, tokens, dir, temp) = match (&a.jauge, a.url) {
        (Some(bin), _) => {
            let (dir, temp) = match &a.dir {
                Some(d) => (d.clone(), false),
                None => (
                    std::env::temp_dir().join(format!("jauge-load-{}", std::process::id())),
                    true,
                ),
            };
            std::fs::create_dir_all(&dir)?;
            let db = dir.join("load.db");
            anyhow::ensure!(!db.exists(), "{} exists: give a fresh --dir", db.display());
            let tokens = (0..a.organisations.max(1))
                .map(|k| create_token(bin, &db, &format!("org{k}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
            let s = Server::start(bin, &db, addr, &a.bank, &a.serve_args, Duration::from_secs(60))?;
            (Some(s), addr, tokens, dir, temp)
        }
        (None, Some(addr)) => {
            anyhow::ensure!(!a.tokens.is_empty(), "--url needs at least one --token");
            (None, addr, a.tokens.clone(), std::env::temp_dir(), false)
        }
        (None, None) => anyhow::bail!("give --jauge BIN (start a server) or --url ADDR --token T"),
    };

    // the disk's rate of durable commits drifts (other work on the machine): it is measured
    // before and after the load, and the ratio is taken to their mean
    let measure_raw = || -> anyhow::Result<Option<f64>> {
        if a.raw_seconds == 0 {
            return Ok(None);
        }
        Ok(Some(raw::durable_commit_rate(
            &dir,
            Duration::from_secs(a.raw_seconds),
        )?))
    };
    let raw_before = measure_raw()?;
    let metrics0 = scrape_metrics(addr);

    let mut config = RunConfig::new(addr, tokens, a.agents);
    config.competences = a.competences.clone();
    config.think = Duration::from_millis(a.think_ms);
    config.duration = a.duration;
    config.max_requests = a.max_requests;
    config.prefix = format!("load{}", std::process::id());

    if a.kills > 0 {
        let (Some(server), Some(bin)) = (server, a.jauge.as_deref()) else {
            anyhow::bail!("--kills needs --jauge (a server started here)");
        };
        let doc = kill_run(&a, bin, server, &dir.join("load.db"), config);
        if temp {
            let _ = std::fs::remove_dir_all(&dir);
        }
        let doc = doc?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            eprintln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        anyhow::ensure!(doc["passed"] == true, "the fault run found a defect");
        return Ok(());
    }

    let cpu0 = server.as_ref().and_then(Server::cpu_seconds);
    let rss0 = server.as_ref().and_then(Server::rss_bytes);
    // the memory's peak is sampled during the run
    let peak = Arc::new(AtomicU64::new(rss0.unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = server.as_ref().map(|s| {
        let pid = s.child.id();
        let peak = peak.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(kb) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .and_then(|s| {
                        s.lines()
                            .find(|l| l.starts_with("VmRSS:"))
                            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    })
                {
                    peak.fetch_max(kb * 1024, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(jauge_load::run(&config))?;
    done.store(true, Ordering::Relaxed);
    if let Some(t) = sampler {
        let _ = t.join();
    }
    let cpu1 = server.as_ref().and_then(Server::cpu_seconds);
    let metrics1 = scrape_metrics(addr);
    let raw_after = measure_raw()?;
    let raw_rate = match (raw_before, raw_after) {
        (Some(b), Some(a)) => Some((b + a) / 2.0),
        _ => None,
    };
    // the server's own syncs during the run (group commit): how many, how long, how many
    // answers each covered
    let delta = |name: &str| -> Option<f64> {
        Some(metrics1.as_ref()?.get(name)? - metrics0.as_ref()?.get(name).copied().unwrap_or(0.0))
    };
    let syncs = delta("jauge_commit_sync_seconds_count");
    let sync_seconds = delta("jauge_commit_sync_seconds_sum");
    let commits_synced = delta("jauge_commits_per_sync_sum");
    let sync_ms_mean = match (sync_seconds, syncs) {
        (Some(t), Some(n)) if n > 0.0 => Some(1000.0 * t / n),
        _ => None,
    };
    let exit = match server.as_mut() {
        Some(s) => Some(s.terminate(Duration::from_secs(60))?),
        None => None,
    };
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let rate = report.rate();
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let mem_per_session =
        rss0.map(|r0| (peak.load(Ordering::Relaxed).saturating_sub(r0)) as f64 / a.agents as f64);
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for (s, _) in &report.errors {
        *statuses.entry(*s).or_default() += 1;
    }
    let doc = json!({
        "agents": a.agents,
        "think_ms": a.think_ms,
        "competences": if a.competences.is_empty() { json!("all") } else { json!(a.competences) },
        "seconds": report.seconds,
        "answers": report.answers,
        "answers_per_second": rate,
        "latency_ms": {
            "p50": report.latency_ms(0.50), "p90": report.latency_ms(0.90),
            "p99": report.latency_ms(0.99), "max": report.latency_ms(1.0),
        },
        "sessions_started": report.sessions_started,
        "sessions_finished": report.sessions_finished,
        "errors": report.errors.len(),
        "errors_by_status": statuses,
        "error_sample": report.errors.first().map(|(s, m)| format!("{s}: {m}")),
        "raw_durable_commits_per_second": raw_rate,
        "raw_durable_commits_per_second_before": raw_before,
        "raw_durable_commits_per_second_after": raw_after,
        "ratio_to_raw_commits": raw_rate.map(|r| rate / r),
        "server_syncs": syncs,
        "server_sync_ms_mean": sync_ms_mean,
        "server_commits_per_sync": match (commits_synced, syncs) {
            (Some(c), Some(n)) if n > 0.0 => Some(c / n),
            _ => None,
        },
        "server_cpu_seconds": cpu,
        "server_cpu_ms_per_answer": cpu.map(|c| 1000.0 * c / report.answers.max(1) as f64),
        "server_cpu_percent_of_a_core_per_session": cpu.map(|c| 100.0 * c / report.seconds / a.agents as f64),
        "server_rss_start_bytes": rss0,
        "server_rss_peak_bytes": server.as_ref().map(|_| peak.load(Ordering::Relaxed)),
        "server_memory_per_session_bytes": mem_per_session,
        "server_exit_after_sigterm": exit.map(|e| e.code()),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        eprintln!(
            "{} agents, {:.1} s: {} answers, {:.0} answers/s; latency p50 {:.1} ms, p99 {:.1} ms; {} error(s)",
            a.agents,
            report.seconds,
            report.answers,
            rate,
            report.latency_ms(0.5).unwrap_or(f64::NAN),
            report.latency_ms(0.99).unwrap_or(f64::NAN),
            report.errors.len()
        );
        if let (Some(r), Some(b), Some(f)) = (raw_rate, raw_before, raw_after) {
            eprintln!(
                "raw durable single-row commits: {r:.0}/s ({b:.0}/s before the load, {f:.0}/s after); service / raw = {:.2}",
                rate / r
            );
        }
        if let (Some(n), Some(ms), Some(c)) = (syncs, sync_ms_mean, commits_synced) {
            eprintln!(
                "server: {n:.0} syncs of the log, {ms:.2} ms each on average, {:.1} commits per sync",
                c / n.max(1.0)
            );
        }
        if let (Some(c), Some(m)) = (cpu, mem_per_session) {
            eprintln!(
                "server CPU: {:.3} ms per answer, {:.3}% of a core per session in progress; memory: {:.0} KiB per session",
                1000.0 * c / report.answers.max(1) as f64,
                100.0 * c / report.seconds / a.agents as f64,
                m / 1024.0
            );
        }
        if let Some((s, m)) = report.errors.first() {
            eprintln!("first error: {s}: {m}");
        }
    }
    anyhow::ensure!(
        report.errors.is_empty(),
        "{} error(s) during the run",
        report.errors.len()
    );
    Ok(())
}

/// The server's metrics without labels (`name value` lines of `/metrics`), read over a plain
/// HTTP/1.0 request on the loopback address; `None` when they cannot be read.
fn scrape_metrics(addr: SocketAddr) -> Option<std::collections::HashMap<String, f64>> {
    use std::io::{Read as _, Write as _};
    jauge_load::client::loopback_only(&addr).ok()?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.take(16 << 20).read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return None;
    }
    Some(
        body.lines()
            .filter(|l| !l.starts_with('#') && !l.contains('{'))
            .filter_map(|l| {
                let (name, value) = l.split_once(' ')?;
                Some((name.to_owned(), value.trim().parse().ok()?))
            })
            .collect(),
    )
}

/// The fault run: the load with `a.kills` SIGKILLs of the server at random moments (each
/// followed by a restart on the same database and address), then the same agents take their
/// sessions to the end, then the database is checked against every acknowledged answer.
fn kill_run(
    a: &Args,
    bin: &std::path::Path,
    mut server: Server,
    db: &std::path::Path,
    mut config: RunConfig,
) -> anyhow::Result<serde_json::Value> {
    config.log_acks = true;
    config.tolerate_outages = true;
    // the run is ended by the kills' end, not by its clock
    config.duration = a.duration + Duration::from_secs(600);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let stop = stop.clone();
        let config = config.clone();
        let handle = rt.handle().clone();
        std::thread::spawn(move || handle.block_on(jauge_load::run_until(&config, stop)))
    };
    // moments spread over the run: waits drawn uniformly around the mean gap
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut x = seed;
    let gap_ms = (a.duration.as_millis() as u64 / u64::from(a.kills)).max(200);
    let started = std::time::Instant::now();
    let mut kills = Vec::new();
    for _ in 0..a.kills {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(gap_ms / 4 + x % (gap_ms * 3 / 2)));
        let at = started.elapsed().as_secs_f64();
        server.kill9()?;
        let recorded = verify::count_responses(db)?;
        let restart = std::time::Instant::now();
        server = Server::start(
            bin,
            db,
            server.addr,
            &a.bank,
            &a.serve_args,
            Duration::from_secs(120),
        )?;
        kills.push(json!({
            "at_seconds": at,
            "responses_recorded": recorded,
            "restart_seconds": restart.elapsed().as_secs_f64(),
        }));
    }
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::SeqCst);
    let report = run
        .join()
        .map_err(|_| anyhow::anyhow!("the load's thread panicked"))??;
    let load_seconds = started.elapsed().as_secs_f64();
    // every session finishable: the same agents take theirs to the end, as fast as they can
    let mut drain = config.clone();
    drain.sessions_per_agent = 1;
    drain.think = Duration::ZERO;
    drain.duration = Duration::from_secs(900);
    let rest = rt.block_on(jauge_load::run(&drain))?;
    let exit = server.terminate(Duration::from_secs(60))?;
    let acks: Vec<_> = report.acks.iter().chain(&rest.acks).cloned().collect();
    let check = verify::check_database(db, &acks)?;
    let errors: Vec<String> = report
        .errors
        .iter()
        .chain(&rest.errors)
        .take(5)
        .map(|(s, m)| format!("{s}: {m}"))
        .collect();
    let passed = check.ok()
        && check.active_sessions == 0
        && report.errors.is_empty()
        && rest.errors.is_empty()
        && rest.unfinished.is_empty()
        && exit.code() == Some(0);
    Ok(json!({
        "passed": passed,
        "seed": seed,
        "agents": a.agents,
        "think_ms": a.think_ms,
        "kills": kills,
        "load_seconds": load_seconds,
        "answers_acknowledged_under_kills": report.answers,
        "answers_per_second_under_kills": report.answers as f64 / load_seconds,
        "outages": report.outages + rest.outages,
        "conflicts": report.conflicts + rest.conflicts,
        "errors": report.errors.len() + rest.errors.len(),
        "error_sample": errors,
        "drain_seconds": rest.seconds,
        "drain_answers": rest.answers,
        "sessions_left_unfinished": rest.unfinished.len(),
        "check": check,
        "server_exit_after_sigterm": exit.code(),
    }))
}
