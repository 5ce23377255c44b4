//! Signing and verifying object versions: round trips over real objects, the tampering
//! table, and the companion and extension-definition as valid STIX.

use std::collections::HashMap;

use tanseeq_provenance::ed25519_dalek::{SigningKey, VerifyingKey};
use tanseeq_provenance::{
    COMPANION_TYPE, EXTENSION_DEFINITION_ID, NodeSigner, PROJECT_IDENTITY_ID, ProvenanceError,
    SCHEMA_URL, extension_definition, key_id, project_identity, public_key_from_base64, sign,
    sign_at, verify,
};
use tanseeq_stix::{StixTimestamp, validate_object};

const NODE_A: &str = "node--a";
const NODE_B: &str = "node--b";

fn signer(name: &str, seed: u8) -> NodeSigner {
    NodeSigner::from_signing_key(name, SigningKey::from_bytes(&[seed; 32]))
}

fn keys(signers: &[&NodeSigner]) -> HashMap<String, VerifyingKey> {
    signers
        .iter()
        .map(|s| (s.signer().to_owned(), s.verifying_key()))
        .collect()
}

fn at(text: &str) -> StixTimestamp {
    StixTimestamp::parse(text).unwrap()
}

const INDICATOR_V1: &str = r#"{
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2024-03-01T10:00:00.000Z",
    "modified": "2024-03-01T10:00:00.000Z",
    "name": "C2 \u0645\u062e\u062f\u0645 beacon",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2024-03-01T10:00:00Z",
    "confidence": 85,
    "labels": ["malicious-activity"]
}"#;

fn indicator_v2() -> String {
    INDICATOR_V1
        .replace(
            r#""modified": "2024-03-01T10:00:00.000Z""#,
            r#""modified": "2024-04-02T08:30:00.000Z""#,
        )
        .replace("85", "95")
}

#[test]
fn sign_then_verify() {
    let a = signer(NODE_A, 1);
    let companion = sign_at(INDICATOR_V1, &a, at("2024-03-01T10:00:05.123Z")).unwrap();
    let verified = verify(INDICATOR_V1, &companion, &keys(&[&a])).unwrap();
    assert_eq!(
        verified.object_ref,
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
    );
    assert_eq!(
        verified.object_modified.as_deref(),
        Some("2024-03-01T10:00:00.000Z")
    );
    assert_eq!(verified.signer, NODE_A);
    assert_eq!(verified.key_id, a.key_id());
    assert_eq!(verified.signed_at, at("2024-03-01T10:00:05.123Z"));
    assert!(verified.companion_id.starts_with("tanseeq-provenance--"));
    // Deterministic: the same inputs give the same companion, byte for byte.
    assert_eq!(
        companion,
        sign_at(INDICATOR_V1, &a, at("2024-03-01T10:00:05.123Z")).unwrap()
    );
    // `sign` uses the clock and verifies the same way.
    let now = sign(INDICATOR_V1, &a).unwrap();
    assert!(verify(INDICATOR_V1, &now, &keys(&[&a])).is_ok());
    // The companion is emitted in its own canonical form.
    assert_eq!(
        tanseeq_provenance::canonicalize(&companion).unwrap(),
        companion
    );
    println!("{companion}");
}

#[test]
fn companion_is_valid_stix_and_names_its_extension() {
    let a = signer(NODE_A, 1);
    let companion = sign_at(INDICATOR_V1, &a, at("2024-03-01T10:00:05Z")).unwrap();
    let header = validate_object(&companion).expect("companion is valid STIX 2.1");
    assert_eq!(header.object_type, COMPANION_TYPE);
    let json: serde_json::Value = serde_json::from_str(&companion).unwrap();
    assert_eq!(
        json["extensions"][EXTENSION_DEFINITION_ID]["extension_type"],
        "new-sdo"
    );
    assert_eq!(json["algorithm"], "Ed25519");
    assert_eq!(json["canonicalization"], "JCS");
    assert_eq!(json["digest"].as_str().unwrap().len(), 64);

    let definition = extension_definition();
    let header = validate_object(&definition).expect("extension-definition is valid STIX 2.1");
    assert_eq!(header.id, EXTENSION_DEFINITION_ID);
    assert_eq!(header.created_by_ref.as_deref(), Some(PROJECT_IDENTITY_ID));
    let json: serde_json::Value = serde_json::from_str(&definition).unwrap();
    assert_eq!(json["extension_types"], serde_json::json!(["new-sdo"]));
    assert_eq!(json["schema"], SCHEMA_URL);
    // The fixed id is the UUIDv5 of the schema URL.
    assert_eq!(
        EXTENSION_DEFINITION_ID,
        format!(
            "extension-definition--{}",
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, SCHEMA_URL.as_bytes())
        )
    );
    assert_eq!(definition, extension_definition(), "the same on every call");

    let identity = project_identity();
    assert_eq!(validate_object(&identity).unwrap().id, PROJECT_IDENTITY_ID);
}

