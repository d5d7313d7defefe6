//! `jauge assess`: an assessment in the terminal (interactive with `inquire`, or plain: one answer
//! per line on stdin), or on behalf of a simulated agent (`--simulate-theta`).
//!
//! Plain mode (`--plain`, and whenever stdin is not a terminal) prints numbered options and
//! reads one answer per line (`plain.rs`); the interactive prompts are in `prompt.rs`, the
//! question screen in `show.rs`, the final profile in `super::screen`. A malformed answer is
//! refused with a message and asked again. The end of the input, or Ctrl-C, leaves the session
//! unfinished and resumable: the command to resume it is printed as it can be typed.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use jauge::{Answer, Assessment, Clock, Error, Jauge, ManualClock, PlanChoice, StartOptions, SystemClock};

use super::db_path;
use crate::i18n::lang;
use crate::m;

mod adjust;
mod answer_line;
mod plain;
mod prompt;
mod show;

pub use adjust::{AdjustArgs, adjust};

/// Arguments of `jauge assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The agent's id, as the ministry knows it (e.g. an e-mail address); created if unknown.
    #[arg(long)]
    agent: String,
    /// The agent's organisation (created with `jauge organisation create`).
    #[arg(long, value_name = "ORG")]
    organisation: Option<String>,
    /// Competences to assess, e.g. `1.1,4.2` or "1.1, 4.2" (default: all 16).
    #[arg(long, value_delimiter = ',', conflicts_with = "campaign")]
    competences: Vec<String>,
    /// Follow the plan of this campaign.
    #[arg(long, value_name = "NAME")]
    campaign: Option<String>,
    /// The `--lang` given (a global option: the language of the interface and the questions).
    #[arg(skip)]
    pub lang: Option<String>,
    /// No cursor tricks: numbered options, one answer per line (screen readers, scripts).
    #[arg(long)]
    plain: bool,
    /// Answer on the agent's behalf as a simulated person of ability T (demonstrations, tests).
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    simulate_theta: Option<f64>,
    /// The session's seed (random by default); the same seed replays the same simulated session.
    #[arg(long)]
    seed: Option<u64>,
    /// Continue the agent's unfinished session without asking (or start one if there is none).
    #[arg(long, conflicts_with = "new")]
    resume: bool,
    /// Abandon the agent's unfinished session and start afresh: the abandoned session gets no
    /// profile; its answers are kept and its questions are not asked again.
    #[arg(long)]
    new: bool,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The item bank's folder (default: $JAUGE_BANK, else the bank built into jauge).
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
}

/// The time a simulated agent answers a question shown at `shown`: now, but never more than
/// `THINK_MS` after it was shown (a session resumed long after it was interrupted does not turn
/// its question late), and never in the future: a simulated session is stamped with real times,
/// so it never hides a real session finished after it.
fn simulated_answer_time(shown: jiff::Timestamp) -> ManualClock {
    let shown = shown.as_millisecond().max(0) as u64;
    ManualClock(std::cell::Cell::new(
        SystemClock.now_ms().clamp(shown, shown + THINK_MS),
    ))
}

const THINK_MS: u64 = 1_000;

