//! The conformance suite every backend runs: the behaviour of [`Store`] that the rest of the
//! node relies on, checked against a real database.
//!
//! A backend's test file runs one `#[tokio::test]` per check with
//!
//! ```ignore
//! tanseeq_store::conformance_tests!(fresh_store);
//! ```
//!
//! where `fresh_store` is an async function (or closure) returning a handle to a new, empty
//! store: any `H: Deref` whose target implements [`Store`] (a `Box<MyStore>`, or a guard that
//! also owns the temporary directory or database the store lives in). [`run_all`] runs every
//! check in sequence, each on its own fresh store.
//!
//! Each check is also a public async function taking `&S` (`S: Store + ?Sized`) that panics
//! with a message naming the broken rule. The visibility checks run a few hundred generated
//! cases from a fixed seed; set `TANSEEQ_CONFORMANCE_SEED` to try others (a failure prints the
//! seed that reproduces it).

use crate::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::future::Future;
use std::ops::Deref;
use tanseeq_stix::{ObjectHeader, StixTimestamp};
use uuid::Uuid;

mod search;
pub use search::*;

/// Expands to one `#[tokio::test]` per conformance check, each on its own fresh store from
/// `$make_store` (an async fn or closure returning a handle that derefs to a [`Store`]). The
/// calling crate needs `tokio` (with the `macros` and `rt` features) among its dev-dependencies.
#[macro_export]
macro_rules! conformance_tests {
    // The one list of checks, shared by the tests and by `run_all`.
    (@checks $mode:ident $make:tt) => {
        $crate::conformance_tests!(@$mode $make
            node_record
            organizations
            users
            tokens
            api_roots
            collections
            ingest_raw_roundtrip
            ingest_date_added
            concurrent_ingests
            ingest_duplicates
            ingest_sco
            ingest_status
            ingest_without_status
            versions
            delete_versions
            query_filters
            query_limit_and_more
            query_large_inputs
            paging_same_date_added
            paging_with_writes
            paging_during_concurrent_ingests
            fetch_metadata
            collections_are_separate
            count_objects
            visibility_query_matches_admits
            visibility_delete_matches_admits
            schema_version
            replica_placement
            statuses_copy
            signatures
            partner_organizations
            documents
            audience_of_duplicates
            activity_counts
            activity_days
            search_text
            search_versions_and_deletes
            search_observables
            search_filters
            search_visibility_matches_admits
            search_nothing_pending
            search_many_candidates
        );
    };
    (@tests ($make:expr) $($check:ident)*) => {
        $(
            #[::tokio::test]
            async fn $check() {
                let store = ($make)().await;
                $crate::conformance::$check(&*store).await;
            }
        )*
    };
    (@run ($make:expr) $($check:ident)*) => {
        $(
            {
                let store = ($make)().await;
                eprintln!("conformance: {}", stringify!($check));
                $crate::conformance::$check(&*store).await;
            }
        )*
    };
    ($make:expr) => {
        $crate::conformance_tests!(@checks tests ($make));
    };
}

/// Runs every check in sequence, each on a fresh store from `make_store`.
pub async fn run_all<F, Fut, H>(make_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = H>,
    H: Deref,
    H::Target: Store,
{
    crate::conformance_tests!(@checks run (make_store));
}

// ============================================================================================
// Helpers
// ============================================================================================

fn must<T, E: Debug>(result: std::result::Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what} failed: {e:?}"),
    }
}

fn expect_already_exists<T: Debug>(result: Result<T>, what: &str) {
    match result {
        Err(StoreError::AlreadyExists { .. }) => {}
        other => panic!("{what}: expected Err(StoreError::AlreadyExists), got {other:?}"),
    }
}

fn expect_not_found<T: Debug>(result: Result<T>, what: &str) {
    match result {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("{what}: expected Err(StoreError::NotFound), got {other:?}"),
    }
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// A STIX timestamp `seconds` after a fixed instant, millisecond form.
fn stamp(seconds: i64) -> String {
    let ts = jiff::Timestamp::from_second(1_600_000_000 + seconds).expect("timestamp in range");
    StixTimestamp::from_jiff(ts).to_millis_string()
}

fn version_key(text: &str) -> VersionKey {
    VersionKey::of(&StixTimestamp::parse(text).expect("a STIX timestamp"))
}

fn new_id(object_type: &str) -> String {
    format!("{object_type}--{}", Uuid::new_v4())
}

/// An SDO's JSON text with `created` fixed and the given `modified`; `extra` is appended inside
/// the object (start it with a comma).
fn sdo(object_type: &str, id: &str, modified: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"{object_type}","spec_version":"2.1","id":"{id}","created":"{}","modified":"{modified}","name":"n"{extra}}}"#,
        stamp(0)
    )
}

/// A validated object as the service hands it to a store: the raw text, and the header read
/// from it (as `tanseeq_stix::validate_object` would; the suite does not depend on the
/// validator's rules, only on the header's meaning).
pub fn object_from_raw(raw: &str, restricted: bool) -> NewObject {
    let value: serde_json::Value = serde_json::from_str(raw)
        .unwrap_or_else(|e| panic!("suite bug: invalid JSON {raw:.80}: {e}"));
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let time = |key: &str| {
        text(key).map(|t| {
            StixTimestamp::parse(&t).unwrap_or_else(|e| panic!("suite bug: {key} `{t}`: {e}"))
        })
    };
    NewObject {
        header: ObjectHeader {
            id: text("id").expect("suite bug: object without id"),
            object_type: text("type").expect("suite bug: object without type"),
            spec_version: text("spec_version").unwrap_or_else(|| "2.1".into()),
            created: time("created"),
            modified: time("modified"),
            revoked: value
                .get("revoked")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            created_by_ref: text("created_by_ref"),
            object_marking_refs: value
                .get("object_marking_refs")
                .and_then(|v| v.as_array())
                .map(|refs| {
                    refs.iter()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            valid_from: time("valid_from"),
            valid_until: time("valid_until"),
        },
        raw: raw.to_owned(),
        restricted,
        groups: Vec::new(),
        addressee_org: None,
        originator_org: None,
        origin_node: None,
    }
}

fn open(raw: &str) -> NewObject {
    object_from_raw(raw, false)
}

fn organization(name: &str) -> Organization {
    Organization {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        identity_id: format!("identity--{}", Uuid::new_v4()),
        home_node: None,
        created: now(),
    }
}

/// Three organizations, an API root and a collection all three may read and write.
struct Fixture {
    orgs: [Organization; 3],
    root: String,
    collection: Uuid,
}

impl Fixture {
    fn org(&self, index: usize) -> Uuid {
        self.orgs[index].id
    }

    fn batch(&self, collection: Uuid, org: Uuid, objects: Vec<NewObject>) -> IngestBatch {
        IngestBatch {
            status_id: Uuid::new_v4(),
            api_root: self.root.clone(),
            collection_id: collection,
            originator_org: org,
            poster: Visibility::organization(org),
            request_timestamp: DateAdded::from_timestamp(now()),
            objects,
            rejected: Vec::new(),
            keep_status: true,
            replica: None,
        }
    }
}

async fn fixture<S: Store + ?Sized>(store: &S) -> Fixture {
    let orgs = [
        organization("Org A"),
        organization("Org B"),
        organization("Org C"),
    ];
    for org in &orgs {
        must(store.create_organization(org).await, "create_organization");
    }
    let root = ApiRoot {
        name: "api1".into(),
        title: "API root 1".into(),
        description: None,
    };
    must(store.create_api_root(&root).await, "create_api_root");
    let collection = new_collection(store, &root.name, &orgs).await;
    Fixture {
        orgs,
        root: root.name,
        collection,
    }
}

async fn new_collection<S: Store + ?Sized>(
    store: &S,
    api_root: &str,
    orgs: &[Organization],
) -> Uuid {
    let collection = Collection {
        id: Uuid::new_v4(),
        api_root: api_root.to_owned(),
        title: "Collection".into(),
        description: None,
        created: now(),
        grants: orgs
            .iter()
            .map(|o| Grant {
                org_id: o.id,
                read: true,
                write: true,
            })
            .collect(),
    };
    must(
        store.create_collection(&collection).await,
        "create_collection",
    );
    collection.id
}

async fn ingest<S: Store + ?Sized>(store: &S, batch: IngestBatch) -> IngestOutcome {
    must(store.ingest(batch).await, "ingest")
}

/// Ingests objects that must all be stored as new versions.
async fn ingest_new<S: Store + ?Sized>(store: &S, batch: IngestBatch) -> IngestOutcome {
    let count = batch.objects.len() as u64;
    let outcome = ingest(store, batch).await;
    assert!(
        outcome.status.failures.is_empty(),
        "ingest of new objects reported failures: {:?}",
        outcome.status.failures
    );
    assert_eq!(
        (outcome.stored, outcome.duplicates),
        (count, 0),
        "ingest of {count} new objects: (stored, duplicates)"
    );
    outcome
}

fn filter_all() -> ObjectFilter {
    ObjectFilter {
        versions: VersionMatch::all(),
        ..ObjectFilter::default()
    }
}

fn filter_ids(ids: &[&str], versions: VersionMatch) -> ObjectFilter {
    ObjectFilter {
        ids: ids.iter().map(|s| s.to_string()).collect(),
        versions,
        ..ObjectFilter::default()
    }
}

/// Every matching record, following `next` cursors with pages of `limit`; checks that pages
/// come in strictly increasing cursor order.
async fn records<S: Store + ?Sized>(
    store: &S,
    collection: Uuid,
    visibility: Visibility,
    filter: ObjectFilter,
    fetch: Fetch,
    limit: usize,
) -> Vec<ObjectRecord> {
    let mut out: Vec<ObjectRecord> = Vec::new();
    let mut after = None;
    for _ in 0..100_000 {
        let query = ObjectQuery {
            collection_id: collection,
            visibility: visibility.clone(),
            filter: filter.clone(),
            after,
            limit,
            fetch,
        };
        let page = must(store.query_objects(&query).await, "query_objects");
        assert!(
            page.records.len() <= limit,
            "a page of limit {limit} returned {} records",
            page.records.len()
        );
        assert!(
            !page.more || !page.records.is_empty(),
            "an empty page said more records follow"
        );
        for record in &page.records {
            assert_eq!(
                record.raw.is_some(),
                fetch == Fetch::Objects,
                "raw present must match the Fetch mode {fetch:?}: {:?}",
                record.meta
            );
        }
        out.extend(page.records.iter().cloned());
        match page.next_cursor() {
            Some(cursor) => after = Some(cursor),
            None => {
                for pair in out.windows(2) {
                    assert!(
                        pair[0].meta.cursor() < pair[1].meta.cursor(),
                        "records out of (date_added, seq) order: {:?} then {:?}",
                        pair[0].meta,
                        pair[1].meta
                    );
                }
                return out;
            }
        }
    }
    panic!("paging did not end after 100000 pages");
}

/// Every version of every object, as the operator sees it, with raw text.
async fn everything<S: Store + ?Sized>(store: &S, collection: Uuid) -> Vec<ObjectRecord> {
    records(
        store,
        collection,
        Visibility::Operator,
        filter_all(),
        Fetch::Objects,
        1000,
    )
    .await
}

/// The sortable versions of one object that a version match selects, in version order.
async fn versions_of<S: Store + ?Sized>(
    store: &S,
    collection: Uuid,
    id: &str,
    versions: VersionMatch,
) -> Vec<String> {
    let mut found: Vec<String> = records(
        store,
        collection,
        Visibility::Operator,
        filter_ids(&[id], versions),
        Fetch::Metadata,
        1000,
    )
    .await
    .into_iter()
    .map(|r| r.meta.version.sortable)
    .collect();
    found.sort();
    found
}

fn metas(records: &[ObjectRecord]) -> Vec<ObjectMeta> {
    records.iter().map(|r| r.meta.clone()).collect()
}

fn id_list(records: &[ObjectRecord]) -> Vec<String> {
    records.iter().map(|r| r.meta.id.clone()).collect()
}

fn assert_same_text(got: &str, want: &str, what: &str) {
    if got == want {
        return;
    }
    let at = got
        .bytes()
        .zip(want.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let context = |s: &str| {
        let mut start = at.saturating_sub(20).min(s.len());
        while !s.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (at + 40).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        s[start..end].to_owned()
    };
    panic!(
        "{what}: the stored text is not byte-identical to the text ingested \
         (lengths {} vs {}; first difference at byte {at}: got …{:?}…, sent …{:?}…)",
        got.len(),
        want.len(),
        context(got),
        context(want)
    );
}

/// A small deterministic generator (SplitMix64) for the generated visibility cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next(), self.next())
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const SEED_VARIABLE: &str = "TANSEEQ_CONFORMANCE_SEED";

fn base_seed() -> u64 {
    std::env::var(SEED_VARIABLE)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7a6e_5e3d_2026)
}

const GENERATED_TYPES: [&str; 3] = ["indicator", "malware", "report"];

/// One planned object version: (id, version, originator, restricted, sharing groups,
/// addressee, origin node).
type Planned = (
    String,
    String,
    Uuid,
    bool,
    Vec<String>,
    Option<Uuid>,
    Option<Uuid>,
);

/// The sharing groups the generated cases draw from.
const GENERATED_GROUPS: [&str; 3] = [
    "marking-definition--0a3c2bd4-5c3b-4e07-9a86-7d6c1c5e9a01",
    "marking-definition--1b4d3ce5-6d4c-4f18-8b97-8e7d2d6f0b12",
    "marking-definition--2c5e4df6-7e5d-4029-9ca8-9f8e3e7a1c23",
];

/// The peer nodes the generated versions may have come from.
const GENERATED_NODES: [Uuid; 2] = [
    Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0001),
    Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0002),
];

