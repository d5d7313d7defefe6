//! The question as shown to the agent. [`ShownQuestion`] has no solution field: nothing that
//! reaches the person taking the test can reveal the answer.

use serde::Serialize;
use thiserror::Error;

use crate::model::{Item, ItemType, Kind, Lang};

/// An option as shown: its stable id and its text in the agent's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownOption {
    /// The option's id (what the answer records).
    pub id: String,
    /// Its text (Markdown).
    pub text: String,
}

/// A question as shown: texts resolved to one language, options in display order. It carries
/// neither the solution, nor the accepted answers, nor the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownQuestion {
    /// The item's id.
    pub item: String,
    /// The item's type (how to prompt).
    pub item_type: ItemType,
    /// The language of the texts.
    pub lang: Lang,
    /// The question (Markdown), blanks written `{{id}}`.
    pub question: String,
    /// The options in the order shown (choice types; empty otherwise).
    pub options: Vec<ShownOption>,
    /// The ids of the blanks, in answer order (typed types; empty otherwise).
    pub blanks: Vec<String>,
    /// The unit shown after a number's input, if any.
    pub unit: Option<String>,
    /// The time limit in seconds, if timed (before any accessibility factor).
    pub time_limit: Option<u32>,
    /// Whether the agent must stay on the page.
    pub focus: bool,
}

/// Why a question cannot be shown in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShowError {
    /// The order is not a permutation of the item's option ids.
    #[error("the option order {order:?} is not a permutation of the options {options:?}")]
    BadOrder {
        /// The order asked.
        order: Vec<String>,
        /// The item's option ids.
        options: Vec<String>,
    },
    /// The item does not allow its options to be shuffled and the order differs from the file's.
    #[error("item {0} does not allow its options to be shuffled")]
    NotShuffled(String),
}

impl ShownQuestion {
    /// The question of `item` in `lang`, options in `order` (option ids; `None` = file order).
    /// The order must be a permutation of the item's option ids, and the file's order when the
    /// item has `shuffle = false`.
    pub fn new(item: &Item, lang: Lang, order: Option<&[String]>) -> Result<Self, ShowError> {
        let options = item.kind.options();
        let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
        let order: Vec<String> = match order {
            None => ids.clone(),
            Some(o) => {
                let mut sorted_given = o.to_vec();
                sorted_given.sort();
                let mut sorted_ids = ids.clone();
                sorted_ids.sort();
                if sorted_given != sorted_ids {
                    return Err(ShowError::BadOrder {
                        order: o.to_vec(),
                        options: ids,
                    });
                }
                if !item.shuffle && o != ids.as_slice() {
                    return Err(ShowError::NotShuffled(item.id.clone()));
                }
                o.to_vec()
            }
        };
        let shown_options = order
            .iter()
            .filter_map(|id| options.iter().find(|o| &o.id == id))
            .map(|o| ShownOption {
                id: o.id.clone(),
                text: o.text.get(lang).clone(),
            })
            .collect();
        let unit = match &item.kind {
            Kind::Number { number } => Some(number.unit.get(lang).clone()).filter(|u| !u.is_empty()),
            _ => None,
        };
        Ok(ShownQuestion {
            item: item.id.clone(),
            item_type: item.item_type(),
            lang,
            question: item.text.get(lang).question.clone(),
            options: shown_options,
            blanks: item.kind.blanks().iter().map(|b| b.id.clone()).collect(),
            unit,
            time_limit: item.time_limit,
            focus: item.focus,
        })
    }
}
