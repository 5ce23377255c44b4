//! The evaluator on the pattern examples of STIX 2.1 §9.9 (pattern text exactly as there),
//! with observations written for each, and on the semantics of §9.5–9.7.

use serde_json::{Value, json};
use tanseeq_pattern::*;

/// One observed-data: id suffix, first and last observed (seconds after a base time),
/// number_observed, and its SCOs.
struct Obs(&'static str, i64, i64, u64, Vec<Value>);

fn ts(secs: i64) -> String {
    let t = jiff::Timestamp::from_second(1_600_000_000 + secs).unwrap();
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A STIX 2.1 bundle: each observation's SCOs listed in the bundle and in its `object_refs`
/// (SCO ids must be unique in the bundle).
fn bundle(observations: Vec<Obs>) -> Value {
    let mut objects = Vec::new();
    for Obs(id, first, last, n, scos) in observations {
        let refs: Vec<Value> = scos.iter().map(|s| s["id"].clone()).collect();
        objects.push(json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--{id}"),
            "created": ts(0), "modified": ts(0),
            "first_observed": ts(first), "last_observed": ts(last), "number_observed": n,
            "object_refs": refs,
        }));
        objects.extend(scos);
    }
    json!({"type": "bundle", "id": "bundle--1", "objects": objects})
}

fn run(pattern: &str, input: &Value) -> Option<Vec<String>> {
    let p = parse(pattern, StixVersion::V21).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let obs = Observations::from_json(input).unwrap();
    Matcher::new(&p)
        .unwrap()
        .matches(&obs)
        .unwrap()
        .map(|m| m.observed_data_ids)
}

fn yes(pattern: &str, input: &Value) {
    assert!(run(pattern, input).is_some(), "expected a match: {pattern}");
}

fn no(pattern: &str, input: &Value) {
    assert!(
        run(pattern, input).is_none(),
        "expected no match: {pattern}"
    );
}

fn file(id: &str, props: Value) -> Value {
    let mut f = json!({"type": "file", "spec_version": "2.1", "id": format!("file--{id}")});
    f.as_object_mut()
        .unwrap()
        .extend(props.as_object().unwrap().clone());
    f
}

const SHA_A: &str = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f";
const SHA_B: &str = "bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c";

// §9.9 "Matching a File with a SHA-256 hash"
#[test]
fn file_with_sha256() {
    let p = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']";
    let hit = bundle(vec![Obs(
        "a",
        0,
        0,
        1,
        vec![file("1", json!({"hashes": {"SHA-256": SHA_A}}))],
    )]);
    assert_eq!(run(p, &hit), Some(vec!["observed-data--a".to_string()]));
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file("1", json!({"hashes": {"SHA-256": SHA_B}}))],
        )]),
    );
    // Key names are case-sensitive.
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file("1", json!({"hashes": {"sha-256": SHA_A}}))],
        )]),
    );
}

// §9.9 "Matching an Email Message with a particular From Email Address and Attachment File
// Name Using a Regular Expression": `_ref` traversal and `[*]` through `body_raw_ref`.
#[test]
fn email_from_and_attachment() {
    let p = "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']";
    let mk = |from: &str, name: &str| {
        bundle(vec![Obs(
            "e",
            0,
            0,
            1,
            vec![
                json!({"type": "email-message", "id": "email-message--1", "is_multipart": true,
                   "from_ref": "email-addr--1",
                   "body_multipart": [{"body": "hello"}, {"body_raw_ref": "file--att"}]}),
                json!({"type": "email-addr", "id": "email-addr--1", "value": from}),
                file("att", json!({"name": name})),
            ],
        )])
    };
    yes(p, &mk("jdoe@example.com", "Final Report Q3.exe"));
    no(p, &mk("jdoe@example.org", "Final Report Q3.exe"));
    no(p, &mk("jdoe@example.com", "Final Report.pdf"));
}

// §9.9 "Matching a File with a SHA-256 hash and a PDF MIME type": both on the same file.
#[test]
fn and_inside_brackets_needs_one_object() {
    let p = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']";
    yes(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"hashes": {"SHA-256": SHA_A}, "mime_type": "application/x-pdf"}),
            )],
        )]),
    );
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![
                file("1", json!({"hashes": {"SHA-256": SHA_A}})),
                file("2", json!({"mime_type": "application/x-pdf"})),
            ],
        )]),
    );
}