/// One generated collection: objects with 1–3 versions each, every version submitted by one of
/// the three organizations, restricted or not, with or without sharing groups, an addressee
/// and a peer it came from; ingested in one batch per organization, in a shuffled order.
/// Returns the plan of every version.
async fn generate_case<S: Store + ?Sized>(
    store: &S,
    fx: &Fixture,
    rng: &mut Rng,
) -> (Uuid, Vec<Planned>) {
    let collection = new_collection(store, &fx.root, &fx.orgs).await;
    let mut by_org: [Vec<NewObject>; 3] = Default::default();
    let mut planned = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let object_type = GENERATED_TYPES[rng.below(GENERATED_TYPES.len())];
        let id = format!("{object_type}--{}", rng.uuid());
        for v in 0..1 + rng.below(3) {
            let modified = stamp(v as i64 * 60 + rng.below(30) as i64);
            let org = rng.below(3);
            let restricted = rng.chance(40);
            let mut groups: Vec<String> = if rng.chance(35) {
                GENERATED_GROUPS
                    .iter()
                    .filter(|_| rng.chance(50))
                    .map(|g| g.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            groups.sort();
            let addressee = rng.chance(15).then(|| fx.org(rng.below(3)));
            let origin = rng
                .chance(30)
                .then(|| GENERATED_NODES[rng.below(GENERATED_NODES.len())]);
            let mut object = object_from_raw(&sdo(object_type, &id, &modified, ""), restricted);
            object.groups = groups.clone();
            object.addressee_org = addressee;
            object.origin_node = origin;
            by_org[org].push(object);
            planned.push((
                id.clone(),
                version_key(&modified).sortable,
                fx.org(org),
                restricted,
                groups,
                addressee,
                origin,
            ));
        }
    }
    let first = rng.below(3);
    for k in 0..3 {
        let org = (first + k) % 3;
        let mut objects = std::mem::take(&mut by_org[org]);
        if objects.is_empty() {
            continue;
        }
        rng.shuffle(&mut objects);
        ingest_new(store, fx.batch(collection, fx.org(org), objects)).await;
    }
    (collection, planned)
}

/// The readers every generated case is read by: the operator, each organization alone, an
/// outsider, organizations with sharing groups, and peer nodes (several organizations, with
/// and without the versions that came from them).
fn case_visibilities(fx: &Fixture, outsider: Uuid) -> Vec<Visibility> {
    let audience = |orgs: Vec<Uuid>, groups: &[&str], not_from: Option<Uuid>| {
        Visibility::Audience(Audience {
            orgs,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            not_from,
        })
    };
    vec![
        Visibility::Operator,
        Visibility::organization(fx.org(0)),
        Visibility::organization(fx.org(1)),
        Visibility::organization(fx.org(2)),
        Visibility::organization(outsider),
        audience(vec![fx.org(1)], &GENERATED_GROUPS[..1], None),
        audience(vec![outsider], &GENERATED_GROUPS[1..], None),
        audience(vec![fx.org(0), fx.org(2)], &[], Some(GENERATED_NODES[0])),
        audience(
            vec![outsider, fx.org(1)],
            &GENERATED_GROUPS[2..],
            Some(GENERATED_NODES[1]),
        ),
        audience(Vec::new(), &GENERATED_GROUPS, None),
    ]
}

/// Whether the id, type and spec-version parts of a filter select a record (the generated
/// cases use no other parts).
fn filter_selects(filter: &ObjectFilter, meta: &ObjectMeta) -> bool {
    (filter.ids.is_empty() || filter.ids.contains(&meta.id))
        && (filter.types.is_empty() || filter.types.contains(&meta.object_type))
        && (filter.spec_versions.is_empty() || filter.spec_versions.contains(&meta.spec_version))
}

const VISIBILITY_CASES: u64 = 300;

// ============================================================================================
// Node, organizations, users, tokens
// ============================================================================================

/// `init_node` records the node once; `node` returns it; a second `init_node` is refused.
pub async fn node_record<S: Store + ?Sized>(store: &S) {
    assert_eq!(
        must(store.node().await, "node"),
        None,
        "a fresh store has no node record"
    );
    let node = NodeRecord {
        id: Uuid::new_v4(),
        name: "Test node — عقدة".into(),
        public_key: "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=".into(),
        created: now(),
    };
    assert_eq!(
        must(store.node_secret().await, "node_secret"),
        None,
        "a fresh store has no signing key"
    );
    let secret = NodeSecret("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=".into());
    must(store.init_node(&node, &secret).await, "init_node");
    assert_eq!(
        must(store.node().await, "node"),
        Some(node.clone()),
        "node() must return exactly the record init_node stored (timestamps to the nanosecond)"
    );
    assert_eq!(
        must(store.node_secret().await, "node_secret"),
        Some(secret.clone()),
        "node_secret() must return the key init_node stored"
    );
    let other = NodeRecord {
        id: Uuid::new_v4(),
        name: "another node".into(),
        ..node.clone()
    };
    expect_already_exists(
        store
            .init_node(&other, &NodeSecret("b3RoZXI=".into()))
            .await,
        "a second init_node with another id (the node's identity is recorded once)",
    );
    assert_eq!(
        must(store.node().await, "node"),
        Some(node),
        "a refused second init_node must leave the first record"
    );
    assert_eq!(
        must(store.node_secret().await, "node_secret"),
        Some(secret),
        "a refused second init_node must leave the first key"
    );
}

/// Organizations: create, list, look up by name; names and ids unique.
pub async fn organizations<S: Store + ?Sized>(store: &S) {
    assert!(
        must(store.organizations().await, "organizations").is_empty(),
        "a fresh store has no organizations"
    );
    let a = organization("Ministry of Interior");
    let b = organization("وزارة الداخلية");
    must(store.create_organization(&a).await, "create_organization");
    must(store.create_organization(&b).await, "create_organization");
    let mut want = vec![a.clone(), b.clone()];
    want.sort_by(|x, y| x.name.cmp(&y.name));
    let mut got = must(store.organizations().await, "organizations");
    got.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(got, want, "organizations() after creating two");
    assert_eq!(
        must(
            store.organization_by_name(&b.name).await,
            "organization_by_name"
        ),
        Some(b.clone()),
        "organization_by_name with a Unicode name"
    );
    assert_eq!(
        must(
            store.organization_by_name("nobody").await,
            "organization_by_name"
        ),
        None,
        "organization_by_name of an unknown name"
    );
    let same_name = Organization {
        id: Uuid::new_v4(),
        identity_id: format!("identity--{}", Uuid::new_v4()),
        ..a.clone()
    };
    expect_already_exists(
        store.create_organization(&same_name).await,
        "an organization with a taken name",
    );
    let same_id = Organization {
        name: "Another name".into(),
        identity_id: format!("identity--{}", Uuid::new_v4()),
        ..a.clone()
    };
    expect_already_exists(
        store.create_organization(&same_id).await,
        "an organization with a taken id",
    );
    assert_eq!(
        must(store.organizations().await, "organizations").len(),
        2,
        "refused organizations must not be stored"
    );
    assert_eq!(
        must(
            store.organization_by_name(&a.name).await,
            "organization_by_name"
        ),
        Some(a),
        "a refused duplicate must not change the existing organization"
    );
}

fn user(org_id: Uuid, name: &str, role: Role) -> User {
    User {
        id: Uuid::new_v4(),
        org_id,
        name: name.to_owned(),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${}", Uuid::new_v4()),
        created: now(),
    }
}

/// Users: an unknown organization is NotFound; names and ids unique; lookups by name and id.
pub async fn users<S: Store + ?Sized>(store: &S) {
    let a = organization("A");
    let b = organization("B");
    must(store.create_organization(&a).await, "create_organization");
    must(store.create_organization(&b).await, "create_organization");

    let ghost = user(Uuid::new_v4(), "ghost", Role::Admin);
    expect_not_found(
        store.create_user(&ghost).await,
        "a user of an organization that does not exist",
    );
    assert_eq!(
        must(store.user_by_name("ghost").await, "user_by_name"),
        None,
        "a refused user must not be stored"
    );

    let all = vec![
        user(a.id, "admin", Role::Admin),
        user(b.id, "analyst", Role::Analyst),
        user(a.id, "قارئ", Role::Reader),
    ];
    for u in &all {
        must(store.create_user(u).await, "create_user");
    }
    let mut want = all.clone();
    want.sort_by(|x, y| x.name.cmp(&y.name));
    let mut got = must(store.users().await, "users");
    got.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(got, want, "users() after creating three (every role)");
    for u in &all {
        assert_eq!(
            must(store.user_by_name(&u.name).await, "user_by_name"),
            Some(u.clone()),
            "user_by_name({})",
            u.name
        );
        assert_eq!(
            must(store.user_by_id(u.id).await, "user_by_id"),
            Some(u.clone()),
            "user_by_id({})",
            u.id
        );
    }
    assert_eq!(
        must(store.user_by_id(Uuid::new_v4()).await, "user_by_id"),
        None,
        "user_by_id of an unknown id"
    );
    expect_already_exists(
        store.create_user(&user(b.id, "admin", Role::Reader)).await,
        "a user with a taken name",
    );
    let same_id = User {
        name: "fresh name".into(),
        ..all[0].clone()
    };
    expect_already_exists(store.create_user(&same_id).await, "a user with a taken id");
    assert_eq!(
        must(store.users().await, "users").len(),
        3,
        "refused users must not be stored"
    );
}

fn token(user_id: Uuid, label: &str) -> ApiToken {
    ApiToken {
        id: Uuid::new_v4(),
        user_id,
        label: label.to_owned(),
        token_hash: format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()),
        created: now(),
        revoked: None,
    }
}

/// Tokens: active lookup by hash, revocation, listing per user, unique hashes, unknown user.
pub async fn tokens<S: Store + ?Sized>(store: &S) {
    let org = organization("A");
    must(store.create_organization(&org).await, "create_organization");
    let u1 = user(org.id, "one", Role::Analyst);
    let u2 = user(org.id, "two", Role::Reader);
    must(store.create_user(&u1).await, "create_user");
    must(store.create_user(&u2).await, "create_user");

    let t1 = token(u1.id, "laptop");
    let t2 = token(u1.id, "ci");
    let t3 = token(u2.id, "مفتاح");
    let already_revoked = ApiToken {
        revoked: Some(now()),
        ..token(u2.id, "old")
    };
    for t in [&t1, &t2, &t3, &already_revoked] {
        must(store.create_token(t).await, "create_token");
    }
    for t in [&t1, &t2, &t3] {
        assert_eq!(
            must(
                store.active_token_by_hash(&t.token_hash).await,
                "active_token_by_hash"
            ),
            Some(t.clone()),
            "active_token_by_hash of the active token `{}`",
            t.label
        );
    }
    assert_eq!(
        must(
            store
                .active_token_by_hash(&already_revoked.token_hash)
                .await,
            "active_token_by_hash"
        ),
        None,
        "a token stored already revoked is not active"
    );
    assert_eq!(
        must(
            store.active_token_by_hash(&"0".repeat(64)).await,
            "active_token_by_hash"
        ),
        None,
        "active_token_by_hash of an unknown hash"
    );

    let sorted = |mut list: Vec<ApiToken>| {
        list.sort_by_key(|t| t.id);
        list
    };
    assert_eq!(
        sorted(must(store.tokens_of_user(u1.id).await, "tokens_of_user")),
        sorted(vec![t1.clone(), t2.clone()]),
        "tokens_of_user of the first user"
    );
    assert_eq!(
        sorted(must(store.tokens_of_user(u2.id).await, "tokens_of_user")),
        sorted(vec![t3.clone(), already_revoked.clone()]),
        "tokens_of_user lists revoked tokens too"
    );
    assert!(
        must(store.tokens_of_user(Uuid::new_v4()).await, "tokens_of_user").is_empty(),
        "tokens_of_user of an unknown user"
    );

    let at = now();
    assert!(
        must(store.revoke_token(t1.id, at).await, "revoke_token"),
        "revoking an active token returns true"
    );
    assert_eq!(
        must(
            store.active_token_by_hash(&t1.token_hash).await,
            "active_token_by_hash"
        ),
        None,
        "a revoked token is no longer found as active"
    );
    assert_eq!(
        must(
            store.active_token_by_hash(&t2.token_hash).await,
            "active_token_by_hash"
        ),
        Some(t2.clone()),
        "revoking one token leaves the user's other tokens active"
    );
    assert!(
        !must(store.revoke_token(t1.id, now()).await, "revoke_token"),
        "revoking an already revoked token returns false"
    );
    assert!(
        !must(
            store.revoke_token(Uuid::new_v4(), now()).await,
            "revoke_token"
        ),
        "revoking an unknown token returns false"
    );
    let revoked = ApiToken {
        revoked: Some(at),
        ..t1.clone()
    };
    assert_eq!(
        sorted(must(store.tokens_of_user(u1.id).await, "tokens_of_user")),
        sorted(vec![revoked, t2.clone()]),
        "tokens_of_user shows the revocation time of the first revocation"
    );

    expect_already_exists(
        store
            .create_token(&ApiToken {
                token_hash: t2.token_hash.clone(),
                ..token(u2.id, "copy")
            })
            .await,
        "a token with a taken hash",
    );
    expect_not_found(
        store.create_token(&token(Uuid::new_v4(), "orphan")).await,
        "a token of a user that does not exist",
    );
}

// ============================================================================================
// API roots and collections
// ============================================================================================

/// API roots: create, list, unique names.
pub async fn api_roots<S: Store + ?Sized>(store: &S) {
    assert!(
        must(store.api_roots().await, "api_roots").is_empty(),
        "a fresh store has no API roots"
    );
    let r1 = ApiRoot {
        name: "alpha".into(),
        title: "Alpha".into(),
        description: Some("الجذر الأول".into()),
    };
    let r2 = ApiRoot {
        name: "beta".into(),
        title: "Beta".into(),
        description: None,
    };
    must(store.create_api_root(&r2).await, "create_api_root");
    must(store.create_api_root(&r1).await, "create_api_root");
    let mut got = must(store.api_roots().await, "api_roots");
    got.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, vec![r1.clone(), r2.clone()], "api_roots() after two");
    expect_already_exists(
        store
            .create_api_root(&ApiRoot {
                title: "Other".into(),
                ..r1.clone()
            })
            .await,
        "an API root with a taken name",
    );
    let mut got = must(store.api_roots().await, "api_roots");
    got.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, vec![r1, r2], "a refused API root must change nothing");
}

fn normalized(mut collection: Collection) -> Collection {
    collection.grants.sort_by_key(|g| g.org_id);
    collection
}

async fn collections_sorted<S: Store + ?Sized>(store: &S, root: &str) -> Vec<Collection> {
    let mut list: Vec<Collection> = must(store.collections(root).await, "collections")
        .into_iter()
        .map(normalized)
        .collect();
    list.sort_by_key(|c| c.id);
    list
}

