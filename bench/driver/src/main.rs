//! tanseeq-bench: a TAXII 2.1 workload driver.
//!
//! Runs four phases against one TAXII 2.1 API root / collection and prints one
//! JSON line per phase on stdout (fields: label, n, phase, objects, seconds,
//! per_second, finished, ok, ...) plus a human-readable table on stderr.
//! See bench/README.md.
//!
//! Exit codes: 0 = every selected phase finished and verified; 1 = a phase
//! failed, timed out or did not verify; 2 = usage error (clap).

mod timestamps;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use timestamps::ts_millis;

use clap::{Parser, ValueEnum};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode, header};
use serde::{Deserialize, Serialize};

const TAXII: &str = "application/taxii+json;version=2.1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Phase {
    Ingest,
    Read,
    /// `--readers` paged reads of the whole collection at once, spread over every server.
    Readp,
    Get1,
    Get8,
}

#[derive(Parser, Debug, Clone)]
#[command(
    version,
    about = "TAXII 2.1 benchmark driver (ingest, paged read, single-object GETs)"
)]
struct Args {
    /// Name of the server under test, copied into every result line.
    #[arg(long)]
    label: String,
    /// Full URL of the API root, e.g. http://127.0.0.1:8080/api/
    #[arg(long)]
    api_root_url: String,
    /// The same API root served by further processes of the same node (repeatable): ingest
    /// envelopes, `readp` readers and single GETs are spread over all of them in turn.
    #[arg(long = "also-api-root-url", value_name = "URL")]
    more_api_root_urls: Vec<String>,
    /// Concurrent whole-collection readers in the `readp` phase.
    #[arg(long, default_value_t = 4)]
    readers: usize,
    /// Collection id (must be readable and writable; ideally empty).
    #[arg(long)]
    collection: String,
    #[arg(long, env = "TAXII_USER")]
    user: String,
    #[arg(long, env = "TAXII_PASSWORD", hide_env_values = true)]
    password: String,
    /// Number of STIX indicators to generate and ingest.
    #[arg(long)]
    n: usize,
    /// Number of single-object GETs in each of the get phases.
    #[arg(long, default_value_t = 5000)]
    get_count: usize,
    /// Objects per POSTed envelope.
    #[arg(long, default_value_t = 1000)]
    envelope: usize,
    /// `limit` for the paged read.
    #[arg(long, default_value_t = 1000)]
    page_limit: usize,
    /// POST envelopes in flight at once during ingest.
    #[arg(long, default_value_t = 2)]
    inflight: usize,
    /// Concurrent clients in the get8 phase.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Abort a phase after this many seconds (reported as not finished).
    #[arg(long, default_value_t = 300)]
    phase_timeout: u64,
    /// Timeout of one HTTP request, seconds (default: phase timeout + 5 s).
    #[arg(long)]
    request_timeout: Option<u64>,
    /// Seed for ids and contents (same seed => same objects).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Phases to run, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "ingest,read,get1,get8")]
    phases: Vec<Phase>,
    /// Do not print the human table on stderr.
    #[arg(long)]
    quiet: bool,
}

// ---------------------------------------------------------------- objects ---

