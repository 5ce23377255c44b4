//! Paging through collections: many objects sharing one `date_added`, writes landing between
//! pages, `next` cursors surviving a restart, and `added_after` boundaries.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Small valid indicators (one envelope of thousands stays well under a megabyte or two).
fn small_indicators(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": new_id("indicator"),
                "created": "2024-01-01T00:00:00.000Z",
                "modified": "2024-01-01T00:00:00.000Z",
                "pattern": format!("[ipv4-addr:value = '10.0.{}.{}']", i / 256, i % 256),
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
            })
        })
        .collect()
}

struct Page {
    ids: Vec<String>,
    more: bool,
    next: Option<String>,
}

fn page(client: &Client, path: &str, query: &str) -> Page {
    let resp = client.get(&format!("{path}?{query}")).expect(200);
    let body = resp.json();
    let ids = body["objects"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| o["id"].as_str().expect("id").to_owned())
                .collect()
        })
        .unwrap_or_default();
    Page {
        ids,
        more: body["more"].as_bool().expect("`more` is a boolean"),
        next: body["next"].as_str().map(str::to_owned),
    }
}

/// Counts how often each id was seen; panics on a repeat.
#[track_caller]
fn add_unique(seen: &mut BTreeSet<String>, ids: &[String]) {
    for id in ids {
        assert!(seen.insert(id.clone()), "object {id} returned twice");
    }
}

#[test]
fn one_date_added_many_objects_paged_by_100() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let objects = small_indicators(2_500);
    client.post_ok(&coll, &objects);
    let expected: BTreeSet<String> = ids_of(&objects).into_iter().collect();

    // They do share one date_added (one request, one commit).
    let manifest = client
        .get(&format!("{}?limit=10000", manifest_path(&coll)))
        .expect(200)
        .json();
    let dates: BTreeSet<&str> = manifest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date_added"].as_str().unwrap())
        .collect();
    assert_eq!(dates.len(), 1, "one envelope, one date_added: {dates:?}");

    for path in [objects_path(&coll), manifest_path(&coll)] {
        let mut seen = BTreeSet::new();
        let mut query = "limit=100".to_owned();
        let mut pages = 0;
        loop {
            let p = page(&client, &path, &query);
            pages += 1;
            add_unique(&mut seen, &p.ids);
            if !p.more {
                assert!(p.next.is_none());
                break;
            }
            assert_eq!(p.ids.len(), 100, "a full page before the last");
            query = format!("limit=100&next={}", p.next.expect("`more` without `next`"));
            assert!(pages <= 26, "paging does not end");
        }
        assert_eq!(pages, 25, "{path}");
        assert_eq!(seen, expected, "{path}: every object exactly once");
    }
}

#[test]
fn writes_between_pages_skip_nothing() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let initial = small_indicators(1_000);
    client.post_ok(&coll, &initial);
    let initial_ids: BTreeSet<String> = ids_of(&initial).into_iter().collect();

    let mut seen = BTreeSet::new();
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut query = "limit=100".to_owned();
    let mut pages = 0;
    loop {
        let p = page(&client, &objects_path(&coll), &query);
        pages += 1;
        add_unique(&mut seen, &p.ids);
        // Writes land between pages.
        if pages <= 12 {
            let batch = small_indicators(30);
            client.post_ok(&coll, &batch);
            added.extend(ids_of(&batch));
        }
        match (p.more, p.next) {
            (true, Some(next)) => query = format!("limit=100&next={next}"),
            (false, None) => break,
            (more, next) => panic!("inconsistent paging: more={more} next={next:?}"),
        }
        assert!(pages < 100, "paging does not end");
    }
    let missing: Vec<&String> = initial_ids.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "skipped {} objects: {missing:?}",
        missing.len()
    );
    // Objects written during the walk come after the cursor, so they are found too.
    let missing_new: Vec<&String> = added.difference(&seen).collect();
    assert!(
        missing_new.is_empty(),
        "skipped new objects: {missing_new:?}"
    );
    assert_eq!(seen.len(), 1_000 + 12 * 30);
}

