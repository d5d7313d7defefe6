//! The English catalogue.

/// The messages, by key.
pub const MESSAGES: &[(&str, &str)] = &[
    // errors
    ("error.prefix", "error: {text}"),
    ("error.unknown_agent", "unknown agent `{id}`"),
    (
        "error.unknown_organisation",
        "unknown organisation `{id}`; create it with `jauge organisation create`",
    ),
    (
        "error.unknown_campaign",
        "unknown campaign `{id}`; `{list}` shows the campaigns",
    ),
    ("error.campaign_not_open", "campaign `{name}` is not open ({why})"),
    ("error.plan", "invalid plan: {why}"),
    (
        "error.nothing_to_resume",
        "agent `{id}` has no unfinished session",
    ),
    (
        "error.unfinished",
        "the agent has an unfinished session ({session}): resume it (--resume) or abandon it (--new)",
    ),
    (
        "error.bank_changed",
        "session {session} was started on another version of the item bank: it cannot be resumed; start afresh with --new (its answers are kept)",
    ),
    (
        "store.missing",
        "{path}: no such database; run an assessment first, or pass an existing file with --db",
    ),
    ("store.organisation_exists", "organisation `{id}` already exists"),
    ("store.campaign_exists", "campaign `{id}` already exists"),
    ("store.invalid_id", "invalid {what} `{value}`: {reason}"),
    (
        "store.busy",
        "the database is busy: other processes kept it locked for more than {s} s; nothing was written by this step; run the command again (or raise JAUGE_LOCK_WAIT, in seconds)",
    ),
    (
        "store.no_space",
        "no space left on the disk holding the database: free some space and run the command again (what was recorded before is intact)",
    ),
    // item bank
    (
        "bank.missing",
        "no item bank at {dir} (relative to {cwd}); pass the folder of the questions with --bank DIR, or nothing for the bank built into jauge",
    ),
    (
        "bank.invalid",
        "the item bank {bank} has {n} {n|error|errors}, e.g. {first}; run `jauge bank validate` and fix them",
    ),
    ("bank.bundled", "built into jauge"),
    // jauge assess
    (
        "assess.campaign_no_db",
        "unknown campaign `{campaign}`: the database {db} does not exist yet (nothing was written)",
    ),
    (
        "assess.theta_not_finite",
        "--simulate-theta {t}: give a finite number",
    ),
    (
        "assess.unfinished_simulated",
        "agent `{agent}` has an unfinished simulated session ({session}): continue it with --simulate-theta, or pass --new to abandon it and start afresh",
    ),
    (
        "assess.unfinished_real",
        "agent `{agent}` has an unfinished real session ({session}): --simulate-theta can neither answer nor abandon it; finish it (--resume) or abandon it (--new) without --simulate-theta",
    ),
    (
        "assess.unfinished_choose",
        "agent `{agent}` has an unfinished session ({session}). To resume it: {resume} ; to abandon it (it gets no profile, its answers stay recorded and its questions are not asked again) and start afresh: {new}",
    ),
    (
        "assess.resume_ignores_plan",
        "Note: the resumed session follows its own plan; --competences and --campaign are ignored.",
    ),
    (
        "assess.resuming",
        "Resuming session {session} ({n} {n|answer|answers} already recorded)",
    ),
    (
        "assess.abandoned",
        "Session {session} abandoned: it gets no profile; its answers stay recorded and its questions will not be asked again.",
    ),
    (
        "assess.started",
        "Session {session} ({n} {n|competence|competences})",
    ),
    (
        "assess.intro",
        "Adaptive assessment: the questions adjust to your answers. Answer unaided; \"I don't know\" is better than a guess.",
    ),
    (
        "assess.stopped",
        "Session stopped: your answers are saved. To resume it, type:",
    ),
    ("assess.timed_out", "Time is up: the answer counts as wrong."),
    (
        "assess.simulated_refused",
        "the simulated answer to {item} was refused: {why}",
    ),
    ("assess.invalid", "Invalid answer: {why}"),
    // question screen
    ("show.progress", "Question {n} of about {total} (at most {max})"),
    ("show.progress_exact", "Question {n} of about {total}"),
    ("show.time_left", "about {min} min left"),
    ("show.competence", "Competence {code}: {title}"),
    ("show.timed", "Timed question: {s} s (answer before {at})"),
    ("show.unit", "(unit: {unit})"),
    // plain mode
    ("plain.hint_single", "the number of your choice, e.g. 2"),
    (
        "plain.hint_multiple",
        "the numbers chosen, separated by commas, e.g. 1,3 (- for none)",
    ),
    ("plain.hint_number", "a number, e.g. 2.5 or 1500"),
    ("plain.hint_text", "your answer"),
    (
        "plain.hint_blanks",
        "{n} answers in the order [1], [2]…, separated by | (e.g. a | b)",
    ),
    ("plain.expected", "expected: {hint}"),
    ("plain.dont_know_hint", "? if you don't know"),
    (
        "plain.confirm_empty",
        "Empty answer: press Enter again to confirm it, or type your answer",
    ),
    ("plain.reading", "reading the answer"),
    (
        "plain.endless",
        "The input holds a line that never ends (over 64 MiB): stopping.",
    ),
    (
        "plain.too_long",
        "Answer too long (16 KiB at most): it is not recorded. Answer again.",
    ),
    (
        "plain.not_utf8",
        "Unreadable answer (text that is not UTF-8): it is not recorded. Answer again.",
    ),
    // interactive mode
    (
        "prompt.unfinished",
        "This agent has an unfinished session (started {started}):",
    ),
    ("prompt.resume_it", "Resume it"),
    (
        "prompt.abandon_it",
        "Abandon it and start afresh (it gets no profile; its answers stay recorded and its questions are not asked again)",
    ),
    ("prompt.help_choose", "↑↓ to move, Enter to choose"),
    ("prompt.help_confirm", "y for yes, n for no"),
    ("prompt.help_single", "↑↓ to move, Enter to answer"),
    (
        "prompt.help_multiple",
        "↑↓ to move, Space to tick, Enter to answer",
    ),
    ("prompt.help_typed", "Enter to answer; ? if you don't know"),
    ("prompt.help_number", "{hint}; ? if you don't know"),
    ("prompt.confirm_empty", "Your answer is empty: submit it?"),
    ("prompt.confirm_none", "You ticked nothing: submit \"none\"?"),
    ("prompt.dont_know", "I don't know"),
    ("prompt.dont_know_alone", "\"I don't know\" is ticked alone"),
    ("prompt.your_answer", "Your answer:"),
    ("prompt.your_answer_unit", "Your answer (in {unit}):"),
    ("prompt.your_answers", "Your answers:"),
    ("prompt.blank", "[{k}] ({k} of {n}):"),
    // the checker's refusals
    (
        "refusal.not_a_number",
        "\"{input}\" is not a number: type digits, with a dot or a comma as the decimal mark and spaces between thousands if you like (1 500 or 2.5)",
    ),
    ("refusal.shape_single", "choose exactly one answer"),
    ("refusal.shape_multiple", "tick the answers chosen"),
    ("refusal.shape_number", "give a number"),
    ("refusal.shape_text", "type a text"),
    ("refusal.shape_blanks", "give one answer per blank"),
    ("refusal.unknown_option", "the question has no answer `{id}`"),
    // rendering
    ("render.cell", "{column}: {value}"),
    // profile screen
    ("screen.heading", "Your profile"),
    (
        "screen.heading_simulated",
        "Simulated profile (a simulated agent's answers, left out of exports)",
    ),
    (
        "screen.legend",
        "Level: 1 to 8 on the framework, out of the competence's highest open level; pix: 8 per level; the interval holds the true result 9 times out of 10.",
    ),
    ("screen.score", "Level {level} of {top} · {pix} pix of {max}"),
    ("screen.interval", "between {low} and {high} pix"),
    ("screen.interval_exact", "exactly {pix} pix"),
    ("screen.capped", "level capped by the plan"),
    ("screen.assessed_at", "assessed {when}"),
    ("screen.simulated", "simulated"),
    ("screen.nothing_assessed", "No competence assessed yet."),
    (
        "screen.total",
        "Total: {pix} pix of {max} ({n} {n|competence|competences} assessed of {all})",
    ),
    (
        "screen.not_assessed",
        "{n|Competence|Competences} not assessed (no level recorded):",
    ),
    (
        "screen.too_few",
        "{n} {n|answer|answers}, too few for a sound level",
    ),
    (
        "screen.missed",
        "{n|The question missed, explained|The questions missed, explained} ({n})",
    ),
    ("screen.given", "Your answer: {answer}"),
    ("screen.expected", "Expected: {answer}"),
    ("screen.quoted", "“{text}”"),
    ("screen.no_answer", "no answer"),
    ("screen.none_ticked", "no box ticked"),
    ("screen.empty", "empty answer"),
    ("screen.too_late", "given after the time allowed"),
    ("screen.number_about", "{value}{unit}, within {tol}"),
    ("screen.number_range", "between {min} and {max}{unit}"),
    ("screen.session", "Session: {session}"),
    // jauge agent adjust
    (
        "adjust.bad_factor",
        "--time-factor {f}: give a number from 1 to 10",
    ),
    (
        "adjust.nothing",
        "nothing to set: pass --screen-reader, --adjustment TAG, --time-factor F or --clear",
    ),
    ("adjust.none", "none"),
    (
        "adjust.done",
        "{agent}: adjustments [{tags}], time factor {f}; sessions started from now on honour them",
    ),
    // jauge profile
    ("profile.heading", "Profile of {agent}"),
    (
        "profile.scoring_version",
        "Results computed under version {v} of the scoring rules: `jauge profile rescore` recomputes them under the version in force.",
    ),
    (
        "profile.includes_simulated",
        "Includes results of simulated sessions (marked \"simulated\").",
    ),
    ("profile.too_few", "too few answers"),
    ("profile.never", "never assessed"),
    (
        "profile.open_session",
        "Unfinished session: {session}, started {started}; its results will count once it is finished.",
    ),
    (
        "profile.history_session",
        "Session {k}: {session}, finished {finished}",
    ),
    (
        "profile.history_session_simulated",
        "Session {k} (simulated): {session}, finished {finished}",
    ),
    ("profile.history_count", "{n} finished {n|session|sessions}"),
    ("profile.structure", "Profile structure: {structure}"),
    (
        "structure.assumed",
        "correlations between competences assumed (the default)",
    ),
    (
        "structure.estimated",
        "correlations between competences estimated from recorded sessions",
    ),
    ("structure.independent", "independent competences"),
    // jauge campaign show
    (
        "campaign.heading",
        "Campaign {name} (organisation {organisation})",
    ),
    ("campaign.dates", "Open from {opens} to {closes}"),
    ("campaign.plan", "Plan: {plan}"),
    ("campaign.plan_all", "all 16 competences"),
    ("campaign.plan_competences", "competences {list}"),
    ("campaign.plan_tubes", "topics {list}"),
    ("campaign.plan_max_level", "level {level} at most"),
    (
        "campaign.plan_max_items",
        "at most {n} {n|question|questions} per competence",
    ),
    (
        "campaign.counts",
        "{n} {n|agent|agents}: {finished} finished, {progress} in progress, {not} not started, {abandoned} abandoned",
    ),
    ("campaign.no_agent", "No agent yet."),
    ("campaign.col_agent", "Agent"),
    ("campaign.col_status", "Status"),
    ("campaign.col_levels", "Levels"),
    ("campaign.not_started", "not started"),
    ("campaign.in_progress", "in progress"),
    ("campaign.finished", "finished"),
    ("campaign.abandoned", "abandoned"),
    ("campaign.answers", "{n} {n|answer|answers}"),
    ("campaign.level", "{code}: {level}"),
    ("campaign.created", "Created campaign {name}"),
    ("campaign.count", "{n} {n|campaign|campaigns}"),
    ("organisation.created", "Created organisation {code} ({name})"),
    ("organisation.count", "{n} {n|organisation|organisations}"),
    (
        "organisation.code_not_name",
        "`{code}` is not an organisation code (letters without accents, digits, . _ -); give a short code and the full name with --name, e.g. {program} organisation create dgcl --name \"{code}\"",
    ),
    ("campaign.list_line", "{name} ({organisation}): {plan}"),
    (
        "rescore.session",
        "Session {session}: scoring v{from} → v{to}, {n} {n|competence|competences} scored, {not} not assessed",
    ),
    ("rescore.skipped", "Session {session}: not rescored: {why}"),
    (
        "rescore.done",
        "{n} {n|session|sessions} rescored under scoring version {to}, {skipped} skipped; the earlier scores are kept",
    ),
    ("prompt.yes", "yes"),
    ("prompt.no", "no"),
    ("prompt.default_no", "y/N"),
    ("screen.join", "; "),
    ("campaign.no_dates", "No opening or closing date"),
];
