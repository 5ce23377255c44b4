//! `GET /api/v1/stream`: the live feed as Server-Sent Events, filtered by the caller's
//! visibility and resumable with `Last-Event-ID`.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// One SSE event: (id, event name, data as JSON).
type SseEvent = (String, String, Value);

/// Opens the stream and hands its events to a channel, from a reader thread.
fn subscribe(client: &Client, last_event_id: Option<&str>) -> mpsc::Receiver<SseEvent> {
    let mut request = client.request(reqwest::Method::GET, "/api/v1/stream");
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().expect("open the stream");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/event-stream")),
        "{:?}",
        response.headers()
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(response);
        let (mut id, mut name, mut data) = (String::new(), String::new(), String::new());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if line.is_empty() {
                if !data.is_empty() {
                    let value = serde_json::from_str(&data).expect("event data is JSON");
                    if tx.send((id.clone(), name.clone(), value)).is_err() {
                        return;
                    }
                }
                (id, name, data) = (String::new(), String::new(), String::new());
            } else if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim());
            }
        }
    });
    rx
}

fn next(rx: &mpsc::Receiver<SseEvent>) -> SseEvent {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("an event within 10 s")
}

#[test]
fn the_feed_pushes_what_each_caller_may_see_and_resumes() {
    let mut node = TestNode::init("Alpha");
    node.add_org("Beta");
    node.add_user("Beta", "beta", "analyst");
    let shared = node.add_collection("shared", "Alpha,Beta", "Alpha,Beta");
    node.start();
    let alpha = node.admin_client();
    let beta = node.user_client("beta");

    let for_beta = subscribe(&beta, None);
    let for_alpha = subscribe(&alpha, None);
    let green = indicator(&[TLP_GREEN]);
    let red = indicator(&[TLP_RED]);
    let marker = malware(&[TLP_GREEN]);
    alpha.post_ok(&shared, std::slice::from_ref(&green));
    alpha.post_ok(&shared, std::slice::from_ref(&red));
    alpha.post_ok(&shared, std::slice::from_ref(&marker));

    let (first_id, kind, data) = next(&for_beta);
    assert_eq!(kind, "object");
    assert_eq!(data["id"], green["id"]);
    assert_eq!(data["type"], "indicator");
    assert_eq!(data["tlp"], "TLP:GREEN");
    assert_eq!(data["collection"], shared.as_str());
    let (_, _, data) = next(&for_beta);
    assert_eq!(
        data["id"], marker["id"],
        "Beta never receives Alpha's TLP:RED object"
    );
    let alpha_ids: Vec<Value> = (0..3).map(|_| next(&for_alpha).2["id"].clone()).collect();
    assert_eq!(
        alpha_ids,
        [green["id"].clone(), red["id"].clone(), marker["id"].clone()]
    );

    // Resuming after the first event gives what followed it, as Beta may see it.
    let resumed = subscribe(&beta, Some(&first_id));
    assert_eq!(next(&resumed).2["id"], marker["id"]);

    // Sightings are their own kind of event.
    let sighting = serde_json::json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": new_id("sighting"),
        "created": "2026-11-29T08:00:00.000Z",
        "modified": "2026-11-29T08:00:00.000Z",
        "sighting_of_ref": green["id"],
        "object_marking_refs": [TLP_GREEN],
    });
    beta.post_ok(&shared, std::slice::from_ref(&sighting));
    let (_, kind, data) = next(&for_alpha);
    assert_eq!((kind.as_str(), &data["id"]), ("sighting", &sighting["id"]));

    // Bad positions and anonymous callers are refused with TAXII errors.
    let bad = beta.send(
        beta.request(reqwest::Method::GET, "/api/v1/stream")
            .header("Last-Event-ID", "yesterday"),
    );
    assert_eq!(bad.status, 400);
    bad.assert_taxii_error();
    let unknown = beta.get("/api/v1/stream?since=1");
    assert_eq!(unknown.status, 400);
    let anonymous = Client::new(&node.base_url(), Auth::None).get("/api/v1/stream");
    assert_eq!(anonymous.status, 401);
}
