use super::*;
use serde_json::json;

fn user() -> Value {
    json!({
        "userName": "Alice@Example.com",
        "displayName": "Alice Liddell",
        "active": true,
        "name": {"givenName": "Alice", "familyName": "Liddell"},
        "emails": [{"value": "Alice@Example.com", "type": "work", "primary": true}],
        "meta": {"lastModified": "2026-01-02T03:04:05Z"}
    })
}

fn holds(filter: &str) -> bool {
    parse(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(&user())
}

fn refused(filter: &str) -> String {
    match parse(filter) {
        Ok(f) => panic!("{filter} parsed as {f:?}"),
        Err(e) => {
            assert_eq!(e.scim_type(), Some("invalidFilter"), "{filter}");
            e.public_message()
        }
    }
}

#[test]
fn every_operator_compares_as_rfc_7644_says() {
    for f in [
        r#"userName eq "alice@example.com""#,
        r#"USERNAME EQ "ALICE@EXAMPLE.COM""#,
        r#"userName ne "bob""#,
        r#"displayName co "Lid""#,
        r#"displayName sw "Alice""#,
        r#"displayName ew "dell""#,
        r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
        r#"meta.lastModified ge "2026-01-02T03:04:05Z""#,
        r#"meta.lastModified lt "2027-01-01T00:00:00Z""#,
        r#"meta.lastModified le "2026-01-02T03:04:05Z""#,
        "name.givenName pr",
        "active eq true",
        "active ne false",
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@example.com""#,
        r#"emails.value eq "alice@example.COM""#,
        r#"emails[type eq "work" and value eq "ALICE@example.com"]"#,
    ] {
        assert!(holds(f), "{f}");
    }
    for f in [
        r#"displayName eq "alice liddell""#,
        r#"displayName co "lid""#,
        r#"userName eq "bob""#,
        "nickName pr",
        r#"emails[type eq "home"]"#,
        "active eq false",
        r#"meta.lastModified gt "2026-01-02T03:04:05Z""#,
    ] {
        assert!(!holds(f), "{f}");
    }
}

#[test]
fn logic_has_not_over_and_over_or_and_grouping() {
    assert!(holds(
        r#"userName eq "x" or userName eq "alice@example.com" and active eq true"#
    ));
    assert!(!holds(
        r#"(userName eq "x" or userName eq "alice@example.com") and active eq false"#
    ));
    assert!(holds(r#"not (userName eq "x")"#));
    assert!(!holds(r#"NOT (userName eq "alice@example.com")"#));
    assert!(holds(r#"((((active eq true))))"#));
    assert_eq!(
        parse(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap(),
        Filter::Or(
            Box::new(Filter::Compare(
                AttrPath {
                    attr: "a".into(),
                    sub: None
                },
                Op::Eq,
                json!("1")
            )),
            Box::new(Filter::And(
                Box::new(Filter::Compare(
                    AttrPath {
                        attr: "b".into(),
                        sub: None
                    },
                    Op::Eq,
                    json!("2")
                )),
                Box::new(Filter::Compare(
                    AttrPath {
                        attr: "c".into(),
                        sub: None
                    },
                    Op::Eq,
                    json!("3")
                )),
            )),
        )
    );
}

#[test]
fn strings_take_json_escapes() {
    let f = parse(r#"displayName eq "a \"quoted\" \u00e9""#).unwrap();
    assert!(f.matches(&json!({"displayName": "a \"quoted\" é"})));
}

#[test]
fn malformed_filters_are_invalid_filter() {
    for f in [
        "",
        "userName",
        "userName eq",
        r#"userName xx "a""#,
        r#"userName eq "a"#,
        r#"(userName eq "a""#,
        r#"userName eq "a")"#,
        r#"not userName eq "a""#,
        r#"emails[type eq "work""#,
        r#"active gt true"#,
        r#"userName co 3"#,
        r#"userName eq bare"#,
        r#"1bad eq "a""#,
        r#"userName eq "a" and"#,
        r#"a.b.c eq "x""#,
    ] {
        refused(f);
    }
    let deep = format!("{}active eq true{}", "(".repeat(100), ")".repeat(100));
    assert!(refused(&deep).contains("deeply"));
    refused(&format!(r#"userName eq "{}""#, "a".repeat(5000)));
}

#[test]
fn patch_paths_parse_with_value_filters_and_urn_prefixes() {
    let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.attr, "emails");
    assert_eq!(p.sub.as_deref(), Some("value"));
    assert!(p.filter.unwrap().matches(&json!({"type": "work"})));
    let p = parse_path(r#"members[value eq "2819c223"]"#).unwrap();
    assert_eq!((p.attr.as_str(), p.sub), ("members", None));
    let p = parse_path("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName").unwrap();
    assert_eq!(
        (p.attr.as_str(), p.sub.as_deref()),
        ("name", Some("givenname"))
    );
    assert!(p.filter.is_none());
    for bad in [
        "",
        "emails[",
        r#"emails[type eq "work"]x"#,
        "name.givenName[x pr]",
        "a b",
    ] {
        let e = parse_path(bad).unwrap_err();
        assert_eq!(e.scim_type(), Some("invalidPath"), "{bad}");
    }
}
