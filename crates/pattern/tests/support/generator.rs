//! The seeded generator of the differential test (`tests/differential.rs`), shared with the
//! benchmark `examples/pattern_vs_reference.rs` (`bench/pattern-vs-reference`): patterns and
//! observation sets (STIX 2.1 bundles and STIX 2.0 observed-data with embedded objects) that
//! stay inside what tanseeq and the OASIS reference matcher define the same way. The known,
//! deliberate differences it avoids are listed in `tests/differential.rs`.
//!
//! Included with `#[path]`; not every user needs every item.
#![allow(dead_code)]

use serde_json::{Value, json};
use tanseeq_pattern::StixVersion;

pub const CASES: usize = 600;
pub const SEED: u64 = 0x7a6e_7365_6571_0004;

/// SplitMix64: small, seedable, good enough to spread cases.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

pub const NAMES: &[&str] = &["a.exe", "b.dll", "Report.pdf", "ملف.txt", "A.EXE"];
pub const MD5S: &[&str] = &[
    "79054025255fb1a26e4bc422aef54eb4",
    "cead3f77f6cda6ec00f57d76c9a6879f",
];
pub const SHA256S: &[&str] = &[
    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
    "bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c",
];
pub const IPS: &[&str] = &[
    "198.51.100.7",
    "198.51.100.200",
    "203.0.113.9",
    "198.51.100.0/25",
];
pub const DOMAINS: &[&str] = &["example.com", "evil.example", "www.5z8.info"];
pub const TAGS: &[&str] = &["t1", "t2", "t3"];
/// base64 of `MZ\x90\x00`, `\xd4\xc3\xb2\xa1`, `abc`.
pub const PAYLOADS: &[&str] = &["TVqQAA==", "1MOyoQ==", "YWJj"];
pub const BASE_SECONDS: i64 = 1_577_836_800; // 2020-01-01T00:00:00Z

