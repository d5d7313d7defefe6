//! French typography in the bank's French texts (`docs/item-writing.md`, section 8.1), as the
//! validator checks it and `jauge bank fix-typography` applies it:
//!
//! - a narrow no-break space (U+202F) before `;`, `:`, `!` and `?` used as punctuation (followed by
//!   a space, the end of the text, a closing mark or Markdown emphasis) — not in `10:30`,
//!   `https://`, `site:caf.fr`, a drive letter (`S:`), nor between two marks (`?!`);
//! - U+202F after `«` and before `»`;
//! - no space before `,` or `.` used as punctuation (`.csv` and `...` are not);
//! - U+202F (or U+00A0) between a number and `%`.
//!
//! Left alone: code spans and fenced code blocks (`` `=SI(A2>=18;"Aide";"")` ``), web and mail
//! addresses, Markdown link targets, `{{blank}}` placeholders, HTML entities, and a mark at the
//! start of a line.

mod file;

use std::collections::BTreeMap;
use std::ops::Range;

pub use file::{FileFix, FixError, fix_file};

/// The narrow no-break space, U+202F (*espace fine insécable*).
pub const NNBSP: char = '\u{202F}';

/// One departure from French typography in a text, with its correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypoFix {
    /// The bytes of the text to replace (empty for an insertion).
    pub range: Range<usize>,
    /// What replaces them.
    pub replacement: &'static str,
    /// What is wrong, in a few words.
    pub message: String,
}

fn horizontal_space(c: char) -> bool {
    c != '\n' && c != '\r' && c.is_whitespace()
}

