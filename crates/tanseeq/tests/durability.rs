//! Crash safety: a server killed with SIGKILL while envelopes are being posted keeps every
//! object it acknowledged, loses no acknowledged request partly, and starts again.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BATCH: usize = 25;

#[derive(Default)]
struct Log {
    /// Ids of envelopes answered 202 with every object a success.
    acknowledged: Vec<Vec<String>>,
    /// The envelope that was in flight when the connection broke, if any.
    in_flight: Option<Vec<String>>,
}

/// Posts envelopes until a request fails (the server is gone) or `stop` is set.
fn poster(client: Client, coll: String, log: Arc<Mutex<Log>>, stop: Arc<AtomicBool>) {
    let mut n = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let mut objects: Vec<Value> = indicators(BATCH - 5);
        objects.extend((0..5).map(|_| {
            n += 1;
            ipv4(n)
        }));
        let ids = ids_of(&objects);
        log.lock().unwrap().in_flight = Some(ids.clone());
        let request = client
            .request(reqwest::Method::POST, &objects_path(&coll))
            .header("Content-Type", TAXII)
            .body(envelope(&objects));
        match client.try_send(request) {
            Ok(resp) if resp.status == 202 => {
                let status = resp.json();
                assert_eq!(
                    status["success_count"].as_u64(),
                    Some(BATCH as u64),
                    "{}",
                    resp.text
                );
                let mut log = log.lock().unwrap();
                log.acknowledged.push(ids);
                log.in_flight = None;
            }
            Ok(resp) => panic!("unexpected answer {}: {}", resp.status, resp.text),
            // The server was killed: the request's fate is unknown.
            Err(_) => return,
        }
    }
}

fn present(client: &Client, coll: &str, ids: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for chunk in ids.chunks(200) {
        let page = client
            .get(&format!(
                "{}?match[id]={}&limit=1000",
                objects_path(coll),
                chunk.join(",")
            ))
            .expect(200)
            .json();
        for o in page["objects"].as_array().cloned().unwrap_or_default() {
            found.insert(o["id"].as_str().unwrap().to_owned());
        }
    }
    found
}

#[test]
fn sigkill_during_posts_loses_nothing_acknowledged() {
    let mut node = TestNode::init("Alpha");
    let coll = node.default_collection.clone();
    let mut all_acknowledged: Vec<String> = Vec::new();
    node.start();
    // Authenticate once so that the password check is not what the kill interrupts.
    node.admin_client().get("/taxii2/").expect(200);

    for round in 0..3 {
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (client, coll, log, stop) =
                (node.admin_client(), coll.clone(), log.clone(), stop.clone());
            std::thread::spawn(move || poster(client, coll, log, stop))
        };
        // Wait for at least one acknowledged envelope, then kill at a random moment.
        let started = Instant::now();
        while log.lock().unwrap().acknowledged.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no envelope acknowledged; log:\n{}",
                node.server_log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(random_u64() % 400));
        node.kill_9();
        stop.store(true, Ordering::Relaxed);
        thread.join().expect("poster thread");

        let log = std::mem::take(&mut *log.lock().unwrap());
        let acknowledged: Vec<String> = log.acknowledged.iter().flatten().cloned().collect();
        assert!(!acknowledged.is_empty());
        all_acknowledged.extend(acknowledged.iter().cloned());

        node.start();
        let client = node.admin_client();
        // Everything acknowledged in every round so far is there.
        let found = present(&client, &coll, &all_acknowledged);
        let missing: Vec<&String> = all_acknowledged
            .iter()
            .filter(|id| !found.contains(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} acknowledged objects lost, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
        // GET by id, one by one, for the last acknowledged envelope.
        for id in log.acknowledged.last().unwrap() {
            client.get(&object_path(&coll, id)).expect(200);
        }
        // The envelope in flight was committed whole or not at all.
        if let Some(in_flight) = &log.in_flight {
            let there = present(&client, &coll, in_flight);
            assert!(
                there.is_empty() || there.len() == in_flight.len(),
                "round {round}: the interrupted envelope is partly stored ({} of {})",
                there.len(),
                in_flight.len()
            );
            if there.len() == in_flight.len() {
                all_acknowledged.extend(in_flight.iter().cloned());
            }
        }
        // The database is healthy: counts agree, export works, writes work.
        let count = node.count_objects(&coll);
        assert_eq!(count, all_acknowledged.len() as u64, "round {round}");
        let exported = node.cli_ok(&["export", "--collection", &coll], None);
        let bundle: Value = serde_json::from_str(&exported).expect("export is JSON");
        assert_eq!(bundle["type"], "bundle");
        assert_eq!(
            bundle["objects"].as_array().map(Vec::len),
            Some(all_acknowledged.len())
        );
        let extra = indicators(2);
        client.post_ok(&coll, &extra);
        all_acknowledged.extend(ids_of(&extra));
    }
}