#[derive(Serialize)]
struct Indicator {
    #[serde(rename = "type")]
    typ: &'static str,
    spec_version: &'static str,
    id: String,
    created: String,
    modified: String,
    name: String,
    description: String,
    indicator_types: [&'static str; 1],
    pattern: String,
    pattern_type: &'static str,
    pattern_version: &'static str,
    valid_from: String,
    labels: [&'static str; 1],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const MALWARE: [&str; 8] = [
    "Emotet",
    "QakBot",
    "IcedID",
    "AgentTesla",
    "Formbook",
    "RedLine",
    "Cobalt Strike",
    "njRAT",
];

fn generate(n: usize, seed: u64) -> Vec<Indicator> {
    let mut rng = StdRng::seed_from_u64(seed);
    // 2024-01-01T00:00:00Z; each object one second + random ms after the previous one.
    let base: i64 = 1_704_067_200_000;
    (0..n)
        .map(|i| {
            let mut b = [0u8; 16];
            rng.fill(&mut b);
            let id = uuid::Builder::from_random_bytes(b).into_uuid();
            let t = base + (i as i64) * 1000 + rng.random_range(0..1000);
            let fam = MALWARE[rng.random_range(0..MALWARE.len())];
            let (what, pattern) = match i % 4 {
                0 => {
                    let ip = format!(
                        "10.{}.{}.{}",
                        rng.random_range(0..=255u8),
                        rng.random_range(0..=255u8),
                        rng.random_range(1..=254u8)
                    );
                    (format!("IP {ip}"), format!("[ipv4-addr:value = '{ip}']"))
                }
                1 => {
                    let dom = format!("c2-{}-{:x}.example", fam.to_lowercase().replace(' ', "-"), rng.random::<u32>());
                    (format!("domain {dom}"), format!("[domain-name:value = '{dom}']"))
                }
                2 => {
                    let mut h = [0u8; 32];
                    rng.fill(&mut h);
                    let h = hex(&h);
                    (format!("file {}", &h[..12]), format!("[file:hashes.'SHA-256' = '{h}']"))
                }
                _ => {
                    let url = format!("http://dl{}.example/p/{:08x}.bin", rng.random_range(0..100u8), rng.random::<u32>());
                    (format!("URL {url}"), format!("[url:value = '{url}']"))
                }
            };
            Indicator {
                typ: "indicator",
                spec_version: "2.1",
                id: format!("indicator--{id}"),
                created: ts_millis(t),
                modified: ts_millis(t),
                name: format!("{fam} {what}"),
                description: format!(
                    "Observed {fam} infrastructure ({what}); generated by tanseeq-bench seed {seed} #{i}."
                ),
                indicator_types: ["malicious-activity"],
                pattern,
                pattern_type: "stix",
                pattern_version: "2.1",
                valid_from: ts_millis(t),
                labels: ["bench"],
            }
        })
        .collect()
}

// ---------------------------------------------------------------- results ---

#[derive(Serialize, Clone)]
struct PhaseResult {
    label: String,
    n: usize,
    phase: &'static str,
    /// Objects ingested / read, or successful GETs for the get phases.
    objects: u64,
    seconds: f64,
    per_second: f64,
    requests: u64,
    errors: u64,
    retries: u64,
    concurrency: usize,
    finished: bool,
    ok: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

#[derive(Default)]
struct Progress {
    objects: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    stop: AtomicBool,
    first_error: std::sync::Mutex<Option<String>>,
}

/// An error with its whole `source()` chain (reqwest's Display hides the cause).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl Progress {
    fn error(&self, msg: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut g = self.first_error.lock().unwrap();
        if g.is_none() {
            *g = Some(msg);
        }
    }
}

struct Ctx {
    args: Args,
    client: Client,
    objects_url: String,
    /// The API root and objects URLs on every server (the first are `api_root`, `objects_url`).
    api_roots: Vec<String>,
    objects_urls: Vec<String>,
}

impl Ctx {
    fn get(&self, client: &Client, url: &str) -> reqwest::RequestBuilder {
        client
            .get(url)
            .header(header::ACCEPT, TAXII)
            .basic_auth(&self.args.user, Some(&self.args.password))
    }
}

fn make_client(args: &Args) -> Client {
    Client::builder()
        .timeout(Duration::from_secs(
            args.request_timeout
                .unwrap_or(args.phase_timeout + 5)
                .max(1),
        ))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .build()
        .expect("http client")
}

/// Run `fut` under the phase timeout and turn its progress into a result line.
async fn run_phase<F>(
    ctx: &Ctx,
    name: &'static str,
    conc: usize,
    prog: Arc<Progress>,
    fut: F,
) -> PhaseResult
where
    F: std::future::Future<Output = (Instant, Option<Instant>, Vec<String>, bool)>,
{
    let started = Instant::now();
    let limit = Duration::from_secs(ctx.args.phase_timeout);
    let (finished, t0, t1, mut notes, verified) = match tokio::time::timeout(limit, fut).await {
        Ok((t0, t1, notes, verified)) => {
            (true, t0, t1.unwrap_or_else(Instant::now), notes, verified)
        }
        Err(_) => {
            prog.stop.store(true, Ordering::Relaxed);
            (
                false,
                started,
                Instant::now(),
                vec![format!(
                    "phase aborted after --phase-timeout {} s",
                    ctx.args.phase_timeout
                )],
                false,
            )
        }
    };
    let errors = prog.errors.load(Ordering::Relaxed);
    if let Some(e) = prog.first_error.lock().unwrap().take() {
        notes.push(format!("first error: {e}"));
    }
    let seconds = t1.saturating_duration_since(t0).as_secs_f64();
    let objects = prog.objects.load(Ordering::Relaxed);
    PhaseResult {
        label: ctx.args.label.clone(),
        n: ctx.args.n,
        phase: name,
        objects,
        seconds: (seconds * 1000.0).round() / 1000.0,
        per_second: if seconds > 0.0 {
            (objects as f64 / seconds * 10.0).round() / 10.0
        } else {
            0.0
        },
        requests: prog.requests.load(Ordering::Relaxed),
        errors,
        retries: prog.retries.load(Ordering::Relaxed),
        concurrency: conc,
        finished,
        ok: finished && verified && errors == 0,
        notes,
    }
}

// ----------------------------------------------------------------- ingest ---

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
    #[serde(default)]
    total_count: u64,
    #[serde(default)]
    success_count: u64,
    #[serde(default)]
    failure_count: u64,
}

async fn read_status(resp: reqwest::Response) -> Result<Status, String> {
    let code = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("reading status body: {}", chain(&e)))?;
    if !(code == StatusCode::OK || code == StatusCode::ACCEPTED) {
        return Err(format!(
            "HTTP {code}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    serde_json::from_slice(&body).map_err(|e| format!("bad status resource: {}", chain(&e)))
}

async fn ingest_one(
    ctx: &Ctx,
    prog: &Progress,
    server: usize,
    body: Vec<u8>,
    count: u64,
    done: &AtomicU64,
) -> Result<(), String> {
    // A connection reset before any response (seen with gunicorn's sync
    // worker under pipelining) is retried, up to 3 attempts.
    let mut attempt = 0;
    let resp = loop {
        attempt += 1;
        let r = ctx
            .client
            .post(&ctx.objects_urls[server])
            .header(header::ACCEPT, TAXII)
            .header(header::CONTENT_TYPE, TAXII)
            .basic_auth(&ctx.args.user, Some(&ctx.args.password))
            .body(body.clone())
            .send()
            .await;
        match r {
            Ok(r) => break r,
            Err(e) if attempt < 3 && !e.is_timeout() => {
                prog.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(format!("POST objects: {}", chain(&e))),
        }
    };
    prog.requests.fetch_add(1, Ordering::Relaxed);
    let mut st = read_status(resp).await?;
    let status_url = format!("{}status/{}/", ctx.api_roots[server], st.id);
    let mut wait = Duration::from_millis(20);
    while st.status != "complete" {
        if prog.stop.load(Ordering::Relaxed) {
            return Err("stopped".into());
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(250));
        let resp = ctx
            .get(&ctx.client, &status_url)
            .send()
            .await
            .map_err(|e| format!("GET status: {}", chain(&e)))?;
        prog.requests.fetch_add(1, Ordering::Relaxed);
        st = read_status(resp).await?;
    }
    if st.total_count != count || st.success_count != count {
        prog.error(format!(
            "status {}: total {} success {} failure {} for an envelope of {count}",
            st.id, st.total_count, st.success_count, st.failure_count
        ));
    }
    done.fetch_add(st.success_count, Ordering::Relaxed);
    prog.objects.fetch_add(count, Ordering::Relaxed);
    Ok(())
}

async fn phase_ingest(ctx: Arc<Ctx>, objs: &[Indicator], prog: Arc<Progress>) -> PhaseResult {
    // Serialize every envelope before the clock starts.
    let bodies: Vec<(Vec<u8>, u64)> = objs
        .chunks(ctx.args.envelope.max(1))
        .map(|c| {
            #[derive(Serialize)]
            struct Env<'a> {
                objects: &'a [Indicator],
            }
            (
                serde_json::to_vec(&Env { objects: c }).unwrap(),
                c.len() as u64,
            )
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(bodies.into_iter().enumerate()));
    let succeeded = Arc::new(AtomicU64::new(0));
    let inflight = ctx.args.inflight.max(1);
    let n = objs.len() as u64;
    let fut = {
        let (ctx, p) = (ctx.clone(), prog.clone());
        async move {
            let t0 = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..inflight {
                let (ctx, prog, queue, succeeded) =
                    (ctx.clone(), p.clone(), queue.clone(), succeeded.clone());
                set.spawn(async move {
                    loop {
                        let next = queue.lock().unwrap().next();
                        let Some((index, (body, count))) = next else {
                            break;
                        };
                        // Envelopes go to the node's processes in turn.
                        let server = index % ctx.objects_urls.len();
                        if let Err(e) =
                            ingest_one(&ctx, &prog, server, body, count, &succeeded).await
                        {
                            prog.error(e);
                            prog.stop.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                });
            }
            while set.join_next().await.is_some() {}
            let t1 = Instant::now();
            let ok = succeeded.load(Ordering::Relaxed);
            let mut notes = vec![];
            if ok != n {
                notes.push(format!(
                    "WARNING: server reported {ok} successes for {n} objects sent"
                ));
            }
            (t0, Some(t1), notes, ok == n)
        }
    };
    run_phase(&ctx, "ingest", inflight, prog, fut).await
}

// ------------------------------------------------------------- paged read ---

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default = "Vec::new")]
    objects: Vec<T>,
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn phase_read(ctx: Arc<Ctx>, objs: &[Indicator], prog: Arc<Progress>) -> PhaseResult {
    let expected: Arc<HashSet<String>> = Arc::new(objs.iter().map(|o| o.id.clone()).collect());
    let fut = {
        let (ctx, prog) = (ctx.clone(), prog.clone());
        async move {
            let t0 = Instant::now();
            let (notes, ok) =
                read_all(ctx.clone(), ctx.objects_url.clone(), expected, prog.clone()).await;
            (t0, ok.then(Instant::now), notes, ok)
        }
    };
    run_phase(&ctx, "read", 1, prog, fut).await
}

/// `--readers` whole-collection paged reads at once, reader i on server i mod servers: the
/// throughput of a node's processes together.
async fn phase_read_parallel(
    ctx: Arc<Ctx>,
    objs: &[Indicator],
    prog: Arc<Progress>,
) -> PhaseResult {
    let expected: Arc<HashSet<String>> = Arc::new(objs.iter().map(|o| o.id.clone()).collect());
    let readers = ctx.args.readers.max(1);
    let fut = {
        let (ctx, prog) = (ctx.clone(), prog.clone());
        async move {
            let t0 = Instant::now();
            let tasks: Vec<_> = (0..readers)
                .map(|i| {
                    let url = ctx.objects_urls[i % ctx.objects_urls.len()].clone();
                    tokio::spawn(read_all(ctx.clone(), url, expected.clone(), prog.clone()))
                })
                .collect();
            let mut notes = vec![format!(
                "{readers} readers over {} server process(es)",
                ctx.objects_urls.len()
            )];
            let mut all_ok = true;
            for task in tasks {
                match task.await {
                    Ok((reader_notes, ok)) => {
                        all_ok &= ok;
                        if !ok {
                            notes.extend(reader_notes);
                        }
                    }
                    Err(e) => {
                        all_ok = false;
                        notes.push(format!("reader task: {e}"));
                    }
                }
            }
            (t0, all_ok.then(Instant::now), notes, all_ok)
        }
    };
    run_phase(&ctx, "readp", readers, prog, fut).await
}

/// Reads a whole collection page by page from one server, following `next`; checks that every
/// expected object came exactly once.
async fn read_all(
    ctx: Arc<Ctx>,
    objects_url: String,
    expected: Arc<HashSet<String>>,
    prog: Arc<Progress>,
) -> (Vec<String>, bool) {
    let limit = ctx.args.page_limit;
    let mut notes = vec![];
    let base = format!("{objects_url}?limit={limit}");
    let mut url = base.clone();
    let mut seen: HashSet<String> = HashSet::with_capacity(expected.len());
    let mut dups = 0u64;
    let mut pages = 0u64;
    let mut capped = false;
    let mut read = 0u64;
    loop {
        let mut resp = ctx.get(&ctx.client, &url).send().await;
        if matches!(&resp, Err(e) if !e.is_timeout()) {
            prog.retries.fetch_add(1, Ordering::Relaxed);
            resp = ctx.get(&ctx.client, &url).send().await;
        }
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                prog.error(format!("GET {url}: {}", chain(&e)));
                return (notes, false);
            }
        };
        prog.requests.fetch_add(1, Ordering::Relaxed);
        let code = resp.status();
        let date_added_last = resp
            .headers()
            .get("X-TAXII-Date-Added-Last")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                prog.error(format!("reading page: {}", chain(&e)));
                return (notes, false);
            }
        };
        if code != StatusCode::OK {
            prog.error(format!(
                "GET {url}: HTTP {code}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
            return (notes, false);
        }
        let env: Envelope<IdOnly> = match serde_json::from_slice(&body) {
            Ok(e) => e,
            Err(e) => {
                prog.error(format!("bad envelope: {}", chain(&e)));
                return (notes, false);
            }
        };
        pages += 1;
        if env.objects.len() > limit {
            notes.push(format!(
                "WARNING: page of {} objects exceeds limit={limit}",
                env.objects.len()
            ));
        }
        if env.more && env.objects.len() < limit && !capped {
            capped = true;
            notes.push(format!(
                "server returned {} objects per page for limit={limit} (server cap?)",
                env.objects.len()
            ));
        }
        read += env.objects.len() as u64;
        prog.objects
            .fetch_add(env.objects.len() as u64, Ordering::Relaxed);
        for o in env.objects {
            if !seen.insert(o.id) {
                dups += 1;
            }
        }
        if !env.more {
            break;
        }
        if prog.stop.load(Ordering::Relaxed) {
            return (notes, false);
        }
        url = match (env.next, date_added_last) {
            (Some(next), _) => format!("{base}&next={}", urlencode(&next)),
            (None, Some(last)) => {
                if pages == 1 {
                    notes.push("more=true without next: paging by added_after".into());
                }
                format!("{base}&added_after={}", urlencode(&last))
            }
            (None, None) => {
                notes
                    .push("WARNING: more=true but neither next nor X-TAXII-Date-Added-Last".into());
                break;
            }
        };
    }
    let missing = expected.iter().filter(|id| !seen.contains(*id)).count();
    let extra = seen.len() - (expected.len() - missing);
    notes.push(format!("{pages} pages"));
    if read as usize != expected.len() {
        notes.push(format!(
            "WARNING: read {read} objects, expected {}",
            expected.len()
        ));
    }
    if dups > 0 {
        notes.push(format!("WARNING: {dups} duplicate objects across pages"));
    }
    if missing > 0 {
        notes.push(format!("WARNING: {missing} generated objects missing"));
    }
    if extra > 0 {
        notes.push(format!(
            "{extra} objects not generated by this run (collection not empty?)"
        ));
    }
    (notes, missing == 0 && dups == 0)
}

// ----------------------------------------------------------- single GETs ---

async fn get_worker(
    ctx: Arc<Ctx>,
    client: Client,
    prog: Arc<Progress>,
    urls: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
) {
    loop {
        if prog.stop.load(Ordering::Relaxed) {
            return;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(url) = urls.get(i) else { return };
        prog.requests.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            match ctx.get(&client, url).send().await {
                Ok(r) => break Some(r),
                Err(e) if attempt < 3 && !e.is_timeout() => {
                    prog.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => {
                    prog.error(format!("GET {url}: {}", chain(&e)));
                    break None;
                }
            }
        };
        let Some(resp) = resp else { continue };
        let code = resp.status();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                prog.error(format!("GET {url} body: {}", chain(&e)));
                continue;
            }
        };
        if code != StatusCode::OK {
            prog.error(format!("GET {url}: HTTP {code}"));
            continue;
        }
        match serde_json::from_slice::<Envelope<serde::de::IgnoredAny>>(&body) {
            Ok(env) if env.objects.len() == 1 => {
                prog.objects.fetch_add(1, Ordering::Relaxed);
            }
            Ok(env) => prog.error(format!(
                "GET {url}: {} objects, expected 1",
                env.objects.len()
            )),
            Err(e) => prog.error(format!("GET {url}: bad envelope: {}", chain(&e))),
        }
    }
}

async fn phase_get(
    ctx: Arc<Ctx>,
    objs: &[Indicator],
    conc: usize,
    name: &'static str,
    prog: Arc<Progress>,
) -> PhaseResult {
    let mut rng = StdRng::seed_from_u64(ctx.args.seed ^ 0x9e37_79b9_7f4a_7c15 ^ conc as u64);
    let urls: Arc<Vec<String>> = Arc::new(if objs.is_empty() {
        vec![]
    } else {
        (0..ctx.args.get_count)
            .enumerate()
            .map(|(i, _)| {
                format!(
                    "{}{}/",
                    ctx.objects_urls[i % ctx.objects_urls.len()],
                    objs[rng.random_range(0..objs.len())].id
                )
            })
            .collect()
    });
    let count = urls.len() as u64;
    let fut = {
        let (ctx, prog) = (ctx.clone(), prog.clone());
        async move {
            let next = Arc::new(AtomicUsize::new(0));
            // One client (own keep-alive connection pool) per worker.
            let clients: Vec<Client> = (0..conc).map(|_| make_client(&ctx.args)).collect();
            let t0 = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for c in clients {
                set.spawn(get_worker(
                    ctx.clone(),
                    c,
                    prog.clone(),
                    urls.clone(),
                    next.clone(),
                ));
            }
            while set.join_next().await.is_some() {}
            let t1 = Instant::now();
            let ok = prog.objects.load(Ordering::Relaxed);
            let mut notes = vec![];
            if ok != count {
                notes.push(format!(
                    "WARNING: {ok} of {count} GETs returned 200 with one object"
                ));
            }
            (t0, Some(t1), notes, ok == count)
        }
    };
    run_phase(&ctx, name, conc, prog, fut).await
}

// ------------------------------------------------------------------- main ---

fn print_table(rows: &[PhaseResult]) {
    eprintln!(
        "{:<14} {:>8} {:<7} {:>4} {:>9} {:>10} {:>12} {:>7}  status",
        "label", "n", "phase", "conc", "objects", "seconds", "per_second", "errors"
    );
    for r in rows {
        let status = match (r.finished, r.ok) {
            (false, _) => "NOT FINISHED",
            (true, false) => "FAILED",
            (true, true) => "ok",
        };
        eprintln!(
            "{:<14} {:>8} {:<7} {:>4} {:>9} {:>10.3} {:>12.1} {:>7}  {status}",
            r.label, r.n, r.phase, r.concurrency, r.objects, r.seconds, r.per_second, r.errors
        );
        for note in &r.notes {
            eprintln!("{:>14}   - {note}", "");
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Needed when reqwest is built with rustls but no provider (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = Args::parse();
    if !args.api_root_url.ends_with('/') {
        args.api_root_url.push('/');
    }
    let api_root = args.api_root_url.clone();
    let objects_url = format!("{api_root}collections/{}/objects/", args.collection);
    let mut api_roots = vec![api_root];
    for url in &args.more_api_root_urls {
        api_roots.push(if url.ends_with('/') {
            url.clone()
        } else {
            format!("{url}/")
        });
    }
    let objects_urls: Vec<String> = api_roots
        .iter()
        .map(|root| format!("{root}collections/{}/objects/", args.collection))
        .collect();
    let objs = generate(args.n, args.seed);
    let ctx = Arc::new(Ctx {
        client: make_client(&args),
        args,
        objects_url,
        api_roots,
        objects_urls,
    });

    // One authenticated request before any clock starts: a server may verify a password slowly
    // once (tanseeq: argon2id, ~40 ms) and remember it; that one-time cost is not throughput.
    for root in &ctx.api_roots {
        let warm_up = format!("{root}collections/{}/", ctx.args.collection);
        if let Err(e) = ctx.get(&ctx.client, &warm_up).send().await {
            eprintln!("warm-up request failed: {}", chain(&e));
        }
    }

    let mut rows = vec![];
    let mut phases = ctx.args.phases.clone();
    phases.dedup();
    for ph in phases {
        let prog = Arc::new(Progress::default());
        let r = match ph {
            Phase::Ingest => phase_ingest(ctx.clone(), &objs, prog).await,
            Phase::Read => phase_read(ctx.clone(), &objs, prog).await,
            Phase::Readp => phase_read_parallel(ctx.clone(), &objs, prog).await,
            Phase::Get1 => phase_get(ctx.clone(), &objs, 1, "get1", prog).await,
            Phase::Get8 => {
                phase_get(
                    ctx.clone(),
                    &objs,
                    ctx.args.concurrency.max(1),
                    "get8",
                    prog,
                )
                .await
            }
        };
        println!("{}", serde_json::to_string(&r).unwrap());
        let failed_ingest = ph == Phase::Ingest && !r.ok;
        rows.push(r);
        if failed_ingest {
            // Reads would only measure a partial collection.
            eprintln!("ingest failed; skipping the remaining phases");
            break;
        }
    }
    if !ctx.args.quiet {
        eprintln!();
        print_table(&rows);
    }
    let all_ok = rows.len() == ctx.args.phases.len() && rows.iter().all(|r| r.ok);
    std::process::exit(if all_ok { 0 } else { 1 });
}
