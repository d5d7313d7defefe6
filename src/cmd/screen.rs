//! The profile screen a trainer can hand over: for every competence its full name (wrapped), the
//! level out of the competence's highest open level, the pix out of its maximum and the interval
//! in words; a one-line legend; the total out of its maximum; the competences not assessed; and,
//! at the end of a session, the questions missed with the agent's answer beside the expected one
//! and the explanation. Used by `jauge assess` and by `jauge profile show|history`.

use jauge::bank::{Item, Kind, NumberAccept};
use jauge::{Jauge, Lang, Report};

use super::render::{block, inline};
use crate::i18n::lang;
use crate::m;
use crate::term::wrap;

/// A competence's score on the screen.
#[derive(Debug, Clone)]
pub struct Score {
    /// The level.
    pub level: u8,
    /// The plan's cap, when below the highest open level.
    pub capped_at: Option<u8>,
    /// The pix.
    pub pix: u32,
    /// The interval's ends.
    pub low: u32,
    /// The interval's ends.
    pub high: u32,
    /// When it was assessed (local time), for the profile of several sessions.
    pub when: Option<String>,
    /// From a simulated session.
    pub simulated: bool,
}

/// One competence of the screen.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its code, `1.1`.
    pub code: String,
    /// Its score, `None` when not assessed.
    pub score: Option<Score>,
    /// Why it has no score.
    pub why_not: Option<String>,
}

/// A question missed.
#[derive(Debug, Clone)]
pub struct MissedQuestion {
    /// The competence.
    pub competence: String,
    /// The question (Markdown).
    pub question: String,
    /// The blanks of the question, in order.
    pub blanks: Vec<String>,
    /// The agent's answer, in words.
    pub given: String,
    /// The answer expected, in words.
    pub expected: String,
    /// The explanation (Markdown).
    pub explanation: String,
}

/// A profile to show.
#[derive(Debug, Clone)]
pub struct Screen<'j> {
    jauge: &'j Jauge,
    /// The heading.
    pub heading: String,
    /// Lines under the heading (session, dates, notes).
    pub notes: Vec<String>,
    /// The competences (assessed or not).
    pub rows: Vec<Row>,
    /// The questions missed (end of a session only).
    pub missed: Vec<MissedQuestion>,
    /// Lines at the end.
    pub footer: Vec<String>,
}

impl<'j> Screen<'j> {
    /// An empty screen with a heading.
    pub fn new(jauge: &'j Jauge, heading: String) -> Self {
        Self {
            jauge,
            heading,
            notes: Vec::new(),
            rows: Vec::new(),
            missed: Vec::new(),
            footer: Vec::new(),
        }
    }

    /// The screen at the end of a session.
    pub fn from_report(jauge: &'j Jauge, report: &Report) -> Self {
        let heading = if report.simulated {
            m!("screen.heading_simulated")
        } else {
            m!("screen.heading")
        };
        let mut s = Self::new(jauge, heading);
        for c in &report.competences {
            s.rows.push(Row {
                code: c.competence.clone(),
                score: Some(Score {
                    level: c.level,
                    capped_at: c.capped_at,
                    pix: c.pix,
                    low: c.pix_low,
                    high: c.pix_high,
                    when: None,
                    simulated: false,
                }),
                why_not: None,
            });
        }
        for n in &report.not_assessed {
            s.rows.push(Row {
                code: n.competence.clone(),
                score: None,
                why_not: Some(m!("screen.too_few", n = n.answers)),
            });
        }
        s.missed = missed(jauge, &report.session);
        s.footer.push(m!("screen.session", session = report.session));
        s
    }

    fn title(&self, code: &str) -> String {
        self.jauge
            .bank()
            .framework
            .competence(code)
            .map(|c| c.title.get(lang()).clone())
            .unwrap_or_default()
    }

