//! Answer checking: a table of answers, accepted and refused, each with the reason expected
//! (worked out by hand from the rules of docs/item-bank.md), then property tests.

use jauge_bank::normalize::normalize;
use jauge_bank::{Answer, Bank, Item, Lang, Reason, Refusal, ShownQuestion, Tolerances, check, load_files};
use proptest::prelude::*;

const FRAMEWORK: &str = r#"
name = "TEST"
[[domain]]
code = "1"
fr = "Informations"
en = "Information"
[[competence]]
code = "1.1"
domain = "1"
fr = "Rechercher"
en = "Searching"
max_level = 3
[[competence.tube]]
id = "t"
fr = "Tube"
en = "Tube"
"#;

/// One item of the test bank: id, type, extra lines (before the texts), tail (options, blanks,
/// number), question (both languages).
fn item(id: &str, ty: &str, head: &str, question: &str, tail: &str) -> String {
    format!(
        r#"
[[item]]
id = "{id}"
level = 1
type = "{ty}"
status = "live"
{head}
[item.fr]
question = "{question}"
explanation = "Parce que."
[item.en]
question = "{question} (en)"
explanation = "Because."
{tail}
"#
    )
}

fn options(ids: &[&str]) -> String {
    ids.iter()
        .map(|id| format!("[[item.option]]\nid = \"{id}\"\nfr = \"option {id}\"\nen = \"option {id}\"\n"))
        .collect()
}

/// The test bank, loaded once.
fn bank() -> &'static Bank {
    static BANK: std::sync::OnceLock<Bank> = std::sync::OnceLock::new();
    BANK.get_or_init(load_bank)
}

fn load_bank() -> Bank {
    let mut items = String::from("tube = \"t\"\n");
    items += &item(
        "s",
        "single",
        "solution = [\"b\"]",
        "Single\u{202F}?",
        &options(&["a", "b", "c", "d"]),
    );
    items += &item(
        "m",
        "multiple",
        "solution = [\"a\", \"c\", \"d\"]\npartial_credit = true",
        "Multiple\u{202F}?",
        &options(&["a", "b", "c", "d", "e"]),
    );
    items += &item(
        "m0",
        "multiple",
        "solution = [\"a\", \"b\"]",
        "Multiple sans crédit\u{202F}?",
        &options(&["a", "b", "c"]),
    );
    let blank = |id: &str, body: &str| format!("[[item.blank]]\nid = \"{id}\"\n{body}\n");
    items += &item(
        "t-default",
        "text",
        "",
        "Défaut\u{202F}?",
        &blank("b1", "accept = [\"Élève\", \"œuvre\"]\nreject = [\"professeur\"]"),
    );
    items += &item(
        "t-strict",
        "text",
        "",
        "Strict\u{202F}?",
        &blank(
            "b1",
            "accept = [\"Élève\"]\nignore_case = false\nignore_accents = false",
        ),
    );
    items += &item(
        "t-punct",
        "text",
        "",
        "Ponctuation\u{202F}?",
        &blank("b1", "accept = [\"l'outil\"]\nignore_punctuation = true"),
    );
    items += &item(
        "t-spaces",
        "text",
        "",
        "Espaces\u{202F}?",
        &blank("b1", "accept = [\"mot de passe\"]\nignore_spaces = true"),
    );
    items += &item(
        "t-edits",
        "text",
        "",
        "Fautes\u{202F}?",
        &blank(
            "b1",
            "accept = [\"confidentialité\"]\nreject = [\"intégrité\"]\nmax_edits = 2",
        ),
    );
    items += &item(
        "t-lang",
        "text",
        "",
        "Langue\u{202F}?",
        &blank(
            "b1",
            "accept = [\"-\"]\naccept_fr = [\"moins\"]\naccept_en = [\"minus\"]",
        ),
    );
    // Articles and a final full stop: ignored by default, kept where the blank opts out.
    items += &item(
        "t-art",
        "text",
        "",
        "Autorité\u{202F}?",
        &blank("b1", "accept = [\"CNIL\"]\naccept_en = [\"name server\"]"),
    );
    items += &item(
        "t-keep-art",
        "text",
        "",
        "Avec article\u{202F}?",
        &blank("b1", "accept = [\"le DNS\"]\nignore_articles = false"),
    );
    items += &item(
        "t-keep-stop",
        "text",
        "",
        "Avec point\u{202F}?",
        &blank("b1", "accept = [\"fin.\"]\nignore_final_stop = false"),
    );
    items += &item(
        "bl",
        "blanks",
        "",
        "Exclure {{b1}}, expression {{b2}}",
        &(blank("b1", "accept = [\"-\"]")
            + &blank("b2", "accept_fr = [\"guillemets\"]\naccept_en = [\"quotes\"]")),
    );
    items += &item(
        "bo",
        "blanks_any_order",
        "",
        "Trois niveaux\u{202F}: {{b1}}, {{b2}}, {{b3}}",
        &(blank(
            "b1",
            "accept_fr = [\"faible\"]\naccept_en = [\"low\"]\nreject = [\"moyen\"]",
        ) + &blank(
            "b2",
            "accept_fr = [\"substantiel\"]\naccept_en = [\"substantial\"]",
        ) + &blank("b3", "accept_fr = [\"élevé\"]\naccept_en = [\"high\"]")),
    );
    // A matching trap: a greedy pass gives "a" to b1 and then has nothing for "b".
    items += &item(
        "bo2",
        "blanks_any_order",
        "",
        "Deux\u{202F}: {{b1}} {{b2}}",
        &(blank("b1", "accept = [\"a\", \"b\"]") + &blank("b2", "accept = [\"a\"]")),
    );
    items += &item(
        "n",
        "number",
        "",
        "Taille\u{202F}?",
        "[item.number]\nvalue = 1500\nunit_fr = \"Mo\"\nunit_en = \"MB\"\n",
    );
    items += &item(
        "nr",
        "number",
        "",
        "Plage\u{202F}?",
        "[item.number]\nmin = 2.5\nmax = 3.5\n",
    );
    items += &item(
        "nt",
        "number",
        "",
        "Décimal\u{202F}?",
        "[item.number]\nvalue = 0.3\n",
    );
    items += &item(
        "nn",
        "number",
        "",
        "Négatif\u{202F}?",
        "[item.number]\nvalue = -4\ntolerance = 0.5\n",
    );
    let loaded = load_files(vec![
        ("framework.toml".into(), FRAMEWORK.as_bytes().to_vec()),
        ("1.1/t.toml".into(), items.into_bytes()),
    ]);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "the test bank has errors: {errors:#?}");
    loaded.bank
}