#[test]
fn companion_id_is_one_per_object_version_and_signer() {
    let a = signer(NODE_A, 1);
    let b = signer(NODE_B, 2);
    let id = |raw: &str, s: &NodeSigner, t: &str| {
        let c = sign_at(raw, s, at(t)).unwrap();
        serde_json::from_str::<serde_json::Value>(&c).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = id(INDICATOR_V1, &a, "2024-03-01T10:00:05Z");
    // Signed again later (by another process of the same node): the same object.
    assert_eq!(first, id(INDICATOR_V1, &a, "2024-03-09T00:00:00Z"));
    // The same version written with another precision: the same object.
    let reprecised = INDICATOR_V1.replace(
        r#""modified": "2024-03-01T10:00:00.000Z""#,
        r#""modified": "2024-03-01T10:00:00Z""#,
    );
    assert_eq!(first, id(&reprecised, &a, "2024-03-01T10:00:05Z"));
    assert_ne!(first, id(&indicator_v2(), &a, "2024-03-01T10:00:05Z"));
    assert_ne!(first, id(INDICATOR_V1, &b, "2024-03-01T10:00:05Z"));
}

#[test]
fn objects_without_a_version_are_signed_too() {
    let a = signer(NODE_A, 1);
    let sco = r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#;
    let companion = sign_at(sco, &a, at("2024-03-01T10:00:05Z")).unwrap();
    assert!(!companion.contains("object_modified"));
    validate_object(&companion).unwrap();
    let verified = verify(sco, &companion, &keys(&[&a])).unwrap();
    assert_eq!(verified.object_modified, None);
}

#[test]
fn what_cannot_be_signed() {
    let a = signer(NODE_A, 1);
    for raw in [
        "[]",
        "not json",
        r#"{"type":"indicator"}"#,
        r#"{"id":"nonsense"}"#,
        r#"{"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","modified":"yesterday"}"#,
        r#"{"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
    ] {
        assert!(
            matches!(sign(raw, &a), Err(ProvenanceError::MalformedObject(_))),
            "{raw}"
        );
    }
}

#[test]
fn keys_round_trip_through_base64() {
    let secret = base64_encode(&[7u8; 32]);
    let a = NodeSigner::from_base64_secret(NODE_A, &secret).unwrap();
    let public = public_key_from_base64(&a.public_key_base64()).unwrap();
    assert_eq!(public, a.verifying_key());
    assert_eq!(key_id(&public), a.key_id());
    assert_eq!(a.key_id().len(), 32);
    assert!(!format!("{a:?}").contains(&secret));
    for bad in ["", "AAAA", "not base64!", &base64_encode(&[1u8; 33])] {
        assert!(matches!(
            NodeSigner::from_base64_secret(NODE_A, bad),
            Err(ProvenanceError::BadKey(_))
        ));
        assert!(matches!(
            public_key_from_base64(bad),
            Err(ProvenanceError::BadKey(_))
        ));
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Changes to the object that keep its meaning still verify (JCS); every other change fails.
#[test]
fn tampering_table() {
    let a = signer(NODE_A, 1);
    let b = signer(NODE_B, 2);
    let held = keys(&[&a, &b]);
    let companion = sign_at(INDICATOR_V1, &a, at("2024-03-01T10:00:05Z")).unwrap();
    let compact = tanseeq_provenance::canonicalize(INDICATOR_V1).unwrap();

    // Still verifies: whitespace, member order, number and escape spelling.
    let reordered = {
        let v: serde_json::Value = serde_json::from_str(INDICATOR_V1).unwrap();
        let mut pairs: Vec<_> = v.as_object().unwrap().iter().collect();
        pairs.reverse();
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v))
            .collect();
        format!("{{ {} }}", body.join(" ,\n\t"))
    };
    for (what, raw) in [
        ("canonical form", compact.clone()),
        ("pretty printed", pretty(INDICATOR_V1)),
        ("members reversed", reordered),
        (
            "number spelled 85.0e0",
            INDICATOR_V1.replace("85", "85.0e0"),
        ),
        (
            "escape spelled differently",
            INDICATOR_V1.replace("\\u0645", "\u{645}"),
        ),
    ] {
        verify(&raw, &companion, &held).unwrap_or_else(|e| panic!("{what}: {e}"));
    }

    // Fails: one byte of the object changed, anywhere, to any other ASCII byte; unless the
    // change is one of layout only (whitespace, `\u` hex case), which must still verify.
    let mut refused = 0;
    let mut layout_only = 0;
    for original in [compact.as_str(), INDICATOR_V1] {
        for (i, byte) in original.bytes().enumerate() {
            if !byte.is_ascii() {
                continue;
            }
            for replacement in (0x20u8..0x7f).chain([b'\n', b'\t']) {
                if replacement == byte {
                    continue;
                }
                let mut bytes = original.as_bytes().to_vec();
                bytes[i] = replacement;
                let tampered = String::from_utf8(bytes).unwrap();
                let same =
                    tanseeq_provenance::canonicalize(&tampered).ok() == Some(compact.clone());
                match verify(&tampered, &companion, &held) {
                    Ok(_) if same => layout_only += 1,
                    Err(
                        ProvenanceError::DigestMismatch
                        | ProvenanceError::WrongObject { .. }
                        | ProvenanceError::WrongVersion { .. }
                        | ProvenanceError::MalformedObject(_),
                    ) if !same => refused += 1,
                    other => panic!("byte {i} changed to {:?}: {other:?}", replacement as char),
                }
            }
        }
    }
    assert!(refused > 50_000, "{refused}");
    assert!(layout_only > 100, "{layout_only}");
    let expect = |raw: &str, companion: &str, keys: &HashMap<String, VerifyingKey>| {
        verify(raw, companion, keys).unwrap_err()
    };
    assert_eq!(
        expect(&INDICATOR_V1.replace("85", "86"), &companion, &held),
        ProvenanceError::DigestMismatch
    );
    assert!(matches!(
        expect(
            &INDICATOR_V1.replace("8e2e2d2b", "8e2e2d2c"),
            &companion,
            &held
        ),
        ProvenanceError::WrongObject { .. }
    ));
    assert_eq!(
        expect(
            &INDICATOR_V1.replace(r#""labels""#, r#""extra": true, "labels""#),
            &companion,
            &held
        ),
        ProvenanceError::DigestMismatch
    );

    // Wrong key: B's key held under A's name.
    let forged_keys: HashMap<String, VerifyingKey> =
        [(NODE_A.to_owned(), b.verifying_key())].into();
    assert!(matches!(
        expect(INDICATOR_V1, &companion, &forged_keys),
        ProvenanceError::UnknownSigner { .. }
    ));
    // Signed by B claiming to be A, with A's key id: the signature does not verify.
    let claimed = companion_field(
        &sign_at(
            INDICATOR_V1,
            &NodeSigner::from_signing_key(NODE_A, SigningKey::from_bytes(&[2; 32])),
            at("2024-03-01T10:00:05Z"),
        )
        .unwrap(),
        "key_id",
        &a.key_id(),
    );
    assert_eq!(
        expect(INDICATOR_V1, &claimed, &held),
        ProvenanceError::BadSignature
    );
    // Unknown signer.
    assert!(matches!(
        expect(INDICATOR_V1, &companion, &keys(&[&b])),
        ProvenanceError::UnknownSigner { .. }
    ));

    // Companion of another version: v2 signed, v1 presented, and the replay of v1's companion
    // beside v2.
    let v2 = indicator_v2();
    let companion_v2 = sign_at(&v2, &a, at("2024-04-02T08:30:01Z")).unwrap();
    assert!(verify(&v2, &companion_v2, &held).is_ok());
    assert!(matches!(
        expect(INDICATOR_V1, &companion_v2, &held),
        ProvenanceError::WrongVersion { .. }
    ));
    assert!(matches!(
        expect(&v2, &companion, &held),
        ProvenanceError::WrongVersion { .. }
    ));
    // The replayed companion edited to name v2 (keeping its id consistent is impossible
    // without the key, so retarget both): the digest no longer matches, or the signature
    // breaks.
    let retargeted = companion_field(&companion, "object_modified", "2024-04-02T08:30:00.000Z");
    assert!(matches!(
        expect(&v2, &retargeted, &held),
        ProvenanceError::MalformedCompanion(_)
    ));

    // Tampering with the companion itself.
    for (field, value) in [
        ("signed_at", "2020-01-01T00:00:00.000Z"),
        ("created", "2020-01-01T00:00:00.000Z"),
        (
            "signature",
            &flip_base64(&companion_str(&companion, "signature")),
        ),
    ] {
        assert_eq!(
            expect(
                INDICATOR_V1,
                &companion_field(&companion, field, value),
                &held
            ),
            ProvenanceError::BadSignature,
            "{field}"
        );
    }
    let v2_digest = companion_str(&companion_v2, "digest");
    assert_eq!(
        expect(
            INDICATOR_V1,
            &companion_field(&companion, "digest", &v2_digest),
            &held
        ),
        ProvenanceError::DigestMismatch
    );
    assert_eq!(
        expect(
            &v2,
            &companion_field(
                &companion_field(&companion, "digest", &v2_digest),
                "object_modified",
                "2024-04-02T08:30:00.000Z"
            ),
            &held
        ),
        ProvenanceError::MalformedCompanion(
            "`id` is not the one derived from `object_ref`, `object_modified` and `signer`".into()
        )
    );
    // Whitespace and member order of the companion do not matter (it is read as JSON).
    assert!(verify(INDICATOR_V1, &pretty(&companion), &held).is_ok());
}

#[test]
fn malformed_companions() {
    let a = signer(NODE_A, 1);
    let held = keys(&[&a]);
    let companion = sign_at(INDICATOR_V1, &a, at("2024-03-01T10:00:05Z")).unwrap();
    let mut cases: Vec<(String, String)> = vec![
        ("not JSON".into(), "{".into()),
        ("not an object".into(), "[]".into()),
        (
            "duplicate member".into(),
            companion.replacen('{', r#"{"signer":"x","#, 1),
        ),
    ];
    for (field, value) in [
        ("type", "x-other"),
        ("algorithm", "RS256"),
        ("canonicalization", "none"),
        ("digest", "abc"),
        ("signature", "!!!"),
        ("signature", "AAAA"),
        ("signed_at", "today"),
        ("object_modified", "never"),
        (
            "id",
            "tanseeq-provenance--00000000-0000-4000-8000-000000000000",
        ),
    ] {
        cases.push((
            format!("{field} = {value}"),
            companion_field(&companion, field, value),
        ));
    }
    for field in [
        "signer",
        "key_id",
        "digest",
        "signature",
        "object_ref",
        "type",
    ] {
        cases.push((format!("{field} missing"), remove_field(&companion, field)));
    }
    for (what, text) in cases {
        assert!(
            matches!(
                verify(INDICATOR_V1, &text, &held),
                Err(ProvenanceError::MalformedCompanion(_))
            ),
            "{what}: {:?}",
            verify(INDICATOR_V1, &text, &held)
        );
    }
}

/// Every object of MITRE ATT&CK for ICS signs and verifies, and a companion verifies only its
/// own object.
#[test]
fn mitre_attack_ics_objects_sign_and_verify() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ics-attack-18.1.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("note: {path} is absent; skipping the ATT&CK for ICS round trip");
        return;
    };
    let objects = tanseeq_stix::bundle::envelope_objects(&text).expect("a bundle");
    assert!(objects.len() > 1000);
    let a = signer(NODE_A, 1);
    let held = keys(&[&a]);
    let mut previous: Option<(&str, String)> = None;
    for object in &objects {
        let raw = object.get();
        let companion = sign_at(raw, &a, at("2025-11-20T12:00:00Z")).unwrap();
        validate_object(&companion).unwrap();
        verify(raw, &companion, &held).unwrap();
        // Reformatted: still verifies.
        verify(&pretty(raw), &companion, &held).unwrap();
        if let Some((prev_raw, prev_companion)) = &previous {
            assert!(verify(prev_raw, &companion, &held).is_err());
            assert!(verify(raw, prev_companion, &held).is_err());
        }
        previous = Some((raw, companion));
    }
}

// ---- helpers (serde_json is a dev-dependency only) ----

fn pretty(raw: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(raw).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

fn companion_str(companion: &str, field: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(companion).unwrap();
    v[field].as_str().unwrap().to_owned()
}

fn companion_field(companion: &str, field: &str, value: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(companion).unwrap();
    v[field] = serde_json::Value::String(value.to_owned());
    v.to_string()
}

fn remove_field(companion: &str, field: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(companion).unwrap();
    v.as_object_mut().unwrap().remove(field);
    v.to_string()
}

fn flip_base64(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