/// Collections with grants: unknown API root or organization is NotFound and writes nothing;
/// lookups are per API root.
pub async fn collections<S: Store + ?Sized>(store: &S) {
    let a = organization("A");
    let b = organization("B");
    must(store.create_organization(&a).await, "create_organization");
    must(store.create_organization(&b).await, "create_organization");
    for name in ["api1", "api2"] {
        must(
            store
                .create_api_root(&ApiRoot {
                    name: name.into(),
                    title: name.into(),
                    description: None,
                })
                .await,
            "create_api_root",
        );
    }
    let c1 = Collection {
        id: Uuid::new_v4(),
        api_root: "api1".into(),
        title: "Shared indicators".into(),
        description: Some("مؤشرات مشتركة".into()),
        created: now(),
        grants: vec![
            Grant {
                org_id: a.id,
                read: true,
                write: true,
            },
            Grant {
                org_id: b.id,
                read: true,
                write: false,
            },
        ],
    };

    expect_not_found(
        store
            .create_collection(&Collection {
                api_root: "nope".into(),
                ..c1.clone()
            })
            .await,
        "a collection in an API root that does not exist",
    );
    assert!(
        must(store.collections("nope").await, "collections").is_empty(),
        "a refused collection must not be stored"
    );

    let mut bad_grants = c1.clone();
    bad_grants.grants.push(Grant {
        org_id: Uuid::new_v4(),
        read: true,
        write: false,
    });
    expect_not_found(
        store.create_collection(&bad_grants).await,
        "a collection with a grant to an organization that does not exist",
    );
    assert_eq!(
        must(store.collection("api1", c1.id).await, "collection"),
        None,
        "a collection refused for a bad grant must not be stored, not even partly"
    );
    assert!(
        collections_sorted(store, "api1").await.is_empty(),
        "a collection refused for a bad grant must not be listed"
    );

    let mut duplicate_grant = c1.clone();
    duplicate_grant.id = Uuid::new_v4();
    duplicate_grant.grants.push(duplicate_grant.grants[0]);
    assert!(
        store.create_collection(&duplicate_grant).await.is_err(),
        "a collection with two grants for one organization must be refused"
    );
    assert_eq!(
        must(
            store.collection("api1", duplicate_grant.id).await,
            "collection"
        ),
        None,
        "a collection refused for a duplicate grant must not be stored, not even partly"
    );

    must(store.create_collection(&c1).await, "create_collection");
    let c2 = Collection {
        id: Uuid::new_v4(),
        title: "No grants yet".into(),
        description: None,
        grants: Vec::new(),
        ..c1.clone()
    };
    must(store.create_collection(&c2).await, "create_collection");
    let c3 = Collection {
        id: Uuid::new_v4(),
        api_root: "api2".into(),
        ..c1.clone()
    };
    must(store.create_collection(&c3).await, "create_collection");

    assert_eq!(
        must(store.collection("api1", c1.id).await, "collection").map(normalized),
        Some(normalized(c1.clone())),
        "collection() returns the collection with its grants"
    );
    assert_eq!(
        must(store.collection("api2", c1.id).await, "collection"),
        None,
        "collection() of a collection under another API root"
    );
    assert_eq!(
        must(store.collection("api1", Uuid::new_v4()).await, "collection"),
        None,
        "collection() of an unknown id"
    );
    let mut want = vec![normalized(c1.clone()), normalized(c2.clone())];
    want.sort_by_key(|c| c.id);
    assert_eq!(
        collections_sorted(store, "api1").await,
        want,
        "collections(api1)"
    );
    assert_eq!(
        collections_sorted(store, "api2").await,
        vec![normalized(c3.clone())],
        "collections(api2)"
    );

    expect_already_exists(
        store
            .create_collection(&Collection {
                title: "Again".into(),
                grants: Vec::new(),
                ..c1.clone()
            })
            .await,
        "a collection with a taken id",
    );
    assert_eq!(
        must(store.collection("api1", c1.id).await, "collection").map(normalized),
        Some(normalized(c1)),
        "a refused duplicate collection must not change the existing one or its grants"
    );
}

// ============================================================================================
// Ingest
// ============================================================================================

/// Stored objects come back byte-identical: odd numbers, Unicode and escapes, key order,
/// whitespace, a large object.
pub async fn ingest_raw_roundtrip<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let numbers = format!(
        r#"{{"id":"{}","type":"indicator","spec_version":"2.1","modified":"{}","created":"{}","name":"numbers","x_numbers":[1.0e2,-0.0,1E-7,12345678901234567890123,0.1000,1.5E+3,-12e-0],"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#,
        new_id("indicator"),
        stamp(10),
        stamp(0)
    );
    let unicode = sdo(
        "report",
        &new_id("report"),
        &stamp(10),
        r#","description":"تقرير عن حملة تصيّد 🔒 — \u00e9\u0645 \"quoted\" \\ back\/slash \t tab <script>","published":"2020-09-13T12:26:40Z","object_refs":[]"#,
    );
    let pretty = format!(
        "{{\r\n    \"type\": \"malware\",\n\t\"spec_version\" : \"2.1\",\n    \"id\": \"{}\",\n    \"created\": \"{}\",\n    \"modified\": \"{}\",\n    \"name\": \"spaces\",\n    \"is_family\": false\n}}",
        new_id("malware"),
        stamp(0),
        stamp(20)
    );
    let large = sdo(
        "note",
        &new_id("note"),
        &stamp(10),
        &format!(
            r#","content":"{}","object_refs":[]"#,
            "كلمة word ".repeat(20_000)
        ),
    );
    let sent = [numbers, unicode, pretty, large];
    let outcome = ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            sent.iter().map(|r| open(r)).collect(),
        ),
    )
    .await;
    let ids: Vec<String> = sent.iter().map(|r| open(r).header.id).collect();
    assert_eq!(
        outcome
            .status
            .successes
            .iter()
            .map(|d| d.id.clone())
            .collect::<Vec<_>>(),
        ids,
        "the status lists every stored object, in the order sent"
    );
    let stored = everything(store, fx.collection).await;
    assert_eq!(stored.len(), sent.len(), "every object stored once");
    for (raw, id) in sent.iter().zip(&ids) {
        let record = stored
            .iter()
            .find(|r| &r.meta.id == id)
            .unwrap_or_else(|| panic!("{id} not returned"));
        assert_same_text(record.raw.as_deref().unwrap_or(""), raw, id);
        let one = records(
            store,
            fx.collection,
            Visibility::organization(fx.org(1)),
            filter_ids(&[id], VersionMatch::last()),
            Fetch::Objects,
            10,
        )
        .await;
        assert_eq!(one.len(), 1, "{id} by id");
        assert_same_text(one[0].raw.as_deref().unwrap_or(""), raw, id);
    }
}

/// `date_added`: one value for a whole batch, strictly increasing across batches, records of a
/// batch in the order sent, in microseconds near the present.
pub async fn ingest_date_added<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let before = DateAdded::from_timestamp(now());
    let first: Vec<NewObject> = (0..5)
        .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
        .collect();
    let first_ids: Vec<String> = first.iter().map(|o| o.header.id.clone()).collect();
    ingest_new(store, fx.batch(fx.collection, fx.org(0), first)).await;
    let after = DateAdded::from_timestamp(now());
    let stored = everything(store, fx.collection).await;
    assert_eq!(
        id_list(&stored),
        first_ids,
        "the records of one batch come back in the order they were sent"
    );
    let d1 = stored[0].meta.date_added;
    assert!(
        stored.iter().all(|r| r.meta.date_added == d1),
        "all objects of one batch share one date_added: {:?}",
        stored.iter().map(|r| r.meta.date_added).collect::<Vec<_>>()
    );
    let slack = 60_000_000; // a minute, in microseconds
    assert!(
        d1.0 > before.0 - slack && d1.0 < after.0 + slack,
        "date_added {d1:?} must be microseconds since the epoch, near the time of ingest \
         ({before:?}..{after:?})"
    );

    let mut last = d1;
    for i in 0..20 {
        let id = new_id("malware");
        ingest_new(
            store,
            fx.batch(
                fx.collection,
                fx.org(1),
                vec![open(&sdo("malware", &id, &stamp(i), ""))],
            ),
        )
        .await;
        let record = records(
            store,
            fx.collection,
            Visibility::Operator,
            filter_ids(&[&id], VersionMatch::all()),
            Fetch::Metadata,
            10,
        )
        .await;
        let d = record[0].meta.date_added;
        assert!(
            d > last,
            "date_added must strictly increase from batch to batch: {d:?} after {last:?}"
        );
        last = d;
    }
}

/// Concurrent ingests all succeed, each batch with its own `date_added`.
pub async fn concurrent_ingests<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let make = |org: usize| {
        let objects: Vec<NewObject> = (0..5)
            .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
            .collect();
        fx.batch(fx.collection, fx.org(org), objects)
    };
    let batches: Vec<IngestBatch> = (0..6).map(|i| make(i % 3)).collect();
    let id_sets: Vec<BTreeSet<String>> = batches
        .iter()
        .map(|b| b.objects.iter().map(|o| o.header.id.clone()).collect())
        .collect();
    let mut it = batches.into_iter();
    let mut next = || it.next().expect("six batches");
    let (r0, r1, r2, r3, r4, r5) = tokio::join!(
        store.ingest(next()),
        store.ingest(next()),
        store.ingest(next()),
        store.ingest(next()),
        store.ingest(next()),
        store.ingest(next()),
    );
    for result in [r0, r1, r2, r3, r4, r5] {
        let outcome = must(result, "concurrent ingest");
        assert_eq!(
            outcome.stored, 5,
            "each concurrent batch stores its objects"
        );
    }
    let stored = everything(store, fx.collection).await;
    assert_eq!(
        stored.len(),
        30,
        "all objects of six concurrent batches stored"
    );
    let mut dates = BTreeSet::new();
    for ids in &id_sets {
        let batch_dates: BTreeSet<DateAdded> = stored
            .iter()
            .filter(|r| ids.contains(&r.meta.id))
            .map(|r| r.meta.date_added)
            .collect();
        assert_eq!(
            batch_dates.len(),
            1,
            "the objects of one batch share one date_added even under concurrency"
        );
        dates.extend(batch_dates);
    }
    assert_eq!(
        dates.len(),
        6,
        "concurrent batches get distinct date_added values"
    );
}

/// Re-posts: identical (also with other whitespace or key order) is a duplicate, stored once;
/// the same (id, modified) with other content is a failure with a message.
pub async fn ingest_duplicates<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let id = new_id("indicator");
    let modified = stamp(100);
    let original = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"{}","modified":"{modified}","name":"original","pattern":"[file:name = 'a.exe']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","x_n":1.5}}"#,
        stamp(0)
    );
    ingest_new(
        store,
        fx.batch(fx.collection, fx.org(0), vec![open(&original)]),
    )
    .await;
    let first = everything(store, fx.collection).await;
    let shown = version_key(&modified).display();

    let again = ingest(
        store,
        fx.batch(fx.collection, fx.org(1), vec![open(&original)]),
    )
    .await;
    assert_eq!(
        (again.stored, again.duplicates),
        (0, 1),
        "an identical re-post is a duplicate: (stored, duplicates)"
    );
    assert_eq!(
        again.status.successes,
        vec![StatusDetail {
            id: id.clone(),
            version: shown.clone(),
            message: None
        }],
        "a duplicate is a success in the status"
    );
    assert!(
        again.status.failures.is_empty(),
        "a duplicate is no failure"
    );

    let value: serde_json::Value = serde_json::from_str(&original).expect("JSON");
    let pretty = serde_json::to_string_pretty(&value).expect("JSON");
    let reordered = format!(
        r#"{{"x_n":1.5,"valid_from":"2020-01-01T00:00:00Z","pattern_type":"stix","pattern":"[file:name = 'a.exe']","name":"original","modified":"{modified}","created":"{}","id":"{id}","spec_version":"2.1","type":"indicator"}}"#,
        stamp(0)
    );
    for (variant, what) in [
        (&pretty, "other whitespace"),
        (&reordered, "other key order"),
    ] {
        let outcome = ingest(
            store,
            fx.batch(fx.collection, fx.org(0), vec![open(variant)]),
        )
        .await;
        assert_eq!(
            (
                outcome.stored,
                outcome.duplicates,
                outcome.status.failures.len()
            ),
            (0, 1, 0),
            "the same JSON with {what} under the same (id, modified) is a duplicate: \
             (stored, duplicates, failures)"
        );
    }

    let changed = original.replace("\"original\"", "\"changed\"");
    let conflict = ingest(
        store,
        fx.batch(fx.collection, fx.org(0), vec![open(&changed)]),
    )
    .await;
    assert_eq!(
        (conflict.stored, conflict.duplicates),
        (0, 0),
        "other content under a stored (id, modified) is neither stored nor a duplicate"
    );
    assert!(
        conflict.status.successes.is_empty(),
        "a conflicting object is no success"
    );
    assert_eq!(
        conflict.status.failures.len(),
        1,
        "a conflicting object is a failure in the status"
    );
    let failure = &conflict.status.failures[0];
    assert_eq!(
        (&failure.id, &failure.version),
        (&id, &shown),
        "the failure names the object and its version"
    );
    assert!(
        failure
            .message
            .as_deref()
            .is_some_and(|m| !m.trim().is_empty()),
        "the failure of a conflicting object carries a message: {failure:?}"
    );

    let after = everything(store, fx.collection).await;
    assert_eq!(
        after, first,
        "duplicates and conflicts must leave the stored version untouched (raw, date_added, seq)"
    );

    // One batch mixing everything: a new object, a duplicate, a conflict, the new object
    // again (a duplicate within the batch), a later version.
    let other = new_id("malware");
    let other_raw = sdo("malware", &other, &stamp(5), r#","is_family":true"#);
    let later = original.replace(&modified, &stamp(200));
    let other_changed = other_raw.replace("\"n\"", "\"m\"");
    let mixed = ingest(
        store,
        fx.batch(
            fx.collection,
            fx.org(2),
            vec![
                open(&other_raw),
                open(&original),
                open(&changed),
                open(&other_raw),
                open(&later),
                open(&other_changed),
            ],
        ),
    )
    .await;
    assert_eq!(
        (mixed.stored, mixed.duplicates, mixed.status.failures.len()),
        (2, 2, 2),
        "mixed batch: (stored, duplicates, failures); a repeat within one batch is a duplicate \
         and a changed repeat within one batch a conflict"
    );
    let success_ids: Vec<&str> = mixed
        .status
        .successes
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(
        success_ids,
        vec![other.as_str(), id.as_str(), other.as_str(), id.as_str()],
        "successes in the order sent"
    );
    assert_eq!(
        mixed.status.successes[3].version,
        version_key(&stamp(200)).display(),
        "a new version's status shows its own version"
    );
    assert_eq!(
        must(store.count_objects(fx.collection).await, "count_objects"),
        3,
        "three versions stored in all"
    );
}

/// Objects without `created`/`modified` (most SCOs) are versioned by their first `date_added`;
/// an identical re-post is a duplicate, a changed one a new version.
pub async fn ingest_sco<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let id = new_id("ipv4-addr");
    let raw = format!(
        r#"{{"type":"ipv4-addr","spec_version":"2.1","id":"{id}","value":"198.51.100.7"}}"#
    );
    let outcome = ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![open(&raw)])).await;
    let stored = everything(store, fx.collection).await;
    assert_eq!(stored.len(), 1, "the SCO is stored");
    let meta = &stored[0].meta;
    let version = VersionKey::of_date_added(meta.date_added);
    assert_eq!(
        meta.version, version,
        "an object without created/modified has its date_added as version"
    );
    assert_eq!(
        meta.version_text,
        meta.date_added.to_string(),
        "an SCO's version is shown exactly as its date_added"
    );
    assert_eq!(
        outcome.status.successes[0].version,
        meta.date_added.to_string(),
        "the status shows the SCO's date_added version"
    );
    assert_same_text(stored[0].raw.as_deref().unwrap_or(""), &raw, "SCO");

    let spaced = raw.replace(",", ", ");
    for (variant, what) in [(&raw, "identical"), (&spaced, "re-spaced")] {
        let again = ingest(
            store,
            fx.batch(fx.collection, fx.org(1), vec![open(variant)]),
        )
        .await;
        assert_eq!(
            (again.stored, again.duplicates, again.status.failures.len()),
            (0, 1, 0),
            "an {what} re-post of an SCO is a duplicate: (stored, duplicates, failures)"
        );
        assert_eq!(
            again.status.successes[0].version,
            meta.date_added.to_string(),
            "a duplicate SCO's status shows the stored version"
        );
    }
    assert_eq!(
        everything(store, fx.collection).await,
        stored,
        "duplicates leave the SCO untouched"
    );

    let changed = raw.replace("}", r#","x_seen":"again"}"#);
    ingest_new(
        store,
        fx.batch(fx.collection, fx.org(1), vec![open(&changed)]),
    )
    .await;
    let all = everything(store, fx.collection).await;
    assert_eq!(all.len(), 2, "a changed SCO is a new version");
    let newer = &all[1].meta;
    assert!(
        newer.date_added > meta.date_added,
        "the new version is added later"
    );
    assert_eq!(
        newer.version,
        VersionKey::of_date_added(newer.date_added),
        "the new version is its own date_added"
    );
    assert_eq!(
        versions_of(store, fx.collection, &id, VersionMatch::last()).await,
        vec![newer.version.sortable.clone()],
        "the changed SCO is the last version"
    );
    assert_eq!(
        versions_of(
            store,
            fx.collection,
            &id,
            VersionMatch::default().with_first()
        )
        .await,
        vec![meta.version.sortable.clone()],
        "the original SCO is the first version"
    );
}

