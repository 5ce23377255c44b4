//! Every TAXII 2.1 endpoint's happy path and response shape, the `match[...]` filters,
//! versioning rules and byte-for-byte fidelity of stored objects.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn started(org: &str) -> (TestNode, Client) {
    let mut node = TestNode::init(org);
    node.start();
    let client = node.admin_client();
    (node, client)
}

#[track_caller]
fn assert_taxii_json(resp: &Resp) {
    assert_eq!(
        resp.content_type().replace(' ', ""),
        TAXII,
        "Content-Type of {}",
        resp.text
    );
}

fn objects_of(page: &Value) -> Vec<Value> {
    page["objects"].as_array().cloned().unwrap_or_default()
}

fn id_set(objects: &[Value]) -> BTreeSet<String> {
    ids_of(objects).into_iter().collect()
}

#[test]
fn discovery_api_root_and_collections() {
    let (node, client) = started("Alpha");

    let resp = client.get("/taxii2/").expect(200);
    assert_taxii_json(&resp);
    let discovery = resp.json();
    assert!(discovery["title"].as_str().is_some_and(|t| !t.is_empty()));
    let roots = discovery["api_roots"].as_array().expect("api_roots");
    let expected_root = format!("{}/api/", node.base_url());
    assert!(
        roots.iter().any(|r| r == &json!(expected_root)),
        "{expected_root} not in {roots:?}"
    );
    assert_eq!(discovery["default"], json!(expected_root));

    // Without the trailing slash too.
    client.get("/taxii2").expect(200);

    let resp = client.get("/api/").expect(200);
    assert_taxii_json(&resp);
    let root = resp.json();
    assert!(root["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(root["versions"], json!([TAXII]));
    let max = root["max_content_length"]
        .as_u64()
        .expect("max_content_length is a number");
    assert!(max > 0);

    let resp = client.get("/api/collections/").expect(200);
    assert_taxii_json(&resp);
    let list = resp.json();
    let collections = list["collections"].as_array().expect("collections");
    let default = collections
        .iter()
        .find(|c| c["id"] == json!(node.default_collection))
        .unwrap_or_else(|| panic!("default collection missing from {list}"));
    assert_eq!(default["title"], "default");
    assert_eq!(default["can_read"], true);
    assert_eq!(default["can_write"], true);
    assert_eq!(default["media_types"], json!([STIX]));

    let resp = client
        .get(&collection_path(&node.default_collection))
        .expect(200);
    assert_taxii_json(&resp);
    let one = resp.json();
    assert_eq!(one, *default, "collection resource equals its list entry");
}

#[test]
fn post_status_objects_manifest_versions() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let objects = vec![
        indicator(&[TLP_GREEN]),
        indicator(&[]),
        malware(&[TLP_GREEN]),
    ];
    let ids = ids_of(&objects);

    // POST → 202 with a complete status.
    let resp = client.post_objects(&coll, &objects).expect(202);
    assert_taxii_json(&resp);
    let status = resp.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 3);
    assert_eq!(status["failure_count"], 0);
    assert_eq!(status["pending_count"], 0);
    assert_eq!(status["failures"], json!([]));
    assert_eq!(status["pendings"], json!([]));
    assert!(status["request_timestamp"].as_str().is_some());
    let successes = status["successes"].as_array().expect("successes");
    let success_ids: BTreeSet<String> = successes
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(success_ids, ids.iter().cloned().collect());
    for s in successes {
        assert!(
            s["version"].as_str().is_some_and(|v| v.ends_with('Z')),
            "{s}"
        );
    }
    let status_id = status["id"].as_str().expect("status id").to_owned();

    // GET status returns the same resource.
    let resp = client.get(&format!("/api/status/{status_id}/")).expect(200);
    assert_taxii_json(&resp);
    let again = resp.json();
    assert_eq!(again["id"], json!(status_id));
    assert_eq!(again["status"], "complete");
    assert_eq!(again["success_count"], 3);
    assert_eq!(again["successes"], status["successes"]);

    // GET objects: an envelope with `more: false` and date headers.
    let resp = client.get(&objects_path(&coll)).expect(200);
    assert_taxii_json(&resp);
    let first = resp
        .header("x-taxii-date-added-first")
        .expect("date-added-first");
    let last = resp
        .header("x-taxii-date-added-last")
        .expect("date-added-last");
    assert!(
        first.ends_with('Z') && last.ends_with('Z'),
        "{first} {last}"
    );
    assert!(first <= last);
    let page = resp.json();
    assert_eq!(page["more"], false);
    assert!(
        page.get("next").is_none(),
        "no `next` on the last page: {page}"
    );
    let got = objects_of(&page);
    assert_eq!(id_set(&got), ids.iter().cloned().collect());
    for object in &objects {
        assert!(got.contains(object), "{object} not returned intact");
    }

    // Paged: limit=1 gives more/next, and following next visits everything once.
    let page = client
        .get(&format!("{}?limit=1", objects_path(&coll)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page).len(), 1);
    assert_eq!(page["more"], true);
    assert!(page["next"].as_str().is_some_and(|n| !n.is_empty()));
    let all = client.get_all_objects(&coll, "limit=1");
    assert_eq!(all.len(), 3);
    assert_eq!(id_set(&all), ids.iter().cloned().collect());

    // One object.
    let resp = client.get(&object_path(&coll, &ids[0])).expect(200);
    assert_taxii_json(&resp);
    assert!(resp.header("x-taxii-date-added-first").is_some());
    assert!(resp.header("x-taxii-date-added-last").is_some());
    let page = resp.json();
    assert_eq!(objects_of(&page), vec![objects[0].clone()]);
    assert_eq!(page["more"], false);

    // Manifest.
    let resp = client.get(&manifest_path(&coll)).expect(200);
    assert_taxii_json(&resp);
    assert!(resp.header("x-taxii-date-added-first").is_some());
    assert!(resp.header("x-taxii-date-added-last").is_some());
    let manifest = resp.json();
    assert_eq!(manifest["more"], false);
    let entries = objects_of(&manifest);
    assert_eq!(entries.len(), 3);
    for entry in &entries {
        let keys: BTreeSet<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            ["date_added", "id", "media_type", "version"]
                .into_iter()
                .collect(),
            "{entry}"
        );
        assert_eq!(entry["media_type"], STIX);
        assert!(ids.contains(&entry["id"].as_str().unwrap().to_owned()));
        assert!(entry["date_added"].as_str().unwrap().ends_with('Z'));
    }
    let malware_entry = entries.iter().find(|e| e["id"] == json!(ids[2])).unwrap();
    assert_eq!(malware_entry["version"], "2024-02-01T00:00:00.000Z");
    let limited = client
        .get(&format!("{}?limit=2", manifest_path(&coll)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&limited).len(), 2);
    assert_eq!(limited["more"], true);
    assert!(limited["next"].is_string());

    // Versions.
    let resp = client.get(&versions_path(&coll, &ids[0])).expect(200);
    assert_taxii_json(&resp);
    let versions = resp.json();
    assert_eq!(versions["versions"], json!(["2024-01-01T00:00:00.000Z"]));
    assert_eq!(versions["more"], false);
}