// §9.9 "... against two different Observations": observation AND needs two observations.
#[test]
fn observation_and_needs_two_observations() {
    let p = "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']";
    let two = bundle(vec![
        Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"hashes": {"MD5": "cead3f77f6cda6ec00f57d76c9a6879f"}}),
            )],
        ),
        Obs(
            "b",
            5,
            5,
            1,
            vec![file("2", json!({"hashes": {"SHA-256": SHA_A}}))],
        ),
    ]);
    assert_eq!(
        run(p, &two),
        Some(vec![
            "observed-data--a".to_string(),
            "observed-data--b".to_string()
        ])
    );
    // Both files in one observation seen once: one observation cannot serve twice.
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![
                file("1", json!({"hashes": {"SHA-256": SHA_B}})),
                file("2", json!({"hashes": {"SHA-256": SHA_A}})),
            ],
        )]),
    );
    // ... but it can when it was observed twice.
    yes(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            2,
            vec![
                file("1", json!({"hashes": {"SHA-256": SHA_B}})),
                file("2", json!({"hashes": {"SHA-256": SHA_A}})),
            ],
        )]),
    );
}

// §9.9 "Matching a File with a MD5 hash, followed by (temporally) a Registry Key object that
// matches a value, within 5 minutes"
#[test]
fn followedby_within() {
    let p = "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS";
    let mk = |file_at: i64, key_at: i64| {
        bundle(vec![
            Obs(
                "f",
                file_at,
                file_at,
                1,
                vec![file(
                    "1",
                    json!({"hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}}),
                )],
            ),
            Obs(
                "k",
                key_at,
                key_at,
                1,
                vec![
                    json!({"type": "windows-registry-key", "id": "windows-registry-key--1", "key": "HKEY_LOCAL_MACHINE\\foo\\bar"}),
                ],
            ),
        ])
    };
    yes(p, &mk(0, 100));
    yes(p, &mk(0, 300));
    no(p, &mk(0, 301));
    no(p, &mk(100, 0));
}

// §9.9 "Matching three different, but specific Unix User Accounts"
#[test]
fn three_accounts() {
    let p = "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']";
    let acct = |i: &str, id: &str, login: &str| json!({"type": "user-account", "id": format!("user-account--{i}"), "account_type": "unix", "user_id": id, "account_login": login});
    yes(
        p,
        &bundle(vec![
            Obs("1", 0, 0, 1, vec![acct("1", "1007", "Peter")]),
            Obs("2", 0, 0, 1, vec![acct("2", "1008", "Paul")]),
            Obs("3", 0, 0, 1, vec![acct("3", "1009", "Mary")]),
        ]),
    );
    no(
        p,
        &bundle(vec![
            Obs("1", 0, 0, 1, vec![acct("1", "1007", "Peter")]),
            Obs("2", 0, 0, 1, vec![acct("2", "1008", "Paul")]),
            Obs("3", 0, 0, 1, vec![acct("3", "1009", "Marie")]),
        ]),
    );
}

// §9.9 "Matching an Artifact object PCAP payload header": MATCHES on a binary property.
#[test]
fn artifact_pcap_header() {
    let p = "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']";
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mk = |payload: &[u8]| {
        bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![json!({"type": "artifact", "id": "artifact--1",
            "mime_type": "application/vnd.tcpdump.pcap", "payload_bin": b64(payload)})],
        )])
    };
    yes(
        p,
        &mk(&[0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0xff]),
    );
    no(p, &mk(&[0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04]));
}

// §9.9 "Matching a File object with a Windows file path", in STIX 2.0 form (embedded objects,
// references by key).
#[test]
fn windows_path_stix20() {
    let p =
        "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']";
    let od = |dir: &str| {
        json!([{"type": "observed-data", "id": "observed-data--20",
            "created": "2016-04-06T19:58:16.000Z", "modified": "2016-04-06T19:58:16.000Z",
            "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
            "number_observed": 1,
            "objects": {"0": {"type": "file", "name": "foo.dll", "parent_directory_ref": "1"},
                        "1": {"type": "directory", "path": dir}}}])
    };
    yes(p, &od("C:\\Windows\\System32"));
    no(p, &od("C:\\Windows"));
}

