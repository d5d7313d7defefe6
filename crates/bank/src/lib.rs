//! The Jauge item bank: its format, loader, validator and answer checking.
//!
//! Authors write the questions by hand in TOML under `item-bank/` (`docs/item-bank.md`). This
//! crate reads them into a [`Bank`] — the framework (competences, tubes, open levels: data, never
//! code), the [`Item`]s with their IRT parameters (provisional, overridden or calibrated) and a
//! content hash as version — and reports every problem at once as [`Diagnostic`]s with file,
//! line, column, the item and how to fix it. It judges answers ([`check`]) and builds the
//! question as shown ([`ShownQuestion`], which has no solution field). It knows nothing of
//! sessions, stores or terminals.
//!
//! ```
//! use jauge_bank::{load_files, check, Answer, Lang};
//!
//! let framework = r#"
//! name = "CRCN"
//! [[domain]]
//! code = "1"
//! fr = "Informations et données"
//! en = "Information and data"
//! [[competence]]
//! code = "1.1"
//! domain = "1"
//! fr = "Mener une recherche"
//! en = "Searching"
//! max_level = 2
//! [[competence.tube]]
//! id = "operateurs"
//! fr = "Opérateurs"
//! en = "Operators"
//! "#;
//! let items = r#"
//! tube = "operateurs"
//! [[item]]
//! id = "op-1"
//! level = 1
//! type = "text"
//! status = "live"
//! [item.fr]
//! question = "Quel opérateur exclut un mot\u202F?"
//! explanation = "Le signe moins."
//! [item.en]
//! question = "Which operator excludes a word?"
//! explanation = "The minus sign."
//! [[item.blank]]
//! id = "b1"
//! accept = ["-"]
//! accept_fr = ["moins"]
//! accept_en = ["minus"]
//! "#;
//! let loaded = load_files(vec![
//!     ("framework.toml".into(), framework.as_bytes().to_vec()),
//!     ("1.1/operateurs.toml".into(), items.as_bytes().to_vec()),
//! ]);
//! assert_eq!(loaded.errors(), 0);
//! let item = loaded.bank.item("op-1").unwrap();
//! let verdict = check(item, Lang::Fr, &Answer::Texts(vec!["  MOINS ".into()])).unwrap();
//! assert_eq!(verdict.score, 1);
//! ```
#![deny(missing_docs)]

mod answer;
pub mod bounds;
mod diagnostic;
mod load;
mod model;
pub mod normalize;
pub mod panel;
mod shown;
pub mod similarity;
mod stats;
pub mod structure;
mod tomlread;
mod tomlstr;
pub mod typography;

pub use answer::{Answer, BlankVerdict, NUMBER_FORMAT, Reason, Refusal, Verdict, check, judge_blank};
pub use diagnostic::{Diagnostic, Severity};
pub use load::{
    CALIBRATION_DIR, FRAMEWORK_FILE, LoadError, Loaded, MAX_FILE_BYTES, MIN_ACCEPT_EXAMPLES,
    MIN_LIVE_PER_CELL, MIN_REJECT_EXAMPLES, SourceFile, load_dir, load_files, read_bank_file,
};
pub use model::{
    Bank, Blank, Calibration, CalibrationEntry, ChoiceOption, Competence, Domain, Examples, Export,
    Framework, Item, ItemText, ItemType, Kind, Lang, Location, NumberAccept, NumberSpec, ParamSource,
    Parameters, StandardErrors, Status, Tolerances, Translated, Tube, provisional_params, skill_id,
};
pub use shown::{ShowError, ShownOption, ShownQuestion};
pub use stats::{Cell, MAX_MULTIPLE_RIGHT, MultipleShape, SkillStats, Stats};
