//! A small Markdown-to-terminal renderer for the questions: paragraphs, `**bold**`, `*italic*`,
//! `` `code` ``, lists and fenced code blocks. With `style` off (plain mode, screen readers,
//! scripts) the markers are simply removed and nothing but text is printed.

const BOLD: &str = "\x1b[1m";
const ITALIC: &str = "\x1b[3m";
const CODE: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

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
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                code = !code;
                if style {
                    if code {
                        out.push_str(CODE);
                    } else {
                        restore(&mut out, bold, italic);
                    }
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
pub fn block(md: &str, blanks: &[String], style: bool) -> String {
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
    for line in text.lines() {
        let trimmed = line.trim_start();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_the_markers() {
        assert_eq!(inline("a **bold** and `code` *it*", false), "a bold and code it");
        assert_eq!(inline("2 * 3 = 6", false), "2 * 3 = 6");
        assert_eq!(
            block(
                "Intro\n\n- one\n- **two**\n\n```\nx = 1\n```\nFill {{b1}} and {{b2}}",
                &["b1".into(), "b2".into()],
                false
            ),
            "Intro\n\n  • one\n  • two\n\n    x = 1\nFill [1] and [2]"
        );
    }

    #[test]
    fn styled_text_uses_ansi() {
        assert_eq!(inline("**b**", true), "\x1b[1mb\x1b[0m");
    }
}
