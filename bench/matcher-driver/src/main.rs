//! Benchmark of the compiled matcher (issue 4, item 8): an index of many active indicators
//! (mixed IPv4 / IPv6 addresses and blocks, domains, URLs, file hashes, e-mail addresses, a
//! few compound and `LIKE` patterns), a stream of observables of which 1 % hit, matched on
//! one core; beside it, the naive approach (every pattern evaluated for each observable) on
//! a sample, extrapolated, and the ratio.
//!
//! Everything is generated from the indicator number by a fixed pseudo-random function, so
//! runs are repeatable and nothing is kept on disk.
//!
//! Options (`--name value`): `--indicators` (1,000,000), `--stream` distinct observables
//! (500,000), `--repeat` passes over the stream (4), `--naive-sample` observables evaluated the
//! naive way (10), `--fallback` extra case-insensitive `MATCHES` patterns that the index
//! evaluates for every URL (0), `--lines` log lines for the extraction figure (200,000).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use jiff::Timestamp;
use tanseeq_matcher::{Indicator, IndicatorIndex, IndicatorKey, Observable, extract};
use tanseeq_pattern::{Matcher, Observations, StixVersion, parse};

/// The stream's share of observables that hit an indicator, in per mille.
const HIT_PER_MILLE: u64 = 10;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix(seed))
    }
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
}

/// One generated indicator: its pattern and an observable it matches.
struct Generated {
    pattern: String,
    hit: Observable,
}

/// An IPv4 address in 1.0.0.0–126.255.255.255 (indicators) or 128.0.0.0–223.255.255.255
/// (benign traffic), so that misses never fall into an indicator's block by chance.
fn ipv4(r: &mut Rng, malicious: bool) -> u32 {
    let first = if malicious {
        1 + r.below(126)
    } else {
        128 + r.below(96)
    };
    ((first as u32) << 24) | (r.next() as u32 & 0x00ff_ffff)
}

/// An IPv6 address in 2001:db8::/32 (indicators) or 2001:db9::/32 (benign).
fn ipv6(r: &mut Rng, malicious: bool) -> u128 {
    let prefix: u128 = if malicious { 0x2001_0db8 } else { 0x2001_0db9 };
    (prefix << 96) | (u128::from(r.next()) << 32 | u128::from(r.next() as u32))
}

fn generate(i: u64, fallback_every: u64) -> Generated {
    let mut r = Rng::new(i);
    if fallback_every > 0 && i.is_multiple_of(fallback_every) {
        let k = r.hex(8);
        return Generated {
            // Case-insensitive: the only literal every match contains is `://`, so the index
            // evaluates these for every URL, as it would a pattern it cannot anchor at all.
            pattern: format!("[url:value MATCHES '(?i)^https?://[a-z0-9.-]+/gate-{k}/']"),
            hit: Observable::new("url", format!("https://x.example/gate-{k}/a")),
        };
    }
    let kind = r.below(1000);
    let (pattern, hit) = match kind {
        0..300 => {
            let ip = Ipv4Addr::from(ipv4(&mut r, true)).to_string();
            (
                format!("[ipv4-addr:value = '{ip}']"),
                Observable::new("ipv4-addr", ip),
            )
        }
        300..340 => {
            let len = 20 + r.below(9) as u32;
            let mask = u32::MAX << (32 - len);
            let net = ipv4(&mut r, true) & mask;
            let inside = net | (r.next() as u32 & !mask);
            (
                format!("[ipv4-addr:value ISSUBSET '{}/{len}']", Ipv4Addr::from(net)),
                Observable::new("ipv4-addr", Ipv4Addr::from(inside).to_string()),
            )
        }
        340..380 => {
            let ip = Ipv6Addr::from(ipv6(&mut r, true)).to_string();
            (
                format!("[ipv6-addr:value = '{ip}']"),
                Observable::new("ipv6-addr", ip),
            )
        }
        380..400 => {
            let len = 48 + r.below(17) as u32;
            let mask = u128::MAX << (128 - len);
            let net = ipv6(&mut r, true) & mask;
            let inside = net | (u128::from(r.next()) & !mask);
            (
                format!("[ipv6-addr:value ISSUBSET '{}/{len}']", Ipv6Addr::from(net)),
                Observable::new("ipv6-addr", Ipv6Addr::from(inside).to_string()),
            )
        }
        400..600 => {
            let d = format!("m{}.{}.example", r.hex(10), r.hex(4));
            (
                format!("[domain-name:value = '{d}']"),
                Observable::new("domain-name", d),
            )
        }
        600..700 => {
            let u = format!(
                "http://m{}.example/{}/index.php?id={}",
                r.hex(8),
                r.hex(6),
                r.below(1000)
            );
            (format!("[url:value = '{u}']"), Observable::new("url", u))
        }
        700..800 => {
            let h = r.hex(64);
            (
                format!("[file:hashes.'SHA-256' = '{h}']"),
                Observable::file_hash("SHA-256", h),
            )
        }
        800..850 => {
            let h = r.hex(32);
            (
                format!("[file:hashes.MD5 = '{h}']"),
                Observable::file_hash("MD5", h),
            )
        }
        850..900 => {
            let h = r.hex(40);
            (
                format!("[file:hashes.'SHA-1' = '{h}']"),
                Observable::file_hash("SHA-1", h),
            )
        }
        900..950 => {
            let e = format!("u{}@m{}.example", r.hex(6), r.hex(6));
            (
                format!("[email-addr:value = '{e}']"),
                Observable::new("email-addr", e),
            )
        }
        950..975 => {
            let (a, b) = (r.hex(64), r.hex(32));
            (
                format!("[file:hashes.'SHA-256' = '{a}' OR file:hashes.MD5 = '{b}']"),
                Observable::file_hash("MD5", b),
            )
        }
        975..990 => {
            let k = r.hex(10);
            (
                format!("[url:value LIKE '%/gate/{k}/%.php']"),
                Observable::new(
                    "url",
                    format!("https://cdn{}.example/gate/{k}/x.php", r.hex(4)),
                ),
            )
        }
        _ => {
            let (e, n) = (format!("u{}@m{}.example", r.hex(6), r.hex(6)), r.hex(8));
            (
                format!("[email-addr:value = '{e}' OR email-addr:display_name = 'N {n}']"),
                Observable::new("email-addr", e),
            )
        }
    };
    Generated { pattern, hit }
}

