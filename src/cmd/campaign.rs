//! `jauge organisation create|list` and `jauge campaign create|list|show`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge::{Campaign, PlanSpec};
use serde_json::{Value, json};

use super::{db_path, parse_time, print_json};
use crate::m;

/// Options shared by these subcommands.
#[derive(Debug, Args)]
pub struct Common {
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// The `jauge organisation` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrganisationCommand {
    /// Create an organisation.
    Create {
        /// Its code, `[A-Za-z0-9_.-]+`.
        code: String,
        /// Its display name (default: the code).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// List the organisations.
    List {
        #[command(flatten)]
        common: Common,
    },
}

/// The `jauge campaign` subcommands.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign: a named plan that sessions follow (`jauge assess --campaign NAME`).
    Create(Box<CreateArgs>),
    /// List the campaigns.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Show one campaign and its plan.
    Show {
        /// The campaign's name.
        name: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Arguments of `jauge campaign create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Its name, `[A-Za-z0-9_.-]+`.
    name: String,
    /// The organisation running it.
    #[arg(long)]
    organisation: Option<String>,
    /// Competences assessed, e.g. `1.1,4.2` (default: all 16, or those of --tubes).
    #[arg(long, value_delimiter = ',')]
    competences: Vec<String>,
    /// Only these tubes in their competences.
    #[arg(long, value_delimiter = ',')]
    tubes: Vec<String>,
    /// Highest level asked (1–8): a target profile.
    #[arg(long)]
    max_level: Option<u8>,
    /// At most this many scored items per competence.
    #[arg(long)]
    max_items: Option<usize>,
    /// The profile structure: the bank's (default) or `independent` (every competence scored
    /// from its own answers only; SCORING.md).
    #[arg(long, value_enum, value_name = "independent|bank")]
    structure: Option<StructureArg>,
    /// Opening time (RFC 3339 or a date).
    #[arg(long, value_name = "T")]
    opens: Option<String>,
    /// Closing time (RFC 3339, or a date: the end of that day).
    #[arg(long, value_name = "T")]
    closes: Option<String>,
    /// The item bank the plan is checked against (default: $JAUGE_BANK, else the bank built
    /// into jauge).
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

/// Values of `--structure` for a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StructureArg {
    /// The bank's structure in force.
    Bank,
    /// The independent model.
    Independent,
}

fn campaign_json(c: &Campaign) -> Value {
    json!({
        "name": c.name, "organisation": c.organisation,
        "plan": serde_json::from_str::<Value>(&c.plan).unwrap_or(Value::String(c.plan.clone())),
        "opens_at": c.opens_at.map(|t| t.to_string()), "closes_at": c.closes_at.map(|t| t.to_string()),
        "created_at": c.created_at.to_string(),
    })
}

/// Runs a `jauge organisation` subcommand.
pub fn run_organisation(cmd: OrganisationCommand) -> anyhow::Result<u8> {
    match cmd {
        OrganisationCommand::Create { code, name, common } => {
            if name.is_none() && jauge::store::validate_code("organisation", &code).is_err() {
                anyhow::bail!(m!(
                    "organisation.code_not_name",
                    code = code,
                    program = super::program()
                ));
            }
            let mut store = jauge::store::Store::open(&db_path(common.db.as_deref()))?;
            let o = store.create_organisation(&code, name.as_deref().unwrap_or(&code))?;
            if common.json {
                print_json(&json!({"code": o.code, "name": o.name, "created_at": o.created_at.to_string()}))?;
            } else {
                eprintln!("{}", m!("organisation.created", code = o.code, name = o.name));
            }
            Ok(0)
        }
        OrganisationCommand::List { common } => {
            let store = jauge::store::Store::open_existing(&db_path(common.db.as_deref()))?;
            let list = store.organisations()?;
            if common.json {
                let v: Vec<Value> = list
                    .iter()
                    .map(|o| json!({"code": o.code, "name": o.name, "created_at": o.created_at.to_string()}))
                    .collect();
                print_json(&json!({ "organisations": v }))?;
            } else {
                let w = list
                    .iter()
                    .map(|o| crate::term::display_width(&o.code))
                    .max()
                    .unwrap_or(0);
                for o in &list {
                    let pad = " ".repeat(w - crate::term::display_width(&o.code));
                    writeln!(std::io::stdout(), "{}{pad}  {}", o.code, o.name)?;
                }
                eprintln!("{}", m!("organisation.count", n = list.len()));
            }
            Ok(0)
        }
    }
}

/// Runs a `jauge campaign` subcommand.
pub fn run_campaign(cmd: CampaignCommand) -> anyhow::Result<u8> {
    match cmd {
        CampaignCommand::Create(a) => {
            let opens = a
                .opens
                .as_deref()
                .map(|s| parse_time(s, false))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let closes = a
                .closes
                .as_deref()
                .map(|s| parse_time(s, true))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let spec = PlanSpec {
                competences: super::assess::competence_codes(&a.competences),
                tubes: (!a.tubes.is_empty()).then(|| super::assess::competence_codes(&a.tubes)),
                max_level: a.max_level,
                max_items: a.max_items,
                structure: a.structure.map(|s| match s {
                    StructureArg::Bank => jauge::StructureChoice::Bank,
                    StructureArg::Independent => jauge::StructureChoice::Independent,
                }),
                ..PlanSpec::default()
            };
            let jauge = crate::bank_source::open(a.bank.as_deref(), a.common.db.as_deref(), false)?;
            let c = jauge.create_campaign(&a.name, a.organisation.as_deref(), &spec, opens, closes)?;
            if a.common.json {
                print_json(&campaign_json(&c))?;
            } else {
                eprintln!("{}", m!("campaign.created", name = c.name));
            }
            Ok(0)
        }
        CampaignCommand::List { common } => {
            let store = jauge::store::Store::open_existing(&db_path(common.db.as_deref()))?;
            let list = store.campaigns()?;
            if common.json {
                print_json(&json!({ "campaigns": list.iter().map(campaign_json).collect::<Vec<_>>() }))?;
            } else {
                let width = crate::term::width();
                for c in &list {
                    let line = m!(
                        "campaign.list_line",
                        name = c.name,
                        organisation = c.organisation.as_deref().unwrap_or("-"),
                        plan = plan_words(&c.plan)
                    );
                    writeln!(std::io::stdout(), "{}", crate::term::wrap(&line, width, "", "  "))?;
                }
                eprintln!("{}", m!("campaign.count", n = list.len()));
            }
            Ok(0)
        }
        CampaignCommand::Show { name, common } => {
            let store = jauge::store::Store::open_existing(&db_path(common.db.as_deref()))?;
            let c = store.campaign(&name)?.ok_or_else(|| {
                anyhow::anyhow!(m!(
                    "error.unknown_campaign",
                    id = name,
                    list = format!("{} campaign list", super::program())
                ))
            })?;
            let agents = campaign_agents(&store, &c)?;
            let mut v = campaign_json(&c);
            v["agents"] = Value::Array(agents.iter().map(AgentRow::to_json).collect());
            if common.json {
                print_json(&v)?;
            } else {
                let mut out = std::io::stdout().lock();
                write!(out, "{}", show_campaign(&c, &agents))?;
            }
            Ok(0)
        }
    }
}

/// Where an agent of a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotStarted,
    InProgress,
    Finished,
    Abandoned,
}

impl Status {
    fn key(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Finished => "finished",
            Status::Abandoned => "abandoned",
        }
    }

    fn words(self) -> String {
        match self {
            Status::NotStarted => m!("campaign.not_started"),
            Status::InProgress => m!("campaign.in_progress"),
            Status::Finished => m!("campaign.finished"),
            Status::Abandoned => m!("campaign.abandoned"),
        }
    }
}

/// One agent of a campaign: the organisation's agents and those with a session in it.
#[derive(Debug, Clone)]
struct AgentRow {
    agent: String,
    status: Status,
    answered: u32,
    when: Option<jiff::Timestamp>,
    levels: Vec<(String, u8)>,
}

impl AgentRow {
    fn to_json(&self) -> Value {
        json!({
            "agent": self.agent,
            "status": self.status.key(),
            "answered": self.answered,
            "at": self.when.map(|t| t.to_string()),
            "levels": self.levels.iter().map(|(c, l)| json!({"competence": c, "level": l})).collect::<Vec<_>>(),
        })
    }
}

/// The agents of campaign `c` with their status: a finished session gives its levels; else an
/// active one says "in progress"; else an abandoned one; the organisation's agents without a
/// session in the campaign have not started.
fn campaign_agents(store: &jauge::store::Store, c: &Campaign) -> anyhow::Result<Vec<AgentRow>> {
    let sessions: Vec<_> = store
        .session_statuses(c.organisation.as_deref(), None, u32::MAX)?
        .into_iter()
        .filter(|s| s.campaign.as_deref() == Some(c.name.as_str()))
        .collect();
    let mut rows: Vec<AgentRow> = Vec::new();
    let mut names: Vec<String> = sessions.iter().filter_map(|s| s.agent.clone()).collect();
    if let Some(org) = &c.organisation {
        names.extend(store.agents(Some(org))?.into_iter().map(|a| a.external_id));
    }
    names.sort();
    names.dedup();
    for name in names {
        let own: Vec<_> = sessions
            .iter()
            .filter(|s| s.agent.as_deref() == Some(&name))
            .collect();
        let finished = own
            .iter()
            .find(|s| s.state == jauge::store::SessionState::Finished);
        let active = own.iter().find(|s| s.state == jauge::store::SessionState::Active);
        let row = if let Some(f) = finished {
            let mut levels: Vec<(String, u8)> = store
                .scores(f.id)?
                .into_iter()
                .map(|p| (p.competence, p.level))
                .collect();
            levels.sort();
            AgentRow {
                agent: name,
                status: Status::Finished,
                answered: f.answered,
                when: f.finished_at,
                levels,
            }
        } else if let Some(a) = active {
            AgentRow {
                agent: name,
                status: Status::InProgress,
                answered: a.answered,
                when: Some(a.started_at),
                levels: vec![],
            }
        } else if let Some(a) = own.first() {
            AgentRow {
                agent: name,
                status: Status::Abandoned,
                answered: a.answered,
                when: a.finished_at,
                levels: vec![],
            }
        } else {
            AgentRow {
                agent: name,
                status: Status::NotStarted,
                answered: 0,
                when: None,
                levels: vec![],
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

/// The campaign as a readable table: its plan, then one line per agent (status and levels).
fn show_campaign(c: &Campaign, agents: &[AgentRow]) -> String {
    use crate::term::{display_width, wrap};
    let width = crate::term::width();
    let mut out = Vec::new();
    out.push(m!(
        "campaign.heading",
        name = c.name,
        organisation = c.organisation.as_deref().unwrap_or("-")
    ));
    let when = |t: Option<jiff::Timestamp>| t.map_or_else(|| "-".to_owned(), super::assess::local_time);
    let dates = if c.opens_at.is_none() && c.closes_at.is_none() {
        m!("campaign.no_dates")
    } else {
        m!(
            "campaign.dates",
            opens = when(c.opens_at),
            closes = when(c.closes_at)
        )
    };
    out.push(wrap(&dates, width, "", "  "));
    out.push(wrap(
        &m!("campaign.plan", plan = plan_words(&c.plan)),
        width,
        "",
        "  ",
    ));
    let count = |st: Status| agents.iter().filter(|a| a.status == st).count();
    out.push(wrap(
        &m!(
            "campaign.counts",
            n = agents.len(),
            finished = count(Status::Finished),
            progress = count(Status::InProgress),
            not = count(Status::NotStarted),
            abandoned = count(Status::Abandoned)
        ),
        width,
        "",
        "  ",
    ));
    out.push(String::new());
    if agents.is_empty() {
        out.push(m!("campaign.no_agent"));
        return out.join("\n") + "\n";
    }
    let status_text = |a: &AgentRow| match a.status {
        Status::InProgress => format!(
            "{} ({})",
            a.status.words(),
            m!("campaign.answers", n = a.answered)
        ),
        Status::Finished => format!("{} {}", a.status.words(), when(a.when)),
        _ => a.status.words(),
    };
    let levels_text = |a: &AgentRow| {
        a.levels
            .iter()
            .map(|(c, l)| m!("campaign.level", code = c, level = l))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let head = [
        m!("campaign.col_agent"),
        m!("campaign.col_status"),
        m!("campaign.col_levels"),
    ];
    let w0 = agents
        .iter()
        .map(|a| display_width(&a.agent))
        .chain([display_width(&head[0])])
        .max()
        .unwrap_or(0);
    let w1 = agents
        .iter()
        .map(|a| display_width(&status_text(a)))
        .chain([display_width(&head[1])])
        .max()
        .unwrap_or(0);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(display_width(s))));
    let fits = width.is_none_or(|w| w0 + w1 + 4 + 20 <= w);
    if fits {
        let indent = " ".repeat(w0 + w1 + 4);
        out.push(format!(
            "{}  {}  {}",
            pad(&head[0], w0),
            pad(&head[1], w1),
            head[2]
        ));
        for a in agents {
            let first = format!("{}  {}  ", pad(&a.agent, w0), pad(&status_text(a), w1));
            let levels = levels_text(a);
            if levels.is_empty() {
                out.push(first.trim_end().to_owned());
            } else {
                out.push(wrap(&levels, width, &first, &indent).trim_end().to_owned());
            }
        }
    } else {
        for a in agents {
            out.push(wrap(&a.agent, width, "", "  "));
            out.push(wrap(&status_text(a), width, "  ", "  "));
            if !a.levels.is_empty() {
                out.push(wrap(&levels_text(a), width, "  ", "  "));
            }
        }
    }
    out.join("\n") + "\n"
}

/// A campaign's plan (JSON) in words.
fn plan_words(plan: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(plan) else {
        return plan.to_owned();
    };
    let mut parts = Vec::new();
    match v["competences"].as_array() {
        Some(c) if !c.is_empty() => parts.push(m!(
            "campaign.plan_competences",
            list = c.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        )),
        _ => parts.push(m!("campaign.plan_all")),
    }
    if let Some(t) = v["tubes"].as_array().filter(|t| !t.is_empty()) {
        parts.push(m!(
            "campaign.plan_tubes",
            list = t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(l) = v["max_level"].as_u64() {
        parts.push(m!("campaign.plan_max_level", level = l));
    }
    if let Some(n) = v["max_items"].as_u64() {
        parts.push(m!("campaign.plan_max_items", n = n));
    }
    if v["structure"].as_str() == Some("independent") {
        parts.push(m!("structure.independent"));
    }
    parts.join(" ; ")
}
