//! The allow-list: the only `report.json` fields statistics ever read, and the only values
//! they ever print. These are the choice fields of INTAKE.md; free text (`description`),
//! contact details (`contact_method`, `safe_phone`, `safe_times`, `leave_message_ok`,
//! `code_word`), replies and attachments are not on it, so they are skipped unread. A value
//! not on a field's list is counted as `unrecognised`, never printed as written.

/// Every field may also say this.
pub const PREFER_NOT: &str = "prefer_not_to_say";
/// The field is missing or null.
pub const NOT_ANSWERED: &str = "not_answered";
/// The value is not one of the field's codes.
pub const UNRECOGNISED: &str = "unrecognised";
/// The pseudo-field of arrival months (from `meta.json`, written by `approdo pull`).
pub const MONTH: &str = "month";

/// The values a field may take.
#[derive(Debug)]
pub enum Values {
    /// (code, English label) pairs.
    Codes(&'static [(&'static str, &'static str)]),
    /// ISO 3166-1 alpha-2 codes (two letters), listed only when present.
    Country,
}

/// One countable field.
#[derive(Debug)]
pub struct Field {
    /// The key in `report.json`.
    pub name: &'static str,
    /// English label for tables and charts.
    pub label: &'static str,
    /// Several values per report (the counts of a field then add up to more than the reports).
    pub multi: bool,
    /// Its values.
    pub values: Values,
}

const YES_NO: &[(&str, &str)] = &[("yes", "yes"), ("no", "no")];
const YES_NO_UNSURE: &[(&str, &str)] = &[("yes", "yes"), ("no", "no"), ("not_sure", "not sure")];

macro_rules! field {
    ($name:literal, $label:literal, $multi:literal, $codes:expr) => {
        Field {
            name: $name,
            label: $label,
            multi: $multi,
            values: Values::Codes($codes),
        }
    };
}

/// The allow-list, in the order of INTAKE.md.
#[rustfmt::skip]
pub const FIELDS: &[Field] = &[
    field!("language", "language of the report", false, &[
        ("it", "Italian"), ("en", "English"), ("ar", "Arabic"), ("fr", "French"),
        ("es", "Spanish"), ("sq", "Albanian"), ("uk", "Ukrainian"), ("ru", "Russian"),
        ("ro", "Romanian"), ("zh-Hans", "Chinese (Simplified)"), ("ur", "Urdu"),
        ("bn", "Bengali"), ("pt-BR", "Portuguese (Brazil)"), ("fil", "Filipino"),
        ("ti", "Tigrinya"), ("fa", "Persian"), ("ps", "Pashto"), ("wo", "Wolof"),
        ("pcm", "Nigerian Pidgin"),
    ]),
    field!("sealed", "sealed by", false, &[
        ("browser", "the browser"), ("server", "the server (JavaScript off)"),
    ]),
    field!("safe_now", "safe now", false, &[
        ("safe", "safe"), ("not_sure", "not sure"), ("not_safe", "not safe"),
    ]),
    field!("reporter_role", "who reports", false, &[
        ("about_me", "about me"), ("for_someone_else", "for someone else, with consent"),
        ("witness", "I witnessed"),
    ]),
    field!("help_wanted", "help wanted", true, &[
        ("talk", "talk to someone"), ("safe_place", "safe place to stay"),
        ("health_care", "health care"), ("papers_advice", "advice on papers/permit"),
        ("leave_violent_partner", "leave a violent partner"),
        ("leave_exploitative_job", "leave an exploitative job"),
        ("escape_forced_sex_work_or_begging", "escape forced sex work/begging"),
        ("report_to_police_with_support", "report to police with support"), ("other", "other"),
    ]),
    field!("urgency", "urgency", false, &[
        ("today", "today"), ("this_week", "this week"), ("not_urgent", "not urgent"),
    ]),
    field!("harm_types", "harm", true, &[
        ("physical_violence", "physical violence"), ("sexual_violence", "sexual violence"),
        ("threats", "threats"), ("stalking", "stalking"),
        ("money_or_documents_controlled", "money or documents controlled"),
        ("unpaid_or_very_low_pay", "unpaid or very low pay"),
        ("forced_sex_work", "forced sex work"), ("forced_begging_or_crime", "forced begging or crime"),
        ("not_free_to_leave", "not free to leave home/work"),
        ("debt_to_trafficker", "debt to the person who brought me"),
        ("threats_to_family", "threats to family at home"),
        ("forced_marriage_or_fgm_risk", "forced marriage or FGM risk"), ("other", "other"),
    ]),
    field!("perpetrator_relation", "relation to the perpetrator", false, &[
        ("partner_or_ex", "partner/ex"), ("family", "family"), ("employer", "employer/caporale"),
        ("recruiter", "recruiter/madam"), ("landlord", "landlord"), ("stranger", "stranger"),
        ("other", "other"),
    ]),
    field!("still_happening", "still happening", false, &[
        ("yes", "yes"), ("stopped_recently", "stopped < 6 months ago"), ("earlier", "earlier"),
    ]),
    field!("lives_with_perpetrator", "lives with the perpetrator", false, YES_NO),
    field!("afraid_if_leave_or_speak", "afraid if she leaves or speaks", false, YES_NO_UNSURE),
    field!("where_happened", "where it happened", false, &[
        ("milan_area", "Milan area"), ("elsewhere_in_italy", "elsewhere in Italy"),
        ("outside_italy", "outside Italy"), ("during_journey", "during the journey"),
    ]),
    field!("work_sector", "work sector", false, &[
        ("agriculture", "agriculture"), ("domestic_care", "domestic/care"),
        ("cleaning", "cleaning"), ("restaurants_hotels", "restaurants/hotels"),
        ("construction", "construction"), ("textile_factory", "textile/factory"),
        ("logistics_delivery", "logistics/delivery"), ("sex_work", "sex work"),
        ("begging", "begging"), ("other", "other"),
    ]),
    field!("documents_held_by_other", "documents held by someone else", false, &[
        ("yes", "yes"), ("no", "no"), ("never_had_documents", "never had documents"),
    ]),
    field!("age_band", "age", false, &[
        ("under_18", "under 18"), ("18_25", "18–25"), ("26_40", "26–40"), ("41_plus", "41+"),
    ]),
    field!("gender", "gender", false, &[
        ("woman", "woman"), ("man", "man"), ("trans", "trans"), ("non_binary", "non-binary"),
    ]),
    field!("residence_situation", "residence situation", false, &[
        ("no_permit", "no permit"), ("expired", "expired"),
        ("tied_permit", "tied to partner or employer"),
        ("asylum_pending_or_refused", "asylum pending or refused"),
        ("has_permit", "has a permit"), ("dont_know", "don't know"),
    ]),
    field!("time_in_italy", "time in Italy", false, &[
        ("under_6_months", "< 6 months"), ("6_months_to_2_years", "6 months–2 years"),
        ("2_to_5_years", "2–5 years"), ("over_5_years", "> 5 years"),
    ]),
    field!("fear_of_return", "fear of return", false, YES_NO_UNSURE),
    Field { name: "country_of_origin", label: "country of origin", multi: false, values: Values::Country },
    field!("children", "children", false, &[
        ("none", "none"), ("with_me_in_italy", "with me in Italy"), ("elsewhere", "elsewhere"),
    ]),
    field!("services_already_contacted", "services already contacted", true, &[
        ("1522", "1522"), ("800290290", "800 290 290"),
        ("anti_violence_centre", "anti-violence centre"), ("social_services", "social services"),
        ("hospital", "hospital"), ("police", "police"), ("lawyer", "lawyer"), ("none", "none"),
    ]),
    field!("open_to_police_later", "open to police later", false, &[
        ("yes", "yes"), ("no", "no"), ("maybe_after_advice", "maybe after advice"),
    ]),
    field!("meeting_needs", "meeting needs", true, &[
        ("interpreter", "interpreter"), ("women_staff", "women staff only"),
        ("companion", "companion"), ("childcare", "childcare"), ("accessibility", "accessibility"),
    ]),
    field!("consent_share", "consent to share", false, &[
        ("chosen_partner_only", "only the chosen partner"),
        ("any_partner", "any partner who can help"), ("ask_first", "ask me first"),
    ]),
    field!("consent_police", "police", false, &[
        ("no_police", "no police unless I ask"), ("wants_help_to_report", "I want help to report"),
    ]),
];

/// Fields that are never counted, with the reason given to whoever asks for them.
pub const REFUSED: &[&str] = &[
    "description",
    "contact_method",
    "safe_phone",
    "safe_times",
    "leave_message_ok",
    "code_word",
    "reply",
    "attachments",
];

/// The field called `name`.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

impl Field {
    /// The allowed code equal to `raw`, or [`UNRECOGNISED`]. Returns owned text only for a
    /// country code, which is checked to be two ASCII letters.
    pub fn code(&self, raw: &str) -> String {
        if raw == PREFER_NOT {
            return PREFER_NOT.to_owned();
        }
        match &self.values {
            Values::Codes(codes) => codes
                .iter()
                .find(|(c, _)| *c == raw)
                .map_or(UNRECOGNISED, |(c, _)| c)
                .to_owned(),
            Values::Country => {
                if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
                    raw.to_ascii_uppercase()
                } else {
                    UNRECOGNISED.to_owned()
                }
            }
        }
    }

