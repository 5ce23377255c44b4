//! Test harness: runs the real `tanseeq` binary against temporary data directories and talks
//! TAXII 2.1 to it over HTTP on 127.0.0.1 ephemeral ports.
//!
//! Every server process belongs to a [`TestNode`] and is killed (SIGKILL) when the node is
//! dropped, whether the test passed or panicked.
//!
//! The storage backend comes from the environment, so that one test file runs against both:
//! `TANSEEQ_TEST_BACKEND=postgres` puts each node in a fresh PostgreSQL database, created
//! through the admin connection string in `TANSEEQ_TEST_POSTGRES` and dropped with the node;
//! anything else (the default) gives each node a data directory on the embedded database.

#![allow(dead_code)]

pub mod certs;
pub mod cluster;
pub mod federation;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const STIX: &str = "application/stix+json;version=2.1";

pub const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
pub const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

/// The same password for every user the tests add (at least 12 characters).
pub const PASSWORD: &str = "correct-horse-battery";

/// How long a server may take to print its first line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tanseeq")
}

/// The binary with the quiet logging the tests want.
pub fn command() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("TANSEEQ_LOG", "warn")
        .env_remove("TANSEEQ_DATA")
        .env_remove("TANSEEQ_DATABASE")
        .env_remove("TANSEEQ_CONFIG")
        .env_remove("TANSEEQ_LISTEN")
        .env_remove("TANSEEQ_MAX_CONTENT_LENGTH")
        .env_remove("TANSEEQ_TLS_CERT")
        .env_remove("TANSEEQ_TLS_KEY")
        .env_remove("TANSEEQ_TLS_CLIENT_CA");
    cmd
}

/// Runs the binary with `args`, feeding `stdin`, and returns what it did.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = command();
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn tanseeq");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let input = input.to_vec();
        // A writer thread, so that a child that stops reading early cannot deadlock us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("wait for tanseeq")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the binary and insists on success; returns stdout.
pub fn run_ok(args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = run(args, stdin);
    assert!(
        out.status.success(),
        "tanseeq {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A running `tanseeq serve`.
struct Server {
    child: Child,
    port: u16,
    /// `http` or `https` (with `--tls-cert`).
    scheme: &'static str,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        // Servers first, then (as fields) the database they were using.
        self.server.take();
        self.more_servers.clear();
    }
}

/// Which backend the tests of this run use (see the module comment).
pub fn postgres_admin_url() -> Option<String> {
    if std::env::var("TANSEEQ_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    Some(std::env::var("TANSEEQ_TEST_POSTGRES").expect(
        "TANSEEQ_TEST_BACKEND=postgres needs TANSEEQ_TEST_POSTGRES (an admin connection string)",
    ))
}

/// Runs SQL on a PostgreSQL server (statements that cannot run in a transaction included).
pub fn postgres_execute(url: &str, sql: &str) {
    if let Err(e) = postgres_try_execute(url, sql) {
        panic!("{sql}: {e}");
    }
}

pub fn postgres_try_execute(url: &str, sql: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("connect to {url}: {e}"))?;
        let driver = tokio::spawn(connection);
        let result = client.batch_execute(sql).await.map_err(|e| e.to_string());
        drop(client);
        let _ = driver.await;
        result
    })
}