pub fn ts(secs: i64) -> String {
    jiff::Timestamp::from_second(BASE_SECONDS + secs)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// One generated SCO and the SCOs it references, with bundle-unique ids.
pub fn sco(rng: &mut Rng, next_id: &mut usize) -> Vec<Value> {
    let mut id = |t: &str| {
        *next_id += 1;
        format!("{t}--00000000-0000-4000-8000-{:012}", *next_id)
    };
    match rng.below(5) {
        0 => {
            let mut f = json!({"type": "file", "id": id("file"), "name": rng.pick(NAMES)});
            let m = f.as_object_mut().unwrap();
            if rng.chance(70) {
                m.insert("size".into(), json!(rng.pick(&[0, 10, 100, 4096])));
            }
            if rng.chance(60) {
                let mut h = json!({"MD5": rng.pick(MD5S)});
                if rng.chance(50) {
                    h["SHA-256"] = json!(rng.pick(SHA256S));
                }
                m.insert("hashes".into(), h);
            }
            if rng.chance(50) {
                let n = 1 + rng.below(3);
                let tags: Vec<&str> = (0..n).map(|_| rng.pick(TAGS)).collect();
                m.insert("x_tags".into(), json!(tags));
            }
            if rng.chance(40) {
                m.insert(
                    "magic_number_hex".into(),
                    json!(rng.pick(&["ffd8", "4D5A"])),
                );
            }
            if rng.chance(40) {
                m.insert("created".into(), json!(ts(rng.below(100) as i64 * 60)));
            }
            vec![f]
        }
        1 => vec![json!({"type": "ipv4-addr", "id": id("ipv4-addr"), "value": rng.pick(IPS)})],
        2 => {
            let ips: Vec<Value> = (0..1 + rng.below(2))
                .map(
                    |_| json!({"type": "ipv4-addr", "id": id("ipv4-addr"), "value": rng.pick(IPS)}),
                )
                .collect();
            let refs: Vec<Value> = ips.iter().map(|i| i["id"].clone()).collect();
            let mut v = vec![json!({"type": "domain-name", "id": id("domain-name"),
                "value": rng.pick(DOMAINS), "resolves_to_refs": refs})];
            v.extend(ips);
            v
        }
        3 => {
            let ip = json!({"type": "ipv4-addr", "id": id("ipv4-addr"), "value": rng.pick(IPS)});
            vec![
                json!({"type": "network-traffic", "id": id("network-traffic"),
                    "dst_ref": ip["id"], "dst_port": rng.pick(&[53, 80, 443]),
                    "protocols": if rng.chance(50) { json!(["tcp"]) } else { json!(["udp", "dns"]) }}),
                ip,
            ]
        }
        _ => vec![
            json!({"type": "artifact", "id": id("artifact"), "payload_bin": rng.pick(PAYLOADS)}),
        ],
    }
}

pub struct GenObs {
    first: i64,
    last: i64,
    number: u64,
    objects: Vec<Value>,
}

pub fn observations(rng: &mut Rng) -> Vec<GenObs> {
    let mut next_id = 0;
    (0..1 + rng.below(4))
        .map(|_| {
            let first = rng.below(60) as i64;
            let mut objects = Vec::new();
            for _ in 0..1 + rng.below(3) {
                objects.extend(sco(rng, &mut next_id));
            }
            GenObs {
                first,
                last: first + rng.pick(&[0, 0, 5, 20]),
                number: rng.pick(&[1, 1, 1, 2, 3]),
                objects,
            }
        })
        .collect()
}

/// A 2.1 bundle: every SCO in the bundle and in its observation's `object_refs`.
pub fn as_bundle(obs: &[GenObs]) -> Value {
    let mut objects = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        let refs: Vec<Value> = o.objects.iter().map(|s| s["id"].clone()).collect();
        objects.push(json!({"type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--00000000-0000-4000-8000-{i:012}"),
            "created": ts(0), "modified": ts(0),
            "first_observed": ts(o.first), "last_observed": ts(o.last),
            "number_observed": o.number, "object_refs": refs}));
        objects.extend(o.objects.iter().cloned());
    }
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": objects})
}

/// 2.0 observed-data: objects embedded under "0", "1", …, references rewritten to those keys.
pub fn as_v20(obs: &[GenObs]) -> Value {
    let list: Vec<Value> = obs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let key_of = |id: &Value| {
                o.objects
                    .iter()
                    .position(|s| &s["id"] == id)
                    .map(|p| json!(p.to_string()))
                    .unwrap_or(Value::Null)
            };
            let mut embedded = serde_json::Map::new();
            for (k, s) in o.objects.iter().enumerate() {
                let mut s = s.clone();
                let m = s.as_object_mut().unwrap();
                m.remove("id");
                if let Some(r) = m.get("dst_ref").cloned() {
                    m.insert("dst_ref".into(), key_of(&r));
                }
                if let Some(Value::Array(rs)) = m.get("resolves_to_refs").cloned() {
                    m.insert(
                        "resolves_to_refs".into(),
                        Value::Array(rs.iter().map(key_of).collect()),
                    );
                }
                embedded.insert(k.to_string(), s);
            }
            json!({"type": "observed-data",
                "id": format!("observed-data--00000000-0000-4000-8000-{i:012}"),
                "created": ts(0), "modified": ts(0),
                "first_observed": ts(o.first), "last_observed": ts(o.last),
                "number_observed": o.number, "objects": embedded})
        })
        .collect();
    Value::Array(list)
}

pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// One comparison, as text.
pub fn test(rng: &mut Rng) -> String {
    let not = |rng: &mut Rng| if rng.chance(20) { "NOT " } else { "" };
    // `NOT` before `=`, `!=`, `<`, …: valid in both grammars of the reference.
    let eq_not = |rng: &mut Rng| if rng.chance(15) { "NOT " } else { "" };
    match rng.below(19) {
        0 => format!("file:name {}= {}", eq_not(rng), quoted(rng.pick(NAMES))),
        1 => format!("file:name != {}", quoted(rng.pick(NAMES))),
        2 => format!(
            "file:name {}LIKE {}",
            not(rng),
            quoted(rng.pick(&["%.exe", "a%", "_.dll", "Report%", "%", "ملف%"]))
        ),
        3 => format!(
            "file:name {}MATCHES {}",
            not(rng),
            quoted(rng.pick(&[
                "\\.exe$",
                "^[ab]\\.",
                "port",
                "(?i)^a\\.exe$",
                "^\\w+\\.txt$"
            ]))
        ),
        4 => format!(
            "file:name {}IN ({}, {})",
            not(rng),
            quoted(rng.pick(NAMES)),
            quoted(rng.pick(NAMES))
        ),
        5 => format!(
            "file:size {}{} {}",
            eq_not(rng),
            rng.pick(&["=", "!=", "<", "<=", ">", ">="]),
            rng.pick(&["0", "10", "50", "100", "10.0", "99.5", "-1"])
        ),
        6 => format!("file:hashes.MD5 = {}", quoted(rng.pick(MD5S))),
        7 => format!(
            "file:x_tags[{}] = {}",
            rng.pick(&["*", "0", "1", "2"]),
            quoted(rng.pick(TAGS))
        ),
        8 => format!(
            "file:magic_number_hex = {}",
            rng.pick(&["h'ffd8'", "h'4d5a'", "'MZ'", "b'/9g='"])
        ),
        9 => format!(
            "file:created {} t'{}'",
            rng.pick(&["=", "<", ">="]),
            ts(rng.below(100) as i64 * 60)
        ),
        10 => format!(
            "ipv4-addr:value {}ISSUBSET {}",
            not(rng),
            quoted(rng.pick(&[
                "198.51.100.0/24",
                "198.51.100.128/25",
                "203.0.113.9/32",
                "10.0.0.0/8"
            ]))
        ),
        11 => format!("ipv4-addr:value = {}", quoted(rng.pick(IPS))),
        12 => format!(
            "network-traffic:dst_ref.value {}",
            rng.pick(&[
                "ISSUBSET '198.51.100.0/24'",
                "= '203.0.113.9'",
                "NOT ISSUBSET '203.0.113.0/24'",
            ])
        ),
        13 => format!("network-traffic:dst_port {}IN (80, 443)", not(rng)),
        14 => format!(
            "domain-name:resolves_to_refs[*].value {}",
            rng.pick(&[
                "ISSUBSET '198.51.100.0/24'",
                "= '203.0.113.9'",
                "LIKE '198.%'"
            ])
        ),
        15 => format!(
            // Hyphenated keys: quoted is valid, unquoted is not (both versions).
            "file:hashes.{} {}= {}",
            rng.pick(&["'SHA-256'", "'SHA-256'", "SHA-256"]),
            eq_not(rng),
            quoted(rng.pick(SHA256S))
        ),
        16 => format!(
            // Negative indexes, valid in both grammars; only ones past the start of every
            // generated list (1 to 3 tags), as the reference never selects by a negative index.
            "file:x_tags[{}] = {}",
            rng.pick(&["-4", "-5"]),
            quoted(rng.pick(TAGS))
        ),
        17 => format!("file:name = {}", rng.pick(&["true", "false"])),
        _ => format!(
            "artifact:payload_bin {}",
            rng.pick(&[
                "MATCHES '^MZ'",
                "MATCHES '\\\\xd4\\\\xc3'",
                "= b'YWJj'",
                "= h'616263'",
                "= 'abc'",
                "NOT MATCHES 'b'",
            ])
        ),
    }
}

pub fn comparison(rng: &mut Rng) -> String {
    let mut c = test(rng);
    for _ in 0..rng.below(3) {
        let op = if rng.chance(50) { "AND" } else { "OR" };
        c = if rng.chance(30) {
            format!("({c}) {op} {}", test(rng))
        } else {
            format!("{c} {op} {}", test(rng))
        };
    }
    format!("[{c}]")
}

