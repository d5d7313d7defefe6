//! Typed reading of a spanned TOML tree, reporting every unknown key and wrong type.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Sink, did_you_mean};

/// A spanned TOML value.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A list of strings with each one's span, and the list's span.
pub(crate) type StrList = (Vec<(String, Range<usize>)>, Range<usize>);

/// Reading context: where diagnostics go and which item they concern.
pub(crate) struct Reader<'s, 'a> {
    pub(crate) sink: &'s mut Sink<'a>,
    pub(crate) item: Option<String>,
}

/// The span of a value, or of its key when the value has none (recovered syntax).
fn span_of(key: &Spanned<std::borrow::Cow<'_, str>>, value: &Value<'_>) -> Range<usize> {
    let s = value.span();
    if s.is_empty() { key.span() } else { s }
}

fn article(t: &str) -> &'static str {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

impl Reader<'_, '_> {
    /// Reports every key of `table` not in `allowed`, with a suggestion when one is close.
    pub(crate) fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], what: &str) {
        for (key, _) in table.iter() {
            let k: &str = key.get_ref();
            if allowed.contains(&k) {
                continue;
            }
            let help = match did_you_mean(k, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the keys of {what} are: {}", allowed.join(", ")),
            };
            let item = self.item.clone();
            self.sink.error(
                "unknown-key",
                key.span(),
                item.as_deref(),
                format!("unknown key `{k}` in {what}"),
                Some(help),
            );
        }
    }

    fn wrong_type(&mut self, key: &str, span: Range<usize>, expected: &str, found: &DeValue<'_>) {
        let item = self.item.clone();
        let t = found.type_str();
        self.sink.error(
            "wrong-type",
            span,
            item.as_deref(),
            format!("`{key}` must be {expected}, found {} {t}", article(t)),
            None,
        );
    }

    /// Reports a missing required key, pointing at `at` (the table's header).
    pub(crate) fn missing(&mut self, key: &str, at: Range<usize>, what: &str, help: &str) {
        let item = self.item.clone();
        self.sink.error(
            "missing-key",
            at,
            item.as_deref(),
            format!("{what} has no `{key}`"),
            Some(help.to_string()),
        );
    }

    /// A string value.
    pub(crate) fn str(&mut self, t: &DeTable<'_>, key: &str) -> Option<(String, Range<usize>)> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), span)),
            other => {
                self.wrong_type(key, span, "a string", other);
                None
            }
        }
    }

    /// A boolean value.
    pub(crate) fn bool(&mut self, t: &DeTable<'_>, key: &str) -> Option<(bool, Range<usize>)> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Boolean(b) => Some((*b, span)),
            other => {
                self.wrong_type(key, span, "true or false", other);
                None
            }
        }
    }

    /// An integer value.
    pub(crate) fn int(&mut self, t: &DeTable<'_>, key: &str) -> Option<(i64, Range<usize>)> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some((n, span)),
                Err(_) => {
                    let item = self.item.clone();
                    self.sink.error(
                        "wrong-type",
                        span,
                        item.as_deref(),
                        format!("`{key}` is too large"),
                        None,
                    );
                    None
                }
            },
            other => {
                self.wrong_type(key, span, "an integer", other);
                None
            }
        }
    }

    /// A finite number (integer or float).
    pub(crate) fn number(&mut self, t: &DeTable<'_>, key: &str) -> Option<(f64, Range<usize>)> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok().map(|n| n as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                self.wrong_type(key, span, "a number", other);
                return None;
            }
        };
        match parsed.filter(|x| x.is_finite()) {
            Some(x) => Some((x, span)),
            None => {
                let item = self.item.clone();
                self.sink.error(
                    "wrong-type",
                    span,
                    item.as_deref(),
                    format!("`{key}` must be a finite number"),
                    None,
                );
                None
            }
        }
    }

    /// A list of strings; a bare string is accepted as a list of one when `lenient`.
    pub(crate) fn str_list(&mut self, t: &DeTable<'_>, key: &str, lenient: bool) -> Option<StrList> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Array(a) => {
                let mut out = Vec::new();
                for e in a.iter() {
                    match e.get_ref() {
                        DeValue::String(s) => out.push((s.to_string(), e.span())),
                        other => {
                            self.wrong_type(key, e.span(), "a list of strings", other);
                        }
                    }
                }
                Some((out, span))
            }
            DeValue::String(s) if lenient => Some((vec![(s.to_string(), span.clone())], span)),
            other => {
                self.wrong_type(key, span, "a list of strings", other);
                None
            }
        }
    }

    /// A list of numbers.
    pub(crate) fn number_list(&mut self, t: &DeTable<'_>, key: &str) -> Vec<(f64, Range<usize>)> {
        let Some((k, v)) = t.get_key_value(key) else {
            return Vec::new();
        };
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Array(a) => {
                let mut out = Vec::new();
                for e in a.iter() {
                    let x = match e.get_ref() {
                        DeValue::Integer(i) => {
                            i64::from_str_radix(i.as_str(), i.radix()).ok().map(|n| n as f64)
                        }
                        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
                        _ => None,
                    };
                    match x.filter(|x| x.is_finite()) {
                        Some(x) => out.push((x, e.span())),
                        None => self.wrong_type(key, e.span(), "a list of numbers", e.get_ref()),
                    }
                }
                out
            }
            other => {
                self.wrong_type(key, span, "a list of numbers", other);
                Vec::new()
            }
        }
    }

    /// A table (`[x]` or an inline table), with the span of its header.
    pub(crate) fn table<'t, 'i>(
        &mut self,
        t: &'t DeTable<'i>,
        key: &str,
    ) -> Option<(&'t DeTable<'i>, Range<usize>)> {
        let (k, v) = t.get_key_value(key)?;
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Table(inner) => Some((inner, span)),
            other => {
                self.wrong_type(key, span, "a table", other);
                None
            }
        }
    }

    /// An array of tables (`[[x]]` or inline), each with the span of its header.
    pub(crate) fn tables<'t, 'i>(
        &mut self,
        t: &'t DeTable<'i>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some((k, v)) = t.get_key_value(key) else {
            return Vec::new();
        };
        let span = span_of(k, v);
        match v.get_ref() {
            DeValue::Array(a) => {
                let mut out = Vec::new();
                for e in a.iter() {
                    match e.get_ref() {
                        DeValue::Table(inner) => out.push((inner, e.span())),
                        other => {
                            self.wrong_type(key, e.span(), &format!("a list of tables (`[[{key}]]`)"), other)
                        }
                    }
                }
                out
            }
            other => {
                self.wrong_type(key, span, &format!("a list of tables (`[[{key}]]`)"), other);
                Vec::new()
            }
        }
    }

    /// Reports an error about this reader's item.
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let item = self.item.clone();
        self.sink.error(code, span, item.as_deref(), message, help);
    }

    /// Reports a warning about this reader's item.
    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let item = self.item.clone();
        self.sink.warning(code, span, item.as_deref(), message, help);
    }
}
