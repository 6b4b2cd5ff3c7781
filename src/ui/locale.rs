//! The languages of the end-user pages and how one is chosen for a request: the
//! client's `ui_locales` (OpenID Connect Core 1.0 §3.1.2.1), then the browser's
//! `Accept-Language` (RFC 9110 §12.5.4), then the tenant's default, then English.

use serde::Serialize;

/// A language the end-user pages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English, the fallback.
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Dutch.
    Nl,
    /// Spanish.
    Es,
}

/// The most bytes of `ui_locales` or `Accept-Language` looked at: a browser's header is
/// far shorter, and a longer one is not worth parsing.
const MAX_INPUT: usize = 1024;

/// The most language ranges looked at in one header.
const MAX_RANGES: usize = 32;

impl Locale {
    /// Every supported language, English first: what discovery advertises.
    pub const ALL: [Locale; 5] = [Locale::En, Locale::De, Locale::Fr, Locale::Nl, Locale::Es];

    /// The language's tag, as in `<html lang>` and `ui_locales_supported`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Nl => "nl",
            Locale::Es => "es",
        }
    }

    /// The supported language a BCP 47 tag names by its primary subtag, any case:
    /// `de-CH` is German.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }
}

/// The first supported language of a space-separated `ui_locales` value.
pub fn from_ui_locales(value: &str) -> Option<Locale> {
    if value.len() > MAX_INPUT {
        return None;
    }
    value.split(' ').take(MAX_RANGES).find_map(Locale::from_tag)
}

/// The supported language an `Accept-Language` header prefers most: the highest
/// q-value wins, the earlier range on a tie; `q=0` means "not this one", and `*` names
/// no particular language, so it leaves the choice to what comes next.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    if header.len() > MAX_INPUT {
        return None;
    }
    let mut best: Option<(u16, Locale)> = None;
    for range in header.split(',').take(MAX_RANGES) {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let Some(q) = parts.map(str::trim).try_fold(1000, |q, p| weight(p, q)) else {
            continue;
        };
        let Some(locale) = Locale::from_tag(tag) else {
            continue;
        };
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, locale));
        }
    }
    best.map(|(_, l)| l)
}

/// The weight a parameter sets, in thousandths (`q=0.9` is 900), or `current` for a
/// parameter that is not `q`; `None` when the q-value is malformed, dropping the range.
fn weight(param: &str, current: u16) -> Option<u16> {
    let Some((name, value)) = param.split_once('=') else {
        return Some(current);
    };
    if !name.trim().eq_ignore_ascii_case("q") {
        return Some(current);
    }
    let value = value.trim();
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The language a page is shown in: `ui_locales` (from the request, or kept with the
/// pending request), then `Accept-Language`, then the tenant's default.
pub fn choose(ui_locales: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    ui_locales
        .and_then(from_ui_locales)
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(default)
}

#[cfg(test)]
#[path = "locale_tests.rs"]
mod tests;
