//! Conformance checks of [`Store::search`] and [`Store::index_pending`].

use super::*;
use crate::search::ObservableTerm;
use tanseeq_stix::Tlp;

/// A search of one collection, with this visibility, for normalized `text`.
fn text_query(collection: Uuid, visibility: Visibility, text: &str) -> SearchQuery {
    SearchQuery {
        scopes: vec![(collection, visibility)],
        text: Some(tanseeq_text::normalize(text)),
        observable: None,
        types: Vec::new(),
        tlp: None,
        originator_org: None,
        added_after: None,
        added_before: None,
        limit: 100,
    }
}

fn observable_query(collection: Uuid, term: ObservableTerm) -> SearchQuery {
    SearchQuery {
        text: None,
        observable: Some(term),
        ..text_query(collection, Visibility::Operator, "")
    }
}

async fn hit_ids<S: Store + ?Sized>(store: &S, query: &SearchQuery) -> Vec<String> {
    must(store.search(query).await, "search")
        .into_iter()
        .map(|r| r.record.meta.id)
        .collect()
}

fn named(object_type: &str, id: &str, modified: &str, name: &str, extra: &str) -> NewObject {
    let name = serde_json::to_string(name).expect("a string");
    open(&format!(
        r#"{{"type":"{object_type}","spec_version":"2.1","id":"{id}","created":"{}","modified":"{modified}","name":{name}{extra}}}"#,
        stamp(0)
    ))
}

