//! Property tests: any JSON object with a STIX id signs and verifies, in any layout; any
//! one-character change of a string value is caught; nothing panics on input.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Map, Value};
use tanseeq_provenance::ed25519_dalek::{SigningKey, VerifyingKey};
use tanseeq_provenance::{NodeSigner, ProvenanceError, canonicalize, sign_at, verify};
use tanseeq_stix::StixTimestamp;

const ID: &str = "x-test-object--5b2e8a8c-9f1e-4d37-8a42-0c6b1f0e9d11";

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z\u{600}-\u{6ff}\u{1f600}-\u{1f64f} \\\\\"\n]{0,12}".prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with a STIX id and arbitrary other members.
fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z_\u{e9}\u{1f600}]{1,8}", json(), 0..8).prop_map(|members| {
        let mut map: Map<String, Value> = members.into_iter().collect();
        map.insert("type".into(), Value::from("x-test-object"));
        map.insert("id".into(), Value::from(ID));
        map.insert("modified".into(), Value::from("2024-05-06T07:08:09.123Z"));
        Value::Object(map)
    })
}

/// Paths to every string value (not member names), as a list of steps.
fn string_paths(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::String(s) if !s.is_empty() => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                string_paths(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(Step::Key(k.clone()));
                string_paths(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Equal, numbers as doubles within one unit in the last place.
/// How many units in the last place serde_json's default float parser may miss by.
const MAX_PARSER_ULPS: i64 = 8;

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            // serde_json's default float parser (without `float_roundtrip`) is not correctly
            // rounded: it was seen 2 units in the last place off at exponents around 1e-156.
            // Exact rounding is what the RFC 8785 vector tests check; this only asks whether
            // the canonical form means the same number.
            x == y || (x.to_bits() as i64 - y.to_bits() as i64).abs() <= MAX_PARSER_ULPS
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[derive(Clone, Debug)]
enum Step {
    Index(usize),
    Key(String),
}

fn at_path<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Index(i) => &mut v[*i],
        Step::Key(k) => &mut v[k.as_str()],
    })
}

fn signer() -> NodeSigner {
    NodeSigner::from_signing_key("node--p", SigningKey::from_bytes(&[9; 32]))
}

fn held(s: &NodeSigner) -> HashMap<String, VerifyingKey> {
    [(s.signer().to_owned(), s.verifying_key())].into()
}

fn when() -> StixTimestamp {
    StixTimestamp::parse("2024-05-06T07:08:10Z").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_object_signs_and_verifies_in_any_layout(object in object()) {
        let s = signer();
        let compact = object.to_string();
        let companion = sign_at(&compact, &s, when()).unwrap();
        prop_assert!(verify(&compact, &companion, &held(&s)).is_ok());
        let pretty = serde_json::to_string_pretty(&object).unwrap();
        prop_assert!(verify(&pretty, &companion, &held(&s)).is_ok());
        tanseeq_stix::validate_object(&companion).unwrap();
    }

    #[test]
    fn any_one_character_change_of_a_string_value_fails(
        object in object(),
        pick in any::<prop::sample::Index>(),
        position in any::<prop::sample::Index>(),
        replacement in any::<char>(),
    ) {
        let s = signer();
        let companion = sign_at(&object.to_string(), &s, when()).unwrap();
        let mut paths = Vec::new();
        string_paths(&object, &mut Vec::new(), &mut paths);
        let path = pick.get(&paths); // "type", "id" and "modified" are always there
        let mut mutated = object.clone();
        let target = at_path(&mut mutated, path);
        let mut chars: Vec<char> = target.as_str().unwrap().chars().collect();
        let i = position.index(chars.len());
        chars[i] = if replacement == chars[i] {
            char::from_u32((replacement as u32 + 1) % 0xD800).unwrap_or('a')
        } else {
            replacement
        };
        if chars[i] == target.as_str().unwrap().chars().nth(i).unwrap() {
            chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        }
        *target = Value::String(chars.into_iter().collect());
        let result = verify(&mutated.to_string(), &companion, &held(&s));
        prop_assert!(
            matches!(
                result,
                Err(ProvenanceError::DigestMismatch
                    | ProvenanceError::WrongObject { .. }
                    | ProvenanceError::WrongVersion { .. }
                    | ProvenanceError::MalformedObject(_))
            ),
            "{:?}",
            result
        );
    }

    #[test]
    fn canonical_form_is_layout_independent_and_a_fixed_point(value in json()) {
        let compact = canonicalize(&value.to_string()).unwrap();
        let pretty = canonicalize(&serde_json::to_string_pretty(&value).unwrap()).unwrap();
        prop_assert_eq!(&compact, &pretty);
        prop_assert_eq!(canonicalize(&compact).unwrap(), compact.clone());
        // And it is JSON with the same meaning, numbers read as IEEE doubles (integers past
        // 2^53 are rounded, as in ECMAScript). serde_json's default float parser may be one
        // unit in the last place off (the exact form is covered by the vector tests).
        let back: Value = serde_json::from_str(&compact).unwrap();
        prop_assert!(same(&back, &value), "{} vs {}", back, value);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = canonicalize(&text);
        let _ = sign_at(&text, &signer(), when());
        let _ = verify(&text, &text, &held(&signer()));
    }

    #[test]
    fn never_panics_on_mutated_companions(
        at in any::<prop::sample::Index>(),
        len in 0usize..4,
        insert in "[\\[\\]{}\",:0-9a-z\\\\ ]{0,3}",
    ) {
        let s = signer();
        let raw = r#"{"type":"x-test-object","id":"x-test-object--5b2e8a8c-9f1e-4d37-8a42-0c6b1f0e9d11"}"#;
        let companion = sign_at(raw, &s, when()).unwrap();
        let bytes = companion.as_bytes();
        let start = at.index(bytes.len() + 1);
        let end = (start + len).min(bytes.len());
        let mut out = bytes[..start].to_vec();
        out.extend_from_slice(insert.as_bytes());
        out.extend_from_slice(&bytes[end..]);
        let mutated = String::from_utf8(out).unwrap();
        let result = verify(raw, &mutated, &held(&s));
        if mutated != companion && result.is_ok() {
            // Only a change of layout may still verify.
            prop_assert_eq!(canonicalize(&mutated).unwrap(), companion);
        }
    }
}
