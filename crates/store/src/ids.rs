//! The identifier rules of `CONTRACTS.md`.

use crate::StoreError;

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
            reason: "use only letters, digits, `_`, `.` and `-`",
        });
    }
    Ok(())
}

/// Checks an agent id: non-empty UTF-8 without control characters, at most 256 bytes.
pub fn validate_agent_id(value: &str) -> Result<(), StoreError> {
    let reason = if value.trim().is_empty() {
        "it is empty"
    } else if value.len() > 256 {
        "it is longer than 256 bytes"
    } else if value.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidId {
        what: "agent id",
        value: shorten(value),
        reason,
    })
}

fn shorten(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '�' } else { c })
        .take(60)
        .collect();
    clean
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
}