/// A fresh PostgreSQL database, dropped when this is dropped.
pub struct TestDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn create(admin_url: &str) -> TestDatabase {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "tanseeq_it_{}_{}_{:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            random_u64() & 0xffff_ffff
        );
        postgres_execute(
            admin_url,
            &format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"),
        );
        TestDatabase {
            admin_url: admin_url.to_owned(),
            url: database_url(admin_url, &name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // FORCE: a server the test killed may leave connections behind for a moment. A
        // failure here (the server is gone) must not turn a test failure into an abort.
        let _ = postgres_try_execute(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// The admin URL with its database name replaced.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// A node in a temporary directory (or a temporary PostgreSQL database), with its first
/// organization and admin.
pub struct TestNode {
    dir: tempfile::TempDir,
    /// Set when the node lives in PostgreSQL; dropped after the servers (see `Drop`).
    database: Option<TestDatabase>,
    pub org: String,
    pub admin: String,
    pub admin_password: String,
    pub default_collection: String,
    server: Option<Server>,
    /// Further `serve` processes on the same database (PostgreSQL scale-out).
    more_servers: Vec<Server>,
    extra_serve_args: Vec<String>,
    /// The port the next `serve` listens on; 0: any free port.
    listen_port: u16,
}

impl TestNode {
    /// `tanseeq init` in a fresh temporary directory (or database: see the module comment).
    pub fn init(org: &str) -> TestNode {
        Self::init_in(
            org,
            postgres_admin_url().map(|admin| TestDatabase::create(&admin)),
        )
    }

    /// `tanseeq init` in a fresh database on the PostgreSQL server of `admin_url`, whatever
    /// the backend of this run.
    pub fn init_on_postgres(org: &str, admin_url: &str) -> TestNode {
        Self::init_in(org, Some(TestDatabase::create(admin_url)))
    }

    fn init_in(org: &str, database: Option<TestDatabase>) -> TestNode {
        install_crypto_provider();
        let dir = tempfile::Builder::new()
            .prefix("tanseeq-it-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("node");
        let location = match &database {
            Some(db) => ["--database".to_owned(), db.url.clone()],
            None => ["--data".to_owned(), path_str(&data).to_owned()],
        };
        let stdout = run_ok(&["init", &location[0], &location[1], "--org", org], None);
        let field = |name: &str| -> String {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no `{name}` line in init output:\n{stdout}"))
                .to_owned()
        };
        let admin_password = field("password:");
        let default_collection = field("collection:");
        let admin = field("admin user:");
        TestNode {
            dir,
            database,
            org: org.to_owned(),
            admin,
            admin_password,
            default_collection,
            server: None,
            more_servers: Vec::new(),
            extra_serve_args: Vec::new(),
            listen_port: 0,
        }
    }

    /// `tanseeq init` in a data directory on the embedded database, whatever the backend of
    /// this run.
    pub fn init_embedded(org: &str) -> TestNode {
        Self::init_in(org, None)
    }

    /// After `tanseeq migrate` copied this node into `database`: later commands and servers
    /// use the database (the data directory stays as it was).
    pub fn moved_to(&mut self, database: TestDatabase) {
        assert!(
            self.server.is_none(),
            "stop the server before moving the node"
        );
        self.database = Some(database);
    }

    /// Whether this node lives in PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.database.is_some()
    }

    /// The database URL of a node on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        self.database.as_ref().map(|db| db.url.clone())
    }

    /// `--data DIR` or `--database URL`: where this node is.
    pub fn location_args(&self) -> [String; 2] {
        match &self.database {
            Some(db) => ["--database".to_owned(), db.url.clone()],
            None => ["--data".to_owned(), self.data_str()],
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("node")
    }

    pub fn data_str(&self) -> String {
        path_str(&self.data()).to_owned()
    }

    /// A scratch directory beside the node's data, removed with it.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// Runs a CLI command with `--data DIR` (or `--database URL`) appended after `args`.
    pub fn cli(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let location = self.location_args();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(location.iter().map(String::as_str));
        run(&all, stdin)
    }

    pub fn cli_ok(&self, args: &[&str], stdin: Option<&[u8]>) -> String {
        let location = self.location_args();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(location.iter().map(String::as_str));
        run_ok(&all, stdin)
    }

    pub fn add_org(&self, name: &str) {
        self.cli_ok(&["org", "add", name], None);
    }

    pub fn add_user(&self, org: &str, name: &str, role: &str) {
        self.cli_ok(
            &["user", "add", "--org", org, "--name", name, "--role", role],
            Some(format!("{PASSWORD}\n").as_bytes()),
        );
    }

    /// A new bearer token for a user.
    pub fn token(&self, user: &str) -> String {
        let out = self.cli_ok(&["token", "create", "--user", user], None);
        let token = out.trim().to_owned();
        assert!(token.starts_with("tsq_"), "unexpected token output: {out}");
        token
    }

    /// The ids of a user's tokens (first column of `token list`).
    pub fn token_ids(&self, user: &str) -> Vec<String> {
        self.cli_ok(&["token", "list", "--user", user], None)
            .lines()
            .filter_map(|l| l.split('\t').next())
            .map(str::to_owned)
            .collect()
    }

    /// Adds a collection; `read` and `write` are comma-separated organization lists (may be
    /// empty). Returns its id.
    pub fn add_collection(&self, title: &str, read: &str, write: &str) -> String {
        let mut args = vec!["collection", "add", "--title", title];
        if !read.is_empty() {
            args.extend(["--read", read]);
        }
        if !write.is_empty() {
            args.extend(["--write", write]);
        }
        self.cli_ok(&args, None).trim().to_owned()
    }

    /// Object versions stored in a collection (all versions, all markings), from
    /// `tanseeq collection list`.
    pub fn count_objects(&self, collection: &str) -> u64 {
        let out = self.cli_ok(&["collection", "list"], None);
        let line = out
            .lines()
            .find(|l| l.starts_with(collection))
            .unwrap_or_else(|| panic!("collection {collection} not listed:\n{out}"));
        line.rsplit("objects: ")
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no object count in `{line}`"))
    }

    /// Extra arguments for every later `serve` (e.g. `--max-content-length`).
    pub fn set_serve_args(&mut self, args: &[&str]) {
        self.extra_serve_args = args.iter().map(|s| s.to_string()).collect();
    }

    /// Starts `tanseeq serve --listen 127.0.0.1:0` and waits for its first stdout line.
    pub fn start(&mut self) -> u16 {
        assert!(self.server.is_none(), "the server is already running");
        let server = self.spawn_server();
        let port = server.port;
        self.server = Some(server);
        port
    }

    /// Starts one more `serve` process on the same database (a node served by several
    /// processes) and returns its port.
    pub fn start_another(&mut self) -> u16 {
        let server = self.spawn_server();
        let port = server.port;
        self.more_servers.push(server);
        port
    }

    fn spawn_server(&self) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("serve.log"))
            .expect("server log file");
        let location = self.location_args();
        let mut child = command()
            .arg("serve")
            .args(&location)
            .args(["--listen", &format!("127.0.0.1:{}", self.listen_port)])
            .args(&self.extra_serve_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn tanseeq serve");
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        // From here on the Drop guard owns the child.
        let mut server = Server {
            child,
            port: 0,
            scheme: "http",
        };
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => panic!(
                "the server printed nothing within {START_TIMEOUT:?}; log:\n{}",
                self.server_log()
            ),
        };
        let address = line.trim().strip_prefix("listening on ");
        let (scheme, address) = match address.and_then(|a| a.strip_prefix("https://")) {
            Some(rest) => ("https", Some(rest)),
            None => ("http", address.and_then(|a| a.strip_prefix("http://"))),
        };
        server.scheme = scheme;
        server.port = address
            .and_then(|rest| rest.strip_prefix("127.0.0.1:"))
            .and_then(|rest| rest.strip_suffix("/taxii2/"))
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line from serve: {line:?}; log:\n{}",
                    self.server_log()
                )
            });
        server
    }

    /// A client for the admin of the first organization on a given port (another process).
    pub fn admin_client_on(&self, port: u16) -> Client {
        Client::new(
            &format!("http://127.0.0.1:{port}"),
            Auth::Basic(self.admin.clone(), self.admin_password.clone()),
        )
    }

    pub fn port(&self) -> u16 {
        self.server.as_ref().expect("server not running").port
    }

    /// `http://127.0.0.1:PORT`, or `https://…` when the server was started with TLS.
    pub fn base_url(&self) -> String {
        let server = self.server.as_ref().expect("server not running");
        format!("{}://127.0.0.1:{}", server.scheme, server.port)
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// SIGKILL the server (no graceful shutdown) and reap it.
    pub fn kill_9(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.child.kill().expect("SIGKILL the server");
            server.child.wait().expect("reap the server");
        }
    }

    /// A `kill_9` and a fresh `serve` on the same data directory.
    pub fn restart(&mut self) -> u16 {
        self.kill_9();
        self.start()
    }

    /// Starts `serve` on a given port (after a `kill_9`, so that peers keep the URL they
    /// were given).
    pub fn start_on(&mut self, port: u16) -> u16 {
        self.listen_port = port;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            // The port may linger for a moment after the kill.
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
                || std::time::Instant::now() > deadline
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let started = self.start();
        self.listen_port = 0;
        started
    }

    /// Whether the server process is still alive.
    pub fn server_alive(&mut self) -> bool {
        match self.server.as_mut() {
            Some(s) => s.child.try_wait().map(|st| st.is_none()).unwrap_or(false),
            None => false,
        }
    }

    /// A client logged in as the node's admin (HTTP Basic).
    pub fn admin_client(&self) -> Client {
        Client::new(
            &self.base_url(),
            Auth::Basic(self.admin.clone(), self.admin_password.clone()),
        )
    }

    /// A client for a user added with [`TestNode::add_user`] (HTTP Basic).
    pub fn user_client(&self, user: &str) -> Client {
        Client::new(
            &self.base_url(),
            Auth::Basic(user.to_owned(), PASSWORD.to_owned()),
        )
    }

    pub fn client(&self, auth: Auth) -> Client {
        Client::new(&self.base_url(), auth)
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
}

