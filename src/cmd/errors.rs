//! The libraries' typed errors in the user's language: the libraries write English; the binary
//! maps the errors a trainer or an agent meets to catalogue messages here, at its boundary, and
//! shows the rest as the library wrote them.

use jauge::bank::{ItemType, Refusal};
use jauge::store::StoreError;

use crate::m;

/// An answer refused by the checker, in the user's language.
pub fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::NotANumber { input, .. } => m!("refusal.not_a_number", input = input),
        Refusal::WrongShape { item_type, .. } => match item_type {
            ItemType::Single => m!("refusal.shape_single"),
            ItemType::Multiple => m!("refusal.shape_multiple"),
            ItemType::Number => m!("refusal.shape_number"),
            ItemType::Text => m!("refusal.shape_text"),
            ItemType::Blanks | ItemType::BlanksAnyOrder => m!("refusal.shape_blanks"),
        },
        Refusal::UnknownOption { id } => m!("refusal.unknown_option", id = id),
    }
}

fn store(e: &StoreError) -> Option<String> {
    Some(match e {
        StoreError::Missing(p) => m!("store.missing", path = p.display()),
        StoreError::NotFound { what, id } => match *what {
            "agent" => m!("error.unknown_agent", id = id),
            "organisation" | "organization" => m!("error.unknown_organisation", id = id),
            "campaign" => m!("error.unknown_campaign", id = id, list = list_campaigns()),
            _ => return None,
        },
        StoreError::AlreadyExists { what, id } => match *what {
            "organisation" | "organization" => m!("store.organisation_exists", id = id),
            "campaign" => m!("store.campaign_exists", id = id),
            _ => return None,
        },
        StoreError::InvalidId { what, value, reason } => {
            m!("store.invalid_id", what = what, value = value, reason = reason)
        }
        StoreError::Busy { waited } => m!("store.busy", s = waited.as_secs()),
        StoreError::NoSpace { .. } => m!("store.no_space"),
        StoreError::SessionInProgress { session } => m!("error.unfinished", session = session),
        _ => return None,
    })
}

fn list_campaigns() -> String {
    format!("{} campaign list", super::program())
}

/// The message of an error in the user's language, when the catalogue has it.
pub fn translate(e: &anyhow::Error) -> Option<String> {
    if let Some(e) = e.downcast_ref::<jauge::Error>() {
        return Some(match e {
            jauge::Error::Store(s) => return store(s),
            jauge::Error::UnknownAgent(id) => m!("error.unknown_agent", id = id),
            jauge::Error::UnknownCampaign(id) => {
                m!("error.unknown_campaign", id = id, list = list_campaigns())
            }
            jauge::Error::CampaignNotOpen { name, why } => {
                m!("error.campaign_not_open", name = name, why = why)
            }
            jauge::Error::Plan(why) => m!("error.plan", why = why),
            jauge::Error::NothingToResume(id) => m!("error.nothing_to_resume", id = id),
            jauge::Error::Unfinished { session } => m!("error.unfinished", session = session),
            jauge::Error::Refused(r) => refusal(r),
            jauge::Error::BankChanged { session, .. } => m!("error.bank_changed", session = session),
            _ => return None,
        });
    }
    if let Some(s) = e.downcast_ref::<StoreError>() {
        return store(s);
    }
    if let Some(r) = e.downcast_ref::<Refusal>() {
        return Some(refusal(r));
    }
    None
}