/// Arabic text is found with or without diacritics and with the usual variant letters (alef
/// forms, alef maqsura/yaa, taa marbuta/haa, tatweel) either way; English whatever the case;
/// descriptions, labels and aliases too; every query word must occur, the last may be a prefix;
/// queries that look like FTS syntax are only words.
pub async fn search_text<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let objects = [
        ("campaign", "حَمْلَةُ التَّصَيُّدِ الاحتيالي", ""),
        ("threat-actor", "إرهاب", ""),
        ("location", "مستشفى", ""),
        ("campaign", "حملة التصيد", r#","description":"plain text""#),
        ("tool", "هـــجوم مكتبة", ""),
        ("malware", "Phishing Kit", r#","labels":["Espionage"]"#),
        (
            "intrusion-set",
            "Sofacy",
            r#","aliases":["Fancy Bear","الدب الأنيق"],"description":"Targets ministries""#,
        ),
    ];
    let mut ids = Vec::new();
    let mut batch = Vec::new();
    for (object_type, name, extra) in objects {
        let id = new_id(object_type);
        batch.push(named(object_type, &id, &stamp(1), name, extra));
        ids.push(id);
    }
    ingest_new(store, fx.batch(fx.collection, fx.org(0), batch)).await;
    let table: &[(&str, &[usize])] = &[
        ("حملة التصيد", &[0, 3]),
        ("حَمْلَةُ التَّصَيُّدِ", &[0, 3]),
        ("الاحتيالى", &[0]),
        ("ارهاب", &[1]),
        ("إرهاب", &[1]),
        ("أرهاب", &[1]),
        ("مستشفي", &[2]),
        ("مستشفى", &[2]),
        ("هجوم", &[4]),
        ("مكتبه", &[4]),
        ("ﻣﻜﺘﺒﺔ", &[4]),
        ("phishing kit", &[5]),
        ("PHISHING", &[5]),
        ("phish", &[5]),
        // A last word shorter than MIN_PREFIX_CHARS is a whole word.
        ("kit ph", &[]),
        ("phishing ki", &[]),
        ("phishing kit", &[5]),
        ("espionage", &[5]),
        ("fancy bear", &[6]),
        ("الدب الانيق", &[6]),
        ("ministries", &[6]),
        ("حملة غائبة", &[]),
        ("kit phishing espionage", &[5]),
        ("plain", &[3]),
        ("absent", &[]),
        // FTS5 and tsquery syntax is only words here.
        (r#"AND OR ""#, &[]),
        ("*", &[]),
        (r#"phishing" OR "x"#, &[]),
        ("NEAR(phishing kit)", &[]),
        ("phishing:*", &[5]),
        ("-phishing ^kit", &[5]),
        ("name:phishing", &[]),
        ("'phishing' & !kit", &[5]),
        ("\\", &[]),
    ];
    for (query, expected) in table {
        let mut got = hit_ids(
            store,
            &text_query(fx.collection, Visibility::organization(fx.org(1)), query),
        )
        .await;
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|&i| ids[i].clone()).collect();
        want.sort();
        assert_eq!(got, want, "search for `{query}`");
    }
}

/// One hit per object, its latest version; a new version's text replaces the old one's;
/// deleted versions are not found (by text or observable).
pub async fn search_versions_and_deletes<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let id = new_id("indicator");
    let pattern = |ip: &str| {
        format!(
            r#","pattern_type":"stix","pattern":"[ipv4-addr:value = '{ip}']","valid_from":"{}""#,
            stamp(0)
        )
    };
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![named(
                "indicator",
                &id,
                &stamp(1),
                "alpha",
                &pattern("192.0.2.1"),
            )],
        ),
    )
    .await;
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![named(
                "indicator",
                &id,
                &stamp(2),
                "beta",
                &pattern("192.0.2.2"),
            )],
        ),
    )
    .await;
    let text = |t: &str| text_query(fx.collection, Visibility::Operator, t);
    let ip = |t: &str| observable_query(fx.collection, ObservableTerm::ip(t).expect("an IP"));
    assert_eq!(hit_ids(store, &text("alpha")).await, Vec::<String>::new());
    let hits: Vec<ObjectRecord> = must(store.search(&text("beta")).await, "search")
        .into_iter()
        .map(|h| {
            assert_eq!(h.collection, fx.collection, "a hit names its collection");
            h.record
        })
        .collect();
    assert_eq!(hits.len(), 1, "one hit per object");
    assert_eq!(
        hits[0].meta.version,
        version_key(&stamp(2)),
        "the latest version"
    );
    assert!(
        hits[0].raw.as_deref().is_some_and(|r| r.contains("beta")),
        "search returns the raw JSON"
    );
    assert_eq!(hit_ids(store, &ip("192.0.2.1")).await, Vec::<String>::new());
    assert_eq!(hit_ids(store, &ip("192.0.2.2")).await, vec![id.clone()]);
    assert_eq!(hit_ids(store, &ip("192.0.2.0/24")).await, vec![id.clone()]);

    let delete = |versions: VersionMatch| ObjectDelete {
        collection_id: fx.collection,
        visibility: Visibility::Operator,
        id: id.clone(),
        versions,
        spec_versions: Vec::new(),
    };
    let removed = must(
        store.delete_object(&delete(VersionMatch::last())).await,
        "delete",
    );
    assert_eq!(removed, 1);
    assert_eq!(hit_ids(store, &text("alpha")).await, vec![id.clone()]);
    assert_eq!(hit_ids(store, &text("beta")).await, Vec::<String>::new());
    assert_eq!(hit_ids(store, &ip("192.0.2.1")).await, vec![id.clone()]);
    assert_eq!(hit_ids(store, &ip("192.0.2.2")).await, Vec::<String>::new());
    must(
        store.delete_object(&delete(VersionMatch::all())).await,
        "delete",
    );
    assert_eq!(hit_ids(store, &text("alpha")).await, Vec::<String>::new());
    assert_eq!(
        hit_ids(store, &ip("192.0.2.0/24")).await,
        Vec::<String>::new()
    );
}