pub fn qualifier(rng: &mut Rng) -> String {
    // START/STOP in 2.0: the reference's 2.0 grammar wants t'…' there (a plain string is a
    // parse error), but its 2.0 matcher reads a plain string, so it raises an error on every
    // START/STOP it parses; such cases are compared on validity only.
    match rng.below(3) {
        0 => format!(
            "WITHIN {} SECONDS",
            rng.pick(&["5", "15", "40", "7.5", "0.5"])
        ),
        1 => format!("REPEATS {} TIMES", rng.pick(&["2", "3"])),
        _ => {
            let start = rng.below(40) as i64;
            let stop = start + 1 + rng.below(40) as i64;
            let (a, b) = match rng.below(5) {
                0 => ("", ""),
                1 => ("t", ""),
                _ => ("t", "t"),
            };
            format!("START {a}'{}' STOP {b}'{}'", ts(start), ts(stop))
        }
    }
}

/// Keywords (upper case) and booleans (lower case) as the generator writes them.
pub const KEYWORD_WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "IN",
    "START",
    "STOP",
    "WITHIN",
    "SECONDS",
    "REPEATS",
    "TIMES",
    "true",
    "false",
];

/// Rewrites one keyword or boolean of `p` in another case (`and`, `Within`, `TRUE`), which
/// both grammars reject; `p` unchanged if it has none.
pub fn recase_keyword(rng: &mut Rng, p: &str) -> String {
    let words: Vec<&str> = p.split(' ').collect();
    let at: Vec<usize> = (0..words.len())
        .filter(|&i| KEYWORD_WORDS.contains(&words[i]))
        .collect();
    if at.is_empty() {
        return p.to_string();
    }
    let i = rng.pick(&at);
    let w = words[i];
    let recased = match rng.below(2) {
        0 if w.chars().all(|c| c.is_ascii_uppercase()) => w.to_ascii_lowercase(),
        0 => w.to_ascii_uppercase(),
        _ => {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase());
            first
                .into_iter()
                .chain(cs.map(|c| c.to_ascii_lowercase()))
                .collect()
        }
    };
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[i] = recased;
    out.join(" ")
}

pub fn observation_expr(rng: &mut Rng, depth: usize) -> String {
    let mut e = if depth > 0 && rng.chance(45) {
        let op = rng.pick(&["AND", "OR", "FOLLOWEDBY"]);
        format!(
            "({} {op} {})",
            observation_expr(rng, depth - 1),
            observation_expr(rng, depth - 1)
        )
    } else {
        comparison(rng)
    };
    if rng.chance(30) {
        e = format!("{e} {}", qualifier(rng));
    }
    e
}

pub struct Case {
    pub pattern: String,
    pub v21: bool,
    pub observations: Value,
}

/// Patterns tanseeq rejects and the reference accepts, each for a reason given above.
pub const STRICTER_THAN_REFERENCE: &[&str] = &[
    "[File:name = 'a']",
    "[file:name = 'a'] WITHIN 0 SECONDS",
    "[file:name = 'a'] REPEATS 0 TIMES",
    "[file:x = t'2016-02-30T00:00:00Z']",
    "[file:x = t'2015-02-29T00:00:00Z']",
];

/// Patterns tanseeq accepts and the reference validator rejects, for a reason given above.
pub const LOOSER_THAN_VALIDATOR: &[&str] = &["[file:hashes.'SHA-256' = 'a']"];

/// Patterns whose outcome is not compared, for a reason given above (validity still is).
pub const VALIDITY_ONLY: &[&str] = &["[EXISTS file:name]", "[NOT EXISTS file:name]"];

