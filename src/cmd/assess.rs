//! `jauge assess`: an assessment in the terminal (interactive with `inquire`, or plain: one answer
//! per line on stdin), or on behalf of a simulated agent (`--simulate-theta`).
//!
//! Plain mode (`--plain`, and whenever stdin is not a terminal) prints numbered options and
//! reads one answer per line:
//! - single choice: the option's number (`2`);
//! - multiple choice: the numbers, separated by commas or spaces (`1,3`), `-` for none;
//! - text: the text as is;
//! - several blanks: the texts in blank order, separated by `|` (`Paris | Lyon`);
//! - number: the number (`2,5`, `1 500`).
//!
//! A malformed answer is refused with a message and the next line is read. The end of the input
//! leaves the session unfinished and resumable (`--resume`).
//!
//! Kept in one file (~860 lines) because the session loop, the rich and plain readers and the
//! rendering share the `Input` state; the bounded line reader already lives in
//! `assess/answer_line.rs`, the interactive prompts are the next to move out (issue #13).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use jauge::bank::ItemType;
use jauge::{
    Answer, Assessment, Clock, Error, Jauge, Lang, ManualClock, PlanChoice, QuestionView, StartOptions,
    SystemClock,
};

use super::db_path;
use super::render::{block, inline};

/// Arguments of `jauge assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The agent's id, as the ministry knows it (e.g. an e-mail address); created if unknown.
    #[arg(long)]
    agent: String,
    /// The agent's organisation (created with `jauge organisation create`).
    #[arg(long, value_name = "ORG")]
    organisation: Option<String>,
    /// Competences to assess, e.g. `1.1,4.2` (default: all 16).
    #[arg(long, value_delimiter = ',', conflicts_with = "campaign")]
    competences: Vec<String>,
    /// Follow the plan of this campaign.
    #[arg(long, value_name = "NAME")]
    campaign: Option<String>,
    /// Language of the interface and the questions.
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
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
    /// Abandon the agent's unfinished session (its answers are kept) and start afresh.
    #[arg(long)]
    new: bool,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The item bank.
    #[arg(long, value_name = "DIR", default_value = "item-bank")]
    bank: PathBuf,
}

mod answer_line;
use answer_line::{AnswerLine, read_answer_line};

/// French or English text of the interface.
fn tr(lang: Lang, fr: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Fr { fr } else { en }
}

