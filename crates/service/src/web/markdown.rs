//! Markdown of the bank (questions, options, explanations) to HTML: CommonMark with tables
//! (`<th>` headers in a `<thead>`), code as `<code>`/`<pre>`; raw HTML in the source is shown as
//! text, never interpreted.

use pulldown_cmark::{Event, Options, Parser, html};

/// Renders `md` as HTML blocks.
pub fn block(md: &str) -> String {
    let parser =
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|e| match e {
            Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
            e => e,
        });
    let mut out = String::with_capacity(md.len() * 2);
    html::push_html(&mut out, parser);
    out
}

/// Renders `md` for a label: one paragraph loses its `<p>` (a label holds phrasing content).
pub fn inline(md: &str) -> String {
    let html = block(md);
    let t = html.trim_end();
    if let Some(inner) = t.strip_prefix("<p>").and_then(|r| r.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return inner.to_owned();
    }
    html
}

/// The question's text with each blank `{{id}}` shown as its number `[n]`, the label of its
/// field.
pub fn with_blanks(md: &str, blanks: &[String]) -> String {
    let mut s = md.to_owned();
    for (i, b) in blanks.iter().enumerate() {
        s = s.replace(&format!("{{{{{b}}}}}"), &format!("[{}]", i + 1));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_headers_code_is_code_html_is_text() {
        let h = block("| a | b |\n|---|---|\n| 1 | 2 |\n\n`x = 1`\n\n<script>alert(1)</script>");
        assert!(h.contains("<thead>") && h.contains("<th>a</th>"), "{h}");
        assert!(h.contains("<code>x = 1</code>"), "{h}");
        assert!(!h.contains("<script>") && h.contains("&lt;script&gt;"), "{h}");
    }

    #[test]
    fn inline_drops_the_paragraph_and_blanks_are_numbered() {
        assert_eq!(inline("un *mot*"), "un <em>mot</em>");
        assert_eq!(
            with_blanks("a {{x}} b {{y}}", &["x".into(), "y".into()]),
            "a [1] b [2]"
        );
    }
}
