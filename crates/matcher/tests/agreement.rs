//! The index and the plain evaluator agree: for random patterns from a small vocabulary (so
//! that hits are frequent), random validity, and random observables or observed-data, the
//! indicators `IndicatorIndex` returns are exactly those `tanseeq_pattern::evaluate` matches
//! one by one. Removals and replacements are interleaved, so incremental updates are covered.

use std::collections::BTreeSet;

use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Value, json};
use tanseeq_matcher::{Indicator, IndicatorIndex, IndicatorKey, Observable};
use tanseeq_pattern::{Observations, StixVersion, evaluate, parse};

const TESTS: &[&str] = &[
    "ipv4-addr:value = '10.0.0.1'",
    "ipv4-addr:value = '192.0.2.1'",
    "ipv4-addr:value != '10.0.0.1'",
    "ipv4-addr:value NOT = '10.0.0.2'",
    "ipv4-addr:value ISSUBSET '10.0.0.0/8'",
    "ipv4-addr:value ISSUBSET '10.0.0.0/30'",
    "ipv4-addr:value ISSUBSET '10.1.2.3/16'",
    "ipv4-addr:value ISSUBSET '0.0.0.0/0'",
    "ipv4-addr:value ISSUPERSET '10.0.0.1'",
    "ipv4-addr:value IN ('10.0.0.2', '192.0.2.1')",
    "ipv4-addr:value MATCHES '^10\\\\.'",
    "ipv4-addr:value = '10.0.0.0/8'",
    "url:value MATCHES 'evil\\\\.example/(a|b)$'",
    "url:value MATCHES '(?i)EVIL'",
    "domain-name:value MATCHES '^(a\\\\.)+evil'",
    "email-addr:value MATCHES '@evil'",
    "ipv6-addr:value = '2001:db8::1'",
    "ipv6-addr:value ISSUBSET '2001:db8::/32'",
    "ipv6-addr:value ISSUBSET '2001:db8:1::/48'",
    "domain-name:value = 'evil.example'",
    "domain-name:value LIKE '%.evil.example'",
    "domain-name:value LIKE 'evil.example'",
    "domain-name:value LIKE '%vil%'",
    "domain-name:value LIKE '_.evil%'",
    "domain-name:value NOT LIKE '%evil%'",
    "url:value = 'http://evil.example/a'",
    "url:value LIKE 'http://evil.example/%'",
    "url:value LIKE '%/a'",
    "email-addr:value = 'x@evil.example'",
    "email-addr:value LIKE '%@evil.example'",
    "file:hashes.'SHA-256' = 'aa'",
    "file:hashes.MD5 = 'bb'",
    "file:hashes.'SHA-256' IN ('aa', 'cc')",
    "file:name = 'evil.exe'",
    "EXISTS file:name",
    "EXISTS file:hashes.MD5",
    "NOT EXISTS file:name",
    "file:size > 10",
];

const OBSERVATION_SUFFIXES: &[&str] = &[
    "",
    "",
    " WITHIN 5 SECONDS",
    " REPEATS 2 TIMES",
    " START t'2026-01-01T00:00:00Z' STOP t'2027-01-01T00:00:00Z'",
    " START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
];

const OBSERVABLES: &[(&str, &str, &str)] = &[
    ("ipv4-addr", "value", "10.0.0.1"),
    ("ipv4-addr", "value", "10.0.0.2"),
    ("ipv4-addr", "value", "10.1.9.9"),
    ("ipv4-addr", "value", "192.0.2.1"),
    ("ipv4-addr", "value", "10.0.0.0/8"),
    ("ipv4-addr", "value", "10.0.0.0/29"),
    ("ipv4-addr", "value", "not an address"),
    ("ipv6-addr", "value", "2001:db8::1"),
    ("ipv6-addr", "value", "2001:db8:1::7"),
    ("ipv6-addr", "value", "2001:db9::1"),
    ("domain-name", "value", "evil.example"),
    ("domain-name", "value", "a.evil.example"),
    ("domain-name", "value", "good.example"),
    ("url", "value", "http://evil.example/a"),
    ("url", "value", "http://evil.example/b"),
    ("email-addr", "value", "x@evil.example"),
    ("email-addr", "value", "y@good.example"),
    ("file", "SHA-256", "aa"),
    ("file", "sha256", "cc"),
    ("file", "MD5", "bb"),
    ("file", "md5", "aa"),
    ("file", "name", "evil.exe"),
];

fn comparison() -> impl Strategy<Value = String> {
    let test = prop::sample::select(TESTS).prop_map(str::to_string);
    prop::collection::vec((test, any::<bool>()), 1..=3).prop_map(|parts| {
        let mut s = String::new();
        for (i, (t, and)) in parts.iter().enumerate() {
            if i > 0 {
                s.push_str(if *and { " AND " } else { " OR " });
            }
            s.push_str(t);
        }
        format!("[{s}]")
    })
}

fn pattern() -> impl Strategy<Value = String> {
    let operand = (comparison(), prop::sample::select(OBSERVATION_SUFFIXES))
        .prop_map(|(c, q)| if q.is_empty() { c } else { format!("({c}){q}") });
    prop::collection::vec((operand, 0..3usize), 1..=3).prop_map(|parts| {
        let mut s = String::new();
        for (i, (o, op)) in parts.iter().enumerate() {
            if i > 0 {
                s.push_str([" OR ", " AND ", " FOLLOWEDBY "][*op]);
            }
            s.push_str(o);
        }
        s
    })
}