/// A response read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header text").to_owned())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Insists on a status; shows the body otherwise.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Insists the body is a TAXII error message with its media type.
    #[track_caller]
    pub fn assert_taxii_error(&self) {
        assert_eq!(
            self.content_type().replace(' ', ""),
            TAXII,
            "error response media type (status {}, body {})",
            self.status,
            self.text
        );
        let body = self.json();
        assert!(
            body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "error body has no title: {}",
            self.text
        );
    }
}

/// A TAXII 2.1 client with the right headers.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub auth: Auth,
    pub http: reqwest::blocking::Client,
}

/// Generous: a debug build on two cores under a parallel test run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// The tests' reqwest brings no TLS crypto of its own (the node's `ring` serves): every
/// HTTP client, HTTPS or not, needs it installed first. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(base: &str, auth: Auth) -> Client {
        install_crypto_provider();
        let http = reqwest::blocking::Client::builder()
            .timeout(CLIENT_TIMEOUT)
            .build()
            .expect("HTTP client");
        Client {
            base: base.trim_end_matches('/').to_owned(),
            auth,
            http,
        }
    }

    pub fn with_auth(&self, auth: Auth) -> Client {
        Client {
            base: self.base.clone(),
            auth,
            http: self.http.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with Accept and credentials set; `path` starts with `/`.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::blocking::RequestBuilder {
        let builder = self
            .http
            .request(method, self.url(path))
            .header("Accept", TAXII);
        match &self.auth {
            Auth::None => builder,
            Auth::Basic(user, password) => builder.basic_auth(user, Some(password)),
            Auth::Bearer(token) => builder.bearer_auth(token),
        }
    }

    pub fn send(&self, builder: reqwest::blocking::RequestBuilder) -> Resp {
        self.try_send(builder).expect("HTTP request")
    }

    pub fn try_send(&self, builder: reqwest::blocking::RequestBuilder) -> reqwest::Result<Resp> {
        let response = builder.send()?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text()?;
        Ok(Resp {
            status,
            headers,
            text,
        })
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::GET, path))
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::DELETE, path))
    }

    /// POSTs a raw body as TAXII JSON.
    pub fn post_raw(&self, path: &str, body: impl Into<reqwest::blocking::Body>) -> Resp {
        self.send(
            self.request(reqwest::Method::POST, path)
                .header("Content-Type", TAXII)
                .body(body),
        )
    }

    /// POSTs an envelope text to a collection's objects endpoint.
    pub fn post_envelope_text(&self, collection: &str, body: String) -> Resp {
        self.post_raw(&objects_path(collection), body)
    }

    /// POSTs objects to a collection; returns the response (202 expected).
    pub fn post_objects(&self, collection: &str, objects: &[Value]) -> Resp {
        self.post_envelope_text(collection, envelope(objects))
    }

    /// POSTs objects and insists every one of them succeeded; returns the status.
    #[track_caller]
    pub fn post_ok(&self, collection: &str, objects: &[Value]) -> Value {
        let resp = self.post_objects(collection, objects).expect(202);
        let status = resp.json();
        assert_eq!(status["status"], "complete", "{}", resp.text);
        assert_eq!(
            status["success_count"].as_u64(),
            Some(objects.len() as u64),
            "not every object succeeded: {}",
            resp.text
        );
        status
    }

    /// Every object (all pages) of a GET objects query: follows `next`.
    pub fn get_all_objects(&self, collection: &str, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut q = query.to_owned();
            if let Some(n) = &next {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str("next=");
                q.push_str(n);
            }
            let path = if q.is_empty() {
                objects_path(collection)
            } else {
                format!("{}?{q}", objects_path(collection))
            };
            let page = self.get(&path).expect(200).json();
            if let Some(objects) = page["objects"].as_array() {
                out.extend(objects.iter().cloned());
            }
            if page["more"] == json!(true) {
                next = Some(
                    page["next"]
                        .as_str()
                        .expect("`more` without `next`")
                        .to_owned(),
                );
            } else {
                return out;
            }
        }
    }
}

