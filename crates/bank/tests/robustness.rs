//! No input makes the loader panic: cut files at every byte, random bytes, garbage calibration
//! files. And the documentation's complete example is a valid bank.

use jauge_bank::load_files;
use proptest::prelude::*;

const FRAMEWORK: &str = include_str!("../../../tests/bank-examples/framework.toml");
const EXAMPLE: &str = include_str!("../../../tests/bank-examples/1.1/operateurs.toml");

fn bank(items: Vec<u8>, calibration: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    vec![
        ("framework.toml".into(), FRAMEWORK.as_bytes().to_vec()),
        ("1.1/operateurs.toml".into(), items),
        ("calibration/2026-01-01.csv".into(), calibration),
    ]
}

#[test]
fn the_example_loads_without_errors() {
    let loaded = load_files(bank(EXAMPLE.as_bytes().to_vec(), b"id,a,b\n".to_vec()));
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(loaded.bank.items.len(), 6);
}

#[test]
fn the_documentation_shows_the_example_file() {
    let doc = include_str!("../../../docs/item-bank.md");
    let start = doc
        .find("## Complete example of every type")
        .expect("the section");
    let block = &doc[start..];
    let open = block.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let close = block[open..].find("```").expect("closed") + open;
    assert_eq!(&block[open..close], EXAMPLE);
}

#[test]
fn a_file_cut_almost_anywhere_never_panics() {
    let bytes = EXAMPLE.as_bytes();
    // Every byte of the first 1000 (the header and the first items), then every 5th.
    let cuts = (0..bytes.len()).filter(|c| *c < 1000 || c % 5 == 0);
    for cut in cuts {
        let loaded = load_files(bank(bytes[..cut].to_vec(), Vec::new()));
        // Every diagnostic points inside its file.
        for d in &loaded.diagnostics {
            if d.file == "1.1/operateurs.toml" {
                assert!(d.span.start <= d.span.end && d.span.end <= cut, "cut {cut}: {d}");
            }
        }
    }
}

#[test]
fn a_framework_cut_anywhere_never_panics() {
    let bytes = FRAMEWORK.as_bytes();
    for cut in 0..bytes.len() {
        let files = vec![
            ("framework.toml".into(), bytes[..cut].to_vec()),
            ("1.1/operateurs.toml".into(), EXAMPLE.as_bytes().to_vec()),
        ];
        let _ = load_files(files);
    }
}

#[test]
fn an_empty_bank_is_a_diagnostic() {
    let loaded = load_files(Vec::new());
    assert_eq!(loaded.errors(), 1);
    assert_eq!(loaded.diagnostics[0].code, "no-framework");
    assert!(loaded.bank.items.is_empty());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(items in proptest::collection::vec(any::<u8>(), 0..400),
                                calib in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = load_files(bank(items, calib));
    }

    #[test]
    fn mutated_examples_never_panic(pos in 0usize..4000, byte in any::<u8>(), len in 0usize..8) {
        let mut bytes = EXAMPLE.as_bytes().to_vec();
        let pos = pos % bytes.len();
        let end = (pos + len).min(bytes.len());
        bytes.splice(pos..end, std::iter::once(byte));
        let loaded = load_files(bank(bytes, b"id,a,b,c,d\noperateurs-guillemets-1,1,0,0.2,1\n".to_vec()));
        for d in &loaded.diagnostics {
            prop_assert!(d.span.start <= d.span.end);
        }
    }

    #[test]
    fn random_text_items_never_panic(text in "\\PC{0,300}") {
        let _ = load_files(bank(format!("tube = \"operateurs\"\n{text}").into_bytes(), Vec::new()));
    }
}
