//! `jauge bank check ITEM --answer JSON`: the verdict of the answer checker on one answer, for
//! item writers (CONTRACTS.md).

use std::io::{self, Write};
use std::path::Path;

use anyhow::{anyhow, bail};
use jauge_bank::{Answer, Lang, check};
use serde_json::{Value, json};

use super::{load, print_json};

/// Reads an answer as CONTRACTS.md writes it: `{"kind": "options", "value": ["b"]}`,
/// `{"kind": "texts", "value": ["…"]}`, `{"kind": "number", "value": "2,5"}` or
/// `{"kind": "dontknow"}`. `Ok(None)` is "I don't know".
pub fn parse_answer(text: &str) -> anyhow::Result<Option<Answer>> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        anyhow!("--answer is not JSON ({e}); write e.g. '{{\"kind\": \"texts\", \"value\": [\"DNS\"]}}'")
    })?;
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("--answer needs a \"kind\": options, texts, number or dontknow"))?;
    let strings = |what: &str| -> anyhow::Result<Vec<String>> {
        match v.get("value") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| anyhow!("every value of a \"{what}\" answer is a string"))
                })
                .collect(),
            _ => bail!("a \"{what}\" answer has \"value\": a list of strings"),
        }
    };
    Ok(Some(match kind {
        "options" => Answer::Options(strings("options")?),
        "texts" => Answer::Texts(strings("texts")?),
        "number" => match v.get("value") {
            Some(Value::String(s)) => Answer::Number(s.clone()),
            Some(Value::Number(n)) => Answer::Number(n.to_string()),
            _ => bail!("a \"number\" answer has \"value\": the number as typed, e.g. \"2,5\""),
        },
        "dontknow" => return Ok(None),
        other => bail!("unknown answer kind `{other}`: options, texts, number or dontknow"),
    }))
}

/// Runs `jauge bank check`.
/// `lang` is the language of the answer (its accepted answers, articles and unit): `--lang`.
pub fn run(item_id: &str, answer: &str, lang: Lang, dir: &Path, as_json: bool) -> anyhow::Result<u8> {
    let answer = parse_answer(answer)?;
    let loaded = load(dir)?;
    let Some(item) = loaded.bank.item(item_id) else {
        let close = loaded
            .bank
            .items
            .iter()
            .map(|i| (jauge_bank::normalize::levenshtein(&i.id, item_id), i.id.as_str()))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, _)| *d <= 3)
            .map(|(_, id)| format!(" (did you mean `{id}`?)"))
            .unwrap_or_default();
        bail!("the bank {} has no item `{item_id}`{close}", dir.display());
    };
    if loaded.errors() > 0 {
        eprintln!(
            "note: the bank has {} error(s) (jauge bank validate {})",
            loaded.errors(),
            dir.display()
        );
    }
    let Some(answer) = answer else {
        // "I don't know": an answer to any question, scored 0 (SCORING.md).
        if as_json {
            print_json(&json!({"item": item.id, "score": 0, "credit": 0.0, "status": "dontknow"}))?;
        } else {
            writeln!(
                io::stdout().lock(),
                "{} ({lang}): I don't know — score 0",
                item.id
            )?;
        }
        return Ok(0);
    };
    let verdict = check(item, lang, &answer).map_err(|refusal| {
        anyhow!(
            "this answer is not scored, the prompt would ask again: {refusal} (item {}, type {})",
            item.id,
            item.item_type()
        )
    })?;
    if as_json {
        print_json(&json!({
            "item": item.id,
            "score": verdict.score,
            "credit": verdict.credit,
            "status": "answered",
            "reason": verdict.reason,
            "message": verdict.reason.message(lang),
            "blanks": verdict.blanks,
        }))?;
    } else {
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "{} ({lang}): score {}, credit {} — {}",
            item.id,
            verdict.score,
            verdict.credit,
            verdict.reason.message(lang)
        )?;
        for (n, b) in verdict.blanks.iter().enumerate() {
            writeln!(
                out,
                "  answer {}: {} — {}",
                n + 1,
                b.blank
                    .as_deref()
                    .map_or("no blank".to_string(), |id| format!("blank {id}")),
                b.reason.message(lang)
            )?;
        }
    }
    Ok(0)
}