trait VersionMatchExt {
    fn with_first(self) -> Self;
    fn with_last(self) -> Self;
    fn with_at(self, versions: &[&str]) -> Self;
}

impl VersionMatchExt for VersionMatch {
    fn with_first(mut self) -> Self {
        self.first = true;
        self
    }
    fn with_last(mut self) -> Self {
        self.last = true;
        self
    }
    fn with_at(mut self, versions: &[&str]) -> Self {
        self.at.extend(versions.iter().map(|v| version_key(v)));
        self
    }
}

/// The status resource: successes, failures (rejected at the door and conflicts), all fields,
/// readable afterwards by id within its API root only.
/// A batch that keeps no status (a bulk import) stores its objects, reports its outcome, and
/// leaves no status resource behind.
pub async fn ingest_without_status<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let a = sdo("indicator", &new_id("indicator"), &stamp(1), "");
    let mut batch = fx.batch(fx.collection, fx.org(0), vec![open(&a)]);
    batch.keep_status = false;
    let status_id = batch.status_id;
    let outcome = ingest(store, batch).await;
    assert_eq!(
        (outcome.stored, outcome.duplicates),
        (1, 0),
        "a batch without a kept status still stores its objects"
    );
    assert_eq!(
        everything(store, fx.collection).await.len(),
        1,
        "the object is there"
    );
    assert!(
        must(store.status(&fx.root, status_id).await, "status").is_none(),
        "no status resource is kept"
    );
}

pub async fn ingest_status<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    must(
        store
            .create_api_root(&ApiRoot {
                name: "api2".into(),
                title: "Other root".into(),
                description: None,
            })
            .await,
        "create_api_root",
    );
    let a = sdo("indicator", &new_id("indicator"), &stamp(1), "");
    let b = sdo("malware", &new_id("malware"), &stamp(2), "");
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![open(&a)])).await;
    let a_changed = a.replace("\"n\"", "\"other\"");
    let rejected = vec![
        StatusDetail {
            id: "indicator--00000000-0000-4000-8000-000000000000".into(),
            version: "2020-01-01T00:00:00.000Z".into(),
            message: Some("`pattern` is required".into()),
        },
        StatusDetail {
            id: String::new(),
            version: String::new(),
            message: Some("not a JSON object — ليس كائنًا".into()),
        },
    ];
    let mut batch = fx.batch(fx.collection, fx.org(1), vec![open(&b), open(&a_changed)]);
    batch.rejected = rejected.clone();
    batch.request_timestamp = DateAdded(1_700_000_000_123_456);
    let status_id = batch.status_id;
    let outcome = ingest(store, batch).await;
    let status = &outcome.status;
    assert_eq!(status.id, status_id, "the status has the batch's id");
    assert_eq!(status.api_root, fx.root, "status api_root");
    assert_eq!(status.collection_id, fx.collection, "status collection_id");
    assert_eq!(
        status.owner_org,
        fx.org(1),
        "the status belongs to the submitter"
    );
    assert_eq!(
        status.request_timestamp,
        DateAdded(1_700_000_000_123_456),
        "the status keeps the request timestamp to the microsecond"
    );
    assert_eq!(
        status.state,
        StatusState::Complete,
        "a finished ingest is complete"
    );
    assert!(status.pendings.is_empty(), "nothing pending after ingest");
    assert_eq!(
        status.total_count(),
        4,
        "total count: 2 objects + 2 rejected"
    );
    assert_eq!(
        status.successes,
        vec![StatusDetail {
            id: open(&b).header.id,
            version: version_key(&stamp(2)).display(),
            message: None
        }],
        "status successes"
    );
    let rejected_in_status: Vec<&StatusDetail> = status
        .failures
        .iter()
        .filter(|f| rejected.contains(f))
        .collect();
    assert_eq!(
        rejected_in_status,
        rejected.iter().collect::<Vec<_>>(),
        "every rejected object is a failure in the status, unchanged, in the order received"
    );
    assert!(
        status
            .failures
            .iter()
            .any(|f| f.id == open(&a).header.id && f.message.is_some()),
        "the conflict is a failure in the status: {:?}",
        status.failures
    );
    assert_eq!(
        status.failures.len(),
        3,
        "failures: 2 rejected + 1 conflict"
    );

    assert_eq!(
        must(store.status(&fx.root, status_id).await, "status"),
        Some(status.clone()),
        "the status read back by id equals the one ingest returned"
    );
    assert_eq!(
        must(store.status("api2", status_id).await, "status"),
        None,
        "a status is not found under another API root"
    );
    assert_eq!(
        must(store.status(&fx.root, Uuid::new_v4()).await, "status"),
        None,
        "an unknown status id"
    );

    // Only rejected objects; and an empty request.
    let mut only_rejected = fx.batch(fx.collection, fx.org(2), Vec::new());
    only_rejected.rejected = rejected.clone();
    let outcome = ingest(store, only_rejected).await;
    assert_eq!(
        (
            outcome.stored,
            outcome.duplicates,
            outcome.status.failures.clone()
        ),
        (0, 0, rejected.clone()),
        "a batch of rejected objects only"
    );
    assert_eq!(
        must(store.status(&fx.root, outcome.status.id).await, "status"),
        Some(outcome.status.clone()),
        "the status of a batch of rejected objects only is readable"
    );
    let empty = ingest(store, fx.batch(fx.collection, fx.org(2), Vec::new())).await;
    assert_eq!(empty.status.total_count(), 0, "an empty request");
    assert_eq!(
        must(store.status(&fx.root, empty.status.id).await, "status"),
        Some(empty.status),
        "the status of an empty request is readable"
    );
}

// ============================================================================================
// Versions and deletion
// ============================================================================================

/// First and last versions and `match[version]` combinations, with versions posted out of
/// order (across batches and within one).
pub async fn versions<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let (v1, v2, v3) = (stamp(100), stamp(200), stamp(300));
    let x = new_id("indicator");
    let z = new_id("indicator");
    let y = new_id("malware");
    for v in [&v2, &v3, &v1] {
        ingest_new(
            store,
            fx.batch(
                fx.collection,
                fx.org(0),
                vec![open(&sdo("indicator", &x, v, ""))],
            ),
        )
        .await;
    }
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(1),
            vec![
                open(&sdo("indicator", &z, &v3, "")),
                open(&sdo("malware", &y, &v2, "")),
                open(&sdo("indicator", &z, &v1, "")),
                open(&sdo("indicator", &z, &v2, "")),
            ],
        ),
    )
    .await;
    let key = |v: &str| version_key(v).sortable;
    for id in [&x, &z] {
        let cases: Vec<(VersionMatch, Vec<&String>, &str)> = vec![
            (VersionMatch::default().with_first(), vec![&v1], "first"),
            (VersionMatch::last(), vec![&v3], "last"),
            (VersionMatch::all(), vec![&v1, &v2, &v3], "all"),
            (VersionMatch::default().with_at(&[&v2]), vec![&v2], "at v2"),
            (
                VersionMatch::default().with_first().with_last(),
                vec![&v1, &v3],
                "first + last",
            ),
            (
                VersionMatch::default().with_at(&[&v2]).with_last(),
                vec![&v2, &v3],
                "at v2 + last",
            ),
            (
                VersionMatch::default().with_at(&[&v1, &v3]),
                vec![&v1, &v3],
                "at v1, v3",
            ),
            (
                VersionMatch::default().with_first().with_at(&[&v1]),
                vec![&v1],
                "first + at v1 (once)",
            ),
            (
                VersionMatch::all().with_first(),
                vec![&v1, &v2, &v3],
                "all + first",
            ),
            (
                VersionMatch::default().with_at(&[&stamp(150)]),
                vec![],
                "at a version that does not exist",
            ),
            (
                VersionMatch::default(),
                vec![],
                "no part at all (OR of nothing)",
            ),
        ];
        for (versions, want, what) in cases {
            let want: Vec<String> = want.into_iter().map(|v| key(v)).collect();
            assert_eq!(
                versions_of(store, fx.collection, id, versions).await,
                want,
                "match[version] {what}, versions posted out of order"
            );
        }
    }
    for versions in [VersionMatch::default().with_first(), VersionMatch::last()] {
        assert_eq!(
            versions_of(store, fx.collection, &y, versions.clone()).await,
            vec![key(&v2)],
            "a single version is both first and last ({versions:?})"
        );
    }
    let latest = records(
        store,
        fx.collection,
        Visibility::Operator,
        ObjectFilter::default(),
        Fetch::Metadata,
        100,
    )
    .await;
    let mut latest: Vec<(String, String)> = latest
        .into_iter()
        .map(|r| (r.meta.id, r.meta.version.sortable))
        .collect();
    latest.sort();
    let mut want = vec![
        (x.clone(), key(&v3)),
        (y.clone(), key(&v2)),
        (z.clone(), key(&v3)),
    ];
    want.sort();
    assert_eq!(
        latest, want,
        "the default filter returns the last version of each object"
    );

    // `at` compares instants, not spellings; `created` is the version when `modified` is absent.
    let w = new_id("indicator");
    let created_only = new_id("identity");
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![
                open(&sdo("indicator", &w, "2021-01-01T00:00:00.1Z", "")),
                open(&format!(
                    r#"{{"type":"identity","spec_version":"2.1","id":"{created_only}","created":"2019-05-05T05:05:05.5Z","name":"only created"}}"#
                )),
            ],
        ),
    )
    .await;
    assert_eq!(
        versions_of(
            store,
            fx.collection,
            &w,
            VersionMatch::default().with_at(&["2021-01-01T00:00:00.100000Z"])
        )
        .await,
        vec![key("2021-01-01T00:00:00.1Z")],
        "match[version] at an instant written with another number of fraction digits"
    );
    assert_eq!(
        versions_of(store, fx.collection, &created_only, VersionMatch::all()).await,
        vec![key("2019-05-05T05:05:05.5Z")],
        "an object with created and no modified has created as its version"
    );
}

/// Deleting versions: the first/last flags follow; a visibility that does not admit the object
/// and non-matching filters remove nothing; other collections are untouched.
pub async fn delete_versions<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let other_collection = new_collection(store, &fx.root, &fx.orgs).await;
    let (v1, v2, v3) = (stamp(100), stamp(200), stamp(300));
    let x = new_id("indicator");
    let xs = |v: &str| open(&sdo("indicator", &x, v, ""));
    ingest_new(
        store,
        fx.batch(fx.collection, fx.org(0), vec![xs(&v3), xs(&v1), xs(&v2)]),
    )
    .await;
    ingest_new(
        store,
        fx.batch(other_collection, fx.org(0), vec![xs(&v1), xs(&v2), xs(&v3)]),
    )
    .await;
    let key = |v: &str| version_key(v).sortable;
    let delete = |id: &str, visibility: Visibility, versions: VersionMatch| ObjectDelete {
        collection_id: fx.collection,
        visibility,
        id: id.to_owned(),
        versions,
        spec_versions: Vec::new(),
    };

    let removed = must(
        store
            .delete_object(&delete(&x, Visibility::Operator, VersionMatch::last()))
            .await,
        "delete_object",
    );
    assert_eq!(removed, 1, "deleting the last version removes one");
    assert_eq!(
        versions_of(store, fx.collection, &x, VersionMatch::last()).await,
        vec![key(&v2)],
        "after deleting the last version, the previous one is last"
    );
    assert_eq!(
        versions_of(
            store,
            fx.collection,
            &x,
            VersionMatch::default().with_first()
        )
        .await,
        vec![key(&v1)],
        "deleting the last version leaves the first"
    );

    let nothing = VersionMatch::default();
    for (d, what) in [
        (
            delete(&x, Visibility::Operator, nothing),
            "an empty version match",
        ),
        (
            delete(
                &x,
                Visibility::Operator,
                VersionMatch::default().with_at(&[&v3]),
            ),
            "a version already deleted",
        ),
        (
            delete(
                &new_id("indicator"),
                Visibility::Operator,
                VersionMatch::all(),
            ),
            "an unknown id",
        ),
        (
            ObjectDelete {
                spec_versions: vec!["2.0".into()],
                ..delete(&x, Visibility::Operator, VersionMatch::all())
            },
            "another spec_version",
        ),
    ] {
        assert_eq!(
            must(store.delete_object(&d).await, "delete_object"),
            0,
            "deleting with {what} removes nothing"
        );
    }

    let removed = must(
        store
            .delete_object(&delete(
                &x,
                Visibility::organization(fx.org(2)),
                VersionMatch::default().with_first(),
            ))
            .await,
        "delete_object",
    );
    assert_eq!(
        removed, 1,
        "deleting the first version of an unrestricted object"
    );
    assert_eq!(
        versions_of(
            store,
            fx.collection,
            &x,
            VersionMatch::default().with_first().with_last()
        )
        .await,
        vec![key(&v2)],
        "the only version left is both first and last"
    );
    assert_eq!(
        versions_of(store, other_collection, &x, VersionMatch::all()).await,
        vec![key(&v1), key(&v2), key(&v3)],
        "deletes in one collection leave another collection's copy alone"
    );

    // A restricted object of organization 0.
    let r = new_id("report");
    let restricted = |v: &str| object_from_raw(&sdo("report", &r, v, r#","object_refs":[]"#), true);
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![restricted(&v1), restricted(&v2)],
        ),
    )
    .await;
    for visibility in [
        Visibility::organization(fx.org(1)),
        Visibility::organization(Uuid::new_v4()),
    ] {
        assert_eq!(
            must(
                store
                    .delete_object(&delete(&r, visibility.clone(), VersionMatch::all()))
                    .await,
                "delete_object"
            ),
            0,
            "a delete whose visibility ({visibility:?}) does not admit the object removes nothing"
        );
    }
    assert_eq!(
        versions_of(store, fx.collection, &r, VersionMatch::all()).await,
        vec![key(&v1), key(&v2)],
        "the restricted object is still there"
    );
    assert_eq!(
        must(
            store
                .delete_object(&delete(
                    &r,
                    Visibility::organization(fx.org(0)),
                    VersionMatch::all()
                ))
                .await,
            "delete_object"
        ),
        2,
        "its originator may delete a restricted object"
    );
    let removed = must(
        store
            .delete_object(&ObjectDelete {
                spec_versions: vec!["2.1".into()],
                ..delete(&x, Visibility::Operator, VersionMatch::all())
            })
            .await,
        "delete_object",
    );
    assert_eq!(removed, 1, "deleting with a matching spec_version");
    assert_eq!(
        must(store.count_objects(fx.collection).await, "count_objects"),
        0,
        "everything deleted"
    );
    let again = ingest(
        store,
        fx.batch(fx.collection, fx.org(1), vec![xs(&v3), xs(&v1)]),
    )
    .await;
    assert_eq!(
        (again.stored, again.duplicates),
        (2, 0),
        "versions posted again after their deletion are stored anew: (stored, duplicates)"
    );
    assert_eq!(
        versions_of(
            store,
            fx.collection,
            &x,
            VersionMatch::default().with_first().with_last()
        )
        .await,
        vec![key(&v1), key(&v3)],
        "first and last of versions posted again after deletion"
    );
}