enum Input {
    Simulated(f64),
    Plain(io::StdinLock<'static>),
    Interactive,
}

/// What came of asking for an answer.
enum Asked {
    Answer(Answer),
    /// Input ended or Ctrl-C: stop, the session stays resumable.
    Stop,
}

/// The competences of `--competences`, spaces around each code removed, empty ones dropped
/// (`"1.1, 4.2"` is `1.1` and `4.2`).
pub fn competence_codes(raw: &[String]) -> Vec<String> {
    raw.iter()
        .flat_map(|s| s.split([',', ' ']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `jauge assess`.
pub fn run(args: AssessArgs) -> anyhow::Result<u8> {
    if let Some(c) = &args.campaign
        && !db_path(args.db.as_deref()).exists()
    {
        bail!(m!(
            "assess.campaign_no_db",
            campaign = c,
            db = db_path(args.db.as_deref()).display()
        ));
    }
    let jauge = crate::bank_source::open(args.bank.as_deref(), args.db.as_deref(), false)?;
    let terminal = io::stdin().is_terminal();
    let mut input = match args.simulate_theta {
        Some(t) if !t.is_finite() => bail!(m!("assess.theta_not_finite", t = t)),
        Some(t) => Input::Simulated(t),
        None if args.plain || !terminal => Input::Plain(io::stdin().lock()),
        None => Input::Interactive,
    };
    let style = matches!(input, Input::Interactive) && io::stdout().is_terminal();
    let width = crate::term::width();
    let clock = SystemClock;
    let Some(mut session) = open_session(&jauge, &args, &input, &clock)? else {
        return Ok(1);
    };

    let mut out = io::stdout().lock();
    if session.answered() == 0 {
        writeln!(out, "{}", crate::term::wrap(&m!("assess.intro"), width, "", ""))?;
    }
    let mut pace = show::Pace::new(session.answered());
    loop {
        let Some(q) = session.next_question(&clock)? else {
            break;
        };
        let expected = session.expected_total();
        show::question(
            &mut out,
            &q,
            expected,
            &pace,
            style,
            width,
            !matches!(input, Input::Interactive),
        )?;
        loop {
            let asked = match &mut input {
                Input::Simulated(t) => Asked::Answer(session.simulated_answer(*t)?),
                Input::Plain(stdin) => plain::read(&mut out, stdin, &q, width)?,
                Input::Interactive => prompt::ask(&q)?,
            };
            let Asked::Answer(answer) = asked else {
                drop(out);
                eprintln!(
                    "\n{}\n  {}",
                    m!("assess.stopped"),
                    resume_command(&args, matches!(input, Input::Plain(_)) && args.plain)
                );
                return Ok(1);
            };
            let answered = simulated_answer_time(q.shown_at);
            let now: &dyn Clock = match input {
                Input::Simulated(_) => &answered,
                _ => &clock,
            };
            match session.submit(&answer, now) {
                Ok(s) => {
                    if s.timed_out {
                        writeln!(
                            out,
                            "{}",
                            crate::term::wrap(&m!("assess.timed_out"), width, "", "")
                        )?;
                    }
                    pace.answered();
                    break;
                }
                Err(Error::Refused(r)) => {
                    if matches!(input, Input::Simulated(_)) {
                        bail!(m!("assess.simulated_refused", item = q.question.item, why = r));
                    }
                    let text = m!("assess.invalid", why = super::errors::refusal(&r));
                    writeln!(out, "{}", crate::term::wrap(&text, width, "", "  "))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let report = session.finish(&clock)?;
    let screen = super::screen::Screen::from_report(&jauge, &report);
    write!(out, "{}", screen.render(style, width))?;
    out.flush()?;
    Ok(0)
}

/// The agent's session: the unfinished one resumed, or a new one (the unfinished one abandoned
/// first, when asked); `None` when the agent cancelled the choice.
fn open_session<'j>(
    jauge: &'j Jauge,
    args: &AssessArgs,
    input: &Input,
    clock: &dyn Clock,
) -> anyhow::Result<Option<Assessment<'j>>> {
    let simulated = matches!(input, Input::Simulated(_));
    let Some(s) = jauge.unfinished(&args.agent)? else {
        return start(jauge, args, clock).map(Some);
    };
    if s.simulated != simulated {
        if s.simulated {
            bail!(m!(
                "assess.unfinished_simulated",
                agent = args.agent,
                session = s.uid
            ));
        }
        bail!(m!("assess.unfinished_real", agent = args.agent, session = s.uid));
    }
    let resume = if args.resume {
        true
    } else if args.new {
        false
    } else if matches!(input, Input::Interactive) {
        match prompt::resume_or_abandon(&local_time(s.started_at))? {
            Some(r) => r,
            None => return Ok(None),
        }
    } else {
        bail!(m!(
            "assess.unfinished_choose",
            agent = args.agent,
            session = s.uid,
            resume = command_line(args, &["--resume"]),
            new = command_line(args, &["--new"])
        ));
    };
    if resume {
        if !args.competences.is_empty() || args.campaign.is_some() {
            eprintln!("{}", m!("assess.resume_ignores_plan"));
        }
        let a = jauge.resume(&args.agent)?;
        eprintln!("{}", m!("assess.resuming", session = a.id(), n = a.answered()));
        return Ok(Some(a));
    }
    if let Some(old) = jauge.abandon(&args.agent, clock)? {
        eprintln!("{}", m!("assess.abandoned", session = old));
    }
    start(jauge, args, clock).map(Some)
}

fn start<'j>(jauge: &'j Jauge, args: &AssessArgs, clock: &dyn Clock) -> anyhow::Result<Assessment<'j>> {
    let codes = competence_codes(&args.competences);
    let plan = match (&args.campaign, codes.is_empty()) {
        (Some(c), _) => PlanChoice::Campaign(c.clone()),
        (None, false) => PlanChoice::Competences(codes),
        (None, true) => PlanChoice::All,
    };
    let opts = StartOptions {
        agent: args.agent.clone(),
        organisation: args.organisation.clone(),
        plan,
        lang: lang(),
        seed: args.seed,
        simulated: args.simulate_theta.is_some(),
    };
    let a = jauge.start(&opts, clock)?;
    eprintln!(
        "{}",
        m!("assess.started", session = a.id(), n = a.competences().len())
    );
    Ok(a)
}

/// A time for people: local time, `2026-06-30 14:05`.
pub fn local_time(t: jiff::Timestamp) -> String {
    t.to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d\u{a0}%H:%M")
        .to_string()
}

/// The command that resumes this session, as it can be typed in the same shell: the program as
/// it was started, the agent, and the options that say where and how (`--db`, `--bank`,
/// `--lang`, `--plain`).
fn resume_command(args: &AssessArgs, plain: bool) -> String {
    let mut extra = vec!["--resume"];
    if plain {
        extra.push("--plain");
    }
    command_line(args, &extra)
}

/// `jauge assess --agent ID` as this process was started, with the options that locate the data
/// (`--db`, `--bank` as absolute paths), `--lang` when given, then `extra`.
fn command_line(args: &AssessArgs, extra: &[&str]) -> String {
    let mut words = vec![
        super::program(),
        "assess".into(),
        "--agent".into(),
        super::shell_word(&args.agent),
    ];
    if let Some(db) = &args.db {
        words.push("--db".into());
        words.push(super::shell_word(&super::absolute(db)));
    }
    if let Some(bank) = &args.bank {
        words.push("--bank".into());
        words.push(super::shell_word(&super::absolute(bank)));
    }
    if let Some(l) = &args.lang {
        words.push("--lang".into());
        words.push(l.clone());
    }
    words.extend(extra.iter().map(|s| (*s).to_owned()));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competences_tolerate_spaces() {
        let raw = vec![
            "1.1".to_owned(),
            " 4.2".to_owned(),
            "".to_owned(),
            "5.1 5.2".to_owned(),
        ];
        assert_eq!(competence_codes(&raw), ["1.1", "4.2", "5.1", "5.2"]);
    }
}
