//! `tanseeq serve --tls-cert FILE --tls-key FILE [--tls-client-ca FILE]`: HTTPS with
//! certificates generated here (a CA, a server certificate for 127.0.0.1 and localhost, client
//! certificates), clients that trust only that CA, and the one-line errors of bad set-ups.

mod common;

use common::certs::Ca;
use common::*;
use rcgen::ExtendedKeyUsagePurpose;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// The files of a server set-up in the node's scratch directory.
struct ServerFiles {
    ca: Ca,
    cert: PathBuf,
    key: PathBuf,
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// A CA and a server certificate for 127.0.0.1 and localhost, written as `server.pem` and
/// `server.key`.
fn server_files(dir: &Path) -> ServerFiles {
    let ca = Ca::new("tanseeq test CA");
    let (cert, key) = ca.issue(
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    ServerFiles {
        cert: write(dir, "server.pem", &cert),
        key: write(dir, "server.key", &key),
        ca,
    }
}

fn tls_args(files: &ServerFiles) -> Vec<String> {
    vec![
        "--tls-cert".into(),
        path_str(&files.cert).into(),
        "--tls-key".into(),
        path_str(&files.key).into(),
    ]
}

fn set_args(node: &mut TestNode, args: &[String]) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    node.set_serve_args(&args);
}

/// An HTTP client trusting only `ca_pem` (not the system's roots), with an optional client
/// certificate (PEM certificate and key).
fn https_client(ca_pem: &str, identity: Option<(&str, &str)>) -> reqwest::blocking::Client {
    install_crypto_provider();
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM")]);
    if let Some((cert, key)) = identity {
        let pem = format!("{cert}{key}");
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("HTTPS client")
}

fn admin_over(node: &TestNode, http: reqwest::blocking::Client) -> Client {
    Client {
        base: node.base_url(),
        auth: Auth::Basic(node.admin.clone(), node.admin_password.clone()),
        http,
    }
}

#[test]
fn https_serves_taxii_to_a_client_trusting_the_ca() {
    let mut node = TestNode::init("Bahrain CERT");
    let files = server_files(node.scratch());
    set_args(&mut node, &tls_args(&files));
    node.start();
    assert!(
        node.base_url().starts_with("https://"),
        "{}",
        node.base_url()
    );

    let admin = admin_over(&node, https_client(&files.ca.pem(), None));
    let discovery = admin.get("/taxii2/").expect(200).json();
    assert!(discovery["api_roots"].is_array(), "{discovery}");

    let objects = indicators(3);
    admin.post_ok(&node.default_collection, &objects);
    let back = admin.get_all_objects(&node.default_collection, "");
    let mut got = ids_of(&back);
    let mut want = ids_of(&objects);
    got.sort();
    want.sort();
    assert_eq!(got, want);

    // The name in the certificate works as well as the address.
    let by_name = Client {
        base: node.base_url().replace("127.0.0.1", "localhost"),
        ..admin.clone()
    };
    by_name.get("/taxii2/").expect(200);
}

#[test]
fn plain_http_and_garbage_on_the_tls_port_fail_without_harming_the_server() {
    let mut node = TestNode::init("Bahrain CERT");
    let files = server_files(node.scratch());
    set_args(&mut node, &tls_args(&files));
    let port = node.start();

    let plain = Client::new(
        &format!("http://127.0.0.1:{port}"),
        Auth::Basic(node.admin.clone(), node.admin_password.clone()),
    );
    match plain.try_send(plain.request(reqwest::Method::GET, "/taxii2/")) {
        Err(_) => {}
        Ok(resp) => assert_ne!(resp.status, 200, "plain HTTP was served: {}", resp.text),
    }
    // A connection that sends junk, and one that says nothing and closes.
    {
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let _ = tcp.write_all(b"\x16\x03\x01\x00\x05hello, not a handshake\r\n\r\n");
        let _ = tcp.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let _ = tcp.read_to_end(&mut sink);
    }
    drop(std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"));

    assert!(
        node.server_alive(),
        "the server died; log:\n{}",
        node.server_log()
    );
    let admin = admin_over(&node, https_client(&files.ca.pem(), None));
    admin.get("/taxii2/").expect(200);
}

#[test]
fn a_client_that_does_not_trust_the_ca_is_refused() {
    let mut node = TestNode::init("Bahrain CERT");
    let files = server_files(node.scratch());
    set_args(&mut node, &tls_args(&files));
    node.start();

    let stranger = Ca::new("another CA");
    let distrustful = admin_over(&node, https_client(&stranger.pem(), None));
    let refused = distrustful.try_send(distrustful.request(reqwest::Method::GET, "/taxii2/"));
    assert!(refused.is_err(), "a client trusting another CA was served");

    assert!(
        node.server_alive(),
        "the server died; log:\n{}",
        node.server_log()
    );
    let admin = admin_over(&node, https_client(&files.ca.pem(), None));
    admin.get("/taxii2/").expect(200);
}

#[test]
fn mutual_tls_requires_a_client_certificate_from_the_client_ca() {
    let mut node = TestNode::init("Bahrain CERT");
    let files = server_files(node.scratch());
    let client_ca = Ca::new("client CA");
    let client_ca_file = write(node.scratch(), "clients.pem", &client_ca.pem());
    let mut args = tls_args(&files);
    args.extend(["--tls-client-ca".into(), path_str(&client_ca_file).into()]);
    set_args(&mut node, &args);
    node.start();

    let anonymous = admin_over(&node, https_client(&files.ca.pem(), None));
    assert!(
        anonymous
            .try_send(anonymous.request(reqwest::Method::GET, "/taxii2/"))
            .is_err(),
        "a client without a certificate was served"
    );

    let outsider_ca = Ca::new("outsider CA");
    let (cert, key) = outsider_ca.issue(&["outsider"], ExtendedKeyUsagePurpose::ClientAuth);
    let outsider = admin_over(&node, https_client(&files.ca.pem(), Some((&cert, &key))));
    assert!(
        outsider
            .try_send(outsider.request(reqwest::Method::GET, "/taxii2/"))
            .is_err(),
        "a client certificate from another CA was accepted"
    );

    let (cert, key) = client_ca.issue(&["partner"], ExtendedKeyUsagePurpose::ClientAuth);
    let partner = admin_over(&node, https_client(&files.ca.pem(), Some((&cert, &key))));
    partner.get("/taxii2/").expect(200);
    let objects = indicators(2);
    partner.post_ok(&node.default_collection, &objects);
    assert_eq!(
        partner.get_all_objects(&node.default_collection, "").len(),
        2
    );
    assert!(
        node.server_alive(),
        "the server died; log:\n{}",
        node.server_log()
    );
}

/// Runs `serve` with `args` (plus the node's location and an ephemeral port) and `env`;
/// returns what it did, killing it if it is still running after a while (it should have
/// failed at once).
fn serve_expecting_failure(node: &TestNode, args: &[&str], env: &[(&str, &str)]) -> Output {
    let location = node.location_args();
    let mut child = command()
        .arg("serve")
        .args(&location)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tanseeq serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("reap");
            panic!("serve {args:?} kept running; stdout: {}", text(&out.stdout));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("reap")
}

#[track_caller]
fn assert_one_line_error(out: &Output, code: i32, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "not one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "`{needle}` not in: {stderr}");
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
}

#[test]
fn bad_tls_set_ups_fail_with_one_line() {
    let node = TestNode::init("Bahrain CERT");
    let dir = node.scratch();
    let files = server_files(dir);
    let cert = path_str(&files.cert);
    let key = path_str(&files.key);
    let missing = path_str(&dir.join("no-such-file.pem")).to_owned();
    let not_pem = write(dir, "not.pem", "this is not PEM\n");
    let not_pem = path_str(&not_pem);
    let (_, other_key) = files
        .ca
        .issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let other_key = write(dir, "other.key", &other_key);
    let other_key = path_str(&other_key);
    let broken = write(
        dir,
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n",
    );
    let broken = path_str(&broken);

    // Usage errors: exit 2.
    let out = serve_expecting_failure(&node, &["--tls-cert", cert], &[]);
    assert_one_line_error(&out, 2, "--tls-key");
    let out = serve_expecting_failure(&node, &["--tls-key", key], &[]);
    assert_one_line_error(&out, 2, "--tls-cert");
    let out = serve_expecting_failure(&node, &["--tls-client-ca", cert], &[]);
    assert_one_line_error(&out, 2, "--tls-cert");
    let out = serve_expecting_failure(&node, &[], &[("TANSEEQ_TLS_CERT", cert)]);
    assert_one_line_error(&out, 2, "--tls-key");
    let config = write(dir, "half.toml", &format!("tls_key = {key:?}\n"));
    let out = serve_expecting_failure(&node, &["--config", path_str(&config)], &[]);
    assert_one_line_error(&out, 2, "--tls-cert");

    // Bad files: exit 1, naming the file.
    let cases: [(&str, &str, &str); 7] = [
        (&missing, key, "cannot read"),
        (cert, &missing, "cannot read"),
        (not_pem, key, "no PEM certificate"),
        (broken, key, "not a PEM certificate"),
        (cert, not_pem, "no PEM private key"),
        (key, key, "no PEM certificate"),
        (cert, other_key, "does not match"),
    ];
    for (cert, key, needle) in cases {
        let out = serve_expecting_failure(&node, &["--tls-cert", cert, "--tls-key", key], &[]);
        assert_one_line_error(&out, 1, needle);
    }
    let out = serve_expecting_failure(
        &node,
        &[
            "--tls-cert",
            cert,
            "--tls-key",
            key,
            "--tls-client-ca",
            not_pem,
        ],
        &[],
    );
    assert_one_line_error(&out, 1, "not.pem");
}

/// Starts `serve` with `env` and extra `args`, returns its first stdout line, and kills it.
fn first_line(node: &TestNode, args: &[&str], env: &[(&str, &str)]) -> String {
    let location = node.location_args();
    let mut child = command()
        .arg("serve")
        .args(&location)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tanseeq serve");
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let _ = child.kill();
    let _ = child.wait();
    line
}

#[test]
fn tls_files_come_from_the_environment_or_the_configuration_file() {
    let node = TestNode::init("Bahrain CERT");
    let files = server_files(node.scratch());
    let (cert, key) = (path_str(&files.cert), path_str(&files.key));

    let line = first_line(
        &node,
        &[],
        &[("TANSEEQ_TLS_CERT", cert), ("TANSEEQ_TLS_KEY", key)],
    );
    assert!(
        line.starts_with("listening on https://127.0.0.1:"),
        "{line}"
    );

    let config = write(
        node.scratch(),
        "tls.toml",
        &format!("tls_cert = {cert:?}\ntls_key = {key:?}\n"),
    );
    let line = first_line(&node, &["--config", path_str(&config)], &[]);
    assert!(
        line.starts_with("listening on https://127.0.0.1:"),
        "{line}"
    );

    // The command line wins over the file: a good key on the command line, a bad one in the
    // file.
    let bad = write(
        node.scratch(),
        "bad.toml",
        &format!("tls_cert = {cert:?}\ntls_key = \"/nonexistent/key.pem\"\n"),
    );
    let line = first_line(&node, &["--config", path_str(&bad), "--tls-key", key], &[]);
    assert!(
        line.starts_with("listening on https://127.0.0.1:"),
        "{line}"
    );

    // Without TLS, plain HTTP as before.
    let line = first_line(&node, &[], &[]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}