/// Observables are found exactly: IPv4, IPv6 and CIDR blocks by containment both ways,
/// domains and e-mail addresses whatever their case, hashes in either case, URLs as written;
/// from SCOs and from indicator patterns.
pub async fn search_observables<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let sco = |object_type: &str, body: &str| {
        let id = new_id(object_type);
        (
            id.clone(),
            open(&format!(
                r#"{{"type":"{object_type}","spec_version":"2.1","id":"{id}",{body}}}"#
            )),
        )
    };
    let items = [
        sco("ipv4-addr", r#""value":"192.0.2.5""#),
        sco("ipv4-addr", r#""value":"198.51.100.0/24""#),
        sco("ipv6-addr", r#""value":"2001:db8::1""#),
        sco("domain-name", r#""value":"Example.COM""#),
        sco("url", r#""value":"https://example.com/Path?q=1""#),
        sco("email-addr", r#""value":"Alice@Example.org""#),
        sco(
            "file",
            r#""hashes":{"SHA-256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}"#,
        ),
    ];
    let indicator = new_id("indicator");
    let pattern = r#"[ipv4-addr:value ISSUBSET '203.0.113.0/24'] OR [domain-name:value IN ('evil.example', 'other.example')] OR [ipv6-addr:value = '2001:db8:ff::/48']"#;
    let mut batch: Vec<NewObject> = items.iter().map(|(_, o)| o.clone()).collect();
    batch.push(named(
        "indicator",
        &indicator,
        &stamp(1),
        "watch list",
        &format!(
            r#","pattern_type":"stix","pattern":{},"valid_from":"{}""#,
            serde_json::to_string(pattern).expect("a string"),
            stamp(0)
        ),
    ));
    ingest_new(store, fx.batch(fx.collection, fx.org(0), batch)).await;
    let id = |i: usize| items[i].0.clone();
    let ip = |t: &str| ObservableTerm::ip(t).expect("an IP");
    let table: Vec<(ObservableTerm, Vec<String>)> = vec![
        (ip("192.0.2.5"), vec![id(0)]),
        (ip("192.0.2.0/24"), vec![id(0)]),
        (ip("192.0.0.0/8"), vec![id(0)]),
        (ip("192.0.2.6"), vec![]),
        (ip("198.51.100.77"), vec![id(1)]),
        (ip("198.51.0.0/16"), vec![id(1)]),
        (ip("198.51.100.128/25"), vec![id(1)]),
        (ip("198.51.101.1"), vec![]),
        (ip("203.0.113.9"), vec![indicator.clone()]),
        (ip("2001:db8::1"), vec![id(2)]),
        (ip("2001:db8::/32"), vec![id(2), indicator.clone()]),
        (ip("2001:db8:ff::17"), vec![indicator.clone()]),
        (ip("2001:db9::1"), vec![]),
        (ip("0.0.0.0/0"), vec![id(0), id(1), indicator.clone()]),
        (ObservableTerm::domain("example.com"), vec![id(3)]),
        (ObservableTerm::domain("EXAMPLE.com."), vec![id(3)]),
        (
            ObservableTerm::domain("evil.EXAMPLE"),
            vec![indicator.clone()],
        ),
        (ObservableTerm::domain("sub.example.com"), vec![]),
        (
            ObservableTerm::url("https://example.com/Path?q=1"),
            vec![id(4)],
        ),
        (ObservableTerm::url("https://example.com/path?q=1"), vec![]),
        (ObservableTerm::email("alice@example.ORG"), vec![id(5)]),
        (
            ObservableTerm::hash(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            vec![id(6)],
        ),
        (ObservableTerm::hash("e3b0c442"), vec![]),
    ];
    for (term, expected) in table {
        let mut got = hit_ids(store, &observable_query(fx.collection, term.clone())).await;
        got.sort();
        let mut want = expected;
        want.sort();
        assert_eq!(got, want, "search for {term:?}");
    }
}

/// Type, TLP, originator and date filters, alone and with text; results newest first, at
/// most `limit`; nothing outside the scopes.
pub async fn search_filters<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let other = new_collection(store, &fx.root, &fx.orgs).await;
    let marked = |tlp: Tlp| format!(r#","object_marking_refs":["{}"]"#, tlp.marking_id());
    let first = new_id("malware");
    let second = new_id("tool");
    let third = new_id("malware");
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![named(
                "malware",
                &first,
                &stamp(1),
                "shared word",
                &marked(Tlp::Green),
            )],
        ),
    )
    .await;
    let between = must(
        store
            .query_objects(&ObjectQuery {
                collection_id: fx.collection,
                visibility: Visibility::Operator,
                filter: filter_all(),
                after: None,
                limit: 10,
                fetch: Fetch::Metadata,
            })
            .await,
        "query",
    )
    .records[0]
        .meta
        .date_added;
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(1),
            vec![named(
                "tool",
                &second,
                &stamp(1),
                "shared word",
                &marked(Tlp::Amber),
            )],
        ),
    )
    .await;
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(1),
            vec![named(
                "malware",
                &third,
                &stamp(1),
                "shared",
                &marked(Tlp::Red),
            )],
        ),
    )
    .await;
    ingest_new(
        store,
        fx.batch(
            other,
            fx.org(0),
            vec![named(
                "malware",
                &new_id("malware"),
                &stamp(1),
                "shared word",
                "",
            )],
        ),
    )
    .await;
    let base = || text_query(fx.collection, Visibility::Operator, "shared");
    assert_eq!(
        hit_ids(store, &base()).await,
        vec![third.clone(), second.clone(), first.clone()],
        "newest first, only the scopes' collections"
    );
    let cases: Vec<(&str, SearchQuery, Vec<String>)> = vec![
        (
            "limit",
            SearchQuery { limit: 2, ..base() },
            vec![third.clone(), second.clone()],
        ),
        (
            "types",
            SearchQuery {
                types: vec!["malware".into()],
                ..base()
            },
            vec![third.clone(), first.clone()],
        ),
        (
            "tlp",
            SearchQuery {
                tlp: Some(Tlp::Amber),
                ..base()
            },
            vec![second.clone()],
        ),
        (
            "tlp without text",
            SearchQuery {
                text: None,
                tlp: Some(Tlp::Red),
                ..base()
            },
            vec![third.clone()],
        ),
        (
            "originator",
            SearchQuery {
                originator_org: Some(fx.org(1)),
                ..base()
            },
            vec![third.clone(), second.clone()],
        ),
        (
            "added after",
            SearchQuery {
                added_after: Some(between),
                ..base()
            },
            vec![third.clone(), second.clone()],
        ),
        (
            "added before",
            SearchQuery {
                added_before: Some(DateAdded(between.0 + 1)),
                ..base()
            },
            vec![first.clone()],
        ),
        (
            "two words",
            text_query(fx.collection, Visibility::Operator, "shared word"),
            vec![second.clone(), first.clone()],
        ),
        (
            "types and no text",
            SearchQuery {
                text: None,
                types: vec!["tool".into()],
                ..base()
            },
            vec![second.clone()],
        ),
        (
            "no scopes",
            SearchQuery {
                scopes: Vec::new(),
                ..base()
            },
            vec![],
        ),
    ];
    for (what, query, want) in cases {
        assert_eq!(hit_ids(store, &query).await, want, "search filter: {what}");
    }
}

