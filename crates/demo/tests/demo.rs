use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use tanseeq_demo::{DemoObject, DemoOrg, demo_objects};

const TLP2: [&str; 5] = [
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
];

fn orgs() -> Vec<DemoOrg> {
    vec![
        DemoOrg {
            name: "National CERT".into(),
            identity_id: "identity--8f2f4b1e-6a0c-4d0e-9b55-2c1f3a7d9e01".into(),
        },
        DemoOrg {
            name: "وحدة مكافحة الجرائم الإلكترونية".into(),
            identity_id: "identity--3c9e7a52-1d4b-4f6a-8e2d-7b0c5f9a1e02".into(),
        },
    ]
}

fn parsed(objects: &[DemoObject]) -> Vec<Value> {
    objects
        .iter()
        .map(|o| serde_json::from_str::<Value>(&o.json).expect("valid JSON"))
        .collect()
}

fn is_stix_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn deterministic() {
    let a = demo_objects(&orgs());
    let b = demo_objects(&orgs());
    assert_eq!(a, b);
    // Different organizations get different object ids.
    let mut other = orgs();
    other[1].identity_id = "identity--0b7e1c2d-9a8f-4e6d-8c5b-4a3f2e1d0c03".into();
    let c = demo_objects(&other);
    assert_eq!(a.len(), c.len());
    let ids = |v: &[DemoObject]| -> HashSet<String> {
        parsed(v)
            .iter()
            .filter(|o| o["type"] == "indicator")
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(ids(&a).is_disjoint(&ids(&c)));
}

#[test]
fn counts_by_type() {
    let objects = demo_objects(&orgs());
    assert!(
        (300..=500).contains(&objects.len()),
        "{} objects",
        objects.len()
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for o in parsed(&objects) {
        *counts
            .entry(o["type"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let n = |t: &str| counts.get(t).copied().unwrap_or(0);
    assert_eq!(n("marking-definition"), 5);
    assert_eq!(n("identity"), 4, "two organizations and two victim classes");
    assert!((190..=215).contains(&n("indicator")), "{counts:?}");
    assert!(n("relationship") >= 150, "{counts:?}");
    for t in [
        "threat-actor",
        "intrusion-set",
        "malware",
        "tool",
        "attack-pattern",
        "campaign",
    ] {
        assert!(n(t) >= 3, "{t}: {counts:?}");
    }
    for t in [
        "infrastructure",
        "vulnerability",
        "course-of-action",
        "report",
        "note",
        "sighting",
        "observed-data",
        "language-content",
        "ipv4-addr",
        "domain-name",
        "grouping",
    ] {
        assert!(n(t) >= 1, "{t}: {counts:?}");
    }
    // Both organizations submit a fair share.
    let by_org = objects.iter().fold([0usize; 2], |mut acc, o| {
        acc[o.org_index] += 1;
        acc
    });
    assert!(by_org.iter().all(|n| *n >= 100), "{by_org:?}");
}

#[test]
fn every_object_is_valid_for_the_node() {
    for o in demo_objects(&orgs()) {
        if let Err(e) = tanseeq_stix::validate_object(&o.json) {
            panic!("{e}: {}", o.json);
        }
    }
}

#[test]
fn common_properties() {
    let orgs = orgs();
    let objects = demo_objects(&orgs);
    for (raw, o) in objects.iter().zip(parsed(&objects)) {
        assert!(
            raw.json.starts_with("{\"type\":\""),
            "property order: {}",
            raw.json
        );
        assert!(!raw.json.contains('\n'), "compact");
        let ty = o["type"].as_str().unwrap();
        let id = o["id"].as_str().unwrap();
        assert_eq!(o["spec_version"], "2.1", "{id}");
        let (prefix, uuid) = id.split_once("--").unwrap();
        assert_eq!(prefix, ty);
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{id}");
        for key in [
            "created",
            "modified",
            "valid_from",
            "valid_until",
            "first_seen",
            "last_seen",
            "first_observed",
            "last_observed",
            "published",
            "object_modified",
        ] {
            if let Some(v) = o.get(key) {
                assert!(is_stix_timestamp(v.as_str().unwrap()), "{id} {key} {v}");
            }
        }
        let created = o.get("created").and_then(Value::as_str);
        if let (Some(c), Some(m)) = (created, o.get("modified").and_then(Value::as_str)) {
            assert!(m >= c, "{id}");
        }
        for (a, b) in [
            ("valid_from", "valid_until"),
            ("first_seen", "last_seen"),
            ("first_observed", "last_observed"),
        ] {
            if let (Some(a), Some(b)) = (
                o.get(a).and_then(Value::as_str),
                o.get(b).and_then(Value::as_str),
            ) {
                assert!(b >= a, "{id}");
            }
        }
        let markings: Vec<&str> = o
            .get("object_marking_refs")
            .map(|m| {
                m.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        match ty {
            "marking-definition" => {
                assert!(TLP2.contains(&id));
                assert!(o.get("created_by_ref").is_none());
            }
            "ipv4-addr" | "domain-name" => assert_eq!(markings.len(), 1),
            _ => {
                assert_eq!(markings.len(), 1, "{id}");
                assert!(TLP2.contains(&markings[0]), "{id}");
                assert_eq!(
                    o["created_by_ref"],
                    orgs[raw.org_index].identity_id.as_str(),
                    "{id}"
                );
            }
        }
    }
}

#[test]
fn versions_and_references() {
    let objects = parsed(&demo_objects(&orgs()));
    let mut seen = HashSet::new();
    let mut versions: HashMap<&str, Vec<&Value>> = HashMap::new();
    for o in &objects {
        let id = o["id"].as_str().unwrap();
        let version = o
            .get("modified")
            .or(o.get("created"))
            .map(|v| v.as_str().unwrap())
            .unwrap_or("");
        assert!(seen.insert((id, version)), "duplicate version of {id}");
        versions.entry(id).or_default().push(o);
    }
    let revoked: Vec<&Value> = objects.iter().filter(|o| o["revoked"] == true).collect();
    assert!((3..=10).contains(&revoked.len()));
    for r in revoked {
        assert_eq!(r["type"], "indicator");
        let all = &versions[r["id"].as_str().unwrap()];
        assert_eq!(all.len(), 2);
        assert!(all[0]["modified"].as_str() < all[1]["modified"].as_str());
        assert_eq!(all[0]["created"], all[1]["created"]);
        assert_eq!(all[0]["pattern"], all[1]["pattern"]);
        assert!(all[0].get("revoked").is_none());
    }
    // Every reference points at an object in the set.
    let ids: HashSet<&str> = versions.keys().copied().collect();
    for o in &objects {
        for (key, value) in o.as_object().unwrap() {
            let refs: Vec<&str> = if key.ends_with("_ref") {
                vec![value.as_str().unwrap()]
            } else if key.ends_with("_refs") {
                value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect()
            } else {
                continue;
            };
            for r in refs {
                assert!(ids.contains(r), "{} {key} -> {r}", o["id"]);
            }
        }
    }
    // Language content names the version it translates.
    for lc in objects.iter().filter(|o| o["type"] == "language-content") {
        let target = &versions[lc["object_ref"].as_str().unwrap()];
        assert!(
            target
                .iter()
                .any(|t| t["modified"] == lc["object_modified"])
        );
        assert!(lc["contents"]["ar"]["name"].is_string());
    }
}

#[test]
fn tlp_markings_are_the_oasis_objects() {
    let objects = parsed(&demo_objects(&orgs()));
    let markings: Vec<&Value> = objects
        .iter()
        .filter(|o| o["type"] == "marking-definition")
        .collect();
    assert_eq!(markings.len(), 5);
    for (m, (id, level)) in
        markings.iter().zip(
            TLP2.iter()
                .zip(["clear", "green", "amber", "amber+strict", "red"]),
        )
    {
        assert_eq!(m["id"], *id);
        assert_eq!(m["created"], "2022-10-01T00:00:00.000Z");
        assert_eq!(m["name"], format!("TLP:{}", level.to_uppercase()));
        let ext = &m["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"];
        assert_eq!(ext["extension_type"], "property-extension");
        assert_eq!(ext["tlp_2_0"], level);
        assert!(m.get("definition_type").is_none());
    }
    let mut levels: HashMap<&str, usize> = HashMap::new();
    for o in &objects {
        if let Some(m) = o.get("object_marking_refs") {
            *levels.entry(m[0].as_str().unwrap()).or_default() += 1;
        }
    }
    let (clear, green, amber, strict, red) = (
        levels[TLP2[0]],
        levels[TLP2[1]],
        levels[TLP2[2]],
        levels[TLP2[3]],
        levels[TLP2[4]],
    );
    assert!(green + amber > 3 * (clear + strict + red), "{levels:?}");
    assert!(clear >= 10 && red >= 3 && strict >= 1, "{levels:?}");
}

#[test]
fn indicators_look_real() {
    let objects = parsed(&demo_objects(&orgs()));
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for o in objects.iter().filter(|o| o["type"] == "indicator") {
        assert_eq!(o["pattern_type"], "stix");
        assert!(!o["indicator_types"].as_array().unwrap().is_empty());
        let pattern = o["pattern"].as_str().unwrap();
        assert!(pattern.starts_with('['), "{pattern}");
        assert_eq!(
            pattern.matches('[').count(),
            pattern.matches(']').count(),
            "{pattern}"
        );
        let mut rest = pattern;
        while let Some(at) = rest.find(" = '") {
            let path = rest[..at].rsplit(['[', ' ']).next().unwrap();
            let after = &rest[at + 4..];
            let value = &after[..after.find('\'').unwrap()];
            rest = &after[value.len() + 1..];
            match path {
                "ipv4-addr:value" | "network-traffic:dst_ref.value" => {
                    assert!(
                        ["192.0.2.", "198.51.100.", "203.0.113."]
                            .iter()
                            .any(|p| value.starts_with(p)),
                        "{value}"
                    );
                    let host: u8 = value.rsplit('.').next().unwrap().parse().unwrap();
                    assert!(host > 0);
                }
                "ipv6-addr:value" => assert!(value.starts_with("2001:db8:"), "{value}"),
                "domain-name:value"
                | "email-addr:value"
                | "email-message:from_ref.value"
                | "url:value" => {
                    let host = value
                        .split("://")
                        .last()
                        .unwrap()
                        .split(['/', '?'])
                        .next()
                        .unwrap();
                    let host = host.rsplit('@').next().unwrap();
                    assert!(
                        host.ends_with(".example")
                            || host.ends_with(".test")
                            || host.ends_with(".example.com")
                            || host.ends_with(".example.net")
                            || host.ends_with(".example.org")
                            || host.starts_with("198.51.100.")
                            || host.starts_with("203.0.113."),
                        "{value}"
                    );
                }
                "file:hashes.'SHA-256'" => {
                    assert!(value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
                }
                "file:hashes.MD5" => {
                    assert!(value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
                }
                _ => {}
            }
            *kinds.entry(path).or_default() += 1;
        }
        if let Some(until) = o.get("valid_until") {
            assert!(until.as_str() > o["valid_from"].as_str());
        }
    }
    for k in [
        "ipv4-addr:value",
        "ipv6-addr:value",
        "domain-name:value",
        "url:value",
        "file:hashes.'SHA-256'",
        "file:hashes.MD5",
        "email-addr:value",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) >= 5, "{k}: {kinds:?}");
    }
    // Attack patterns carry their ATT&CK ids; vulnerabilities their CVE ids.
    for o in &objects {
        if o["type"] == "attack-pattern" || o["type"] == "vulnerability" {
            let refs = o["external_references"].as_array().unwrap();
            let source = if o["type"] == "vulnerability" {
                "cve"
            } else {
                "mitre-attack"
            };
            assert!(
                refs.iter()
                    .any(|r| r["source_name"] == source && r["external_id"].is_string())
            );
        }
        if o["type"] == "malware" {
            assert_eq!(o["is_family"], true);
            assert!(!o["malware_types"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn a_good_share_is_in_arabic() {
    let objects = parsed(&demo_objects(&orgs()));
    let with_text: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o.get("name").is_some() || o.get("description").is_some() || o.get("content").is_some()
        })
        .filter(|o| o["type"] != "marking-definition")
        .collect();
    let arabic_letters = |s: &str| s.chars().any(|c| ('\u{0621}'..='\u{064A}').contains(&c));
    let tashkeel = |s: &str| s.chars().any(|c| ('\u{064B}'..='\u{0652}').contains(&c));
    let mut arabic = 0;
    let mut vowelled = 0;
    for o in &with_text {
        let text = [&o["name"], &o["description"], &o["content"]]
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if o.get("lang").is_some_and(|l| l == "ar") {
            assert!(arabic_letters(&text), "{}", o["id"]);
            arabic += 1;
            if tashkeel(&text) {
                vowelled += 1;
            }
        } else if o["type"] != "identity" {
            assert!(
                !arabic_letters(o["name"].as_str().unwrap_or("")),
                "untagged Arabic name: {}",
                o["id"]
            );
        }
    }
    assert!(
        arabic * 10 >= with_text.len() * 3,
        "{arabic} of {}",
        with_text.len()
    );
    assert!(vowelled >= 20, "{vowelled}");
}

#[test]
fn one_organization_or_none() {
    assert!(demo_objects(&[]).is_empty());
    let one = &orgs()[..1];
    let objects = demo_objects(one);
    assert!(objects.iter().all(|o| o.org_index == 0));
    for o in &objects {
        tanseeq_stix::validate_object(&o.json).unwrap();
    }
    // Sightings still name an identity that exists.
    for o in parsed(&objects).iter().filter(|o| o["type"] == "sighting") {
        assert_eq!(o["where_sighted_refs"][0], one[0].identity_id.as_str());
    }
}