pub fn collection_path(collection: &str) -> String {
    format!("/api/collections/{collection}/")
}

pub fn objects_path(collection: &str) -> String {
    format!("/api/collections/{collection}/objects/")
}

pub fn object_path(collection: &str, id: &str) -> String {
    format!("/api/collections/{collection}/objects/{id}/")
}

pub fn manifest_path(collection: &str) -> String {
    format!("/api/collections/{collection}/manifest/")
}

pub fn versions_path(collection: &str, id: &str) -> String {
    format!("/api/collections/{collection}/objects/{id}/versions/")
}

/// `{"objects":[…]}` as compact JSON.
pub fn envelope(objects: &[Value]) -> String {
    json!({ "objects": objects }).to_string()
}

pub fn new_id(kind: &str) -> String {
    format!("{kind}--{}", uuid::Uuid::new_v4())
}

/// A valid STIX 2.1 indicator; `modified` as given (also `created` when it is the first).
pub fn indicator_at(id: &str, modified: &str, markings: &[&str]) -> Value {
    let mut object = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": format!("indicator {id}"),
        "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    });
    if !markings.is_empty() {
        object["object_marking_refs"] = json!(markings);
    }
    object
}

/// A fresh indicator with a new id.
pub fn indicator(markings: &[&str]) -> Value {
    indicator_at(&new_id("indicator"), "2024-01-01T00:00:00.000Z", markings)
}

/// A fresh malware SDO (a second type for `match[type]`).
pub fn malware(markings: &[&str]) -> Value {
    let mut object = json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": new_id("malware"),
        "created": "2024-02-01T00:00:00.000Z",
        "modified": "2024-02-01T00:00:00.000Z",
        "name": "برمجية خبيثة",
        "is_family": true,
    });
    if !markings.is_empty() {
        object["object_marking_refs"] = json!(markings);
    }
    object
}

/// A small valid SCO.
pub fn ipv4(n: u32) -> Value {
    json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": new_id("ipv4-addr"),
        "value": format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255),
    })
}

/// `n` fresh indicators.
pub fn indicators(n: usize) -> Vec<Value> {
    (0..n).map(|_| indicator(&[TLP_GREEN])).collect()
}

/// The ids of a list of objects.
pub fn ids_of(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o["id"].as_str().expect("object id").to_owned())
        .collect()
}

/// A pseudo-random number from the clock and a counter (no extra crates).
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ COUNTER
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .rotate_left(17)
        ^ u64::from(std::process::id());
    // splitmix64
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
