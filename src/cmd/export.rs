//! `jauge export`: profiles, responses and aggregates for analysts.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jauge_export::{Filter, Format, GroupBy, Protected, Pseudonymiser, Target};
use jauge_store::Store;
use serde_json::json;

use super::{db_path, parse_time, print_json};

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values.
    Csv,
    /// JSON Lines.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// Grouping for aggregates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupArg {
    /// Per organisation.
    Organisation,
    /// Per campaign.
    Campaign,
}

/// Export profiles (default: latest per agent), responses or aggregates.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Output file (never the database, its -wal/-shm files, the key or a file of the bank). It
    /// is written to a private temporary file, put in place when complete, readable by its owner
    /// only.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace the output file if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The item bank whose competences name the columns (default: $JAUGE_BANK, else the bank
    /// built into jauge).
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
    /// Only this organisation.
    #[arg(long)]
    organisation: Option<String>,
    /// Only this campaign.
    #[arg(long)]
    campaign: Option<String>,
    /// From this time on, inclusive (RFC 3339, or a date YYYY-MM-DD).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    since: Option<String>,
    /// Up to this time, inclusive (RFC 3339, or a date YYYY-MM-DD: the whole day).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    until: Option<String>,
    /// One row per finished session instead of one per agent.
    #[arg(long, conflicts_with_all = ["responses", "aggregate"])]
    all_sessions: bool,
    /// Export the long response table (`person,item,score,credit,agent,session,shown_at,answered_at`).
    #[arg(long, conflicts_with = "aggregate")]
    responses: bool,
    /// Export aggregates per organisation or campaign.
    #[arg(long, value_enum)]
    aggregate: Option<GroupArg>,
    /// With --aggregate: groups with fewer agents are left out.
    #[arg(long, default_value_t = 10)]
    min_group: u64,
    /// Pseudonymise agent and session ids with HMAC-SHA-256 keyed by this file's bytes.
    #[arg(long, value_name = "F")]
    pseudonymise_key_file: Option<PathBuf>,
    /// Include the sessions of simulated agents (`jauge assess --simulate-theta`), left out by
    /// default; the export then gains a `simulated` column.
    #[arg(long)]
    include_simulated: bool,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    json: bool,
}

fn competences(flag: Option<&std::path::Path>) -> anyhow::Result<Vec<String>> {
    let source = crate::bank_source::BankSource::resolve(flag);
    let bank = source.load()?;
    let codes: Vec<String> = bank
        .framework
        .competences
        .iter()
        .map(|c| c.code.clone())
        .collect();
    if codes.is_empty() {
        anyhow::bail!(
            "{}: the item bank lists no competence (is framework.toml there?)",
            source.describe()
        );
    }
    Ok(codes)
}

/// Runs `jauge export`.
pub fn run(args: ExportArgs) -> anyhow::Result<u8> {
    // before anything is opened: the output must not be a file the export reads
    let db = db_path(args.db.as_deref());
    let mut protected = Protected::new().database(&db);
    if let crate::bank_source::BankSource::Dir(dir) =
        crate::bank_source::BankSource::resolve(args.bank.as_deref())
    {
        protected = protected.tree(&dir, "the item bank");
    }
    if let Some(k) = &args.pseudonymise_key_file {
        protected = protected.file(k, "the pseudonymisation key");
    }
    protected.check(&args.out)?;
    if !args.force && std::fs::symlink_metadata(&args.out).is_ok() {
        anyhow::bail!(
            "{}: refused: the file exists; pass --force to replace it",
            args.out.display()
        );
    }
    let filter = Filter {
        organisation: args.organisation.clone(),
        campaign: args.campaign.clone(),
        since: args
            .since
            .as_deref()
            .map(|s| parse_time(s, false))
            .transpose()
            .map_err(anyhow::Error::msg)?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_time(s, true))
            .transpose()
            .map_err(anyhow::Error::msg)?,
        include_simulated: args.include_simulated,
    };
    let pseudo = args
        .pseudonymise_key_file
        .as_deref()
        .map(Pseudonymiser::from_key_file)
        .transpose()?;
    let mut store = Store::open_existing(&db)?;
    if let Some(o) = &filter.organisation
        && store.organisation(o)?.is_none()
    {
        anyhow::bail!("unknown organisation `{o}` (see `jauge organisation list`)");
    }
    if let Some(c) = &filter.campaign
        && store.campaign(c)?.is_none()
    {
        anyhow::bail!("unknown campaign `{c}` (see `jauge campaign list`)");
    }
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Parquet => Format::Parquet,
    };
    let target = Target {
        format,
        out: &args.out,
        pseudonymiser: pseudo.as_ref(),
        force: args.force,
        protected: &protected,
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} rows written ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut progress = |n: u64| bar.set_position(n);
    let (kind, rows) = if args.responses {
        (
            "responses",
            jauge_export::export_responses(&mut store, &filter, target, &mut progress)?,
        )
    } else if let Some(g) = args.aggregate {
        let by = match g {
            GroupArg::Organisation => GroupBy::Organisation,
            GroupArg::Campaign => GroupBy::Campaign,
        };
        let comps = competences(args.bank.as_deref())?;
        (
            "aggregate",
            jauge_export::export_aggregate(&mut store, &comps, by, args.min_group, &filter, target)?,
        )
    } else {
        let comps = competences(args.bank.as_deref())?;
        let kind = if args.all_sessions { "sessions" } else { "agents" };
        (
            kind,
            jauge_export::export_profiles(
                &mut store,
                &comps,
                &filter,
                args.all_sessions,
                target,
                &mut progress,
            )?,
        )
    };
    bar.finish_and_clear();
    if args.json {
        print_json(
            &json!({"rows": rows, "kind": kind, "out": args.out.display().to_string(), "pseudonymised": pseudo.is_some()}),
        )?;
    } else {
        eprintln!("{rows} row(s) written to {}", args.out.display());
    }
    Ok(0)
}