fn opts(ids: &[&str]) -> Answer {
    Answer::Options(ids.iter().map(|s| s.to_string()).collect())
}

fn texts(t: &[&str]) -> Answer {
    Answer::Texts(t.iter().map(|s| s.to_string()).collect())
}

fn num(s: &str) -> Answer {
    Answer::Number(s.into())
}

fn matched(s: &str) -> Reason {
    Reason::Matched { accepted: s.into() }
}

/// What a case expects: a verdict (score, credit, reason) or a refusal.
enum Want {
    Verdict(u8, f64, Reason),
    NotANumber,
    WrongShape,
    UnknownOption(&'static str),
}
use Want::*;

fn ok(reason: Reason) -> Want {
    Verdict(1, 1.0, reason)
}

fn no(reason: Reason) -> Want {
    Verdict(0, 0.0, reason)
}

#[test]
fn answer_table() {
    let bank = bank();
    let (fr, en) = (Lang::Fr, Lang::En);
    let wrong_set = |right, wrong, missed| Reason::WrongSet { right, wrong, missed };
    let typos = |accepted: &str, edits| Reason::MatchedWithTypos {
        accepted: accepted.into(),
        edits,
    };
    let some = |right, total| Reason::SomeBlanks { right, total };
    let cases: Vec<(&str, Lang, Answer, Want)> = vec![
        // single
        ("s", fr, opts(&["b"]), ok(Reason::RightOption)),
        (
            "s",
            fr,
            opts(&["a"]),
            no(Reason::WrongOption { chosen: "a".into() }),
        ),
        (
            "s",
            en,
            opts(&["d"]),
            no(Reason::WrongOption { chosen: "d".into() }),
        ),
        ("s", fr, opts(&["b", "b"]), ok(Reason::RightOption)),
        ("s", fr, opts(&["a", "b"]), WrongShape),
        ("s", fr, opts(&[]), WrongShape),
        ("s", fr, opts(&["z"]), UnknownOption("z")),
        ("s", fr, texts(&["b"]), WrongShape),
        // multiple with partial credit: credit = max(0, (right − wrong) / 3)
        ("m", fr, opts(&["a", "c", "d"]), ok(Reason::ExactSet)),
        ("m", fr, opts(&["d", "a", "c"]), ok(Reason::ExactSet)),
        (
            "m",
            fr,
            opts(&["a", "c"]),
            Verdict(0, 2.0 / 3.0, wrong_set(2, 0, 1)),
        ),
        ("m", fr, opts(&["a"]), Verdict(0, 1.0 / 3.0, wrong_set(1, 0, 2))),
        ("m", fr, opts(&["a", "b"]), Verdict(0, 0.0, wrong_set(1, 1, 2))),
        (
            "m",
            fr,
            opts(&["a", "c", "d", "e"]),
            Verdict(0, 2.0 / 3.0, wrong_set(3, 1, 0)),
        ),
        ("m", fr, opts(&["b", "e"]), Verdict(0, 0.0, wrong_set(0, 2, 3))),
        ("m", fr, opts(&[]), Verdict(0, 0.0, wrong_set(0, 0, 3))),
        ("m", fr, opts(&["a", "a", "c", "d"]), ok(Reason::ExactSet)),
        ("m", fr, opts(&["a", "x"]), UnknownOption("x")),
        // multiple without partial credit: credit = score
        ("m0", fr, opts(&["a", "b"]), ok(Reason::ExactSet)),
        ("m0", fr, opts(&["a"]), no(wrong_set(1, 0, 1))),
        ("m0", fr, opts(&["a", "b", "c"]), no(wrong_set(2, 1, 0))),
        // text, default tolerances (case and accents ignored)
        ("t-default", fr, texts(&["Élève"]), ok(matched("Élève"))),
        ("t-default", fr, texts(&["eleve"]), ok(matched("Élève"))),
        ("t-default", fr, texts(&["  ELEVE  "]), ok(matched("Élève"))),
        (
            "t-default",
            fr,
            texts(&["E\u{301}le\u{300}ve"]),
            ok(matched("Élève")),
        ),
        ("t-default", fr, texts(&["OEUVRE"]), ok(matched("œuvre"))),
        ("t-default", fr, texts(&["Œuvre"]), ok(matched("œuvre"))),
        ("t-default", fr, texts(&["élèves"]), no(Reason::NoMatch)),
        (
            "t-default",
            fr,
            texts(&["Professeur"]),
            no(Reason::KnownWrong {
                listed: "professeur".into(),
            }),
        ),
        ("t-default", fr, texts(&[""]), no(Reason::Empty)),
        ("t-default", fr, texts(&[" \u{a0} "]), no(Reason::Empty)),
        ("t-default", fr, texts(&["el eve"]), no(Reason::NoMatch)),
        ("t-default", fr, texts(&["a", "b"]), WrongShape),
        ("t-default", fr, opts(&["a"]), WrongShape),
        // text, case and accents significant
        ("t-strict", fr, texts(&["Élève"]), ok(matched("Élève"))),
        (
            "t-strict",
            fr,
            texts(&["E\u{301}le\u{300}ve"]),
            ok(matched("Élève")),
        ),
        ("t-strict", fr, texts(&["élève"]), no(Reason::NoMatch)),
        ("t-strict", fr, texts(&["Eleve"]), no(Reason::NoMatch)),
        // punctuation ignored; typographic apostrophe
        ("t-punct", fr, texts(&["l'outil"]), ok(matched("l'outil"))),
        ("t-punct", fr, texts(&["l’outil"]), ok(matched("l'outil"))),
        ("t-punct", fr, texts(&["loutil !"]), ok(matched("l'outil"))),
        ("t-punct", fr, texts(&["l outil"]), no(Reason::NoMatch)),
        // spaces ignored
        (
            "t-spaces",
            fr,
            texts(&["motdepasse"]),
            ok(matched("mot de passe")),
        ),
        (
            "t-spaces",
            fr,
            texts(&["mot\u{202f}de\u{a0}passe"]),
            ok(matched("mot de passe")),
        ),
        ("t-spaces", fr, texts(&["mot-de-passe"]), no(Reason::NoMatch)),
        // edit distance 2 after normalisation
        (
            "t-edits",
            fr,
            texts(&["confidentialite"]),
            ok(matched("confidentialité")),
        ),
        (
            "t-edits",
            fr,
            texts(&["confidentialiteé"]),
            ok(typos("confidentialité", 1)),
        ),
        (
            "t-edits",
            fr,
            texts(&["confidentalite"]),
            ok(typos("confidentialité", 1)),
        ),
        (
            "t-edits",
            fr,
            texts(&["confidantalite"]),
            ok(typos("confidentialité", 2)),
        ),
        ("t-edits", fr, texts(&["confidantalites"]), no(Reason::NoMatch)),
        (
            "t-edits",
            fr,
            texts(&["integrite"]),
            no(Reason::KnownWrong {
                listed: "intégrité".into(),
            }),
        ),
        // language-specific answers
        ("t-lang", fr, texts(&["moins"]), ok(matched("moins"))),
        ("t-lang", en, texts(&["minus"]), ok(matched("minus"))),
        ("t-lang", en, texts(&["moins"]), no(Reason::NoMatch)),
        ("t-lang", fr, texts(&["minus"]), no(Reason::NoMatch)),
        ("t-lang", en, texts(&["−"]), ok(matched("-"))),
        ("t-lang", fr, texts(&["–"]), ok(matched("-"))),
        // blanks: each checked against its own blank, order matters
        ("bl", fr, texts(&["-", "Guillemets"]), ok(Reason::AllBlanks)),
        ("bl", en, texts(&["-", "quotes"]), ok(Reason::AllBlanks)),
        ("bl", fr, texts(&["guillemets", "-"]), Verdict(0, 0.0, some(0, 2))),
        (
            "bl",
            fr,
            texts(&["-", "apostrophes"]),
            Verdict(0, 0.5, some(1, 2)),
        ),
        ("bl", fr, texts(&["-"]), WrongShape),
        // blanks in any order: each expected blank used once
        (
            "bo",
            fr,
            texts(&["faible", "substantiel", "élevé"]),
            ok(Reason::AllBlanks),
        ),
        (
            "bo",
            fr,
            texts(&["eleve", "FAIBLE", "substantiel"]),
            ok(Reason::AllBlanks),
        ),
        (
            "bo",
            en,
            texts(&["high", "low", "substantial"]),
            ok(Reason::AllBlanks),
        ),
        (
            "bo",
            fr,
            texts(&["faible", "faible", "élevé"]),
            Verdict(0, 2.0 / 3.0, some(2, 3)),
        ),
        (
            "bo",
            fr,
            texts(&["moyen", "faible", "élevé"]),
            Verdict(0, 2.0 / 3.0, some(2, 3)),
        ),
        ("bo", fr, texts(&["", "", ""]), Verdict(0, 0.0, some(0, 3))),
        ("bo2", fr, texts(&["a", "b"]), ok(Reason::AllBlanks)),
        ("bo2", fr, texts(&["b", "a"]), ok(Reason::AllBlanks)),
        ("bo2", fr, texts(&["b", "b"]), Verdict(0, 0.5, some(1, 2))),
        // numbers: comma or dot, grouped thousands, unit typed or not
        ("n", fr, num("1500"), ok(Reason::InTolerance { value: 1500.0 })),
        ("n", fr, num("1 500"), ok(Reason::InTolerance { value: 1500.0 })),
        (
            "n",
            fr,
            num("1\u{a0}500"),
            ok(Reason::InTolerance { value: 1500.0 }),
        ),
        (
            "n",
            fr,
            num("1\u{202f}500,0"),
            ok(Reason::InTolerance { value: 1500.0 }),
        ),
        ("n", fr, num("1500 Mo"), ok(Reason::InTolerance { value: 1500.0 })),
        ("n", en, num("1500MB"), ok(Reason::InTolerance { value: 1500.0 })),
        ("n", fr, num("1501"), no(Reason::OutOfTolerance { value: 1501.0 })),
        ("n", fr, num("1.500"), no(Reason::OutOfTolerance { value: 1.5 })),
        ("n", fr, num("1,500"), no(Reason::OutOfTolerance { value: 1.5 })),
        ("n", fr, num("mille cinq cents"), NotANumber),
        ("n", fr, num("1.500.000"), NotANumber),
        // a final full stop is not part of a number; `1.500.` stays refused
        ("n", fr, num("1500."), ok(Reason::InTolerance { value: 1500.0 })),
        (
            "n",
            fr,
            num("1 500 Mo."),
            ok(Reason::InTolerance { value: 1500.0 }),
        ),
        ("nr", fr, num("2,5."), ok(Reason::InTolerance { value: 2.5 })),
        ("n", fr, num("1.500."), NotANumber),
        // articles and a final full stop (the canonical form)
        ("t-art", fr, texts(&["la CNIL"]), ok(matched("CNIL"))),
        ("t-art", fr, texts(&["L’CNIL."]), ok(matched("CNIL"))),
        ("t-art", fr, texts(&["CNIL."]), ok(matched("CNIL"))),
        ("t-art", fr, texts(&["une CNIL"]), ok(matched("CNIL"))),
        ("t-art", fr, texts(&["la"]), no(Reason::NoMatch)),
        ("t-art", fr, texts(&["."]), no(Reason::Empty)),
        ("t-art", fr, texts(&["the CNIL"]), no(Reason::NoMatch)),
        (
            "t-art",
            en,
            texts(&["The name server."]),
            ok(matched("name server")),
        ),
        ("t-art", en, texts(&["a name server"]), ok(matched("name server"))),
        ("t-art", en, texts(&["la CNIL"]), no(Reason::NoMatch)),
        ("t-keep-art", fr, texts(&["DNS"]), no(Reason::NoMatch)),
        ("t-keep-art", fr, texts(&["Le DNS."]), ok(matched("le DNS"))),
        ("t-keep-stop", fr, texts(&["fin"]), no(Reason::NoMatch)),
        ("t-keep-stop", fr, texts(&["la fin."]), ok(matched("fin."))),
        ("n", fr, num("15 00"), NotANumber),
        ("n", fr, num(""), NotANumber),
        ("n", fr, num("1,5.0"), NotANumber),
        ("n", fr, texts(&["1500"]), WrongShape),
        ("nr", fr, num("2,5"), ok(Reason::InTolerance { value: 2.5 })),
        ("nr", fr, num("3.5"), ok(Reason::InTolerance { value: 3.5 })),
        ("nr", fr, num("3"), ok(Reason::InTolerance { value: 3.0 })),
        ("nr", fr, num("3,51"), no(Reason::OutOfTolerance { value: 3.51 })),
        ("nr", fr, num("2.49"), no(Reason::OutOfTolerance { value: 2.49 })),
        ("nt", fr, num("0,3"), ok(Reason::InTolerance { value: 0.3 })),
        ("nt", fr, num("0.30"), ok(Reason::InTolerance { value: 0.3 })),
        ("nt", fr, num("0,31"), no(Reason::OutOfTolerance { value: 0.31 })),
        ("nn", fr, num("-4"), ok(Reason::InTolerance { value: -4.0 })),
        ("nn", fr, num("−3,5"), ok(Reason::InTolerance { value: -3.5 })),
        ("nn", fr, num("4"), no(Reason::OutOfTolerance { value: 4.0 })),
        ("nn", fr, num("- 4"), NotANumber),
    ];
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for (n, (id, lang, answer, want)) in cases.into_iter().enumerate() {
        let item = bank.item(id).unwrap_or_else(|| panic!("item {id}"));
        let got = check(item, lang, &answer);
        let ctx = format!("case {n}: {id} {lang} {answer:?} → {got:?}");
        match (want, got) {
            (Verdict(score, credit, reason), Ok(v)) => {
                assert_eq!(v.score, score, "{ctx}");
                assert!((v.credit - credit).abs() < 1e-12, "{ctx}");
                assert_eq!(v.reason, reason, "{ctx}");
                assert_eq!(v.reason.is_accepted(), score == 1, "{ctx}");
            }
            (NotANumber, Err(Refusal::NotANumber { expected, .. })) => {
                assert!(expected.contains("decimal mark"), "{ctx}");
            }
            (WrongShape, Err(Refusal::WrongShape { .. })) => {}
            (UnknownOption(id), Err(Refusal::UnknownOption { id: got })) => {
                assert_eq!(got, id, "{ctx}")
            }
            _ => panic!("unexpected outcome, {ctx}"),
        }
    }
}

#[test]
fn blanks_any_order_says_which_blank_each_answer_filled() {
    let bank = bank();
    let item = bank.item("bo2").expect("bo2");
    let v = check(item, Lang::Fr, &texts(&["a", "b"])).expect("scored");
    let blanks: Vec<Option<&str>> = v.blanks.iter().map(|b| b.blank.as_deref()).collect();
    assert_eq!(blanks, vec![Some("b2"), Some("b1")]);
    let item = bank.item("bo").expect("bo");
    let v = check(item, Lang::Fr, &texts(&["moyen", "faible", ""])).expect("scored");
    assert_eq!(v.blanks[0].blank, None);
    assert_eq!(
        v.blanks[0].reason,
        Reason::KnownWrong {
            listed: "moyen".into()
        }
    );
    assert_eq!(v.blanks[2].reason, Reason::Empty);
}

#[test]
fn i_dont_know_is_an_answer_to_every_question_and_scores_zero() {
    let bank = bank();
    let mut types = std::collections::BTreeSet::new();
    for item in &bank.items {
        let v = check(item, Lang::Fr, &Answer::DontKnow).expect("judged, never refused");
        assert_eq!((v.score, v.credit), (0, 0.0), "{}", item.id);
        assert_eq!(v.reason, Reason::DontKnow);
        assert!(!v.reason.is_accepted());
        types.insert(format!("{:?}", item.item_type()));
    }
    assert!(types.len() >= 6, "every item type: {types:?}");
    assert_eq!(
        serde_json::to_string(&Answer::DontKnow).unwrap(),
        r#"{"kind":"dontknow"}"#
    );
    assert_eq!(Reason::DontKnow.message(Lang::Fr), "je ne sais pas");
}

#[test]
fn reasons_read_in_both_languages() {
    let r = Reason::SomeBlanks { right: 1, total: 2 };
    assert_eq!(r.message(Lang::En), "1 of 2 blanks right");
    assert_eq!(r.message(Lang::Fr), "1 réponse(s) juste(s) sur 2");
    assert_eq!(r.to_string(), r.message(Lang::En));
}

#[test]
fn the_shown_question_has_no_solution() {
    let bank = bank();
    let item = bank.item("s").expect("s");
    let order: Vec<String> = ["c", "a", "d", "b"].iter().map(|s| s.to_string()).collect();
    let shown = ShownQuestion::new(item, Lang::En, Some(&order)).expect("a permutation");
    let ids: Vec<&str> = shown.options.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["c", "a", "d", "b"]);
    assert_eq!(shown.question, "Single\u{202F}? (en)");
    assert_eq!(shown.options[0].text, "option c");
    // Serialised, it names neither the solution nor accepted answers nor the explanation.
    let json = serde_json::to_string(&shown).expect("json");
    for word in ["solution", "accept", "explanation", "reject", "Because"] {
        assert!(!json.contains(word), "{word} leaks into {json}");
    }
    let bad: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert!(ShownQuestion::new(item, Lang::En, Some(&bad)).is_err());
    // An item that may not be shuffled is shown in its file order only.
    let mut fixed = item.clone();
    fixed.shuffle = false;
    assert!(ShownQuestion::new(&fixed, Lang::En, Some(&order)).is_err());
    let file_order: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    assert!(ShownQuestion::new(&fixed, Lang::En, Some(&file_order)).is_ok());
    let n = ShownQuestion::new(bank.item("n").expect("n"), Lang::Fr, None).expect("number");
    assert_eq!(n.unit.as_deref(), Some("Mo"));
    let bl = ShownQuestion::new(bank.item("bl").expect("bl"), Lang::Fr, None).expect("blanks");
    assert_eq!(bl.blanks, ["b1", "b2"]);
    let json = serde_json::to_string(&bl).expect("json");
    assert!(!json.contains("guillemets"), "{json}");
}