/// Opens Jauge on `--bank` and the database, with a message that says what to pass.
pub fn open(bank: &Path, db: Option<&Path>, existing: bool) -> anyhow::Result<Jauge> {
    if !bank.is_dir() {
        bail!(
            "no item bank at {} (relative to {}); pass --bank DIR with the folder of the questions (item-bank/ in a clone)",
            bank.display(),
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        );
    }
    let db = db_path(db);
    let j = if existing {
        Jauge::open_existing(bank, &db)
    } else {
        Jauge::open(bank, &db)
    };
    Ok(j?)
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

/// Runs `jauge assess`.
pub fn run(args: AssessArgs) -> anyhow::Result<u8> {
    let lang = Lang::from_code(&args.lang).unwrap_or(Lang::Fr);
    if let Some(c) = &args.campaign
        && !db_path(args.db.as_deref()).exists()
    {
        bail!(
            "unknown campaign `{c}`: the database {} does not exist yet (nothing was written)",
            db_path(args.db.as_deref()).display()
        );
    }
    let jauge = open(&args.bank, args.db.as_deref(), false)?;
    let terminal = io::stdin().is_terminal();
    let mut input = match args.simulate_theta {
        Some(t) if !t.is_finite() => bail!("--simulate-theta {t}: give a finite number"),
        Some(t) => Input::Simulated(t),
        None if args.plain || !terminal => Input::Plain(io::stdin().lock()),
        None => Input::Interactive,
    };
    let style = matches!(input, Input::Interactive) && io::stdout().is_terminal();
    let clock = SystemClock;

    let mut session = match jauge.unfinished(&args.agent)? {
        Some(s) if s.simulated != matches!(input, Input::Simulated(_)) => {
            if s.simulated {
                bail!(
                    "agent `{}` has an unfinished simulated session ({}): continue it with --simulate-theta, or pass --new to abandon it and start afresh",
                    args.agent,
                    s.uid
                );
            }
            bail!(
                "agent `{}` has an unfinished real session ({}): --simulate-theta can neither answer nor abandon it; finish it (--resume) or abandon it (--new) without --simulate-theta",
                args.agent,
                s.uid
            );
        }
        Some(s) => {
            let resume = if args.resume {
                true
            } else if args.new {
                false
            } else if matches!(input, Input::Interactive) {
                let started = s.started_at.strftime("%Y-%m-%d %H:%M UTC").to_string();
                let q = format!(
                    "{} ({started})",
                    tr(
                        lang,
                        "Une session est en cours pour cet agent :",
                        "This agent has an unfinished session:"
                    )
                );
                let choices = vec![
                    tr(lang, "La reprendre", "Resume it"),
                    tr(
                        lang,
                        "L'abandonner (réponses conservées) et recommencer",
                        "Abandon it (answers kept) and start afresh",
                    ),
                ];
                match inquire::Select::new(&q, choices)
                    .with_help_message(tr(
                        lang,
                        "↑↓ pour choisir, Entrée pour valider",
                        "↑↓ to move, Enter to choose",
                    ))
                    .without_filtering()
                    .raw_prompt()
                {
                    Ok(o) => o.index == 0,
                    Err(_) => return Ok(1),
                }
            } else {
                bail!(
                    "agent `{}` has an unfinished session ({}); pass --resume to continue it or --new to abandon it and start afresh",
                    args.agent,
                    s.uid
                );
            };
            if resume {
                if !args.competences.is_empty() || args.campaign.is_some() {
                    eprintln!(
                        "note: resuming the unfinished session with its own plan; --competences/--campaign are ignored"
                    );
                }
                let a = jauge.resume(&args.agent)?;
                eprintln!(
                    "{} {} ({} {})",
                    tr(lang, "Reprise de la session", "Resuming session"),
                    a.id(),
                    a.answered(),
                    tr(
                        lang,
                        "réponse(s) déjà enregistrée(s)",
                        "answer(s) already recorded"
                    )
                );
                a
            } else {
                if let Some(old) = jauge.abandon(&args.agent, &clock)? {
                    eprintln!(
                        "{} {old}",
                        tr(
                            lang,
                            "Session abandonnée (réponses conservées) :",
                            "Abandoned session (answers kept):"
                        )
                    );
                }
                start(&jauge, &args, lang, &clock)?
            }
        }
        None => start(&jauge, &args, lang, &clock)?,
    };

    let mut out = io::stdout().lock();
    if session.answered() == 0 {
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "Évaluation adaptative : les questions s'ajustent à vos réponses. Répondez sans aide ; « je ne sais pas » vaut mieux qu'un hasard.",
                "Adaptive assessment: the questions adjust to your answers. Answer unaided; better \"I don't know\" than a guess."
            )
        )?;
    }
    loop {
        let Some(q) = session.next_question(&clock)? else {
            break;
        };
        show(&mut out, &q, lang, style, !matches!(input, Input::Interactive))?;
        loop {
            let asked = match &mut input {
                Input::Simulated(t) => Asked::Answer(session.simulated_answer(*t)?),
                Input::Plain(stdin) => read_plain(&mut out, stdin, &q, lang)?,
                Input::Interactive => ask(&q, lang)?,
            };
            let Asked::Answer(answer) = asked else {
                drop(out);
                eprintln!(
                    "\n{} jauge assess --agent {} --resume",
                    tr(
                        lang,
                        "Session interrompue : vos réponses sont enregistrées. Pour la reprendre :",
                        "Session stopped: your answers are saved. To resume it:"
                    ),
                    shell_word(&args.agent)
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
                            tr(
                                lang,
                                "Temps dépassé : réponse enregistrée comme fausse.",
                                "Time is up: the answer counts as wrong."
                            )
                        )?;
                    }
                    break;
                }
                Err(Error::Refused(r)) => {
                    if matches!(input, Input::Simulated(_)) {
                        bail!("the simulated answer to {} was refused: {r}", q.question.item);
                    }
                    writeln!(out, "{} {r}", tr(lang, "Réponse non valide :", "Invalid answer:"))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let report = session.finish(&clock)?;
    print_report(&mut out, &jauge, &report, lang, style)?;
    Ok(0)
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "@._-+".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn start<'j>(
    jauge: &'j Jauge,
    args: &AssessArgs,
    lang: Lang,
    clock: &dyn Clock,
) -> anyhow::Result<Assessment<'j>> {
    let plan = match (&args.campaign, args.competences.is_empty()) {
        (Some(c), _) => PlanChoice::Campaign(c.clone()),
        (None, false) => PlanChoice::Competences(args.competences.clone()),
        (None, true) => PlanChoice::All,
    };
    let opts = StartOptions {
        agent: args.agent.clone(),
        organisation: args.organisation.clone(),
        plan,
        lang,
        seed: args.seed,
        simulated: args.simulate_theta.is_some(),
    };
    let a = jauge.start(&opts, clock)?;
    eprintln!(
        "{} {} ({} {})",
        tr(lang, "Session", "Session"),
        a.id(),
        a.competences().len(),
        tr(lang, "compétence(s)", "competence(s)")
    );
    Ok(a)
}