/// An object with three versions, plus two other objects.
fn versioned_fixture(client: &Client, coll: &str) -> (String, Vec<Value>, Value, Value) {
    let id = new_id("indicator");
    let v = [
        indicator_at(&id, "2024-01-01T00:00:00.000Z", &[TLP_GREEN]),
        indicator_at(&id, "2024-01-02T00:00:00.000Z", &[TLP_GREEN]),
        indicator_at(&id, "2024-01-03T00:00:00.000Z", &[TLP_GREEN]),
    ];
    // Posted out of order: the last version is decided by `modified`, not by arrival.
    client.post_ok(coll, &[v[1].clone(), v[0].clone()]);
    client.post_ok(coll, &[v[2].clone()]);
    let other = indicator(&[]);
    let mal = malware(&[]);
    client.post_ok(coll, &[other.clone(), mal.clone()]);
    (id, v.to_vec(), other, mal)
}

fn query_ids(client: &Client, coll: &str, query: &str) -> Vec<(String, String)> {
    let page = client
        .get(&format!("{}?{query}", objects_path(coll)))
        .expect(200)
        .json();
    let mut out: Vec<(String, String)> = objects_of(&page)
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["modified"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn match_filters() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let (id, v, other, mal) = versioned_fixture(&client, &coll);
    let other_id = other["id"].as_str().unwrap().to_owned();
    let mal_id = mal["id"].as_str().unwrap().to_owned();
    let pair = |id: &str, m: &str| (id.to_owned(), m.to_owned());
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    let d1 = "2024-01-01T00:00:00.000Z";
    let d2 = "2024-01-02T00:00:00.000Z";
    let d3 = "2024-01-03T00:00:00.000Z";

    // Default: the last version of everything.
    assert_eq!(
        query_ids(&client, &coll, "limit=100"),
        sorted(vec![
            pair(&id, d3),
            pair(&other_id, "2024-01-01T00:00:00.000Z"),
            pair(&mal_id, "2024-02-01T00:00:00.000Z"),
        ])
    );
    let q = |query: &str| query_ids(&client, &coll, &format!("match[id]={id}&{query}"));
    assert_eq!(q("match[version]=first"), vec![pair(&id, d1)]);
    assert_eq!(q("match[version]=last"), vec![pair(&id, d3)]);
    assert_eq!(
        q("match[version]=all"),
        vec![pair(&id, d1), pair(&id, d2), pair(&id, d3)]
    );
    assert_eq!(
        q("match[version]=first,last"),
        vec![pair(&id, d1), pair(&id, d3)]
    );
    assert_eq!(q(&format!("match[version]={d2}")), vec![pair(&id, d2)]);
    // Another spelling of the same instant (no fraction) names the same version.
    assert_eq!(
        q("match[version]=2024-01-02T00:00:00Z"),
        vec![pair(&id, d2)]
    );
    assert_eq!(
        q(&format!("match[version]={d1},{d3}")),
        vec![pair(&id, d1), pair(&id, d3)]
    );
    assert_eq!(q("match[version]=2023-01-01T00:00:00.000Z"), vec![]);

    // match[id]: a list, and repeated.
    assert_eq!(
        query_ids(&client, &coll, &format!("match[id]={id},{mal_id}")),
        sorted(vec![
            pair(&id, d3),
            pair(&mal_id, "2024-02-01T00:00:00.000Z")
        ])
    );
    assert_eq!(
        query_ids(
            &client,
            &coll,
            &format!("match[id]={other_id}&match[id]={mal_id}")
        ),
        sorted(vec![
            pair(&other_id, "2024-01-01T00:00:00.000Z"),
            pair(&mal_id, "2024-02-01T00:00:00.000Z")
        ])
    );
    assert_eq!(
        query_ids(
            &client,
            &coll,
            &format!("match[id]={}", new_id("indicator"))
        ),
        vec![]
    );

    // match[type].
    assert_eq!(
        query_ids(&client, &coll, "match[type]=malware"),
        vec![pair(&mal_id, "2024-02-01T00:00:00.000Z")]
    );
    assert_eq!(query_ids(&client, &coll, "match[type]=indicator").len(), 2);
    assert_eq!(
        query_ids(&client, &coll, "match[type]=indicator,malware").len(),
        3
    );
    assert_eq!(query_ids(&client, &coll, "match[type]=tool"), vec![]);
    assert_eq!(
        query_ids(&client, &coll, "match[type]=indicator&match[version]=all").len(),
        4
    );

    // match[spec_version].
    assert_eq!(
        query_ids(&client, &coll, "match[spec_version]=2.1").len(),
        3
    );
    assert_eq!(query_ids(&client, &coll, "match[spec_version]=2.0"), vec![]);

    // Filters apply to the manifest too.
    let manifest = client
        .get(&format!(
            "{}?match[id]={id}&match[version]=all",
            manifest_path(&coll)
        ))
        .expect(200)
        .json();
    let mut versions_sorted: Vec<String> = objects_of(&manifest)
        .iter()
        .map(|e| e["version"].as_str().unwrap().to_owned())
        .collect();
    versions_sorted.sort();
    assert_eq!(versions_sorted, vec![d1, d2, d3]);
    let manifest = client
        .get(&format!("{}?match[type]=malware", manifest_path(&coll)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&manifest).len(), 1);

    // One object with match[version].
    let page = client
        .get(&format!("{}?match[version]=first", object_path(&coll, &id)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page), vec![v[0].clone()]);
    let page = client
        .get(&format!("{}?match[version]=all", object_path(&coll, &id)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page).len(), 3);

    // Versions endpoint lists all three, oldest first or not, exactly once.
    let versions = client.get(&versions_path(&coll, &id)).expect(200).json();
    let mut listed: Vec<String> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, vec![d1, d2, d3]);

    // Versions and one object page like the lists do.
    let mut paged: Vec<String> = Vec::new();
    let mut query = "limit=1".to_owned();
    for _ in 0..5 {
        let page = client
            .get(&format!("{}?{query}", versions_path(&coll, &id)))
            .expect(200)
            .json();
        let versions = page["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 1, "{page}");
        paged.push(versions[0].as_str().unwrap().to_owned());
        match page["next"].as_str() {
            Some(next) if page["more"] == true => query = format!("limit=1&next={next}"),
            _ => break,
        }
    }
    paged.sort();
    assert_eq!(paged, vec![d1, d2, d3]);
    let page = client
        .get(&format!(
            "{}?match[version]=all&limit=2",
            object_path(&coll, &id)
        ))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page).len(), 2);
    assert_eq!(page["more"], true);
    let rest = client
        .get(&format!(
            "{}?match[version]=all&limit=2&next={}",
            object_path(&coll, &id),
            page["next"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(objects_of(&rest).len(), 1);
    assert_eq!(rest["more"], false);
}

#[test]
fn added_after_filters_by_date_added() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let first = indicators(3);
    client.post_ok(&coll, &first);
    let resp = client.get(&objects_path(&coll)).expect(200);
    let last_added = resp.header("x-taxii-date-added-last").expect("header");
    let second = indicators(2);
    client.post_ok(&coll, &second);

    let later = client.get_all_objects(&coll, &format!("added_after={last_added}"));
    assert_eq!(id_set(&later), id_set(&second));
    let everything = client.get_all_objects(&coll, "added_after=2000-01-01T00:00:00Z");
    assert_eq!(everything.len(), 5);
    let none = client.get(&format!(
        "{}?added_after=2999-01-01T00:00:00.000000Z",
        objects_path(&coll)
    ));
    let none = none.expect(200);
    assert!(objects_of(&none.json()).is_empty());
    assert!(none.header("x-taxii-date-added-first").is_none());
    // Manifest honours it too.
    let manifest = client
        .get(&format!(
            "{}?added_after={last_added}",
            manifest_path(&coll)
        ))
        .expect(200)
        .json();
    assert_eq!(id_set(&objects_of(&manifest)), id_set(&second));
}

#[test]
fn versions_duplicates_and_conflicts() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let id = new_id("indicator");
    let v1 = indicator_at(&id, "2024-01-01T00:00:00.000Z", &[TLP_GREEN]);
    let v2 = indicator_at(&id, "2024-06-01T12:00:00.000Z", &[TLP_GREEN]);
    client.post_ok(&coll, std::slice::from_ref(&v1));
    client.post_ok(&coll, std::slice::from_ref(&v2));
    assert_eq!(node.count_objects(&coll), 2, "two versions kept");

    // Identical re-post: success, stored once.
    let status = client.post_ok(&coll, &[v1.clone(), v2.clone()]);
    assert_eq!(status["failure_count"], 0);
    assert_eq!(node.count_objects(&coll), 2, "re-post stored nothing new");
    // The same object with other key order and whitespace is the same object.
    let mut text = String::from("{\"objects\":[ {");
    let map = v1.as_object().unwrap();
    let mut keys: Vec<&String> = map.keys().collect();
    keys.reverse();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            text.push_str(" ,\n ");
        }
        text.push_str(&format!("{} : {}", json!(k), map[k.as_str()]));
    }
    text.push_str("} ]}");
    let resp = client.post_envelope_text(&coll, text).expect(202);
    let status = resp.json();
    assert_eq!(status["success_count"], 1, "{}", resp.text);
    assert_eq!(node.count_objects(&coll), 2);

    let versions = client.get(&versions_path(&coll, &id)).expect(200).json();
    let mut listed: Vec<String> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec!["2024-01-01T00:00:00.000Z", "2024-06-01T12:00:00.000Z"]
    );

    // A changed object under an existing (id, modified): a failure, the stored one kept.
    let mut changed = v1.clone();
    changed["name"] = json!("something else");
    let fresh = indicator(&[]);
    let resp = client
        .post_objects(&coll, &[changed.clone(), fresh.clone()])
        .expect(202);
    let status = resp.json();
    assert_eq!(status["success_count"], 1, "{}", resp.text);
    assert_eq!(status["failure_count"], 1, "{}", resp.text);
    assert_eq!(status["total_count"], 2);
    let failure = &status["failures"][0];
    assert_eq!(failure["id"], json!(id));
    assert_eq!(failure["version"], "2024-01-01T00:00:00.000Z");
    assert!(
        failure["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{failure}"
    );
    assert_eq!(status["successes"][0]["id"], fresh["id"]);
    let page = client
        .get(&format!("{}?match[version]=first", object_path(&coll, &id)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page), vec![v1]);
    // The failure is recorded in the stored status as well.
    let stored = client
        .get(&format!("/api/status/{}/", status["id"].as_str().unwrap()))
        .expect(200)
        .json();
    assert_eq!(stored["failure_count"], 1);
    assert_eq!(stored["failures"], status["failures"]);
}

