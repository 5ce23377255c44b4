//! The command line: help texts, one-line errors, and import/export round trips with a real
//! STIX 2.1 bundle.

mod common;

use common::*;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::process::{Output, Stdio};

const ICS_ATTACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/ics-attack-18.1.json"
);

/// Runs the binary as an operator would: no log filter set.
fn operator_run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = command();
    cmd.env_remove("TANSEEQ_LOG");
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("wait")
}

/// A failed command: non-zero exit and one line on stderr starting with `error:` that
/// contains `needle`. Returns what is wrong, if anything.
fn one_line_error(what: &str, out: &Output, needle: &str) -> Result<(), String> {
    let stderr = text(&out.stderr);
    if out.status.success() {
        return Err(format!(
            "{what}: expected failure, got success; stdout: {}",
            text(&out.stdout)
        ));
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != 1 {
        return Err(format!("{what}: stderr is not one line:\n{stderr}"));
    }
    if !lines[0].starts_with("error:") {
        return Err(format!(
            "{what}: stderr does not start with `error:`: {stderr}"
        ));
    }
    if !lines[0].to_lowercase().contains(&needle.to_lowercase()) {
        return Err(format!("{what}: `{needle}` not in: {stderr}"));
    }
    Ok(())
}

#[track_caller]
fn assert_one_line_error(what: &str, out: &Output, needle: &str) {
    if let Err(problem) = one_line_error(what, out, needle) {
        panic!("{problem}");
    }
}

/// Checks every case, then reports every problem at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, what: &str, out: &Output, needle: &str) {
        if let Err(problem) = one_line_error(what, out, needle) {
            self.0.push(problem);
        }
    }

    #[track_caller]
    fn assert_none(self) {
        assert!(self.0.is_empty(), "{}", self.0.join("\n---\n"));
    }
}

#[test]
fn help_of_every_subcommand() {
    let table: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "init",
                "serve",
                "org",
                "user",
                "token",
                "collection",
                "import",
                "export",
                "demo",
                "node",
                "migrate",
                "pattern",
                "match",
            ],
        ),
        (
            &["init"],
            &[
                "--data",
                "--database",
                "--org",
                "--admin",
                "--node-name",
                "--config",
            ],
        ),
        (
            &["serve"],
            &["--data", "--database", "--listen", "--max-content-length"],
        ),
        (&["migrate"], &["--data", "--database", "--from", "--to"]),
        (&["pattern"], &["check", "match"]),
        (&["pattern", "check"], &["--stix-version", "<PATTERN>"]),
        (
            &["pattern", "match"],
            &["--stix-version", "<PATTERN>", "<FILE>"],
        ),
        (
            &["match"],
            &["--data", "--database", "--org", "--record-sightings"],
        ),
        (&["org"], &["add", "list"]),
        (&["org", "add"], &["--data", "<NAME>"]),
        (&["org", "list"], &["--data"]),
        (&["user"], &["add", "list"]),
        (
            &["user", "add"],
            &[
                "--data", "--org", "--name", "--role", "admin", "analyst", "reader",
            ],
        ),
        (&["user", "list"], &["--data"]),
        (&["token"], &["create", "list", "revoke"]),
        (&["token", "create"], &["--data", "--user", "--label"]),
        (&["token", "list"], &["--data", "--user"]),
        (&["token", "revoke"], &["--data", "<ID>"]),
        (&["collection"], &["add", "list"]),
        (
            &["collection", "add"],
            &[
                "--data",
                "--title",
                "--description",
                "--id",
                "--read",
                "--write",
            ],
        ),
        (&["collection", "list"], &["--data"]),
        (&["import"], &["--data", "--collection", "--org", "<FILE>"]),
        (
            &["export"],
            &[
                "--data",
                "--collection",
                "--type",
                "--added-after",
                "--all-versions",
            ],
        ),
        (
            &["demo"],
            &["--listen", "--data", "--database", "--no-serve"],
        ),
        (&["node"], &["info"]),
        (&["node", "info"], &["--data"]),
    ];
    for (command, flags) in table {
        let mut args: Vec<&str> = command.to_vec();
        args.push("--help");
        let out = run(&args, None);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "tanseeq {args:?} exited {}",
            out.status
        );
        for flag in *flags {
            assert!(
                stdout.contains(flag),
                "tanseeq {args:?} does not mention {flag}:\n{stdout}"
            );
        }
    }
    let out = run(&["--version"], None);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("tanseeq "));
}

