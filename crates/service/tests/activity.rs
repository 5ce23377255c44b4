//! The dashboard's activity counts (`Node::activity`) on a real embedded store: the window of
//! days, what the caller may see (collections it may read, the audience rule), the breakdowns,
//! deletes, and a node copied to another store (`tanseeq migrate --from --to`).

use serde_json::value::RawValue;
use std::sync::Arc;
use tanseeq_service::accounts::Caller;
use tanseeq_service::dashboard::{Activity, MAX_ACTIVITY_DAYS};
use tanseeq_service::{Limits, Node};
use tanseeq_store::{
    ApiRoot, Collection, DateAdded, Grant, IngestBatch, MICROS_PER_DAY, NewObject, NodeRecord,
    NodeSecret, Organization, ReplicaPlacement, VersionMatch, Visibility, day_date, day_number,
};
use tanseeq_store_sqlite::SqliteStore;
use uuid::Uuid;

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

fn markings(refs: &[&str]) -> String {
    if refs.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = refs.iter().map(|r| format!("\"{r}\"")).collect();
    format!(r#","object_marking_refs":[{}]"#, quoted.join(","))
}

fn indicator(refs: &[&str]) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"{}}}"#,
        Uuid::new_v4(),
        markings(refs)
    )
}

fn malware(refs: &[&str]) -> String {
    format!(
        r#"{{"type":"malware","spec_version":"2.1","id":"malware--{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"m","is_family":false{}}}"#,
        Uuid::new_v4(),
        markings(refs)
    )
}

fn report(id: &str, refs: &[&str]) -> String {
    format!(
        r#"{{"type":"report","spec_version":"2.1","id":"{id}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"r","published":"2026-01-01T00:00:00Z","object_refs":["malware--2b8d3a6e-6f5b-4f0e-9c2e-6c1f9f4a7b10"]{}}}"#,
        markings(refs)
    )
}

struct Fixture {
    node: Node,
    _dir: tempfile::TempDir,
    a: Organization,
    b: Organization,
    partner: Organization,
    partner_node: Uuid,
    shared: Uuid,
    b_only: Uuid,
}

fn caller(org: &Organization) -> Caller {
    Caller::acting_for(org.id)
}

async fn submit(fx: &Fixture, org: &Organization, collection: Uuid, objects: &[String]) {
    let raws: Vec<Box<RawValue>> = objects
        .iter()
        .map(|o| RawValue::from_string(o.clone()).expect("JSON"))
        .collect();
    let status = fx
        .node
        .submit(&caller(org), "api", collection, raws.iter().map(|r| &**r))
        .await
        .expect("submit");
    assert!(status.failures.is_empty(), "{:?}", status.failures);
}

/// A version received from the partner's node, placed `days_ago` days back.
async fn from_partner(fx: &Fixture, raw: String, days_ago: i64) {
    let header = tanseeq_stix::validate_object(&raw).expect("a valid object");
    let mut object = NewObject::new(header, raw, false);
    object.originator_org = Some(fx.partner.id);
    object.origin_node = Some(fx.partner_node);
    let date_added =
        DateAdded::from_timestamp(jiff::Timestamp::now()).0 - days_ago * MICROS_PER_DAY;
    let outcome = fx
        .node
        .store
        .ingest(IngestBatch {
            status_id: Uuid::new_v4(),
            api_root: "api".into(),
            collection_id: fx.shared,
            originator_org: fx.partner.id,
            poster: Visibility::organization(fx.partner.id),
            request_timestamp: DateAdded(date_added),
            objects: vec![object],
            rejected: Vec::new(),
            keep_status: false,
            replica: Some(ReplicaPlacement {
                date_added: DateAdded(date_added),
                seqs: vec![1_000_000 + days_ago],
            }),
        })
        .await
        .expect("ingest");
    assert_eq!(outcome.stored, 1);
}

async fn fixture() -> Fixture {
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
    let partner_node = Uuid::new_v4();
    let partner = Organization {
        id: Uuid::new_v4(),
        name: "Partner".into(),
        identity_id: format!("identity--{}", Uuid::new_v4()),
        home_node: Some(partner_node),
        created: jiff::Timestamp::now(),
    };
    node.store
        .create_organization(&partner)
        .await
        .expect("partner");
    node.store
        .create_api_root(&ApiRoot {
            name: "api".into(),
            title: "API".into(),
            description: None,
        })
        .await
        .expect("api root");
    let grant = |org: &Organization| Grant {
        org_id: org.id,
        read: true,
        write: true,
    };
    let collection = |grants: Vec<Grant>| Collection {
        id: Uuid::new_v4(),
        api_root: "api".into(),
        title: "c".into(),
        description: None,
        created: jiff::Timestamp::now(),
        grants,
    };
    let shared = collection(vec![grant(&a), grant(&b), grant(&partner)]);
    let b_only = collection(vec![grant(&b)]);
    for c in [&shared, &b_only] {
        node.store.create_collection(c).await.expect("collection");
    }
    Fixture {
        node,
        _dir: dir,
        a,
        b,
        partner,
        partner_node,
        shared: shared.id,
        b_only: b_only.id,
    }
}

