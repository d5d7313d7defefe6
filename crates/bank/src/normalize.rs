//! How typed answers are normalised, compared and read as numbers.
//!
//! Normalisation of a text under a blank's [`Tolerances`], in this order:
//! 1. canonical decomposition (NFD), so that precomposed and combining accents compare equal;
//! 2. case folding (lower case, `ß` → `ss`, final `ς` → `σ`) when `ignore_case`;
//! 3. always: `œ` → `oe`, `æ` → `ae` (and capitals); typographic apostrophes and quotes
//!    (`’ ‘ ‚ ‛ ′ ʼ ´ `` ` ``, `“ ” „ ‟ « » ″`) → `'` and `"`; dashes and the minus sign
//!    (U+2010–U+2015, U+2212) → `-`; the ellipsis `…` → `...`; every white space (U+00A0 and
//!    U+202F included) → an ordinary space; control characters, the soft hyphen and zero-width
//!    characters (U+200B–U+200D, U+2060, U+FEFF) removed;
//! 4. combining marks removed when `ignore_accents`, otherwise canonical recomposition (NFC);
//! 5. every character that is neither a letter, a digit nor a space removed when
//!    `ignore_punctuation`;
//! 6. every space removed when `ignore_spaces`, otherwise runs of spaces collapsed to one and
//!    the ends trimmed.
//!
//! Typed answers are then put in their *canonical form* ([`canonical_answer`]): after steps 1–4
//! and the collapsing of spaces, a final full stop is removed (`ignore_final_stop`, default true)
//! and then a leading article (`ignore_articles`, default true: [`ARTICLES_FR`], [`ARTICLES_EN`]),
//! before steps 5 and 6. Answers and accepted answers are compared in that form.
//!
//! Normalisation is idempotent. Typos are measured with the Levenshtein distance over Unicode
//! scalar values of the normalised texts (Levenshtein 1966), never on numbers.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::model::{Lang, Tolerances};

/// The French articles a typed answer may start with, ignored unless the blank opts out: `le`,
/// `la`, `les`, `l'` (the apostrophe after normalisation), `un`, `une`, `des`, `du`.
pub const ARTICLES_FR: [&str; 8] = ["le ", "la ", "les ", "l'", "un ", "une ", "des ", "du "];

/// The English articles a typed answer may start with, ignored unless the blank opts out.
pub const ARTICLES_EN: [&str; 3] = ["the ", "a ", "an "];

/// The canonical form of a typed answer in `lang`, as the checker compares it: `text`
/// normalised (steps 1–4, spaces collapsed), without a final full stop (one `.` not preceded by
/// another, when `ignore_final_stop`), without a leading article of `lang` (when
/// `ignore_articles`, and only if something follows it), then steps 5 and 6. So `le DNS.` reads
/// `dns`, as `DNS` does; `la` alone stays `la`; `...` stays `...`.
pub fn canonical_answer(text: &str, tolerances: &Tolerances, lang: Lang) -> String {
    let base = Tolerances {
        ignore_punctuation: false,
        ignore_spaces: false,
        ..*tolerances
    };
    let mut s = normalize(text, &base);
    if tolerances.ignore_final_stop
        && let Some(rest) = s.strip_suffix('.')
        && !rest.ends_with('.')
    {
        s = rest.trim_end().to_string();
    }
    if tolerances.ignore_articles {
        let articles: &[&str] = match lang {
            Lang::Fr => &ARTICLES_FR,
            Lang::En => &ARTICLES_EN,
        };
        let lower = s.to_lowercase();
        if let Some(a) = articles.iter().find(|a| lower.starts_with(**a))
            && s.is_char_boundary(a.len())
            && !s[a.len()..].trim().is_empty()
        {
            s = s[a.len()..].trim_start().to_string();
        }
    }
    if tolerances.ignore_punctuation || tolerances.ignore_spaces {
        s = normalize(&s, tolerances);
    }
    s
}

