//! Bad input (issue 4, "Bad input"): patterns of a megabyte, 10,000 nested parentheses and
//! brackets, catastrophic regular expressions, invalid timestamps, binary literals with bad
//! base64, unknown object types and properties in observations, observations without
//! timestamps, huge counts, deep JSON. Each row must end, within [`TIME_LIMIT`] and without a
//! panic, in the outcome it names: an error with a message (parse errors with the line and
//! column of the fault), a clean "no match", or, where the input is odd but legitimate, a match.
//!
//! Each row runs in its own thread (the default 2 MiB stack, as a server's worker would have),
//! parsing the pattern and the observations' JSON text, reading the observations and evaluating.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tanseeq_pattern::{Observations, StixVersion, evaluate, parse};

/// The longest any row may take, generating its input, parsing and evaluating together.
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// What a row must end in.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `parse` fails with a message containing the text, at this line and column.
    ParseError(&'static str, usize, usize),
    /// The observations' JSON text does not parse (`serde_json`'s own limits).
    JsonError(&'static str),
    /// `Observations::from_json` fails with a message containing the text.
    ObservationError(&'static str),
    /// `evaluate` fails with a message containing the text.
    EvalError(&'static str),
    NoMatch,
    Match,
}
use Expect::*;

struct Row {
    name: &'static str,
    version: StixVersion,
    pattern: fn() -> String,
    /// JSON text of the observations.
    observations: fn() -> String,
    expect: Expect,
}

const V21: StixVersion = StixVersion::V21;
const V20: StixVersion = StixVersion::V20;

const MB: usize = 1 << 20;
const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-01T00:00:10Z";

/// A STIX 2.1 bundle: one observed-data (fields as given, `object_refs` filled in) referring to
/// every one of `scos`.
fn bundle_with(observed: Value, scos: Vec<Value>) -> String {
    let mut od = json!({"type": "observed-data", "spec_version": "2.1",
        "id": "observed-data--00000000-0000-4000-8000-000000000001",
        "created": T0, "modified": T0});
    for (k, v) in observed.as_object().unwrap() {
        od[k] = v.clone();
    }
    od["object_refs"] = scos.iter().map(|s| s["id"].clone()).collect();
    let mut objects = vec![od];
    objects.extend(scos);
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
           "objects": objects})
    .to_string()
}

/// A bundle whose one observed-data (a well-formed one) refers to `scos`.
fn bundle(scos: Vec<Value>) -> String {
    bundle_with(
        json!({"first_observed": T0, "last_observed": T1, "number_observed": 1}),
        scos,
    )
}

fn file(name: &str) -> Value {
    json!({"type": "file", "id": "file--00000000-0000-4000-8000-000000000002", "name": name})
}

/// One ordinary file named `a.exe`.
fn plain() -> String {
    bundle(vec![file("a.exe")])
}

/// An observed-data with the named fields removed, or replaced when `with` holds them.
fn observed_data(without: &[&str], with: Value) -> String {
    let mut od = json!({"first_observed": T0, "last_observed": T1, "number_observed": 1});
    let m = od.as_object_mut().unwrap();
    for k in without {
        m.remove(*k);
    }
    for (k, v) in with.as_object().unwrap() {
        m.insert(k.clone(), v.clone());
    }
    bundle_with(od, vec![file("a.exe")])
}

fn long_a() -> String {
    "a".repeat(100_000)
}

/// `n` values of `open`, then `inner`, then `n` of `close`.
fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

const ROWS: &[Row] = &[
    // ---- Patterns of a megabyte.
    Row {
        name: "1 MB string literal",
        version: V21,
        pattern: || format!("[file:name = '{}']", "a".repeat(MB)),
        observations: plain,
        expect: ParseError("bytes long; at most 65536", 1, 1),
    },
    Row {
        name: "1 MB of whitespace after a valid pattern",
        version: V21,
        pattern: || format!("[file:name = 'a.exe']{}", " ".repeat(MB)),
        observations: plain,
        expect: ParseError("bytes long", 1, 1),
    },
    Row {
        name: "1 MB of `OR` observation expressions",
        version: V21,
        pattern: || {
            let mut p = "[file:name = 'a'] OR ".repeat(MB / 21);
            p.push_str("[file:name = 'a']");
            p
        },
        observations: plain,
        expect: ParseError("bytes long", 1, 1),
    },
    Row {
        name: "1 MB unterminated comment",
        version: V21,
        pattern: || format!("[file:name = 'a'] /*{}", "x".repeat(MB)),
        observations: plain,
        expect: ParseError("bytes long", 1, 1),
    },
    Row {
        name: "64 KB (under the size limit) of `OR`: operator limit, at the first operator past it",
        version: V21,
        pattern: || {
            let mut p = "[file:name = 'a'] OR ".repeat(3000);
            p.push_str("[file:name = 'a']");
            p
        },
        observations: plain,
        // `[file:name = 'a'] OR ` is 21 characters; the 2001st `OR` starts at 2000 * 21 + 19.
        expect: ParseError("more than 2000 operators", 1, 2000 * 21 + 19),
    },
    Row {
        name: "64 KB (under the size limit) of `AND` inside one comparison expression",
        version: V21,
        pattern: || format!("[file:name = 'a'{}]", " AND file:name = 'a'".repeat(3000)),
        observations: plain,
        expect: ParseError("more than 2000 operators", 1, 16 + 2000 * 20 + 2),
    },
    Row {
        name: "64 KB (under the size limit) of stacked qualifiers",
        version: V21,
        pattern: || format!("[file:name = 'a.exe']{}", " REPEATS 1 TIMES".repeat(4000)),
        observations: plain,
        // Two keywords per qualifier: the 2001st is `REPEATS` of the 1001st qualifier.
        expect: ParseError("more than 2000 operators", 1, 21 + 1000 * 16 + 2),
    },
    Row {
        name: "path of 20,000 steps",
        version: V21,
        pattern: || format!("[file:{}name = 'a']", "x.".repeat(20_000)),
        observations: plain,
        expect: NoMatch,
    },
    Row {
        name: "IN list of 5,000 strings",
        version: V21,
        pattern: || {
            let items: Vec<String> = (0..5_000).map(|i| format!("'{i}'")).collect();
            format!("[file:name IN ({}, 'a.exe')]", items.join(","))
        },
        observations: plain,
        expect: Match,
    },
    // ---- 10,000 nested parentheses and brackets.
    Row {
        name: "10,000 nested `(` around an observation expression",
        version: V21,
        pattern: || nested("(", "[file:name = 'a']", ")", 10_000),
        observations: plain,
        expect: ParseError("nested more than 100 deep", 1, 101),
    },
    Row {
        name: "10,000 nested `[`",
        version: V21,
        pattern: || nested("[", "file:name = 'a'", "]", 10_000),
        observations: plain,
        expect: ParseError("expected an object path", 1, 2),
    },
    Row {
        name: "10,000 nested `(` inside `[ ]`",
        version: V21,
        pattern: || format!("[{}]", nested("(", "file:name = 'a'", ")", 10_000)),
        observations: plain,
        expect: ParseError("nested more than 100 deep", 1, 101),
    },
    Row {
        name: "10,000 nested `(` in STIX 2.0",
        version: V20,
        pattern: || nested("(", "[file:name = 'a']", ")", 10_000),
        observations: plain,
        expect: ParseError("nested more than 100 deep", 1, 101),
    },
    Row {
        name: "10,000 unclosed `(`",
        version: V21,
        pattern: || "(".repeat(10_000),
        observations: plain,
        expect: ParseError("nested more than 100 deep", 1, 101),
    },
    Row {
        name: "10,000 unclosed `)`",
        version: V21,
        pattern: || format!("[file:name = 'a']{}", ")".repeat(10_000)),
        observations: plain,
        expect: ParseError("found `)`", 1, 18),
    },
    Row {
        name: "5,000 times `([`",
        version: V21,
        pattern: || "([".repeat(5_000),
        observations: plain,
        // `(` at 1, `[` at 2, `(` at 3 (inside the brackets: a comparison-level group), `[` at 4.
        expect: ParseError("expected an object path", 1, 4),
    },
    Row {
        name: "10,000 list indexes",
        version: V21,
        pattern: || format!("[file:x{} = 1]", "[*]".repeat(10_000)),
        observations: plain,
        expect: NoMatch,
    },
    // ---- Catastrophic regular expressions (the engine is linear-time).
    Row {
        name: "`(a+)+$` against 100,000 a's and a `!`",
        version: V21,
        pattern: || "[file:name MATCHES '(a+)+$']".into(),
        observations: || bundle(vec![file(&format!("{}!", long_a()))]),
        expect: NoMatch,
    },
    Row {
        name: "`^(a+)+$` against 100,000 a's and a `!`",
        version: V21,
        pattern: || "[file:name MATCHES '^(a+)+$']".into(),
        observations: || bundle(vec![file(&format!("{}!", long_a()))]),
        expect: NoMatch,
    },
    Row {
        name: "`(a|aa)*b` against 100,000 a's",
        version: V21,
        pattern: || "[file:name MATCHES '(a|aa)*b']".into(),
        observations: || bundle(vec![file(&long_a())]),
        expect: NoMatch,
    },
    Row {
        name: "`(x+x+)+y` against 100,000 x's",
        version: V21,
        pattern: || "[file:name MATCHES '(x+x+)+y']".into(),
        observations: || bundle(vec![file(&"x".repeat(100_000))]),
        expect: NoMatch,
    },
    Row {
        name: "`(.*a){20}` against 100,000 b's",
        version: V21,
        pattern: || "[file:name MATCHES '(.*a){20}']".into(),
        observations: || bundle(vec![file(&"b".repeat(100_000))]),
        expect: NoMatch,
    },
    Row {
        name: "`(a*)*$` matching 100,000 a's",
        version: V21,
        pattern: || "[file:name MATCHES '^(a*)*$']".into(),
        observations: || bundle(vec![file(&long_a())]),
        expect: Match,
    },
    Row {
        name: "`(a+)+$` against a 100,000-byte binary value",
        version: V21,
        pattern: || "[artifact:payload_bin MATCHES '(a+)+$']".into(),
        observations: || {
            use base64::Engine;
            let payload = base64::engine::general_purpose::STANDARD
                .encode(format!("{}!", long_a()).as_bytes());
            bundle(vec![json!({"type": "artifact",
                "id": "artifact--00000000-0000-4000-8000-000000000002", "payload_bin": payload})])
        },
        expect: NoMatch,
    },
    Row {
        name: "`LIKE` with nine `%` against 100,000 a's",
        version: V21,
        pattern: || "[file:name LIKE '%a%a%a%a%a%a%a%a%b']".into(),
        observations: || bundle(vec![file(&long_a())]),
        expect: NoMatch,
    },
    Row {
        name: "`a{1000}{1000}`: compiled size limit",
        version: V21,
        pattern: || "[file:name MATCHES 'a{1000}{1000}']".into(),
        observations: plain,
        expect: ParseError("MAX_REGEX_COMPILED_SIZE", 1, 20),
    },
    Row {
        name: "`\\w{1000}{10}` (Unicode classes): compiled size limit",
        version: V21,
        pattern: || "[file:name MATCHES '\\\\w{1000}{10}']".into(),
        observations: plain,
        expect: ParseError("MAX_REGEX_COMPILED_SIZE", 1, 20),
    },
    Row {
        name: "backreference `(a)\\1`",
        version: V21,
        pattern: || "[file:name MATCHES '(a+)+\\\\1']".into(),
        observations: plain,
        expect: ParseError("backreferences", 1, 20),
    },
    Row {
        name: "look-ahead `(?=a)`",
        version: V21,
        pattern: || "[file:name MATCHES '(?=a)a']".into(),
        observations: plain,
        expect: ParseError("look-around", 1, 20),
    },
    Row {
        name: "regular expression of 2,000 bytes",
        version: V21,
        pattern: || format!("[file:name MATCHES '{}']", "a".repeat(2000)),
        observations: plain,
        expect: ParseError("at most 1024", 1, 20),
    },
    Row {
        name: "regular expression that does not compile",
        version: V21,
        pattern: || "[file:name MATCHES '(a']".into(),
        observations: plain,
        expect: ParseError("regular expression", 1, 20),
    },
    // ---- Invalid timestamps.
    Row {
        name: "`t'2026-13-45T99:00:00Z'`",
        version: V21,
        pattern: || "[file:created = t'2026-13-45T99:00:00Z']".into(),
        observations: plain,
        expect: ParseError("timestamp", 1, 17),
    },
    Row {
        name: "`t'2026-02-30T00:00:00Z'` (no such day)",
        version: V21,
        pattern: || "[file:created = t'2026-02-30T00:00:00Z']".into(),
        observations: plain,
        expect: ParseError("timestamp", 1, 17),
    },
    Row {
        name: "timestamp without `Z`",
        version: V21,
        pattern: || "[file:created = t'2026-01-01T00:00:00']".into(),
        observations: plain,
        expect: ParseError("timestamp", 1, 17),
    },
    Row {
        name: "empty timestamp",
        version: V20,
        pattern: || "[file:created = t'']".into(),
        observations: plain,
        expect: ParseError("timestamp", 1, 17),
    },
    Row {
        name: "`START` with an invalid timestamp",
        version: V21,
        pattern: || {
            "[file:name = 'a.exe'] START t'2026-13-45T99:00:00Z' STOP t'2027-01-01T00:00:00Z'"
                .into()
        },
        observations: plain,
        expect: ParseError("timestamp", 1, 29),
    },
    Row {
        name: "`STOP` before `START`",
        version: V21,
        pattern: || {
            "[file:name = 'a.exe'] START t'2027-01-01T00:00:00Z' STOP t'2026-01-01T00:00:00Z'"
                .into()
        },
        observations: plain,
        expect: ParseError("must be later than the START", 1, 58),
    },
    Row {
        name: "invalid timestamp in the observed object, compared with `t'…'`",
        version: V21,
        pattern: || "[file:created > t'2020-01-01T00:00:00Z']".into(),
        observations: || {
            bundle(vec![json!({"type": "file",
                "id": "file--00000000-0000-4000-8000-000000000002",
                "created": "2026-13-45T99:00:00Z"})])
        },
        expect: NoMatch,
    },
    // ---- Binary and hex literals.
    Row {
        name: "`b'!!notbase64'`",
        version: V21,
        pattern: || "[artifact:payload_bin = b'!!notbase64']".into(),
        observations: plain,
        expect: ParseError("base64", 1, 25),
    },
    Row {
        name: "`b'YWJ'` (unpadded)",
        version: V21,
        pattern: || "[artifact:payload_bin = b'YWJ']".into(),
        observations: plain,
        expect: ParseError("base64", 1, 25),
    },
    Row {
        name: "`b'YW=j'` (padding inside)",
        version: V20,
        pattern: || "[artifact:payload_bin = b'YW=j']".into(),
        observations: plain,
        expect: ParseError("base64", 1, 25),
    },
    Row {
        name: "`h'abc'` (odd digit count)",
        version: V21,
        pattern: || "[file:magic_number_hex = h'abc']".into(),
        observations: plain,
        expect: ParseError("hex", 1, 26),
    },
    Row {
        name: "`h'zz'`",
        version: V21,
        pattern: || "[file:magic_number_hex = h'zz']".into(),
        observations: plain,
        expect: ParseError("hex", 1, 26),
    },
    Row {
        name: "bad base64 in the observed object's `_bin` property",
        version: V21,
        pattern: || "[artifact:payload_bin = b'YWJj']".into(),
        observations: || {
            bundle(vec![json!({"type": "artifact",
                "id": "artifact--00000000-0000-4000-8000-000000000002",
                "payload_bin": "!!notbase64"})])
        },
        expect: NoMatch,
    },
    // ---- Numbers.
    Row {
        name: "integer past i64",
        version: V21,
        pattern: || "[file:size = 99999999999999999999999]".into(),
        observations: plain,
        expect: ParseError("integer", 1, 14),
    },
    Row {
        name: "`WITHIN` past i64 seconds",
        version: V21,
        pattern: || "[file:name = 'a'] WITHIN 99999999999999999999999 SECONDS".into(),
        observations: plain,
        expect: ParseError("integer", 1, 26),
    },
    Row {
        name: "`WITHIN` 1e300-ish seconds (float), evaluated",
        version: V21,
        pattern: || format!("[file:name = 'a.exe'] WITHIN {}.5 SECONDS", "9".repeat(300)),
        observations: plain,
        expect: Match,
    },
    Row {
        name: "`REPEATS` i64::MAX times, against one observation",
        version: V21,
        pattern: || "[file:name = 'a.exe'] REPEATS 9223372036854775807 TIMES".into(),
        observations: plain,
        expect: NoMatch,
    },
    // ---- Observations: unknown object types and properties.
    Row {
        name: "unknown SCO type with unknown, nested properties",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            bundle(vec![json!({"type": "x-unknown-thing",
                "id": "x-unknown-thing--00000000-0000-4000-8000-000000000002",
                "deep": {"list": [{"v": 1}, null, [1, 2], "s"]}, "name": "a.exe"})])
        },
        expect: NoMatch,
    },
    Row {
        name: "unknown SCO type, pattern on it",
        version: V21,
        pattern: || "[x-unknown-thing:deep.list[*].v = 1]".into(),
        observations: || {
            bundle(vec![json!({"type": "x-unknown-thing",
                "id": "x-unknown-thing--00000000-0000-4000-8000-000000000002",
                "deep": {"list": [{"v": 1}, null, [1, 2], "s"]}})])
        },
        expect: Match,
    },
    Row {
        name: "known type, properties of the wrong JSON kinds",
        version: V21,
        pattern: || {
            "[file:name = 'a' OR file:size > 1 OR file:hashes.MD5 = 'x' OR file:x[0] = 1]".into()
        },
        observations: || {
            bundle(vec![
                json!({"type": "file", "id": "file--00000000-0000-4000-8000-000000000002",
                "name": ["a"], "size": "big", "hashes": "x", "x": {"0": 1}}),
            ])
        },
        expect: NoMatch,
    },
    Row {
        name: "object without a type",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            bundle(vec![
                json!({"id": "file--00000000-0000-4000-8000-000000000002", "name": "a.exe"}),
            ])
        },
        expect: NoMatch,
    },
    Row {
        name: "`object_refs` naming objects that are not there",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            bundle_with(
                json!({"first_observed": T0, "last_observed": T1, "number_observed": 1}),
                vec![],
            )
            .replace(
                "\"object_refs\":[]",
                "\"object_refs\":[\"file--00000000-0000-4000-8000-000000000009\", 7]",
            )
        },
        expect: NoMatch,
    },
    Row {
        name: "reference cycle (`dst_ref` to itself), path through it 1,000 times",
        version: V21,
        pattern: || format!("[network-traffic:{}value = 'x']", "dst_ref.".repeat(1000)),
        observations: || {
            bundle(vec![json!({"type": "network-traffic",
                "id": "network-traffic--00000000-0000-4000-8000-000000000002",
                "dst_ref": "network-traffic--00000000-0000-4000-8000-000000000002"})])
        },
        expect: NoMatch,
    },
    Row {
        name: "`_refs` fan-out: 400 × 400 × 400 values",
        version: V21,
        pattern: || "[x-fan:refs_refs[*].refs_refs[*].refs_refs[*].value = 'x']".into(),
        observations: || {
            // Every object refers to all 400 objects (itself included).
            let ids: Vec<String> = (0..400)
                .map(|i| format!("x-fan--00000000-0000-4000-8000-{i:012}"))
                .collect();
            let scos = ids
                .iter()
                .map(|id| json!({"type": "x-fan", "id": id, "refs_refs": ids}))
                .collect();
            bundle(scos)
        },
        expect: EvalError("more than 100000 values"),
    },
    Row {
        name: "bundle without observed-data",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                   "objects": [file("a.exe")]})
            .to_string()
        },
        expect: NoMatch,
    },
    Row {
        name: "not STIX: a number",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || "42".into(),
        expect: ObservationError("expected a bundle"),
    },
    Row {
        name: "not STIX: a list of numbers",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || "[1, 2]".into(),
        expect: ObservationError("expected a bundle"),
    },
    Row {
        name: "bundle whose `objects` is not a list",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || r#"{"type": "bundle", "objects": {"a": 1}}"#.into(),
        expect: ObservationError("expected a bundle"),
    },
    // ---- Observations without timestamps, counts out of range.
    Row {
        name: "observed-data without `first_observed`",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&["first_observed"], json!({})),
        expect: ObservationError("`first_observed` is missing"),
    },
    Row {
        name: "observed-data without `last_observed`",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&["last_observed"], json!({})),
        expect: ObservationError("`last_observed` is missing"),
    },
    Row {
        name: "observed-data without either timestamp",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&["first_observed", "last_observed"], json!({})),
        expect: ObservationError("is missing"),
    },
    Row {
        name: "observed-data without `number_observed`",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&["number_observed"], json!({})),
        expect: ObservationError("`number_observed` must be"),
    },
    Row {
        name: "STIX 2.0 observed-data without timestamps",
        version: V20,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            json!([{"type": "observed-data",
                "id": "observed-data--00000000-0000-4000-8000-000000000001",
                "number_observed": 1, "objects": {"0": {"type": "file", "name": "a.exe"}}}])
            .to_string()
        },
        expect: ObservationError("`first_observed` is missing"),
    },
    Row {
        name: "observed-data without an id",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            plain()
                .replace("observed-data--", "x")
                .replace("\"id\":\"x", "\"idx\":\"x")
        },
        expect: ObservationError("`id` is missing"),
    },
    Row {
        name: "`first_observed` `2026-13-45T99:00:00Z`",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"first_observed": "2026-13-45T99:00:00Z"})),
        expect: ObservationError("is not a STIX timestamp"),
    },
    Row {
        name: "`last_observed` a number",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"last_observed": 1_700_000_000})),
        expect: ObservationError("`last_observed` is missing or not a string"),
    },
    Row {
        name: "`last_observed` before `first_observed`",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"first_observed": T1, "last_observed": T0})),
        expect: ObservationError("before"),
    },
    Row {
        name: "`number_observed` 0",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"number_observed": 0})),
        expect: ObservationError("`number_observed` must be"),
    },
    Row {
        name: "`number_observed` -1",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"number_observed": -1})),
        expect: ObservationError("`number_observed` must be"),
    },
    Row {
        name: "`number_observed` 1.5",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"number_observed": 1.5})),
        expect: ObservationError("`number_observed` must be"),
    },
    Row {
        name: "`number_observed` 1e30",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || observed_data(&[], json!({"number_observed": 1e30})),
        expect: ObservationError("`number_observed` must be"),
    },
    Row {
        name: "`number_observed` u64::MAX, `REPEATS` i64::MAX times",
        version: V21,
        pattern: || "[file:name = 'a.exe'] REPEATS 9223372036854775807 TIMES".into(),
        observations: || observed_data(&[], json!({"number_observed": u64::MAX})),
        expect: Match,
    },
    Row {
        name: "`number_observed` u64::MAX, `AND` of 1,000 observation expressions, `REPEATS` i64::MAX: too few instances",
        version: V21,
        pattern: || {
            let one = "[file:name = 'a.exe']";
            format!(
                "({}) REPEATS 9223372036854775807 TIMES",
                vec![one; 1000].join(" AND ")
            )
        },
        observations: || observed_data(&[], json!({"number_observed": u64::MAX})),
        // 1,000 × i64::MAX instances are more than u64::MAX.
        expect: NoMatch,
    },
    Row {
        name: "`number_observed` 10^12, `AND` of 1,000 observation expressions, `REPEATS` 10^9",
        version: V21,
        pattern: || {
            let one = "[file:name = 'a.exe']";
            format!(
                "({}) REPEATS 1000000000 TIMES",
                vec![one; 1000].join(" AND ")
            )
        },
        observations: || observed_data(&[], json!({"number_observed": 1_000_000_000_000u64})),
        expect: Match,
    },
    Row {
        name: "`REPEATS` 10^9 over two observations of 6 × 10^8 instances each",
        version: V21,
        pattern: || "[file:name = 'a.exe'] REPEATS 1000000000 TIMES".into(),
        observations: || {
            let od = |i: u32| {
                json!({"type": "observed-data", "spec_version": "2.1",
                    "id": format!("observed-data--00000000-0000-4000-8000-00000000000{i}"),
                    "created": T0, "modified": T0, "first_observed": T0, "last_observed": T1,
                    "number_observed": 600_000_000,
                    "object_refs": ["file--00000000-0000-4000-8000-000000000002"]})
            };
            json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                   "objects": [od(1), od(2), file("a.exe")]})
            .to_string()
        },
        expect: Match,
    },
    Row {
        name: "combinatorial search: 30 of 60 observations, `REPEATS` under `FOLLOWEDBY`",
        version: V21,
        pattern: || {
            "([file:name = 'a.exe'] REPEATS 30 TIMES) FOLLOWEDBY [file:name = 'zzz']".into()
        },
        observations: || {
            let mut objects: Vec<Value> = (0..60)
                .map(|i| {
                    json!({"type": "observed-data", "spec_version": "2.1",
                        "id": format!("observed-data--00000000-0000-4000-8000-{i:012}"),
                        "created": T0, "modified": T0, "first_observed": T0,
                        "last_observed": T1, "number_observed": 1,
                        "object_refs": ["file--00000000-0000-4000-8000-000000000002"]})
                })
                .collect();
            objects.push(file("a.exe"));
            json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                   "objects": objects})
            .to_string()
        },
        expect: EvalError("partial matches"),
    },
    Row {
        name: "`number_observed` past u64",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            observed_data(&[], json!({"number_observed": 1})).replace(
                "\"number_observed\":1",
                "\"number_observed\":184467440737095516150",
            )
        },
        expect: ObservationError("`number_observed` must be"),
    },
    // ---- Deep JSON.
    Row {
        name: "observations: 10,000 nested JSON arrays",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || nested("[", "1", "]", 10_000),
        expect: JsonError("recursion limit"),
    },
    Row {
        name: "observations: 100,000 nested JSON objects in a property",
        version: V21,
        pattern: || "[file:name = 'a.exe']".into(),
        observations: || {
            let deep = nested("{\"a\":", "1", "}", 100_000);
            plain().replace("\"name\":\"a.exe\"", &format!("\"name\":{deep}"))
        },
        expect: JsonError("recursion limit"),
    },
    Row {
        name: "observations: 120 nested objects in a property (under the JSON limit), path to the bottom",
        version: V21,
        pattern: || format!("[file:{}b = 1]", "a.".repeat(120)),
        observations: || {
            let deep = nested("{\"a\":", "{\"b\":1}", "}", 120);
            plain().replace("\"name\":\"a.exe\"", &format!("\"a\":{deep}"))
        },
        expect: NoMatch,
    },
    Row {
        name: "observations: 120 nested lists in a property, `[*]` 120 times",
        version: V21,
        pattern: || format!("[file:x{} = 1]", "[*]".repeat(120)),
        observations: || {
            let deep = nested("[", "1", "]", 120);
            plain().replace("\"name\":\"a.exe\"", &format!("\"x\":{deep}"))
        },
        expect: Match,
    },
];

