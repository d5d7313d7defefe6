//! The bank's model: the framework (domains, competences, tubes), the items and their parameters.
//!
//! Competences, tubes and levels are data read from `framework.toml`; nothing here lists them.

use std::collections::BTreeMap;
use std::fmt;

use jauge_irt::ItemParams;
use serde::Serialize;
use serde::ser::SerializeStruct;

/// A language the bank's texts are written in. Every text exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French (`fr`), the reference language.
    Fr,
    /// English (`en`).
    En,
}

impl Lang {
    /// Both languages, French first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The language's code as written in the files (`fr`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language of a code (`fr`, `en`), if known.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A value given in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Translated<T> {
    /// The French value.
    pub fr: T,
    /// The English value.
    pub en: T,
}

impl<T> Translated<T> {
    /// The value in `lang`.
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    /// The value in `lang`, mutably.
    pub fn get_mut(&mut self, lang: Lang) -> &mut T {
        match lang {
            Lang::Fr => &mut self.fr,
            Lang::En => &mut self.en,
        }
    }
}

/// The competency framework: domains, competences, their tubes and highest open levels.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Framework {
    /// The framework's name (e.g. `CRCN`).
    pub name: String,
    /// Its domains, in file order.
    pub domains: Vec<Domain>,
    /// Its competences, in file order.
    pub competences: Vec<Competence>,
}

impl Framework {
    /// The competence of code `code`.
    pub fn competence(&self, code: &str) -> Option<&Competence> {
        self.competences.iter().find(|c| c.code == code)
    }

    /// The competence a tube belongs to, with the tube.
    pub fn tube(&self, id: &str) -> Option<(&Competence, &Tube)> {
        self.competences
            .iter()
            .find_map(|c| c.tubes.iter().find(|t| t.id == id).map(|t| (c, t)))
    }
}

/// A domain of the framework (e.g. `1`, Information and data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// Its code.
    pub code: String,
    /// Its title in both languages.
    pub title: Translated<String>,
}

/// A competence: one latent ability θ, measured on levels 1 up to `max_level`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Competence {
    /// Its code (e.g. `1.1`).
    pub code: String,
    /// The code of its domain.
    pub domain: String,
    /// Its title in both languages.
    pub title: Translated<String>,
    /// The highest level currently open (1–8).
    pub max_level: u8,
    /// Its tubes, in file order.
    pub tubes: Vec<Tube>,
}

/// A tube: one topic of a competence, whose skills are its levels (`@<tube><level>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tube {
    /// Its id, unique across the bank (`[a-z0-9-]+`).
    pub id: String,
    /// Its title in both languages.
    pub title: Translated<String>,
}

/// The skill a tube and a level make, written `@<tube><level>` (e.g. `@operateurs3`).
pub fn skill_id(tube: &str, level: u8) -> String {
    format!("@{tube}{level}")
}

/// An item's life-cycle status. Only `live` items are used for measurement and scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written; never shown.
    Draft,
    /// Shown for calibration data; not scored.
    Pretest,
    /// In use: selected, scored and counted in the pix scale.
    Live,
    /// Retired; kept for history.
    Archived,
}

impl Status {
    /// The status's name as written in the files.
    pub fn name(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pretest => "pretest",
            Status::Live => "live",
            Status::Archived => "archived",
        }
    }

    /// Every status, in life-cycle order.
    pub const ALL: [Status; 4] = [Status::Draft, Status::Pretest, Status::Live, Status::Archived];
}

/// The name of an item type, as `CONTRACTS.md` fixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// One right option among 3–6.
    Single,
    /// The exact set of right options among 3–8.
    Multiple,
    /// One typed answer.
    Text,
    /// Several typed answers, each checked against its own blank.
    Blanks,
    /// Several typed answers matched to the expected ones in any order, each used once.
    BlanksAnyOrder,
    /// A number, within a tolerance or a range.
    Number,
}

impl ItemType {
    /// Every type, in the contract's order.
    pub const ALL: [ItemType; 6] = [
        ItemType::Single,
        ItemType::Multiple,
        ItemType::Text,
        ItemType::Blanks,
        ItemType::BlanksAnyOrder,
        ItemType::Number,
    ];