// §9.9 "Matching on a Windows PE File with high section entropy": `[*]` and float order.
#[test]
fn pe_section_entropy() {
    let p = "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]";
    let mk = |e: Value| {
        bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"extensions": {"windows-pebinary-ext":
            {"pe_type": "exe", "sections": [{"name": ".text", "entropy": 1.2}, {"name": ".rsrc", "entropy": e}]}}}),
            )],
        )])
    };
    yes(p, &mk(json!(7.9)));
    yes(p, &mk(json!(8)));
    no(p, &mk(json!(7.0)));
    no(p, &mk(json!("7.9")));
}

// §9.9 "Matching on Malware Beaconing to a Domain Name": REPEATS and WITHIN together.
#[test]
fn beaconing() {
    let p = "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS";
    let nt = |i: usize| {
        vec![
            json!({"type": "network-traffic", "id": format!("network-traffic--{i}"), "dst_ref": "domain-name--1", "protocols": ["tcp"]}),
        ]
    };
    let mut every_10_min = vec![Obs(
        "d",
        0,
        0,
        1,
        vec![json!({"type": "domain-name", "id": "domain-name--1", "value": "example.com"})],
    )];
    let ids = ["0", "1", "2", "3", "4", "5"];
    for (i, id) in ids.iter().enumerate() {
        every_10_min.push(Obs(id, i as i64 * 600, i as i64 * 600, 1, nt(i)));
    }
    // Six connections 10 minutes apart: five of them fall within 1800 seconds? 0..2400: no.
    let b = bundle(every_10_min);
    no(p, &b);
    let mut every_5_min = vec![Obs(
        "d",
        0,
        0,
        1,
        vec![json!({"type": "domain-name", "id": "domain-name--1", "value": "example.com"})],
    )];
    for (i, id) in ids.iter().enumerate() {
        every_5_min.push(Obs(id, i as i64 * 300, i as i64 * 300, 1, nt(i)));
    }
    yes(p, &bundle(every_5_min));
    // One observed-data that saw it five times.
    yes(
        p,
        &bundle(vec![Obs("x", 0, 60, 5, {
            let mut v = nt(0);
            v.push(json!({"type": "domain-name", "id": "domain-name--1", "value": "example.com"}));
            v
        })]),
    );
}

// §9.9 "Matching on a Domain Name with IPv4 Resolution": `_refs[*]`.
#[test]
fn domain_resolution() {
    let p = "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']";
    let mk = |v: &str| {
        bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![
                json!({"type": "domain-name", "id": "domain-name--1", "value": "www.5z8.info", "resolves_to_refs": ["ipv4-addr--1", "ipv4-addr--2", "ipv4-addr--missing"]}),
                json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.9"}),
                json!({"type": "ipv4-addr", "id": "ipv4-addr--2", "value": v}),
            ],
        )])
    };
    yes(p, &mk("198.51.100.1/32"));
    no(p, &mk("198.51.100.1"));
}

// §9.9 "Matching on a File with a set of properties": timestamps compare as instants.
#[test]
fn file_set_of_properties() {
    let p = "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']";
    yes(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"size": 371712, "created": "2014-01-13T07:03:17.000Z"}),
            )],
        )]),
    );
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"size": 371712, "created": "2014-01-13T07:03:18Z"}),
            )],
        )]),
    );
    no(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![file(
                "1",
                json!({"size": "371712", "created": "2014-01-13T07:03:17Z"}),
            )],
        )]),
    );
}

// §9.9 "Matching on a Custom USB Device"
#[test]
fn custom_object() {
    let p = "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']";
    yes(
        p,
        &bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![
                json!({"type": "x-usb-device", "id": "x-usb-device--1", "usbdrive": {"serial_number": "575833314133343231313937"}}),
            ],
        )]),
    );
}

