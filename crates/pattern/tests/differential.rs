//! Differential test against the OASIS reference matcher (`stix2-matcher` 3.0.0).
//!
//! Generates seeded, reproducible patterns and observation sets (STIX 2.1 bundles and STIX 2.0
//! observed-data with embedded objects), answers them here and with
//! `tests/differential/pattern_matcher.py` under the interpreter named by `TANSEEQ_PYTHON`, and
//! requires the same answers:
//! 1. Parse validity, in both versions, against the reference validator (`stix2-patterns`
//!    2.1.2, `stix2patterns.validator.run_validator` with the case's version: its 2.0 or 2.1
//!    grammar plus its hash-value check). Where the validator itself crashes (its 2.0 and 2.1
//!    inspectors raise `AttributeError` on every negative list index), the verdict of the
//!    reference grammar as the matcher parses it is used instead, and the crash is counted.
//! 2. The outcome: both reject the pattern, or both match, or neither.
//!
//! Without `TANSEEQ_PYTHON` the test says so and passes.
//!
//! The 2.0 cases cover what the 2.0 grammar of the reference decides differently from the
//! older published 2.0 grammar: keyword and boolean case (a random keyword of some patterns is
//! rewritten as `and`, `Within`, `TRUE`, …), quoted and unquoted hyphenated keys
//! (`hashes.'SHA-256'`, `hashes.SHA-256`), `NOT` before `=` and the ordering operators,
//! `WITHIN` floats, negative indexes, and `START` / `STOP` with `t'…'` or plain strings.
//! [`GRAMMAR_EDGES`] asks the same edges in both versions.
//!
//! The generator stays inside what both sides define the same way. Known, deliberate
//! differences (the reference matcher diverges from the specification or from sense) are not
//! generated, and are listed here so they stay visible:
//! - Negative list indexes (both grammars): the reference matcher never selects anything;
//!   tanseeq counts from the end of the list. Generated negative indexes reach past the start
//!   of every generated list, where both select nothing.
//! - `ISSUBSET` / `ISSUPERSET` with IPv6 (§9.9 has an IPv6 example): the reference raises an
//!   error; tanseeq compares IPv6 blocks. Likewise the reference errors on `/0` prefixes and on
//!   `ISSUPERSET` against a property holding a plain address, and accepts `inet_aton`
//!   shorthands (`10.1`); tanseeq takes plain addresses as /32 and /128 and only dotted quads.
//! - Values the reference cannot read (a non-timestamp string compared with `t'…'`, bad hex or
//!   base64 in `_hex` / `_bin`, a `_ref` that is not a string) make it raise an error; tanseeq
//!   treats them as not matching.
//! - `LIKE`: the reference's `%` and `_` do not match a newline and `$` accepts a trailing
//!   newline; tanseeq's match any character. Neither side's strings here hold newlines.
//! - `MATCHES` / `LIKE`: the reference NFC-normalizes both sides; tanseeq compares code points
//!   as given (the strings generated here are already NFC).
//! - `IN`: Python's `True in {1}` holds in the reference; tanseeq never equates booleans with
//!   numbers.
//! - Timestamps: the reference keeps microseconds; tanseeq nanoseconds.
//! - `EXISTS` (2.1 grammar): the reference matcher does not implement it; the `EXISTS` edges
//!   ([`VALIDITY_ONLY`]) are compared on validity only.
//! - `START` / `STOP` (2.0): the reference's 2.0 matcher reads the grammar's old plain-string
//!   form, so it raises an error on every `t'…'` its 2.0 grammar accepts; those cases are
//!   compared on validity only (counted as reference errors).
//! - Hash values: the reference validator rejects a malformed value compared with a known hash
//!   key (`hashes.'SHA-256' = 'a'`); tanseeq does not check them
//!   ([`LOOSER_THAN_VALIDATOR`], checked to stay that way). Generated hash values are
//!   well-formed.
//! - References: the reference resolves `_ref` only among the observation's own `object_refs`;
//!   tanseeq anywhere in the input. The generator lists every referenced object.
//!
//! - Object type names: the reference grammar takes any identifier (`File`); tanseeq applies
//!   the specification's type-name rule (§3.1: `a-z`, `0-9`, `-`, 3–250 characters) and
//!   rejects the pattern. Listed in [`STRICTER_THAN_REFERENCE`] and checked to stay that way.
//! - `WITHIN 0 SECONDS`, `REPEATS 0 TIMES`: the reference grammar and validator accept them;
//!   tanseeq rejects them (below). Also in [`STRICTER_THAN_REFERENCE`].
//! - Timestamps on days the calendar does not have (`t'2016-02-30T00:00:00Z'`): the reference
//!   grammar and validator accept them, and its matcher then raises an error when matching;
//!   tanseeq rejects the pattern. Also in [`STRICTER_THAN_REFERENCE`].
//!
//! Cases where the reference matcher raises an error anyway are counted and shown, not
//! compared (`WITHIN 0 SECONDS`, `REPEATS 0 TIMES`: it parses them, then fails; tanseeq
//! rejects them at parse time, as the specification wants positive counts).