fn tolerances() -> impl Strategy<Value = Tolerances> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(c, a, p, s, art, stop)| Tolerances {
            ignore_case: c,
            ignore_accents: a,
            ignore_punctuation: p,
            ignore_spaces: s,
            max_edits: 0,
            ignore_articles: art,
            ignore_final_stop: stop,
        })
}

/// Text with the characters normalisation cares about.
fn tricky_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 ,.'!?-]",
            Just("É".to_string()),
            Just("e\u{301}".to_string()),
            Just("œ".to_string()),
            Just("Æ".to_string()),
            Just("ß".to_string()),
            Just("İ".to_string()),
            Just("’".to_string()),
            Just("«\u{a0}".to_string()),
            Just("\u{202f}".to_string()),
            Just("—".to_string()),
            Just("…".to_string()),
            Just("\t".to_string()),
            Just("ǅ".to_string()),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

fn blanks_item(bank: &'static Bank, id: &str) -> Item {
    bank.item(id).expect("item").clone()
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(text in tricky_text(), tol in tolerances()) {
        let once = normalize(&text, &tol);
        prop_assert_eq!(normalize(&once, &tol), once);
    }

    #[test]
    fn an_accepted_answer_as_written_is_accepted(
        accepted in "[\\p{L}\\p{N}][\\p{L}\\p{N} '’.-]{0,15}",
        tol in tolerances(),
        edits in 0u32..3,
    ) {
        prop_assume!(!normalize(&accepted, &tol).is_empty());
        let mut item = blanks_item(bank(), "t-default");
        if let jauge_bank::Kind::Text { blank } = &mut item.kind {
            blank.accept = vec![accepted.clone()];
            blank.accept_fr.clear();
            blank.reject.clear();
            blank.tolerances = Tolerances { max_edits: edits, ..tol };
        }
        let v = check(&item, Lang::Fr, &Answer::Texts(vec![accepted.clone()])).expect("scored");
        prop_assert_eq!(v.score, 1);
        prop_assert_eq!(v.reason, Reason::Matched { accepted });
    }

    #[test]
    fn a_number_solution_as_written_is_accepted(x in -1.0e6f64..1.0e6) {
        let mut item = blanks_item(bank(), "n");
        let written = format!("{x}");
        if let jauge_bank::Kind::Number { number } = &mut item.kind {
            number.accept = jauge_bank::NumberAccept::Tolerance { value: x, tolerance: 0.0 };
        }
        let v = check(&item, Lang::En, &Answer::Number(written)).expect("a number");
        prop_assert_eq!(v.score, 1);
    }

    #[test]
    fn order_does_not_matter_for_blanks_any_order(perm in Just(vec![0usize, 1, 2]).prop_shuffle()) {
        let bank = bank();
        let item = bank.item("bo").expect("bo");
        let right = ["faible", "substantiel", "élevé"];
        let answer: Vec<&str> = perm.iter().map(|i| right[*i]).collect();
        let v = check(item, Lang::Fr, &texts(&answer)).expect("scored");
        prop_assert_eq!(v.score, 1);
        // and a partly right answer gets the same credit in any order
        let partly = ["faible", "moyen", "élevé"];
        let answer: Vec<&str> = perm.iter().map(|i| partly[*i]).collect();
        let v = check(item, Lang::Fr, &texts(&answer)).expect("scored");
        prop_assert!((v.credit - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn order_matters_for_blanks(swap in any::<bool>()) {
        let bank = bank();
        let item = bank.item("bl").expect("bl");
        let answer = if swap { ["guillemets", "-"] } else { ["-", "guillemets"] };
        let v = check(item, Lang::Fr, &texts(&answer)).expect("scored");
        prop_assert_eq!(v.score, u8::from(!swap));
    }

    #[test]
    fn number_parsing_never_panics(s in "\\PC{0,12}") {
        let _ = jauge_bank::normalize::parse_number(&s);
    }
}