/// How a run of spaces reads in a message.
fn describe(run: &str) -> String {
    match run {
        "" => "nothing".into(),
        " " => "a space".into(),
        "\u{a0}" => "a no-break space (U+00A0)".into(),
        "\u{2009}" => "a thin space (U+2009)".into(),
        r if r.chars().all(|c| c == ' ') => format!("{} spaces", r.chars().count()),
        r => format!(
            "the spaces {}",
            r.chars()
                .map(|c| format!("U+{:04X}", c as u32))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// The byte ranges of `text` the rules do not apply to: code, addresses, link targets,
/// placeholders, entities.
fn skipped(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Fenced code blocks: from a line opening with ``` or ~~~ to the line closing it (or the end).
    let mut offset = 0;
    let mut fence: Option<(char, usize, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
        match fence {
            None if indent <= 3 && run >= 3 => fence = Some((marker.unwrap_or('`'), run, offset)),
            Some((m, n, start)) if marker == Some(m) && run >= n && trimmed[run..].trim().is_empty() => {
                out.push(start..offset + line.len());
                fence = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((_, _, start)) = fence {
        out.push(start..text.len());
    }
    let in_fence = |i: usize, out: &[Range<usize>]| out.iter().any(|r| r.contains(&i));
    // Inline code spans: a run of n backticks up to the next run of exactly n.
    let bytes = text.as_bytes();
    let mut i = 0;
    let fences = out.clone();
    while i < bytes.len() {
        if bytes[i] != b'`' || in_fence(i, &fences) {
            i += 1;
            continue;
        }
        let n = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let mut j = i + n;
        let mut closed = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let m = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if m == n {
                    closed = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += n,
        }
    }
    // Addresses: a word holding `://`, starting with `www.`, or a mail address.
    let mut start = None;
    for (k, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                let word: &str = &text[s..k];
                let mail = word
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
                if word.contains("://")
                    || word.trim_start_matches(['(', '<', '[']).starts_with("www.")
                    || mail
                {
                    out.push(s..k);
                }
            }
        } else if start.is_none() {
            start = Some(k);
        }
    }
    // Markdown link targets `](…)`, placeholders `{{…}}`, entities `&nbsp;`.
    for (open, close) in [("](", ")"), ("{{", "}}")] {
        let mut from = 0;
        while let Some(p) = text[from..].find(open) {
            let s = from + p;
            match text[s + open.len()..].find(close) {
                Some(e) => {
                    let end = s + open.len() + e + close.len();
                    out.push(s..end);
                    from = end;
                }
                None => break,
            }
        }
    }
    let mut from = 0;
    while let Some(p) = text[from..].find('&') {
        let s = from + p;
        let name: usize = text[s + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
            .map(char::len_utf8)
            .sum();
        if name > 0 && text[s + 1 + name..].starts_with(';') {
            out.push(s..s + name + 2);
        }
        from = s + 1;
    }
    out
}

/// Every departure from French typography in `text`, in text order, without overlaps.
pub fn french_typography(text: &str) -> Vec<TypoFix> {
    let skip = skipped(text);
    let skipped_at = |i: usize| skip.iter().any(|r| r.contains(&i));
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut fixes: BTreeMap<(usize, usize), TypoFix> = BTreeMap::new();
    let mut add = |range: Range<usize>, replacement: &'static str, message: String| {
        fixes.entry((range.start, range.end)).or_insert(TypoFix {
            range,
            replacement,
            message,
        });
    };
    // The run of horizontal spaces before char index k, and the character before it.
    let before = |k: usize| -> (Range<usize>, Option<char>) {
        let mut j = k;
        while j > 0 && horizontal_space(chars[j - 1].1) {
            j -= 1;
        }
        let end = chars[k].0;
        let start = chars.get(j).map_or(end, |c| c.0);
        (start..end, j.checked_sub(1).map(|p| chars[p].1))
    };
    let after = |k: usize| -> (Range<usize>, Option<char>) {
        let mut j = k + 1;
        while j < chars.len() && horizontal_space(chars[j].1) {
            j += 1;
        }
        let start = chars[k].0 + chars[k].1.len_utf8();
        let end = chars.get(j).map_or(text.len(), |c| c.0);
        (start..end, chars.get(j).map(|c| c.1))
    };
    let closing = |c: char| ")]}»\"”’*_…".contains(c);
    for (k, &(i, c)) in chars.iter().enumerate() {
        if skipped_at(i) {
            continue;
        }
        let next = chars.get(k + 1).map(|x| x.1);
        let ends_phrase = next.is_none_or(|n| n.is_whitespace() || closing(n));
        match c {
            ';' | ':' | '!' | '?' => {
                let prose =
                    ends_phrase || (matches!(c, '!' | '?') && next.is_some_and(|n| "!?.".contains(n)));
                if !prose {
                    continue;
                }
                let (run, prev) = before(k);
                let Some(p) = prev.filter(|p| *p != '\n' && *p != '\r') else {
                    continue;
                };
                if (run.is_empty() && matches!(p, '!' | '?')) || "([{".contains(p) {
                    continue;
                }
                // A drive letter (`S:`) is not punctuation.
                let drive = c == ':'
                    && run.is_empty()
                    && p.is_ascii_uppercase()
                    && (k < 2 || !chars[k - 2].1.is_alphanumeric());
                if drive {
                    continue;
                }
                let found = &text[run.clone()];
                if found != "\u{202F}" {
                    add(
                        run,
                        "\u{202F}",
                        format!(
                            "a narrow no-break space (U+202F) goes before \"{c}\", not {}",
                            describe(found)
                        ),
                    );
                }
            }
            '«' => {
                let (run, next) = after(k);
                if next.is_none_or(|n| n == '\n' || n == '\r' || n == '»') {
                    continue;
                }
                let found = &text[run.clone()];
                if found != "\u{202F}" {
                    add(
                        run,
                        "\u{202F}",
                        format!(
                            "a narrow no-break space (U+202F) goes after «, not {}",
                            describe(found)
                        ),
                    );
                }
            }
            '»' => {
                let (run, prev) = before(k);
                if prev.is_none_or(|p| p == '\n' || p == '\r' || p == '«') {
                    continue;
                }
                let found = &text[run.clone()];
                if found != "\u{202F}" {
                    add(
                        run,
                        "\u{202F}",
                        format!(
                            "a narrow no-break space (U+202F) goes before », not {}",
                            describe(found)
                        ),
                    );
                }
            }
            ',' | '.' => {
                if !ends_phrase || (c == '.' && next == Some('.')) {
                    continue;
                }
                let (run, prev) = before(k);
                if run.is_empty() || prev.is_none_or(|p| p == '\n' || p == '\r' || p == '«' || p == '.') {
                    continue;
                }
                let found = describe(&text[run.clone()]);
                add(run, "", format!("no space before \"{c}\" (found {found})"));
            }
            '%' => {
                if next.is_some_and(char::is_alphanumeric) {
                    continue;
                }
                let (run, prev) = before(k);
                if !prev.is_some_and(|p| p.is_ascii_digit()) {
                    continue;
                }
                let found = &text[run.clone()];
                if found != "\u{202F}" && found != "\u{a0}" {
                    add(
                        run,
                        "\u{202F}",
                        format!(
                            "a narrow no-break space (U+202F) goes between a number and %, not {}",
                            describe(found)
                        ),
                    );
                }
            }
            _ => {}
        }
    }
    fixes.into_values().collect()
}

/// `text` with `fixes` applied (as [`french_typography`] returns them: in order, no overlaps).
pub fn apply_fixes(text: &str, fixes: &[TypoFix]) -> String {
    let mut out = String::with_capacity(text.len() + 3 * fixes.len());
    let mut at = 0;
    for f in fixes {
        out.push_str(&text[at..f.range.start]);
        out.push_str(f.replacement);
        at = f.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A short excerpt of `text` around `range`, on one line, for messages.
pub(crate) fn excerpt(text: &str, range: &Range<usize>) -> String {
    let mut start = range.start.saturating_sub(24);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (range.end + 12).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let s: String = text[start..end]
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            '\u{202F}' => '⍽',
            c => c,
        })
        .collect();
    format!(
        "{}{}{}",
        if start > 0 { "…" } else { "" },
        s.trim(),
        if end < text.len() { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, the text once fixed): every rule, its exceptions, and idempotence.
    const CASES: &[(&str, &str)] = &[
        ("Quelle requête ?", "Quelle requête\u{202F}?"),
        ("Quelle requête?", "Quelle requête\u{202F}?"),
        ("Quelle requête\u{a0}?", "Quelle requête\u{202F}?"),
        ("Quelle requête  ?", "Quelle requête\u{202F}?"),
        ("Quelle requête\u{202F}?", "Quelle requête\u{202F}?"),
        (
            "Attention : deux; trois!",
            "Attention\u{202F}: deux\u{202F}; trois\u{202F}!",
        ),
        ("Vraiment ?!", "Vraiment\u{202F}?!"),
        ("**Question :**", "**Question\u{202F}:**"),
        ("**Attention**: lisez", "**Attention**\u{202F}: lisez"),
        ("« oui »", "«\u{202F}oui\u{202F}»"),
        ("«oui»", "«\u{202F}oui\u{202F}»"),
        ("«\u{a0}oui\u{a0}»", "«\u{202F}oui\u{202F}»"),
        ("« Pourquoi ? »", "«\u{202F}Pourquoi\u{202F}?\u{202F}»"),
        ("un mot , puis .", "un mot, puis."),
        ("les fichiers .csv et ...", "les fichiers .csv et ..."),
        ("12% et 15 %, 20\u{a0}%", "12\u{202F}% et 15\u{202F}%, 20\u{a0}%"),
        (
            "à 10:30 sur https://x.fr/a?b=1 ou www.y.fr:",
            "à 10:30 sur https://x.fr/a?b=1 ou www.y.fr:",
        ),
        (
            "tapez `site:caf.fr ?` puis `a ; b`",
            "tapez `site:caf.fr ?` puis `a ; b`",
        ),
        (
            "voir [la page](https://x.fr/?q=1) : ici",
            "voir [la page](https://x.fr/?q=1)\u{202F}: ici",
        ),
        (
            "```\nx = a ? b : c;\n```\nEt ?",
            "```\nx = a ? b : c;\n```\nEt\u{202F}?",
        ),
        ("écrire à agent@x.gouv.fr: oui", "écrire à agent@x.gouv.fr: oui"),
        ("le champ {{b1}}: puis", "le champ {{b1}}\u{202F}: puis"),
        ("? en tête\n: aussi", "? en tête\n: aussi"),
        ("S:\\Projets et C:", "S:\\Projets et C:"),
        (
            "le lecteur (S:) puis S: ici, option A : oui",
            "le lecteur (S:) puis S: ici, option A\u{202F}: oui",
        ),
        ("Note: lisez", "Note\u{202F}: lisez"),
        ("(?) et [!]", "(?) et [!]"),
        ("«»", "«»"),
        ("&nbsp; fin", "&nbsp; fin"),
        ("", ""),
    ];

    #[test]
    fn each_rule_and_its_exceptions() {
        for (text, want) in CASES {
            let fixed = apply_fixes(text, &french_typography(text));
            assert_eq!(&fixed, want, "{text:?}");
            assert!(french_typography(&fixed).is_empty(), "not idempotent on {text:?}");
        }
    }

    #[test]
    fn messages_say_what_was_found() {
        let f = french_typography("Quoi ?");
        assert_eq!(
            f[0].message,
            "a narrow no-break space (U+202F) goes before \"?\", not a space"
        );
        let f = french_typography("un mot , puis");
        assert_eq!(f[0].message, "no space before \",\" (found a space)");
    }
}
