//! A small Markdown-to-terminal renderer for the questions: paragraphs, `**bold**`, `*italic*`,
//! `` `code` ``, lists, fenced code blocks and tables. With `style` off (plain mode, screen
//! readers, scripts) the markers are removed and nothing but text is printed. Inline code is
//! visible without colour: between quotation marks of the language (« » or “ ”), coloured too
//! when `style` is on. Tables are aligned columns in the rich mode (when they fit the width),
//! and "column: value" lines, one group per row, in plain mode.

use crate::term::display_width;

const BOLD: &str = "\x1b[1m";
const ITALIC: &str = "\x1b[3m";
const CODE: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// The quotation marks around inline code, in the language of the messages.
fn code_quotes() -> (&'static str, &'static str) {
    match crate::i18n::lang() {
        jauge::Lang::Fr => ("«\u{202f}", "\u{202f}»"),
        _ => ("“", "”"),
    }
}

/// Inline markup of one line.
pub fn inline(line: &str, style: bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut bold = false;
    let mut italic = false;
    let mut code = false;
    let mut chars = line.chars().peekable();
    let restore = |out: &mut String, bold: bool, italic: bool| {
        out.push_str(RESET);
        if bold {
            out.push_str(BOLD);
        }
        if italic {
            out.push_str(ITALIC);
        }
    };
    let (open_quote, close_quote) = code_quotes();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                code = !code;
                if code {
                    out.push_str(open_quote);
                    if style {
                        out.push_str(CODE);
                    }
                } else {
                    if style {
                        restore(&mut out, bold, italic);
                    }
                    out.push_str(close_quote);
                }
            }
            '*' if !code && chars.peek() == Some(&'*') => {
                chars.next();
                bold = !bold;
                if style {
                    if bold {
                        out.push_str(BOLD);
                    } else {
                        restore(&mut out, bold, italic);
                    }
                }
            }
            '*' if !code && (italic || chars.peek().is_some_and(|n| !n.is_whitespace())) => {
                italic = !italic;
                if style {
                    if italic {
                        out.push_str(ITALIC);
                    } else {
                        restore(&mut out, bold, italic);
                    }
                }
            }
            '\\' if !code && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    if style && (bold || italic || code) {
        out.push_str(RESET);
    }
    out
}

/// A Markdown block (question, explanation), blanks `{{id}}` shown as `[1]`, `[2]` … in the
/// order of `blanks`.
pub fn block(md: &str, blanks: &[String], style: bool, width: Option<usize>) -> String {
    let mut text = md.to_owned();
    for (k, b) in blanks.iter().enumerate() {
        text = text.replace(&format!("{{{{{b}}}}}"), &format!("[{}]", k + 1));
    }
    while let Some(a) = text.find("{{") {
        let Some(len) = text[a..].find("}}") else { break };
        text.replace_range(a..a + len + 2, "[…]");
    }
    let mut out = Vec::new();
    let mut fenced = false;
    let lines: Vec<&str> = text.lines().collect();
    let mut k = 0;
    while k < lines.len() {
        let line = lines[k];
        k += 1;
        let trimmed = line.trim_start();
        if !fenced && trimmed.starts_with('|') && lines.get(k).is_some_and(|l| is_separator(l)) {
            let mut rows = vec![cells(trimmed)];
            k += 1;
            while k < lines.len() && lines[k].trim_start().starts_with('|') {
                rows.push(cells(lines[k].trim_start()));
                k += 1;
            }
            out.push(table(&rows, style, width));
            continue;
        }
        if trimmed.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push(if style {
                format!("    {CODE}{line}{RESET}")
            } else {
                format!("    {line}")
            });
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("* ")) {
            let indent = line.len() - trimmed.len();
            out.push(format!("{}  • {}", " ".repeat(indent), inline(rest, style)));
        } else if let Some(h) = trimmed.strip_prefix('#') {
            let h = h.trim_start_matches('#').trim();
            out.push(if style {
                format!("{BOLD}{}{RESET}", inline(h, false))
            } else {
                inline(h, false)
            });
        } else if let Some(q) = trimmed.strip_prefix("> ") {
            out.push(format!("  │ {}", inline(q, style)));
        } else {
            out.push(inline(line, style));
        }
    }
    out.join("\n")
}

/// A table's separator row: `|---|:--:|`.
fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The cells of a table row, markup rendered later.
fn cells(row: &str) -> Vec<String> {
    let t = row.trim().trim_start_matches('|');
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    out.push(cell.trim().to_owned());
    out
}

/// A table: aligned columns when styled and it fits `width`, else "column: value" lines.
fn table(rows: &[Vec<String>], style: bool, width: Option<usize>) -> String {
    let header: Vec<String> = rows[0].iter().map(|c| inline(c, false)).collect();
    let body: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| {
            (0..header.len())
                .map(|j| inline(r.get(j).map_or("", String::as_str), style))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|j| {
            body.iter()
                .map(|r| display_width(&r[j]))
                .chain([display_width(&header[j])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = 2 + widths.iter().sum::<usize>() + 3 * widths.len().saturating_sub(1);
    if style && width.is_none_or(|w| total <= w) {
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(display_width(s))));
        let row = |r: &[String]| {
            let cells: Vec<String> = r.iter().zip(&widths).map(|(c, &w)| pad(c, w)).collect();
            format!("  {}", cells.join(" │ ")).trim_end().to_owned()
        };
        let mut out = vec![format!("{BOLD}{}{RESET}", row(&header))];
        let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
        out.push(format!("  {}", rule.join("─┼─")));
        out.extend(body.iter().map(|r| row(r)));
        return out.join("\n");
    }
    let mut out = Vec::new();
    for (n, r) in body.iter().enumerate() {
        if n > 0 {
            out.push(String::new());
        }
        for (j, v) in r.iter().enumerate() {
            let first = if j == 0 { "• " } else { "  " };
            out.push(format!(
                "  {first}{}",
                crate::m!("render.cell", column = header[j], value = v)
            ));
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_the_markers() {
        crate::i18n::set_lang(jauge::Lang::En);
        assert_eq!(
            inline("a **bold** and `code` *it*", false),
            "a bold and “code” it"
        );
        assert_eq!(inline("2 * 3 = 6", false), "2 * 3 = 6");
        assert_eq!(
            block(
                "Intro\n\n- one\n- **two**\n\n```\nx = 1\n```\nFill {{b1}} and {{b2}}",
                &["b1".into(), "b2".into()],
                false,
                None
            ),
            "Intro\n\n  • one\n  • two\n\n    x = 1\nFill [1] and [2]"
        );
    }

    #[test]
    fn tables_are_aligned_or_read_as_column_value_lines() {
        crate::i18n::set_lang(jauge::Lang::En);
        let md = "Intro\n\n| Name | Service |\n|---|:--|\n| Dupont | RH |\n| Martin-Lévêque | DSI |\n\nEnd";
        assert_eq!(
            block(md, &[], false, Some(60)),
            "Intro\n\n  • Name: Dupont\n    Service: RH\n\n  • Name: Martin-Lévêque\n    Service: DSI\n\nEnd"
        );
        let rich = block(md, &[], true, Some(60));
        assert!(rich.contains("  Dupont         │ RH"), "{rich}");
        assert!(rich.contains("  ───────────────┼────────"), "{rich}");
        // too wide for the terminal: the readable lines
        assert!(block(md, &[], true, Some(20)).contains("• Name: Dupont"));
    }

    #[test]
    fn styled_text_uses_ansi() {
        assert_eq!(inline("**b**", true), "\x1b[1mb\x1b[0m");
    }
}
