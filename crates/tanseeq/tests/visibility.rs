//! Who sees what: TLP:RED and TLP:AMBER+STRICT stay with their originator on every endpoint;
//! collection grants, roles and authentication.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// TLP 1.0 RED, predefined by STIX 2.1: as restricted as TLP 2.0 RED.
const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

struct Shared {
    node: TestNode,
    coll: String,
    a: Client,
    b: Client,
}

/// Organizations A (the node's own) and B, both reading and writing one shared collection.
fn shared() -> Shared {
    let mut node = TestNode::init("A");
    node.add_org("B");
    node.add_user("B", "bob", "analyst");
    let coll = node.add_collection("shared", "A,B", "A,B");
    node.start();
    let a = node.admin_client();
    let b = node.user_client("bob");
    Shared { node, coll, a, b }
}

fn ids_in(page: &Value) -> BTreeSet<String> {
    page["objects"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn id(object: &Value) -> String {
    object["id"].as_str().unwrap().to_owned()
}

#[test]
fn restricted_objects_stay_with_their_originator() {
    let Shared { node, coll, a, b } = shared();
    let red = indicator(&[TLP_RED]);
    let strict = indicator(&[TLP_AMBER_STRICT]);
    let green = indicator(&[TLP_GREEN]);
    let red1 = malware(&[TLP1_RED]);
    // RED among other markings is still RED.
    let red_mixed = malware(&[TLP_GREEN, TLP_RED]);
    let status = a.post_ok(
        &coll,
        &[
            red.clone(),
            strict.clone(),
            green.clone(),
            red1.clone(),
            red_mixed.clone(),
        ],
    );
    let status_id = status["id"].as_str().unwrap().to_owned();
    let restricted = [&red, &strict, &red1, &red_mixed];
    let restricted_ids: Vec<String> = restricted.iter().map(|o| id(o)).collect();
    let all_ids: BTreeSet<String> = [&red, &strict, &green, &red1, &red_mixed]
        .iter()
        .map(|o| id(o))
        .collect();

    // A sees all of it, everywhere.
    assert_eq!(
        ids_in(&a.get(&objects_path(&coll)).expect(200).json()),
        all_ids
    );
    assert_eq!(
        ids_in(&a.get(&manifest_path(&coll)).expect(200).json()),
        all_ids
    );
    for rid in &restricted_ids {
        a.get(&object_path(&coll, rid)).expect(200);
        a.get(&versions_path(&coll, rid)).expect(200);
    }
    a.get(&format!("/api/status/{status_id}/")).expect(200);

    // B: only the GREEN one, everywhere.
    let green_only: BTreeSet<String> = [id(&green)].into_iter().collect();
    let objects = b.get(&objects_path(&coll)).expect(200);
    assert_eq!(ids_in(&objects.json()), green_only);
    for rid in &restricted_ids {
        assert!(
            !objects.text.contains(rid.as_str()),
            "objects list leaks {rid}"
        );
    }
    for query in [
        "match[version]=all",
        "match[version]=first",
        "match[type]=indicator,malware",
        "match[spec_version]=2.1",
        "added_after=2000-01-01T00:00:00Z",
        "limit=1",
    ] {
        let resp = b
            .get(&format!("{}?{query}", objects_path(&coll)))
            .expect(200);
        for rid in &restricted_ids {
            assert!(
                !resp.text.contains(rid.as_str()),
                "objects?{query} leaks {rid}"
            );
        }
        let resp = b
            .get(&format!("{}?{query}", manifest_path(&coll)))
            .expect(200);
        for rid in &restricted_ids {
            assert!(
                !resp.text.contains(rid.as_str()),
                "manifest?{query} leaks {rid}"
            );
        }
    }
    let manifest = b.get(&manifest_path(&coll)).expect(200);
    assert_eq!(ids_in(&manifest.json()), green_only);
    for rid in &restricted_ids {
        b.get(&object_path(&coll, rid))
            .expect(404)
            .assert_taxii_error();
        b.get(&format!("{}?match[version]=all", object_path(&coll, rid)))
            .expect(404);
        b.get(&versions_path(&coll, rid))
            .expect(404)
            .assert_taxii_error();
        let page = b
            .get(&format!("{}?match[id]={rid}", objects_path(&coll)))
            .expect(200)
            .json();
        assert!(ids_in(&page).is_empty(), "match[id]={rid} leaks: {page}");
        let page = b
            .get(&format!("{}?match[id]={rid}", manifest_path(&coll)))
            .expect(200)
            .json();
        assert!(
            ids_in(&page).is_empty(),
            "manifest match[id]={rid} leaks: {page}"
        );
        let page = b
            .get(&format!(
                "{}?match[id]={rid},{}",
                objects_path(&coll),
                id(&green)
            ))
            .expect(200)
            .json();
        assert_eq!(ids_in(&page), green_only);
        // The date headers reveal nothing of objects B cannot see.
        let resp = b
            .get(&format!("{}?match[id]={rid}", objects_path(&coll)))
            .expect(200);
        assert!(resp.header("x-taxii-date-added-first").is_none());
        // Delete: 404, and the object is still there for A.
        b.delete(&object_path(&coll, rid))
            .expect(404)
            .assert_taxii_error();
        b.delete(&format!("{}?match[version]=all", object_path(&coll, rid)))
            .expect(404);
        a.get(&object_path(&coll, rid)).expect(200);
    }
    // Unknown and invisible look the same.
    let unknown = b
        .get(&object_path(&coll, &new_id("indicator")))
        .expect(404)
        .json();
    let hidden = b.get(&object_path(&coll, &id(&red))).expect(404).json();
    assert_eq!(unknown["title"], hidden["title"]);
    // B cannot read A's status.
    b.get(&format!("/api/status/{status_id}/"))
        .expect(404)
        .assert_taxii_error();

    // The other way round: B's RED object is B's alone.
    let b_red = indicator(&[TLP_RED]);
    let b_status = b.post_ok(&coll, std::slice::from_ref(&b_red));
    b.get(&object_path(&coll, &id(&b_red))).expect(200);
    a.get(&object_path(&coll, &id(&b_red))).expect(404);
    let b_status_id = b_status["id"].as_str().unwrap();
    b.get(&format!("/api/status/{b_status_id}/")).expect(200);
    a.get(&format!("/api/status/{b_status_id}/")).expect(404);

    // Nothing was deleted by B's attempts.
    assert_eq!(node.count_objects(&coll), 6);
}

/// B re-posting an object under a restricted object's (id, version) must not learn that A
/// holds it: the answer must be the one B would get if the object did not exist.
#[test]
fn post_status_does_not_reveal_restricted_objects() {
    let Shared {
        node: _node,
        coll,
        a,
        b,
    } = shared();
    let red = indicator(&[TLP_RED]);
    a.post_ok(&coll, std::slice::from_ref(&red));

    let mut guess = red.clone();
    guess["name"] = json!("B's guess");
    let control = indicator_at(&new_id("indicator"), "2024-01-01T00:00:00.000Z", &[TLP_RED]);
    let mut control_changed = control.clone();
    control_changed["name"] = json!("B's guess");
    let resp = b
        .post_objects(&coll, std::slice::from_ref(&guess))
        .expect(202);
    let on_hidden = resp.json();
    let on_fresh = b.post_objects(&coll, &[control_changed]).expect(202).json();
    assert_eq!(
        (
            on_hidden["success_count"].clone(),
            on_hidden["failure_count"].clone()
        ),
        (
            on_fresh["success_count"].clone(),
            on_fresh["failure_count"].clone()
        ),
        "B's POST under A's TLP:RED id is answered differently from a POST under an unused id, \
         so B learns that the restricted object exists: {}",
        resp.text
    );
}

#[test]
fn grants_roles_and_authentication() {
    let mut node = TestNode::init("A");
    for org in ["B", "C", "D"] {
        node.add_org(org);
    }
    node.add_user("A", "reader-a", "reader");
    node.add_user("B", "bob", "analyst");
    node.add_user("C", "carol", "analyst");
    node.add_user("D", "dave", "analyst");
    let shared = node.add_collection("shared", "A,B", "A,B");
    let write_only = node.add_collection("drop-box", "A", "A,D");
    node.start();
    let a = node.admin_client();
    let carol = node.user_client("carol");
    let dave = node.user_client("dave");
    let reader = node.user_client("reader-a");

    let green = indicator(&[TLP_GREEN]);
    a.post_ok(&shared, std::slice::from_ref(&green));

    // C has no grant on `shared`: 404 everywhere, and not listed.
    let list = carol.get("/api/collections/").expect(200).json();
    let listed: Vec<&Value> = list["collections"]
        .as_array()
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    assert!(
        listed
            .iter()
            .all(|c| c["id"] != json!(shared) && c["id"] != json!(write_only)),
        "{list}"
    );
    assert!(!list.to_string().contains(&node.default_collection));
    for path in [
        collection_path(&shared),
        objects_path(&shared),
        manifest_path(&shared),
        object_path(&shared, &id(&green)),
        versions_path(&shared, &id(&green)),
        collection_path(&node.default_collection),
    ] {
        carol.get(&path).expect(404).assert_taxii_error();
    }
    carol
        .post_objects(&shared, &[indicator(&[])])
        .expect(404)
        .assert_taxii_error();
    carol
        .delete(&object_path(&shared, &id(&green)))
        .expect(404)
        .assert_taxii_error();

    // A reader may read but not write.
    reader.get(&objects_path(&shared)).expect(200);
    let resp = reader.post_objects(&shared, &[indicator(&[])]).expect(403);
    resp.assert_taxii_error();
    reader
        .delete(&object_path(&shared, &id(&green)))
        .expect(403)
        .assert_taxii_error();
    let entry = reader.get(&collection_path(&shared)).expect(200).json();
    assert_eq!(entry["can_read"], true);
    assert_eq!(entry["can_write"], false);

    // D may only write to the drop box.
    let entry = dave.get(&collection_path(&write_only)).expect(200).json();
    assert_eq!(entry["can_read"], false);
    assert_eq!(entry["can_write"], true);
    let dropped = indicator(&[]);
    dave.post_ok(&write_only, std::slice::from_ref(&dropped));
    dave.get(&objects_path(&write_only))
        .expect(403)
        .assert_taxii_error();
    dave.get(&manifest_path(&write_only))
        .expect(403)
        .assert_taxii_error();
    dave.get(&object_path(&write_only, &id(&dropped)))
        .expect(403)
        .assert_taxii_error();
    dave.get(&versions_path(&write_only, &id(&dropped)))
        .expect(403);
    a.get(&object_path(&write_only, &id(&dropped))).expect(200);

    // 401 with WWW-Authenticate for missing or bad credentials.
    let bad_auths = [
        Auth::None,
        Auth::Basic("admin".into(), "wrong password!".into()),
        Auth::Basic("nobody".into(), PASSWORD.into()),
        Auth::Bearer("tsq_not-a-real-token".into()),
        Auth::Bearer("garbage".into()),
    ];
    for auth in bad_auths {
        let client = a.with_auth(auth.clone());
        for path in [
            "/taxii2/".to_owned(),
            "/api/".to_owned(),
            objects_path(&shared),
        ] {
            let resp = client.get(&path).expect(401);
            resp.assert_taxii_error();
            let challenges: Vec<String> = resp
                .headers
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            assert!(
                challenges.iter().any(|c| c.starts_with("Basic")),
                "{auth:?} {path}: {challenges:?}"
            );
        }
        let resp = client.post_objects(&shared, &[indicator(&[])]).expect(401);
        assert!(resp.header("www-authenticate").is_some());
    }
    // A malformed Authorization header.
    for value in ["Basic", "Basic !!!", "Digest abc", "Basic Zm9v"] {
        let resp = a.send(
            a.http
                .get(a.url("/taxii2/"))
                .header("Accept", TAXII)
                .header("Authorization", value),
        );
        assert_eq!(resp.status, 401, "Authorization: {value}");
        assert!(resp.header("www-authenticate").is_some());
    }

    // Bearer tokens work, and stop working once revoked.
    let token = node.token("bob");
    let bearer = a.with_auth(Auth::Bearer(token.clone()));
    assert_eq!(
        ids_in(&bearer.get(&objects_path(&shared)).expect(200).json()),
        [id(&green)].into_iter().collect()
    );
    bearer.post_ok(&shared, &[indicator(&[])]);
    let ids = node.token_ids("bob");
    assert_eq!(ids.len(), 1, "{ids:?}");
    node.cli_ok(&["token", "revoke", &ids[0]], None);
    bearer
        .get(&objects_path(&shared))
        .expect(401)
        .assert_taxii_error();
    let listed = node.cli_ok(&["token", "list", "--user", "bob"], None);
    assert!(listed.contains("revoked"), "{listed}");
    // Revoking twice is an error.
    let out = node.cli(&["token", "revoke", &ids[0]], None);
    assert!(!out.status.success());
    // Basic still works for bob.
    node.user_client("bob")
        .get(&objects_path(&shared))
        .expect(200);
}

/// `match[version]=last` (the default) and `first` must be judged among the versions the
/// caller may see: a hidden later version must neither hide B's own visible version nor
/// reveal, by hiding it, that a restricted version exists.
#[test]
fn latest_version_is_judged_among_visible_versions() {
    let Shared {
        node: _node,
        coll,
        a,
        b,
    } = shared();
    let id = new_id("indicator");
    let a_red_later = indicator_at(&id, "2024-06-01T00:00:00.000Z", &[TLP_RED]);
    let b_green_earlier = indicator_at(&id, "2024-01-01T00:00:00.000Z", &[TLP_GREEN]);
    a.post_ok(&coll, std::slice::from_ref(&a_red_later));
    b.post_ok(&coll, std::slice::from_ref(&b_green_earlier));

    // A sees both versions; its latest is its own RED one.
    let page = a.get(&object_path(&coll, &id)).expect(200).json();
    assert_eq!(page["objects"], json!([a_red_later]));

    // B sees only its GREEN version, and for B that is the latest (and the first).
    let all = b
        .get(&format!("{}?match[version]=all", object_path(&coll, &id)))
        .expect(200)
        .json();
    assert_eq!(all["objects"], json!([b_green_earlier]));
    let resp = b.get(&object_path(&coll, &id));
    assert_eq!(
        resp.status, 200,
        "B's own visible version is hidden by A's later TLP:RED version (which also tells B \
         that a hidden later version exists): {}",
        resp.text
    );
    assert_eq!(resp.json()["objects"], json!([b_green_earlier]));
    let listed = b.get(&objects_path(&coll)).expect(200).json();
    assert!(
        ids_in(&listed).contains(&id),
        "default listing omits it: {listed}"
    );
    let manifest = b.get(&manifest_path(&coll)).expect(200).json();
    assert!(
        ids_in(&manifest).contains(&id),
        "manifest omits it: {manifest}"
    );
}