/// The normalised form of `text` under `tolerances` (see the module documentation).
pub fn normalize(text: &str, tolerances: &Tolerances) -> String {
    let mut mapped = String::with_capacity(text.len());
    for c in text.nfd() {
        if tolerances.ignore_case {
            match c {
                'ß' | 'ẞ' => mapped.push_str("ss"),
                'ς' => mapped.push('σ'),
                _ => {
                    for l in c.to_lowercase() {
                        push_mapped(&mut mapped, l);
                    }
                }
            }
        } else {
            push_mapped(&mut mapped, c);
        }
    }
    // Lower-casing may produce new decomposable characters; decompose again before stripping.
    let accents_handled: String = if tolerances.ignore_accents {
        mapped.nfd().filter(|c| !is_combining_mark(*c)).collect()
    } else {
        mapped.nfc().collect()
    };
    let mut out = String::with_capacity(accents_handled.len());
    let mut pending_space = false;
    for c in accents_handled.chars() {
        if tolerances.ignore_punctuation && !c.is_alphanumeric() && c != ' ' {
            continue;
        }
        if c == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space && !tolerances.ignore_spaces {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Pushes `c` after the always-applied mappings (ligatures, typographic marks, spaces).
fn push_mapped(out: &mut String, c: char) {
    match c {
        'œ' => out.push_str("oe"),
        'Œ' => out.push_str("OE"),
        'æ' => out.push_str("ae"),
        'Æ' => out.push_str("AE"),
        '\u{2019}' | '\u{2018}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '\u{00B4}' | '`' => {
            out.push('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' | '\u{2033}' => {
            out.push('"')
        }
        '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
        '\u{2026}' => out.push_str("..."),
        // invisible characters pasted with text: soft hyphen, zero-width spaces and joiners
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
        c if c.is_whitespace() => out.push(' '),
        c if c.is_control() => {}
        c => out.push(c),
    }
}

/// The Levenshtein distance between `a` and `b` over Unicode scalar values: the least number of
/// insertions, deletions and substitutions turning one into the other (Levenshtein 1966).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() {
        return b.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The characters accepted as thousands separators: U+0020, U+00A0 and U+202F.
fn is_group_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}')
}

/// Reads a number as an agent types it: an optional sign (`+`, `-` or `−`), digits grouped by
/// thousands with single spaces (U+0020, U+00A0, U+202F) or not grouped at all, and an optional
/// decimal part after a comma or a single dot. `None` for anything else (empty, letters, two
/// decimal marks, a misplaced group, an exponent): the prompt then asks again.
pub fn parse_number(input: &str) -> Option<f64> {
    let s = input.trim_matches(|c: char| c.is_whitespace());
    let (negative, body) = match s.chars().next()? {
        '-' | '\u{2212}' => (true, &s[s.chars().next()?.len_utf8()..]),
        '+' => (false, &s[1..]),
        _ => (false, s),
    };
    let marks = body.chars().filter(|c| *c == ',' || *c == '.').count();
    if marks > 1 {
        return None;
    }
    let (int_part, frac_part) = match body.find([',', '.']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let groups: Vec<&str> = int_part.split(is_group_separator).collect();
    let all_digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    if !groups.iter().all(|g| all_digits(g)) {
        return None;
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return None;
    }
    let mut ascii: String = if negative { "-".into() } else { String::new() };
    ascii.extend(groups.iter().flat_map(|g| g.chars()));
    if let Some(frac) = frac_part {
        if !all_digits(frac) {
            return None;
        }
        ascii.push('.');
        ascii.push_str(frac);
    }
    ascii.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Tolerances {
        Tolerances::default()
    }

    #[test]
    fn folds_case_accents_ligatures_and_typography() {
        let t = default();
        assert_eq!(normalize("  Œuvre   Élève ", &t), "oeuvre eleve");
        assert_eq!(normalize("L’équipe", &t), "l'equipe");
        assert_eq!(normalize("«\u{a0}oui\u{202f}»", &t), "\" oui \"");
        assert_eq!(normalize("e\u{301}te\u{301}", &t), "ete");
        assert_eq!(normalize("Straße", &t), "strasse");
        assert_eq!(normalize("mi—temps – x", &t), "mi-temps - x");
        assert_eq!(normalize("mot\u{200b}de\u{ad}passe", &t), "motdepasse");
    }

    #[test]
    fn keeps_what_is_not_ignored() {
        let strict = Tolerances {
            ignore_case: false,
            ignore_accents: false,
            ..default()
        };
        assert_eq!(normalize("É", &strict), "É");
        // decomposed and precomposed accents compare equal even when accents count
        assert_eq!(normalize("E\u{301}", &strict), "É");
        let punct = Tolerances {
            ignore_punctuation: true,
            ..default()
        };
        assert_eq!(normalize("l'outil, ici !", &punct), "loutil ici");
        let spaces = Tolerances {
            ignore_spaces: true,
            ..default()
        };
        assert_eq!(normalize(" a b\tc ", &spaces), "abc");
    }

    #[test]
    fn canonical_answers_drop_one_article_and_a_final_stop() {
        let t = default();
        let fr = |s: &str| canonical_answer(s, &t, Lang::Fr);
        let en = |s: &str| canonical_answer(s, &t, Lang::En);
        for (typed, want) in [
            ("le DNS", "dns"),
            ("La CNIL.", "cnil"),
            ("L’adresse IP", "adresse ip"),
            ("l' adresse", "adresse"),
            ("les cookies .", "cookies"),
            ("un pare-feu", "pare-feu"),
            ("Une clé", "cle"),
            ("des sauvegardes", "sauvegardes"),
            ("du texte", "texte"),
            ("la", "la"),
            ("le le", "le"),
            ("legifrance", "legifrance"),
            ("lettre", "lettre"),
            ("site:x.fr.", "site:x.fr"),
            ("etc...", "etc..."),
            ("...", "..."),
            ("the DNS", "the dns"),
        ] {
            assert_eq!(fr(typed), want, "{typed}");
        }
        assert_eq!(en("The DNS server."), "dns server");
        assert_eq!(en("an URL"), "url");
        assert_eq!(en("a"), "a");
        assert_eq!(en("le DNS"), "le dns");
        let strict = Tolerances {
            ignore_articles: false,
            ignore_final_stop: false,
            ..t
        };
        assert_eq!(canonical_answer("le DNS.", &strict, Lang::Fr), "le dns.");
        let punct = Tolerances {
            ignore_punctuation: true,
            ignore_spaces: true,
            ..t
        };
        assert_eq!(canonical_answer("L'adresse I.P.", &punct, Lang::Fr), "adresseip");
    }

    #[test]
    fn levenshtein_hand_values() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("été", "ete"), 2);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1500"), Some(1500.0));
        assert_eq!(parse_number("1 500"), Some(1500.0));
        assert_eq!(parse_number("1\u{a0}500,5"), Some(1500.5));
        assert_eq!(parse_number("1\u{202f}234\u{202f}567"), Some(1_234_567.0));
        assert_eq!(parse_number("2.5"), Some(2.5));
        assert_eq!(parse_number("-3,25"), Some(-3.25));
        assert_eq!(parse_number("−4"), Some(-4.0));
        assert_eq!(parse_number("+7"), Some(7.0));
        assert_eq!(parse_number(" 12 "), Some(12.0));
        for bad in [
            "",
            " ",
            "abc",
            "1.500.000",
            "1,5.2",
            "15 00",
            "1  500",
            "1e3",
            "1,",
            ",5",
            "--1",
            "1 5000",
            "12a",
            "٣",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }
}
