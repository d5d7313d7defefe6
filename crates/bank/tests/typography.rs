//! `fix_file`, the typography fixer: it corrects the French strings of an item file and leaves
//! every other byte as it was, whatever the kind of string literal; a second run changes nothing.

use jauge_bank::typography::{FixError, fix_file, french_typography};

const FILE: &str = r#"# a comment : with " ; " and « guillemets » (left as is)
tube = "operateurs"

[[item]]
id = "op-1"   # trailing comment ?
level = 1
type = "text"
status = "live"

[item.fr]
question = """
Quel opérateur exclut un mot ? Tapez-le « tel quel » : `site:x.fr ?`
"""
explanation = 'Le signe moins , toujours !'

[item.en]
question = "Which operator excludes a word ? Type it \"as is\" : `site:x.fr ?`"
explanation = '''The minus sign , always !'''

[[item.blank]]
id = "b1"
accept = ["- ?", "moins :"]
accept_fr = ["« moins »"]

[[item]]
id = "op-2"
level = 1
type = "single"
status = "live"
solution = ["a"]

[item.fr]
question = "Quoi\u00a0?\tEt \"ça\"\u0020!"
explanation = """Une ligne \
    continuée : oui."""

[item.en]
question = "What ?"
explanation = "Yes ."

[[item.option]]
id = "a"
fr = 'Oui !'
en = "Yes !"

[[item.option]]
id = "b"
fr = "Non;"
en = "No ;"

[[item.option]]
id = "c"
fr = "Peut-être"
en = "Maybe"
"#;

#[test]
fn only_the_french_strings_change() {
    let fixed = fix_file(FILE).expect("fixed");
    assert_eq!(fixed.strings, 6);
    let n = '\u{202F}';
    // Every line outside the French strings is byte for byte the same.
    let before: Vec<&str> = FILE.lines().collect();
    let after: Vec<&str> = fixed.text.lines().collect();
    assert_eq!(before.len(), after.len());
    let french_lines = [12, 14, 33, 35, 43, 48];
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if !french_lines.contains(&(i + 1)) {
            assert_eq!(b, a, "line {} changed", i + 1);
        }
    }
    assert_eq!(
        after[11],
        format!("Quel opérateur exclut un mot{n}? Tapez-le «{n}tel quel{n}»{n}: `site:x.fr ?`")
    );
    assert_eq!(after[13], format!("explanation = 'Le signe moins, toujours{n}!'"));
    // An escaped no-break space is replaced by the character itself; `\u0020` likewise; a tab
    // before "Et" is not before a mark and stays.
    assert_eq!(after[32], format!("question = \"Quoi{n}?\\tEt \\\"ça\\\"{n}!\""));
    // The line continuation is kept.
    assert_eq!(after[33], "explanation = \"\"\"Une ligne \\");
    assert_eq!(after[34], format!("    continuée{n}: oui.\"\"\""));
    assert_eq!(after[42], format!("fr = 'Oui{n}!'"));
    assert_eq!(after[47], format!("fr = \"Non{n};\""));
    // Twice: nothing more to do.
    let again = fix_file(&fixed.text).expect("fixed again");
    assert_eq!((again.fixes, again.text.as_str()), (0, fixed.text.as_str()));
}

#[test]
fn the_fixed_file_passes_the_validator_check() {
    let fixed = fix_file(FILE).expect("fixed");
    for line in fixed.text.lines().filter(|l| l.starts_with("fr = ")) {
        assert!(french_typography(line).is_empty(), "{line}");
    }
}

#[test]
fn a_file_that_does_not_parse_is_left_alone() {
    assert!(matches!(
        fix_file("tube = \"x\"\n[[item]\n"),
        Err(FixError::Syntax(_))
    ));
    let clean = "tube = \"x\"\n";
    assert_eq!(fix_file(clean).expect("nothing to do").text, clean);
}