    /// The screen as text, wrapped to `width`.
    pub fn render(&self, style: bool, width: Option<usize>) -> String {
        let bold = |s: String| if style { format!("\x1b[1m{s}\x1b[0m") } else { s };
        let mut out = Vec::new();
        out.push(String::new());
        out.push(bold(wrap(&self.heading, width, "", "")));
        for n in &self.notes {
            out.push(wrap(n, width, "", ""));
        }
        out.push(wrap(&m!("screen.legend"), width, "", ""));
        out.push(String::new());
        let assessed: Vec<&Row> = self.rows.iter().filter(|r| r.score.is_some()).collect();
        let (mut total, mut total_max) = (0u32, 0u32);
        for r in &assessed {
            let Some(sc) = &r.score else { continue };
            let (top, max_pix) = self.jauge.competence_max(&r.code).unwrap_or((8, 64));
            let top = sc.capped_at.map_or(top, |c| c.min(top));
            total += sc.pix;
            total_max += max_pix;
            let head = format!("{:<5}", r.code);
            out.push(wrap(&self.title(&r.code), width, &head, "     "));
            let mut line = m!(
                "screen.score",
                level = sc.level,
                top = top,
                pix = sc.pix,
                max = max_pix
            );
            line.push_str(" · ");
            line.push_str(&if sc.low == sc.high {
                m!("screen.interval_exact", pix = sc.pix)
            } else {
                m!("screen.interval", low = sc.low, high = sc.high)
            });
            if sc.capped_at.is_some() {
                line.push_str(" · ");
                line.push_str(&m!("screen.capped"));
            }
            if let Some(w) = &sc.when {
                line.push_str(" · ");
                line.push_str(&m!("screen.assessed_at", when = w));
            }
            if sc.simulated {
                line.push_str(" · ");
                line.push_str(&m!("screen.simulated"));
            }
            out.push(wrap(&line, width, "     ", "     "));
        }
        if assessed.is_empty() {
            out.push(wrap(&m!("screen.nothing_assessed"), width, "", ""));
        } else {
            out.push(String::new());
            let all = self.jauge.bank().framework.competences.len();
            out.push(bold(wrap(
                &m!(
                    "screen.total",
                    pix = total,
                    max = total_max,
                    n = assessed.len(),
                    all = all
                ),
                width,
                "",
                "  ",
            )));
        }
        let not: Vec<&Row> = self.rows.iter().filter(|r| r.score.is_none()).collect();
        if !not.is_empty() {
            out.push(String::new());
            out.push(bold(m!("screen.not_assessed", n = not.len())));
            for r in not {
                let text = match &r.why_not {
                    Some(w) => format!("{} ({w})", self.title(&r.code)),
                    None => self.title(&r.code),
                };
                out.push(wrap(&text, width, &format!("{:<5}", r.code), "     "));
            }
        }
        if !self.missed.is_empty() {
            out.push(String::new());
            out.push(bold(m!("screen.missed", n = self.missed.len())));
            let digits = self.missed.len().to_string().len();
            for (k, q) in self.missed.iter().enumerate() {
                out.push(String::new());
                let first = format!("{:>digits$}. ", k + 1);
                let indent = " ".repeat(first.len());
                let question = format!(
                    "[{}] {}",
                    q.competence,
                    block(
                        &q.question,
                        &q.blanks,
                        style,
                        width.map(|w| w.saturating_sub(indent.len()))
                    )
                );
                out.push(wrap(&question, width, &first, &indent));
                let given = m!("screen.given", answer = q.given);
                out.push(wrap(&given, width, &indent, &format!("{indent}  ")));
                let expected = m!("screen.expected", answer = q.expected);
                out.push(wrap(&expected, width, &indent, &format!("{indent}  ")));
                let expl = block(&q.explanation, &[], style, width);
                out.push(wrap(&expl, width, &format!("{indent}→ "), &format!("{indent}  ")));
            }
        }
        if !self.footer.is_empty() {
            out.push(String::new());
            for f in &self.footer {
                out.push(wrap(f, width, "", ""));
            }
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }
}

/// The scored questions of session `uid` answered wrongly, with the answer given and the one
/// expected, in the language of the messages.
fn missed(jauge: &Jauge, uid: &str) -> Vec<MissedQuestion> {
    let store = jauge.store();
    let Ok(Some(record)) = store.session(uid) else {
        return Vec::new();
    };
    let Ok(responses) = store.responses(record.id) else {
        return Vec::new();
    };
    drop(store);
    let l = lang();
    responses
        .iter()
        .filter(|r| r.score == 0 && !r.pretest)
        .filter_map(|r| {
            let item = jauge.bank().items.iter().find(|i| i.id == r.item)?;
            let text = item.text.get(l);
            let blanks = match &item.kind {
                Kind::Blanks { blanks } | Kind::BlanksAnyOrder { blanks } => {
                    blanks.iter().map(|b| b.id.clone()).collect()
                }
                _ => Vec::new(),
            };
            Some(MissedQuestion {
                competence: r.competence.clone(),
                question: text.question.clone(),
                blanks,
                given: given(item, &r.raw_answer, &r.status, l),
                expected: expected(item, l),
                explanation: text.explanation.clone(),
            })
        })
        .collect()
}

/// An option's text, without its final full stop (options are listed one after the other).
fn option_text(item: &Item, id: &str, l: Lang) -> String {
    item.kind.options().iter().find(|o| o.id == id).map_or_else(
        || id.to_owned(),
        |o| {
            let t = inline(o.text.get(l), false);
            t.strip_suffix('.').map_or(t.clone(), str::to_owned)
        },
    )
}

fn quoted(s: &str) -> String {
    m!("screen.quoted", text = s)
}

/// The agent's answer in words.
fn given(item: &Item, raw: &str, status: &str, l: Lang) -> String {
    if status == "dontknow" {
        return m!("prompt.dont_know");
    }
    let answer = match jauge::parse_answer(raw) {
        Some(a) => a,
        None => return m!("screen.no_answer"),
    };
    let text = match answer {
        jauge::Answer::DontKnow => m!("prompt.dont_know"),
        jauge::Answer::Options(ids) if ids.is_empty() => m!("screen.none_ticked"),
        jauge::Answer::Options(ids) => ids
            .iter()
            .map(|id| option_text(item, id, l))
            .collect::<Vec<_>>()
            .join(&m!("screen.join")),
        jauge::Answer::Texts(t) if t.iter().all(|s| s.trim().is_empty()) => m!("screen.empty"),
        jauge::Answer::Texts(t) => t.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(" | "),
        jauge::Answer::Number(n) => n,
    };
    if status == "timedout" {
        format!("{text} ({})", m!("screen.too_late"))
    } else {
        text
    }
}

/// The expected answer in words.
fn expected(item: &Item, l: Lang) -> String {
    let num = |x: f64| {
        let s = format!("{x}");
        if l == Lang::Fr { s.replace('.', ",") } else { s }
    };
    match &item.kind {
        Kind::Single { solution, .. } => option_text(item, solution, l),
        Kind::Multiple { solution, .. } if solution.is_empty() => m!("screen.none_ticked"),
        Kind::Multiple { solution, .. } => solution
            .iter()
            .map(|id| option_text(item, id, l))
            .collect::<Vec<_>>()
            .join(&m!("screen.join")),
        Kind::Text { blank } => blank.accepted(l).next().map_or_else(String::new, |s| quoted(s)),
        Kind::Blanks { blanks } | Kind::BlanksAnyOrder { blanks } => blanks
            .iter()
            .map(|b| b.accepted(l).next().map_or_else(String::new, |s| quoted(s)))
            .collect::<Vec<_>>()
            .join(" | "),
        Kind::Number { number } => {
            let unit = number.unit.get(l);
            let unit = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            match number.accept {
                NumberAccept::Tolerance { value, tolerance } if tolerance <= 0.0 => {
                    format!("{}{unit}", num(value))
                }
                NumberAccept::Tolerance { value, tolerance } => {
                    m!(
                        "screen.number_about",
                        value = num(value),
                        tol = num(tolerance),
                        unit = unit
                    )
                }
                NumberAccept::Range { min, max } => {
                    m!("screen.number_range", min = num(min), max = num(max), unit = unit)
                }
            }
        }
    }
}