// ============================================================================================
// Queries and paging
// ============================================================================================

/// `match[id]`, `match[type]`, `match[spec_version]`, `added_after`, and their combinations.
pub async fn query_filters<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let ind1 = new_id("indicator");
    let mal1 = new_id("malware");
    let idn1 = new_id("identity");
    let ind2 = new_id("indicator");
    let old = new_id("indicator");
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![
                open(&sdo("indicator", &ind1, &stamp(1), "")),
                open(&sdo("malware", &mal1, &stamp(1), "")),
                open(&sdo("identity", &idn1, &stamp(1), "")),
            ],
        ),
    )
    .await;
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(1),
            vec![
                open(&sdo("indicator", &ind2, &stamp(1), "")),
                open(&sdo("indicator", &old, &stamp(1), "").replace("\"2.1\"", "\"2.0\"")),
            ],
        ),
    )
    .await;
    let all = everything(store, fx.collection).await;
    assert_eq!(
        id_list(&all),
        vec![&ind1, &mal1, &idn1, &ind2, &old]
            .into_iter()
            .cloned()
            .collect::<Vec<_>>(),
        "every object, in date_added order"
    );
    let d1 = all[0].meta.date_added;
    let d2 = all[3].meta.date_added;
    assert!(d1 < d2, "the second batch was added later");
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cases: Vec<(ObjectFilter, Vec<&String>, &str)> = vec![
        (
            ObjectFilter {
                ids: strings(&[&mal1, &ind1]),
                ..ObjectFilter::default()
            },
            vec![&ind1, &mal1],
            "ids",
        ),
        (
            ObjectFilter {
                ids: strings(&["indicator--00000000-0000-4000-8000-000000000000"]),
                ..ObjectFilter::default()
            },
            vec![],
            "an unknown id",
        ),
        (
            ObjectFilter {
                types: strings(&["indicator"]),
                ..ObjectFilter::default()
            },
            vec![&ind1, &ind2, &old],
            "one type",
        ),
        (
            ObjectFilter {
                types: strings(&["malware", "identity"]),
                ..ObjectFilter::default()
            },
            vec![&mal1, &idn1],
            "two types",
        ),
        (
            ObjectFilter {
                spec_versions: strings(&["2.0"]),
                ..ObjectFilter::default()
            },
            vec![&old],
            "spec_version 2.0",
        ),
        (
            ObjectFilter {
                spec_versions: strings(&["2.1"]),
                ..ObjectFilter::default()
            },
            vec![&ind1, &mal1, &idn1, &ind2],
            "spec_version 2.1",
        ),
        (
            ObjectFilter {
                spec_versions: strings(&["2.1", "2.0"]),
                ..ObjectFilter::default()
            },
            vec![&ind1, &mal1, &idn1, &ind2, &old],
            "both spec_versions",
        ),
        (
            ObjectFilter {
                added_after: Some(d1),
                ..ObjectFilter::default()
            },
            vec![&ind2, &old],
            "added_after the first batch (strictly after)",
        ),
        (
            ObjectFilter {
                added_after: Some(DateAdded(d1.0 - 1)),
                ..ObjectFilter::default()
            },
            vec![&ind1, &mal1, &idn1, &ind2, &old],
            "added_after just before the first batch",
        ),
        (
            ObjectFilter {
                added_after: Some(d2),
                ..ObjectFilter::default()
            },
            vec![],
            "added_after the last batch",
        ),
        (
            ObjectFilter {
                types: strings(&["indicator"]),
                ids: strings(&[&ind1, &mal1]),
                ..ObjectFilter::default()
            },
            vec![&ind1],
            "types and ids (AND)",
        ),
        (
            ObjectFilter {
                types: strings(&["indicator"]),
                added_after: Some(d1),
                spec_versions: strings(&["2.1"]),
                ..ObjectFilter::default()
            },
            vec![&ind2],
            "type, added_after and spec_version",
        ),
    ];
    for (filter, want, what) in cases {
        for limit in [1, 2, 100] {
            let got = records(
                store,
                fx.collection,
                Visibility::Operator,
                filter.clone(),
                Fetch::Objects,
                limit,
            )
            .await;
            assert_eq!(
                id_list(&got),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "filter {what}, pages of {limit}"
            );
        }
    }
}

/// `limit` and `more`: `more` says whether further *matching* records follow.
pub async fn query_limit_and_more<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let query = |limit: usize, filter: ObjectFilter, visibility: Visibility| ObjectQuery {
        collection_id: fx.collection,
        visibility,
        filter,
        after: None,
        limit,
        fetch: Fetch::Objects,
    };
    let page = must(
        store
            .query_objects(&query(10, ObjectFilter::default(), Visibility::Operator))
            .await,
        "query_objects",
    );
    assert!(
        page.records.is_empty() && !page.more,
        "an empty collection gives an empty last page: {page:?}"
    );

    let types = ["indicator", "malware", "indicator", "malware", "malware"];
    let objects: Vec<NewObject> = types
        .iter()
        .map(|t| open(&sdo(t, &new_id(t), &stamp(1), "")))
        .collect();
    let ids: Vec<String> = objects.iter().map(|o| o.header.id.clone()).collect();
    ingest_new(store, fx.batch(fx.collection, fx.org(0), objects)).await;
    for (limit, count, more) in [(1, 1, true), (4, 4, true), (5, 5, false), (6, 5, false)] {
        let page = must(
            store
                .query_objects(&query(limit, ObjectFilter::default(), Visibility::Operator))
                .await,
            "query_objects",
        );
        assert_eq!(
            (page.records.len(), page.more),
            (count, more),
            "limit {limit} over 5 objects: (records, more)"
        );
        assert_eq!(
            id_list(&page.records),
            ids[..count],
            "limit {limit}: the first records"
        );
    }
    let mut after = None;
    let mut seen = Vec::new();
    for (count, more) in [(2, true), (2, true), (1, false)] {
        let page = must(
            store
                .query_objects(&ObjectQuery {
                    after,
                    ..query(2, ObjectFilter::default(), Visibility::Operator)
                })
                .await,
            "query_objects",
        );
        assert_eq!(
            (page.records.len(), page.more),
            (count, more),
            "paging by 2 over 5: (records, more)"
        );
        seen.extend(id_list(&page.records));
        after = page.next_cursor();
    }
    assert_eq!(seen, ids, "paging by 2 returns every object once, in order");

    let indicators = ObjectFilter {
        types: vec!["indicator".into()],
        ..ObjectFilter::default()
    };
    let page = must(
        store
            .query_objects(&query(2, indicators, Visibility::Operator))
            .await,
        "query_objects",
    );
    assert_eq!(
        (page.records.len(), page.more),
        (2, false),
        "more counts only matching records (2 indicators among 5, limit 2)"
    );

    let hidden = object_from_raw(&sdo("malware", &new_id("malware"), &stamp(1), ""), true);
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![hidden])).await;
    let page = must(
        store
            .query_objects(&query(
                5,
                ObjectFilter::default(),
                Visibility::organization(fx.org(1)),
            ))
            .await,
        "query_objects",
    );
    assert_eq!(
        (page.records.len(), page.more),
        (5, false),
        "more counts only visible records (a restricted object of another organization follows)"
    );
    let page = must(
        store
            .query_objects(&query(
                5,
                ObjectFilter::default(),
                Visibility::organization(fx.org(0)),
            ))
            .await,
        "query_objects",
    );
    assert_eq!(
        (page.records.len(), page.more),
        (5, true),
        "the originator sees its restricted object after the first five"
    );
}

/// 2,500 objects of one batch share one `date_added`; paging with `after` cursors returns each
/// exactly once, in the order sent.
pub async fn paging_same_date_added<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let objects: Vec<NewObject> = (0..2500)
        .map(|i| {
            let t = if i % 2 == 0 { "indicator" } else { "malware" };
            open(&sdo(t, &new_id(t), &stamp(i), ""))
        })
        .collect();
    let ids: Vec<String> = objects.iter().map(|o| o.header.id.clone()).collect();
    let outcome = ingest(store, fx.batch(fx.collection, fx.org(0), objects)).await;
    assert_eq!(outcome.stored, 2500, "2,500 objects stored");
    for limit in [100, 333, 2500, 5000] {
        let got = records(
            store,
            fx.collection,
            Visibility::organization(fx.org(1)),
            ObjectFilter::default(),
            Fetch::Metadata,
            limit,
        )
        .await;
        let dates: BTreeSet<DateAdded> = got.iter().map(|r| r.meta.date_added).collect();
        assert_eq!(dates.len(), 1, "one batch, one date_added");
        assert_eq!(
            got.len(),
            2500,
            "pages of {limit} over 2,500 objects sharing one date_added: each exactly once"
        );
        assert!(
            id_list(&got) == ids,
            "pages of {limit} over 2,500 objects sharing one date_added: in the order sent"
        );
    }
    let malware = records(
        store,
        fx.collection,
        Visibility::Operator,
        ObjectFilter {
            types: vec!["malware".into()],
            ..ObjectFilter::default()
        },
        Fetch::Metadata,
        97,
    )
    .await;
    let want: Vec<String> = ids.iter().skip(1).step_by(2).cloned().collect();
    assert!(
        id_list(&malware) == want,
        "pages of 97 over the 1,250 malware objects: each exactly once, in order (got {})",
        malware.len()
    );
}

/// Writes between pages (new objects, new versions of objects already paged and not yet paged)
/// cause no skip and no repeat.
pub async fn paging_with_writes<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let mut planned: Vec<String> = Vec::new(); // object ids, in ingest order
    for _ in 0..3 {
        let objects: Vec<NewObject> = (0..100)
            .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
            .collect();
        planned.extend(objects.iter().map(|o| o.header.id.clone()));
        ingest_new(store, fx.batch(fx.collection, fx.org(0), objects)).await;
    }
    let before: Vec<ObjectRecord> = everything(store, fx.collection).await;
    let original: BTreeSet<(String, String)> = before
        .iter()
        .map(|r| (r.meta.id.clone(), r.meta.version.sortable.clone()))
        .collect();
    let mut written: BTreeSet<(String, String)> = BTreeSet::new();
    let mut seen: Vec<ObjectRecord> = Vec::new();
    let mut after = None;
    for page_number in 0..100 {
        let page = must(
            store
                .query_objects(&ObjectQuery {
                    collection_id: fx.collection,
                    visibility: Visibility::organization(fx.org(2)),
                    filter: filter_all(),
                    after,
                    limit: 40,
                    fetch: Fetch::Metadata,
                })
                .await,
            "query_objects",
        );
        seen.extend(page.records.iter().cloned());
        let Some(cursor) = page.next_cursor() else {
            break;
        };
        after = Some(cursor);
        if page_number < 8 {
            // New objects, a new version of an object already returned, and of one not yet.
            let paged = &planned[page_number * 40];
            let unpaged = &planned[299 - page_number];
            let version = stamp(1000 + page_number as i64);
            let mut objects: Vec<NewObject> = (0..5)
                .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
                .collect();
            objects.push(open(&sdo("indicator", paged, &version, "")));
            objects.push(open(&sdo("indicator", unpaged, &version, "")));
            written.extend(objects.iter().map(|o| {
                (
                    o.header.id.clone(),
                    version_key(&sdo_modified(&o.raw)).sortable,
                )
            }));
            ingest_new(store, fx.batch(fx.collection, fx.org(1), objects)).await;
        }
    }
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in &seen {
        *counts
            .entry((record.meta.id.clone(), record.meta.version.sortable.clone()))
            .or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "records repeated while paging: {repeated:?}"
    );
    let missing: Vec<_> = original
        .iter()
        .chain(&written)
        .filter(|k| !counts.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "records skipped while paging with writes between pages: {missing:?}"
    );
    assert_eq!(
        seen.len(),
        original.len() + written.len(),
        "paging returned records that were never written"
    );
    for pair in seen.windows(2) {
        assert!(
            pair[0].meta.cursor() < pair[1].meta.cursor(),
            "records out of order across pages"
        );
    }
}

fn sdo_modified(raw: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(raw).expect("JSON");
    value["modified"].as_str().expect("modified").to_owned()
}

/// `Fetch::Metadata` returns the same records without raw text; the metadata is right.
pub async fn fetch_metadata<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let a = object_from_raw(&sdo("indicator", &new_id("indicator"), &stamp(7), ""), true);
    let b = open(&sdo("malware", &new_id("malware"), &stamp(8), "").replace("\"2.1\"", "\"2.0\""));
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![a.clone()])).await;
    ingest_new(store, fx.batch(fx.collection, fx.org(1), vec![b.clone()])).await;
    let full = everything(store, fx.collection).await;
    let bare = records(
        store,
        fx.collection,
        Visibility::Operator,
        filter_all(),
        Fetch::Metadata,
        10,
    )
    .await;
    assert!(
        bare.iter().all(|r| r.raw.is_none()),
        "Fetch::Metadata returns no raw text"
    );
    assert!(
        full.iter().all(|r| r.raw.is_some()),
        "Fetch::Objects returns raw text"
    );
    assert_eq!(
        metas(&bare),
        metas(&full),
        "the same metadata with and without raw"
    );
    for (record, (object, org)) in full.iter().zip([(&a, fx.org(0)), (&b, fx.org(1))]) {
        let meta = &record.meta;
        let want = (
            object.header.id.as_str(),
            object.header.object_type.as_str(),
            object.header.spec_version.as_str(),
            VersionKey::of(object.header.version().expect("version")),
            org,
            object.restricted,
        );
        assert_eq!(
            (
                meta.id.as_str(),
                meta.object_type.as_str(),
                meta.spec_version.as_str(),
                meta.version.clone(),
                meta.originator_org,
                meta.restricted
            ),
            want,
            "metadata: (id, type, spec_version, version, originator, restricted)"
        );
    }
}

