//! One node on PostgreSQL served by several `tanseeq serve` processes: they behave as one node
//! (objects, statuses, cursors, accounts and tokens are shared at once, concurrent posts of one
//! version store it once); a database restart under a serving node gives 503 TAXII errors, loses
//! nothing acknowledged and heals by itself; `tanseeq migrate` moves an embedded node to
//! PostgreSQL so exactly that TAXII clients cannot tell.
//!
//! Needs a PostgreSQL server: the admin connection string in `TANSEEQ_TEST_POSTGRES` (the test
//! script sets it), and the server programs for the restart test (a private cluster).

mod common;

use common::cluster::PrivateCluster;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

fn admin_url(test: &str) -> Option<String> {
    let url = std::env::var("TANSEEQ_TEST_POSTGRES").ok();
    if url.is_none() {
        eprintln!("NOTICE: {test} SKIPPED: TANSEEQ_TEST_POSTGRES is not set");
    }
    url
}

fn status_path(id: &str) -> String {
    format!("/api/status/{id}/")
}

#[test]
fn processes_act_as_one_node() {
    let Some(admin) = admin_url("processes_act_as_one_node") else {
        return;
    };
    let mut node = TestNode::init_on_postgres("Alpha", &admin);
    let coll = node.default_collection.clone();
    let ports = [node.start(), node.start_another(), node.start_another()];
    let clients: Vec<Client> = ports.iter().map(|&p| node.admin_client_on(p)).collect();

    // Posted to one process: returned by the others at once, with the status readable there.
    let object = indicator(&[]);
    let id = object["id"].as_str().unwrap().to_owned();
    let status = clients[0].post_ok(&coll, std::slice::from_ref(&object));
    let status_id = status["id"].as_str().unwrap();
    for client in &clients[1..] {
        let got = client.get(&object_path(&coll, &id)).expect(200).json();
        assert_eq!(
            got["objects"][0], object,
            "another process returns the object at once"
        );
        let read = client.get(&status_path(status_id)).expect(200).json();
        assert_eq!(read["id"], status["id"]);
        assert_eq!(read["success_count"], 1);
    }

    // A cursor issued by one process is valid on the others: page through 250 objects, each
    // page from the next process.
    let mut posted = BTreeSet::new();
    for chunk in 0..5 {
        let objects = indicators(50);
        posted.extend(ids_of(&objects));
        clients[chunk % 3].post_ok(&coll, &objects);
    }
    posted.insert(id.clone());
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    for page_number in 0.. {
        let client = &clients[page_number % 3];
        let path = match &next {
            Some(n) => format!("{}?limit=40&next={n}", objects_path(&coll)),
            None => format!("{}?limit=40", objects_path(&coll)),
        };
        let page = client.get(&path).expect(200).json();
        seen.extend(ids_of(page["objects"].as_array().unwrap()));
        match page["next"].as_str() {
            Some(n) if page["more"] == true => next = Some(n.to_owned()),
            _ => break,
        }
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no object twice across processes");
    assert_eq!(
        unique, posted,
        "every object once, paging across three processes"
    );

    // The same versions posted through two processes at the same moment: stored once, and
    // both requests report success.
    let before = node.count_objects(&coll);
    for _ in 0..5 {
        let objects = Arc::new(indicators(40));
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = [0usize, 1]
            .into_iter()
            .map(|i| {
                let client = clients[i].clone();
                let (objects, barrier, coll) = (objects.clone(), barrier.clone(), coll.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    client.post_ok(&coll, &objects)
                })
            })
            .collect();
        for handle in handles {
            let status = handle.join().expect("a posting thread");
            assert_eq!(status["failure_count"], 0, "{status}");
        }
    }
    assert_eq!(
        node.count_objects(&coll),
        before + 200,
        "every version stored once, not once per process"
    );

    // Accounts and tokens changed by the CLI take effect in every process at once.
    node.add_user("Alpha", "late", "reader");
    let token = node.token("late");
    for &port in &ports {
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            Auth::Bearer(token.clone()),
        );
        client.get(&collection_path(&coll)).expect(200);
        let basic = Client::new(
            &format!("http://127.0.0.1:{port}"),
            Auth::Basic("late".into(), PASSWORD.into()),
        );
        basic.get(&collection_path(&coll)).expect(200);
    }
    for token_id in node.token_ids("late") {
        node.cli_ok(&["token", "revoke", &token_id], None);
    }
    for &port in &ports {
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            Auth::Bearer(token.clone()),
        );
        client.get(&collection_path(&coll)).expect(401);
    }
}