/// Pattern texts on the edges of the grammars, asked in both versions: both sides must accept
/// or reject each alike.
pub const GRAMMAR_EDGES: &[&str] = &[
    "[file:name = 'a'] WITHIN 1.5 SECONDS",
    "[file:name = 'a'] WITHIN 0.5 SECONDS",
    "[file:name = 'a'] WITHIN +5 SECONDS",
    "[file:name = 'a'] WITHIN -5 SECONDS",
    "[file:name = 'a'] REPEATS 1.5 TIMES",
    "[file:name NOT = 'a']",
    "[file:name NOT != 'a']",
    "[file:size NOT > 1]",
    "[file:name = 'a'] and [file:name = 'b']",
    "[file:name = 'a' and file:size = 1]",
    "[file:name = 'a'] within 5 SECONDS",
    "[file:name = 'a'] WITHIN 5 seconds",
    "[file:name nOT LIKE 'a']",
    "[file:name like 'a']",
    "[file:x = TRUE]",
    "[file:x = True]",
    "[file:x = false]",
    "[file:hashes.SHA-256 = 'a']",
    "[file:hashes.'SHA-256' = 'a']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[file:hashes.\"SHA-256\" = 'a']",
    "[file:x-y = 1]",
    "[file:'x-y' = 1]",
    "[file:x[-1] = 1]",
    "[file:x[+1] = 1]",
    "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
    "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
    "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[file:name = 'a'] start t'2016-06-01T00:00:00Z' stop t'2016-07-01T00:00:00Z'",
    "[file:name = 'a'] WITHIN 0 SECONDS",
    "[file:name = 'a'] REPEATS 0 TIMES",
    "[file:size = 01]",
    "[file:size > true]",
    "[file:name IN ()]",
    "[file:name = 'a' AND (file:size = 1 OR file:size = 2)]",
    "([file:name = 'a'])",
    "[file:name = \"a\"]",
    "[File:name = 'a']",
    "[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] WITHIN 5 SECONDS REPEATS 2 TIMES",
    "[file:name MATCHES 'a']",
    "[file:name LIKE 5]",
    "[file:x = h'abc']",
    "[file:x = b'YWJj']",
    "[file:x = t'2016-13-01T00:00:00Z']",
    "[file:x = t'2016-02-30T00:00:00Z']",
    "[file:x = t'2016-02-29T00:00:00Z']",
    "[file:x = t'2015-02-29T00:00:00Z']",
    "[file:name = 'it\\'s' /* c */]",
    "[file:AND = 1]",
    "[file:and = 1]",
    "[file:x.'AND' = 1]",
    "[file:EXISTS = 1]",
    "[EXISTS file:name]",
    "[NOT EXISTS file:name]",
    "[file:name == 'a']",
    "[file:name <> 'a']",
];

/// The differential test's cases: [`GRAMMAR_EDGES`] in both versions, then [`CASES`]
/// generated from [`SEED`].
pub fn cases() -> Vec<Case> {
    let edges = [true, false].into_iter().flat_map(|v21| {
        GRAMMAR_EDGES.iter().map(move |p| {
            let obs = observations(&mut Rng(SEED));
            Case {
                pattern: p.to_string(),
                v21,
                observations: if v21 {
                    json!([as_bundle(&obs)])
                } else {
                    as_v20(&obs)
                },
            }
        })
    });
    edges.chain(generated(SEED, CASES)).collect()
}

/// `count` generated cases from `seed`, alternating STIX 2.1 and 2.0 (2.1 first); the first
/// `n` of a longer run are the same as a run of `n`.
pub fn generated(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let v21 = i % 2 == 0;
            let obs = observations(&mut rng);
            let mut pattern = observation_expr(&mut rng, 2);
            if rng.chance(12) {
                pattern = recase_keyword(&mut rng, &pattern);
            }
            let observations = if v21 {
                json!([as_bundle(&obs)])
            } else {
                as_v20(&obs)
            };
            Case {
                pattern,
                v21,
                observations,
            }
        })
        .collect()
}

pub fn version(c: &Case) -> StixVersion {
    if c.v21 {
        StixVersion::V21
    } else {
        StixVersion::V20
    }
}
