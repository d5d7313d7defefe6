//! `jauge profile show|history|rescore`: an agent's results, as `CONTRACTS.md` fixes them.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge::{CompetenceResult, SCORING_VERSION};
use serde_json::json;

use super::assess::local_time;
use super::print_json;
use super::screen::{Row, Score, Screen};
use crate::m;
use crate::term::width;

/// Styled output: stdout is a terminal.
fn style() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout())
}

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
    /// The item bank's folder (default: $JAUGE_BANK, else the bank built into jauge).
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// The label of a score's scoring version, when not this build's (no silent rescoring: an old
/// score says so).
fn version_note(v: &str) -> Option<String> {
    (v != SCORING_VERSION).then(|| m!("profile.scoring_version", v = v))
}

/// The profile structure in words.
fn structure_note(structure: &str) -> String {
    let words = match structure {
        "assumed" => m!("structure.assumed"),
        "estimated" => m!("structure.estimated"),
        "independent" => m!("structure.independent"),
        other => other.to_owned(),
    };
    m!("profile.structure", structure = words)
}

/// The screen's rows for a list of results (every competence of the bank).
fn rows(results: &[CompetenceResult], dated: bool) -> Vec<Row> {
    results
        .iter()
        .map(|r| Row {
            code: r.code.clone(),
            score: r.score.as_ref().map(|p| Score {
                level: p.level,
                capped_at: p.capped_at,
                pix: p.pix,
                low: p.pix_low,
                high: p.pix_high,
                when: dated.then(|| local_time(p.assessed_at)),
                simulated: r.simulated,
            }),
            why_not: match &r.not_assessed {
                Some(_) => Some(m!("profile.too_few")),
                None => Some(m!("profile.never")),
            },
        })
        .collect()
}

/// The note on an agent's unfinished session, if any.
fn open_note(jauge: &jauge::Jauge, id: &str) -> anyhow::Result<Option<String>> {
    Ok(jauge.unfinished(id)?.map(|s| {
        m!(
            "profile.open_session",
            session = s.uid,
            started = local_time(s.started_at)
        )
    }))
}

/// Runs a `jauge profile` subcommand.
pub fn run(cmd: ProfileCommand) -> anyhow::Result<u8> {
    match cmd {
        ProfileCommand::Show { id, common } => {
            let jauge = crate::bank_source::open(common.bank.as_deref(), common.db.as_deref(), true)?;
            let p = jauge.profile(&id)?;
            if common.json {
                print_json(&p.to_json())?;
            } else {
                let mut screen = Screen::new(&jauge, m!("profile.heading", agent = p.agent));
                screen.notes.extend(version_note(&p.scoring_version));
                screen.notes.push(structure_note(&p.structure));
                if p.simulated {
                    screen.notes.push(m!("profile.includes_simulated"));
                }
                screen.notes.extend(open_note(&jauge, &id)?);
                screen.rows = rows(&p.competences, true);
                write!(std::io::stdout(), "{}", screen.render(style(), width()))?;
            }
            Ok(0)
        }
        ProfileCommand::History { id, common } => {
            let jauge = crate::bank_source::open(common.bank.as_deref(), common.db.as_deref(), true)?;
            let agent = jauge.agent(&id)?;
            let h = jauge.history(&id)?;
            if common.json {
                let sessions: Vec<_> = h.iter().map(|s| s.to_json()).collect();
                print_json(&json!({"agent": agent.external_id, "sessions": sessions}))?;
            } else {
                let mut out = std::io::stdout().lock();
                for (k, s) in h.iter().enumerate() {
                    let finished = s.finished_at.map(local_time).unwrap_or_default();
                    let heading = if s.simulated {
                        m!(
                            "profile.history_session_simulated",
                            k = k + 1,
                            session = s.session,
                            finished = finished
                        )
                    } else {
                        m!(
                            "profile.history_session",
                            k = k + 1,
                            session = s.session,
                            finished = finished
                        )
                    };
                    let mut screen = Screen::new(&jauge, heading);
                    screen.notes.extend(version_note(&s.scoring_version));
                    screen
                        .notes
                        .push(structure_note(s.structure.as_deref().unwrap_or("independent")));
                    screen.rows = rows(&s.competences, false)
                        .into_iter()
                        .filter(|r| r.score.is_some())
                        .collect();
                    write!(out, "{}", screen.render(style(), width()))?;
                }
                if let Some(note) = open_note(&jauge, &id)? {
                    writeln!(out, "\n{}", crate::term::wrap(&note, width(), "", ""))?;
                }
                drop(out);
                eprintln!("{}", m!("profile.history_count", n = h.len()));
            }
            Ok(0)
        }
        ProfileCommand::Rescore { agent, common } => {
            let jauge = crate::bank_source::open(common.bank.as_deref(), common.db.as_deref(), true)?;
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
                        "{}",
                        m!(
                            "rescore.session",
                            session = r.session,
                            from = r.from.join("+"),
                            to = SCORING_VERSION,
                            n = r.scored,
                            not = r.not_assessed
                        )
                    );
                }
                for (s, why) in &report.skipped {
                    eprintln!("{}", m!("rescore.skipped", session = s, why = why));
                }
                eprintln!(
                    "{}",
                    m!(
                        "rescore.done",
                        n = report.rescored.len(),
                        to = SCORING_VERSION,
                        skipped = report.skipped.len()
                    )
                );
            }
            Ok(u8::from(!report.skipped.is_empty()))
        }
    }
}