    /// The type's name as written in the files (`single`, …, `blanks_any_order`, `number`).
    pub fn name(self) -> &'static str {
        match self {
            ItemType::Single => "single",
            ItemType::Multiple => "multiple",
            ItemType::Text => "text",
            ItemType::Blanks => "blanks",
            ItemType::BlanksAnyOrder => "blanks_any_order",
            ItemType::Number => "number",
        }
    }

    /// The type of a name, if known.
    pub fn from_name(name: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether the type's answer is a choice of option ids.
    pub fn is_choice(self) -> bool {
        matches!(self, ItemType::Single | ItemType::Multiple)
    }

    /// Whether the type's answer is typed into blanks.
    pub fn has_blanks(self) -> bool {
        matches!(self, ItemType::Text | ItemType::Blanks | ItemType::BlanksAnyOrder)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An option of a choice item, with its stable id (answers name ids, never screen positions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    /// The option's id, unique within the item.
    pub id: String,
    /// Its text in both languages (Markdown).
    pub text: Translated<String>,
}

/// The tolerances applied to a typed answer before it is compared (see [`crate::normalize`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tolerances {
    /// Case folding (default true).
    pub ignore_case: bool,
    /// Accents removed by canonical decomposition (default true).
    pub ignore_accents: bool,
    /// Every character that is neither a letter, a digit nor a space removed (default false).
    pub ignore_punctuation: bool,
    /// Every space removed (default false).
    pub ignore_spaces: bool,
    /// The Levenshtein distance allowed after normalisation (default 0).
    pub max_edits: u32,
    /// A leading article (fr: le, la, les, l', un, une, des, du; en: the, a, an) ignored
    /// (default true).
    pub ignore_articles: bool,
    /// A final full stop ignored (default true).
    pub ignore_final_stop: bool,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            ignore_case: true,
            ignore_accents: true,
            ignore_punctuation: false,
            ignore_spaces: false,
            max_edits: 0,
            ignore_articles: true,
            ignore_final_stop: true,
        }
    }
}

/// A blank the agent types an answer into.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Blank {
    /// The blank's id, referenced as `{{id}}` in the question text.
    pub id: String,
    /// Answers accepted in both languages.
    pub accept: Vec<String>,
    /// Answers accepted only in French.
    pub accept_fr: Vec<String>,
    /// Answers accepted only in English.
    pub accept_en: Vec<String>,
    /// Known wrong answers (for feedback, and checked against the tolerances by the validator).
    pub reject: Vec<String>,
    /// How answers are normalised before comparison.
    #[serde(flatten)]
    pub tolerances: Tolerances,
}

impl Blank {
    /// Every answer accepted in `lang`: `accept` then `accept_<lang>`.
    pub fn accepted(&self, lang: Lang) -> impl Iterator<Item = &String> {
        let own = match lang {
            Lang::Fr => &self.accept_fr,
            Lang::En => &self.accept_en,
        };
        self.accept.iter().chain(own.iter())
    }
}

/// How a `number` item's answer is judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberSpec {
    /// The right value (required with a tolerance, optional with a range).
    pub value: Option<f64>,
    /// What is accepted.
    pub accept: NumberAccept,
    /// Known wrong values (checked by the validator to lie outside what is accepted).
    pub reject: Vec<f64>,
    /// The unit shown after the input, per language (empty when none).
    pub unit: Translated<String>,
}

/// The values a `number` item accepts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum NumberAccept {
    /// |x − value| ≤ tolerance.
    Tolerance {
        /// The right value.
        value: f64,
        /// The absolute tolerance (≥ 0).
        tolerance: f64,
    },
    /// min ≤ x ≤ max.
    Range {
        /// Inclusive lower bound.
        min: f64,
        /// Inclusive upper bound.
        max: f64,
    },
}

impl NumberSpec {
    /// Whether `x` is accepted. A relative slack of 1e−9 absorbs decimal rounding (0.1 + 0.2).
    pub fn accepts(&self, x: f64) -> bool {
        let slack = |v: f64| 1e-9 * v.abs().max(1.0);
        match self.accept {
            NumberAccept::Tolerance { value, tolerance } => (x - value).abs() <= tolerance + slack(value),
            NumberAccept::Range { min, max } => x >= min - slack(min) && x <= max + slack(max),
        }
    }
}

/// What an item asks for, with its solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One right option.
    Single {
        /// The options, in file order.
        options: Vec<ChoiceOption>,
        /// The id of the right option.
        solution: String,
    },
    /// The exact set of right options.
    Multiple {
        /// The options, in file order.
        options: Vec<ChoiceOption>,
        /// The ids of the right options.
        solution: Vec<String>,
        /// Whether a credit max(0, (right ticked − wrong ticked) / number right) is recorded.
        partial_credit: bool,
    },
    /// One typed answer.
    Text {
        /// The blank.
        blank: Blank,
    },
    /// Several typed answers, each checked against its own blank.
    Blanks {
        /// The blanks, in file order.
        blanks: Vec<Blank>,
    },
    /// Several typed answers in any order, each expected blank used once.
    BlanksAnyOrder {
        /// The blanks, in file order.
        blanks: Vec<Blank>,
    },
    /// A number.
    Number {
        /// The value and what is accepted around it.
        number: NumberSpec,
    },
}