#[test]
fn errors_are_one_line() {
    let node = TestNode::init("Alpha");
    let data = node.data_str();
    let coll = node.default_collection.clone();
    let scratch = node.scratch().to_path_buf();
    let mut problems = Problems::default();

    // init where a node already is.
    let out = operator_run(&["init", "--data", &data, "--org", "Other"], None);
    problems.check("init into a node", &out, "already");

    // Commands on a directory without a node.
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = operator_run(&["org", "list", "--data", path_str(&empty)], None);
    problems.check("no node", &out, "init");

    // Unknown organization.
    let out = operator_run(
        &[
            "user", "add", "--data", &data, "--org", "Nope", "--name", "x", "--role", "reader",
        ],
        Some(format!("{PASSWORD}\n").as_bytes()),
    );
    problems.check("unknown org", &out, "Nope");
    let out = operator_run(
        &[
            "collection",
            "add",
            "--data",
            &data,
            "--title",
            "t",
            "--read",
            "Nope",
        ],
        None,
    );
    problems.check("collection for unknown org", &out, "Nope");
    let out = operator_run(
        &[
            "import",
            "--data",
            &data,
            "--collection",
            &coll,
            "--org",
            "Nope",
            "-",
        ],
        Some(b""),
    );
    problems.check("import as unknown org", &out, "Nope");

    // Short password, and none.
    let out = operator_run(
        &[
            "user", "add", "--data", &data, "--org", "Alpha", "--name", "x", "--role", "reader",
        ],
        Some(b"short\n"),
    );
    problems.check("short password", &out, "12");
    let out = operator_run(
        &[
            "user", "add", "--data", &data, "--org", "Alpha", "--name", "x", "--role", "reader",
        ],
        Some(b""),
    );
    problems.check("no password", &out, "password");
    // A user name that is taken.
    let out = operator_run(
        &[
            "user", "add", "--data", &data, "--org", "Alpha", "--name", "admin", "--role", "reader",
        ],
        Some(format!("{PASSWORD}\n").as_bytes()),
    );
    problems.check("duplicate user", &out, "exists");
    let out = operator_run(&["org", "add", "--data", &data, "Alpha"], None);
    problems.check("duplicate org", &out, "exists");

    // Unknown user for a token, unknown token.
    let out = operator_run(
        &["token", "create", "--data", &data, "--user", "ghost"],
        None,
    );
    problems.check("token for unknown user", &out, "ghost");
    let out = operator_run(
        &[
            "token",
            "revoke",
            "--data",
            &data,
            &uuid::Uuid::new_v4().to_string(),
        ],
        None,
    );
    problems.check("revoke unknown token", &out, "token");

    // Unknown collection on import and export.
    let unknown = uuid::Uuid::new_v4().to_string();
    let out = operator_run(
        &["import", "--data", &data, "--collection", &unknown, "-"],
        Some(b"{}"),
    );
    problems.check("import into unknown collection", &out, &unknown);
    let out = operator_run(&["export", "--data", &data, "--collection", &unknown], None);
    problems.check("export of unknown collection", &out, &unknown);
    let out = operator_run(
        &[
            "export",
            "--data",
            &data,
            "--collection",
            &coll,
            "--added-after",
            "yesterday",
        ],
        None,
    );
    problems.check("bad --added-after", &out, "yesterday");

    // Unreadable input.
    let missing = scratch.join("does-not-exist.json");
    let out = operator_run(
        &[
            "import",
            "--data",
            &data,
            "--collection",
            &coll,
            path_str(&missing),
        ],
        None,
    );
    problems.check("missing file", &out, "does-not-exist.json");
    let out = operator_run(
        &[
            "import",
            "--data",
            &data,
            "--collection",
            &coll,
            path_str(&scratch),
        ],
        None,
    );
    assert!(!out.status.success(), "importing a directory must fail");
    assert!(
        text(&out.stderr).starts_with("error:"),
        "{}",
        text(&out.stderr)
    );

    // Garbage input: refused, nothing stored.
    for garbage in [
        &b"hello, this is not JSON"[..],
        b"\xff\xfe\x00garbage",
        b"{\"objects\": [",
        b"42",
    ] {
        let file = scratch.join("garbage.json");
        std::fs::write(&file, garbage).unwrap();
        let out = operator_run(
            &[
                "import",
                "--data",
                &data,
                "--collection",
                &coll,
                path_str(&file),
            ],
            None,
        );
        problems.check(&format!("garbage {:?}", text(garbage)), &out, "");
    }
    assert_eq!(node.count_objects(&coll), 0);
    problems.assert_none();
}

