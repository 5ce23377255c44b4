//! tanseeq's evaluator against the OASIS reference matcher (`stix2-matcher` 3.0.0) on the same
//! pattern/observation pairs (issue 4, item 8). Driven by `bench/pattern-vs-reference`:
//!
//! ```text
//! pattern_vs_reference generate [--count N]            > pairs.json
//! python bench/pattern-vs-reference.py pairs.json      > reference.json
//! pattern_vs_reference time pairs.json reference.json [--repeat N]
//! ```
//!
//! `generate` writes the differential test's generated cases (`tests/support/generator.rs`,
//! same seed: the first 600 are the test's) that tanseeq parses and answers without an error,
//! as `[{"pattern", "version", "observations"}]`; `observations` is what both matchers take
//! (2.1: a list of bundles; 2.0: a list of observed-data with embedded objects).
//!
//! `time` keeps the pairs the reference kept (it drops those it cannot parse or raises an
//! error on), requires the same answer on every one, and times, one pass after another over
//! all pairs:
//! - **evaluate**: `Observations::from_json` on the already-decoded JSON value, then
//!   `Matcher::matches` (the counterpart of the reference's `Pattern.match`, which reads the
//!   observed-data, then walks the pattern);
//! - **matches only**: `Matcher::matches` on observations read beforehand.
//!
//! Not timed on either side: decoding JSON text, parsing the pattern (`parse` + `Matcher::new`
//! here, `stix2matcher.matcher.Pattern(...)` there).

#[path = "../tests/support/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tanseeq_pattern::{Matcher, Observations, StixVersion, parse};

fn usage() -> ! {
    eprintln!(
        "usage: pattern_vs_reference generate [--count N]\n       pattern_vs_reference time PAIRS.json REFERENCE.json [--repeat N]"
    );
    std::process::exit(2)
}

fn flag(args: &[String], name: &str, default: usize) -> usize {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| usage()),
        None => default,
    }
}

fn version(v: &str) -> StixVersion {
    if v == "2.0" {
        StixVersion::V20
    } else {
        StixVersion::V21
    }
}