/// Each collection keeps its own objects: the same object in two collections is stored in
/// both, and the same (id, modified) with other content is no conflict across collections.
pub async fn collections_are_separate<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let second = new_collection(store, &fx.root, &fx.orgs).await;
    let id = new_id("indicator");
    let raw = sdo("indicator", &id, &stamp(1), "");
    let other = raw.replace("\"n\"", "\"different\"");
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![open(&raw)])).await;
    ingest_new(store, fx.batch(second, fx.org(0), vec![open(&raw)])).await;
    let third = new_collection(store, &fx.root, &fx.orgs).await;
    ingest_new(store, fx.batch(third, fx.org(0), vec![open(&other)])).await;
    for (collection, text) in [(fx.collection, &raw), (second, &raw), (third, &other)] {
        let all = everything(store, collection).await;
        assert_eq!(all.len(), 1, "each collection holds its own copy");
        assert_same_text(
            all[0].raw.as_deref().unwrap_or(""),
            text,
            "per-collection copy",
        );
    }
    let removed = must(
        store
            .delete_object(&ObjectDelete {
                collection_id: second,
                visibility: Visibility::Operator,
                id: id.clone(),
                versions: VersionMatch::all(),
                spec_versions: Vec::new(),
            })
            .await,
        "delete_object",
    );
    assert_eq!(removed, 1, "delete in one collection");
    assert_eq!(
        everything(store, fx.collection).await.len(),
        1,
        "a delete in one collection leaves the others"
    );
    assert!(
        everything(store, Uuid::new_v4()).await.is_empty(),
        "an unknown collection has no objects"
    );
}

/// `count_objects` counts stored versions, regardless of visibility.
pub async fn count_objects<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let count = |c: Uuid| async move { must(store.count_objects(c).await, "count_objects") };
    assert_eq!(
        count(Uuid::new_v4()).await,
        0,
        "an unknown collection counts 0"
    );
    assert_eq!(
        count(fx.collection).await,
        0,
        "an empty collection counts 0"
    );
    let x = new_id("indicator");
    let objects = vec![
        open(&sdo("indicator", &x, &stamp(1), "")),
        open(&sdo("indicator", &x, &stamp(2), "")),
        open(&sdo("indicator", &x, &stamp(3), "")),
        object_from_raw(&sdo("malware", &new_id("malware"), &stamp(1), ""), true),
        open(&format!(
            r#"{{"type":"domain-name","spec_version":"2.1","id":"{}","value":"example.com"}}"#,
            new_id("domain-name")
        )),
    ];
    ingest_new(store, fx.batch(fx.collection, fx.org(0), objects.clone())).await;
    assert_eq!(
        count(fx.collection).await,
        5,
        "every version counts, restricted too"
    );
    let mut conflicting = objects[0].clone();
    conflicting.raw = conflicting.raw.replace("\"n\"", "\"m\"");
    ingest(
        store,
        fx.batch(
            fx.collection,
            fx.org(1),
            vec![objects[1].clone(), conflicting],
        ),
    )
    .await;
    assert_eq!(
        count(fx.collection).await,
        5,
        "duplicates and conflicts add nothing"
    );
    let removed = must(
        store
            .delete_object(&ObjectDelete {
                collection_id: fx.collection,
                visibility: Visibility::Operator,
                id: x,
                versions: VersionMatch::default().with_first(),
                spec_versions: Vec::new(),
            })
            .await,
        "delete_object",
    );
    assert_eq!(removed, 1, "delete the first version");
    assert_eq!(
        count(fx.collection).await,
        4,
        "a deleted version no longer counts"
    );
    let other = new_collection(store, &fx.root, &fx.orgs).await;
    assert_eq!(count(other).await, 0, "counts are per collection");
}

// ============================================================================================
// Visibility: the backend's translation agrees with `Visibility::admits`
// ============================================================================================

/// For a few hundred generated collections (objects restricted or not, submitted by three
/// organizations) and every visibility, `query_objects` returns exactly the records the
/// operator sees that [`Visibility::admits`] admits, in the same order, also combined with
/// id and type filters and small pages.
pub async fn visibility_query_matches_admits<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let outsider = Uuid::new_v4();
    let seed = base_seed();
    for case in 0..VISIBILITY_CASES {
        let mut rng = Rng(seed.wrapping_add(case));
        let (collection, planned) = generate_case(store, &fx, &mut rng).await;
        let context = format!(
            "visibility case {case} (reproduce with {SEED_VARIABLE}={seed}); versions \
             (id, version, originator, restricted, groups, addressee, origin): {planned:?}"
        );
        let operator = records(
            store,
            collection,
            Visibility::Operator,
            filter_all(),
            Fetch::Metadata,
            1000,
        )
        .await;
        let mut stored: Vec<Planned> = operator
            .iter()
            .map(|r| {
                (
                    r.meta.id.clone(),
                    r.meta.version.sortable.clone(),
                    r.meta.originator_org,
                    r.meta.restricted,
                    r.meta.groups.clone(),
                    r.meta.addressee_org,
                    r.meta.origin_node,
                )
            })
            .collect();
        stored.sort();
        let mut want = planned.clone();
        want.sort();
        assert_eq!(
            stored, want,
            "{context}: the operator sees every version as stored"
        );

        let ids: BTreeSet<&String> = planned.iter().map(|p| &p.0).collect();
        for visibility in case_visibilities(&fx, outsider) {
            let mut filter = filter_all();
            match rng.below(3) {
                0 => {}
                1 => {
                    filter.ids = ids
                        .iter()
                        .filter(|_| rng.chance(50))
                        .map(|s| s.to_string())
                        .collect()
                }
                _ => {
                    filter.types = GENERATED_TYPES
                        .iter()
                        .filter(|_| rng.chance(50))
                        .map(|s| s.to_string())
                        .collect()
                }
            }
            let limit = 1 + rng.below(6);
            let got = records(
                store,
                collection,
                visibility.clone(),
                filter.clone(),
                Fetch::Metadata,
                limit,
            )
            .await;
            let want: Vec<ObjectMeta> = operator
                .iter()
                .map(|r| r.meta.clone())
                .filter(|m| filter_selects(&filter, m) && visibility.admits(m))
                .collect();
            assert_eq!(
                metas(&got),
                want,
                "{context}: query_objects with {visibility:?}, ids {:?}, types {:?}, pages of \
                 {limit} must return exactly the records Visibility::admits admits",
                filter.ids,
                filter.types
            );
        }
    }
}

/// For a few hundred generated collections, `delete_object` with a random visibility (and all
/// versions, or some) removes exactly the versions [`Visibility::admits`] admits, and the
/// first/last versions of what is left are right.
pub async fn visibility_delete_matches_admits<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let outsider = Uuid::new_v4();
    let visibilities = case_visibilities(&fx, outsider);
    let seed = base_seed() ^ 0xde1e7e;
    for case in 0..VISIBILITY_CASES {
        let mut rng = Rng(seed.wrapping_add(case));
        let (collection, planned) = generate_case(store, &fx, &mut rng).await;
        let context = format!(
            "delete case {case} (reproduce with {SEED_VARIABLE}={}); versions \
             (id, version, originator, restricted, groups, addressee, origin): {planned:?}",
            seed ^ 0xde1e7e
        );
        let mut remaining = metas(
            &records(
                store,
                collection,
                Visibility::Operator,
                filter_all(),
                Fetch::Metadata,
                1000,
            )
            .await,
        );
        let mut ids: Vec<String> = planned
            .iter()
            .map(|p| p.0.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        rng.shuffle(&mut ids);
        for id in ids {
            let visibility = visibilities[rng.below(visibilities.len())].clone();
            let versions = if rng.chance(50) {
                VersionMatch::all()
            } else {
                let mut at: Vec<VersionKey> = planned
                    .iter()
                    .filter(|p| p.0 == id && rng.chance(50))
                    .map(|p| VersionKey {
                        sortable: p.1.clone(),
                    })
                    .collect();
                if rng.chance(20) {
                    at.push(version_key(&stamp(5000)));
                }
                VersionMatch {
                    at,
                    ..VersionMatch::default()
                }
            };
            let expected: Vec<ObjectMeta> = remaining
                .iter()
                .filter(|m| {
                    m.id == id
                        && visibility.admits(m)
                        && (versions.all || versions.at.contains(&m.version))
                })
                .cloned()
                .collect();
            let removed = must(
                store
                    .delete_object(&ObjectDelete {
                        collection_id: collection,
                        visibility: visibility.clone(),
                        id: id.clone(),
                        versions: versions.clone(),
                        spec_versions: Vec::new(),
                    })
                    .await,
                "delete_object",
            );
            assert_eq!(
                removed,
                expected.len() as u64,
                "{context}: delete_object({id}, {visibility:?}, {versions:?}) must remove \
                 exactly the matching versions Visibility::admits admits: {expected:?}"
            );
            remaining.retain(|m| !expected.contains(m));
            let now = metas(
                &records(
                    store,
                    collection,
                    Visibility::Operator,
                    filter_all(),
                    Fetch::Metadata,
                    1000,
                )
                .await,
            );
            assert_eq!(
                now, remaining,
                "{context}: after delete_object({id}, {visibility:?}, {versions:?}), what is left"
            );
            let left: Vec<String> = remaining
                .iter()
                .filter(|m| m.id == id)
                .map(|m| m.version.sortable.clone())
                .collect();
            let first: Vec<String> = left.iter().min().cloned().into_iter().collect();
            let last: Vec<String> = left.iter().max().cloned().into_iter().collect();
            assert_eq!(
                versions_of(store, collection, &id, VersionMatch::default().with_first()).await,
                first,
                "{context}: the first version after delete_object({id}, {visibility:?}, {versions:?})"
            );
            assert_eq!(
                versions_of(store, collection, &id, VersionMatch::last()).await,
                last,
                "{context}: the last version after delete_object({id}, {visibility:?}, {versions:?})"
            );
        }
    }
}

/// A reader paging while several batches are ingested concurrently sees every record exactly
/// once: a cursor never passes a `date_added` that a later commit still fills in.
pub async fn paging_during_concurrent_ingests<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    page_while_writing(&fx, store, [store, store, store]).await;
}

/// For backends whose database several handles (processes) share, which the [`Store`] contract
/// demands: `first` and `second` are two handles on one fresh, empty database. Each sees the
/// other's writes; concurrent ingests through both all succeed, get distinct `date_added`
/// values, and a reader paging meanwhile misses nothing. Not part of
/// [`conformance_tests!`](crate::conformance_tests), whose checks take one store: a backend's
/// test file calls it with two handles it opened.
pub async fn shared_database<S: Store + ?Sized>(first: &S, second: &S) {
    let fx = fixture(first).await;
    assert_eq!(
        must(
            second.organization_by_name("Org B").await,
            "organization_by_name"
        ),
        Some(fx.orgs[1].clone()),
        "a second handle sees the first handle's writes"
    );
    page_while_writing(&fx, second, [first, second, first]).await;
    page_while_writing(&fx, first, [second, first, second]).await;
}

