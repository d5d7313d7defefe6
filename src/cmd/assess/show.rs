//! The question screen: the progress line (question number out of the expected total, the time
//! left at the agent's pace), the competence, a timed question's deadline, the question wrapped
//! to the terminal, and in plain mode the numbered options with a hanging indent.

use std::io::{self, Write};
use std::time::Instant;

use jauge::QuestionView;

use crate::cmd::render::{block, inline};
use crate::m;
use crate::term::wrap;

/// Seconds per question assumed until the agent's own pace is known (after 3 answers): an
/// assumption, said as such in `docs/assessments.md`.
const DEFAULT_SECONDS_PER_QUESTION: f64 = 40.0;

/// The agent's pace in this run: answers given and the time they took.
pub struct Pace {
    since: Instant,
    answers: usize,
}

impl Pace {
    /// A pace counted from now (`_already`: answers of an earlier run, not timed here).
    pub fn new(_already: usize) -> Self {
        Self {
            since: Instant::now(),
            answers: 0,
        }
    }

    /// One more answer given.
    pub fn answered(&mut self) {
        self.answers += 1;
    }

    /// Seconds per question: the agent's own after 3 answers, else the default.
    fn seconds_per_question(&self) -> f64 {
        if self.answers >= 3 {
            self.since.elapsed().as_secs_f64() / self.answers as f64
        } else {
            DEFAULT_SECONDS_PER_QUESTION
        }
    }

    /// The time left for `left` questions, in whole minutes (at least 1).
    pub fn minutes_left(&self, left: usize) -> u64 {
        ((left as f64 * self.seconds_per_question()) / 60.0)
            .ceil()
            .max(1.0) as u64
    }
}

/// Prints question `q`; `expected` is the session's expected number of questions.
pub fn question(
    out: &mut impl Write,
    q: &QuestionView,
    expected: usize,
    pace: &Pace,
    style: bool,
    width: Option<usize>,
    numbered: bool,
) -> io::Result<()> {
    // the question on screen is counted in left_max; pretest questions come on top of the
    // plan's cap, so the estimate is kept within [this question, the most the plan can ask]
    let at_most = (q.number + q.progress.left_max.saturating_sub(1)).max(q.number);
    let expected = expected.clamp(q.number, at_most);
    let mut line = if expected >= at_most {
        m!("show.progress_exact", n = q.number, total = expected)
    } else {
        m!("show.progress", n = q.number, total = expected, max = at_most)
    };
    let left = expected - q.number + 1;
    line.push_str(" · ");
    line.push_str(&m!("show.time_left", min = pace.minutes_left(left)));
    let competence = m!("show.competence", code = q.competence, title = q.competence_title);
    writeln!(out)?;
    for l in [line, competence] {
        let l = wrap(&l, width, "", "  ");
        if style {
            writeln!(out, "\x1b[2m{l}\x1b[0m")?;
        } else {
            writeln!(out, "{l}")?;
        }
    }
    if let Some(s) = q.allowed_seconds {
        let deadline = jiff::SignedDuration::try_from_secs_f64(s)
            .ok()
            .and_then(|d| q.shown_at.checked_add(d).ok())
            .map_or_else(
                || "-".to_string(),
                |t| {
                    t.to_zoned_datetime(jiff::tz::TimeZone::system())
                        .strftime("%H:%M:%S")
                        .to_string()
                },
            );
        let text = m!("show.timed", s = format!("{s:.0}"), at = deadline);
        writeln!(out, "{}", wrap(&text, width, "", ""))?;
    }
    writeln!(out)?;
    let body = block(&q.question.question, &q.question.blanks, style, width);
    writeln!(out, "{}", wrap(&body, width, "", ""))?;
    if numbered {
        let n = q.question.options.len();
        let digits = n.to_string().len();
        for (k, o) in q.question.options.iter().enumerate() {
            let first = format!("  {:>digits$}. ", k + 1);
            let rest = " ".repeat(first.len());
            writeln!(out, "{}", wrap(&inline(&o.text, false), width, &first, &rest))?;
        }
    }
    if let Some(u) = &q.question.unit {
        writeln!(out, "{}", m!("show.unit", unit = u))?;
    }
    out.flush()
}
