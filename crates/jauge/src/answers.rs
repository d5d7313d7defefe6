//! Answers as stored: JSON text, written and read back.

use jauge_bank::Answer;

/// Reads back an answer written by [`answer_json`].
pub fn parse_answer(json: &str) -> Option<Answer> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    match v.get("kind")?.as_str()? {
        "options" => Some(Answer::Options(strings(v.get("value")?)?)),
        "texts" => Some(Answer::Texts(strings(v.get("value")?)?)),
        "number" => Some(Answer::Number(v.get("value")?.as_str()?.to_owned())),
        "dontknow" => Some(Answer::DontKnow),
        _ => None,
    }
}

/// An answer as stored: `{"kind": "options", "value": ["b"]}`, `{"kind": "texts", "value":
/// ["…"]}`, `{"kind": "number", "value": "2,5"}` or `{"kind": "dontknow"}`.
pub fn answer_json(answer: &Answer) -> String {
    serde_json::to_string(answer).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_reads_back_as_written() {
        for a in [
            Answer::Options(vec!["a".into(), "c".into()]),
            Answer::Texts(vec!["Tchap".into()]),
            Answer::Number("2,5".into()),
            Answer::DontKnow,
        ] {
            assert_eq!(parse_answer(&answer_json(&a)), Some(a.clone()), "{a:?}");
        }
        assert_eq!(parse_answer(r#"{"kind": "dontknow"}"#), Some(Answer::DontKnow));
        assert_eq!(parse_answer(r#"{"kind": "maybe"}"#), None);
    }
}
