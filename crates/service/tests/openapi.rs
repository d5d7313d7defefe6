//! The OpenAPI description is generated from the handlers; `docs/openapi.json` is its committed
//! copy, and this test fails when the two drift apart. Regenerate the copy with
//! `JAUGE_UPDATE_OPENAPI=1 cargo test -p jauge-service --test openapi` (or
//! `jauge serve --print-openapi > docs/openapi.json`).

use std::path::PathBuf;

#[test]
fn the_committed_description_is_the_generated_one() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = jauge_service::openapi_json();
    if std::env::var_os("JAUGE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is not the description generated from the code: regenerate it with \
         `JAUGE_UPDATE_OPENAPI=1 cargo test -p jauge-service --test openapi` and review the diff"
    );
}

#[test]
fn the_description_is_openapi_3_1_and_complete() {
    let doc = serde_json::to_value(jauge_service::openapi()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/sessions",
        "/api/v1/sessions/{session}/question",
        "/api/v1/sessions/{session}/answers",
        "/api/v1/sessions/{session}/finish",
        "/api/v1/agents/{agent}/profile",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "{p} is described");
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path} has responses");
            assert!(
                op["description"].is_string() || op["summary"].is_string(),
                "{method} {path} is documented"
            );
            for (status, r) in responses {
                // /healthz answers 503 with its health document, for probes
                if (status.starts_with('4') || status.starts_with('5')) && path != "/healthz" {
                    let ct = r["content"]
                        .as_object()
                        .map(|c| c.keys().cloned().collect::<Vec<_>>());
                    assert_eq!(
                        ct,
                        Some(vec!["application/problem+json".to_owned()]),
                        "{method} {path} {status} is a problem document"
                    );
                }
            }
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["Question", "Problem", "SubmitAnswer", "AnswerBody", "Profile"] {
        assert!(schemas.contains_key(s), "schema {s}");
    }
    let question = serde_json::to_string(&schemas["Question"]).unwrap();
    for leak in ["solution", "accepted", "explanation"] {
        assert!(
            !question.contains(&format!("\"{leak}\"")),
            "a question has no `{leak}`"
        );
    }
}
