//! `jauge profile show|history|rescore`: an agent's results, as `CONTRACTS.md` fixes them.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge::{CompetenceResult, SCORING_VERSION};
use serde_json::json;

use super::print_json;

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
    /// Recompute, under this version's scoring rules, the finished sessions scored under an
    /// older one, from their stored responses; the old scores are kept (marked superseded).
    Rescore {
        /// Only this agent's sessions.
        #[arg(long)]
        agent: Option<String>,
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

/// The label of a score's scoring version, when not this build's (no silent rescoring: an old
/// score says so).
fn version_note(v: &str) -> String {
    if v == SCORING_VERSION {
        String::new()
    } else {
        format!(" [scoring v{v}]")
    }
}

fn table(rows: &[CompetenceResult]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<6} {:>5} {:>4} {:>9} {:>7} {:>6} {:>8} {:>6}  assessed_at",
        "code", "level", "pix", "interval", "theta", "se", "theta_s", "se_s"
    )?;
    for r in rows {
        match &r.score {
            Some(p) => {
                let sep = |x: Option<f64>, w: usize| {
                    x.map_or_else(|| format!("{:>w$}", "-"), |x| format!("{x:>w$.3}"))
                };
                writeln!(
                    out,
                    "{:<6} {:>5} {:>4} {:>9} {:>7.3} {:>6.3} {} {}  {}{}{}{}",
                    r.code,
                    p.level,
                    p.pix,
                    format!("{}–{}", p.pix_low, p.pix_high),
                    p.theta,
                    p.se,
                    sep(p.theta_separate, 8),
                    sep(p.se_separate, 6),
                    p.assessed_at,
                    p.capped_at
                        .map(|c| format!(" (capped at {c})"))
                        .unwrap_or_default(),
                    version_note(&p.scoring_version),
                    if r.simulated { " [simulated]" } else { "" }
                )?
            }
            None => writeln!(
                out,
                "{:<6} {:>5} {:>4} {:>9} {:>7} {:>6} {:>8} {:>6}  {}",
                r.code,
                "-",
                "-",
                "-",
                "-",
                "-",
                "-",
                "-",
                r.not_assessed.as_deref().unwrap_or("-")
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
                print_json(&p.to_json())?;
            } else {
                writeln!(
                    std::io::stdout(),
                    "{}: {} pix (structure {}){}{}",
                    p.agent,
                    p.total_pix,
                    p.structure,
                    version_note(&p.scoring_version),
                    if p.simulated {
                        " [includes simulated sessions]"
                    } else {
                        ""
                    }
                )?;
                table(&p.competences)?;
            }
            Ok(0)
        }
        ProfileCommand::History { id, common } => {
            let jauge = super::assess::open(&common.bank, common.db.as_deref(), true)?;
            let agent = jauge.agent(&id)?;
            let h = jauge.history(&id)?;
            if common.json {
                let sessions: Vec<_> = h.iter().map(|s| s.to_json()).collect();
                print_json(&json!({"agent": agent.external_id, "sessions": sessions}))?;
            } else {
                for s in &h {
                    writeln!(
                        std::io::stdout(),
                        "session {} finished {}{}{}{}",
                        s.session,
                        s.finished_at.map(|t| t.to_string()).unwrap_or_default(),
                        s.structure
                            .as_deref()
                            .map(|st| format!(" (structure {st})"))
                            .unwrap_or_default(),
                        version_note(&s.scoring_version),
                        if s.simulated { " [simulated]" } else { "" }
                    )?;
                    table(&s.competences)?;
                    writeln!(std::io::stdout())?;
                }
                eprintln!("{} finished session(s)", h.len());
            }
            Ok(0)
        }
        ProfileCommand::Rescore { agent, common } => {
            let jauge = super::assess::open(&common.bank, common.db.as_deref(), true)?;
            let report = jauge.rescore(agent.as_deref(), &jauge::SystemClock)?;
            let scored: usize = report.rescored.iter().map(|r| r.scored).sum();
            jauge.store().audit(
                "profile rescore",
                &format!(
                    "{} session(s) rescored under scoring version {SCORING_VERSION} ({scored} score(s)), {} skipped{}",
                    report.rescored.len(),
                    report.skipped.len(),
                    if agent.is_some() { ", one agent" } else { "" }
                ),
            )?;
            if common.json {
                print_json(&json!({
                    "scoring_version": SCORING_VERSION,
                    "rescored": report.rescored.iter().map(|r| json!({
                        "session": r.session, "from": r.from, "scored": r.scored, "not_assessed": r.not_assessed,
                    })).collect::<Vec<_>>(),
                    "skipped": report.skipped.iter().map(|(s, why)| json!({"session": s, "reason": why})).collect::<Vec<_>>(),
                }))?;
            } else {
                for r in &report.rescored {
                    eprintln!(
                        "session {}: scoring v{} → v{SCORING_VERSION}, {} competence(s) scored, {} not assessed",
                        r.session,
                        r.from.join("+"),
                        r.scored,
                        r.not_assessed
                    );
                }
                for (s, why) in &report.skipped {
                    eprintln!("session {s}: not rescored: {why}");
                }
                eprintln!(
                    "{} session(s) rescored under scoring version {SCORING_VERSION}, {} skipped; the earlier scores are kept",
                    report.rescored.len(),
                    report.skipped.len()
                );
            }
            Ok(u8::from(!report.skipped.is_empty()))
        }
    }
}