/// Errors found while parsing the command line (clap's) follow the same one-line rule.
#[test]
fn usage_errors_are_one_line() {
    let node = TestNode::init("Alpha");
    let data = node.data_str();
    let mut problems = Problems::default();
    let out = operator_run(
        &[
            "user",
            "add",
            "--data",
            &data,
            "--org",
            "Alpha",
            "--name",
            "x",
            "--role",
            "superuser",
        ],
        Some(format!("{PASSWORD}\n").as_bytes()),
    );
    problems.check("bad role", &out, "superuser");
    let out = operator_run(
        &["import", "--data", &data, "--collection", "not-a-uuid", "-"],
        None,
    );
    problems.check("collection id not a UUID", &out, "not-a-uuid");
    let out = operator_run(&["init", "--data", &data], None);
    problems.check("missing --org", &out, "--org");
    let out = operator_run(&["org", "list", "--data", &data, "--frobnicate"], None);
    problems.check("unknown flag", &out, "--frobnicate");
    problems.assert_none();
}

#[test]
fn init_refuses_a_non_empty_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "someone else's file").unwrap();
    let out = operator_run(&["init", "--data", path_str(&dir), "--org", "Alpha"], None);
    assert_one_line_error("init into a non-empty directory", &out, "empty");
    assert!(
        !dir.join("tanseeq.db").exists(),
        "init created a database beside other files"
    );
}

/// Each object of a bundle's `objects` list, as its exact JSON text, keyed by
/// `(id, modified)` (`created`, or nothing, when there is no `modified`).
fn raw_objects(bundle: &str) -> BTreeMap<(String, String), String> {
    let top: HashMap<String, Box<RawValue>> =
        serde_json::from_str(bundle).expect("the bundle is a JSON object");
    let list: Vec<Box<RawValue>> =
        serde_json::from_str(top.get("objects").expect("`objects`").get()).expect("a list");
    let mut out = BTreeMap::new();
    for raw in list {
        let value: Value = serde_json::from_str(raw.get()).unwrap();
        let id = value["id"].as_str().unwrap_or("").to_owned();
        let version = value["modified"]
            .as_str()
            .or(value["created"].as_str())
            .unwrap_or("")
            .to_owned();
        let previous = out.insert((id.clone(), version), raw.get().to_owned());
        assert!(previous.is_none(), "{id} appears twice");
    }
    out
}

fn counts(stdout: &str) -> (u64, u64, u64) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("stored:"))
        .unwrap_or_else(|| panic!("no counts in {stdout}"));
    let numbers: Vec<u64> = line
        .split(',')
        .map(|part| part.rsplit(' ').next().unwrap().trim().parse().unwrap())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

