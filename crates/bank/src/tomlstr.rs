//! TOML string literals as written in a file, decoded with the position in the file of every
//! character: what lets the validator point at one character of a text, and the typography fixer
//! change one character of a file while leaving every other byte as it was.

use std::ops::Range;

/// A string literal decoded, with where each of its characters comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// The string's value.
    pub(crate) value: String,
    /// For each character of `value`, in order: its byte offset in `value` and the byte range of
    /// the file (relative to the literal's start) it was written as (one character, or an escape).
    pub(crate) map: Vec<(usize, Range<usize>)>,
}

impl Decoded {
    /// The byte range in the literal of the characters of `value[range]`; an empty `range` gives
    /// the empty range at the position of the character it precedes (or the closing delimiter).
    pub(crate) fn raw_range(&self, range: Range<usize>, content_end: usize) -> Range<usize> {
        let at = |offset: usize| -> usize {
            match self.map.binary_search_by_key(&offset, |(o, _)| *o) {
                Ok(i) => self.map[i].1.start,
                Err(_) => content_end,
            }
        };
        let start = at(range.start);
        if range.is_empty() {
            return start..start;
        }
        // The last character of the range ends where its raw form ends.
        let last = self
            .map
            .iter()
            .rev()
            .find(|(o, _)| *o < range.end)
            .map_or(start, |(_, r)| r.end);
        start..last.max(start)
    }
}

/// Decodes the TOML string literal `raw` (delimiters included: `"…"`, `"""…"""`, `'…'` or
/// `'''…'''`), returning its value, the map of its characters, and the offset where its content
/// ends (the closing delimiter). `None` when `raw` is not a well-formed string literal.
pub(crate) fn decode(raw: &str) -> Option<(Decoded, usize)> {
    let (delim, basic) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if raw.starts_with("'''") {
        ("'''", false)
    } else if raw.starts_with('"') {
        ("\"", true)
    } else if raw.starts_with('\'') {
        ("'", false)
    } else {
        return None;
    };
    if raw.len() < 2 * delim.len() || !raw.ends_with(delim) {
        return None;
    }
    let multi = delim.len() == 3;
    let mut start = delim.len();
    let end = raw.len() - delim.len();
    // A newline right after the opening delimiter of a multi-line string is not part of it.
    if multi {
        if raw[start..].starts_with("\r\n") {
            start += 2;
        } else if raw[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = raw.get(start..end)?;
    let mut value = String::new();
    let mut map = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at = start + i;
        if !basic || c != '\\' {
            map.push((value.len(), at..at + c.len_utf8()));
            value.push(c);
            continue;
        }
        let (_, e) = chars.next()?;
        let simple = match e {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(ch) = simple {
            map.push((value.len(), at..at + 2));
            value.push(ch);
            continue;
        }
        let digits = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if digits > 0 {
            let hex_start = at + 2;
            let hex = body.get(hex_start - start..hex_start - start + digits)?;
            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            for _ in 0..digits {
                chars.next()?;
            }
            map.push((value.len(), at..hex_start + digits));
            value.push(ch);
            continue;
        }
        // A line-ending backslash in a multi-line basic string: the white space and newlines up
        // to the next other character are not part of the value.
        if multi && (e == ' ' || e == '\t' || e == '\n' || e == '\r') {
            let mut saw_newline = e == '\n';
            while let Some((_, w)) = chars.peek() {
                if *w == '\n' {
                    saw_newline = true;
                } else if !(*w == ' ' || *w == '\t' || *w == '\r') {
                    break;
                }
                chars.next();
            }
            if !saw_newline {
                return None;
            }
            continue;
        }
        return None;
    }
    Some((Decoded { value, map }, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(raw: &str) -> String {
        decode(raw).expect("a literal").0.value
    }

    #[test]
    fn the_four_kinds_of_literal() {
        assert_eq!(value(r#""a\"b\u00e9\\""#), "a\"bé\\");
        assert_eq!(value("'C:\\dir'"), "C:\\dir");
        assert_eq!(value("\"\"\"\nligne 1\nligne 2\n\"\"\""), "ligne 1\nligne 2\n");
        assert_eq!(value("'''\nbrut \\n'''"), "brut \\n");
        assert_eq!(value("\"\"\"a \\\n    b\"\"\""), "a b");
        assert_eq!(value("\"\"\"deux \"\" guillemets\"\"\""), "deux \"\" guillemets");
        assert!(decode("plain").is_none());
        assert!(decode("\"\\q\"").is_none());
    }

    #[test]
    fn every_character_maps_back_to_the_file() {
        let raw = "\"\"\"\nQuoi\\u202F? « x »\n\"\"\"";
        let (d, end) = decode(raw).expect("literal");
        assert_eq!(d.value, "Quoi\u{202f}? « x »\n");
        // the escape is one character of the value, six bytes of the file
        let nnbsp = d.value.find('\u{202f}').expect("nnbsp");
        let r = d.raw_range(nnbsp..nnbsp + 3, end);
        assert_eq!(&raw[r], "\\u202F");
        let q = d.value.find('?').expect("?");
        assert_eq!(&raw[d.raw_range(q..q + 1, end)], "?");
        // an insertion point before '?'
        let at = d.raw_range(q..q, end);
        assert_eq!(&raw[at.start..at.start + 1], "?");
        assert_eq!(d.raw_range(d.value.len()..d.value.len(), end), end..end);
    }
}