impl Kind {
    /// The item type's name.
    pub fn item_type(&self) -> ItemType {
        match self {
            Kind::Single { .. } => ItemType::Single,
            Kind::Multiple { .. } => ItemType::Multiple,
            Kind::Text { .. } => ItemType::Text,
            Kind::Blanks { .. } => ItemType::Blanks,
            Kind::BlanksAnyOrder { .. } => ItemType::BlanksAnyOrder,
            Kind::Number { .. } => ItemType::Number,
        }
    }

    /// The options of a choice item (empty for the others).
    pub fn options(&self) -> &[ChoiceOption] {
        match self {
            Kind::Single { options, .. } | Kind::Multiple { options, .. } => options,
            _ => &[],
        }
    }

    /// The blanks of a typed item (empty for the others).
    pub fn blanks(&self) -> &[Blank] {
        match self {
            Kind::Text { blank } => std::slice::from_ref(blank),
            Kind::Blanks { blanks } | Kind::BlanksAnyOrder { blanks } => blanks,
            _ => &[],
        }
    }
}

/// Where an item's parameters come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum ParamSource {
    /// Derived from the level by the rule of `SCORING.md`.
    Provisional,
    /// Set by hand in the item's `[item.irt]` table.
    Overridden {
        /// Why the author overrode the provisional parameters.
        reason: String,
    },
    /// Estimated by a calibration, overlaid from `calibration/<version>.csv`.
    Calibrated {
        /// The calibration's version (its file's stem, e.g. `2026-12-01`).
        version: String,
        /// The standard errors of a, b, c, d, when the file gives them.
        se: StandardErrors,
    },
}

/// Standard errors of the four parameters, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StandardErrors {
    /// SE of a.
    pub a: Option<f64>,
    /// SE of b.
    pub b: Option<f64>,
    /// SE of c.
    pub c: Option<f64>,
    /// SE of d.
    pub d: Option<f64>,
}

/// An item's IRT parameters in force and where they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    /// The 4PL parameters (validated).
    pub params: ItemParams,
    /// Their origin.
    pub source: ParamSource,
}

impl Serialize for Parameters {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Parameters", 8)?;
        st.serialize_field("a", &self.params.a())?;
        st.serialize_field("b", &self.params.b())?;
        st.serialize_field("c", &self.params.c())?;
        st.serialize_field("d", &self.params.d())?;
        match &self.source {
            ParamSource::Provisional => st.serialize_field("source", "provisional")?,
            ParamSource::Overridden { reason } => {
                st.serialize_field("source", "overridden")?;
                st.serialize_field("reason", reason)?;
            }
            ParamSource::Calibrated { version, se } => {
                st.serialize_field("source", "calibrated")?;
                st.serialize_field("calibration", version)?;
                st.serialize_field("se", se)?;
            }
        }
        st.end()
    }
}

/// The provisional parameters of `SCORING.md` for an item of `level` and `kind`: a = 1,
/// b = 0.8 × (level − 3.5), d = 1, c = 1/k for a `single` item with k options, c = 0 otherwise.
pub fn provisional_params(level: u8, kind: &Kind) -> ItemParams {
    let b = jauge_irt::scoring::provisional_difficulty(level);
    let c = match kind {
        Kind::Single { options, .. } if options.len() >= 2 => 1.0 / options.len() as f64,
        _ => 0.0,
    };
    // a = 1, a finite b, 0 ≤ c ≤ 1/2 < d = 1: always a valid item.
    ItemParams::new(1.0, b, c, 1.0)
        .or_else(|_| ItemParams::rasch(b))
        .expect("a = 1, c < 1, d = 1 and a finite b make a valid item")
}

/// The texts of an item in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemText {
    /// The question (Markdown); blanks appear as `{{id}}`.
    pub question: String,
    /// The explanation shown after the assessment (Markdown).
    pub explanation: String,
}

/// The example answers of a typed item (`[item.examples]`): answers that must be accepted and
/// answers that must be rejected, per language; each answer holds one text per blank (one text
/// for `text` and `number`). `jauge bank validate` checks each against the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Examples {
    /// Answers that must score 1, per language (`accept` and `accept_<lang>`).
    pub accept: Translated<Vec<Vec<String>>>,
    /// Answers that must score 0, per language (`reject` and `reject_<lang>`).
    pub reject: Translated<Vec<Vec<String>>>,
}