fn show(out: &mut impl Write, q: &QuestionView, lang: Lang, style: bool, numbered: bool) -> io::Result<()> {
    let p = q.progress;
    let left = if p.left_min == p.left_max {
        format!("{}", p.left_max)
    } else {
        format!("{}–{}", p.left_min, p.left_max)
    };
    writeln!(out)?;
    let line = format!(
        "{} {} · {} {} {} · {} {left} {}",
        tr(lang, "Question", "Question"),
        q.number,
        tr(lang, "compétence", "competence"),
        q.competence,
        q.competence_title,
        tr(lang, "environ", "about"),
        tr(lang, "question(s) restante(s)", "question(s) left"),
    );
    if style {
        writeln!(out, "\x1b[2m{line}\x1b[0m")?;
    } else {
        writeln!(out, "{line}")?;
    }
    if let Some(s) = q.allowed_seconds {
        let deadline = jiff::SignedDuration::try_from_secs_f64(s)
            .ok()
            .and_then(|d| q.shown_at.checked_add(d).ok())
            .map_or_else(|| "-".to_string(), |t| t.strftime("%H:%M:%S UTC").to_string());
        writeln!(
            out,
            "{} {:.0} s ({} {deadline})",
            tr(lang, "Question chronométrée :", "Timed question:"),
            s,
            tr(lang, "répondez avant", "answer before")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", block(&q.question.question, &q.question.blanks, style))?;
    if numbered {
        for (k, o) in q.question.options.iter().enumerate() {
            writeln!(out, "  {}. {}", k + 1, inline(&o.text, false))?;
        }
    }
    if let Some(u) = &q.question.unit {
        writeln!(out, "({}: {u})", tr(lang, "unité", "unit"))?;
    }
    out.flush()
}

fn hint(q: &QuestionView, lang: Lang) -> String {
    match q.question.item_type {
        ItemType::Single => tr(
            lang,
            "le numéro de votre choix, par ex. 2",
            "the number of your choice, e.g. 2",
        )
        .into(),
        ItemType::Multiple => tr(
            lang,
            "les numéros choisis séparés par des virgules, par ex. 1,3 (- pour aucun)",
            "the numbers chosen, separated by commas, e.g. 1,3 (- for none)",
        )
        .into(),
        ItemType::Number => tr(
            lang,
            "un nombre, par ex. 2,5 ou 1 500",
            "a number, e.g. 2.5 or 1500",
        )
        .into(),
        ItemType::Text => tr(lang, "votre réponse", "your answer").into(),
        ItemType::Blanks | ItemType::BlanksAnyOrder => format!(
            "{} {} {}",
            q.question.blanks.len(),
            tr(
                lang,
                "réponses dans l'ordre [1], [2]…, séparées par |",
                "answers in the order [1], [2]…, separated by |"
            ),
            tr(lang, "(par ex. a | b)", "(e.g. a | b)")
        ),
    }
}

/// Parses one plain-mode line into an answer; `Err` is the message to print before reading again.
fn parse_plain(line: &str, q: &QuestionView, lang: Lang) -> Result<Answer, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    // a line holding only `?` is "I don't know", to any question (CONTRACTS.md)
    if line.trim() == DONT_KNOW_KEY {
        return Ok(Answer::DontKnow);
    }
    let bad = || format!("{} {}", tr(lang, "attendu :", "expected:"), hint(q, lang));
    let pick = |s: &str| -> Result<String, String> {
        let k: usize = s.trim().parse().map_err(|_| bad())?;
        q.question
            .options
            .get(k.wrapping_sub(1))
            .map(|o| o.id.clone())
            .ok_or_else(bad)
    };
    match q.question.item_type {
        ItemType::Single => Ok(Answer::Options(vec![pick(line)?])),
        ItemType::Multiple => {
            if line.trim() == "-" {
                return Ok(Answer::Options(vec![]));
            }
            let parts: Vec<&str> = line
                .split([',', ' ', ';'])
                .filter(|s| !s.trim().is_empty())
                .collect();
            if parts.is_empty() {
                return Err(bad());
            }
            Ok(Answer::Options(
                parts.into_iter().map(pick).collect::<Result<_, _>>()?,
            ))
        }
        ItemType::Number => Ok(Answer::Number(line.trim().to_owned())),
        ItemType::Text => Ok(Answer::Texts(vec![line.trim().to_owned()])),
        ItemType::Blanks | ItemType::BlanksAnyOrder => {
            let parts: Vec<String> = line.split('|').map(|s| s.trim().to_owned()).collect();
            if parts.len() != q.question.blanks.len() {
                return Err(bad());
            }
            Ok(Answer::Texts(parts))
        }
    }
}

fn read_plain(
    out: &mut impl Write,
    stdin: &mut impl BufRead,
    q: &QuestionView,
    lang: Lang,
) -> anyhow::Result<Asked> {
    loop {
        write!(out, "{} ({}) > ", hint(q, lang), dont_know_hint(lang))?;
        out.flush()?;
        let line = match read_answer_line(stdin).context("reading the answer")? {
            AnswerLine::Line(line) => line,
            AnswerLine::End { endless: false } => return Ok(Asked::Stop),
            AnswerLine::End { endless: true } => {
                writeln!(
                    out,
                    "\n{}",
                    tr(
                        lang,
                        "L'entrée contient une ligne sans fin (plus de 64 Mio) : arrêt.",
                        "The input holds a line that never ends (over 64 MiB): stopping."
                    )
                )?;
                return Ok(Asked::Stop);
            }
            AnswerLine::TooLong => {
                writeln!(
                    out,
                    "\n{}",
                    tr(
                        lang,
                        "Réponse trop longue (16 Kio au plus) : elle n'est pas enregistrée. Répondez de nouveau.",
                        "Answer too long (16 KiB at most): it is not recorded. Answer again."
                    )
                )?;
                continue;
            }
            AnswerLine::NotUtf8 => {
                writeln!(
                    out,
                    "\n{}",
                    tr(
                        lang,
                        "Réponse illisible (texte qui n'est pas en UTF-8) : elle n'est pas enregistrée. Répondez de nouveau.",
                        "Unreadable answer (text that is not UTF-8): it is not recorded. Answer again."
                    )
                )?;
                continue;
            }
        };
        writeln!(out)?;
        match parse_plain(&line, q, lang) {
            Ok(a) => return Ok(Asked::Answer(a)),
            Err(m) => writeln!(out, "{m}")?,
        }
    }
}

/// What an agent types, alone on the line, for "I don't know".
const DONT_KNOW_KEY: &str = "?";

/// How to say "I don't know", shown with every prompt.
fn dont_know_hint(lang: Lang) -> &'static str {
    tr(lang, "? si vous ne savez pas", "? if you don't know")
}