fn observable(i: usize) -> Observable {
    let (t, p, v) = OBSERVABLES[i];
    match t {
        "file" if p != "name" => Observable::file_hash(p, v),
        _ => Observable::new(t, v),
    }
}

#[derive(Debug, Clone)]
struct Spec {
    pattern: String,
    /// Offsets from `at`, in seconds.
    from: i64,
    until: Option<i64>,
    revoked: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        pattern(),
        prop::sample::select(&[-100i64, -100, -100, 0, 50][..]),
        prop::option::of(prop::sample::select(&[-1i64, 0, 1, 1000][..])),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(pattern, from, until, revoked)| Spec {
            pattern,
            from,
            until,
            revoked,
        })
}

fn at() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

fn key(i: usize) -> IndicatorKey {
    IndicatorKey {
        id: format!("indicator--{i:08}"),
        version: "v".into(),
    }
}

fn indicator(i: usize, s: &Spec) -> Indicator<usize> {
    let base = at().as_second();
    let ts = |off: i64| Timestamp::from_second(base + off).unwrap();
    Indicator {
        key: key(i),
        pattern: parse(&s.pattern, StixVersion::V21).unwrap(),
        valid_from: ts(s.from),
        valid_until: s.until.map(ts),
        revoked: s.revoked,
        metadata: i,
    }
}

fn active(s: &Spec) -> bool {
    !s.revoked && s.from <= 0 && s.until.is_none_or(|u| u > 0)
}

/// Builds the index with removals and replacements along the way; returns the live specs.
fn build(specs: &[Spec], edits: &[(usize, usize)]) -> (IndicatorIndex<usize>, Vec<Option<Spec>>) {
    let mut index = IndicatorIndex::new();
    let mut live: Vec<Option<Spec>> = vec![None; specs.len()];
    for (i, s) in specs.iter().enumerate() {
        index.insert(indicator(i, s)).unwrap();
        live[i] = Some(s.clone());
    }
    for &(target, source) in edits {
        let t = target % specs.len();
        if source % 3 == 0 {
            index.remove(&key(t));
            live[t] = None;
        } else {
            let s = &specs[source % specs.len()];
            index.insert(indicator(t, s)).unwrap();
            live[t] = Some(s.clone());
        }
    }
    (index, live)
}

fn expected(live: &[Option<Spec>], obs: &Observations) -> BTreeSet<usize> {
    live.iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let s = s.as_ref()?;
            let p = parse(&s.pattern, StixVersion::V21).unwrap();
            (active(s) && evaluate(&p, obs).unwrap().is_some()).then_some(i)
        })
        .collect()
}

fn observed_data(groups: &[(Vec<usize>, u64, i64)]) -> Observations {
    let mut objects = Vec::new();
    for (g, (members, number, offset)) in groups.iter().enumerate() {
        let mut refs = Vec::new();
        for (k, m) in members.iter().enumerate() {
            let mut o = observable(*m).to_object();
            let id = format!(
                "{}--00000000-0000-4000-8000-{g:06}{k:06}",
                o["type"].as_str().unwrap()
            );
            o["id"] = Value::String(id.clone());
            refs.push(id);
            objects.push(o);
        }
        let t = Timestamp::from_second(at().as_second() + offset)
            .unwrap()
            .to_string();
        objects.push(json!({
            "type": "observed-data",
            "id": format!("observed-data--00000000-0000-4000-8000-{g:012}"),
            "first_observed": t, "last_observed": t,
            "number_observed": number,
            "object_refs": refs,
        }));
    }
    Observations::from_objects(&objects).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn index_agrees_with_the_evaluator_on_observables(
        specs in prop::collection::vec(spec(), 1..25),
        edits in prop::collection::vec((0..25usize, 0..25usize), 0..8),
        probes in prop::collection::vec(0..OBSERVABLES.len(), 1..8),
    ) {
        let (index, live) = build(&specs, &edits);
        prop_assert_eq!(index.len(), live.iter().flatten().count());
        for p in probes {
            let o = observable(p);
            let got: BTreeSet<usize> =
                index.match_observable(&o, at()).iter().map(|h| *h.metadata).collect();
            let want = expected(&live, &o.to_observations(at()).unwrap());
            prop_assert_eq!(got, want, "observable {}", o);
        }
    }

    #[test]
    fn index_agrees_with_the_evaluator_on_observed_data(
        specs in prop::collection::vec(spec(), 1..25),
        edits in prop::collection::vec((0..25usize, 0..25usize), 0..8),
        groups in prop::collection::vec(
            (prop::collection::vec(0..OBSERVABLES.len(), 1..3), 1..3u64, 0..4i64), 1..4),
    ) {
        let (index, live) = build(&specs, &edits);
        let obs = observed_data(&groups);
        let m = index.match_observations(&obs, at());
        prop_assert!(m.incomplete.is_empty());
        let got: BTreeSet<usize> = m.hits.iter().map(|h| *h.metadata).collect();
        prop_assert_eq!(got, expected(&live, &obs));
    }
}
