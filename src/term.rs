//! The terminal: its width, and text wrapped to it (with `textwrap`, which counts display
//! columns and skips ANSI colour codes), so that no line is cut in the middle of a word.

use std::io::IsTerminal;

/// The width to lay text out in: `COLUMNS` when set (20 to 1000), else the width of the
/// terminal on stdout; `None` when stdout is not a terminal (a pipe or a file: no wrapping, one
/// line per paragraph, as scripts expect).
pub fn width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|c| (20..=1000).contains(c))
    {
        return Some(c);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
        .filter(|&w| w >= 20)
}

/// Wraps every line of `text` to `width` columns (no wrapping with `None`); the first line
/// starts with `first`, every other line with `rest` (a hanging indent). Blank lines are kept.
pub fn wrap(text: &str, width: Option<usize>, first_line: &str, rest: &str) -> String {
    let mut out = Vec::new();
    for (k, line) in text.split('\n').enumerate() {
        let first = if k == 0 { first_line } else { rest };
        let Some(w) = width else {
            out.push(format!("{first}{line}"));
            continue;
        };
        if line.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        // a line's own leading spaces (a list item, a quote) carry on its continuation lines
        let lead = line.len() - line.trim_start().len();
        let first_indent = format!("{first}{}", &line[..lead]);
        let rest_indent = format!("{rest}{}{}", &line[..lead], continuation(line.trim_start()));
        let opts = textwrap::Options::new(w.max(first_indent.len() + 10))
            .initial_indent(&first_indent)
            .subsequent_indent(&rest_indent)
            .break_words(true)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        out.extend(
            textwrap::wrap(line.trim_start(), opts)
                .into_iter()
                .map(|l| l.into_owned()),
        );
    }
    out.join("\n")
}

/// The extra indent of a list item's continuation lines: under its text, not its bullet.
fn continuation(line: &str) -> &'static str {
    if line.starts_with("• ") || line.starts_with("│ ") {
        "  "
    } else {
        ""
    }
}

/// The display width of `s` (ANSI colour codes count nothing).
pub fn display_width(s: &str) -> usize {
    textwrap::core::display_width(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_between_words_with_a_hanging_indent() {
        let t = "Une option assez longue pour passer à la ligne suivante";
        let w = wrap(t, Some(30), "  1. ", "     ");
        for l in w.lines() {
            assert!(display_width(l) <= 30, "{l:?}");
        }
        assert_eq!(
            w,
            "  1. Une option assez longue\n     pour passer à la ligne\n     suivante"
        );
        assert_eq!(wrap(t, None, "", "     "), t);
        assert_eq!(wrap("a\nb", Some(30), "1. ", "   "), "1. a\n   b");
        assert_eq!(wrap("a\n\nb", Some(30), "", ""), "a\n\nb");
    }
}
