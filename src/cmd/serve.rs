//! `jauge serve`: the HTTP service (API, agents' links, health and metrics) until SIGTERM or
//! SIGINT; `jauge token`: the service's API tokens.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use jauge_store::Store;
use serde_json::json;

use super::{db_path, parse_duration, print_json};

/// `jauge serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port, printed on stderr).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The database (default: $JAUGE_DB, else the platform's data directory); created if missing.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The item bank.
    #[arg(long, value_name = "DIR", default_value = "item-bank")]
    bank: PathBuf,
    /// Requests per second allowed per token and per session link (bursts of twice that; 0: no
    /// limit).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    rate_limit: u32,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 65_536)]
    body_limit: usize,
    /// Longest a request may take (exports: --export-timeout).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = seconds)]
    request_timeout: Duration,
    /// Longest an export may take.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = seconds)]
    export_timeout: Duration,
    /// On SIGTERM, how long the requests in flight may take to finish.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = seconds)]
    shutdown_grace: Duration,
    /// Sessions idle this long are dropped from memory (and rebuilt from the database when used).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = seconds)]
    cache_idle: Duration,
    /// Threads serving connections (default: one per core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Log filter: a level (error, warn, info, debug) or per-target levels; default $JAUGE_LOG,
    /// else info.
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// Write the log as JSON lines.
    #[arg(long)]
    log_json: bool,
    /// Demo mode, for trainers and evaluators: a start page at /demo (and / sends there) where
    /// anyone can start a session by typing an agent id. Off by default; never on a service
    /// used for real assessments.
    #[arg(long)]
    demo: bool,
    /// Serve the pages' assets from this folder first (another theme: its jauge.css replaces the
    /// bundled stylesheet; fonts and images beside it are served too). See docs/web.md.
    #[arg(long, value_name = "DIR")]
    assets: Option<PathBuf>,
    /// Print the OpenAPI description of the API and exit.
    #[arg(long)]
    print_openapi: bool,
}

fn seconds(s: &str) -> Result<Duration, String> {
    parse_duration(s).map(|n| Duration::from_secs(n as u64))
}

/// Runs `jauge serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<u8> {
    if a.print_openapi {
        write!(std::io::stdout(), "{}", jauge_service::openapi_json())?;
        return Ok(0);
    }
    if !a.bank.is_dir() {
        anyhow::bail!(
            "no item bank at {}; pass --bank DIR with the folder of the questions (item-bank/ in a clone)",
            a.bank.display()
        );
    }
    if let Some(dir) = &a.assets
        && !dir.join("jauge.css").is_file()
    {
        anyhow::bail!(
            "--assets {}: no jauge.css in that folder; it must hold the theme's stylesheet, jauge.css (docs/web.md)",
            dir.display()
        );
    }
    let filter = a
        .log
        .or_else(|| std::env::var("JAUGE_LOG").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "info".into());
    jauge_service::logging::init(&filter, a.log_json).map_err(anyhow::Error::msg)?;
    let mut config = jauge_service::ServeConfig::new(db_path(a.db.as_deref()), a.bank);
    config.listen = a.listen;
    config.limits.rate_per_second = a.rate_limit;
    config.limits.body_bytes = a.body_limit;
    config.limits.request_timeout = a.request_timeout;
    config.limits.export_timeout = a.export_timeout;
    config.shutdown_grace = a.shutdown_grace;
    config.cache_idle = a.cache_idle;
    config.workers = a.workers;
    config.web.demo = a.demo;
    config.web.assets = a.assets;
    if a.demo {
        eprintln!("jauge serve: demo mode: anyone can start a session at /demo");
    }
    jauge_service::run(config)?;
    Ok(0)
}

/// The `jauge token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once (only its hash is stored). With --organisation
    /// (created if unknown) it reaches that organisation's data; with --admin, every
    /// organisation's.
    Create {
        /// The organisation whose data the token reaches.
        #[arg(long, required_unless_present = "admin", conflicts_with = "admin")]
        organisation: Option<String>,
        /// An administrator's token (every organisation).
        #[arg(long)]
        admin: bool,
        /// What the token is for (shown by `list`).
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        common: Common,
    },
    /// List the tokens (public ids, never the secrets).
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Revoke a token (by the public id that `list` shows): refused from the next request on.
    Revoke {
        /// The token's public id (12 hex digits), or the whole token.
        id: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Options shared by the token subcommands.
#[derive(Debug, Args)]
pub struct Common {
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

fn token_json(t: &jauge_store::ApiToken) -> serde_json::Value {
    json!({
        "id": t.public_id, "organisation": t.organisation, "admin": t.admin, "label": t.label,
        "created_at": t.created_at.to_string(), "revoked_at": t.revoked_at.map(|r| r.to_string()),
    })
}

/// Runs a `jauge token` subcommand.
pub fn run_token(cmd: TokenCommand) -> anyhow::Result<u8> {
    match cmd {
        TokenCommand::Create {
            organisation,
            admin: _,
            label,
            common,
        } => {
            let mut store = Store::open(&db_path(common.db.as_deref()))?;
            if let Some(o) = &organisation
                && store.organisation(o)?.is_none()
            {
                store.create_organisation(o, o)?;
                eprintln!("created organisation `{o}`");
            }
            let t = store.create_token(organisation.as_deref(), &label)?;
            if common.json {
                let mut v = token_json(&t.info);
                v["token"] = json!(t.token);
                print_json(&v)?;
            } else {
                writeln!(std::io::stdout(), "{}", t.token)?;
                eprintln!(
                    "token {} for {}: shown once, keep it secret (send it as `Authorization: Bearer <token>`); \
                     `jauge token revoke {}` revokes it",
                    t.info.public_id,
                    organisation.map_or_else(|| "the administrator".into(), |o| format!("organisation {o}")),
                    t.info.public_id
                );
            }
            Ok(0)
        }
        TokenCommand::List { common } => {
            let store = Store::open_existing(&db_path(common.db.as_deref()))?;
            let tokens = store.tokens()?;
            if common.json {
                print_json(&json!({"tokens": tokens.iter().map(token_json).collect::<Vec<_>>()}))?;
            } else {
                for t in &tokens {
                    writeln!(
                        std::io::stdout(),
                        "{}\t{}\t{}\t{}{}",
                        t.public_id,
                        t.organisation.as_deref().unwrap_or("(admin)"),
                        t.created_at,
                        t.revoked_at
                            .map_or_else(|| "active".into(), |r| format!("revoked {r}")),
                        if t.label.is_empty() {
                            String::new()
                        } else {
                            format!("\t{}", t.label)
                        }
                    )?;
                }
                eprintln!("{} token(s)", tokens.len());
            }
            Ok(0)
        }
        TokenCommand::Revoke { id, common } => {
            let mut store = Store::open_existing(&db_path(common.db.as_deref()))?;
            // the whole token is accepted too: its public id is the part after `jauge_`
            let public = match id.strip_prefix("jauge_").and_then(|r| r.split('_').next()) {
                Some(p) => p.to_owned(),
                None => id,
            };
            let t = store
                .revoke_token(&public)
                .with_context(|| "`jauge token list` shows the tokens' ids")?;
            if common.json {
                print_json(&token_json(&t))?;
            } else {
                eprintln!("token {} revoked", t.public_id);
            }
            Ok(0)
        }
    }
}