// §9.9 "Matching on a Network Traffic IP that is part of a particular Subnet": IPv6 CIDR.
#[test]
fn ipv6_subnet() {
    let p = "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']";
    let mk = |ip: &str| {
        bundle(vec![Obs(
            "a",
            0,
            0,
            1,
            vec![
                json!({"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv6-addr--1", "protocols": ["ipv6"]}),
                json!({"type": "ipv6-addr", "id": "ipv6-addr--1", "value": ip}),
            ],
        )])
    };
    yes(p, &mk("2001:db8:dead:beef::42"));
    yes(p, &mk("2001:db8:dead:beef:8000::/65"));
    no(p, &mk("2001:db8:dead:beee::42"));
    no(p, &mk("2001:db8:dead:beef::/63"));
    no(p, &mk("198.51.100.1"));
}

// §9.9 "Matching on several different combinations of Malware Artifacts"
#[test]
fn malware_artifact_combinations() {
    let p = "([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = 'procfoo']";
    yes(
        p,
        &bundle(vec![Obs(
            "p",
            0,
            0,
            1,
            vec![
                json!({"type": "process", "id": "process--1", "image_ref": "file--img"}),
                file("img", json!({"name": "procfoo"})),
            ],
        )]),
    );
    no(
        p,
        &bundle(vec![Obs(
            "f",
            0,
            0,
            1,
            vec![file("1", json!({"name": "foo.dll"}))],
        )]),
    );
    yes(
        p,
        &bundle(vec![
            Obs("f", 0, 0, 1, vec![file("1", json!({"name": "foo.dll"}))]),
            Obs(
                "k",
                9,
                9,
                1,
                vec![
                    json!({"type": "windows-registry-key", "id": "windows-registry-key--1", "key": "HKEY_LOCAL_MACHINE\\foo\\bar"}),
                ],
            ),
        ]),
    );
}

#[test]
fn start_stop_uses_observation_intervals() {
    let p = format!("[file:name = 'a'] START t'{}' STOP t'{}'", ts(100), ts(200));
    let at = |first: i64, last: i64| {
        bundle(vec![Obs(
            "a",
            first,
            last,
            1,
            vec![file("1", json!({"name": "a"}))],
        )])
    };
    yes(&p, &at(150, 150));
    yes(&p, &at(50, 100));
    yes(&p, &at(199, 300));
    no(&p, &at(200, 300));
    no(&p, &at(50, 99));
}

#[test]
fn comparison_semantics() {
    let b = bundle(vec![Obs(
        "a",
        0,
        0,
        1,
        vec![
            file(
                "1",
                json!({"name": "Report.EXE", "size": 10, "x_list": [1, 2, 3],
                         "magic_number_hex": "FFD8", "flag": true, "payload_bin": "QUJD"}),
            ),
            json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"}),
        ],
    )]);
    for p in [
        "[file:size NOT = 11]",
        "[file:size != 'ten']",
        "[file:size >= 10.0 AND file:size < 10.5]",
        "[file:x_list[-1] = 3 AND file:x_list[0] = 1]",
        "[file:x_list[*] > 2]",
        "[file:magic_number_hex = h'ffd8']",
        "[file:payload_bin = 'ABC' AND file:payload_bin = h'414243' AND file:payload_bin = b'QUJD']",
        "[file:name LIKE 'Rep_rt.%' AND file:name NOT LIKE 'report%']",
        "[file:name MATCHES '(?i)^report\\\\.exe$']",
        "[file:flag = true]",
        "[file:size IN (1, 10.0, 12)]",
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND ipv4-addr:value NOT ISSUBSET '198.51.100.0/30']",
        "[ipv4-addr:value ISSUPERSET '198.51.100.7/32']",
        "[EXISTS file:magic_number_hex AND NOT EXISTS file:hashes]",
    ] {
        yes(p, &b);
    }
    for p in [
        "[file:missing NOT = 1]",
        "[file:size = '10']",
        "[file:flag = 1]",
        "[file:size IN ('10')]",
        "[file:x_list[3] = 3]",
        "[file:x_list[-4] = 1]",
        "[file:name MATCHES '^eport']",
        "[file:name LIKE 'Report']",
        "[ipv4-addr:value ISSUBSET '198.51.101.0/24']",
        "[file:size < 'z']",
        "[EXISTS file:hashes]",
        "[file:name = 'Report.EXE' AND ipv4-addr:value = '198.51.100.7']",
    ] {
        no(p, &b);
    }
}

