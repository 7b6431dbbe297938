//! Countries of origin offered by the form: ISO 3166-1 alpha-2 code, English name, and the
//! name in the country's own main language (shown first, so she finds her country whatever
//! language the page is in). The countries most people who reach Milan's services come from;
//! she can skip the question. Sorted by English name.

/// (code, English name, own name).
#[rustfmt::skip]
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AF", "Afghanistan", "افغانستان"),
    ("AL", "Albania", "Shqipëria"),
    ("DZ", "Algeria", "الجزائر"),
    ("AR", "Argentina", "Argentina"),
    ("BD", "Bangladesh", "বাংলাদেশ"),
    ("BY", "Belarus", "Беларусь"),
    ("BJ", "Benin", "Bénin"),
    ("BO", "Bolivia", "Bolivia"),
    ("BA", "Bosnia and Herzegovina", "Bosna i Hercegovina"),
    ("BR", "Brazil", "Brasil"),
    ("BG", "Bulgaria", "България"),
    ("BF", "Burkina Faso", "Burkina Faso"),
    ("CM", "Cameroon", "Cameroun"),
    ("CL", "Chile", "Chile"),
    ("CN", "China", "中国"),
    ("CO", "Colombia", "Colombia"),
    ("CD", "Congo (DR)", "RD Congo"),
    ("CI", "Côte d'Ivoire", "Côte d'Ivoire"),
    ("CU", "Cuba", "Cuba"),
    ("DO", "Dominican Republic", "República Dominicana"),
    ("EC", "Ecuador", "Ecuador"),
    ("EG", "Egypt", "مصر"),
    ("SV", "El Salvador", "El Salvador"),
    ("ER", "Eritrea", "ኤርትራ"),
    ("ET", "Ethiopia", "ኢትዮጵያ"),
    ("GM", "Gambia", "Gambia"),
    ("GE", "Georgia", "საქართველო"),
    ("GH", "Ghana", "Ghana"),
    ("GN", "Guinea", "Guinée"),
    ("HN", "Honduras", "Honduras"),
    ("IN", "India", "भारत"),
    ("IR", "Iran", "ایران"),
    ("IQ", "Iraq", "العراق"),
    ("KZ", "Kazakhstan", "Қазақстан"),
    ("KE", "Kenya", "Kenya"),
    ("XK", "Kosovo", "Kosova"),
    ("KG", "Kyrgyzstan", "Кыргызстан"),
    ("LB", "Lebanon", "لبنان"),
    ("LR", "Liberia", "Liberia"),
    ("LY", "Libya", "ليبيا"),
    ("ML", "Mali", "Mali"),
    ("MX", "Mexico", "México"),
    ("MD", "Moldova", "Moldova"),
    ("MA", "Morocco", "المغرب"),
    ("NP", "Nepal", "नेपाल"),
    ("NE", "Niger", "Niger"),
    ("NG", "Nigeria", "Nigeria"),
    ("MK", "North Macedonia", "Северна Македонија"),
    ("PK", "Pakistan", "پاکستان"),
    ("PS", "Palestine", "فلسطين"),
    ("PY", "Paraguay", "Paraguay"),
    ("PE", "Peru", "Perú"),
    ("PH", "Philippines", "Pilipinas"),
    ("PL", "Poland", "Polska"),
    ("RO", "Romania", "România"),
    ("RU", "Russia", "Россия"),
    ("SN", "Senegal", "Sénégal"),
    ("RS", "Serbia", "Србија"),
    ("SL", "Sierra Leone", "Sierra Leone"),
    ("SO", "Somalia", "Soomaaliya"),
    ("LK", "Sri Lanka", "ශ්‍රී ලංකාව"),
    ("SD", "Sudan", "السودان"),
    ("SY", "Syria", "سوريا"),
    ("TH", "Thailand", "ประเทศไทย"),
    ("TG", "Togo", "Togo"),
    ("TN", "Tunisia", "تونس"),
    ("TR", "Türkiye", "Türkiye"),
    ("UA", "Ukraine", "Україна"),
    ("UZ", "Uzbekistan", "Oʻzbekiston"),
    ("VE", "Venezuela", "Venezuela"),
    ("VN", "Vietnam", "Việt Nam"),
    ("YE", "Yemen", "اليمن"),
];

/// The English name of `code`, if it is on the list.
pub fn english_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|c| c.0.eq_ignore_ascii_case(code))
        .map(|c| c.1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_two_uppercase_letters_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (code, en, own) in super::COUNTRIES {
            assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(seen.insert(code) && !en.is_empty() && !own.is_empty());
        }
        assert_eq!(super::english_name("ma"), Some("Morocco"));
    }
}
