//! tanseeq-fed-bench: the client side of the federation benchmark (`bench/federation`).
//!
//! Three subcommands, each printing one JSON line on stdout:
//!
//! - `bundle`: N TLP:GREEN indicators as a STIX bundle file (for `tanseeq import` on node A),
//!   deterministic from `--seed`; prints the first and last object id.
//! - `wait`: polls node B (`GET …/objects/{id}/` as a user of B) until the first and then the
//!   last object of the bundle are visible; prints when each became visible, in seconds after
//!   `--since` (a Unix time in seconds, taken by the script just before it started the node
//!   that syncs). Connection errors count as "not yet" (B may be starting).
//! - `latency`: SAMPLES times, POSTs one new TLP:GREEN indicator on node A and polls node B
//!   for it every `--poll-ms` until it is visible; the delay from just before the POST is sent
//!   to the arrival of B's 200 is one sample. Prints min, p50, p90, p99, max and mean.
//!
//! Runs on one tokio thread, like `tanseeq-bench`, to take as little as possible of the
//! cores from the two nodes.

mod timestamps;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use timestamps::ts_millis;

use clap::{Parser, Subcommand};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode, header};
use serde::Serialize;
use serde_json::json;

const TAXII: &str = "application/taxii+json;version=2.1";
/// TLP 2.0 GREEN.
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

#[derive(Parser, Debug)]
#[command(version, about = "Federation benchmark client (bench/federation)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A TAXII API root and an account on it.
#[derive(clap::Args, Debug, Clone)]
struct Target {
    /// API root URL, e.g. http://127.0.0.1:8080/api/
    #[arg(long)]
    b_url: String,
    #[arg(long)]
    b_user: String,
    #[arg(long)]
    b_password: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a STIX bundle of N TLP:GREEN indicators.
    Bundle {
        #[arg(long)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Wait until objects are visible on node B.
    Wait {
        #[command(flatten)]
        b: Target,
        #[arg(long)]
        collection: String,
        /// Seen first (its time is reported as `first_visible_seconds`).
        #[arg(long)]
        first: String,
        /// Seen last (`last_visible_seconds`).
        #[arg(long)]
        last: String,
        /// Unix time (seconds, fractional) the clock started.
        #[arg(long)]
        since: f64,
        #[arg(long, default_value_t = 10)]
        poll_ms: u64,
        #[arg(long, default_value_t = 1800)]
        timeout: u64,
    },
    /// POST on A, poll B; SAMPLES times.
    Latency {
        #[arg(long)]
        label: String,
        /// Node A's API root URL.
        #[arg(long)]
        a_url: String,
        #[arg(long)]
        a_user: String,
        #[arg(long)]
        a_password: String,
        #[command(flatten)]
        b: Target,
        #[arg(long)]
        collection: String,
        #[arg(long, default_value_t = 1000)]
        samples: usize,
        /// Samples made first and not counted.
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        /// Pause between two polls of B (the poll period is this plus one GET).
        #[arg(long, default_value_t = 1)]
        poll_ms: u64,
        /// Before each POST, a pause drawn uniformly from [0, GAP_MS) ms, so that the POSTs
        /// fall at random points of the nodes' sync cycles (500 ms poll interval).
        #[arg(long, default_value_t = 500)]
        gap_ms: u64,
        /// A sample not visible on B after this many seconds is an error.
        #[arg(long, default_value_t = 60)]
        sample_timeout: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write every sample (ms) to this file, one per line.
        #[arg(long)]
        samples_out: Option<std::path::PathBuf>,
    },
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .build()
        .expect("http client")
}

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// One TLP:GREEN indicator; `i` varies the pattern.
fn indicator(id: &str, i: u64, epoch_ms: i64, note: &str) -> serde_json::Value {
    let t = ts_millis(epoch_ms);
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": t,
        "modified": t,
        "name": format!("federation benchmark {i}"),
        "description": format!("An indicator made by the federation benchmark ({note} #{i})."),
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", i >> 16 & 255, i >> 8 & 255, i & 255),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": t,
        "object_marking_refs": [TLP_GREEN],
    })
}

fn random_id(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    format!(
        "indicator--{}",
        uuid::Builder::from_random_bytes(b).into_uuid()
    )
}

fn bundle(n: usize, seed: u64, out: &std::path::Path) -> Result<serde_json::Value, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let write_err = |e: std::io::Error| format!("{}: {e}", out.display());
    let bundle_id = random_id(&mut rng).replace("indicator--", "bundle--");
    write!(
        w,
        "{{\"type\":\"bundle\",\"id\":\"{bundle_id}\",\"objects\":["
    )
    .map_err(write_err)?;
    // 2026-01-01T00:00:00Z, one object a second.
    let base: i64 = 1_767_225_600_000;
    let (mut first, mut last) = (String::new(), String::new());
    for i in 0..n {
        let id = random_id(&mut rng);
        let object = indicator(&id, i as u64, base + i as i64 * 1000, "bundle");
        if i > 0 {
            w.write_all(b",\n").map_err(write_err)?;
        }
        serde_json::to_writer(&mut w, &object).map_err(|e| e.to_string())?;
        if i == 0 {
            first = id.clone();
        }
        last = id;
    }
    w.write_all(b"]}\n").map_err(write_err)?;
    w.flush().map_err(write_err)?;
    Ok(json!({"objects": n, "first": first, "last": last}))
}