#[test]
fn bad_observations_are_errors() {
    for bad in [
        json!({"type": "bundle", "objects": [{"type": "observed-data", "id": "observed-data--1", "last_observed": ts(0), "number_observed": 1, "object_refs": []}]}),
        json!({"type": "bundle", "objects": [{"type": "observed-data", "id": "observed-data--1", "first_observed": "yesterday", "last_observed": ts(0), "number_observed": 1, "object_refs": []}]}),
        json!({"type": "bundle", "objects": [{"type": "observed-data", "id": "observed-data--1", "first_observed": ts(5), "last_observed": ts(0), "number_observed": 1, "object_refs": []}]}),
        json!({"type": "bundle", "objects": [{"type": "observed-data", "id": "observed-data--1", "first_observed": ts(0), "last_observed": ts(0), "number_observed": 0, "object_refs": []}]}),
        json!(42),
    ] {
        assert!(Observations::from_json(&bad).is_err(), "{bad}");
    }
    // Unknown types and properties in observations are simply not matched.
    let odd = bundle(vec![Obs(
        "a",
        0,
        0,
        1,
        vec![
            json!({"type": "x-weird", "id": "x-weird--1", "payload_bin": "%%%", "data_hex": "xyz", "a_ref": 7, "b_refs": "no"}),
        ],
    )]);
    for p in [
        "[x-weird:payload_bin = 'x']",
        "[x-weird:data_hex = 'x']",
        "[x-weird:a_ref.x = 1]",
        "[x-weird:b_refs[*].x = 1]",
    ] {
        no(p, &odd);
    }
}

