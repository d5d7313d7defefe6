//! The near-identical question measure (`similar-text`) against an independent computation:
//! `tests/reference/similarity_reference.py` (plain Python and NumPy, from the definition in
//! docs/item-bank.md) read the French questions of the bundled bank as of the second edition's
//! start (`tests/data/similarity/questions.csv`, 602 items not archived) and printed every pair at
//! least 0.40 similar into `tests/reference/similarity_reference.out`.

use std::collections::BTreeMap;

use jauge_bank::similarity::{SIMILAR_TEXT_THRESHOLD, similar_pairs};

const QUESTIONS: &str = include_str!("../../../tests/data/similarity/questions.csv");
const REFERENCE: &str = include_str!("../../../tests/reference/similarity_reference.out");

/// The snapshot's (id, question) rows.
fn questions() -> Vec<(String, String)> {
    csv::Reader::from_reader(QUESTIONS.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("a CSV row");
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

/// The reference's pairs: (first id, second id) → similarity.
fn reference() -> BTreeMap<(String, String), f64> {
    REFERENCE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].to_string(), f[1].to_string()),
                f[2].parse().expect("a number"),
            )
        })
        .collect()
}

/// The pairs the bank's code finds at least `threshold` similar, by id.
fn computed(threshold: f64) -> BTreeMap<(String, String), f64> {
    let rows = questions();
    let texts: Vec<&str> = rows.iter().map(|(_, q)| q.as_str()).collect();
    similar_pairs(&texts, threshold)
        .into_iter()
        .map(|(i, j, s)| ((rows[i].0.clone(), rows[j].0.clone()), s))
        .collect()
}

#[test]
fn similarities_match_the_numpy_reference() {
    let rows = questions();
    assert_eq!(rows.len(), 602);
    let want = reference();
    let got = computed(0.40);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the same pairs at 0.40"
    );
    for (pair, s) in &want {
        assert!(
            (got[pair] - s).abs() < 1e-9,
            "{pair:?}: {} against {s}",
            got[pair]
        );
    }
}

#[test]
fn the_threshold_reports_the_calibration_pairs() {
    // The pairs the threshold was calibrated on (crates/bank/src/similarity.rs): the same fact or
    // scenario in two items; the next pair down (0.45) only shares a word.
    let reported: Vec<(&str, &str)> = vec![
        ("mobilite-verrouiller", "raccourcis-verrouiller"),
        ("sources-faux-site", "demarches-faux-site"),
        ("images-metadonnees", "traces-metadonnees-photo"),
        ("reseaux-sociaux-photo-collegue", "droit-image-photo-collegues"),
        (
            "donnees-ouvertes-licence-ouverte",
            "licences-licence-ouverte-commercial",
        ),
        ("agenda-fuseau-reunion", "agenda-fuseaux-incompatibles"),
        ("inclusion-rgaa", "sobriete-ecoconception-site"),
        ("formats-echange-odt", "systeme-extension-odt"),
        ("visio-reunion-hybride", "peripheriques-salle-hybride"),
        ("formules-recherchev", "formules-na-espaces"),
    ];
    let got = computed(SIMILAR_TEXT_THRESHOLD);
    let mut got: Vec<(&str, &str)> = got.keys().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut want = reported;
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
}
