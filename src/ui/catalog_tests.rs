use super::*;
use crate::ui::{TEMPLATES, is_end_user};
use std::collections::BTreeSet;

/// The placeholder names of `message`, in order: `{name}` each.
fn placeholders(message: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

#[test]
fn every_language_has_the_same_keys_and_placeholders() {
    let catalogs = Catalogs::load().unwrap();
    let en = catalogs.messages(Locale::En).unwrap();
    assert!(en.len() > 100, "{}", en.len());
    for locale in Locale::ALL {
        let other = catalogs.messages(locale).unwrap();
        let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", locale.tag());
        assert!(extra.is_empty(), "{} has extra {extra:?}", locale.tag());
        for (key, text) in en {
            let want: BTreeSet<&str> = placeholders(text).into_iter().collect();
            let got: BTreeSet<&str> = placeholders(&other[key]).into_iter().collect();
            assert_eq!(want, got, "placeholders of {key} in {}", locale.tag());
            assert!(!other[key].trim().is_empty(), "{key} in {}", locale.tag());
        }
    }
}

#[test]
fn messages_fill_their_placeholders_and_name_what_is_missing() {
    let catalogs = Catalogs::load().unwrap();
    let args = [("tenant".to_owned(), "Acme".to_owned())];
    assert_eq!(
        catalogs.say(Locale::De, "login.title", &args).unwrap(),
        "Bei Acme anmelden"
    );
    assert!(
        catalogs
            .say(Locale::Fr, "login.title", &[])
            .unwrap_err()
            .contains("tenant")
    );
    assert!(catalogs.say(Locale::En, "no.such", &[]).is_err());
    assert_eq!(placeholders("{a} and {b}"), ["a", "b"]);
}

#[test]
fn every_key_a_template_names_is_in_the_catalog() {
    let catalogs = Catalogs::load().unwrap();
    let en = catalogs.messages(Locale::En).unwrap();
    for (name, source) in TEMPLATES.iter().filter(|(n, _)| is_end_user(n)) {
        for piece in source.split("t(\"").skip(1) {
            let key = piece.split('"').next().unwrap();
            assert!(en.contains_key(key), "{name} names unknown key {key}");
        }
    }
}

/// The attributes whose values a user reads or hears.
const HUMAN_ATTRIBUTES: [&str; 4] = ["title", "alt", "aria-label", "placeholder"];

/// What a reader of `html` (template syntax already removed) sees or hears outside
/// the catalog: text between tags and the human attributes' values.
fn human_text(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        found.push(rest[..open].to_owned());
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        found.extend(attributes(tag));
        rest = &rest[open + close + 1..];
        for raw in ["script", "style"] {
            if tag.starts_with(raw) {
                let end = format!("</{raw}>");
                rest = rest.find(&end).map_or("", |at| &rest[at..]);
            }
        }
    }
    found.push(rest.to_owned());
    found
}

/// The values of `tag`'s human attributes, and the `value` of an input that is a button.
fn attributes(tag: &str) -> Vec<String> {
    let pairs: Vec<(&str, &str)> = tag
        .split('"')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|c| {
            let name = c[0].trim().rsplit(' ').next()?.strip_suffix('=')?;
            Some((name, *c.get(1)?))
        })
        .collect();
    let button = tag.starts_with("input")
        && pairs
            .iter()
            .any(|(n, v)| *n == "type" && ["submit", "button", "reset"].contains(v));
    pairs
        .into_iter()
        .filter(|(n, _)| HUMAN_ATTRIBUTES.contains(n) || (button && *n == "value"))
        .map(|(_, v)| v.to_owned())
        .collect()
}

/// `source` without `{{…}}`, `{%…%}` and `{#…#}`.
fn without_template_syntax(source: &str) -> String {
    let mut out = String::new();
    let mut rest = source;
    while let Some(open) = ["{{", "{%", "{#"].iter().filter_map(|o| rest.find(o)).min() {
        out.push_str(&rest[..open]);
        let closing = match &rest[open..open + 2] {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let Some(end) = rest[open..].find(closing) else {
            return out;
        };
        rest = &rest[open + end + 2..];
    }
    out.push_str(rest);
    out
}

/// The words of `html` that do not come from the catalog.
fn stray_words(source: &str) -> Vec<String> {
    human_text(&without_template_syntax(source))
        .into_iter()
        .filter(|t| t.chars().any(char::is_alphabetic))
        .map(|t| t.trim().to_owned())
        .collect()
}

#[test]
fn end_user_templates_say_nothing_outside_the_catalog() {
    let mut checked = 0;
    for (name, source) in TEMPLATES.iter().filter(|(n, _)| is_end_user(n)) {
        assert_eq!(stray_words(source), Vec::<String>::new(), "{name}");
        checked += 1;
    }
    assert!(checked >= 16, "{checked}");
}

#[test]
fn the_text_check_finds_words_in_text_and_human_attributes() {
    assert_eq!(stray_words("<p>{{ t(\"a\") }}</p>"), Vec::<String>::new());
    assert_eq!(stray_words("<p>Hello {{ name }}</p>"), ["Hello"]);
    assert_eq!(stray_words("<img alt=\"Logo\" src=\"/x.png\">"), ["Logo"]);
    assert_eq!(
        stray_words("<a title=\"Home\" href=\"/\">{{ x }}</a>"),
        ["Home"]
    );
    assert_eq!(stray_words("<input type=\"submit\" value=\"Go\">"), ["Go"]);
    assert_eq!(
        stray_words("<input type=\"hidden\" value=\"go\">"),
        Vec::<String>::new()
    );
    assert_eq!(stray_words("<input placeholder=\"Name\">"), ["Name"]);
    assert_eq!(
        stray_words("<button aria-label=\"Close\">×</button>"),
        ["Close"]
    );
    assert_eq!(
        stray_words("{# Comment #}<script>var a = 1;</script>"),
        Vec::<String>::new()
    );
}
