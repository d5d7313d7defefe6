//! The interactive prompts (`inquire`): a list to choose from, boxes to tick, a line to type;
//! "I don't know" is the last entry of every list and `?` in every typed answer; an empty
//! answer asks for confirmation.

use jauge::bank::ItemType;
use jauge::{Answer, QuestionView};

use super::Asked;
use super::plain::{DONT_KNOW_KEY, hint};
use crate::cmd::render::inline;
use crate::m;

fn interrupted(e: &inquire::InquireError) -> bool {
    matches!(
        e,
        inquire::InquireError::OperationInterrupted | inquire::InquireError::OperationCanceled
    )
}

/// A typed answer: `?` alone is "I don't know".
fn typed(s: String, answer: impl FnOnce(String) -> Answer) -> Answer {
    if s.trim() == DONT_KNOW_KEY {
        Answer::DontKnow
    } else {
        answer(s)
    }
}

/// Asks whether to resume the agent's unfinished session (started at `started`, local time) or
/// to abandon it; `None` when the agent cancels.
pub fn resume_or_abandon(started: &str) -> anyhow::Result<Option<bool>> {
    let q = m!("prompt.unfinished", started = started);
    let choices = vec![m!("prompt.resume_it"), m!("prompt.abandon_it")];
    match inquire::Select::new(&q, choices)
        .with_help_message(&m!("prompt.help_choose"))
        .without_filtering()
        .raw_prompt()
    {
        Ok(o) => Ok(Some(o.index == 0)),
        Err(e) if interrupted(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Asks to confirm an empty answer; `Err` when interrupted.
fn confirm_empty(what: String) -> Result<bool, inquire::InquireError> {
    let yes = m!("prompt.yes");
    let no = m!("prompt.no");
    let (y, n) = (yes.clone(), no.clone());
    let parse = move |s: &str| {
        let s = s.trim().to_lowercase();
        let first = |w: &str| w.chars().next().map(|c| c.to_lowercase().to_string());
        if s == y.to_lowercase() || Some(s.clone()) == first(&y) {
            Ok(true)
        } else if s == n.to_lowercase() || Some(s.clone()) == first(&n) {
            Ok(false)
        } else {
            Err(())
        }
    };
    let format = move |b: bool| if b { yes.clone() } else { no.clone() };
    inquire::Confirm::new(&what)
        .with_default(false)
        .with_parser(&parse)
        .with_formatter(&format)
        .with_default_value_formatter(&|_| m!("prompt.default_no"))
        .with_error_message(&m!("prompt.help_confirm"))
        .with_help_message(&m!("prompt.help_confirm"))
        .prompt()
}

/// Asks for a typed line: `?` is "I don't know", an empty line is confirmed first.
fn text_line(message: &str, help: &str) -> Result<Option<String>, inquire::InquireError> {
    loop {
        let s = inquire::Text::new(message).with_help_message(help).prompt()?;
        if s.trim().is_empty() && !confirm_empty(m!("prompt.confirm_empty"))? {
            continue;
        }
        if s.trim() == DONT_KNOW_KEY {
            return Ok(None);
        }
        return Ok(Some(s));
    }
}

/// Asks for the answer to `q`.
pub fn ask(q: &QuestionView) -> anyhow::Result<Asked> {
    let mut labels: Vec<String> = q
        .question
        .options
        .iter()
        .map(|o| inline(&o.text, false))
        .collect();
    // "I don't know", after the options
    let dont_know = labels.len();
    if !labels.is_empty() {
        labels.push(m!("prompt.dont_know"));
    }
    let typed_help = m!("prompt.help_typed");
    let result = match q.question.item_type {
        ItemType::Single => inquire::Select::new(&m!("prompt.your_answer"), labels)
            .with_help_message(&m!("prompt.help_single"))
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
        ItemType::Multiple => loop {
            let alone = m!("prompt.dont_know_alone");
            let r = inquire::MultiSelect::new(&m!("prompt.your_answers"), labels.clone())
                .with_help_message(&m!("prompt.help_multiple"))
                .without_filtering()
                .with_page_size(12)
                .with_validator(move |ticked: &[inquire::list_option::ListOption<&String>]| {
                    Ok(
                        if ticked.len() > 1 && ticked.iter().any(|o| o.index == dont_know) {
                            inquire::validator::Validation::Invalid(alone.clone().into())
                        } else {
                            inquire::validator::Validation::Valid
                        },
                    )
                })
                .raw_prompt();
            match r {
                Ok(v) if v.is_empty() => match confirm_empty(m!("prompt.confirm_none")) {
                    Ok(true) => break Ok(Answer::Options(vec![])),
                    Ok(false) => continue,
                    Err(e) => break Err(e),
                },
                Ok(v) if v.iter().any(|o| o.index == dont_know) => break Ok(Answer::DontKnow),
                Ok(v) => {
                    break Ok(Answer::Options(
                        v.into_iter()
                            .map(|o| q.question.options[o.index].id.clone())
                            .collect(),
                    ));
                }
                Err(e) => break Err(e),
            }
        },
        ItemType::Number => {
            let msg = match &q.question.unit {
                Some(u) => m!("prompt.your_answer_unit", unit = u),
                None => m!("prompt.your_answer"),
            };
            let help = m!("prompt.help_number", hint = hint(q));
            text_line(&msg, &help).map(|s| s.map_or(Answer::DontKnow, |s| typed(s, Answer::Number)))
        }
        ItemType::Text => text_line(&m!("prompt.your_answer"), &typed_help)
            .map(|s| s.map_or(Answer::DontKnow, |s| Answer::Texts(vec![s]))),
        ItemType::Blanks | ItemType::BlanksAnyOrder => {
            let n = q.question.blanks.len();
            let mut texts = Vec::with_capacity(n);
            let mut res = Ok(());
            for k in 0..n {
                let msg = m!("prompt.blank", k = k + 1, n = n);
                match text_line(&msg, &typed_help) {
                    // `?` at any blank: "I don't know" for the whole question
                    Ok(None) => return Ok(Asked::Answer(Answer::DontKnow)),
                    Ok(Some(s)) => texts.push(s),
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
