//! Patterns at the door, and matching against a node's indicators: `POST /api/v1/match`,
//! `tanseeq match` (with sightings), `tanseeq pattern check|match`.

mod common;

use common::*;
use serde_json::{Value, json};

fn indicator_with(pattern: &str, extra: Value) -> Value {
    let mut object = indicator(&[]);
    object["pattern"] = json!(pattern);
    object["name"] = json!(format!("detects {pattern}"));
    if let (Some(target), Some(more)) = (object.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            target.insert(k.clone(), v.clone());
        }
    }
    object
}

fn match_request(client: &Client, body: Value) -> Resp {
    client.send(
        client
            .request(reqwest::Method::POST, "/api/v1/match")
            .header("Content-Type", "application/json")
            .body(body.to_string()),
    )
}

/// The ids of the indicators hit, per input index.
fn hit_ids(response: &Value) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for m in response["matches"].as_array().expect("matches") {
        for indicator in m["indicators"].as_array().expect("indicators") {
            out.push((
                m["input"].as_u64().unwrap(),
                indicator["id"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn malformed_stix_patterns_are_refused_at_ingest() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let cases: &[(&str, &str, Option<&str>)] = &[
        // (pattern_type, pattern, expected failure text; None: stored)
        ("stix", "[ipv4-addr:value = '198.51.100.1']", None),
        (
            "stix",
            "[ipv4-addr:value = '198.51.100.1'",
            Some("pattern: line 1, column"),
        ),
        (
            "stix",
            "[file:hashes.'SHA-256' = 'x'] WITHIN 0 SECONDS",
            Some("pattern: "),
        ),
        ("stix", "[x:y MATCHES '(?<=a)b']", Some("pattern: ")),
        (
            "stix",
            "ipv4-addr:value = '1.2.3.4'",
            Some("pattern: line 1, column 1"),
        ),
        ("sigma", "title: not a STIX pattern [", None),
        ("snort", "alert tcp any any -> any any", None),
    ];
    let objects: Vec<Value> = cases
        .iter()
        .map(|(kind, pattern, _)| indicator_with(pattern, json!({"pattern_type": kind})))
        .collect();
    let status = client.post_objects(&coll, &objects).expect(202).json();
    for ((kind, pattern, expected), object) in cases.iter().zip(&objects) {
        let id = object["id"].as_str().unwrap();
        let failure = status["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id);
        match (expected, failure) {
            (None, None) => {}
            (Some(text), Some(f)) => {
                let message = f["message"].as_str().unwrap_or("");
                assert!(message.contains(text), "{kind} `{pattern}`: {message}");
            }
            (None, Some(f)) => panic!("{kind} `{pattern}` refused: {f}"),
            (Some(_), None) => panic!("{kind} `{pattern}` was stored: {status}"),
        }
    }
}

#[test]
fn match_api_answers_with_visible_active_indicators() {
    let mut node = TestNode::init("Alpha");
    node.add_org("Beta");
    node.add_user("Beta", "beta", "analyst");
    let shared = node.add_collection("shared", "Alpha,Beta", "Alpha,Beta");
    node.start();
    let alpha = node.admin_client();
    let beta = node.user_client("beta");

    let ip = indicator_with("[ipv4-addr:value = '203.0.113.9']", json!({}));
    let cidr = indicator_with("[ipv4-addr:value ISSUBSET '10.20.0.0/16']", json!({}));
    let domain = indicator_with(
        "[domain-name:value = 'evil.example'] OR [url:value = 'http://evil.example/x']",
        json!({}),
    );
    let hash = indicator_with(
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        json!({}),
    );
    let expired = indicator_with(
        "[ipv4-addr:value = '203.0.113.9']",
        json!({"valid_until": "2024-06-01T00:00:00Z"}),
    );
    let red_of_beta = indicator_with(
        "[ipv4-addr:value = '203.0.113.9']",
        json!({"object_marking_refs": [TLP_RED]}),
    );
    alpha.post_ok(
        &shared,
        &[
            ip.clone(),
            cidr.clone(),
            domain.clone(),
            hash.clone(),
            expired,
        ],
    );
    beta.post_ok(&shared, std::slice::from_ref(&red_of_beta));

    let body = json!({"observables": [
        {"type": "ipv4-addr", "value": "203.0.113.9"},
        "ipv4-addr:10.20.3.4",
        {"type": "domain-name", "value": "evil.example"},
        {"type": "file", "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}},
        "ipv4-addr:192.0.2.1",
    ]});
    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    let seen_by_alpha = match_request(&alpha, body.clone()).expect(200).json();
    assert_eq!(
        hit_ids(&seen_by_alpha),
        {
            let mut v = vec![
                (0, id(&ip)),
                (1, id(&cidr)),
                (2, id(&domain)),
                (3, id(&hash)),
            ];
            v.sort();
            v
        },
        "Alpha: active indicators only, not the expired one, not Beta's TLP:RED one"
    );
    let first = &seen_by_alpha["matches"][0]["indicators"][0];
    assert_eq!(first["producer"], "Alpha");
    assert_eq!(first["collection"], shared.as_str());
    let seen_by_beta = match_request(&beta, body).expect(200).json();
    assert!(
        hit_ids(&seen_by_beta).contains(&(0, id(&red_of_beta))),
        "Beta sees its own TLP:RED indicator"
    );

    // A revocation (a newer version) takes the indicator out at once.
    let mut revoked = ip.clone();
    revoked["modified"] = json!("2025-01-01T00:00:00.000Z");
    revoked["revoked"] = json!(true);
    alpha.post_ok(&shared, &[revoked]);
    let after = match_request(&alpha, json!({"observables": ["ipv4-addr:203.0.113.9"]}))
        .expect(200)
        .json();
    assert!(hit_ids(&after).is_empty(), "{after}");

    // Observed-data in one request: STIX 2.1 with object_refs.
    let observed = json!({"type": "bundle", "id": "bundle--6f1b4ac2-0a3b-4c2c-9f32-5c1f0c6a9e11", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
         "first_observed": "2026-01-01T00:00:00Z", "last_observed": "2026-01-01T00:00:00Z",
         "number_observed": 1, "object_refs": ["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"]},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "evil.example"}
    ]});
    let response = match_request(&alpha, json!({"observed_data": observed}))
        .expect(200)
        .json();
    let found = response["observed_data_matches"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{response}");
    assert_eq!(found[0]["indicator"]["id"], id(&domain).as_str());
    assert_eq!(
        found[0]["observed_data_refs"],
        json!(["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"])
    );

    // Bad input: clear TAXII errors.
    for (body, status) in [
        (json!({"observables": [42]}), 400),
        (json!({"observables": ["nothing to see"]}), 400),
        (json!({"unknown": 1}), 400),
        (json!({"observables": [], "at": "yesterday"}), 400),
        (json!({"observed_data": 42}), 400),
    ] {
        let resp = match_request(&alpha, body.clone());
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
        resp.assert_taxii_error();
    }
    let anonymous = alpha.with_auth(Auth::None);
    match_request(&anonymous, json!({"observables": []})).expect(401);
}

#[test]
fn match_command_reads_logs_and_records_sightings() {
    let mut node = TestNode::init("Alpha");
    let coll = node.default_collection.clone();
    node.start();
    let client = node.admin_client();
    let ip = indicator_with("[ipv4-addr:value = '198.51.100.77']", json!({}));
    let url = indicator_with("[url:value = 'http://bad.example/dropper.exe']", json!({}));
    client.post_ok(&coll, &[ip.clone(), url.clone()]);

    let input = "Jan 12 10:00:01 fw1 kernel: DROP IN=eth0 SRC=198.51.100[.]77 DST=10.0.0.5\n\
                 proxy: GET hxxp://bad.example/dropper.exe 200 user=ahmed\n\
                 nothing interesting here\n\
                 {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.77\"}\n";
    let out = node.cli_ok(&["match", "--record-sightings"], Some(input.as_bytes()));
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let hits: Vec<(u64, String)> = lines
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["indicator"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    assert_eq!(
        hits,
        vec![(1, id(&ip)), (2, id(&url)), (4, id(&ip))],
        "{out}"
    );

    let sightings = client.get_all_objects(&coll, "match[type]=sighting");
    assert_eq!(sightings.len(), 3, "one sighting per hit");
    assert!(
        sightings
            .iter()
            .any(|s| s["sighting_of_ref"] == id(&url).as_str())
    );
    let observed = client.get_all_objects(&coll, "match[type]=observed-data");
    assert_eq!(observed.len(), 3);
}

#[test]
fn pattern_commands_answer_with_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let check: &[(&[&str], i32)] = &[
        (&["[ipv4-addr:value = '1.2.3.4']"], 0),
        (
            &["[file:hashes.'SHA-256' = 'ab'] AND [url:value LIKE '%x%'] WITHIN 60 SECONDS"],
            0,
        ),
        (&["[ipv4-addr:value = '1.2.3.4'"], 1),
        (&["[ipv4-addr:value = '1.2.3.4'] and [url:value = 'x']"], 1),
        (
            &[
                "--stix-version",
                "2.0",
                "[ipv4-addr:value = '1.2.3.4'] AND [url:value = 'x']",
            ],
            0,
        ),
        (&["--stix-version", "2.0", "[file:EXISTS = 1]"], 0),
        (&["--stix-version", "3.0", "[x:y = 1]"], 2),
    ];
    for (args, code) in check {
        let mut all = vec!["pattern", "check"];
        all.extend_from_slice(args);
        let out = run(&all, None);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        if *code == 1 {
            assert!(
                text(&out.stderr).contains("line 1, column"),
                "{}",
                text(&out.stderr)
            );
        }
    }

    let bundle = json!({"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
         "first_observed": "2026-01-01T00:00:00Z", "last_observed": "2026-01-01T00:00:00Z",
         "number_observed": 1, "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]},
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "10.1.2.3"}
    ]});
    let file = dir.path().join("observed.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let file = path_str(&file);
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let garbage = path_str(&garbage);
    let cases: &[(&str, &str, i32)] = &[
        ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", file, 0),
        ("[ipv4-addr:value = '10.9.9.9']", file, 1),
        ("[ipv4-addr:value = '10.1.2.3'", file, 2),
        ("[ipv4-addr:value = '10.1.2.3']", garbage, 2),
        ("[ipv4-addr:value = '10.1.2.3']", "/does/not/exist.json", 2),
    ];
    for (pattern, path, code) in cases {
        let out = run(&["pattern", "match", pattern, path], None);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{pattern} {path}: {}",
            text(&out.stderr)
        );
        if *code == 0 {
            let ids: Value = serde_json::from_slice(&out.stdout).expect("JSON ids");
            assert_eq!(
                ids,
                json!(["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"])
            );
        }
        if *code == 2 {
            assert_eq!(
                text(&out.stderr).trim().lines().count(),
                1,
                "{}",
                text(&out.stderr)
            );
        }
    }
}