/// What actually happened, for the report.
#[derive(Debug)]
enum Outcome {
    ParseError(tanseeq_pattern::PatternError),
    JsonError(String),
    ObservationError(String),
    EvalError(String),
    NoMatch,
    Match,
}

fn run(row: &'static Row) -> Outcome {
    let pattern = (row.pattern)();
    let text = (row.observations)();
    let p = match parse(&pattern, row.version) {
        Ok(p) => p,
        Err(e) => return Outcome::ParseError(e),
    };
    let json: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Outcome::JsonError(e.to_string()),
    };
    let obs = match Observations::from_json(&json) {
        Ok(o) => o,
        Err(e) => return Outcome::ObservationError(e.to_string()),
    };
    match evaluate(&p, &obs) {
        Ok(Some(_)) => Outcome::Match,
        Ok(None) => Outcome::NoMatch,
        Err(e) => Outcome::EvalError(e.to_string()),
    }
}

fn check(expect: Expect, got: &Outcome) -> bool {
    match (expect, got) {
        (ParseError(text, line, column), Outcome::ParseError(e)) => {
            e.message.contains(text) && e.line == line && e.column == column
        }
        (JsonError(text), Outcome::JsonError(m))
        | (ObservationError(text), Outcome::ObservationError(m))
        | (EvalError(text), Outcome::EvalError(m)) => m.contains(text),
        (NoMatch, Outcome::NoMatch) | (Match, Outcome::Match) => true,
        _ => false,
    }
}

#[test]
fn bad_input_ends_in_an_error_or_an_answer_in_time() {
    // Every row in its own thread at once would share two cores; run them one after another.
    let mut failures = Vec::new();
    for row in ROWS {
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        std::thread::Builder::new()
            .name(row.name.into())
            .spawn(move || {
                let _ = tx.send(run(row));
            })
            .unwrap();
        match rx.recv_timeout(TIME_LIMIT) {
            Ok(got) => {
                let took = start.elapsed();
                if !check(row.expect, &got) {
                    failures.push(format!(
                        "{}: expected {:?}, got {got:?}",
                        row.name, row.expect
                    ));
                } else {
                    eprintln!(
                        "ok   {:>7.1} ms  {}: {got:?}",
                        took.as_secs_f64() * 1e3,
                        row.name
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // The thread is left running; the test fails.
                failures.push(format!("{}: no answer within {TIME_LIMIT:?}", row.name));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                failures.push(format!("{}: panicked", row.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}
