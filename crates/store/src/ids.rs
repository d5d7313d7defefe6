//! The identifier rules of `CONTRACTS.md`, and the canonical form of an agent id.
//!
//! An agent id is what the ministry uses (often a professional e-mail): any non-empty UTF-8 text
//! without control characters, at most 256 bytes. So that one person is one agent however the id
//! was typed, it is stored and looked up in Unicode Normalization Form C (a composed `é` and an
//! `e` followed by a combining accent are the same id), and ids that would look the same as
//! another while being different are refused: leading or trailing spaces (`alice` and `alice `),
//! bidirectional controls (which reorder what is displayed) and invisible characters (zero-width
//! spaces and joiners, the byte-order mark, soft hyphens…).

use unicode_normalization::UnicodeNormalization;

use crate::StoreError;

/// The longest agent id, in bytes (UTF-8, after normalisation).
pub const MAX_AGENT_ID_BYTES: usize = 256;

/// Checks an organisation, campaign or item code: `[A-Za-z0-9_.-]+`.
pub fn validate_code(what: &'static str, value: &str) -> Result<(), StoreError> {
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err(StoreError::InvalidId {
            what,
            value: shorten(value),
            reason: "use only letters, digits, `_`, `.` and `-`".into(),
        });
    }
    Ok(())
}

/// Bidirectional formatting characters: they change the order in which text is displayed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that display as nothing (Unicode's default-ignorable code points, bidirectional
/// controls apart): zero-width space and joiners, word joiner, byte-order mark, soft hyphen,
/// variation selectors, fillers and tags.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2065}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The canonical form of an agent id (NFC), or why it is refused: empty, longer than
/// [`MAX_AGENT_ID_BYTES`], a control character, a bidirectional control, an invisible character,
/// a space at either end.
pub fn normalize_agent_id(value: &str) -> Result<String, StoreError> {
    let refuse = |reason: String| StoreError::InvalidId {
        what: "agent id",
        value: shorten(value),
        reason,
    };
    if value.trim().is_empty() {
        return Err(refuse("it is empty".into()));
    }
    if value.len() > 4 * MAX_AGENT_ID_BYTES {
        return Err(refuse(format!("it is longer than {MAX_AGENT_ID_BYTES} bytes")));
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err(refuse(
            "it begins or ends with a space; remove it (`alice` and `alice ` would be two people)".into(),
        ));
    }
    for c in value.chars() {
        let what = if c.is_control() {
            "a control character"
        } else if is_bidi_control(c) {
            "a bidirectional control character, which changes how the id is displayed"
        } else if is_invisible(c) {
            "an invisible character"
        } else {
            continue;
        };
        return Err(refuse(format!(
            "it contains {what} (U+{:04X}); remove it",
            c as u32
        )));
    }
    let nfc: String = value.nfc().collect();
    if nfc.len() > MAX_AGENT_ID_BYTES {
        return Err(refuse(format!("it is longer than {MAX_AGENT_ID_BYTES} bytes")));
    }
    Ok(nfc)
}

/// Checks an agent id (see [`normalize_agent_id`]).
pub fn validate_agent_id(value: &str) -> Result<(), StoreError> {
    normalize_agent_id(value).map(|_| ())
}

/// The id an older database stored, repaired when that is unambiguous: spaces at either end,
/// invisible characters and bidirectional controls removed, NFC. `None` when nothing valid is
/// left.
pub(crate) fn repair_agent_id(stored: &str) -> Option<String> {
    let cleaned: String = stored
        .chars()
        .filter(|&c| !is_invisible(c) && !is_bidi_control(c))
        .collect();
    normalize_agent_id(cleaned.trim()).ok()
}

/// An id as messages show it: at most 60 characters, controls and invisible characters made
/// visible.
fn shorten(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(60) {
        if c.is_control() || is_bidi_control(c) || is_invisible(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(validate_code("campaign", "dgfip-2026_v1.2").is_ok());
        assert!(validate_code("campaign", "").is_err());
        assert!(validate_code("campaign", "é").is_err());
        assert!(validate_code("campaign", "a b").is_err());
        assert!(validate_agent_id("camille.martin@interieur.gouv.fr").is_ok());
        assert!(validate_agent_id("Zoé Ünal").is_ok());
        assert!(validate_agent_id("").is_err());
        assert!(validate_agent_id("  ").is_err());
        assert!(validate_agent_id("a\nb").is_err());
        assert!(validate_agent_id(&"x".repeat(257)).is_err());
        assert!(validate_agent_id(&"x".repeat(256)).is_ok());
    }

    #[test]
    fn one_person_one_id() {
        // composed and decomposed é
        assert_eq!(
            normalize_agent_id("Z\u{6F}\u{E9}").unwrap(),
            normalize_agent_id("Zoe\u{301}").unwrap()
        );
        assert_eq!(normalize_agent_id("Zoe\u{301}").unwrap(), "Zo\u{E9}");
        for bad in [
            "alice ",
            " alice",
            "alice\u{A0}",
            "\u{202E}ecila",
            "ali\u{200B}ce",
            "\u{FEFF}alice",
            "al\u{AD}ice",
            "alice\u{2066}",
        ] {
            let e = normalize_agent_id(bad).unwrap_err().to_string();
            assert!(e.contains("agent id"), "{bad:?}: {e}");
            assert!(!e.contains('\u{202E}') && !e.contains('\u{200B}'), "{e}");
        }
        assert_eq!(repair_agent_id(" ali\u{200B}ce\u{202C} ").unwrap(), "alice");
        assert_eq!(repair_agent_id("\u{200B}"), None);
        // the byte limit applies to the normalised form
        assert!(normalize_agent_id(&"é".repeat(128)).is_ok());
        assert!(normalize_agent_id(&"e\u{301}".repeat(128)).is_ok());
        assert!(normalize_agent_id(&"é".repeat(129)).is_err());
    }
}
