//! The pages' texts in French and English. The questions are in the session's language; the
//! pages' own texts follow the agent's choice (a cookie), the session's language by default.

use std::collections::BTreeMap;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiLang {
    /// French.
    Fr,
    /// English.
    En,
}

impl UiLang {
    /// `fr` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// From `fr`/`en`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language.
    pub fn other(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }

    /// The bank's language.
    pub fn bank(self) -> jauge::Lang {
        match self {
            Self::Fr => jauge::Lang::Fr,
            Self::En => jauge::Lang::En,
        }
    }
}

const TEXTS: &[(&str, &str, &str)] = &[
    ("lang_name", "Français", "English"),
    ("switch_to", "English", "Français"),
    (
        "switch_label",
        "Read this page in English",
        "Lire cette page en français",
    ),
    ("skip", "Aller au contenu", "Skip to content"),
    (
        "app",
        "Jauge — évaluation des compétences numériques",
        "Jauge — digital skills assessment",
    ),
    ("welcome_title", "Bienvenue", "Welcome"),
    (
        "welcome_what",
        "Cette évaluation mesure vos compétences numériques, selon le référentiel des compétences numériques des agents publics. Chaque question s'adapte à vos réponses précédentes : elle n'est ni trop facile ni trop difficile pour vous.",
        "This assessment measures your digital skills, following the digital competence framework for public servants. Each question adapts to your previous answers: it is neither too easy nor too hard for you.",
    ),
    (
        "welcome_saved",
        "Chaque réponse est enregistrée dès que vous la validez. Vous pouvez fermer cette page et reprendre plus tard avec le même lien : vous retrouverez la question où vous vous êtes arrêté.",
        "Each answer is saved as soon as you submit it. You may close this page and come back later with the same link: you will find the question where you stopped.",
    ),
    (
        "welcome_dontknow",
        "Si vous ne connaissez pas la réponse, choisissez « Je ne sais pas » : c'est une réponse normale, qui vaut mieux qu'une réponse au hasard.",
        "If you do not know the answer, choose “I don't know”: it is a normal answer, better than a guess.",
    ),
    (
        "welcome_timed",
        "Certaines questions sont chronométrées : le temps accordé est indiqué sur la question, sans compte à rebours. Si vous bénéficiez d'un aménagement, il est déjà pris en compte.",
        "Some questions are timed: the time allowed is shown on the question, without a countdown. If you have an adjustment, it is already taken into account.",
    ),
    ("welcome_length", "Durée estimée", "Estimated length"),
    (
        "welcome_resume",
        "Vous avez déjà répondu à des questions : vous reprenez où vous vous étiez arrêté.",
        "You have already answered some questions: you continue where you stopped.",
    ),
    ("start", "Commencer", "Start"),
    ("continue", "Continuer", "Continue"),
    (
        "question_of",
        "Question {n} sur environ {total}",
        "Question {n} of about {total}",
    ),
    ("competence", "Compétence", "Competence"),
    ("choose_one", "Choisissez une réponse", "Choose one answer"),
    (
        "choose_many",
        "Cochez toutes les réponses justes",
        "Tick every right answer",
    ),
    ("your_answer", "Votre réponse", "Your answer"),
    (
        "your_number",
        "Votre réponse (un nombre)",
        "Your answer (a number)",
    ),
    (
        "number_hint",
        "Tapez des chiffres, avec une virgule ou un point pour les décimales (par exemple 1 500 ou 2,5).",
        "Type digits, with a comma or a dot for decimals (for example 1 500 or 2.5).",
    ),
    ("unit", "Unité", "Unit"),
    ("blank", "Réponse pour le blanc", "Answer for blank"),
    (
        "blanks_hint",
        "Le texte de la question contient des blancs numérotés [1], [2]… : remplissez chacun ci-dessous.",
        "The question's text has numbered blanks [1], [2]…: fill in each one below.",
    ),
    ("submit", "Valider ma réponse", "Submit my answer"),
    ("dontknow", "Je ne sais pas", "I don't know"),
    (
        "timed",
        "Question chronométrée : vous disposez de {time} pour répondre, à compter de son premier affichage. Une réponse donnée après ce délai compte comme fausse.",
        "Timed question: you have {time} to answer, from when it was first shown. An answer given after that counts as wrong.",
    ),
    ("error_title", "Erreur", "Error"),
    (
        "error_summary",
        "Votre réponse n'a pas été enregistrée",
        "Your answer was not saved",
    ),
    (
        "err_empty_one",
        "Choisissez une réponse, ou « Je ne sais pas ».",
        "Choose an answer, or “I don't know”.",
    ),
    (
        "err_empty_many",
        "Cochez au moins une réponse, ou choisissez « Je ne sais pas ».",
        "Tick at least one answer, or choose “I don't know”.",
    ),
    (
        "err_empty_text",
        "Écrivez votre réponse, ou choisissez « Je ne sais pas ».",
        "Type your answer, or choose “I don't know”.",
    ),
    (
        "err_empty_blank",
        "Remplissez le blanc [{n}], ou choisissez « Je ne sais pas ».",
        "Fill in blank [{n}], or choose “I don't know”.",
    ),
    (
        "err_empty_number",
        "Écrivez un nombre, ou choisissez « Je ne sais pas ».",
        "Type a number, or choose “I don't know”.",
    ),
    (
        "err_number",
        "« {input} » n'est pas un nombre : tapez des chiffres, avec une virgule ou un point pour les décimales (par exemple 2,5).",
        "“{input}” is not a number: type digits, with a comma or a dot for decimals (for example 2.5).",
    ),
    (
        "err_invalid",
        "Cette réponse n'a pas pu être lue : vérifiez-la et validez à nouveau.",
        "This answer could not be read: check it and submit again.",
    ),
    (
        "err_moved",
        "Cette question a déjà reçu une réponse (dans un autre onglet ?). Voici la question en cours.",
        "This question was already answered (in another tab?). Here is the current question.",
    ),
    (
        "err_csrf",
        "Le formulaire a expiré ou ne vient pas de cette page. Rien n'a été enregistré : rechargez la question et répondez à nouveau.",
        "The form expired or did not come from this page. Nothing was saved: reload the question and answer again.",
    ),
    (
        "back_to_question",
        "Revenir à la question",
        "Back to the question",
    ),
    ("not_found_title", "Lien inconnu", "Unknown link"),
    (
        "not_found",
        "Ce lien n'ouvre aucune session. Vérifiez l'adresse, ou demandez un nouveau lien à votre organisation.",
        "This link opens no session. Check the address, or ask your organisation for a new link.",
    ),
    ("over_title", "Session close", "Session closed"),
    (
        "over",
        "Cette session a été abandonnée : le lien ne l'ouvre plus. Demandez un nouveau lien à votre organisation.",
        "This session was abandoned: the link no longer opens it. Ask your organisation for a new link.",
    ),
    ("failure_title", "Service indisponible", "Service unavailable"),
    (
        "failure",
        "Le service n'a pas pu traiter votre demande. Rien n'est perdu de ce qui était enregistré : réessayez dans un instant.",
        "The service could not handle your request. Nothing already saved is lost: try again in a moment.",
    ),
    ("profile_title", "Votre profil", "Your profile"),
    (
        "profile_intro",
        "L'évaluation est terminée. Voici vos résultats, compétence par compétence.",
        "The assessment is over. Here are your results, competence by competence.",
    ),
    ("total", "Total", "Total"),
    ("level", "Niveau", "Level"),
    ("pix", "Pix", "Pix"),
    ("interval", "Intervalle", "Interval"),
    ("level_of", "niveau {level} sur {max}", "level {level} of {max}"),
    (
        "interval_words",
        "très probablement entre {low} et {high} pix (9 chances sur 10)",
        "most likely between {low} and {high} pix (9 chances in 10)",
    ),
    ("not_assessed", "non évaluée", "not assessed"),
    ("chart_title", "Pix par compétence", "Pix per competence"),
    (
        "chart_desc",
        "Diagramme en barres : pour chaque compétence évaluée, les pix obtenus sur 64, et l'intervalle probable. Les mêmes données figurent dans le tableau qui suit.",
        "Bar chart: for each competence assessed, the pix obtained out of 64, and the likely interval. The same data is in the table that follows.",
    ),
    (
        "table_caption",
        "Résultats par compétence",
        "Results per competence",
    ),
    ("missed_title", "Questions manquées", "Questions missed"),
    (
        "missed_none",
        "Vous n'avez manqué aucune question.",
        "You missed no question.",
    ),
    (
        "print_missed",
        "Questions manquées : {n}. Leurs explications sont sur la page en ligne de ce profil.",
        "Questions missed: {n}. Their explanations are on this profile's page online.",
    ),
    (
        "missed_intro",
        "Les questions auxquelles vous n'avez pas bien répondu, avec leur explication.",
        "The questions you did not answer right, with their explanation.",
    ),
    ("explanation", "Explication", "Explanation"),
    ("question", "Question", "Question"),
    (
        "print",
        "Pour garder ce profil, imprimez cette page ou enregistrez-la en PDF depuis votre navigateur.",
        "To keep this profile, print this page or save it as PDF from your browser.",
    ),
    (
        "no_score",
        "Aucune compétence n'a reçu de score dans cette session.",
        "No competence received a score in this session.",
    ),
    ("demo_title", "Démonstration", "Demonstration"),
    (
        "demo_note",
        "Mode démonstration : ce service a été lancé avec « jauge serve --demo ». N'importe qui peut ici commencer une session en tapant un identifiant d'agent. Ce mode est désactivé par défaut ; ne l'utilisez pas pour de vraies évaluations.",
        "Demo mode: this service was started with “jauge serve --demo”. Anyone can start a session here by typing an agent id. This mode is off by default; do not use it for real assessments.",
    ),
    ("demo_agent", "Identifiant de l'agent", "Agent id"),
    ("demo_competences", "Compétences évaluées", "Competences assessed"),
    (
        "demo_all",
        "Toutes les compétences (une session longue)",
        "Every competence (a long session)",
    ),
    ("demo_qlang", "Langue des questions", "Language of the questions"),
    (
        "demo_agent_hint",
        "Par exemple une adresse électronique professionnelle. Une session en cours pour cet identifiant reprend là où elle s'était arrêtée.",
        "For instance a professional e-mail address. A session in progress for this id continues where it stopped.",
    ),
    (
        "err_agent",
        "Saisissez un identifiant d'agent : du texte sans caractère de contrôle, 256 octets au plus.",
        "Type an agent id: text without control characters, at most 256 bytes.",
    ),
    (
        "err_demo",
        "La session n'a pas pu commencer : {reason}",
        "The session could not start: {reason}",
    ),
    ("demo_start", "Commencer une session", "Start a session"),
    (
        "minutes",
        "environ {n} minutes ({q} questions au plus)",
        "about {n} minutes (at most {q} questions)",
    ),
];

/// The texts of `lang`, by key.
pub fn texts(lang: UiLang) -> BTreeMap<&'static str, &'static str> {
    TEXTS
        .iter()
        .map(|(k, fr, en)| (*k, if lang == UiLang::Fr { *fr } else { *en }))
        .collect()
}

/// One text of `lang`.
pub fn text(lang: UiLang, key: &str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, fr, en)| if lang == UiLang::Fr { fr } else { en })
}

/// A duration in words (`1 min 30 s`).
pub fn duration(seconds: f64) -> String {
    let s = seconds.round().max(0.0) as u64;
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text() {
        for (k, fr, en) in TEXTS {
            assert!(!fr.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(duration(90.0), "1 min 30 s");
        assert_eq!(duration(45.0), "45 s");
    }
}