#[test]
fn import_export_round_trip_ics_attack() {
    let path = std::path::Path::new(ICS_ATTACK);
    assert!(
        path.is_file(),
        "the test data set {ICS_ATTACK} is missing: this test needs MITRE ATT&CK for ICS 18.1 \
         (/work/shared/data/ics-attack-18.1.json)"
    );
    let input = std::fs::read_to_string(path).expect("read the ATT&CK bundle");
    let node = TestNode::init("Alpha");
    let coll = node.default_collection.clone();

    let out = node.cli(&["import", "--collection", &coll, ICS_ATTACK], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        counts(&text(&out.stdout)),
        (1826, 0, 0),
        "{}",
        text(&out.stderr)
    );
    let out = node.cli_ok(&["import", "--collection", &coll, ICS_ATTACK], None);
    assert_eq!(counts(&out), (0, 1826, 0));
    assert_eq!(node.count_objects(&coll), 1826);

    let exported = node.cli_ok(&["export", "--collection", &coll], None);
    let sent = raw_objects(&input);
    let got = raw_objects(&exported);
    assert_eq!(sent.len(), 1826);
    assert_eq!(
        sent.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the same (id, modified) pairs"
    );
    for (key, raw) in &sent {
        assert!(
            got[key] == *raw,
            "{key:?} changed:\nsent: {raw}\ngot:  {}",
            got[key]
        );
    }
    let bundle: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert!(bundle["id"].as_str().unwrap().starts_with("bundle--"));

    // Filters on export.
    let only = node.cli_ok(
        &[
            "export",
            "--collection",
            &coll,
            "--type",
            "malware,intrusion-set",
        ],
        None,
    );
    let only = raw_objects(&only);
    assert_eq!(only.len(), 30 + 16);
    assert!(only.values().all(|raw| sent.values().any(|s| s == raw)));
    let later = node.cli_ok(
        &[
            "export",
            "--collection",
            &coll,
            "--added-after",
            "2999-01-01T00:00:00Z",
        ],
        None,
    );
    let later: Value = serde_json::from_str(&later).unwrap();
    assert!(later.get("objects").is_none(), "{later}");

    // The same objects are served over TAXII, byte for byte.
    let mut node = node;
    node.start();
    let client = node.admin_client();
    let attack = sent
        .iter()
        .find(|((id, _), _)| id.starts_with("attack-pattern--"))
        .unwrap();
    let resp = client.get(&object_path(&coll, &attack.0.0)).expect(200);
    assert!(resp.text.contains(attack.1.as_str()));
}

#[test]
fn json_lines_from_stdin_and_invalid_objects() {
    let node = TestNode::init("Alpha");
    let coll = node.default_collection.clone();

    let objects = [indicator(&[TLP_GREEN]), malware(&[]), ipv4(7)];
    let lines: String = objects.iter().map(|o| format!("{o}\n")).collect();
    let out = node.cli_ok(
        &["import", "--collection", &coll, "-"],
        Some(lines.as_bytes()),
    );
    assert_eq!(counts(&out), (3, 0, 0));
    // Again, as a JSON array on stdin: duplicates.
    let array = json!(objects).to_string();
    let out = node.cli_ok(
        &["import", "--collection", &coll, "-"],
        Some(array.as_bytes()),
    );
    assert_eq!(counts(&out), (0, 3, 0));

    // A bundle with some invalid objects: those are reported with reasons, the rest stored.
    let good = [indicator(&[]), malware(&[TLP_RED])];
    let mut no_pattern = indicator(&[]);
    no_pattern.as_object_mut().unwrap().remove("pattern");
    let mut bad_spec = malware(&[]);
    bad_spec["spec_version"] = json!("2.0");
    let mut bad_type = indicator(&[]);
    bad_type["type"] = json!("Not A Type");
    let bundle = json!({
        "type": "bundle",
        "id": new_id("bundle"),
        "objects": [good[0], no_pattern, good[1], bad_spec, bad_type],
    })
    .to_string();
    let file = node.scratch().join("mixed.json");
    std::fs::write(&file, &bundle).unwrap();
    let out = node.cli(&["import", "--collection", &coll, path_str(&file)], None);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(counts(&text(&out.stdout)), (2, 0, 3));
    let reason = |id: &Value| -> String {
        let id = id.as_str().unwrap();
        stderr
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not reported:\n{stderr}"))
            .to_owned()
    };
    assert!(reason(&no_pattern["id"]).contains("pattern"), "{stderr}");
    assert!(reason(&bad_spec["id"]).contains("2.0"), "{stderr}");
    assert!(reason(&bad_type["id"]).contains("type"), "{stderr}");
    assert_eq!(node.count_objects(&coll), 5);
    let exported = raw_objects(&node.cli_ok(&["export", "--collection", &coll], None));
    for object in objects.iter().chain(&good) {
        assert!(
            exported.keys().any(|(id, _)| object["id"] == json!(id)),
            "{object} not exported"
        );
    }
}