#[derive(Default)]
struct PostLog {
    /// Ids of envelopes answered 202 with every object a success.
    acknowledged: Vec<String>,
    unavailable: u64,
    acknowledged_after_outage: u64,
}

#[test]
fn database_restart_gives_503_and_heals() {
    if admin_url("database_restart_gives_503_and_heals").is_none() {
        return;
    }
    let mut cluster = PrivateCluster::start();
    let mut node = TestNode::init_on_postgres("Alpha", &cluster.admin_url());
    let coll = node.default_collection.clone();
    node.start();
    let client = node.admin_client();

    let log = Arc::new(Mutex::new(PostLog::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let outage_over = Arc::new(AtomicBool::new(false));
    let poster = {
        let (client, coll, log, stop, outage_over) = (
            client.clone(),
            coll.clone(),
            log.clone(),
            stop.clone(),
            outage_over.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let objects: Vec<Value> = indicators(20);
                let request = client
                    .request(reqwest::Method::POST, &objects_path(&coll))
                    .header("Content-Type", TAXII)
                    .body(envelope(&objects));
                let resp = client.try_send(request).expect("the server stays up");
                match resp.status {
                    202 => {
                        let status = resp.json();
                        assert_eq!(status["success_count"], 20, "{}", resp.text);
                        let mut log = log.lock().unwrap();
                        log.acknowledged.extend(ids_of(&objects));
                        if outage_over.load(Ordering::Relaxed) {
                            log.acknowledged_after_outage += 1;
                        }
                    }
                    503 => {
                        resp.assert_taxii_error();
                        log.lock().unwrap().unavailable += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    other => panic!("unexpected answer {other}: {}", resp.text),
                }
            }
        })
    };

    std::thread::sleep(Duration::from_millis(800));
    cluster.crash();
    // While the database is down, requests fail with a clear 503 TAXII error.
    let down = client.get(&objects_path(&coll));
    assert_eq!(down.status, 503, "{}", down.text);
    down.assert_taxii_error();
    let error = down.json();
    assert!(
        error["title"]
            .as_str()
            .is_some_and(|t| t.to_lowercase().contains("unavailable")),
        "{error}"
    );
    std::thread::sleep(Duration::from_millis(1000));
    cluster.resume();

    // The node reconnects by itself: no restart of `serve`.
    let healed = Instant::now();
    loop {
        let resp = client.get(&objects_path(&coll));
        if resp.status == 200 {
            break;
        }
        assert_eq!(resp.status, 503, "{}", resp.text);
        assert!(
            healed.elapsed() < Duration::from_secs(30),
            "the node did not reconnect within 30 s; log:\n{}",
            node.server_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let heal_time = healed.elapsed();
    outage_over.store(true, Ordering::Relaxed);
    let until = Instant::now() + Duration::from_secs(10);
    while log.lock().unwrap().acknowledged_after_outage < 3 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    poster.join().expect("the posting thread");

    let log = log.lock().unwrap();
    eprintln!(
        "restart: {} objects acknowledged, {} requests answered 503, {} envelopes after healing \
         ({:.1} s to heal)",
        log.acknowledged.len(),
        log.unavailable,
        log.acknowledged_after_outage,
        heal_time.as_secs_f64()
    );
    assert!(log.unavailable > 0, "the poster saw the outage as 503s");
    assert!(
        log.acknowledged_after_outage >= 3,
        "posts succeed again after the restart; database log:\n{}",
        cluster.log()
    );
    let stored: BTreeSet<String> = ids_of(&client.get_all_objects(&coll, "limit=1000"))
        .into_iter()
        .collect();
    let missing: Vec<&String> = log
        .acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged objects lost across the restart, e.g. {:?}",
        missing.len(),
        missing.first()
    );
}

/// A database that cannot be used at start: one clear line, exit status 1, no password shown.
#[test]
fn unusable_database_at_start_is_one_line() {
    let mut cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["postgres://postgres:hunter2@127.0.0.1:1/none".into()],
            "cannot use the database postgres://postgres:***@127.0.0.1:1/none",
        ),
        (vec!["postgres://[::1".into()], "invalid database URL"),
    ];
    let admin = std::env::var("TANSEEQ_TEST_POSTGRES").ok();
    let empty = admin.as_deref().map(TestDatabase::create);
    if let (Some(admin), Some(empty)) = (&admin, &empty) {
        cases.push((
            vec![database_url(admin, "tanseeq_no_such_database")],
            "tanseeq_no_such_database",
        ));
        cases.push((vec![empty.url.clone()], "holds no tanseeq node"));
    }
    for (args, expected) in cases {
        let out = run(
            &["serve", "--listen", "127.0.0.1:0", "--database", &args[0]],
            None,
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{args:?}: one line: {stderr}"
        );
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: `{expected}` in {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "no password in messages: {stderr}"
        );
    }
}