use std::io::Write;
use std::process::{Command, Stdio};

#[path = "support/generator.rs"]
mod generator;

use generator::*;
use serde_json::{Value, json};
use tanseeq_pattern::*;

/// tanseeq's answer: "match", "nomatch", "parse_error", or "error: …".
fn ours(c: &Case) -> String {
    let p = match parse(&c.pattern, version(c)) {
        Ok(p) => p,
        Err(_) => return "parse_error".into(),
    };
    let obs = if c.v21 {
        Observations::from_bundles(c.observations.as_array().unwrap())
    } else {
        Observations::from_objects(c.observations.as_array().unwrap())
    };
    let obs = match obs {
        Ok(o) => o,
        Err(e) => return format!("error: {e}"),
    };
    match evaluate(&p, &obs) {
        Ok(Some(_)) => "match".into(),
        Ok(None) => "nomatch".into(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn agrees_with_the_reference_matcher() {
    let Ok(python) = std::env::var("TANSEEQ_PYTHON") else {
        // Written to the process's stderr, past the test harness's capture, so it shows.
        let _ = std::io::stderr().write_all(
            b"NOTICE: differential test against stix2-matcher skipped: set TANSEEQ_PYTHON to a \
              Python with tests/requirements.txt installed (scripts/python-env.sh builds one)\n",
        );
        return;
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/differential/pattern_matcher.py"
    );
    let cases = cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({"pattern": c.pattern, "version": if c.v21 { "2.1" } else { "2.0" },
                   "observations": c.observations})
        })
        .collect();
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let body = serde_json::to_vec(&input).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{script} failed");
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answers.len(), cases.len());

    let (mut agree, mut matched, mut reference_errors, mut documented) = (0, 0, 0, 0);
    let mut validator_exceptions = 0;
    // Per version (0: 2.0, 1: 2.1): cases whose validity agrees, of which both reject.
    let (mut valid_agree, mut both_reject) = ([0usize; 2], [0usize; 2]);
    let mut disagreements = Vec::new();
    for (c, a) in cases.iter().zip(&answers) {
        let label = if c.v21 { "2.1" } else { "2.0" };
        let pattern = c.pattern.as_str();

        // 1. Parse validity against the reference validator of the case's version (its
        //    grammar, i.e. the matcher's parse, where the validator itself crashes).
        let mine_valid = parse(pattern, version(c)).is_ok();
        let (their_valid, by) = match a["valid"].as_bool() {
            Some(v) => (v, "validator"),
            None => {
                validator_exceptions += 1;
                // The known crash on negative indexes is only counted.
                if !pattern.contains("[-") {
                    eprintln!(
                        "reference validator exception, grammar verdict used: {pattern} ({label}) | {}",
                        a["validator_detail"]
                    );
                }
                (a["result"] != "parse_error", "grammar")
            }
        };
        if mine_valid == their_valid {
            valid_agree[usize::from(c.v21)] += 1;
            both_reject[usize::from(c.v21)] += usize::from(!mine_valid);
        } else if (!mine_valid && STRICTER_THAN_REFERENCE.contains(&pattern))
            || (mine_valid && LOOSER_THAN_VALIDATOR.contains(&pattern))
        {
            documented += 1;
        } else {
            disagreements.push(format!(
                "{pattern} ({label}): tanseeq {}, reference {by} {} {} {}",
                if mine_valid { "accepts" } else { "rejects" },
                if their_valid { "accepts" } else { "rejects" },
                a["validator_detail"],
                a["detail"]
            ));
        }

        // 2. The match outcome against the reference matcher.
        let theirs = a["result"].as_str().unwrap_or("?");
        let mine = ours(c);
        if theirs == "error" {
            reference_errors += 1;
            eprintln!(
                "reference matcher error (not compared): {pattern} ({label}) | {}",
                a["detail"]
            );
            continue;
        }
        if (mine == "parse_error" && STRICTER_THAN_REFERENCE.contains(&pattern))
            || VALIDITY_ONLY.contains(&pattern)
        {
            continue;
        }
        if mine == theirs {
            agree += 1;
            matched += usize::from(mine == "match");
        } else {
            disagreements.push(format!(
                "{pattern} ({label}): tanseeq {mine}, reference {theirs} {}\n  observations: {}",
                a["detail"], c.observations
            ));
        }
    }
    let n20 = cases.iter().filter(|c| !c.v21).count();
    eprintln!(
        "differential: {} cases ({n20} STIX 2.0); validity agrees with stix2-patterns' validator on {} of {n20} 2.0 cases ({} rejected by both) and {} of {} 2.1 cases ({} rejected by both), {validator_exceptions} validator exceptions; outcome: {agree} agree ({matched} matches), {documented} documented exceptions, {reference_errors} reference errors, {} disagree",
        cases.len(),
        valid_agree[0],
        both_reject[0],
        valid_agree[1],
        cases.len() - n20,
        both_reject[1],
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