fn generate(count: usize) {
    let mut out = Vec::new();
    let (mut unparsed, mut errors) = (0, 0);
    for c in generator::generated(generator::SEED, count) {
        let Ok(p) = parse(&c.pattern, generator::version(&c)) else {
            unparsed += 1;
            continue;
        };
        let answered = Matcher::new(&p)
            .ok()
            .and_then(|m| Some(m.matches(&Observations::from_json(&c.observations).ok()?)))
            .is_some_and(|r| r.is_ok());
        if !answered {
            errors += 1;
            continue;
        }
        out.push(
            json!({"pattern": c.pattern, "version": if c.v21 { "2.1" } else { "2.0" },
                        "observations": c.observations}),
        );
    }
    eprintln!(
        "generated {count} cases: {} kept, {unparsed} not valid patterns (both grammars reject the generator's miscased keywords and unquoted hyphens), {errors} tanseeq errors",
        out.len()
    );
    println!("{}", Value::Array(out));
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn time(pairs: &str, reference: &str, repeat: usize) {
    let pairs = read_json(pairs);
    let reference = read_json(reference);
    let pairs = pairs.as_array().expect("pairs: a list");
    let kept: Vec<usize> = reference["kept"]
        .as_array()
        .expect("reference: kept")
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect();
    let answers = reference["answers"].as_array().expect("reference: answers");

    struct Pair<'a> {
        matcher: Matcher,
        json: &'a Value,
        observations: Observations,
    }
    let mut set = Vec::new();
    let (mut disagree, mut matched) = (0, 0);
    for (&i, theirs) in kept.iter().zip(answers) {
        let c = &pairs[i];
        let p = parse(
            c["pattern"].as_str().unwrap(),
            version(c["version"].as_str().unwrap()),
        )
        .unwrap();
        let matcher = Matcher::new(&p).unwrap();
        let observations = Observations::from_json(&c["observations"]).unwrap();
        let mine = match matcher.matches(&observations).unwrap() {
            Some(_) => "match",
            None => "nomatch",
        };
        matched += usize::from(mine == "match");
        if mine != theirs.as_str().unwrap_or("?") {
            disagree += 1;
            eprintln!(
                "DISAGREE: {} ({}): tanseeq {mine}, reference {theirs}",
                c["pattern"], c["version"]
            );
        }
        set.push(Pair {
            matcher,
            json: &c["observations"],
            observations,
        });
    }
    let n = set.len();
    let v21 = kept
        .iter()
        .filter(|&&i| pairs[i]["version"] == "2.1")
        .count();

    let pass = |full: bool| -> f64 {
        let start = Instant::now();
        for p in &set {
            if full {
                let obs = Observations::from_json(black_box(p.json)).unwrap();
                black_box(p.matcher.matches(&obs).unwrap());
            } else {
                black_box(p.matcher.matches(black_box(&p.observations)).unwrap());
            }
        }
        start.elapsed().as_secs_f64()
    };
    // Warm-up, then `repeat` passes of each.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(300) {
        pass(true);
    }
    let full: Vec<f64> = (0..repeat).map(|_| pass(true)).collect();
    let only: Vec<f64> = (0..repeat).map(|_| pass(false)).collect();

    let theirs: Vec<f64> = reference["passes"]
        .as_array()
        .expect("reference: passes")
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    let rate = |secs: f64| n as f64 / secs;
    let (ours_med, ours_best) = (
        rate(median(&full)),
        rate(full.iter().copied().fold(f64::INFINITY, f64::min)),
    );
    let (only_med, only_best) = (
        rate(median(&only)),
        rate(only.iter().copied().fold(f64::INFINITY, f64::min)),
    );
    let (ref_med, ref_best) = (
        rate(median(&theirs)),
        rate(theirs.iter().copied().fold(f64::INFINITY, f64::min)),
    );
    println!(
        "pairs: {n} ({v21} STIX 2.1, {} STIX 2.0; {matched} match), of {} generated pairs tanseeq answers; the reference dropped {} ({})",
        n - v21,
        pairs.len(),
        pairs.len() - n,
        reference["dropped"]
    );
    println!("answers: {} agree, {disagree} disagree", n - disagree);
    println!(
        "{:<46} {:>14} {:>14} {:>8}",
        "", "pairs/s median", "pairs/s best", "passes"
    );
    println!(
        "{:<46} {ours_med:>14.0} {ours_best:>14.0} {repeat:>8}",
        "tanseeq Observations::from_json + matches"
    );
    println!(
        "{:<46} {only_med:>14.0} {only_best:>14.0} {repeat:>8}",
        "tanseeq matches only"
    );
    println!(
        "{:<46} {ref_med:>14.1} {ref_best:>14.1} {:>8}",
        format!(
            "{} Pattern.match",
            reference["reference"].as_str().unwrap_or("reference")
        ),
        theirs.len()
    );
    println!(
        "ratio (medians): tanseeq / reference = {:.0}x (from_json + matches), {:.0}x (matches only)",
        ours_med / ref_med,
        only_med / ref_med
    );
    println!(
        "{}",
        json!({"pairs": n, "v21": v21, "matched": matched, "disagree": disagree,
               "tanseeq_pairs_per_s": ours_med, "tanseeq_matches_only_pairs_per_s": only_med,
               "reference_pairs_per_s": ref_med, "ratio": ours_med / ref_med,
               "ratio_matches_only": only_med / ref_med})
    );
    if disagree > 0 {
        std::process::exit(1);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => generate(flag(&args, "--count", 2000)),
        Some("time") if args.len() >= 3 => time(&args[1], &args[2], flag(&args, "--repeat", 20)),
        _ => usage(),
    }
}
