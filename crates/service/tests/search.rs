//! `Node::search` on a real embedded store: what the caller may see (collections it may read,
//! the audience rule), Arabic normalization, observables, filters, bad queries.

use serde_json::value::RawValue;
use std::sync::Arc;
use tanseeq_service::accounts::Caller;
use tanseeq_service::search::{Matched, SearchRequest};
use tanseeq_service::{Limits, Node, ServiceError};
use tanseeq_stix::Tlp;
use tanseeq_store::{
    ApiRoot, Collection, Grant, NodeRecord, NodeSecret, ObservableKind, Organization,
};
use tanseeq_store_sqlite::SqliteStore;
use uuid::Uuid;

fn object(object_type: &str, name: &str, tlp: Tlp, extra: &str) -> (String, String) {
    let id = format!("{object_type}--{}", Uuid::new_v4());
    let raw = format!(
        r#"{{"type":"{object_type}","spec_version":"2.1","id":"{id}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":{},"object_marking_refs":["{}"]{extra}}}"#,
        serde_json::to_string(name).unwrap(),
        tlp.marking_id()
    );
    (id, raw)
}

async fn submit(node: &Node, org: &Organization, collection: Uuid, objects: &[&(String, String)]) {
    let raws: Vec<Box<RawValue>> = objects
        .iter()
        .map(|(_, raw)| RawValue::from_string(raw.clone()).expect("JSON"))
        .collect();
    let status = node
        .submit(
            &Caller::acting_for(org.id),
            "api",
            collection,
            raws.iter().map(|r| &**r),
        )
        .await
        .expect("submit");
    assert!(status.failures.is_empty(), "{:?}", status.failures);
}

async fn ids(node: &Node, org: &Organization, request: SearchRequest) -> Vec<String> {
    node.search(&Caller::acting_for(org.id), request)
        .await
        .expect("search")
        .into_iter()
        .map(|hit| hit.record.meta.id)
        .collect()
}

fn query(text: &str) -> SearchRequest {
    SearchRequest {
        query: text.into(),
        ..SearchRequest::default()
    }
}

#[tokio::test]
async fn search_through_the_callers_visibility() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("node.db")).expect("open");
    let node = Node::new(Arc::new(store), Limits::default());
    node.store
        .init_node(
            &NodeRecord {
                id: Uuid::new_v4(),
                name: "node".into(),
                public_key: "unused".into(),
                created: jiff::Timestamp::now(),
            },
            &NodeSecret("unused".into()),
        )
        .await
        .expect("init_node");
    let a = node.add_organization("Org A").await.expect("org");
    let b = node.add_organization("Org B").await.expect("org");
    node.store
        .create_api_root(&ApiRoot {
            name: "api".into(),
            title: "API".into(),
            description: None,
        })
        .await
        .expect("api root");
    let mut collections = Vec::new();
    for grants in [vec![&a, &b], vec![&b]] {
        let collection = Collection {
            id: Uuid::new_v4(),
            api_root: "api".into(),
            title: "c".into(),
            description: None,
            created: jiff::Timestamp::now(),
            grants: grants
                .iter()
                .map(|org| Grant {
                    org_id: org.id,
                    read: true,
                    write: true,
                })
                .collect(),
        };
        node.store
            .create_collection(&collection)
            .await
            .expect("collection");
        collections.push(collection.id);
    }
    let (shared, b_only) = (collections[0], collections[1]);

    let red = object("campaign", "حَمْلَةُ التَّصَيُّدِ", Tlp::Red, "");
    let kit = object(
        "malware",
        "Phishing Kit",
        Tlp::Amber,
        r#","is_family":false"#,
    );
    let indicator = object(
        "indicator",
        "watch",
        Tlp::Green,
        r#","pattern_type":"stix","pattern":"[ipv4-addr:value = '198.51.100.7']","valid_from":"2026-01-01T00:00:00Z""#,
    );
    submit(&node, &a, shared, &[&red, &kit, &indicator]).await;
    let own = object("campaign", "حملة التصيد", Tlp::Clear, "");
    submit(&node, &b, b_only, &[&own]).await;

    // A reads its own TLP:RED object, not B's collection; B the reverse.
    assert_eq!(
        ids(&node, &a, query("حملة التصيد")).await,
        vec![red.0.clone()]
    );
    assert_eq!(
        ids(&node, &b, query("حمله التصيد")).await,
        vec![own.0.clone()]
    );

    let hits = node
        .search(&Caller::acting_for(b.id), query("198.51.100.0/24"))
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].record.meta.id, indicator.0);
    assert_eq!(hits[0].api_root, "api");
    assert_eq!(hits[0].collection, shared);
    assert_eq!(hits[0].matched, Matched::Observable(ObservableKind::Ip));
    assert_eq!(
        ids(&node, &a, query("198.51.100[.]7")).await,
        vec![indicator.0.clone()]
    );

    let amber = SearchRequest {
        tlp: Some(Tlp::Amber),
        ..query("")
    };
    assert_eq!(ids(&node, &b, amber).await, vec![kit.0.clone()]);
    let typed = SearchRequest {
        types: vec!["campaign".into()],
        ..query("")
    };
    assert_eq!(ids(&node, &b, typed).await, vec![own.0.clone()]);
    let partner = SearchRequest {
        partner: Some(a.id),
        ..query("phish")
    };
    assert_eq!(ids(&node, &b, partner).await, vec![kit.0.clone()]);

    // A node moved to another store (`tanseeq migrate --from --to`) is searchable there: the
    // target indexes every version it stores.
    let target = Arc::new(SqliteStore::open(&dir.path().join("copy.db")).expect("open"));
    tanseeq_service::copy::copy_node(&node, target.as_ref(), &mut |_| {})
        .await
        .expect("copy");
    let copied = Node::new(target, Limits::default());
    assert_eq!(
        ids(&copied, &a, query("حملة التصيد")).await,
        vec![red.0.clone()]
    );
    assert_eq!(
        ids(&copied, &b, query("198.51.100.7")).await,
        vec![indicator.0.clone()]
    );

    for bad in ["", "10.0.0.0/33", "* \" ()"] {
        let result = node.search(&Caller::acting_for(a.id), query(bad)).await;
        assert!(
            matches!(result, Err(ServiceError::BadRequest(_))),
            "`{bad}`: {result:?}"
        );
    }
}
