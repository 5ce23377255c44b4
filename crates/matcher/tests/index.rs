//! Table tests of the index: CIDR blocks (IPv4, IPv6), hashes under different algorithm
//! spellings, expiry, revocation, removal and replacement.

use jiff::Timestamp;
use tanseeq_matcher::{Indicator, IndicatorIndex, IndicatorKey, Observable};
use tanseeq_pattern::{StixVersion, parse};

fn at() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

fn key(id: &str) -> IndicatorKey {
    IndicatorKey {
        id: id.into(),
        version: "2026-01-01T00:00:00.000Z".into(),
    }
}

fn indicator(id: &str, pattern: &str) -> Indicator<String> {
    Indicator {
        key: key(id),
        pattern: parse(pattern, StixVersion::V21).unwrap(),
        valid_from: "2026-01-01T00:00:00Z".parse().unwrap(),
        valid_until: None,
        revoked: false,
        metadata: format!("meta of {id}"),
    }
}

fn index(rows: &[(&str, &str)]) -> IndicatorIndex<String> {
    let mut ix = IndicatorIndex::new();
    for (id, p) in rows {
        ix.insert(indicator(id, p)).unwrap();
    }
    ix
}

fn hits(ix: &IndicatorIndex<String>, o: &Observable) -> Vec<String> {
    let mut v: Vec<String> = ix
        .match_observable(o, at())
        .into_iter()
        .map(|h| h.key.id.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn cidr_blocks() {
    let ix = index(&[
        ("net8", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"),
        ("net24", "[ipv4-addr:value ISSUBSET '10.1.2.0/24']"),
        ("host", "[ipv4-addr:value ISSUBSET '10.1.2.3/32']"),
        ("unaligned", "[ipv4-addr:value ISSUBSET '192.168.7.9/16']"),
        ("v6net", "[ipv6-addr:value ISSUBSET '2001:db8::/32']"),
        (
            "v6host",
            "[ipv6-addr:value ISSUBSET '2001:db8:0:0:0:0:0:1/128']",
        ),
        ("all", "[ipv6-addr:value ISSUBSET '::/0']"),
        // Equality with a block is string equality (the reference matcher's semantics).
        ("eqblock", "[ipv4-addr:value = '10.0.0.0/8']"),
    ]);
    let table: &[(&str, &str, &[&str])] = &[
        ("ipv4-addr", "10.1.2.3", &["host", "net24", "net8"]),
        ("ipv4-addr", "10.1.2.4", &["net24", "net8"]),
        ("ipv4-addr", "10.200.0.1", &["net8"]),
        ("ipv4-addr", "10.1.2.0/25", &["net24", "net8"]),
        ("ipv4-addr", "10.0.0.0/8", &["eqblock", "net8"]),
        ("ipv4-addr", "10.0.0.0/7", &[]),
        ("ipv4-addr", "192.168.200.1", &["unaligned"]),
        ("ipv4-addr", "11.0.0.1", &[]),
        ("ipv4-addr", "010.1.2.3", &[]),
        ("ipv4-addr", "garbage", &[]),
        ("ipv6-addr", "2001:db8::1", &["all", "v6host", "v6net"]),
        (
            "ipv6-addr",
            "2001:0db8:0000::0001",
            &["all", "v6host", "v6net"],
        ),
        ("ipv6-addr", "2001:db8:ffff::", &["all", "v6net"]),
        ("ipv6-addr", "2001:db9::1", &["all"]),
        // An IPv4 address under the IPv6 type is still no IPv6 address.
        ("ipv6-addr", "10.1.2.3", &[]),
        // The type counts: the same text under another type matches nothing.
        ("domain-name", "10.1.2.3", &[]),
    ];
    for (t, v, want) in table {
        assert_eq!(hits(&ix, &Observable::new(*t, *v)), *want, "{t} {v}");
    }
}

#[test]
fn hash_algorithm_spellings() {
    let ix = index(&[
        ("sha256", "[file:hashes.'SHA-256' = 'e3b0c442']"),
        ("md5", "[file:hashes.MD5 = 'd41d8cd9']"),
        ("sha1", "[file:hashes.'SHA-1' = 'da39a3ee']"),
        ("sha512", "[file:hashes.'SHA-512' = 'cf83e135']"),
        (
            "either",
            "[file:hashes.MD5 = 'd41d8cd9' OR file:hashes.'SHA-1' = 'da39a3ee']",
        ),
    ]);
    let table: &[(&str, &str, &[&str])] = &[
        ("SHA-256", "e3b0c442", &["sha256"]),
        ("sha256", "e3b0c442", &["sha256"]),
        ("SHA256", "e3b0c442", &["sha256"]),
        ("sha_256", "e3b0c442", &["sha256"]),
        ("md5", "d41d8cd9", &["either", "md5"]),
        ("MD-5", "d41d8cd9", &["either", "md5"]),
        ("sha1", "da39a3ee", &["either", "sha1"]),
        ("SHA-512", "cf83e135", &["sha512"]),
        // The algorithm counts: a SHA-256 value under MD5 is no hit.
        ("md5", "e3b0c442", &[]),
        // Values compare exactly, as in the evaluator.
        ("sha256", "E3B0C442", &[]),
    ];
    for (alg, v, want) in table {
        assert_eq!(
            hits(&ix, &Observable::file_hash(alg, *v)),
            *want,
            "{alg} {v}"
        );
    }
}

#[test]
fn expiry_and_revocation() {
    let mut ix = IndicatorIndex::new();
    let p = "[domain-name:value = 'evil.example']";
    let ts = |s: &str| -> Timestamp { s.parse().unwrap() };
    let rows: &[(&str, &str, Option<&str>, bool)] = &[
        ("open", "2026-01-01T00:00:00Z", None, false),
        (
            "until-later",
            "2026-01-01T00:00:00Z",
            Some("2026-06-01T12:00:01Z"),
            false,
        ),
        (
            "until-now",
            "2026-01-01T00:00:00Z",
            Some("2026-06-01T12:00:00Z"),
            false,
        ),
        (
            "expired",
            "2026-01-01T00:00:00Z",
            Some("2026-02-01T00:00:00Z"),
            false,
        ),
        ("from-now", "2026-06-01T12:00:00Z", None, false),
        ("future", "2026-06-01T12:00:00.001Z", None, false),
        ("revoked", "2026-01-01T00:00:00Z", None, true),
    ];
    for (id, from, until, revoked) in rows {
        ix.insert(Indicator {
            valid_from: ts(from),
            valid_until: until.map(ts),
            revoked: *revoked,
            ..indicator(id, p)
        })
        .unwrap();
    }
    let o = Observable::new("domain-name", "evil.example");
    assert_eq!(hits(&ix, &o), ["from-now", "open", "until-later"]);
    assert!(ix.set_revoked(&key("open"), true));
    assert_eq!(hits(&ix, &o), ["from-now", "until-later"]);
    assert!(ix.set_revoked(&key("revoked"), false));
    assert_eq!(hits(&ix, &o), ["from-now", "revoked", "until-later"]);
    assert!(!ix.set_revoked(&key("absent"), true));
}

#[test]
fn remove_and_replace() {
    let mut ix = index(&[
        ("a", "[domain-name:value = 'evil.example']"),
        (
            "b",
            "[domain-name:value = 'evil.example' OR url:value LIKE '%/payload/%']",
        ),
        ("c", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
        ("d", "[url:value NOT LIKE '%benign%']"),
    ]);
    let domain = Observable::new("domain-name", "evil.example");
    let url = Observable::new("url", "https://evil.example/payload/x.bin");
    let ip = Observable::new("ipv4-addr", "198.51.100.9");
    assert_eq!(hits(&ix, &domain), ["a", "b"]);
    assert_eq!(hits(&ix, &url), ["b", "d"]);
    assert_eq!(hits(&ix, &ip), ["c"]);
    assert_eq!(ix.stats().type_anchored_indicators, 1);

    assert_eq!(ix.remove(&key("a")), Some("meta of a".to_string()));
    assert_eq!(ix.remove(&key("a")), None);
    assert_eq!(hits(&ix, &domain), ["b"]);

    // Replacing under the same key drops the old anchors.
    let old = ix
        .insert(indicator("b", "[ipv4-addr:value ISSUBSET '198.51.0.0/16']"))
        .unwrap();
    assert_eq!(old, Some("meta of b".to_string()));
    assert_eq!(hits(&ix, &domain), Vec::<String>::new());
    assert_eq!(hits(&ix, &url), ["d"]);
    assert_eq!(hits(&ix, &ip), ["b", "c"]);

    // Another version of the same id is another key.
    ix.insert(Indicator {
        key: IndicatorKey {
            id: "c".into(),
            version: "2".into(),
        },
        ..indicator("c", "[domain-name:value = 'evil.example']")
    })
    .unwrap();
    assert_eq!(hits(&ix, &domain), ["c"]);
    assert_eq!(ix.len(), 4);

    for id in ["b", "c", "d"] {
        ix.remove(&key(id));
    }
    ix.remove(&IndicatorKey {
        id: "c".into(),
        version: "2".into(),
    });
    assert!(ix.is_empty());
    let s = ix.stats();
    assert_eq!(
        (
            s.equals_anchors,
            s.subnet_anchors,
            s.substring_anchors,
            s.type_anchored_indicators,
            s.object_paths
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(hits(&ix, &url).is_empty());
}

#[test]
fn observed_data_with_full_semantics() {
    let ix = index(&[
        (
            "pair",
            "[ipv4-addr:value = '203.0.113.5'] FOLLOWEDBY [domain-name:value = 'evil.example'] WITHIN 60 SECONDS",
        ),
        ("single", "[domain-name:value = 'evil.example']"),
    ]);
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--0", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "first_observed": "2026-06-01T11:59:00Z",
         "last_observed": "2026-06-01T11:59:00Z", "number_observed": 1, "object_refs": ["ipv4-addr--1"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.5"},
        {"type": "observed-data", "id": "observed-data--2", "first_observed": "2026-06-01T11:59:30Z",
         "last_observed": "2026-06-01T11:59:30Z", "number_observed": 1, "object_refs": ["domain-name--1"]},
        {"type": "domain-name", "id": "domain-name--1", "value": "evil.example"},
    ]});
    let obs = tanseeq_pattern::Observations::from_json(&bundle).unwrap();
    let m = ix.match_observations(&obs, at());
    let mut got: Vec<(String, Vec<String>)> = m
        .hits
        .iter()
        .map(|h| (h.key.id.clone(), h.observed_data_ids.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "pair".to_string(),
                vec![
                    "observed-data--1".to_string(),
                    "observed-data--2".to_string()
                ]
            ),
            ("single".to_string(), vec!["observed-data--2".to_string()]),
        ]
    );
    // One observable cannot satisfy both sides of FOLLOWEDBY.
    assert_eq!(
        hits(&ix, &Observable::new("domain-name", "evil.example")),
        ["single"]
    );
}