#[test]
fn invalid_objects_fail_alone() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let good1 = indicator(&[TLP_GREEN]);
    let good2 = malware(&[]);
    let mut no_pattern = indicator(&[]);
    no_pattern.as_object_mut().unwrap().remove("pattern");
    let bad_id = no_pattern["id"].as_str().unwrap().to_owned();
    let mut bad_time = indicator(&[]);
    bad_time["valid_from"] = json!("yesterday");
    let stix20 = json!({
        "type": "indicator",
        "id": new_id("indicator"),
        "created": "2017-01-01T00:00:00.000Z",
        "modified": "2017-01-01T00:00:00.000Z",
        "labels": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "valid_from": "2017-01-01T00:00:00Z"
    });
    let mut stix20_explicit = malware(&[]);
    stix20_explicit["spec_version"] = json!("2.0");

    let resp = client
        .post_objects(
            &coll,
            &[
                good1.clone(),
                no_pattern,
                stix20.clone(),
                good2.clone(),
                bad_time.clone(),
                stix20_explicit.clone(),
            ],
        )
        .expect(202);
    let status = resp.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["total_count"], 6, "{}", resp.text);
    assert_eq!(status["success_count"], 2, "{}", resp.text);
    assert_eq!(status["failure_count"], 4, "{}", resp.text);
    let failures = status["failures"].as_array().unwrap();
    let message_of = |id: &Value| -> String {
        failures
            .iter()
            .find(|f| f["id"] == *id)
            .unwrap_or_else(|| panic!("no failure for {id} in {}", resp.text))["message"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let m = message_of(&json!(bad_id));
    assert!(m.contains("pattern"), "message names the property: {m}");
    let m = message_of(&bad_time["id"]);
    assert!(m.contains("valid_from"), "message names the property: {m}");
    for object in [&stix20, &stix20_explicit] {
        let m = message_of(&object["id"]);
        assert!(
            m.contains("2.0") && m.contains("not accepted"),
            "2.0 refusal: {m}"
        );
    }

    let stored = client.get_all_objects(&coll, "");
    assert_eq!(id_set(&stored), id_set(&[good1, good2]));
    assert_eq!(node.count_objects(&coll), 2);
}

#[test]
fn objects_come_back_byte_identical() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let id = new_id("indicator");
    // Unusual but valid JSON: key order, spacing, number spellings, escapes, Arabic text.
    let raw = format!(
        concat!(
            "{{ \"name\" : \"مؤشر: عنوان IP خبيث — ١٢٣\" ,\"type\":\"indicator\",",
            "\"x_score\":1.0e2,\"x_price\":10.50,\"x_tiny\":-0.0,\"x_exp\":5E-3,",
            "\"x_big\":123456789012345678901234567890,",
            "\"description\":\"\\u0645\\u062b\\u0627\\u0644 \\\"q\\\" \\ud83d\\ude00 \\/\",",
            "\"spec_version\":\"2.1\",\"id\":\"{id}\",",
            "\"created\":\"2024-03-01T10:00:00.123Z\",\"modified\":\"2024-03-01T10:00:00.123Z\",",
            "\"pattern\":\"[domain-name:value = 'مثال.example']\",\"pattern_type\":\"stix\",",
            "\"valid_from\":\"2024-03-01T10:00:00Z\",",
            "\"object_marking_refs\":[\"{green}\"],",
            "\"x_nested\":{{\"z\":1,\"a\":[1.10,2.000,{{}}],\"m\":null}}}}"
        ),
        id = id,
        green = TLP_GREEN
    );
    let body = format!("{{\"objects\":[\n  {raw}\n]}}");
    let resp = client.post_envelope_text(&coll, body).expect(202);
    assert_eq!(resp.json()["success_count"], 1, "{}", resp.text);

    let one = client.get(&object_path(&coll, &id)).expect(200);
    assert!(
        one.text.contains(&raw),
        "GET object did not return the exact bytes:\nsent: {raw}\ngot:  {}",
        one.text
    );
    let list = client.get(&objects_path(&coll)).expect(200);
    assert!(list.text.contains(&raw), "GET objects: {}", list.text);
    let all = client
        .get(&format!("{}?match[version]=all", objects_path(&coll)))
        .expect(200);
    assert!(all.text.contains(&raw));

    // The CLI export hands out the same bytes.
    let exported = node.cli_ok(&["export", "--collection", &coll], None);
    assert!(exported.contains(&raw), "export: {exported}");
}

