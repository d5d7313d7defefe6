//! The `jauge` command line: glue over the Jauge libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bank_source;
mod cmd;
mod i18n;
#[allow(dead_code)] // used by the commands as they land
mod input;
mod term;

/// Jauge measures digital competencies by adaptive testing.
#[derive(Debug, Parser)]
#[command(name = "jauge", version, about, long_about = None)]
struct Cli {
    /// The language of messages (default: $JAUGE_LANG, else the system's locale, else French).
    #[arg(long, global = true, value_parser = ["fr", "en"])]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Item response theory: estimate an ability, compute item information.
    #[command(subcommand)]
    Irt(cmd::irt::IrtCommand),
    /// Calibrate item parameters from recorded responses (marginal maximum likelihood, EM).
    Calibrate(cmd::calibrate::CalibrateArgs),
    /// Item analysis: classical statistics, fit and differential functioning.
    #[command(subcommand)]
    Items(cmd::items::ItemsCommand),
    /// Agents: list them, show everything stored about one, erase one.
    #[command(subcommand)]
    Agent(cmd::agent::AgentCommand),
    /// Remove data older than a retention period.
    Purge(cmd::purge::PurgeArgs),
    /// Export profiles, responses or aggregates for analysts (CSV, JSON Lines, Parquet).
    Export(cmd::export::ExportArgs),
    /// Pseudonymisation keys: create one.
    #[command(subcommand)]
    Key(cmd::key::KeyCommand),
    /// The item bank: validate it, its statistics, export it.
    #[command(subcommand)]
    Bank(cmd::bank::BankCommand),
    /// Simulate adaptive tests: accuracy, length and exposure of a selection rule.
    Simulate(Box<cmd::simulate::SimulateArgs>),
    /// Run an assessment in the terminal (or on behalf of a simulated agent).
    Assess(Box<cmd::assess::AssessArgs>),
    /// An agent's profile: the latest results, or the history of sessions.
    #[command(subcommand)]
    Profile(cmd::profile::ProfileCommand),
    /// Organisations: create, list.
    #[command(subcommand)]
    Organisation(cmd::campaign::OrganisationCommand),
    /// Campaigns (named plans): create, list, show.
    #[command(subcommand)]
    Campaign(cmd::campaign::CampaignCommand),
    /// Run the HTTP service (JSON API, agents' session links, health, metrics) until SIGTERM.
    Serve(Box<cmd::serve::ServeArgs>),
    /// API tokens of the service: create (shown once), list, revoke.
    #[command(subcommand)]
    Token(cmd::serve::TokenCommand),
}

fn main() -> ExitCode {
    // the language of messages before the command line is read: JAUGE_LANG or the locale
    i18n::set_lang(i18n::detect(None));
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    i18n::set_lang(i18n::detect(cli.lang.as_deref()));
    if let Command::Assess(a) = &mut cli.command {
        a.lang.clone_from(&cli.lang);
    }
    if let Err(e) = cmd::lock_wait_from_env() {
        return cmd::finish(Err(e));
    }
    let result = match cli.command {
        Command::Irt(c) => cmd::irt::run(c),
        Command::Calibrate(a) => cmd::calibrate::run(a),
        Command::Items(c) => cmd::items::run(c),
        Command::Agent(c) => cmd::agent::run(c),
        Command::Purge(a) => cmd::purge::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Key(c) => cmd::key::run(c),
        Command::Bank(c) => cmd::bank::run(c),
        Command::Simulate(a) => cmd::simulate::run(*a),
        Command::Assess(a) => cmd::assess::run(*a),
        Command::Profile(c) => cmd::profile::run(c),
        Command::Organisation(c) => cmd::campaign::run_organisation(c),
        Command::Campaign(c) => cmd::campaign::run_campaign(c),
        Command::Serve(a) => cmd::serve::run(*a),
        Command::Token(c) => cmd::serve::run_token(c),
    };
    cmd::finish(result)
}