/// Six rounds of three concurrent ingests (through `writers`) while `reader` pages through the
/// collection with a cursor; then checks that the reader saw every record exactly once and that
/// every batch got its own `date_added`.
async fn page_while_writing<S: Store + ?Sized>(fx: &Fixture, reader: &S, writers: [&S; 3]) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let collection = new_collection(writers[0], &fx.root, &fx.orgs).await;
    let make = |org: usize| {
        let objects: Vec<NewObject> = (0..4)
            .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
            .collect();
        fx.batch(collection, fx.org(org), objects)
    };
    let batches: Vec<[IngestBatch; 3]> = (0..6).map(|_| [make(0), make(1), make(2)]).collect();
    let id_sets: Vec<BTreeSet<String>> = batches
        .iter()
        .flatten()
        .map(|b| b.objects.iter().map(|o| o.header.id.clone()).collect())
        .collect();
    let written: BTreeSet<String> = id_sets.iter().flatten().cloned().collect();
    let done = AtomicBool::new(false);
    let writing = async {
        for [a, b, c] in batches {
            let (ra, rb, rc) = tokio::join!(
                writers[0].ingest(a),
                writers[1].ingest(b),
                writers[2].ingest(c)
            );
            for result in [ra, rb, rc] {
                must(result, "concurrent ingest");
            }
        }
        done.store(true, Ordering::SeqCst);
    };
    let reading = async {
        let mut seen: Vec<ObjectRecord> = Vec::new();
        let mut after = None;
        loop {
            let finished = done.load(Ordering::SeqCst);
            loop {
                let page = must(
                    reader
                        .query_objects(&ObjectQuery {
                            collection_id: collection,
                            visibility: Visibility::organization(fx.org(0)),
                            filter: ObjectFilter::default(),
                            after,
                            limit: 7,
                            fetch: Fetch::Metadata,
                        })
                        .await,
                    "query_objects",
                );
                if let Some(last) = page.records.last() {
                    after = Some(last.meta.cursor());
                }
                seen.extend(page.records);
                if !page.more {
                    break;
                }
            }
            if finished {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    let ((), seen) = tokio::join!(writing, reading);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for record in &seen {
        *counts.entry(record.meta.id.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "records repeated while paging during concurrent ingests: {repeated:?}"
    );
    let missed: Vec<&String> = written
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    assert!(
        missed.is_empty(),
        "a reader paging during concurrent ingests missed {} of {} records (a cursor passed a \
         date_added that a later commit filled in): {missed:?}",
        missed.len(),
        written.len()
    );
    let stored = everything(writers[0], collection).await;
    let mut dates = BTreeSet::new();
    for ids in &id_sets {
        let batch_dates: BTreeSet<DateAdded> = stored
            .iter()
            .filter(|r| ids.contains(&r.meta.id))
            .map(|r| r.meta.date_added)
            .collect();
        assert_eq!(
            batch_dates.len(),
            1,
            "the objects of one batch share one date_added"
        );
        dates.extend(batch_dates);
    }
    assert_eq!(
        dates.len(),
        id_sets.len(),
        "concurrent batches get distinct date_added values"
    );
}

/// The largest requests the TAXII layer lets through: 1,000 values in each `match[...]`
/// parameter; and a page size beyond any database's integer range.
pub async fn query_large_inputs<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let objects: Vec<NewObject> = (0..10)
        .map(|i| open(&sdo("indicator", &new_id("indicator"), &stamp(i), "")))
        .collect();
    let ids: Vec<String> = objects.iter().map(|o| o.header.id.clone()).collect();
    ingest_new(store, fx.batch(fx.collection, fx.org(0), objects)).await;
    let mut many_ids: Vec<String> = (0..990).map(|_| new_id("indicator")).collect();
    many_ids.extend(ids.iter().step_by(2).cloned());
    let mut many_types: Vec<String> = (0..999).map(|i| format!("x-type-{i}")).collect();
    many_types.push("indicator".into());
    let mut many_versions: Vec<VersionKey> =
        (0..999).map(|i| version_key(&stamp(10_000 + i))).collect();
    many_versions.push(version_key(&stamp(3)));
    let filter = ObjectFilter {
        ids: many_ids,
        types: many_types,
        spec_versions: (0..999)
            .map(|i| format!("9.{i}"))
            .chain(["2.1".to_string()])
            .collect(),
        versions: VersionMatch {
            at: many_versions,
            last: true,
            ..VersionMatch::default()
        },
        added_after: None,
    };
    let got = records(
        store,
        fx.collection,
        Visibility::organization(fx.org(1)),
        filter,
        Fetch::Objects,
        1000,
    )
    .await;
    let want: Vec<String> = ids.iter().step_by(2).cloned().collect();
    assert_eq!(
        id_list(&got),
        want,
        "1,000 values in each of match[id], match[type], match[spec_version], match[version]"
    );

    for limit in [usize::MAX, i64::MAX as usize, u32::MAX as usize] {
        let page = must(
            store
                .query_objects(&ObjectQuery {
                    collection_id: fx.collection,
                    visibility: Visibility::Operator,
                    filter: ObjectFilter::default(),
                    after: None,
                    limit,
                    fetch: Fetch::Metadata,
                })
                .await,
            "query_objects with a huge limit",
        );
        assert_eq!(
            (page.records.len(), page.more),
            (10, false),
            "a limit of {limit} returns everything on one page: (records, more)"
        );
    }
}

// ============================================================================================
// Schema and copying a store
// ============================================================================================

/// An opened store has every migration applied.
pub async fn schema_version<S: Store + ?Sized>(store: &S) {
    let version = must(store.schema_version().await, "schema_version");
    assert!(version.expected >= 1, "there is at least one migration");
    assert_eq!(
        version.current, version.expected,
        "opening a store applies every migration"
    );
}

/// A copied batch keeps the source's `date_added` and sequence numbers, so that cursors and
/// `added_after` values stay valid; ordinary ingests afterwards come after it in both.
pub async fn replica_placement<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let early = DateAdded(1_700_000_000_000_000);
    let a = sdo("indicator", &new_id("indicator"), &stamp(1), "");
    let b = sdo("malware", &new_id("malware"), &stamp(2), "");
    let mut batch = fx.batch(fx.collection, fx.org(1), vec![open(&a), open(&b)]);
    batch.keep_status = false;
    batch.replica = Some(ReplicaPlacement {
        date_added: early,
        seqs: vec![1_000, 1_007],
    });
    ingest_new(store, batch).await;
    // A later copied batch, then an ordinary one.
    let later = DateAdded(early.0 + 5_000_000);
    let c = sdo("indicator", &new_id("indicator"), &stamp(3), "");
    let mut batch = fx.batch(fx.collection, fx.org(2), vec![open(&c)]);
    batch.keep_status = false;
    batch.replica = Some(ReplicaPlacement {
        date_added: later,
        seqs: vec![2_000],
    });
    ingest_new(store, batch).await;
    let d = sdo("indicator", &new_id("indicator"), &stamp(4), "");
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![open(&d)])).await;

    let all = everything(store, fx.collection).await;
    let placed: Vec<(String, DateAdded, i64, Uuid)> = all
        .iter()
        .map(|r| {
            (
                r.raw.clone().unwrap_or_default(),
                r.meta.date_added,
                r.meta.seq,
                r.meta.originator_org,
            )
        })
        .collect();
    assert_eq!(placed.len(), 4, "four objects stored");
    assert_eq!(
        placed[..3],
        [
            (a, early, 1_000, fx.org(1)),
            (b, early, 1_007, fx.org(1)),
            (c, later, 2_000, fx.org(2)),
        ],
        "copied objects keep their date_added, sequence number and originator"
    );
    let (ref raw, date_added, seq, _) = placed[3];
    assert_eq!(raw, &d, "the ordinary ingest comes last");
    assert!(
        date_added > later && seq > 2_000,
        "an ingest after a copy gets a later date_added ({date_added:?}) and sequence ({seq})"
    );
}

/// Status resources can be listed in pages and stored as they are.
pub async fn statuses_copy<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let mut kept = Vec::new();
    for i in 0..5 {
        let a = sdo("indicator", &new_id("indicator"), &stamp(i), "");
        kept.push(
            ingest(store, fx.batch(fx.collection, fx.org(0), vec![open(&a)]))
                .await
                .status,
        );
    }
    kept.sort_by_key(|s| s.id);
    let mut listed = Vec::new();
    let mut after = None;
    loop {
        let page = must(store.statuses_page(after, 2).await, "statuses_page");
        assert!(page.len() <= 2, "a page holds at most `limit` statuses");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        listed.extend(page);
    }
    assert_eq!(listed, kept, "every status, in id order, exactly as stored");

    let copied = Status {
        id: Uuid::new_v4(),
        request_timestamp: DateAdded(1_700_000_000_123_456),
        ..kept[0].clone()
    };
    must(store.restore_status(&copied).await, "restore_status");
    assert_eq!(
        must(store.status(&fx.root, copied.id).await, "status"),
        Some(copied.clone()),
        "a restored status reads back as it was"
    );
    expect_already_exists(
        store.restore_status(&copied).await,
        "restoring a status whose id exists",
    );
}

/// Signatures of object versions: stored once per (object, version, signer), read back by
/// object in version then signer order, kept apart per collection.
pub async fn signatures<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let sig = |id: &str, version: &str, signer: &str| StoredSignature {
        object_id: id.to_owned(),
        version: version.to_owned(),
        signer: signer.to_owned(),
        companion: format!(r#"{{"object_ref":"{id}","signer":"{signer}","v":"{version}"}}"#),
    };
    let a = new_id("indicator");
    let b = new_id("indicator");
    assert!(
        must(
            store
                .signatures_of(fx.collection, std::slice::from_ref(&a))
                .await,
            "signatures_of"
        )
        .is_empty(),
        "no signatures at first"
    );
    let first = vec![
        sig(&a, "2026-01-02", "node-2"),
        sig(&a, "2026-01-01", "node-1"),
        sig(&b, "2026-01-01", "node-1"),
    ];
    must(
        store.add_signatures(fx.collection, &first).await,
        "add_signatures",
    );
    // Again, with one changed companion under an existing key and one new signer.
    let mut again = first.clone();
    again[0].companion = "changed".into();
    again.push(sig(&a, "2026-01-01", "node-2"));
    must(
        store.add_signatures(fx.collection, &again).await,
        "add_signatures again",
    );
    assert_eq!(
        must(
            store
                .signatures_of(fx.collection, std::slice::from_ref(&a))
                .await,
            "signatures_of"
        ),
        vec![
            sig(&a, "2026-01-01", "node-1"),
            sig(&a, "2026-01-01", "node-2"),
            sig(&a, "2026-01-02", "node-2"),
        ],
        "by version then signer; a stored signature is never replaced"
    );
    let other = Uuid::new_v4();
    must(
        store
            .create_collection(&Collection {
                id: other,
                api_root: fx.root.clone(),
                title: "other".into(),
                description: None,
                created: now(),
                grants: Vec::new(),
            })
            .await,
        "create_collection",
    );
    assert!(
        must(
            store.signatures_of(other, std::slice::from_ref(&a)).await,
            "signatures_of"
        )
        .is_empty(),
        "signatures belong to their collection"
    );
    match store.add_signatures(Uuid::new_v4(), &first).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("signatures for an unknown collection: expected NotFound, got {other:?}"),
    }
    // Several objects at once, also more than a statement takes in one list.
    let mut many: Vec<StoredSignature> = (0..1_500)
        .map(|i| {
            sig(
                &format!("indicator--{:08}-0000-4000-8000-000000000000", i),
                "2026-01-01",
                "node-1",
            )
        })
        .collect();
    must(
        store.add_signatures(fx.collection, &many).await,
        "add_signatures (many)",
    );
    let mut ids: Vec<String> = many.iter().map(|s| s.object_id.clone()).collect();
    ids.push(b.clone());
    ids.push(new_id("indicator"));
    many.push(sig(&b, "2026-01-01", "node-1"));
    many.sort_by(|x, y| {
        (&x.object_id, &x.version, &x.signer).cmp(&(&y.object_id, &y.version, &y.signer))
    });
    assert_eq!(
        must(
            store.signatures_of(fx.collection, &ids).await,
            "signatures_of (many)"
        ),
        many,
        "the signatures of every object asked for, by object id, version, signer"
    );
    assert!(
        must(
            store.signatures_of(fx.collection, &[]).await,
            "signatures_of (none)"
        )
        .is_empty()
    );
}

// ============================================================================================
// Federation records
// ============================================================================================

/// Partner organizations keep their home node; lookups by identity find local and partner
/// organizations alike; an identity is unique across both.
pub async fn partner_organizations<S: Store + ?Sized>(store: &S) {
    let local = organization("Interior CERT");
    let home = Uuid::new_v4();
    let partner = Organization {
        home_node: Some(home),
        ..organization("Partner police — شرطة")
    };
    must(
        store.create_organization(&local).await,
        "create_organization",
    );
    must(
        store.create_organization(&partner).await,
        "create_organization (partner)",
    );
    assert!(local.is_local() && !partner.is_local());
    for org in [&local, &partner] {
        assert_eq!(
            must(
                store.organization_by_identity(&org.identity_id).await,
                "organization_by_identity"
            ),
            Some(org.clone()),
            "organization_by_identity must return the organization with its home node"
        );
    }
    assert_eq!(
        must(
            store
                .organization_by_identity(&format!("identity--{}", Uuid::new_v4()))
                .await,
            "organization_by_identity"
        ),
        None,
        "an unknown identity"
    );
    let mut got = must(store.organizations().await, "organizations");
    got.sort_by(|x, y| x.name.cmp(&y.name));
    let mut want = vec![local.clone(), partner.clone()];
    want.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(
        got, want,
        "organizations() lists partners with their home node"
    );
    expect_already_exists(
        store
            .create_organization(&Organization {
                id: Uuid::new_v4(),
                name: "another name".into(),
                home_node: Some(Uuid::new_v4()),
                ..partner.clone()
            })
            .await,
        "a second organization with a known identity",
    );
}

