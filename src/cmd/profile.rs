//! `jauge profile show|history`: an agent's results, as `CONTRACTS.md` fixes them.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge::ProfileSnapshot;
use serde_json::{Value, json};

use super::{num, print_json};

/// The `jauge profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// The agent's latest finished result per competence (every competence of the bank).
    Show {
        /// The agent's id.
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// The agent's finished sessions with their results, oldest first.
    History {
        /// The agent's id.
        id: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Options shared by the profile subcommands.
#[derive(Debug, Args)]
pub struct Common {
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The item bank (for its list of competences).
    #[arg(long, value_name = "DIR", default_value = "item-bank")]
    bank: PathBuf,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

fn competence_json(code: &str, p: Option<&ProfileSnapshot>) -> Value {
    match p {
        Some(p) => json!({
            "code": code, "level": p.level, "pix": p.pix, "pix_low": p.pix_low, "pix_high": p.pix_high,
            "theta": num(p.theta), "se": num(p.se), "assessed_at": p.assessed_at.to_string(),
            "capped_at": p.capped_at,
        }),
        None => json!({
            "code": code, "level": null, "pix": null, "pix_low": null, "pix_high": null,
            "theta": null, "se": null, "assessed_at": null, "capped_at": null,
        }),
    }
}

fn table(rows: &[(String, Option<ProfileSnapshot>)]) -> std::io::Result<()> {
    writeln!(
        std::io::stdout(),
        "{:<6} {:>5} {:>4} {:>9} {:>7} {:>6}  assessed_at",
        "code",
        "level",
        "pix",
        "interval",
        "theta",
        "se"
    )?;
    for (code, p) in rows {
        match p {
            Some(p) => writeln!(
                std::io::stdout(),
                "{:<6} {:>5} {:>4} {:>9} {:>7.3} {:>6.3}  {}{}",
                code,
                p.level,
                p.pix,
                format!("{}–{}", p.pix_low, p.pix_high),
                p.theta,
                p.se,
                p.assessed_at,
                p.capped_at
                    .map(|c| format!(" (capped at {c})"))
                    .unwrap_or_default()
            )?,
            None => writeln!(
                std::io::stdout(),
                "{code:<6} {:>5} {:>4} {:>9} {:>7} {:>6}  -",
                "-",
                "-",
                "-",
                "-",
                "-"
            )?,
        }
    }
    Ok(())
}

/// Runs a `jauge profile` subcommand.
pub fn run(cmd: ProfileCommand) -> anyhow::Result<u8> {
    match cmd {
        ProfileCommand::Show { id, common } => {
            let jauge = super::assess::open(&common.bank, common.db.as_deref(), true)?;
            let p = jauge.profile(&id)?;
            if common.json {
                print_json(&json!({
                    "agent": p.agent, "total_pix": p.total_pix, "bank_version": p.bank_version,
                    "scoring_version": p.scoring_version,
                    "competences": p.competences.iter().map(|(c, s)| competence_json(c, s.as_ref())).collect::<Vec<_>>(),
                }))?;
            } else {
                writeln!(std::io::stdout(), "{}: {} pix", p.agent, p.total_pix)?;
                table(&p.competences)?;
            }
            Ok(0)
        }
        ProfileCommand::History { id, common } => {
            let jauge = super::assess::open(&common.bank, common.db.as_deref(), true)?;
            let agent = jauge.agent(&id)?;
            let h = jauge.history(&id)?;
            if common.json {
                let sessions: Vec<Value> = h
                    .iter()
                    .map(|s| {
                        json!({
                            "session": s.session, "finished_at": s.finished_at.map(|t| t.to_string()),
                            "bank_version": s.bank_version,
                            "competences": s.competences.iter().map(|(c, p)| competence_json(c, p.as_ref())).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                print_json(&json!({"agent": agent.external_id, "sessions": sessions}))?;
            } else {
                for s in &h {
                    writeln!(
                        std::io::stdout(),
                        "session {} finished {}",
                        s.session,
                        s.finished_at.map(|t| t.to_string()).unwrap_or_default()
                    )?;
                    table(&s.competences)?;
                    writeln!(std::io::stdout())?;
                }
                eprintln!("{} finished session(s)", h.len());
            }
            Ok(0)
        }
    }
}
