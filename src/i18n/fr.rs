//! Le catalogue français. Espaces ordinaires avant `: ; ? !` et dans « » : l'espace fine
//! insécable y est mise au chargement (`super::french_typography`).

/// Les messages, par clé.
pub const MESSAGES: &[(&str, &str)] = &[
    // erreurs
    ("error.prefix", "erreur : {text}"),
    ("error.unknown_agent", "agent inconnu « {id} »"),
    (
        "error.unknown_organisation",
        "organisation inconnue « {id} » ; créez-la avec « jauge organisation create »",
    ),
    (
        "error.unknown_campaign",
        "campagne inconnue « {id} » ; « {list} » affiche les campagnes",
    ),
    (
        "error.campaign_not_open",
        "la campagne « {name} » n'est pas ouverte ({why})",
    ),
    ("error.plan", "plan non valide : {why}"),
    (
        "error.nothing_to_resume",
        "l'agent « {id} » n'a pas de session en cours",
    ),
    (
        "error.unfinished",
        "l'agent a une session en cours ({session}) : reprenez-la (--resume) ou abandonnez-la (--new)",
    ),
    (
        "error.bank_changed",
        "la session {session} a commencé sur une autre version de la banque de questions : elle ne peut pas être reprise ; recommencez avec --new (ses réponses sont conservées)",
    ),
    (
        "store.missing",
        "{path} : cette base de données n'existe pas ; faites d'abord une évaluation, ou indiquez un fichier existant avec --db",
    ),
    ("store.organisation_exists", "l'organisation « {id} » existe déjà"),
    ("store.campaign_exists", "la campagne « {id} » existe déjà"),
    ("store.invalid_id", "{what} « {value} » non valide : {reason}"),
    (
        "store.busy",
        "la base de données est occupée : d'autres processus l'ont verrouillée plus de {s} s ; rien n'a été écrit à cette étape ; relancez la commande (ou augmentez JAUGE_LOCK_WAIT, en secondes)",
    ),
    (
        "store.no_space",
        "plus de place sur le disque de la base de données : libérez de l'espace et relancez la commande (ce qui était enregistré est intact)",
    ),
    // banque de questions
    (
        "bank.missing",
        "pas de banque de questions dans {dir} (par rapport à {cwd}) ; indiquez le dossier des questions avec --bank DOSSIER, ou n'indiquez rien pour la banque intégrée à jauge",
    ),
    (
        "bank.invalid",
        "la banque de questions {bank} a {n} {n|erreur|erreurs}, par exemple : {first} ; lancez « jauge bank validate » et corrigez-les",
    ),
    ("bank.bundled", "intégrée à jauge"),
    // jauge assess
    (
        "assess.campaign_no_db",
        "campagne inconnue « {campaign} » : la base de données {db} n'existe pas encore (rien n'a été écrit)",
    ),
    (
        "assess.theta_not_finite",
        "--simulate-theta {t} : donnez un nombre fini",
    ),
    (
        "assess.unfinished_simulated",
        "l'agent « {agent} » a une session simulée en cours ({session}) : poursuivez-la avec --simulate-theta, ou abandonnez-la avec --new pour recommencer",
    ),
    (
        "assess.unfinished_real",
        "l'agent « {agent} » a une session réelle en cours ({session}) : --simulate-theta ne peut ni y répondre ni l'abandonner ; terminez-la (--resume) ou abandonnez-la (--new) sans --simulate-theta",
    ),
    (
        "assess.unfinished_choose",
        "l'agent « {agent} » a une session en cours ({session}). Pour la reprendre : {resume} ; pour l'abandonner (aucun profil n'en sera tiré, ses réponses restent enregistrées et ses questions ne seront pas reposées) et recommencer : {new}",
    ),
    (
        "assess.resume_ignores_plan",
        "Remarque : la session reprise suit son propre plan ; --competences et --campaign sont ignorés.",
    ),
    (
        "assess.resuming",
        "Reprise de la session {session} ({n} {n|réponse déjà enregistrée|réponses déjà enregistrées})",
    ),
    (
        "assess.abandoned",
        "Session {session} abandonnée : aucun profil n'en sera tiré ; ses réponses restent enregistrées et ses questions ne vous seront pas reposées.",
    ),
    (
        "assess.started",
        "Session {session} ({n} {n|compétence|compétences})",
    ),
    (
        "assess.intro",
        "Évaluation adaptative : les questions s'ajustent à vos réponses. Répondez sans aide ; « Je ne sais pas » vaut mieux qu'une réponse au hasard.",
    ),
    (
        "assess.stopped",
        "Session interrompue : vos réponses sont enregistrées. Pour la reprendre, tapez :",
    ),
    (
        "assess.timed_out",
        "Temps dépassé : la réponse compte comme fausse.",
    ),
    (
        "assess.simulated_refused",
        "la réponse simulée à {item} a été refusée : {why}",
    ),
    ("assess.invalid", "Réponse non valide : {why}"),
    // écran de la question
    (
        "show.progress",
        "Question {n} sur environ {total} (au plus {max})",
    ),
    ("show.progress_exact", "Question {n} sur environ {total}"),
    ("show.time_left", "encore environ {min} min"),
    ("show.competence", "Compétence {code} : {title}"),
    (
        "show.timed",
        "Question chronométrée : {s} s (répondez avant {at})",
    ),
    ("show.unit", "(unité : {unit})"),
    // mode texte
    ("plain.hint_single", "le numéro de votre choix, par exemple 2"),
    (
        "plain.hint_multiple",
        "les numéros choisis, séparés par des virgules, par exemple 1,3 (- pour aucun)",
    ),
    ("plain.hint_number", "un nombre, par exemple 2,5 ou 1 500"),
    ("plain.hint_text", "votre réponse"),
    (
        "plain.hint_blanks",
        "{n} réponses dans l'ordre [1], [2]…, séparées par | (par exemple a | b)",
    ),
    ("plain.expected", "attendu : {hint}"),
    ("plain.dont_know_hint", "? si vous ne savez pas"),
    (
        "plain.confirm_empty",
        "Réponse vide : appuyez encore sur Entrée pour la valider, ou tapez votre réponse",
    ),
    ("plain.reading", "lecture de la réponse"),
    (
        "plain.endless",
        "L'entrée contient une ligne sans fin (plus de 64 Mio) : arrêt.",
    ),
    (
        "plain.too_long",
        "Réponse trop longue (16 Kio au plus) : elle n'est pas enregistrée. Répondez de nouveau.",
    ),
    (
        "plain.not_utf8",
        "Réponse illisible (texte qui n'est pas en UTF-8) : elle n'est pas enregistrée. Répondez de nouveau.",
    ),
    // mode interactif
    (
        "prompt.unfinished",
        "Une session est en cours pour cet agent (commencée le {started}) :",
    ),
    ("prompt.resume_it", "La reprendre"),
    (
        "prompt.abandon_it",
        "L'abandonner et recommencer (aucun profil pour elle ; ses réponses restent enregistrées et ses questions ne seront pas reposées)",
    ),
    ("prompt.help_choose", "↑↓ pour choisir, Entrée pour valider"),
    ("prompt.help_confirm", "o pour oui, n pour non"),
    ("prompt.help_single", "↑↓ pour choisir, Entrée pour valider"),
    (
        "prompt.help_multiple",
        "↑↓ pour se déplacer, Espace pour cocher, Entrée pour valider",
    ),
    (
        "prompt.help_typed",
        "Entrée pour valider ; ? si vous ne savez pas",
    ),
    ("prompt.help_number", "{hint} ; ? si vous ne savez pas"),
    ("prompt.confirm_empty", "Votre réponse est vide : la valider ?"),
    (
        "prompt.confirm_none",
        "Vous n'avez rien coché : valider « aucune » ?",
    ),
    ("prompt.dont_know", "Je ne sais pas"),
    ("prompt.dont_know_alone", "« Je ne sais pas » se coche seul"),
    ("prompt.your_answer", "Votre réponse :"),
    ("prompt.your_answer_unit", "Votre réponse (en {unit}) :"),
    ("prompt.your_answers", "Vos réponses :"),
    ("prompt.blank", "[{k}] ({k} sur {n}) :"),
    // refus du correcteur
    (
        "refusal.not_a_number",
        "« {input} » n'est pas un nombre : tapez des chiffres, avec une virgule ou un point pour les décimales et, si vous le souhaitez, des espaces entre les milliers (1 500 ou 2,5)",
    ),
    ("refusal.shape_single", "choisissez exactement une réponse"),
    ("refusal.shape_multiple", "cochez les réponses choisies"),
    ("refusal.shape_number", "donnez un nombre"),
    ("refusal.shape_text", "tapez un texte"),
    ("refusal.shape_blanks", "donnez une réponse par trou"),
    (
        "refusal.unknown_option",
        "la question n'a pas de réponse « {id} »",
    ),
    // rendu
    ("render.cell", "{column} : {value}"),
    // écran du profil
    ("screen.heading", "Votre profil"),
    (
        "screen.heading_simulated",
        "Profil simulé (réponses d'un agent simulé, exclu des exports)",
    ),
    (
        "screen.legend",
        "Niveau : de 1 à 8 selon le référentiel, sur le plus haut niveau ouvert de la compétence ; pix : 8 par niveau ; l'intervalle contient le résultat réel 9 fois sur 10.",
    ),
    ("screen.score", "Niveau {level} sur {top} · {pix} pix sur {max}"),
    ("screen.interval", "entre {low} et {high} pix"),
    ("screen.interval_exact", "exactement {pix} pix"),
    ("screen.capped", "niveau plafonné par le plan"),
    ("screen.assessed_at", "évaluée le {when}"),
    ("screen.simulated", "simulée"),
    (
        "screen.nothing_assessed",
        "Aucune compétence évaluée pour l'instant.",
    ),
    (
        "screen.total",
        "Total : {pix} pix sur {max} ({n} {n|compétence évaluée|compétences évaluées} sur {all})",
    ),
    (
        "screen.not_assessed",
        "{n|Compétence non évaluée|Compétences non évaluées} (aucun niveau enregistré) :",
    ),
    (
        "screen.too_few",
        "{n} {n|réponse|réponses}, trop peu pour un niveau sûr",
    ),
    (
        "screen.missed",
        "{n|La question manquée, expliquée|Les questions manquées, expliquées} ({n})",
    ),
    ("screen.given", "Votre réponse : {answer}"),
    ("screen.expected", "Réponse attendue : {answer}"),
    ("screen.quoted", "« {text} »"),
    ("screen.no_answer", "pas de réponse"),
    ("screen.none_ticked", "aucune case cochée"),
    ("screen.empty", "réponse vide"),
    ("screen.too_late", "donnée après le temps imparti"),
    ("screen.number_about", "{value}{unit}, à {tol} près"),
    ("screen.number_range", "entre {min} et {max}{unit}"),
    ("screen.session", "Session : {session}"),
    // jauge agent adjust
    (
        "adjust.bad_factor",
        "--time-factor {f} : donnez un nombre de 1 à 10",
    ),
    (
        "adjust.nothing",
        "rien à régler : indiquez --screen-reader, --adjustment ÉTIQUETTE, --time-factor F ou --clear",
    ),
    ("adjust.none", "aucun"),
    (
        "adjust.done",
        "{agent} : aménagements [{tags}], facteur de temps {f} ; les sessions commencées à partir de maintenant en tiennent compte",
    ),
    // jauge profile
    ("profile.heading", "Profil de {agent}"),
    (
        "profile.scoring_version",
        "Résultats calculés selon la version {v} des règles de calcul : « jauge profile rescore » les recalcule selon la version en vigueur.",
    ),
    (
        "profile.includes_simulated",
        "Comprend des résultats de sessions simulées (marqués « simulée »).",
    ),
    ("profile.too_few", "trop peu de réponses"),
    ("profile.never", "jamais évaluée"),
    (
        "profile.open_session",
        "Session en cours : {session}, commencée le {started} ; ses résultats compteront quand elle sera terminée.",
    ),
    (
        "profile.history_session",
        "Session {k} : {session}, terminée le {finished}",
    ),
    (
        "profile.history_session_simulated",
        "Session {k} (simulée) : {session}, terminée le {finished}",
    ),
    (
        "profile.history_count",
        "{n} {n|session terminée|sessions terminées}",
    ),
    ("profile.structure", "Structure du profil : {structure}"),
    (
        "structure.assumed",
        "corrélations supposées entre compétences (par défaut)",
    ),
    (
        "structure.estimated",
        "corrélations entre compétences estimées sur les sessions enregistrées",
    ),
    ("structure.independent", "compétences indépendantes"),
    // jauge campaign show
    (
        "campaign.heading",
        "Campagne {name} (organisation {organisation})",
    ),
    ("campaign.dates", "Ouverte du {opens} au {closes}"),
    ("campaign.plan", "Plan : {plan}"),
    ("campaign.plan_all", "les 16 compétences"),
    ("campaign.plan_competences", "compétences {list}"),
    ("campaign.plan_tubes", "sujets {list}"),
    ("campaign.plan_max_level", "niveau {level} au plus"),
    (
        "campaign.plan_max_items",
        "{n} {n|question|questions} au plus par compétence",
    ),
    (
        "campaign.counts",
        "{n} {n|agent|agents} : {finished} {finished|a terminé|ont terminé}, {progress} en cours, {not} pas encore {not|commencé|commencés}, {abandoned} {abandoned|abandon|abandons}",
    ),
    ("campaign.no_agent", "Aucun agent pour l'instant."),
    ("campaign.col_agent", "Agent"),
    ("campaign.col_status", "Statut"),
    ("campaign.col_levels", "Niveaux"),
    ("campaign.not_started", "pas commencée"),
    ("campaign.in_progress", "en cours"),
    ("campaign.finished", "terminée le"),
    ("campaign.abandoned", "abandonnée"),
    ("campaign.answers", "{n} {n|réponse|réponses}"),
    ("campaign.level", "{code} : {level}"),
    ("campaign.created", "Campagne {name} créée"),
    ("campaign.count", "{n} {n|campagne|campagnes}"),
    ("organisation.created", "Organisation {code} créée ({name})"),
    ("organisation.count", "{n} {n|organisation|organisations}"),
    (
        "organisation.code_not_name",
        "« {code} » n'est pas un code d'organisation (lettres sans accents, chiffres, . _ -) ; donnez un code court et le nom complet avec --name, par exemple : {program} organisation create dgcl --name \"{code}\"",
    ),
    ("campaign.list_line", "{name} ({organisation}) : {plan}"),
    (
        "rescore.session",
        "Session {session} : règles de calcul v{from} → v{to}, {n} {n|compétence recalculée|compétences recalculées}, {not} non {not|évaluée|évaluées}",
    ),
    ("rescore.skipped", "Session {session} : non recalculée : {why}"),
    (
        "rescore.done",
        "{n} {n|session recalculée|sessions recalculées} selon la version {to} des règles de calcul, {skipped} {skipped|laissée|laissées} de côté ; les résultats précédents sont conservés",
    ),
    ("prompt.yes", "oui"),
    ("prompt.no", "non"),
    ("prompt.default_no", "o/N"),
    ("screen.join", " ; "),
    ("campaign.no_dates", "Sans date d'ouverture ni de clôture"),
];