#[test]
fn delete_with_and_without_match_version() {
    let (node, client) = started("Alpha");
    let coll = node.default_collection.clone();
    let (id, v, other, _mal) = versioned_fixture(&client, &coll);
    let other_id = other["id"].as_str().unwrap().to_owned();
    assert_eq!(node.count_objects(&coll), 5);

    // Delete the middle version only.
    let resp = client.delete(&format!(
        "{}?match[version]=2024-01-02T00:00:00.000Z",
        object_path(&coll, &id)
    ));
    let resp = resp.expect(200);
    assert_taxii_json(&resp);
    let versions = client.get(&versions_path(&coll, &id)).expect(200).json();
    let mut listed: Vec<String> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec!["2024-01-01T00:00:00.000Z", "2024-01-03T00:00:00.000Z"]
    );
    assert_eq!(node.count_objects(&coll), 4);

    // Delete the last version: the remaining one becomes the latest.
    client
        .delete(&format!("{}?match[version]=last", object_path(&coll, &id)))
        .expect(200);
    let page = client.get(&object_path(&coll, &id)).expect(200).json();
    assert_eq!(objects_of(&page), vec![v[0].clone()]);
    let page = client
        .get(&format!("{}?match[id]={id}", objects_path(&coll)))
        .expect(200)
        .json();
    assert_eq!(objects_of(&page), vec![v[0].clone()], "latest after delete");

    // A version that does not exist: 404, nothing removed.
    let resp = client.delete(&format!(
        "{}?match[version]=2030-01-01T00:00:00.000Z",
        object_path(&coll, &id)
    ));
    resp.expect(404).assert_taxii_error();
    assert_eq!(node.count_objects(&coll), 3);

    // Without match[version]: every version goes.
    let id2 = other_id;
    let extra = indicator_at(&id2, "2025-01-01T00:00:00.000Z", &[]);
    client.post_ok(&coll, &[extra]);
    client.delete(&object_path(&coll, &id2)).expect(200);
    client
        .get(&object_path(&coll, &id2))
        .expect(404)
        .assert_taxii_error();
    client.get(&versions_path(&coll, &id2)).expect(404);
    client.delete(&object_path(&coll, &id)).expect(200);
    client.get(&object_path(&coll, &id)).expect(404);
    // A second delete finds nothing.
    client.delete(&object_path(&coll, &id)).expect(404);
    assert_eq!(node.count_objects(&coll), 1, "only the malware is left");
}