/// For generated collections (versions of many audiences), a search through each visibility
/// returns exactly one hit per object that has a version [`Visibility::admits`], and that hit
/// is the latest such version.
pub async fn search_visibility_matches_admits<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let outsider = Uuid::new_v4();
    let seed = base_seed();
    for case in 0..VISIBILITY_CASES / 5 {
        let mut rng = Rng(seed.wrapping_add(case));
        let (collection, planned) = generate_case(store, &fx, &mut rng).await;
        let context =
            format!("search visibility case {case} (reproduce with {SEED_VARIABLE}={seed})");
        let operator = records(
            store,
            collection,
            Visibility::Operator,
            filter_all(),
            Fetch::Metadata,
            1000,
        )
        .await;
        assert_eq!(operator.len(), planned.len(), "{context}");
        for visibility in case_visibilities(&fx, outsider) {
            let mut want: BTreeMap<String, VersionKey> = BTreeMap::new();
            for meta in operator
                .iter()
                .map(|r| &r.meta)
                .filter(|m| visibility.admits(m))
            {
                let latest = want.entry(meta.id.clone()).or_insert(meta.version.clone());
                if meta.version > *latest {
                    *latest = meta.version.clone();
                }
            }
            // Every generated object is named `n`.
            let hits: Vec<ObjectRecord> = must(
                store
                    .search(&text_query(collection, visibility.clone(), "n"))
                    .await,
                "search",
            )
            .into_iter()
            .map(|h| h.record)
            .collect();
            let got: BTreeMap<String, VersionKey> = hits
                .iter()
                .map(|r| (r.meta.id.clone(), r.meta.version.clone()))
                .collect();
            assert_eq!(got.len(), hits.len(), "{context}: one hit per object");
            assert!(
                hits.iter().all(|r| visibility.admits(&r.meta)),
                "{context}: every hit is admitted by {visibility:?}"
            );
            assert_eq!(
                got, want,
                "{context}: search with {visibility:?} finds the latest admitted version of \
                 every object with one"
            );
        }
    }
}