/// The last entry of every list of options: "I don't know".
fn dont_know_label(lang: Lang) -> String {
    tr(lang, "Je ne sais pas", "I don't know").to_owned()
}

/// A typed answer: `?` alone is "I don't know".
fn typed(s: String, answer: impl FnOnce(String) -> Answer) -> Answer {
    if s.trim() == DONT_KNOW_KEY {
        Answer::DontKnow
    } else {
        answer(s)
    }
}

fn interrupted(e: &inquire::InquireError) -> bool {
    matches!(
        e,
        inquire::InquireError::OperationInterrupted | inquire::InquireError::OperationCanceled
    )
}

fn ask(q: &QuestionView, lang: Lang) -> anyhow::Result<Asked> {
    let mut labels: Vec<String> = q
        .question
        .options
        .iter()
        .map(|o| inline(&o.text, false))
        .collect();
    // "I don't know", after the options
    let dont_know = labels.len();
    if !labels.is_empty() {
        labels.push(dont_know_label(lang));
    }
    let typed_help = format!(
        "{} ; {}",
        tr(lang, "Entrée pour valider", "Enter to answer"),
        dont_know_hint(lang)
    );
    let result = match q.question.item_type {
        ItemType::Single => inquire::Select::new(tr(lang, "Votre réponse :", "Your answer:"), labels)
            .with_help_message(tr(
                lang,
                "↑↓ pour choisir, Entrée pour valider",
                "↑↓ to move, Enter to answer",
            ))
            .without_filtering()
            .with_page_size(12)
            .raw_prompt()
            .map(|o| {
                if o.index == dont_know {
                    Answer::DontKnow
                } else {
                    Answer::Options(vec![q.question.options[o.index].id.clone()])
                }
            }),
        ItemType::Multiple => inquire::MultiSelect::new(tr(lang, "Vos réponses :", "Your answers:"), labels)
            .with_help_message(tr(
                lang,
                "↑↓ pour se déplacer, Espace pour cocher, Entrée pour valider",
                "↑↓ to move, Space to tick, Enter to answer",
            ))
            .without_filtering()
            .with_page_size(12)
            .with_validator(move |ticked: &[inquire::list_option::ListOption<&String>]| {
                Ok(
                    if ticked.len() > 1 && ticked.iter().any(|o| o.index == dont_know) {
                        inquire::validator::Validation::Invalid(
                            tr(
                                lang,
                                "« Je ne sais pas » se coche seul",
                                "\"I don't know\" is ticked alone",
                            )
                            .into(),
                        )
                    } else {
                        inquire::validator::Validation::Valid
                    },
                )
            })
            .raw_prompt()
            .map(|v| {
                if v.iter().any(|o| o.index == dont_know) {
                    return Answer::DontKnow;
                }
                Answer::Options(
                    v.into_iter()
                        .map(|o| q.question.options[o.index].id.clone())
                        .collect(),
                )
            }),
        ItemType::Number => {
            let msg = match &q.question.unit {
                Some(u) => format!("{} ({u})", tr(lang, "Votre réponse", "Your answer")),
                None => tr(lang, "Votre réponse :", "Your answer:").into(),
            };
            inquire::Text::new(&msg)
                .with_help_message(&format!("{} ; {}", hint(q, lang), dont_know_hint(lang)))
                .prompt()
                .map(|s| typed(s, Answer::Number))
        }
        ItemType::Text => inquire::Text::new(tr(lang, "Votre réponse :", "Your answer:"))
            .with_help_message(&typed_help)
            .prompt()
            .map(|s| typed(s, |s| Answer::Texts(vec![s]))),
        ItemType::Blanks | ItemType::BlanksAnyOrder => {
            let n = q.question.blanks.len();
            let mut texts = Vec::with_capacity(n);
            let mut res = Ok(());
            for k in 0..n {
                let msg = format!("[{}] ({}/{n}) :", k + 1, k + 1);
                match inquire::Text::new(&msg).with_help_message(&typed_help).prompt() {
                    // `?` at any blank: "I don't know" for the whole question
                    Ok(s) if s.trim() == DONT_KNOW_KEY => return Ok(Asked::Answer(Answer::DontKnow)),
                    Ok(s) => texts.push(s),
                    Err(e) => {
                        res = Err(e);
                        break;
                    }
                }
            }
            res.map(|()| Answer::Texts(texts))
        }
    };
    match result {
        Ok(a) => Ok(Asked::Answer(a)),
        Err(e) if interrupted(&e) => Ok(Asked::Stop),
        Err(e) => Err(e.into()),
    }
}

