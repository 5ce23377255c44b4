//! The audience rule across a federation, property-based: for random topologies of three
//! nodes, random sharing groups and random objects (every TLP, with and without groups),
//! every organization sees on every node exactly the objects its audience allows — through
//! every read path (objects, one object, manifest, versions, provenance, match) — and no node
//! holds an object none of its organizations may see.
//!
//! The seed is printed; `TANSEEQ_FEDERATION_SEED=N` replays a run.

mod common;

use common::federation::*;
use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

const CONVERGE: Duration = Duration::from_secs(40);
const CASES: u64 = 3;
const OBJECTS_PER_CASE: usize = 24;

const TLPS: [(&str, Option<&str>, bool); 6] = [
    ("none", None, false),
    (
        "clear",
        Some("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        false,
    ),
    ("green", Some(TLP_GREEN), false),
    (
        "amber",
        Some("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        false,
    ),
    (
        "amber+strict",
        Some("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        true,
    ),
    (
        "red",
        Some("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        true,
    ),
];

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
}

/// The organizations of the three nodes (the first of each is the node's own).
const ORGS: [&[&str]; 3] = [
    &["Alpha One", "Alpha Two"],
    &["Beta One"],
    &["Gamma One", "Gamma Two"],
];

/// Organization name → identity id, as a node lists them.
fn identities(node: &TestNode) -> BTreeMap<String, String> {
    node.cli_ok(&["org", "list"], None)
        .lines()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            Some((fields.next()?.to_owned(), fields.next()?.to_owned()))
        })
        .collect()
}

/// Which nodes an object reaches: from its origin, along links whose far end hosts an
/// organization of its audience (a node never holds, so never relays, what none of its
/// organizations may see).
fn reached(
    origin: usize,
    audience: &BTreeSet<String>,
    links: &[(usize, usize)],
) -> BTreeSet<usize> {
    let hosts = |n: usize| ORGS[n].iter().any(|o| audience.contains(*o));
    let mut seen = BTreeSet::from([origin]);
    let mut queue = VecDeque::from([origin]);
    while let Some(n) = queue.pop_front() {
        for &(a, b) in links {
            for (from, to) in [(a, b), (b, a)] {
                if from == n && hosts(to) && seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
    }
    seen
}

struct Planned {
    id: String,
    origin: usize,
    describe: String,
    audience: BTreeSet<String>,
}

/// The indicators an organization sees on a node (all versions).
fn indicator_ids(node: &Member, org: &str) -> BTreeSet<String> {
    node.client(org)
        .get_all_objects(SHARED, "match[version]=all&match[type]=indicator")
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_organization_sees_exactly_its_audience_on_every_node() {
    let seed = std::env::var("TANSEEQ_FEDERATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(random_u64);
    eprintln!("federation audience: seed {seed} (TANSEEQ_FEDERATION_SEED={seed} replays it)");
    for case in 0..CASES {
        run_case(seed.wrapping_add(case), case);
    }
}

fn run_case(seed: u64, case: u64) {
    let mut rng = Rng(seed);
    let mut nodes: Vec<Member> = (0..3)
        .map(|i| Member::new(&format!("n{i}"), ORGS[i]))
        .collect();
    for n in nodes.iter_mut() {
        n.node.start();
    }
    // A connected topology: a line in a random order, or the triangle. Each direction of
    // each link is carried by a push from one side or a pull by the other.
    let mut order = [0usize, 1, 2];
    for i in (1..3).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut links = vec![(order[0], order[1]), (order[1], order[2])];
    if rng.chance(40) {
        links.push((order[2], order[0]));
    }
    // (me, other) → (pull, push): every linked pair knows each other's key both ways.
    let mut flags: BTreeMap<(usize, usize), (bool, bool)> = BTreeMap::new();
    for &(a, b) in &links {
        flags.entry((a, b)).or_default();
        flags.entry((b, a)).or_default();
        for (from, to) in [(a, b), (b, a)] {
            if rng.chance(50) {
                flags.get_mut(&(from, to)).unwrap().1 = true; // from pushes
            } else {
                flags.get_mut(&(to, from)).unwrap().0 = true; // to pulls
            }
        }
    }
    for (&(me, other), &(pull, push)) in &flags {
        nodes[me].peer_with(&nodes[other], pull, push);
    }
    let context =
        format!("case {case} (seed {seed}): links {links:?}, (me, peer) → (pull, push) {flags:?}");

    // Wait until every node knows every organization it can learn.
    let all_orgs: Vec<&str> = ORGS.iter().flat_map(|o| o.iter().copied()).collect();
    let start = Instant::now();
    let mut ids = BTreeMap::new();
    while start.elapsed() < CONVERGE {
        let known: Vec<BTreeMap<String, String>> =
            nodes.iter().map(|n| identities(&n.node)).collect();
        if known.iter().all(|k| {
            all_orgs
                .iter()
                .all(|o| k.keys().any(|name| name.starts_with(o)))
        }) {
            ids = known[0].clone();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !ids.is_empty(),
        "{context}: the nodes never learned each other's organizations"
    );

    // Two sharing groups, each owned by an organization and holding random members.
    let mut groups: Vec<(String, BTreeSet<String>, usize)> = Vec::new();
    for g in 0..2 {
        let owner_node = rng.below(3);
        let owner = ORGS[owner_node][rng.below(ORGS[owner_node].len())];
        let mut members: BTreeSet<String> = BTreeSet::from([owner.to_owned()]);
        for org in &all_orgs {
            if rng.chance(50) {
                members.insert(org.to_string());
            }
        }
        let owner_ids = identities(&nodes[owner_node].node);
        let member_ids: Vec<String> = members
            .iter()
            .filter(|m| m.as_str() != owner)
            .map(|m| {
                owner_ids
                    .iter()
                    .find(|(name, _)| name.starts_with(m.as_str()))
                    .map(|(_, id)| id.clone())
                    .unwrap()
            })
            .collect();
        let mut args = vec![
            "group".to_owned(),
            "create".into(),
            format!("group {g}"),
            "--owner".into(),
            owner.into(),
            "--collection".into(),
            SHARED.into(),
        ];
        if !member_ids.is_empty() {
            args.push("--member".into());
            args.push(member_ids.join(","));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = nodes[owner_node].node.cli_ok(&args, None).trim().to_owned();
        groups.push((id, members, owner_node));
    }
    // A member may mark objects with a group once its node has the definition.
    let start = Instant::now();
    'wait: while start.elapsed() < CONVERGE {
        for (id, members, owner_node) in &groups {
            let audience: BTreeSet<String> = members.clone();
            for n in reached(*owner_node, &audience, &links) {
                if !nodes[n]
                    .node
                    .cli_ok(&["group", "list"], None)
                    .contains(id.as_str())
                {
                    std::thread::sleep(Duration::from_millis(200));
                    continue 'wait;
                }
            }
        }
        break;
    }

    // The objects: a random organization posts on its node, with a random TLP and groups
    // it belongs to (the definition is on its node).
    let mut planned = Vec::new();
    for _ in 0..OBJECTS_PER_CASE {
        let origin = rng.below(3);
        let org = ORGS[origin][rng.below(ORGS[origin].len())];
        let (tlp_name, tlp, restricted) = TLPS[rng.below(TLPS.len())];
        let mut markings: Vec<&str> = tlp.into_iter().collect();
        let mut member_of = Vec::new();
        for (id, members, owner_node) in &groups {
            let knows = reached(*owner_node, members, &links).contains(&origin);
            if members.contains(org) && knows && rng.chance(40) {
                markings.push(id.as_str());
                member_of.push(members.clone());
            }
        }
        let object = indicator(&markings);
        let id = object["id"].as_str().unwrap().to_owned();
        nodes[origin].client(org).post_ok(SHARED, &[object]);
        let mut audience: BTreeSet<String> = BTreeSet::from([org.to_owned()]);
        if member_of.is_empty() {
            if !restricted {
                audience.extend(all_orgs.iter().map(|o| o.to_string()));
            }
        } else {
            for members in member_of {
                audience.extend(members);
            }
        }
        planned.push(Planned {
            id,
            origin,
            describe: format!(
                "{tlp_name}, groups {}, by {org}",
                markings.len() - tlp.iter().count()
            ),
            audience,
        });
    }

    // Expected: per node and organization, the objects it sees.
    let mut expected: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
    for (n, node) in nodes.iter().enumerate() {
        for org in &node.orgs {
            expected.insert((n, org.clone()), BTreeSet::new());
        }
    }
    for p in &planned {
        for n in reached(p.origin, &p.audience, &links) {
            for org in ORGS[n] {
                if p.audience.contains(*org) {
                    expected
                        .get_mut(&(n, org.to_string()))
                        .unwrap()
                        .insert(p.id.clone());
                }
            }
        }
    }
    let describe = |ids: &BTreeSet<String>| -> Vec<String> {
        planned
            .iter()
            .filter(|p| ids.contains(&p.id))
            .map(|p| format!("{} ({}; origin node {})", p.id, p.describe, p.origin))
            .collect()
    };

    // Converge on the objects read path, then hold every other path to the same answer.
    let start = Instant::now();
    loop {
        let mismatches: Vec<String> = expected
            .iter()
            .filter_map(|((n, org), want)| {
                let got = indicator_ids(&nodes[*n], org);
                (got != *want).then(|| {
                    format!(
                        "node {n} {org}: missing {:?}, extra {:?}",
                        describe(&want.difference(&got).cloned().collect()),
                        describe(&got.difference(want).cloned().collect())
                    )
                })
            })
            .collect();
        if mismatches.is_empty() {
            break;
        }
        // Extra objects are never allowed, not even for a moment.
        assert!(
            mismatches.iter().all(|m| m.ends_with("extra []")),
            "{context}: {mismatches:#?}"
        );
        assert!(
            start.elapsed() < CONVERGE,
            "{context}: not converged within {CONVERGE:?}: {mismatches:#?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    for ((n, org), want) in &expected {
        let node = &nodes[*n];
        let client = node.client(org);
        let manifest: BTreeSet<String> = client
            .get(&format!("{}?match[type]=indicator", manifest_path(SHARED)))
            .expect(200)
            .json()["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(&manifest, want, "{context}: node {n} {org}: manifest");
        let hits: BTreeSet<String> = client
            .send(
                client
                    .request(reqwest::Method::POST, "/api/v1/match")
                    .header("Content-Type", "application/json")
                    .body(json!({"observables": ["ipv4-addr:198.51.100.7"]}).to_string()),
            )
            .expect(200)
            .json()["matches"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m["indicators"].as_array().cloned().unwrap_or_default())
            .map(|i: Value| i["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&hits, want, "{context}: node {n} {org}: match");
        for p in &planned {
            let visible = want.contains(&p.id);
            let code = if visible { 200 } else { 404 };
            for path in [
                object_path(SHARED, &p.id),
                versions_path(SHARED, &p.id),
                format!("/api/v1/provenance/api/{SHARED}/{}", p.id),
            ] {
                assert_eq!(
                    client.get(&path).status,
                    code,
                    "{context}: node {n} {org}: {path} ({})",
                    p.describe
                );
            }
        }
    }
    // No node holds what none of its organizations may see.
    for (n, node) in nodes.iter().enumerate() {
        let held: u64 = planned
            .iter()
            .filter(|p| reached(p.origin, &p.audience, &links).contains(&n))
            .count() as u64;
        let groups_held = groups
            .iter()
            .filter(|(_, members, owner)| reached(*owner, members, &links).contains(&n))
            .count() as u64;
        assert_eq!(
            node.node.count_objects(SHARED),
            held + groups_held,
            "{context}: node {n} holds exactly the objects and group definitions it may"
        );
    }
}