#[test]
fn administration_commands_work() {
    let node = TestNode::init("Alpha");
    node.add_org("Beta");
    node.add_user("Beta", "bea", "analyst");
    let orgs = node.cli_ok(&["org", "list"], None);
    assert!(
        orgs.lines().any(|l| l.starts_with("Alpha\tidentity--")),
        "{orgs}"
    );
    assert!(
        orgs.lines().any(|l| l.starts_with("Beta\tidentity--")),
        "{orgs}"
    );
    let users = node.cli_ok(&["user", "list"], None);
    assert!(users.contains("admin\tadmin\tAlpha"), "{users}");
    assert!(users.contains("bea\tanalyst\tBeta"), "{users}");
    let id = uuid::Uuid::new_v4().to_string();
    let printed = node.cli_ok(
        &[
            "collection",
            "add",
            "--title",
            "joint",
            "--id",
            &id,
            "--read",
            "Alpha,Beta",
            "--write",
            "Beta",
        ],
        None,
    );
    assert_eq!(printed.trim(), id);
    let list = node.cli_ok(&["collection", "list"], None);
    let line = list.lines().find(|l| l.starts_with(&id)).expect("listed");
    let field = |name: &str| -> Vec<String> {
        let mut orgs: Vec<String> = line
            .split('\t')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_else(|| panic!("no `{name}` in {line}"))
            .split(',')
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        orgs.sort();
        orgs
    };
    assert_eq!(field("read: "), ["Alpha", "Beta"], "{line}");
    assert_eq!(field("write: "), ["Beta"], "{line}");
    // The same id twice is refused.
    let out = node.cli(
        &["collection", "add", "--title", "again", "--id", &id],
        None,
    );
    assert!(!out.status.success());
    let info = node.cli_ok(&["node", "info"], None);
    assert!(info.contains("backend: sqlite"), "{info}");
    assert!(info.contains("public key:"), "{info}");
}

#[test]
fn import_while_serving() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let posted = indicators(50);
    // Posts and a CLI import into the same database at the same time.
    let poster = {
        let (client, coll, posted) = (client.clone(), coll.clone(), posted.clone());
        std::thread::spawn(move || {
            for chunk in posted.chunks(5) {
                client.post_ok(&coll, chunk);
            }
        })
    };
    let imported: Vec<Value> = (0..500).map(ipv4).collect();
    let lines: String = imported.iter().map(|o| format!("{o}\n")).collect();
    let out = node.cli_ok(
        &["import", "--collection", &coll, "-"],
        Some(lines.as_bytes()),
    );
    assert_eq!(counts(&out), (500, 0, 0));
    poster.join().expect("poster");
    let all = client.get_all_objects(&coll, "limit=200");
    assert_eq!(all.len(), 550);
    assert_eq!(node.count_objects(&coll), 550);
}