/// A store without versions stored before search has nothing pending.
pub async fn search_nothing_pending<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    ingest_new(
        store,
        fx.batch(
            fx.collection,
            fx.org(0),
            vec![named(
                "tool",
                &new_id("tool"),
                &stamp(1),
                "indexed at ingest",
                "",
            )],
        ),
    )
    .await;
    assert_eq!(must(store.index_pending(100).await, "index_pending"), 0);
    assert_eq!(
        hit_ids(
            store,
            &text_query(fx.collection, Visibility::Operator, "ingest")
        )
        .await
        .len(),
        1
    );
}

/// Versions stored before search existed are indexed by [`Store::index_pending`], a batch at a
/// time, and then nothing is left. `forget` puts the store in the state of a database migrated
/// from a schema without search: the versions stored, none of their search entries, all of
/// them pending (backend-specific SQL, so the backend's test provides it).
pub async fn search_backfill<S, F, Fut>(store: &S, forget: F)
where
    S: Store + ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let fx = fixture(store).await;
    let objects: Vec<NewObject> = (0..5)
        .map(|i| {
            open(&format!(
                r#"{{"type":"domain-name","spec_version":"2.1","id":"{}","value":"Host{i}.example"}}"#,
                new_id("domain-name")
            ))
        })
        .collect();
    ingest_new(store, fx.batch(fx.collection, fx.org(0), objects)).await;
    forget().await;
    let text = text_query(fx.collection, Visibility::organization(fx.org(1)), "host3");
    let domain = observable_query(fx.collection, ObservableTerm::domain("host4.EXAMPLE"));
    assert_eq!(hit_ids(store, &text).await.len(), 0, "nothing indexed yet");
    let mut batches = Vec::new();
    loop {
        let done = must(store.index_pending(2).await, "index_pending");
        if done == 0 {
            break;
        }
        batches.push(done);
        assert!(batches.len() < 10, "index_pending never ends: {batches:?}");
    }
    assert_eq!(batches, [2, 2, 1], "index_pending in batches of 2");
    assert_eq!(hit_ids(store, &text).await.len(), 1, "text indexed");
    assert_eq!(
        hit_ids(store, &domain).await.len(),
        1,
        "observables indexed"
    );
    assert_eq!(must(store.index_pending(2).await, "index_pending"), 0);
}

/// A wide block holding thousands of stored addresses (more than a backend may want to
/// collect before ordering): still the newest matches first, through the visibility.
pub async fn search_many_candidates<S: Store + ?Sized>(store: &S) {
    let fx = fixture(store).await;
    let mut open_ids = Vec::new();
    let mut batch = Vec::new();
    for i in 0..5_100u32 {
        let id = new_id("ipv4-addr");
        let restricted = i % 100 != 0;
        if !restricted {
            open_ids.push(id.clone());
        }
        batch.push(object_from_raw(
            &format!(
                r#"{{"type":"ipv4-addr","spec_version":"2.1","id":"{id}","value":"10.{}.{}.{}"}}"#,
                i / 65_536,
                (i / 256) % 256,
                i % 256
            ),
            restricted,
        ));
    }
    ingest_new(store, fx.batch(fx.collection, fx.org(0), batch)).await;
    open_ids.reverse();
    let mut query = observable_query(
        fx.collection,
        ObservableTerm::ip("10.0.0.0/8").expect("a block"),
    );
    query.scopes = vec![(fx.collection, Visibility::organization(fx.org(1)))];
    query.limit = 1_000;
    assert_eq!(
        hit_ids(store, &query).await,
        open_ids,
        "every visible match, newest first"
    );
    query.limit = 5;
    assert_eq!(hit_ids(store, &query).await, open_ids[..5].to_vec());
    query.scopes = vec![(fx.collection, Visibility::Operator)];
    assert_eq!(hit_ids(store, &query).await.len(), 5);
}
