//! The messages a trainer or an agent reads, in their language: one catalogue per language
//! (`fr.rs`, `en.rs`, the same keys), looked up by key, with named placeholders.
//!
//! The language is `--lang`, else `JAUGE_LANG`, else the system locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`), French by default; it is set once at start ([`set_lang`]) and read by [`m!`].
//!
//! Templates: `{name}` is replaced by the argument `name`; `{n|one|other}` writes `one` or
//! `other` after the number `n` (French: 0 and 1 take the singular; English: 1 only), so that no
//! message needs a "(s)". French templates are written with ordinary spaces before `: ; ? !` and
//! inside « »; the catalogue puts the narrow no-break space (U+202F) there when it is loaded, in
//! the templates only, never in the values filled in.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

pub use jauge::Lang;

mod en;
mod fr;

static LANG: AtomicU8 = AtomicU8::new(0);

/// Sets the language of every message from now on.
pub fn set_lang(lang: Lang) {
    LANG.store(u8::from(lang == Lang::En), Ordering::Relaxed);
}

/// The language of the messages.
pub fn lang() -> Lang {
    if LANG.load(Ordering::Relaxed) == 1 {
        Lang::En
    } else {
        Lang::Fr
    }
}

/// The language of a code or locale: `fr`, `en`, `en_GB.UTF-8`, `fr-CA`…; `None` when it is
/// neither French nor English.
pub fn parse_lang(s: &str) -> Option<Lang> {
    let s = s.trim().to_ascii_lowercase();
    let code: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    match code.as_str() {
        "fr" => Some(Lang::Fr),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The language to use: `flag` (`--lang`), else `JAUGE_LANG`, else the system locale
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set), French by default.
pub fn detect(flag: Option<&str>) -> Lang {
    if let Some(l) = flag.and_then(parse_lang) {
        return l;
    }
    if let Some(l) = env("JAUGE_LANG").as_deref().and_then(parse_lang) {
        return l;
    }
    // POSIX: the first of these that is set decides (an unknown language falls back to French)
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(env)
        .and_then(|v| parse_lang(&v))
        .unwrap_or(Lang::Fr)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The catalogue of `lang`, French typography applied.
fn catalogue(lang: Lang) -> &'static HashMap<&'static str, String> {
    static FR: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    match lang {
        Lang::Fr => FR.get_or_init(|| {
            fr::MESSAGES
                .iter()
                .map(|(k, v)| (*k, french_typography(v)))
                .collect()
        }),
        _ => EN.get_or_init(|| en::MESSAGES.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()),
    }
}

/// Narrow no-break spaces (U+202F) before `: ; ? !` and inside « », as French typography asks.
pub fn french_typography(s: &str) -> String {
    const NNBSP: char = '\u{202f}';
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (k, &c) in chars.iter().enumerate() {
        let next = chars.get(k + 1).copied();
        let prev = k.checked_sub(1).map(|p| chars[p]);
        match c {
            // " :" → NNBSP ":" (not in "{n|a|b}" or URLs: only a space followed by the mark)
            ' ' if matches!(next, Some(':' | ';' | '?' | '!' | '»')) => out.push(NNBSP),
            ' ' if prev == Some('«') => out.push(NNBSP),
            _ => out.push(c),
        }
    }
    out
}

/// The template of `key` in the current language (the key itself if it is missing, which the
/// tests forbid).
pub fn text(key: &'static str) -> &'static str {
    text_in(lang(), key)
}

/// The template of `key` in `lang`.
pub fn text_in(lang: Lang, key: &'static str) -> &'static str {
    catalogue(lang).get(key).map_or(key, String::as_str)
}

/// Fills a template: `{name}` with the argument's text, `{n|one|other}` with the form that
/// agrees with the number `n`.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    fill_in(lang(), template, args)
}

/// [`fill`] with the plural rule of `lang`.
pub fn fill_in(lang: Lang, template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &rest[open + 1..open + close];
        let mut parts = inner.split('|');
        let name = parts.next().unwrap_or_default();
        let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
        match (value, parts.next(), parts.next()) {
            (Some(v), Some(one), Some(other)) => {
                let n: f64 = v.trim().parse().unwrap_or(2.0);
                let singular = match lang {
                    Lang::Fr => n.abs() < 2.0,
                    _ => n == 1.0,
                };
                out.push_str(if singular { one } else { other });
            }
            (Some(v), _, _) => out.push_str(&v),
            (None, _, _) => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A message of the catalogue in the current language: `m!("key")` or
/// `m!("key", name = value, …)`; a `String`.
#[macro_export]
macro_rules! m {
    ($key:literal) => {
        $crate::i18n::text($key).to_owned()
    };
    ($key:literal, $($name:ident = $val:expr),+ $(,)?) => {
        $crate::i18n::fill($crate::i18n::text($key), &[$((stringify!($name), &$val as &dyn std::fmt::Display)),+])
    };
}

/// [`m!`] in a given language: `ml!(lang, "key", …)`.
#[macro_export]
macro_rules! ml {
    ($lang:expr, $key:literal) => {
        $crate::i18n::text_in($lang, $key).to_owned()
    };
    ($lang:expr, $key:literal, $($name:ident = $val:expr),+ $(,)?) => {
        $crate::i18n::fill_in($lang, $crate::i18n::text_in($lang, $key), &[$((stringify!($name), &$val as &dyn std::fmt::Display)),+])
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(t: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut rest = t;
        while let Some(o) = rest.find('{') {
            let Some(c) = rest[o..].find('}') else { break };
            names.insert(
                rest[o + 1..o + c]
                    .split('|')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
            rest = &rest[o + c + 1..];
        }
        names
    }

    #[test]
    fn every_key_is_in_both_catalogues_with_the_same_placeholders() {
        let fr: BTreeSet<_> = fr::MESSAGES.iter().map(|(k, _)| *k).collect();
        let en: BTreeSet<_> = en::MESSAGES.iter().map(|(k, _)| *k).collect();
        assert_eq!(fr.len(), fr::MESSAGES.len(), "a key twice in fr.rs");
        assert_eq!(en.len(), en::MESSAGES.len(), "a key twice in en.rs");
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty(), "keys missing in en.rs: {only_fr:?}");
        assert!(only_en.is_empty(), "keys missing in fr.rs: {only_en:?}");
        for (k, f) in fr::MESSAGES {
            let e = en::MESSAGES.iter().find(|(ke, _)| ke == k).unwrap().1;
            assert_eq!(placeholders(f), placeholders(e), "placeholders of `{k}`");
        }
    }

    #[test]
    fn no_parenthesised_plurals() {
        for (k, t) in fr::MESSAGES.iter().chain(en::MESSAGES) {
            assert!(!t.contains("(s)"), "`{k}` writes a plural with (s): {t}");
        }
    }

    /// Every key the code uses (`m!("…"`, `ml!(lang, "…"`) is in the catalogues.
    #[test]
    fn every_key_used_exists() {
        let mut missing = Vec::new();
        let mut used = 0;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") || p.ends_with("i18n/mod.rs") {
                    continue;
                }
                let src = std::fs::read_to_string(&p).unwrap();
                for (at, _) in src.match_indices("m!(") {
                    let after = &src[at + 3..];
                    // ml!(lang, "key" / m!("key"
                    let Some(q) = after.find('"') else { continue };
                    if after[..q].contains(')') || after[..q].contains(';') {
                        continue;
                    }
                    let Some(end) = after[q + 1..].find('"') else {
                        continue;
                    };
                    let key = &after[q + 1..q + 1 + end];
                    used += 1;
                    if !fr::MESSAGES.iter().any(|(k, _)| *k == key) {
                        missing.push(format!("{}: {key}", p.display()));
                    }
                }
            }
        }
        assert!(used > 20, "the scan found {used} keys");
        assert!(missing.is_empty(), "keys not in the catalogues: {missing:#?}");
    }

    #[test]
    fn templates_fill_and_agree() {
        let t = "{n} {n|question|questions} pour {who}";
        assert_eq!(
            fill_in(Lang::Fr, t, &[("n", &0), ("who", &"x")]),
            "0 question pour x"
        );
        assert_eq!(
            fill_in(Lang::Fr, t, &[("n", &1), ("who", &"x")]),
            "1 question pour x"
        );
        assert_eq!(
            fill_in(Lang::Fr, t, &[("n", &2), ("who", &"x")]),
            "2 questions pour x"
        );
        assert_eq!(
            fill_in(Lang::En, t, &[("n", &0), ("who", &"x")]),
            "0 questions pour x"
        );
        assert_eq!(
            fill_in(Lang::En, t, &[("n", &1), ("who", &"x")]),
            "1 question pour x"
        );
        // every plural form of the catalogues is plain text (no placeholder inside a form)
        for (k, t) in fr::MESSAGES.iter().chain(en::MESSAGES) {
            let mut rest = *t;
            while let Some(o) = rest.find('{') {
                let inner = &rest[o + 1..];
                let close = inner.find('}').unwrap_or(inner.len());
                assert!(
                    !inner[..close].contains('{'),
                    "`{k}`: a placeholder inside a plural form"
                );
                rest = &inner[close.min(inner.len())..];
            }
        }
        // a value is never reinterpreted
        assert_eq!(fill_in(Lang::Fr, "{a}", &[("a", &"{b}")]), "{b}");
        assert_eq!(
            french_typography("Total : 3 ; « oui » ?"),
            "Total\u{202f}: 3\u{202f}; «\u{202f}oui\u{202f}»\u{202f}?"
        );
    }

    #[test]
    fn languages_from_flags_and_locales() {
        assert_eq!(parse_lang("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(parse_lang("fr-CA"), Some(Lang::Fr));
        assert_eq!(parse_lang("C.UTF-8"), None);
        assert_eq!(parse_lang("de"), None);
    }
}