impl Examples {
    /// Whether the item has no example at all.
    pub fn is_empty(&self) -> bool {
        Lang::ALL
            .iter()
            .all(|l| self.accept.get(*l).is_empty() && self.reject.get(*l).is_empty())
    }
}

/// Where something was written: a file of the bank and a 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The file, relative to the bank directory, with `/` separators.
    pub file: String,
    /// The line (1-based).
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One question of the bank, testing one skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The stable id (`[A-Za-z0-9_.-]+`), unique across the bank.
    pub id: String,
    /// The tube it belongs to.
    pub tube: String,
    /// The competence of the tube.
    pub competence: String,
    /// Its level (1–8).
    pub level: u8,
    /// Its skill, `@<tube><level>`.
    pub skill: String,
    /// Its type, options or blanks, and solution.
    #[serde(flatten)]
    pub kind: Kind,
    /// Its texts in both languages.
    pub text: Translated<ItemText>,
    /// Whether the options may be shown in random order (choice types).
    pub shuffle: bool,
    /// The time limit in seconds, if timed.
    pub time_limit: Option<u32>,
    /// Whether the agent must stay on the page.
    pub focus: bool,
    /// The accessibility adjustments the item is not usable with (e.g. `no-screen-reader`).
    pub accessibility: Vec<String>,
    /// Its life-cycle status.
    pub status: Status,
    /// Another item testing the same skill the same way.
    pub variant_of: Option<String>,
    /// The set of items that give each other away (same scenario, same fact): a session shows
    /// at most one item of a set (`[a-z0-9-]+`; left out of the JSON export when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// Example answers that must be accepted or rejected (typed items).
    #[serde(skip_serializing_if = "Examples::is_empty")]
    pub examples: Examples,
    /// Its IRT parameters in force.
    pub parameters: Parameters,
    /// Where it is written.
    pub location: Location,
}

impl Item {
    /// The item's type.
    pub fn item_type(&self) -> ItemType {
        self.kind.item_type()
    }

    /// Whether the item is live (selected and scored).
    pub fn is_live(&self) -> bool {
        self.status == Status::Live
    }

    /// The 4PL parameters in force.
    pub fn params(&self) -> &ItemParams {
        &self.parameters.params
    }
}

/// Calibrated parameters of one item, as read from a calibration file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationEntry {
    /// The item's id.
    pub id: String,
    /// The estimated parameters.
    #[serde(skip)]
    pub params: ItemParams,
    /// Their standard errors.
    pub se: StandardErrors,
}

/// One calibration file, overlaid on the items in file-name (date) order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Its version: the file's stem (e.g. `2026-12-01`).
    pub version: String,
    /// The file, relative to the bank directory.
    pub file: String,
    /// The number of items it calibrates (valid rows).
    pub items: usize,
}

/// A loaded item bank.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bank {
    /// Its version: the SHA-256 of its content (every file, path and bytes), 64 hex digits.
    pub version: String,
    /// The framework.
    pub framework: Framework,
    /// The items, in file order (files sorted by path).
    pub items: Vec<Item>,
    /// The calibrations applied, in order.
    pub calibrations: Vec<Calibration>,
    /// The profile structure in force (`calibration/structure*.toml`), if the bank has one;
    /// without one the competences are scored independently.
    #[serde(skip)]
    pub structure: Option<crate::structure::ProfileStructure>,
    /// The exposure-control parameters (`calibration/exposure.toml`), if the bank has them.
    #[serde(skip)]
    pub exposure: Option<crate::structure::ExposureControl>,
}

/// The JSON export of a bank (`jauge bank export --format json`), described by
/// `docs/item-bank.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Export<'a> {
    /// Always `jauge-item-bank`.
    pub format: &'static str,
    /// The export format's version (1).
    pub format_version: u32,
    /// The bank.
    #[serde(flatten)]
    pub bank: &'a Bank,
}

impl Bank {
    /// The bank as its JSON export.
    pub fn export(&self) -> Export<'_> {
        Export {
            format: "jauge-item-bank",
            format_version: 1,
            bank: self,
        }
    }

    /// The item of id `id`.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The live items.
    pub fn live_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.is_live())
    }

    /// The live items grouped by skill, skills in (competence, level, tube) order.
    pub fn live_skills(&self) -> BTreeMap<(String, u8, String), Vec<&Item>> {
        let mut out: BTreeMap<(String, u8, String), Vec<&Item>> = BTreeMap::new();
        for item in self.live_items() {
            out.entry((item.competence.clone(), item.level, item.tube.clone()))
                .or_default()
                .push(item);
        }
        out
    }
}