#[test]
fn bundles_lists_and_limits() {
    let b1 = bundle(vec![Obs(
        "a",
        0,
        0,
        1,
        vec![file("1", json!({"name": "a"}))],
    )]);
    let b2 = bundle(vec![Obs(
        "b",
        10,
        10,
        1,
        vec![file("2", json!({"name": "b"}))],
    )]);
    yes(
        "[file:name = 'a'] FOLLOWEDBY [file:name = 'b']",
        &json!([b1.clone(), b2.clone()]),
    );
    no(
        "[file:name = 'b'] FOLLOWEDBY [file:name = 'a']",
        &json!([b1.clone(), b2.clone()]),
    );
    let objects = b1["objects"].as_array().unwrap().clone();
    yes("[file:name = 'a']", &Value::Array(objects));
    // Huge REPEATS counts end quickly.
    yes(
        "[file:name = 'a'] REPEATS 1000000 TIMES",
        &bundle(vec![Obs(
            "a",
            0,
            0,
            2_000_000,
            vec![file("1", json!({"name": "a"}))],
        )]),
    );
    no("[file:name = 'a'] REPEATS 1000000 TIMES", &b1);
    // A combinatorial search stops with an error, not a hang.
    let many: Vec<Obs> = (0..60)
        .map(|i| {
            Obs(
                Box::leak(format!("{i}").into_boxed_str()),
                i,
                i,
                1,
                vec![file(&format!("{i}"), json!({"name": "a"}))],
            )
        })
        .collect();
    let many = bundle(many);
    let p = parse(
        "([file:name = 'a'] REPEATS 30 TIMES) FOLLOWEDBY [file:name = 'zzz']",
        StixVersion::V21,
    )
    .unwrap();
    let r = Matcher::new(&p)
        .unwrap()
        .matches(&Observations::from_json(&many).unwrap());
    assert!(
        matches!(r, Err(EvalError::TooManyBindings | EvalError::TooMuchWork)),
        "{r:?}"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const PATTERNS: &[&str] = &[
        "[file:name = 'a' OR file:size > 3]",
        "[x-a:x_ref.name LIKE 'a%' AND x-a:x_refs[*].size IN (1, 2.5, 'a')]",
        "[x-a:hashes.MD5 MATCHES '^[0-9a-f]+$' OR x-a:payload_bin = b'YWJj' OR x-a:data_hex = h'00ff']",
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv4-addr:value NOT ISSUPERSET '::/0']",
        "[file:name[-1] NOT = 'a' AND file:x[*][0].y <= t'2020-01-01T00:00:00Z']",
        "[EXISTS file:name AND NOT EXISTS x-a:x_ref]",
        "([file:name = 'a'] AND [x-a:name != 1]) FOLLOWEDBY [ipv4-addr:value = 'a'] WITHIN 2.5 SECONDS",
        "[file:size >= 0] REPEATS 4 TIMES WITHIN 10 SECONDS",
        "([file:size >= 0] OR [x-a:name = 'a']) REPEATS 3 TIMES START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:01:00Z'",
    ];

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6..1e6f64).prop_map(Value::from),
            prop::sample::select(vec![
                "a",
                "YWJj",
                "00ff",
                "zz",
                "198.51.100.7",
                "::1",
                "x-a--1",
                "file--1",
                "2020-01-01T00:00:00Z",
                "%",
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "name",
                            "size",
                            "value",
                            "x_ref",
                            "x_refs",
                            "payload_bin",
                            "data_hex",
                            "hashes",
                            "MD5",
                            "x",
                            "y",
                            "0",
                        ]),
                        inner
                    ),
                    0..4
                )
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    fn arb_sco() -> impl Strategy<Value = Value> {
        (
            prop::sample::select(vec!["file", "ipv4-addr", "x-a", "indicator"]),
            0..3usize,
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "name",
                        "size",
                        "value",
                        "x_ref",
                        "x_refs",
                        "payload_bin",
                        "data_hex",
                        "hashes",
                        "x",
                    ]),
                    arb_json(),
                ),
                0..5,
            ),
        )
            .prop_map(|(t, n, props)| {
                let mut m: serde_json::Map<String, Value> =
                    props.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                m.insert("type".into(), json!(t));
                m.insert("id".into(), json!(format!("{t}--{n}")));
                Value::Object(m)
            })
    }

    proptest! {
        #[test]
        fn evaluation_never_panics(
            i in 0..PATTERNS.len(),
            cut in 0usize..200,
            ins in "[ -~]{0,2}",
            scos in prop::collection::vec(arb_sco(), 0..6),
            obs in prop::collection::vec((0i64..30, 0i64..10, 0u64..4, prop::collection::vec(0usize..6, 0..4)), 1..4),
        ) {
            let t = PATTERNS[i];
            let mut text: String = t.chars().take(cut).collect();
            text.push_str(&ins);
            text.extend(t.chars().skip(cut + 1));
            let pattern = parse(&text, StixVersion::V21)
                .or_else(|_| parse(t, StixVersion::V21))
                .unwrap();
            let mut objects: Vec<Value> = scos.clone();
            for (k, (first, len, n, refs)) in obs.into_iter().enumerate() {
                let refs: Vec<Value> = refs.iter().filter_map(|r| scos.get(*r)).map(|s| s["id"].clone()).collect();
                objects.push(json!({"type": "observed-data", "id": format!("observed-data--{k}"),
                    "first_observed": ts(first), "last_observed": ts(first + len),
                    "number_observed": n, "object_refs": refs}));
            }
            if let Ok(o) = Observations::from_json(&Value::Array(objects)) {
                let _ = evaluate(&pattern, &o);
            }
        }
    }
}

#[test]
fn longest_operator_chains_evaluate_without_overflow() {
    let b = bundle(vec![Obs(
        "a",
        0,
        0,
        1,
        vec![file("1", json!({"name": "a"}))],
    )]);
    let obs = Observations::from_json(&b).unwrap();
    for text in [
        format!(
            "{}[file:name = 'a']",
            "[file:name = 'z'] OR ".repeat(MAX_OPERATORS - 1)
        ),
        format!(
            "[{}file:name = 'a']",
            "file:name = 'z' OR ".repeat(MAX_OPERATORS - 1)
        ),
        format!(
            "[file:name = 'a']{}",
            " WITHIN 5 SECONDS".repeat(MAX_OPERATORS / 2)
        ),
    ] {
        let p = parse(&text, StixVersion::V21).unwrap();
        assert!(evaluate(&p, &obs).unwrap().is_some());
    }
}