/// Documents: put, read, list by kind, replace always or only with a higher rank, delete.
pub async fn documents<S: Store + ?Sized>(store: &S) {
    let doc = |kind: &str, key: &str, rank: i64, body: &str| Document {
        kind: kind.into(),
        key: key.into(),
        rank,
        body: body.into(),
    };
    assert_eq!(must(store.document("peer", "a").await, "document"), None);
    let a = doc("peer", "a", 0, r#"{"url":"https://a.example"}"#);
    let b = doc("peer", "b — ب", 0, r#"{"url":"https://b.example"}"#);
    let g = doc("group", "a", 3, r#"{"revision":3}"#);
    for d in [&a, &b, &g] {
        assert!(must(
            store.put_document(d, Replace::Always).await,
            "put_document"
        ));
    }
    assert_eq!(
        must(store.documents("peer").await, "documents"),
        vec![a.clone(), b.clone()],
        "documents of one kind, by key; kinds are separate"
    );
    assert_eq!(
        must(store.document("group", "a").await, "document"),
        Some(g.clone())
    );
    // Revisions never go backwards.
    let older = doc("group", "a", 2, r#"{"revision":2}"#);
    let same = doc("group", "a", 3, r#"{"revision":"3 again"}"#);
    let newer = doc("group", "a", 4, r#"{"revision":4}"#);
    assert!(!must(
        store.put_document(&older, Replace::IfHigherRank).await,
        "put_document"
    ));
    assert!(!must(
        store.put_document(&same, Replace::IfHigherRank).await,
        "put_document"
    ));
    assert_eq!(
        must(store.document("group", "a").await, "document"),
        Some(g.clone()),
        "a lower or equal rank leaves the stored revision"
    );
    assert!(must(
        store.put_document(&newer, Replace::IfHigherRank).await,
        "put_document"
    ));
    assert_eq!(
        must(store.document("group", "a").await, "document"),
        Some(newer.clone())
    );
    // A new key is stored whatever its rank.
    let fresh = doc("group", "b", -5, "{}");
    assert!(must(
        store.put_document(&fresh, Replace::IfHigherRank).await,
        "put_document"
    ));
    // Always replaces, even with a lower rank.
    let a2 = doc("peer", "a", -1, r#"{"url":"https://a2.example"}"#);
    assert!(must(
        store.put_document(&a2, Replace::Always).await,
        "put_document"
    ));
    assert_eq!(
        must(store.document("peer", "a").await, "document"),
        Some(a2)
    );
    assert!(must(
        store.delete_document("peer", "a").await,
        "delete_document"
    ));
    assert!(!must(
        store.delete_document("peer", "a").await,
        "delete_document"
    ));
    assert_eq!(
        must(store.documents("peer").await, "documents"),
        vec![b],
        "what is left after a delete"
    );
}

/// A version the poster may not see never makes its post a duplicate or a conflict; one it
/// may see (through a sharing group) does. Posts from a peer keep their originator, groups,
/// addressee and origin node.
pub async fn audience_of_duplicates<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let group = GENERATED_GROUPS[0].to_string();
    let id = new_id("indicator");
    let v1 = stamp(60);
    let raw = sdo("indicator", &id, &v1, "");
    // Organization 0 posts a TLP:RED version for group members only.
    let mut red = object_from_raw(&raw, true);
    red.groups = vec![group.clone()];
    ingest_new(store, fx.batch(fx.collection, fx.org(0), vec![red])).await;
    // Organization 1, not a member, posts a different object under the same version: stored
    // as its own (no conflict, which would reveal the hidden one).
    let other = sdo("indicator", &id, &v1, r#","description":"mine""#);
    let outcome = ingest(
        store,
        fx.batch(fx.collection, fx.org(1), vec![open(&other)]),
    )
    .await;
    assert_eq!(
        (outcome.stored, outcome.status.failures.len()),
        (1, 0),
        "a hidden version is neither a duplicate nor a conflict: {outcome:?}"
    );
    // Organization 2, a member of the group, sees it: the same object is a duplicate.
    let mut member = fx.batch(fx.collection, fx.org(2), vec![open(&raw)]);
    member.poster = Visibility::Audience(Audience {
        orgs: vec![fx.org(2)],
        groups: vec![group.clone()],
        not_from: None,
    });
    let outcome = ingest(store, member).await;
    assert_eq!(
        (outcome.stored, outcome.duplicates),
        (0, 1),
        "a version seen through a sharing group is a duplicate: {outcome:?}"
    );
    // A relayed version from a peer keeps its facts.
    let node = Uuid::new_v4();
    let relayed_id = new_id("sighting");
    let relayed_raw = sdo("sighting", &relayed_id, &v1, "");
    let mut relayed = object_from_raw(&relayed_raw, false);
    relayed.originator_org = Some(fx.org(1));
    relayed.addressee_org = Some(fx.org(0));
    relayed.origin_node = Some(node);
    relayed.groups = vec![GENERATED_GROUPS[2].to_string(), group.clone()];
    ingest_new(store, fx.batch(fx.collection, fx.org(2), vec![relayed])).await;
    let got = records(
        store,
        fx.collection,
        Visibility::Operator,
        filter_ids(&[&relayed_id], VersionMatch::all()),
        Fetch::Metadata,
        10,
    )
    .await;
    assert_eq!(got.len(), 1);
    let mut want_groups = vec![GENERATED_GROUPS[2].to_string(), group];
    want_groups.sort();
    assert_eq!(
        (
            got[0].meta.originator_org,
            got[0].meta.addressee_org,
            got[0].meta.origin_node,
            got[0].meta.groups.clone()
        ),
        (fx.org(1), Some(fx.org(0)), Some(node), want_groups),
        "originator, addressee, origin node and sorted groups as given"
    );
}

// ============================================================================================
// Activity counts
// ============================================================================================

/// Marking references the generated activity draws from: TLP 2.0 and 1.0 markings (WHITE
/// counts as clear) and a marking that is no TLP.
const ACTIVITY_MARKINGS: [&str; 10] = [
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "marking-definition--0a3c2bd4-5c3b-4e07-9a86-7d6c1c5e9a01",
];

/// A midnight (UTC) around which copied batches are placed: 2023-11-14.
const ACTIVITY_MIDNIGHT: i64 = 19_675 * MICROS_PER_DAY;

const ACTIVITY_ROUNDS: u64 = 60;

/// The counts a query must return, computed from what the operator reads: every version each
/// scope's visibility admits, from `since`'s day on, counted by (day, type, TLP of its
/// markings, originator, origin node).
fn activity_brute_force(
    stored: &BTreeMap<Uuid, Vec<ObjectRecord>>,
    query: &ActivityQuery,
) -> Vec<ActivityCount> {
    let mut counts: BTreeMap<_, u64> = BTreeMap::new();
    for (collection, visibility) in &query.scopes {
        for record in stored.get(collection).into_iter().flatten() {
            let meta = &record.meta;
            let day = day_number(meta.date_added);
            if !visibility.admits(meta) || day < day_number(query.since) {
                continue;
            }
            let value: serde_json::Value =
                serde_json::from_str(record.raw.as_deref().unwrap_or("{}")).unwrap_or_default();
            let refs: Vec<&str> = value
                .get("object_marking_refs")
                .and_then(|v| v.as_array())
                .map(|refs| refs.iter().filter_map(|r| r.as_str()).collect())
                .unwrap_or_default();
            let tlp = tlp_label(refs.iter().copied()).map(str::to_owned);
            *counts
                .entry((
                    day_date(day),
                    meta.object_type.clone(),
                    tlp,
                    meta.originator_org,
                    meta.origin_node,
                ))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(
            |((day, object_type, tlp, originator_org, origin_node), count)| ActivityCount {
                day,
                object_type,
                tlp,
                originator_org,
                origin_node,
                count,
            },
        )
        .collect()
}

/// Where generated activity goes, and what was posted and is stored so far.
struct ActivityCase {
    fx: Fixture,
    visibilities: Vec<Visibility>,
    collections: [Uuid; 3],
    /// Every object posted so far, with its collection: new versions and re-posts come from
    /// these.
    posted: Vec<(Uuid, NewObject)>,
    /// What the operator reads of each collection, raw text included.
    stored: BTreeMap<Uuid, Vec<ObjectRecord>>,
}

impl ActivityCase {
    async fn new<S: Store + ?Sized>(store: &S) -> Self {
        let fx = fixture(store).await;
        let collections = [
            fx.collection,
            new_collection(store, &fx.root, &fx.orgs).await,
            new_collection(store, &fx.root, &fx.orgs).await,
        ];
        ActivityCase {
            visibilities: case_visibilities(&fx, Uuid::new_v4()),
            fx,
            collections,
            posted: Vec::new(),
            stored: BTreeMap::new(),
        }
    }

    /// One round of writes: one to three batches (new objects, new versions, re-posts that
    /// are duplicates; some copied onto a day near a midnight, or exactly either side of it),
    /// then maybe a delete with a random visibility.
    async fn round<S: Store + ?Sized>(&mut self, store: &S, round: u64, rng: &mut Rng) {
        let fx = &self.fx;
        for _ in 0..1 + rng.below(3) {
            let collection = self.collections[rng.below(self.collections.len())];
            let org = rng.below(3);
            let mut objects = Vec::new();
            for _ in 0..1 + rng.below(6) {
                let earlier: Vec<&NewObject> = self
                    .posted
                    .iter()
                    .filter(|(c, _)| *c == collection)
                    .map(|(_, o)| o)
                    .collect();
                if !earlier.is_empty() && rng.chance(15) {
                    // A re-post: a duplicate when the poster may see it, counted once.
                    objects.push(earlier[rng.below(earlier.len())].clone());
                    continue;
                }
                let new_version = !earlier.is_empty() && rng.chance(35);
                let id = if new_version {
                    earlier[rng.below(earlier.len())].header.id.clone()
                } else {
                    let object_type = GENERATED_TYPES[rng.below(GENERATED_TYPES.len())];
                    format!("{object_type}--{}", rng.uuid())
                };
                let object_type = id.split("--").next().unwrap_or("indicator").to_owned();
                let markings: Vec<String> = ACTIVITY_MARKINGS
                    .iter()
                    .filter(|_| rng.chance(15))
                    .map(|m| format!("\"{m}\""))
                    .collect();
                let extra = if markings.is_empty() {
                    String::new()
                } else {
                    format!(",\"object_marking_refs\":[{}]", markings.join(","))
                };
                let modified = stamp(round as i64 * 100 + rng.below(100) as i64);
                let mut object =
                    object_from_raw(&sdo(&object_type, &id, &modified, &extra), rng.chance(30));
                if rng.chance(30) {
                    object.groups = GENERATED_GROUPS
                        .iter()
                        .filter(|_| rng.chance(50))
                        .map(|g| g.to_string())
                        .collect();
                }
                object.addressee_org = rng.chance(15).then(|| fx.org(rng.below(3)));
                object.origin_node = rng
                    .chance(25)
                    .then(|| GENERATED_NODES[rng.below(GENERATED_NODES.len())]);
                // An object received from a peer names its originator; it is never posted
                // again (a node stores a version once per originator).
                if !new_version && rng.chance(15) {
                    object.originator_org = Some(fx.org(rng.below(3)));
                } else {
                    self.posted.push((collection, object.clone()));
                }
                objects.push(object);
            }
            let mut batch = fx.batch(collection, fx.org(org), objects);
            if rng.chance(40) {
                let next_seq = 1 + self
                    .stored
                    .values()
                    .flatten()
                    .map(|r| r.meta.seq)
                    .max()
                    .unwrap_or(0);
                let day = rng.below(5) as i64 - 2;
                let offset = [-1, 0, 1, MICROS_PER_DAY / 2][rng.below(4)];
                batch.keep_status = false;
                batch.replica = Some(ReplicaPlacement {
                    date_added: DateAdded(ACTIVITY_MIDNIGHT + day * MICROS_PER_DAY + offset),
                    seqs: (0..batch.objects.len() as i64)
                        .map(|i| next_seq + i)
                        .collect(),
                });
            }
            ingest(store, batch).await;
            for collection in self.collections {
                self.stored
                    .insert(collection, everything(store, collection).await);
            }
        }
        if rng.chance(50) {
            let collection = self.collections[rng.below(self.collections.len())];
            let ids: BTreeSet<String> = self.stored[&collection]
                .iter()
                .map(|r| r.meta.id.clone())
                .collect();
            if let Some(id) = ids.iter().nth(rng.below(ids.len().max(1))) {
                let versions = if rng.chance(50) {
                    VersionMatch::all()
                } else {
                    VersionMatch {
                        at: self.stored[&collection]
                            .iter()
                            .filter(|r| &r.meta.id == id && rng.chance(50))
                            .map(|r| r.meta.version.clone())
                            .collect(),
                        ..VersionMatch::default()
                    }
                };
                let visibility = self.visibilities[rng.below(self.visibilities.len())].clone();
                must(
                    store
                        .delete_object(&ObjectDelete {
                            collection_id: collection,
                            visibility,
                            id: id.clone(),
                            versions,
                            spec_versions: Vec::new(),
                        })
                        .await,
                    "delete_object",
                );
                self.stored
                    .insert(collection, everything(store, collection).await);
            }
        }
    }

    /// Every visibility over every collection, from the beginning of time.
    fn queries(&self) -> Vec<ActivityQuery> {
        self.visibilities
            .iter()
            .map(|visibility| ActivityQuery {
                scopes: self
                    .collections
                    .iter()
                    .map(|c| (*c, visibility.clone()))
                    .collect(),
                since: DateAdded(0),
            })
            .collect()
    }
}

/// Fills a fresh store with generated activity (as [`activity_counts`] does) and returns
/// queries that read all of it, every visibility over every collection: for a backend's test
/// that the counts its migration computes from stored objects equal those kept at ingest.
pub async fn activity_sample<S: Store + ?Sized>(store: &S) -> Vec<ActivityQuery> {
    let mut case = ActivityCase::new(store).await;
    let mut rng = Rng(base_seed() ^ 0x00ba_c4f1);
    for round in 0..20 {
        case.round(store, round, &mut rng).await;
    }
    case.queries()
}

/// Reads activity sorted, for comparisons.
pub async fn activity_sorted<S: Store + ?Sized>(
    store: &S,
    query: &ActivityQuery,
) -> Vec<ActivityCount> {
    let mut got = must(store.activity(query).await, "activity");
    got.sort();
    got
}

/// Activity counts equal a brute-force count over what `query_objects` returns and
/// [`Visibility::admits`] admits, for generated object versions (types, TLP markings of both
/// generations, restricted or not, sharing groups, addressees, peers they came from), after
/// every round of ingests (new objects, new versions, re-posts that are duplicates, batches
/// copied onto either side of a midnight) and deletes, for random visibilities over random
/// sets of collections and `since` days.
pub async fn activity_counts<S: Store + ?Sized>(store: &S) {
    let mut case = ActivityCase::new(store).await;
    let seed = base_seed() ^ 0x00ac_717e;
    for round in 0..ACTIVITY_ROUNDS {
        let mut rng = Rng(seed.wrapping_add(round));
        let context = format!(
            "activity round {round} (reproduce with {SEED_VARIABLE}={})",
            seed ^ 0x00ac_717e
        );
        case.round(store, round, &mut rng).await;
        let (collections, visibilities, stored) =
            (case.collections, &case.visibilities, &case.stored);
        for query in case.queries() {
            assert_eq!(
                activity_sorted(store, &query).await,
                activity_brute_force(stored, &query),
                "{context}: activity of every collection for {:?}",
                query.scopes[0].1
            );
        }
        for _ in 0..4 {
            let mut scopes: Vec<(Uuid, Visibility)> = Vec::new();
            for collection in collections {
                if rng.chance(70) {
                    scopes.push((
                        collection,
                        visibilities[rng.below(visibilities.len())].clone(),
                    ));
                }
            }
            if rng.chance(20) {
                scopes.push((Uuid::new_v4(), Visibility::Operator));
            }
            let since = match rng.below(5) {
                0 => DateAdded(0),
                1 => DateAdded(ACTIVITY_MIDNIGHT + [-1, 0, 1][rng.below(3)]),
                2 => DateAdded(ACTIVITY_MIDNIGHT + (rng.below(5) as i64 - 2) * MICROS_PER_DAY),
                3 => DateAdded::from_timestamp(now()),
                _ => DateAdded::from_timestamp(now() + jiff::SignedDuration::from_hours(48)),
            };
            let query = ActivityQuery { scopes, since };
            assert_eq!(
                activity_sorted(store, &query).await,
                activity_brute_force(stored, &query),
                "{context}: activity of {query:?}"
            );
        }
    }
}

/// Day boundaries and `since`: a version counts on the UTC day of its `date_added` (a
/// microsecond before midnight is the day before); `since` selects whole days, from its own.
pub async fn activity_days<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let placements = [
        (ACTIVITY_MIDNIGHT - MICROS_PER_DAY, 100),
        (ACTIVITY_MIDNIGHT - 1, 200),
        (ACTIVITY_MIDNIGHT, 300),
        (ACTIVITY_MIDNIGHT + 1, 400),
        (ACTIVITY_MIDNIGHT + MICROS_PER_DAY - 1, 500),
    ];
    for (date_added, seq) in placements {
        let raw = sdo("indicator", &new_id("indicator"), &stamp(seq), "");
        let mut batch = fx.batch(fx.collection, fx.org(0), vec![open(&raw)]);
        batch.keep_status = false;
        batch.replica = Some(ReplicaPlacement {
            date_added: DateAdded(date_added),
            seqs: vec![seq],
        });
        ingest_new(store, batch).await;
    }
    let raw = sdo("malware", &new_id("malware"), &stamp(600), "");
    ingest_new(store, fx.batch(fx.collection, fx.org(1), vec![open(&raw)])).await;
    let today = day_date(day_number(DateAdded::from_timestamp(now())));

    let day = |n: i64| day_date(ACTIVITY_MIDNIGHT / MICROS_PER_DAY + n);
    let count = |day, object_type: &str, org, count| ActivityCount {
        day,
        object_type: object_type.into(),
        tlp: None,
        originator_org: org,
        origin_node: None,
        count,
    };
    let table = [
        (
            0,
            vec![
                count(day(-1), "indicator", fx.org(0), 2),
                count(day(0), "indicator", fx.org(0), 3),
                count(today, "malware", fx.org(1), 1),
            ],
        ),
        (
            ACTIVITY_MIDNIGHT - 1,
            vec![
                count(day(-1), "indicator", fx.org(0), 2),
                count(day(0), "indicator", fx.org(0), 3),
                count(today, "malware", fx.org(1), 1),
            ],
        ),
        (
            ACTIVITY_MIDNIGHT,
            vec![
                count(day(0), "indicator", fx.org(0), 3),
                count(today, "malware", fx.org(1), 1),
            ],
        ),
        (
            ACTIVITY_MIDNIGHT + MICROS_PER_DAY - 1,
            vec![
                count(day(0), "indicator", fx.org(0), 3),
                count(today, "malware", fx.org(1), 1),
            ],
        ),
        (
            ACTIVITY_MIDNIGHT + MICROS_PER_DAY,
            vec![count(today, "malware", fx.org(1), 1)],
        ),
        (
            DateAdded::from_timestamp(now() + jiff::SignedDuration::from_hours(48)).0,
            vec![],
        ),
    ];
    for (since, want) in table {
        let query = ActivityQuery {
            scopes: vec![(fx.collection, Visibility::Operator)],
            since: DateAdded(since),
        };
        assert_eq!(
            activity_sorted(store, &query).await,
            want,
            "activity since {}",
            DateAdded(since)
        );
    }
    let nothing = ActivityQuery {
        scopes: Vec::new(),
        since: DateAdded(0),
    };
    assert_eq!(
        activity_sorted(store, &nothing).await,
        vec![],
        "no collections, no counts"
    );
}