/// GET one object on B: `Ok(true)` visible, `Ok(false)` not yet (404), `Err` on a connection
/// error or any other answer (B starting, …), with the reason.
async fn visible(client: &Client, url: &str, b: &Target) -> Result<bool, String> {
    let resp = client
        .get(url)
        .header(header::ACCEPT, TAXII)
        .basic_auth(&b.b_user, Some(&b.b_password))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let code = resp.status();
    let _ = resp.bytes().await;
    match code {
        StatusCode::OK => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        other => Err(format!("GET {url}: HTTP {other}")),
    }
}

fn object_url(api_root: &str, collection: &str, id: &str) -> String {
    format!(
        "{}collections/{collection}/objects/{id}/",
        with_slash(api_root)
    )
}

#[allow(clippy::too_many_arguments)]
async fn wait(
    b: &Target,
    collection: &str,
    first: &str,
    last: &str,
    since: f64,
    poll: Duration,
    timeout: Duration,
) -> serde_json::Value {
    let client = client();
    let started = Instant::now();
    let mut times = Vec::new();
    let mut polls = 0u64;
    let mut errors = 0u64;
    let mut last_error = None;
    for id in [first, last] {
        let url = object_url(&b.b_url, collection, id);
        loop {
            if started.elapsed() > timeout {
                return json!({"phase": "wait", "ok": false, "polls": polls, "errors": errors,
                    "visible_seconds": times, "note": format!("{id} not visible within {} s", timeout.as_secs()),
                    "last_error": last_error});
            }
            polls += 1;
            match visible(&client, &url, b).await {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    errors += 1;
                    last_error = Some(e);
                }
            }
            tokio::time::sleep(poll).await;
        }
        times.push(((unix_now() - since) * 1000.0).round() / 1000.0);
    }
    json!({"phase": "wait", "ok": true, "first_visible_seconds": times[0],
        "last_visible_seconds": times[1], "polls": polls, "poll_errors": errors,
        "last_poll_error": last_error})
}

