//! A federation of test nodes: each node with its organizations, analyst accounts, the
//! shared collection (the same id on every node) and the account its peers call it with.

use super::*;

/// The collection every node of the federation tests shares (the same id on each node).
pub const SHARED: &str = "6f0e7c3a-3b1e-4f7e-9d55-1c2a4b6d8e90";

/// One node of a test federation: its organizations (the first is the node's own), each
/// with an analyst account, and a `peer-<node>` account for the peers that call it.
pub struct Member {
    pub node: TestNode,
    pub name: String,
    pub orgs: Vec<String>,
    /// The HTTP client for the node's users (one trusting the node's CA, over HTTPS).
    pub http: Option<reqwest::blocking::Client>,
}

impl Member {
    pub fn new(name: &str, orgs: &[&str]) -> Member {
        let node = TestNode::init(orgs[0]);
        for org in &orgs[1..] {
            node.add_org(org);
        }
        node.add_org(&format!("{name} peers"));
        let all: Vec<String> = orgs
            .iter()
            .map(|o| o.to_string())
            .chain([format!("{name} peers")])
            .collect();
        let list = all.join(",");
        node.cli_ok(
            &[
                "collection",
                "add",
                "--title",
                "federation",
                "--id",
                SHARED,
                "--read",
                &list,
                "--write",
                &list,
            ],
            None,
        );
        for org in orgs {
            node.add_user(org, &user_of(org), "analyst");
        }
        node.add_user(&format!("{name} peers"), "peer-node", "analyst");
        Member {
            node,
            name: name.to_owned(),
            orgs: orgs.iter().map(|o| o.to_string()).collect(),
            http: None,
        }
    }

    pub fn public_key(&self) -> String {
        self.info("public key: ")
    }

    pub fn node_id(&self) -> String {
        self.info("node id: ")
    }

    pub fn info(&self, prefix: &str) -> String {
        let info = self.node.cli_ok(&["node", "info"], None);
        info.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in node info:\n{info}"))
            .trim()
            .to_owned()
    }

    /// `self` exchanges with `other`: pulls from it, pushes to it, or only lets it call.
    pub fn peer_with(&self, other: &Member, pull: bool, push: bool) {
        let url = other.node.base_url();
        let key = other.public_key();
        let credentials = format!("peer-node:{PASSWORD}");
        let mut options = vec!["--credentials", &credentials, "--public-key", &key];
        if pull {
            options.push("--pull");
        }
        if push {
            options.push("--push");
        }
        self.add_peer_ok(&other.name, &url, &options);
    }

    /// `tanseeq peer add NAME --url URL --collection SHARED` and `options` on this node.
    pub fn add_peer(&self, name: &str, url: &str, options: &[&str]) -> std::process::Output {
        let mut args = vec!["peer", "add", name, "--url", url, "--collection", SHARED];
        args.extend_from_slice(options);
        self.node.cli(&args, None)
    }

    #[track_caller]
    pub fn add_peer_ok(&self, name: &str, url: &str, options: &[&str]) {
        let out = self.add_peer(name, url, options);
        assert!(
            out.status.success(),
            "peer add {name}: {}",
            text(&out.stderr)
        );
    }

    pub fn client(&self, org: &str) -> Client {
        match &self.http {
            None => self.node.user_client(&user_of(org)),
            Some(http) => Client {
                base: self.node.base_url(),
                auth: Auth::Basic(user_of(org), PASSWORD.into()),
                http: http.clone(),
            },
        }
    }

    /// The ids of every object (all versions) an organization sees in the shared collection.
    pub fn visible_ids(&self, org: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .client(org)
            .get_all_objects(SHARED, "match[version]=all")
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn sees(&self, org: &str, id: &str) -> bool {
        self.client(org).get(&object_path(SHARED, id)).status == 200
    }

    pub fn peer_list(&self) -> String {
        self.node.cli_ok(&["peer", "list"], None)
    }
}

pub fn user_of(org: &str) -> String {
    org.to_lowercase().replace(' ', "-")
}
