//! Plain mode: one answer per line on stdin (screen readers, scripts).
//! - single choice: the option's number (`2`);
//! - multiple choice: the numbers, separated by commas or spaces (`1,3`), `-` for none;
//! - text: the text as is;
//! - several blanks: the texts in blank order, separated by `|` (`Paris | Lyon`);
//! - number: the number (`2,5`, `1 500`);
//! - `?` alone, to any question: "I don't know".
//!
//! An empty line is not taken as an answer at once: the prompt asks for a second empty line to
//! confirm it. Lines are read bounded (`answer_line.rs`).

use std::io::{BufRead, Write};

use anyhow::Context;
use jauge::bank::ItemType;
use jauge::{Answer, QuestionView};

use super::Asked;
use super::answer_line::{AnswerLine, read_answer_line};
use crate::m;
use crate::term::wrap;

/// What an agent types, alone on the line, for "I don't know".
pub const DONT_KNOW_KEY: &str = "?";

/// How to answer `q`, shown at the prompt and when an answer is refused.
pub fn hint(q: &QuestionView) -> String {
    match q.question.item_type {
        ItemType::Single => m!("plain.hint_single"),
        ItemType::Multiple => m!("plain.hint_multiple"),
        ItemType::Number => m!("plain.hint_number"),
        ItemType::Text => m!("plain.hint_text"),
        ItemType::Blanks | ItemType::BlanksAnyOrder => {
            m!("plain.hint_blanks", n = q.question.blanks.len())
        }
    }
}

/// Parses one plain-mode line into an answer; `Err` is the message to print before reading again.
pub fn parse(line: &str, q: &QuestionView) -> Result<Answer, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    // a line holding only `?` is "I don't know", to any question (CONTRACTS.md)
    if line.trim() == DONT_KNOW_KEY {
        return Ok(Answer::DontKnow);
    }
    let bad = || m!("plain.expected", hint = hint(q));
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

/// Whether an empty line would be taken as an answer (a text or blanks left empty) and so needs
/// confirming; for the other types an empty line is refused anyway.
fn empty_needs_confirming(q: &QuestionView) -> bool {
    matches!(
        q.question.item_type,
        ItemType::Text | ItemType::Blanks | ItemType::BlanksAnyOrder
    ) && q.question.blanks.len() <= 1
}

/// Reads lines until one is an answer to `q`.
pub fn read(
    out: &mut impl Write,
    stdin: &mut impl BufRead,
    q: &QuestionView,
    width: Option<usize>,
) -> anyhow::Result<Asked> {
    let mut confirming_empty = false;
    let say = |out: &mut dyn Write, text: String| -> std::io::Result<()> {
        writeln!(out, "\n{}", wrap(&text, width, "", ""))
    };
    loop {
        let prompt = if confirming_empty {
            format!("{} >", m!("plain.confirm_empty"))
        } else {
            format!("{} ({}) >", hint(q), m!("plain.dont_know_hint"))
        };
        write!(out, "{} ", wrap(&prompt, width, "", ""))?;
        out.flush()?;
        let line = match read_answer_line(stdin).context(m!("plain.reading"))? {
            AnswerLine::Line(line) => line,
            AnswerLine::End { endless: false } => return Ok(Asked::Stop),
            AnswerLine::End { endless: true } => {
                say(out, m!("plain.endless"))?;
                return Ok(Asked::Stop);
            }
            AnswerLine::TooLong => {
                say(out, m!("plain.too_long"))?;
                confirming_empty = false;
                continue;
            }
            AnswerLine::NotUtf8 => {
                say(out, m!("plain.not_utf8"))?;
                confirming_empty = false;
                continue;
            }
        };
        writeln!(out)?;
        let empty = line.trim().is_empty();
        if empty && empty_needs_confirming(q) && !confirming_empty {
            confirming_empty = true;
            continue;
        }
        if confirming_empty && !empty {
            // the agent typed an answer instead of confirming the empty one
            confirming_empty = false;
        }
        match parse(&line, q) {
            Ok(a) => return Ok(Asked::Answer(a)),
            Err(msg) => writeln!(out, "{}", wrap(&msg, width, "", ""))?,
        }
    }
}