#[test]
fn export_versions_and_types() {
    let node = TestNode::init("Alpha");
    let coll = node.default_collection.clone();
    let id = new_id("indicator");
    let v1 = indicator_at(&id, "2024-01-01T00:00:00.000Z", &[TLP_RED]);
    let v2 = indicator_at(&id, "2024-05-01T00:00:00.000Z", &[TLP_RED]);
    let mal = malware(&[]);
    let lines = format!("{v2}\n{v1}\n{mal}\n");
    let out = node.cli_ok(
        &["import", "--collection", &coll, "-"],
        Some(lines.as_bytes()),
    );
    assert_eq!(counts(&out), (3, 0, 0));

    let latest = raw_objects(&node.cli_ok(&["export", "--collection", &coll], None));
    let keys: Vec<(String, String)> = latest.keys().cloned().collect();
    let mut expected = vec![
        (id.clone(), "2024-05-01T00:00:00.000Z".to_owned()),
        (
            mal["id"].as_str().unwrap().to_owned(),
            "2024-02-01T00:00:00.000Z".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(
        keys, expected,
        "latest versions only; the operator sees TLP:RED"
    );
    let all = raw_objects(&node.cli_ok(&["export", "--collection", &coll, "--all-versions"], None));
    assert_eq!(all.len(), 3);
    let only = raw_objects(&node.cli_ok(
        &[
            "export",
            "--collection",
            &coll,
            "--type",
            "indicator",
            "--all-versions",
        ],
        None,
    ));
    assert_eq!(only.len(), 2);
    assert!(only.keys().all(|(i, _)| *i == id));
    // An empty collection exports a bundle without `objects` (STIX forbids empty lists).
    let empty = node.add_collection("empty", "Alpha", "Alpha");
    let bundle: Value =
        serde_json::from_str(&node.cli_ok(&["export", "--collection", &empty], None)).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert!(bundle.get("objects").is_none(), "{bundle}");
}

/// Two processes writing at once (the server taking posts, `tanseeq import` beside it) must
/// both succeed: SQLite's busy timeout has to cover every lock wait.
#[test]
fn concurrent_writers_from_two_processes() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poster = {
        let (client, coll, stop) = (client.clone(), coll.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut posted = 0u64;
            let mut failures = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = client.post_objects(&coll, &indicators(2));
                if resp.status == 202 && resp.json()["success_count"] == 2 {
                    posted += 2;
                } else {
                    failures.push(format!("{} {}", resp.status, resp.text));
                }
            }
            (posted, failures)
        })
    };
    let mut imported = 0u64;
    let mut import_errors = Vec::new();
    for round in 0..3u32 {
        let lines: String = (0..2_000)
            .map(|i| format!("{}\n", ipv4(round * 10_000 + i)))
            .collect();
        let out = node.cli(
            &["import", "--collection", &coll, "-"],
            Some(lines.as_bytes()),
        );
        if out.status.success() {
            imported += counts(&text(&out.stdout)).0;
        } else {
            import_errors.push(text(&out.stderr));
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (posted, post_failures) = poster.join().expect("poster");
    assert!(
        import_errors.is_empty() && post_failures.is_empty(),
        "concurrent writers failed:\nimport: {import_errors:?}\nposts: {:?}\nserver log:\n{}",
        &post_failures[..post_failures.len().min(3)],
        node.server_log()
    );
    assert_eq!(node.count_objects(&coll), imported + posted);
}

/// The configuration file: its keys stand in for flags; the command line wins; mistakes are
/// one line and exit status 2.
#[test]
fn configuration_file() {
    let node = TestNode::init_embedded("Alpha");
    let scratch = node.scratch().to_path_buf();
    let write = |name: &str, text: &str| -> String {
        let path = scratch.join(name);
        std::fs::write(&path, text).unwrap();
        path_str(&path).to_owned()
    };
    let good = write("good.toml", &format!("data = {:?}\n", node.data_str()));
    let out = run_ok(&["org", "list", "--config", &good], None);
    assert!(out.contains("Alpha"), "{out}");
    // The environment names the file just as well.
    let mut cmd = command();
    let out = cmd
        .env("TANSEEQ_CONFIG", &good)
        .args(["node", "info"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));

    let cases: &[(&str, &str)] = &[
        ("unknown = 1\n", "unknown field"),
        ("data = 5\n", "invalid type"),
        (
            "data = \"/a\"\ndatabase = \"postgres://x@127.0.0.1/y\"\n",
            "not both",
        ),
        ("listen = \"not an address\"\n", "listen"),
        ("[broken\n", "line 1"),
    ];
    for (index, (contents, expected)) in cases.iter().enumerate() {
        let path = write(&format!("bad{index}.toml"), contents);
        let out = run(&["org", "list", "--config", &path], None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{contents}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{contents}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{contents}: `{expected}` in {stderr}"
        );
    }
    let out = run(&["org", "list", "--config", "/does/not/exist.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["org", "list"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no location at all is a usage error"
    );
    assert!(text(&out.stderr).contains("--data DIR"));
    let out = run(
        &[
            "org",
            "list",
            "--data",
            "/x",
            "--database",
            "postgres://a@127.0.0.1/b",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