#[derive(Serialize)]
struct LatencyResult {
    label: String,
    phase: &'static str,
    samples: usize,
    warmup: usize,
    errors: u64,
    ok: bool,
    min_ms: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    mean_ms: f64,
    /// The POST on A alone (until A's 202).
    post_p50_ms: f64,
    post_p99_ms: f64,
    /// Achieved time between two polls of B, mean.
    poll_period_ms: f64,
    seconds: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[allow(clippy::too_many_arguments)]
async fn latency(
    label: String,
    a_url: &str,
    a_user: &str,
    a_password: &str,
    b: &Target,
    collection: &str,
    samples: usize,
    warmup: usize,
    poll: Duration,
    gap_ms: u64,
    sample_timeout: Duration,
    seed: u64,
    samples_out: Option<&std::path::Path>,
) -> LatencyResult {
    let a_client = client();
    let b_client = client();
    let post_url = format!("{}collections/{collection}/objects/", with_slash(a_url));
    // Passwords are verified (argon2id) once and then remembered by each node: warm both.
    let _ = a_client
        .get(format!("{}collections/{collection}/", with_slash(a_url)))
        .header(header::ACCEPT, TAXII)
        .basic_auth(a_user, Some(a_password))
        .send()
        .await;
    let _ = visible(
        &b_client,
        &object_url(
            &b.b_url,
            collection,
            "indicator--00000000-0000-4000-8000-000000000000",
        ),
        b,
    )
    .await;

    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_fed0);
    let mut delays = Vec::with_capacity(samples);
    let mut posts = Vec::with_capacity(samples);
    let (mut polls, mut poll_time) = (0u64, Duration::ZERO);
    let mut errors = 0u64;
    let mut notes = Vec::new();
    let run_start = Instant::now();
    for i in 0..warmup + samples {
        if gap_ms > 0 {
            tokio::time::sleep(Duration::from_micros(rng.random_range(0..gap_ms * 1000))).await;
        }
        let id = random_id(&mut rng);
        let now_ms = (unix_now() * 1000.0) as i64;
        let body = json!({"objects": [indicator(&id, i as u64, now_ms, &label)]}).to_string();
        let t0 = Instant::now();
        let resp = a_client
            .post(&post_url)
            .header(header::ACCEPT, TAXII)
            .header(header::CONTENT_TYPE, TAXII)
            .basic_auth(a_user, Some(a_password))
            .body(body)
            .send()
            .await;
        let posted = t0.elapsed();
        let status = match resp {
            Ok(r) => {
                let code = r.status();
                let text = r.text().await.unwrap_or_default();
                if code != StatusCode::ACCEPTED {
                    Err(format!("POST on A: HTTP {code}: {text}"))
                } else {
                    match serde_json::from_str::<serde_json::Value>(&text) {
                        Ok(v) if v["success_count"] == json!(1) => Ok(()),
                        Ok(v) => Err(format!("POST on A: status {v}")),
                        Err(e) => Err(format!("POST on A: {e}")),
                    }
                }
            }
            Err(e) => Err(format!("POST on A: {e}")),
        };
        if let Err(e) = status {
            errors += 1;
            if notes.len() < 5 {
                notes.push(e);
            }
            continue;
        }
        let url = object_url(&b.b_url, collection, &id);
        let polling = Instant::now();
        let mut n = 0u64;
        let delay = loop {
            n += 1;
            match visible(&b_client, &url, b).await {
                Ok(true) => break Some(t0.elapsed()),
                Ok(false) => {}
                Err(e) => {
                    errors += 1;
                    if notes.len() < 5 {
                        notes.push(e);
                    }
                }
            }
            if t0.elapsed() > sample_timeout {
                break None;
            }
            tokio::time::sleep(poll).await;
        };
        if i >= warmup {
            polls += n;
            poll_time += polling.elapsed();
        }
        match delay {
            Some(d) if i >= warmup => {
                delays.push(d.as_secs_f64() * 1000.0);
                posts.push(posted.as_secs_f64() * 1000.0);
            }
            Some(_) => {}
            None => {
                errors += 1;
                if notes.len() < 5 {
                    notes.push(format!(
                        "{id} not visible on B {} s after its POST on A",
                        sample_timeout.as_secs()
                    ));
                }
            }
        }
    }
    let seconds = run_start.elapsed().as_secs_f64();
    if let Some(path) = samples_out {
        let text: String = delays.iter().map(|d| format!("{d:.3}\n")).collect();
        if let Err(e) = std::fs::write(path, text) {
            notes.push(format!("{}: {e}", path.display()));
        }
    }
    let mut sorted = delays.clone();
    sorted.sort_by(f64::total_cmp);
    posts.sort_by(f64::total_cmp);
    let mean = if sorted.is_empty() {
        f64::NAN
    } else {
        sorted.iter().sum::<f64>() / sorted.len() as f64
    };
    LatencyResult {
        label,
        phase: "latency",
        samples: sorted.len(),
        warmup,
        errors,
        ok: errors == 0 && sorted.len() == samples,
        min_ms: round3(*sorted.first().unwrap_or(&f64::NAN)),
        p50_ms: round3(percentile(&sorted, 50.0)),
        p90_ms: round3(percentile(&sorted, 90.0)),
        p99_ms: round3(percentile(&sorted, 99.0)),
        max_ms: round3(*sorted.last().unwrap_or(&f64::NAN)),
        mean_ms: round3(mean),
        post_p50_ms: round3(percentile(&posts, 50.0)),
        post_p99_ms: round3(percentile(&posts, 99.0)),
        poll_period_ms: round3(if polls > 0 {
            poll_time.as_secs_f64() * 1000.0 / polls as f64
        } else {
            f64::NAN
        }),
        seconds: round3(seconds),
        notes,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Needed when reqwest is built with rustls but no provider (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let (line, ok) = match cli.command {
        Command::Bundle { n, seed, out } => match bundle(n, seed, &out) {
            Ok(v) => (v, true),
            Err(e) => (json!({"phase": "bundle", "ok": false, "note": e}), false),
        },
        Command::Wait {
            b,
            collection,
            first,
            last,
            since,
            poll_ms,
            timeout,
        } => {
            let v = wait(
                &b,
                &collection,
                &first,
                &last,
                since,
                Duration::from_millis(poll_ms),
                Duration::from_secs(timeout),
            )
            .await;
            let ok = v["ok"] == json!(true);
            (v, ok)
        }
        Command::Latency {
            label,
            a_url,
            a_user,
            a_password,
            b,
            collection,
            samples,
            warmup,
            poll_ms,
            gap_ms,
            sample_timeout,
            seed,
            samples_out,
        } => {
            let r = latency(
                label,
                &a_url,
                &a_user,
                &a_password,
                &b,
                &collection,
                samples,
                warmup,
                Duration::from_millis(poll_ms),
                gap_ms,
                Duration::from_secs(sample_timeout),
                seed,
                samples_out.as_deref(),
            )
            .await;
            let ok = r.ok;
            (serde_json::to_value(&r).expect("json"), ok)
        }
    };
    println!("{line}");
    std::process::exit(if ok { 0 } else { 1 });
}