#[test]
fn concurrent_writer_while_paging() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let initial = small_indicators(800);
    client.post_ok(&coll, &initial);
    let initial_ids: BTreeSet<String> = ids_of(&initial).into_iter().collect();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let client = client.clone();
        let coll = coll.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut written = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && written < 2_000 {
                client.post_ok(&coll, &small_indicators(25));
                written += 25;
            }
            written
        })
    };
    let mut seen = BTreeSet::new();
    let mut query = "limit=50".to_owned();
    loop {
        let p = page(&client, &objects_path(&coll), &query);
        add_unique(&mut seen, &p.ids);
        if initial_ids.is_subset(&seen) {
            break;
        }
        match p.next {
            Some(next) if p.more => query = format!("limit=50&next={next}"),
            _ => break,
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("writer thread");
    let missing = initial_ids.difference(&seen).count();
    assert_eq!(missing, 0, "objects present at the start were skipped");
}

#[test]
fn next_cursor_survives_restart() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let coll = node.default_collection.clone();
    let objects = small_indicators(300);
    {
        let client = node.admin_client();
        client.post_ok(&coll, &objects[..150]);
        client.post_ok(&coll, &objects[150..]);
    }
    let client = node.admin_client();
    let first = page(&client, &objects_path(&coll), "limit=100");
    assert!(first.more);
    let next = first.next.clone().expect("next");
    let mut seen = BTreeSet::new();
    add_unique(&mut seen, &first.ids);

    node.restart();
    let client = node.admin_client();
    let mut query = format!("limit=100&next={next}");
    loop {
        let p = page(&client, &objects_path(&coll), &query);
        add_unique(&mut seen, &p.ids);
        match p.next {
            Some(n) if p.more => query = format!("limit=100&next={n}"),
            _ => break,
        }
    }
    assert_eq!(seen, ids_of(&objects).into_iter().collect::<BTreeSet<_>>());

    // The same cursor, used again (idempotent), gives the same second page.
    let again = page(
        &client,
        &objects_path(&coll),
        &format!("limit=100&next={next}"),
    );
    let again2 = page(
        &client,
        &objects_path(&coll),
        &format!("limit=100&next={next}"),
    );
    assert_eq!(again.ids, again2.ids);
    assert_eq!(again.ids.len(), 100);
    assert!(again.ids.iter().all(|id| !first.ids.contains(id)));
}

/// `2026-01-02T03:04:05.123456Z` minus one microsecond, when the fraction allows it simply.
fn one_microsecond_earlier(ts: &str) -> Option<String> {
    let (head, frac) = ts.strip_suffix('Z')?.split_once('.')?;
    let n: u64 = frac.parse().ok()?;
    (frac.len() == 6 && n > 0).then(|| format!("{head}.{:06}Z", n - 1))
}

#[test]
fn added_after_excludes_exactly() {
    let mut node = TestNode::init("Alpha");
    node.start();
    let client = node.admin_client();
    let coll = node.default_collection.clone();
    let batches: Vec<Vec<Value>> = (0..3).map(|_| small_indicators(40)).collect();
    for batch in &batches {
        client.post_ok(&coll, batch);
    }
    // date_added of each object, from the manifest.
    let manifest = client
        .get(&format!("{}?limit=1000", manifest_path(&coll)))
        .expect(200)
        .json();
    let date_of: BTreeMap<String, String> = manifest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["date_added"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let batch_date = |b: &[Value]| -> String {
        let dates: BTreeSet<String> = ids_of(b).iter().map(|id| date_of[id].clone()).collect();
        assert_eq!(dates.len(), 1, "one envelope, one date_added");
        dates.into_iter().next().unwrap()
    };
    let d: Vec<String> = batches.iter().map(|b| batch_date(b)).collect();
    assert!(d[0] < d[1] && d[1] < d[2], "date_added grows: {d:?}");

    let ids = |range: std::ops::Range<usize>| -> BTreeSet<String> {
        batches[range].iter().flat_map(|b| ids_of(b)).collect()
    };
    let fetch = |query: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        for path in [objects_path(&coll), manifest_path(&coll)] {
            let mut got = BTreeSet::new();
            let mut q = format!("limit=7&{query}");
            loop {
                let p = page(&client, &path, &q);
                add_unique(&mut got, &p.ids);
                match p.next {
                    Some(n) if p.more => q = format!("limit=7&{query}&next={n}"),
                    _ => break,
                }
            }
            if !seen.is_empty() {
                assert_eq!(seen, got, "objects and manifest agree for {query}");
            }
            seen = got;
        }
        seen
    };
    assert_eq!(fetch(&format!("added_after={}", d[0])), ids(1..3));
    assert_eq!(fetch(&format!("added_after={}", d[1])), ids(2..3));
    assert!(fetch(&format!("added_after={}", d[2])).is_empty());
    if let Some(before) = one_microsecond_earlier(&d[1]) {
        assert_eq!(fetch(&format!("added_after={before}")), ids(1..3));
    }
    if let Some(before) = one_microsecond_earlier(&d[0]) {
        assert_eq!(fetch(&format!("added_after={before}")), ids(0..3));
    }
    // The response headers bracket what a page holds.
    let resp = client
        .get(&format!("{}?added_after={}", objects_path(&coll), d[0]))
        .expect(200);
    assert_eq!(
        resp.header("x-taxii-date-added-first").as_deref(),
        Some(d[1].as_str())
    );
    assert_eq!(
        resp.header("x-taxii-date-added-last").as_deref(),
        Some(d[2].as_str())
    );
}