/// An embedded node moved to PostgreSQL: every TAXII answer is byte-for-byte the same after
/// the move (objects, date_added, versions, manifests, statuses, visibility), cursors handed
/// out before it still work, and new posts come after everything copied.
#[test]
fn migrate_moves_a_node_without_loss() {
    let Some(admin) = admin_url("migrate_moves_a_node_without_loss") else {
        return;
    };
    let mut node = TestNode::init_embedded("Alpha");
    node.add_org("Beta");
    node.add_user("Beta", "beta", "analyst");
    let shared = node.add_collection("shared", "Alpha,Beta", "Alpha,Beta");
    node.start();
    let alpha = node.admin_client();
    let beta = node.user_client("beta");
    let mut statuses = Vec::new();
    let versioned = indicator_at(&new_id("indicator"), "2026-01-01T00:00:00.000Z", &[]);
    let id = versioned["id"].as_str().unwrap().to_owned();
    let newer = indicator_at(&id, "2026-02-01T00:00:00.000Z", &[]);
    statuses.push(alpha.post_ok(&shared, &[versioned, newer]));
    statuses.push(alpha.post_ok(&shared, &indicators(120)));
    statuses.push(beta.post_ok(&shared, &[indicator(&[TLP_RED]), malware(&[TLP_GREEN])]));
    statuses.push(alpha.post_ok(&shared, &(1..30).map(ipv4).collect::<Vec<_>>()));
    let status_ids: Vec<String> = statuses
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();

    let first_page = alpha
        .get(&format!("{}?limit=7", objects_path(&shared)))
        .expect(200)
        .json();
    let cursor = first_page["next"].as_str().unwrap().to_owned();
    let views = |alpha: &Client, beta: &Client| -> Vec<(String, String)> {
        let mut paths = vec![
            objects_path(&shared),
            format!("{}?limit=7&next={cursor}", objects_path(&shared)),
            manifest_path(&shared),
            versions_path(&shared, &id),
            format!("{}?match[version]=all", object_path(&shared, &id)),
            format!(
                "{}?added_after=2000-01-01T00:00:00Z&limit=50",
                manifest_path(&shared)
            ),
        ];
        paths.extend(status_ids[..2].iter().map(|s| status_path(s)));
        let mut answers: Vec<(String, String)> = paths
            .iter()
            .map(|p| (format!("alpha {p}"), alpha.get(p).expect(200).text))
            .collect();
        for p in [
            objects_path(&shared),
            manifest_path(&shared),
            status_path(&status_ids[2]),
        ] {
            answers.push((format!("beta {p}"), beta.get(&p).expect(200).text));
        }
        answers
    };
    let before = views(&alpha, &beta);
    node.kill_9();

    let database = TestDatabase::create(&admin);
    let out = run_ok(
        &["migrate", "--from", &node.data_str(), "--to", &database.url],
        None,
    );
    assert!(out.contains("verified: counts and checksums"), "{out}");
    assert!(out.contains("object versions 153"), "{out}");
    // A second copy into the same database is refused, and changes nothing.
    let again = run(
        &["migrate", "--from", &node.data_str(), "--to", &database.url],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already holds a tanseeq node"));

    node.moved_to(database);
    node.start();
    let alpha = node.admin_client();
    let beta = node.user_client("beta");
    let after = views(&alpha, &beta);
    for ((what, old), (_, new)) in before.iter().zip(&after) {
        assert_eq!(old, new, "{what}: the same answer after the move");
    }
    let info = node.cli_ok(&["node", "info"], None);
    assert!(info.contains("backend: postgres"), "{info}");

    // Work goes on: a new object is listed after everything copied.
    let fresh = indicator(&[]);
    alpha.post_ok(&shared, std::slice::from_ref(&fresh));
    let all = alpha.get_all_objects(&shared, "");
    assert_eq!(
        all.last(),
        Some(&fresh),
        "a new object comes after the copied ones"
    );
}
