//! Signed provenance: every version of an object that entered through the node carries the
//! node's Ed25519 signature (a companion object over its canonical form), shown by
//! `GET /api/v1/provenance/…` to callers who may read the version, and nobody else.

mod common;

use common::*;
use serde_json::{Value, json};

fn provenance_path(collection: &str, id: &str) -> String {
    format!("/api/v1/provenance/api/{collection}/{id}")
}

#[test]
fn versions_are_signed_by_the_node_and_shown_to_readers_only() {
    let mut node = TestNode::init("Alpha");
    node.add_org("Beta");
    node.add_user("Beta", "beta", "analyst");
    let shared = node.add_collection("shared", "Alpha,Beta", "Alpha,Beta");
    node.start();
    let alpha = node.admin_client();
    let beta = node.user_client("beta");
    let info = node.cli_ok(&["node", "info"], None);
    let node_id = info
        .lines()
        .find_map(|l| l.strip_prefix("node id: "))
        .expect("node id line")
        .to_owned();

    let id = new_id("indicator");
    let v1 = indicator_at(&id, "2026-01-01T00:00:00.000Z", &[]);
    let v2 = indicator_at(&id, "2026-02-01T00:00:00.000Z", &[]);
    alpha.post_ok(&shared, &[v1, v2]);

    let first = alpha.get(&provenance_path(&shared, &id)).expect(200);
    assert_eq!(
        first.header("content-type").as_deref(),
        Some("application/json")
    );
    let body = first.json();
    let versions = body["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2, "{body}");
    for (version, expected) in versions
        .iter()
        .zip(["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"])
    {
        assert_eq!(version["version"], expected);
        let signatures = version["signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), 1, "{version}");
        let s = &signatures[0];
        assert_eq!(s["signer"], node_id.as_str());
        assert_eq!(s["verified"], true, "{s}");
        assert_eq!(s["companion"]["type"], "tanseeq-provenance");
        assert_eq!(s["companion"]["object_ref"], id.as_str());
        assert_eq!(s["companion"]["object_modified"], expected);
    }
    // Signed once: asking again returns the same companions, from any reader.
    let again = beta.get(&provenance_path(&shared, &id)).expect(200).json();
    assert_eq!(again, body);

    // A TLP:RED object of Alpha: invisible to Beta here too; unknown objects are 404.
    let red = indicator(&[TLP_RED]);
    let red_id = red["id"].as_str().unwrap().to_owned();
    alpha.post_ok(&shared, &[red]);
    alpha.get(&provenance_path(&shared, &red_id)).expect(200);
    beta.get(&provenance_path(&shared, &red_id))
        .expect(404)
        .assert_taxii_error();
    alpha
        .get(&provenance_path(&shared, &new_id("indicator")))
        .expect(404)
        .assert_taxii_error();
    alpha
        .get(&provenance_path("not-a-uuid", &id))
        .expect(404)
        .assert_taxii_error();
    alpha
        .with_auth(Auth::None)
        .get(&provenance_path(&shared, &id))
        .expect(401);

    // The object itself is untouched: TAXII still returns it byte for byte, and no companion
    // appears among the collection's objects.
    let objects = alpha.get_all_objects(&shared, "match[version]=all");
    assert!(
        objects
            .iter()
            .all(|o| o["type"] != json!("tanseeq-provenance"))
    );
    let _: Vec<Value> = objects;
}
