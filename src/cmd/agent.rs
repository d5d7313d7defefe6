//! `jauge agent`: list agents, show everything stored about one (right of access), erase one
//! (right to erasure).

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge_store::{ProfileSnapshot, ResponseRecord, SessionRecord, Store};
use serde_json::{Value, json};

use super::{db_path, num, print_json};

/// The `jauge agent` subcommands.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// List the agents (optionally of one organisation).
    List {
        /// Only the agents of this organisation.
        #[arg(long)]
        organisation: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Everything stored about one agent, in one document (the right of access).
    Show {
        /// The agent's id (as the ministry knows it, e.g. an e-mail address).
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Erase an agent: its identity and every link from its sessions to it are removed, so the
    /// id survives nowhere in the database; its anonymous responses stay for calibration and
    /// aggregates. Exports made before the erasure are not reached by it.
    Erase {
        /// The agent's id.
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Set an agent's accessibility adjustments and time factor (honoured by the sessions
    /// started afterwards).
    Adjust(super::assess::AdjustArgs),
}

/// Options shared by the agent subcommands.
#[derive(Debug, Args)]
pub struct Common {
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

fn ts(t: jiff::Timestamp) -> Value {
    Value::String(t.to_string())
}

pub(crate) fn snapshot_json(p: &ProfileSnapshot) -> Value {
    json!({
        "code": p.competence, "level": p.level, "pix": p.pix, "pix_low": p.pix_low, "pix_high": p.pix_high,
        "theta": num(p.theta), "se": num(p.se), "assessed_at": ts(p.assessed_at), "capped_at": p.capped_at,
        "theta_separate": p.theta_separate.map(num), "se_separate": p.se_separate.map(num),
        "scoring_version": p.scoring_version, "structure": p.structure, "bank_version": p.bank_version,
        "superseded_at": p.superseded_at.map(ts),
    })
}

fn response_json(r: &ResponseRecord) -> Value {
    json!({
        "step": r.step, "item": r.item, "competence": r.competence,
        "answer": serde_json::from_str::<Value>(&r.raw_answer).unwrap_or(Value::String(r.raw_answer.clone())),
        "options_order": r.options_order, "score": r.score, "credit": num(r.credit), "status": r.status,
        "pretest": r.pretest, "shown_at": ts(r.shown_at), "answered_at": ts(r.answered_at),
        "theta": r.theta.map(num), "se": r.se.map(num),
    })
}

fn session_json(s: &SessionRecord) -> Value {
    json!({
        "session": s.uid, "campaign": s.campaign, "state": s.state.as_str(), "seed": s.seed,
        "plan": serde_json::from_str::<Value>(&s.plan).unwrap_or(Value::String(s.plan.clone())),
        "engine_version": s.engine_version, "bank_version": s.bank_version,
        "scoring_version": s.scoring_version, "lang": s.lang, "started_at": ts(s.started_at),
        "finished_at": s.finished_at.map(ts),
        "pending_item": s.pending.as_ref().map(|p| p.item.clone()),
        "simulated": s.simulated, "excluded_items": s.excluded_items,
    })
}

/// Runs a `jauge agent` subcommand.
pub fn run(cmd: AgentCommand) -> anyhow::Result<u8> {
    match cmd {
        AgentCommand::Adjust(a) => super::assess::adjust(a),
        AgentCommand::List { organisation, common } => {
            let store = Store::open_existing(&db_path(common.db.as_deref()))?;
            let agents = store.agents(organisation.as_deref())?;
            if common.json {
                let list: Vec<Value> = agents
                    .iter()
                    .map(|a| json!({"agent": a.external_id, "organisation": a.organisation, "created_at": ts(a.created_at)}))
                    .collect();
                print_json(&json!({ "agents": list }))?;
            } else {
                for a in &agents {
                    writeln!(
                        std::io::stdout(),
                        "{}\t{}",
                        a.external_id,
                        a.organisation.as_deref().unwrap_or("-")
                    )?;
                }
                eprintln!("{} agent(s)", agents.len());
            }
            Ok(0)
        }
        AgentCommand::Show { id, common } => {
            let store = Store::open_existing(&db_path(common.db.as_deref()))?;
            let rec = store.agent_record(&id)?;
            let sessions: Vec<Value> = rec
                .sessions
                .iter()
                .map(|(s, rs, ps)| {
                    let mut v = session_json(s);
                    v["responses"] = rs.iter().map(response_json).collect();
                    v["profile"] = ps.iter().map(snapshot_json).collect();
                    v
                })
                .collect();
            let doc = json!({
                "agent": rec.agent.external_id,
                "organisation": rec.agent.organisation,
                "adjustments": rec.agent.adjustments,
                "time_factor": num(rec.agent.time_factor),
                "created_at": ts(rec.agent.created_at),
                "sessions": sessions,
            });
            if common.json {
                print_json(&doc)?;
            } else {
                writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&doc)?)?;
            }
            Ok(0)
        }
        AgentCommand::Erase { id, common } => {
            let mut store = Store::open_existing(&db_path(common.db.as_deref()))?;
            let erased = store.erase_agent(&id, "agent erase")?;
            let kept = erased.sessions_kept_anonymous;
            if common.json {
                print_json(&json!({
                    "erased": true, "sessions_kept_anonymous": kept, "files_rewritten": erased.rewritten,
                }))?;
            } else if erased.rewritten {
                eprintln!(
                    "Erased the agent; {kept} session(s) kept without any link to the person. \
                     Exports made before now are not affected: delete them separately."
                );
            } else {
                eprintln!(
                    "Erased the agent (committed: the id and every link to the person are deleted); {kept} \
                     session(s) kept without any link to the person. Another process has the database open \
                     for reading, so the database file still holds the erased id in overwritten pages until \
                     that process closes it: SQLite rewrites the file then, and Jauge finishes the rewrite the \
                     next time it opens the database. Nothing needs to be run again. Exports made before now \
                     are not affected: delete them separately."
                );
            }
            Ok(0)
        }
    }
}
