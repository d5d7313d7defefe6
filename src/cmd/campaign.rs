//! `jauge organisation create|list` and `jauge campaign create|list|show`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jauge::{Campaign, PlanSpec};
use serde_json::{Value, json};

use super::{db_path, parse_time, print_json};

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
            let mut store = jauge::store::Store::open(&db_path(common.db.as_deref()))?;
            let o = store.create_organisation(&code, name.as_deref().unwrap_or(&code))?;
            if common.json {
                print_json(&json!({"code": o.code, "name": o.name, "created_at": o.created_at.to_string()}))?;
            } else {
                eprintln!("created organisation {}", o.code);
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
                for o in &list {
                    writeln!(std::io::stdout(), "{}\t{}", o.code, o.name)?;
                }
                eprintln!("{} organisation(s)", list.len());
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
                competences: a.competences.clone(),
                tubes: (!a.tubes.is_empty()).then(|| a.tubes.clone()),
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
                eprintln!("created campaign {}", c.name);
            }
            Ok(0)
        }
        CampaignCommand::List { common } => {
            let store = jauge::store::Store::open_existing(&db_path(common.db.as_deref()))?;
            let list = store.campaigns()?;
            if common.json {
                print_json(&json!({ "campaigns": list.iter().map(campaign_json).collect::<Vec<_>>() }))?;
            } else {
                for c in &list {
                    writeln!(
                        std::io::stdout(),
                        "{}\t{}\t{}",
                        c.name,
                        c.organisation.as_deref().unwrap_or("-"),
                        c.plan
                    )?;
                }
                eprintln!("{} campaign(s)", list.len());
            }
            Ok(0)
        }
        CampaignCommand::Show { name, common } => {
            let store = jauge::store::Store::open_existing(&db_path(common.db.as_deref()))?;
            let c = store.campaign(&name)?.ok_or_else(|| {
                anyhow::anyhow!("unknown campaign `{name}`; `jauge campaign list` shows the campaigns")
            })?;
            let v = campaign_json(&c);
            if common.json {
                print_json(&v)?;
            } else {
                writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&v)?)?;
            }
            Ok(0)
        }
    }
}
