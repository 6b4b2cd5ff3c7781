use super::*;

#[test]
fn ui_locales_takes_the_first_supported_tag() {
    assert_eq!(from_ui_locales("fr-CA fr en"), Some(Locale::Fr));
    assert_eq!(from_ui_locales("ja  NL-be de"), Some(Locale::Nl));
    assert_eq!(from_ui_locales("ja zh"), None);
    assert_eq!(from_ui_locales(""), None);
    assert_eq!(from_ui_locales(&format!("{} de", "x".repeat(2000))), None);
}

#[test]
fn accept_language_follows_q_values() {
    assert_eq!(from_accept_language("de-DE,de;q=0.9"), Some(Locale::De));
    assert_eq!(from_accept_language("de-CH"), Some(Locale::De));
    assert_eq!(
        from_accept_language("en;q=0.5, es;q=0.8, fr;q=0.7"),
        Some(Locale::Es)
    );
    assert_eq!(
        from_accept_language("nl, fr"),
        Some(Locale::Nl),
        "tie: first"
    );
    assert_eq!(from_accept_language("ja, fr;q=0.1"), Some(Locale::Fr));
    assert_eq!(from_accept_language("fr;q=0, de;q=0.001"), Some(Locale::De));
    assert_eq!(from_accept_language("fr;q=0"), None);
    assert_eq!(from_accept_language("*"), None);
    assert_eq!(from_accept_language("ja-JP,zh;q=0.8"), None);
}

#[test]
fn malformed_q_values_drop_their_range_only() {
    assert_eq!(from_accept_language("fr;q=2, de;q=0.5"), Some(Locale::De));
    assert_eq!(from_accept_language("fr;q=abc, nl"), Some(Locale::Nl));
    assert_eq!(from_accept_language("fr;q=0.1234, es"), Some(Locale::Es));
    assert_eq!(from_accept_language("fr;q=1.000"), Some(Locale::Fr));
    assert_eq!(from_accept_language("fr;q=1.5"), None);
    assert_eq!(from_accept_language(";;;,,,=,q="), None);
    assert_eq!(from_accept_language(&"de,".repeat(600)), None, "bounded");
}

#[test]
fn the_choice_runs_ui_locales_then_header_then_default() {
    assert_eq!(choose(Some("es"), Some("de"), Locale::Nl), Locale::Es);
    assert_eq!(choose(Some("ja"), Some("de"), Locale::Nl), Locale::De);
    assert_eq!(choose(None, Some("ja"), Locale::Nl), Locale::Nl);
    assert_eq!(choose(None, None, Locale::En), Locale::En);
}