    /// Whether `code` may appear in a table of this field (merges check every value).
    pub fn allows(&self, code: &str) -> bool {
        code == PREFER_NOT
            || code == NOT_ANSWERED
            || code == UNRECOGNISED
            || self.code(code) == code
    }

    /// The rows of a table: every code in order (countries as found), then the special values.
    pub fn rows<'a>(&self, present: impl Iterator<Item = &'a String>) -> Vec<String> {
        let mut rows: Vec<String> = match &self.values {
            Values::Codes(codes) => codes.iter().map(|(c, _)| (*c).to_owned()).collect(),
            Values::Country => {
                let mut v: Vec<String> = present.filter(|c| c.len() == 2).cloned().collect();
                v.sort();
                v.dedup();
                v
            }
        };
        rows.extend([PREFER_NOT, NOT_ANSWERED, UNRECOGNISED].map(str::to_owned));
        rows
    }

    /// An English label for `code`.
    pub fn label_of(&self, code: &str) -> String {
        match (&self.values, code) {
            (_, PREFER_NOT) => "prefer not to say".to_owned(),
            (_, NOT_ANSWERED) => "not answered".to_owned(),
            (_, UNRECOGNISED) => "unrecognised answer".to_owned(),
            (Values::Codes(codes), _) => codes
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(code, |(_, l)| l)
                .to_owned(),
            (Values::Country, _) => code.to_owned(),
        }
    }
}