fn day_count(activity: &Activity, days_ago: i64) -> u64 {
    let today = day_number(DateAdded::from_timestamp(jiff::Timestamp::now()));
    let day = day_date(today - days_ago);
    activity
        .days
        .iter()
        .find(|(d, _)| *d == day)
        .map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn activity_as_each_caller_may_see_it() {
    let fx = fixture().await;
    let red_report = format!("report--{}", Uuid::new_v4());
    submit(
        &fx,
        &fx.a,
        fx.shared,
        &[indicator(&[GREEN]), indicator(&[GREEN]), malware(&[AMBER])],
    )
    .await;
    submit(
        &fx,
        &fx.b,
        fx.shared,
        &[report(&red_report, &[RED]), indicator(&[CLEAR])],
    )
    .await;
    submit(&fx, &fx.b, fx.b_only, &[malware(&[])]).await;
    let partner_report = format!("report--{}", Uuid::new_v4());
    from_partner(&fx, report(&partner_report, &[]), 3).await;
    from_partner(&fx, malware(&[]), 40).await;

    let seen = fx
        .node
        .activity(&caller(&fx.a), 30)
        .await
        .expect("activity");
    assert_eq!(seen.days.len(), 30, "every day of the window");
    assert!(
        seen.days.windows(2).all(|w| w[0].0 < w[1].0),
        "oldest first"
    );
    assert_eq!(
        seen.total, 5,
        "Org A sees neither B's red report nor B's collection"
    );
    assert_eq!(day_count(&seen, 0), 4);
    assert_eq!(day_count(&seen, 3), 1);
    assert_eq!(seen.days.iter().map(|(_, n)| n).sum::<u64>(), seen.total);
    assert_eq!(seen.by_partner[0], (fx.a.id, "Org A".into(), 3));
    let mut rest = seen.by_partner[1..].to_vec();
    rest.sort();
    let mut want = vec![
        (fx.b.id, "Org B".to_string(), 1),
        (fx.partner.id, "Partner".to_string(), 1),
    ];
    want.sort();
    assert_eq!(rest, want);
    assert_eq!(
        seen.by_tlp,
        vec![
            (Some("green".into()), 2),
            (None, 1),
            (Some("amber".into()), 1),
            (Some("clear".into()), 1),
        ]
    );
    assert_eq!(
        seen.by_type,
        vec![
            ("indicator".into(), 3),
            ("malware".into(), 1),
            ("report".into(), 1)
        ]
    );

    // Org B reads both collections and its own red report; the partner's old version is only
    // in a longer window.
    let b = fx
        .node
        .activity(&caller(&fx.b), 30)
        .await
        .expect("activity");
    assert_eq!(b.total, 7);
    let b_long = fx
        .node
        .activity(&caller(&fx.b), 60)
        .await
        .expect("activity");
    assert_eq!((b_long.days.len(), b_long.total), (60, 8));

    // The window is bounded.
    let one = fx.node.activity(&caller(&fx.a), 0).await.expect("activity");
    assert_eq!((one.days.len(), one.total), (1, 4), "at least today");
    let longest = fx
        .node
        .activity(&caller(&fx.a), 100_000)
        .await
        .expect("activity");
    assert_eq!(longest.days.len(), MAX_ACTIVITY_DAYS as usize);

    // A delete takes its versions out of the counts.
    fx.node
        .delete_object(
            &caller(&fx.b),
            "api",
            fx.shared,
            &red_report,
            VersionMatch::all(),
            Vec::new(),
        )
        .await
        .expect("delete");
    let b = fx
        .node
        .activity(&caller(&fx.b), 30)
        .await
        .expect("activity");
    assert_eq!(b.total, 6);
    assert!(
        !b.by_tlp
            .iter()
            .any(|(tlp, _)| tlp.as_deref() == Some("red"))
    );
}

/// A node copied to another store (`tanseeq migrate --from --to`, which replays every ingest
/// there) shows the same activity.
#[tokio::test]
async fn a_copied_node_has_the_same_activity() {
    let fx = fixture().await;
    submit(
        &fx,
        &fx.a,
        fx.shared,
        &[indicator(&[GREEN]), malware(&[AMBER]), malware(&[RED])],
    )
    .await;
    submit(&fx, &fx.b, fx.b_only, &[malware(&[])]).await;
    from_partner(
        &fx,
        report(&format!("report--{}", Uuid::new_v4()), &[CLEAR]),
        5,
    )
    .await;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = SqliteStore::open(&dir.path().join("copy.db")).expect("open");
    tanseeq_service::copy::copy_node(&fx.node, &target, &mut |_| {})
        .await
        .expect("copy");
    let copy = Node::new(Arc::new(target), Limits::default());
    for org in [&fx.a, &fx.b, &fx.partner] {
        let here = fx.node.activity(&caller(org), 30).await.expect("activity");
        let there = copy.activity(&caller(org), 30).await.expect("activity");
        assert!(here.total > 0);
        assert_eq!(here, there, "activity of {} after the copy", org.name);
    }
}