/// An observable no generated indicator matches, of the same type mix.
fn benign(i: u64) -> Observable {
    let mut r = Rng::new(i ^ 0x5EED_0000_0000_0000);
    match r.below(1000) {
        0..340 => Observable::new("ipv4-addr", Ipv4Addr::from(ipv4(&mut r, false)).to_string()),
        340..400 => Observable::new("ipv6-addr", Ipv6Addr::from(ipv6(&mut r, false)).to_string()),
        400..600 => Observable::new("domain-name", format!("b{}.example.org", r.hex(10))),
        600..700 | 975..990 => Observable::new(
            "url",
            format!(
                "https://b{}.example.org/{}/page?q={}",
                r.hex(8),
                r.hex(6),
                r.below(100)
            ),
        ),
        700..800 => Observable::file_hash("SHA-256", r.hex(64)),
        800..850 | 950..975 => Observable::file_hash("MD5", r.hex(32)),
        850..900 => Observable::file_hash("SHA-1", r.hex(40)),
        _ => Observable::new("email-addr", format!("b{}@example.org", r.hex(6))),
    }
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn group(n: f64) -> String {
    let s = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn key(i: u64) -> IndicatorKey {
    IndicatorKey {
        id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
        version: "2026-01-01T00:00:00.000Z".into(),
    }
}

fn option(args: &[String], name: &str, default: u64) -> u64 {
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = option(&args, "--indicators", 1_000_000);
    let stream_len = option(&args, "--stream", 500_000);
    let repeat = option(&args, "--repeat", 4).max(1);
    let naive_sample = option(&args, "--naive-sample", 10).max(1);
    let fallback = option(&args, "--fallback", 0);
    let lines = option(&args, "--lines", 200_000);
    let fallback_every = n.checked_div(fallback).map_or(0, |e| e.max(1));
    let at: Timestamp = "2026-06-01T12:00:00Z".parse().expect("a fixed timestamp");
    let valid_from: Timestamp = "2026-01-01T00:00:00Z".parse().expect("a fixed timestamp");

    println!("# tanseeq-matcher benchmark: {n} indicators, 1 core");
    let rss_start = status_kib("VmRSS:");

    // Build: generate and parse (what ingest does once per indicator), then index.
    let t = Instant::now();
    let mut parsed = Vec::with_capacity(n as usize);
    for i in 0..n {
        let g = generate(i, fallback_every);
        parsed.push(parse(&g.pattern, StixVersion::V21).expect("generated patterns parse"));
    }
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut index = IndicatorIndex::new();
    for (i, pattern) in parsed.into_iter().enumerate() {
        index
            .insert(Indicator {
                key: key(i as u64),
                pattern,
                valid_from,
                valid_until: None,
                revoked: false,
                metadata: i as u64,
            })
            .expect("generated patterns compile");
    }
    let build_s = t.elapsed().as_secs_f64();
    let rss_index = status_kib("VmRSS:");
    let hwm_index = status_kib("VmHWM:");
    let stats = index.stats();
    println!(
        "parse {parse_s:.2} s, index build {build_s:.2} s ({:.0} indicators/s)",
        n as f64 / build_s
    );
    println!(
        "resident after build {} (index ≈ {} over the {} at start), peak {}",
        mib(rss_index),
        mib(rss_index.saturating_sub(rss_start)),
        mib(rss_start),
        mib(hwm_index)
    );
    println!("anchors: {stats:?}");

    // Incremental updates on the full index.
    let t = Instant::now();
    let updates = 10_000u64;
    for i in 0..updates {
        let k = key(i);
        let metadata = index.remove(&k).expect("indexed");
        let g = generate(i, fallback_every);
        index
            .insert(Indicator {
                key: k,
                pattern: parse(&g.pattern, StixVersion::V21).expect("parses"),
                valid_from,
                valid_until: None,
                revoked: false,
                metadata,
            })
            .expect("compiles");
    }
    let update_us = t.elapsed().as_secs_f64() * 1e6 / updates as f64;
    println!("incremental remove + insert (parse included): {update_us:.1} µs each");

    // The stream: 1 % hits on random indicators, the rest benign, same type mix.
    let mut r = Rng::new(42);
    let mut expected_hits = 0u64;
    let stream: Vec<Observable> = (0..stream_len)
        .map(|j| {
            if r.below(1000) < HIT_PER_MILLE {
                expected_hits += 1;
                generate(r.below(n), fallback_every).hit
            } else {
                benign(j)
            }
        })
        .collect();
    let t = Instant::now();
    let mut hits = 0u64;
    let mut observables_with_hits = 0u64;
    for _ in 0..repeat {
        for o in &stream {
            let h = index.match_observable(o, at);
            hits += h.len() as u64;
            observables_with_hits += u64::from(!h.is_empty());
        }
    }
    let match_s = t.elapsed().as_secs_f64();
    let matched = (stream_len * repeat) as f64;
    let per_s = matched / match_s;
    println!(
        "matched {} observables in {match_s:.2} s: {} observables/s on one core; {} with hits ({} expected), {} hits",
        group(matched),
        group(per_s),
        group(observables_with_hits as f64),
        group((expected_hits * repeat) as f64),
        group(hits as f64),
    );

    // Extraction from log lines, then matching what they carry.
    let log_lines: Vec<String> = (0..lines)
        .map(|j| {
            let o = if j % 100 == 0 {
                generate(j, fallback_every).hit
            } else {
                benign(j)
            };
            format!(
                "Jun  1 12:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 SRC=198.51.100.{} DST=10.0.0.{} PROTO=TCP SPT={} DPT=443 ioc={} ",
                j % 250,
                j % 200,
                1024 + j % 60000,
                o.value
            )
        })
        .collect();
    let t = Instant::now();
    let mut extracted = 0u64;
    let mut line_hits = 0u64;
    for l in &log_lines {
        for o in extract::observables(l).unwrap_or_default() {
            extracted += 1;
            line_hits += index.match_observable(&o, at).len() as u64;
        }
    }
    let lines_s = t.elapsed().as_secs_f64();
    println!(
        "log lines: {} lines/s extracted and matched ({} observables, {} hits)",
        group(lines as f64 / lines_s),
        group(extracted as f64),
        group(line_hits as f64),
    );

    // Naive: every pattern evaluated for each observable of a sample.
    let t = Instant::now();
    let matchers: Vec<Matcher> = (0..n)
        .map(|i| {
            let p = parse(&generate(i, fallback_every).pattern, StixVersion::V21).expect("parses");
            Matcher::new(&p).expect("compiles")
        })
        .collect();
    let naive_build_s = t.elapsed().as_secs_f64();
    let mut sample: Vec<Observable> = (0..naive_sample - 1)
        .map(|j| benign(1_000_000_007 + j))
        .collect();
    sample.push(generate(n / 2, fallback_every).hit);
    let t = Instant::now();
    let mut agree = true;
    for o in &sample {
        let obs: Observations = o.to_observations(at).expect("a valid instant");
        let naive: Vec<u64> = matchers
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m.matches(&obs), Ok(Some(_))))
            .map(|(i, _)| i as u64)
            .collect();
        let mut indexed: Vec<u64> = index
            .match_observable(o, at)
            .iter()
            .map(|h| *h.metadata)
            .collect();
        indexed.sort_unstable();
        agree &= naive == indexed;
    }
    let naive_s = t.elapsed().as_secs_f64();
    let naive_per_s = naive_sample as f64 / naive_s;
    println!(
        "naive: {} observables/s ({naive_sample} observables × {n} patterns in {naive_s:.2} s; matchers compiled in {naive_build_s:.2} s); same answers as the index: {agree}",
        format_args!("{naive_per_s:.2}"),
    );
    println!("ratio index / naive: {}×", group(per_s / naive_per_s));
    println!(
        "peak resident (whole run, naive matchers included): {}",
        mib(status_kib("VmHWM:"))
    );
    println!();
    println!(
        "| indicators | fallback patterns | parse | index build | resident after build | observables/s (1 core) | naive observables/s | ratio | log lines/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {parse_s:.2} s | {build_s:.2} s | {} | {} | {naive_per_s:.2} | {}× | {} |",
        group(n as f64),
        group(fallback as f64),
        mib(rss_index),
        group(per_s),
        group(per_s / naive_per_s),
        group(lines as f64 / lines_s),
    );
    if !agree {
        std::process::exit(1);
    }
}