fn print_report(
    out: &mut impl Write,
    jauge: &Jauge,
    report: &jauge::Report,
    lang: Lang,
    style: bool,
) -> io::Result<()> {
    let title = |code: &str| {
        jauge
            .bank()
            .framework
            .competence(code)
            .map(|c| c.title.get(lang).clone())
            .unwrap_or_default()
    };
    writeln!(out)?;
    if report.simulated {
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "Profil simulé (réponses d'un agent simulé, exclu des exports)",
                "Simulated profile (a simulated agent's answers, left out of exports)"
            )
        )?;
    } else {
        writeln!(out, "{}", tr(lang, "Votre profil", "Your profile"))?;
    }
    writeln!(
        out,
        "{:<6} {:<44} {:>6} {:>4} {:>10}",
        tr(lang, "Code", "Code"),
        tr(lang, "Compétence", "Competence"),
        tr(lang, "Niveau", "Level"),
        "Pix",
        tr(lang, "Intervalle", "Interval")
    )?;
    for c in &report.competences {
        let mut t: String = title(&c.competence);
        if t.chars().count() > 44 {
            t = t.chars().take(43).collect::<String>() + "…";
        }
        let level = match c.capped_at {
            Some(cap) => format!("{}*", c.level.min(cap)),
            None => c.level.to_string(),
        };
        writeln!(
            out,
            "{:<6} {:<44} {:>6} {:>4} {:>10}",
            c.competence,
            t,
            level,
            c.pix,
            format!("{}–{}", c.pix_low, c.pix_high)
        )?;
    }
    for n in &report.not_assessed {
        let mut t: String = title(&n.competence);
        if t.chars().count() > 44 {
            t = t.chars().take(43).collect::<String>() + "…";
        }
        writeln!(
            out,
            "{:<6} {:<44} {:>6} {:>4} {:>10}",
            n.competence,
            t,
            "-",
            "-",
            tr(lang, "non évaluée", "not assessed")
        )?;
    }
    writeln!(out, "{} {}", tr(lang, "Total :", "Total:"), report.total_pix)?;
    if !report.not_assessed.is_empty() {
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "Non évaluée : trop peu de réponses pour donner un niveau sûr (aucun niveau n'est enregistré).",
                "Not assessed: too few answers to give a sound level (no level is recorded)."
            )
        )?;
    }
    if report.competences.iter().any(|c| c.capped_at.is_some()) {
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "* niveau plafonné par le plan",
                "* level capped by the plan"
            )
        )?;
    }
    if !report.missed.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            tr(
                lang,
                "Les questions manquées, expliquées",
                "The questions missed, explained"
            )
        )?;
        for (k, m) in report.missed.iter().enumerate() {
            writeln!(out)?;
            writeln!(
                out,
                "{}. [{}] {}",
                k + 1,
                m.competence,
                block(&m.question, &[], style).replace('\n', "\n   ")
            )?;
            writeln!(
                out,
                "   → {}",
                block(&m.explanation, &[], style).replace('\n', "\n     ")
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{} {}", tr(lang, "Session :", "Session:"), report.session)?;
    out.flush()
}

/// Arguments of `jauge agent adjust`.
#[derive(Debug, Args)]
pub struct AdjustArgs {
    /// The agent's id (created if unknown).
    id: String,
    /// The agent uses a screen reader: items tagged `no-screen-reader` are never given.
    #[arg(long)]
    screen_reader: bool,
    /// Another adjustment (repeatable), e.g. `--adjustment extra-time`.
    #[arg(long, value_name = "TAG")]
    adjustment: Vec<String>,
    /// Time limits × this factor (default 1.5 with an adjustment, 1 without).
    #[arg(long, value_name = "F")]
    time_factor: Option<f64>,
    /// Remove every adjustment (time factor back to 1).
    #[arg(long, conflicts_with_all = ["screen_reader", "adjustment"])]
    clear: bool,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `jauge agent adjust`: the sessions started afterwards honour the adjustments (the engine
/// avoids the items tagged `no-<adjustment>` and multiplies time limits by the factor).
pub fn adjust(a: AdjustArgs) -> anyhow::Result<u8> {
    let mut tags: Vec<String> = Vec::new();
    if a.screen_reader {
        tags.push("screen-reader".into());
    }
    for t in &a.adjustment {
        jauge::store::validate_code("adjustment", t)?;
        // one spelling, that of the bank's `no-…` tags: `Screen_Reader` is `screen-reader`
        let t = jauge::pool::canonical_adjustment(t);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let factor = a.time_factor.unwrap_or(if tags.is_empty() { 1.0 } else { 1.5 });
    if !(factor.is_finite() && (1.0..=10.0).contains(&factor)) {
        bail!("--time-factor {factor}: give a number from 1 to 10");
    }
    if tags.is_empty() && !a.clear && a.time_factor.is_none() {
        bail!("nothing to set: pass --screen-reader, --adjustment TAG, --time-factor F or --clear");
    }
    let mut store = jauge::store::Store::open(&db_path(a.db.as_deref()))?;
    let agent = store.agent_or_create(&a.id, None)?;
    store.set_adjustments(agent.id, &tags, factor)?;
    if a.json {
        super::print_json(&serde_json::json!({"agent": a.id, "adjustments": tags, "time_factor": factor}))?;
    } else {
        eprintln!(
            "{}: adjustments [{}], time factor {factor}; sessions started from now on honour them",
            a.id,
            tags.join(", ")
        );
    }
    Ok(0)
}
