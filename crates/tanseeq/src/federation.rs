//! `tanseeq peer …`, `tanseeq group …` and `tanseeq collection set …`: the operator's side of
//! the federation.

use crate::{CliError, DataArgs, fail};
use clap::Args;
use std::path::{Path, PathBuf};
use tanseeq_service::Node;
use tanseeq_service::federation::{
    CollectionSettings, Credentials, PeerConfig, PeerRules, SharingGroup,
};
use tanseeq_stix::{StixTimestamp, Tlp};
use uuid::Uuid;

/// Everything `peer add` is told.
#[derive(Args)]
pub struct PeerAddArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// A name for the peer.
    pub name: String,
    /// The peer's base URL (https://HOST:PORT; plain http:// only on loopback).
    #[arg(long)]
    pub url: String,
    /// The API root on the peer.
    #[arg(long, default_value = "api", value_name = "ROOT")]
    pub api_root: String,
    /// The collection on the peer.
    #[arg(long, value_name = "ID")]
    pub collection: Uuid,
    /// The collection here [default: the same id as --collection].
    #[arg(long, value_name = "ID")]
    pub local_collection: Option<Uuid>,
    /// The API root here.
    #[arg(long, default_value = "api", value_name = "ROOT")]
    pub local_api_root: String,
    /// This node's account on the peer.
    #[arg(long, value_name = "USER:PASSWORD", conflicts_with = "token")]
    pub credentials: Option<String>,
    /// This node's API token on the peer.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The peer node's public key (`tanseeq node info` on the peer prints it).
    #[arg(long, value_name = "KEY")]
    pub public_key: String,
    /// Fetch new objects from the peer.
    #[arg(long)]
    pub pull: bool,
    /// Send new objects to the peer as they are committed.
    #[arg(long)]
    pub push: bool,
    /// The PEM CA (or certificate) the peer's TLS certificate must chain to; the system's
    /// roots are never used.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// A PEM client certificate for mutual TLS (with --client-key).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// The highest TLP the peer may receive.
    #[arg(long, value_name = "TLP")]
    pub max_tlp: Option<String>,
    /// Send only these object types (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPE,…")]
    pub allow_type: Vec<String>,
    /// Never send these object types.
    #[arg(long, value_delimiter = ',', value_name = "TYPE,…")]
    pub deny_type: Vec<String>,
    /// Send only objects of these originators (organization names or identity ids).
    #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
    pub allow_originator: Vec<String>,
    /// Never send objects of these originators.
    #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
    pub deny_originator: Vec<String>,
    /// Send this node's sightings without who made them (no created_by_ref or
    /// where_sighted_refs; attributed to the node's anonymous identity).
    #[arg(long)]
    pub anonymize_sightings: bool,
}

fn read_pem(path: &Path, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Message(format!("{what} {}: {e}", path.display())))
}

/// An organization named on the command line (its name or identity id) as an identity id.
async fn identity_of(node: &Node, text: &str) -> Result<String, CliError> {
    if text.starts_with("identity--") {
        return Ok(text.to_owned());
    }
    match node.store.organization_by_name(text).await {
        Ok(Some(org)) => Ok(org.identity_id),
        Ok(None) => fail(format!(
            "no organization `{text}` (give its name or identity id)"
        )),
        Err(e) => fail(e.to_string()),
    }
}

pub async fn add_peer(node: &Node, args: PeerAddArgs) -> Result<(), CliError> {
    let credentials = match (args.credentials, args.token) {
        (Some(pair), None) => {
            let Some((user, password)) = pair.split_once(':') else {
                return Err(CliError::Usage(
                    "--credentials must be USER:PASSWORD".into(),
                ));
            };
            Credentials::Basic {
                user: user.to_owned(),
                password: password.to_owned(),
            }
        }
        (None, Some(token)) => Credentials::Token(token),
        _ => {
            return Err(CliError::Usage(
                "give the peer's account as --credentials USER:PASSWORD or --token TOKEN".into(),
            ));
        }
    };
    if let Some(tlp) = &args.max_tlp
        && Tlp::parse_name(tlp).is_none()
    {
        return Err(CliError::Usage(format!(
            "--max-tlp `{tlp}`: use clear, green, amber, amber+strict or red"
        )));
    }
    if args.client_cert.is_some() != args.client_key.is_some() {
        return Err(CliError::Usage(
            "--client-cert and --client-key go together".into(),
        ));
    }
    let mut allow_originators = Vec::new();
    for o in &args.allow_originator {
        allow_originators.push(identity_of(node, o).await?);
    }
    let mut deny_originators = Vec::new();
    for o in &args.deny_originator {
        deny_originators.push(identity_of(node, o).await?);
    }
    let local_collection = args.local_collection.unwrap_or(args.collection);
    match node
        .store
        .collection(&args.local_api_root, local_collection)
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => {
            return fail(format!(
                "no collection {local_collection} in API root `{}` here (give --local-collection)",
                args.local_api_root
            ));
        }
        Err(e) => return fail(e.to_string()),
    }
    let peer = PeerConfig {
        name: args.name,
        url: args.url,
        api_root: args.api_root,
        remote_collection: args.collection,
        local_api_root: args.local_api_root,
        local_collection,
        credentials,
        public_key: args.public_key.trim().to_owned(),
        pull: args.pull,
        push: args.push,
        ca_pem: args
            .ca
            .as_deref()
            .map(|p| read_pem(p, "--ca"))
            .transpose()?,
        client_cert_pem: args
            .client_cert
            .as_deref()
            .map(|p| read_pem(p, "--client-cert"))
            .transpose()?,
        client_key_pem: args
            .client_key
            .as_deref()
            .map(|p| read_pem(p, "--client-key"))
            .transpose()?,
        rules: PeerRules {
            max_tlp: args.max_tlp,
            allow_types: args.allow_type,
            deny_types: args.deny_type,
            allow_originators,
            deny_originators,
            anonymize_sightings: args.anonymize_sightings,
        },
    };
    // The client is built once to refuse a configuration that can never work (an https://
    // peer without a CA, plain http:// off loopback, unreadable PEM) now, not at sync time.
    let signer = node
        .signer()
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    tanseeq_federation::client::PeerClient::new(&peer, signer)
        .map_err(|e| CliError::Message(e.to_string()))?;
    node.add_peer(&peer)
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    println!("peer {} added", peer.name);
    Ok(())
}

pub async fn list_peers(node: &Node) -> Result<(), CliError> {
    let peers = node
        .peers()
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    if peers.is_empty() {
        println!("no peers");
        return Ok(());
    }
    let now = jiff::Timestamp::now();
    for (peer, state) in peers {
        let inbound = node
            .peer_inbound(&peer.name)
            .await
            .map_err(|e| CliError::Message(e.to_string()))?;
        let direction = match (peer.pull, peer.push) {
            (true, true) => "pull+push",
            (true, false) => "pull",
            (false, true) => "push",
            (false, false) => "called only",
        };
        let lag = state
            .last_in_step
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| format!("{:.1}s", now.duration_since(t).as_secs_f64()))
            .unwrap_or_else(|| "never in step".into());
        println!(
            "{}\t{}\t{}\tnode {}",
            peer.name,
            peer.url,
            direction,
            state
                .node_id
                .map(|n| n.to_string())
                .unwrap_or_else(|| "unknown yet".into())
        );
        println!(
            "\tlast pull {}\tlast push {}\tlag {lag}",
            state.last_pull.as_deref().unwrap_or("never"),
            state.last_push.as_deref().unwrap_or("never"),
        );
        println!(
            "\treceived {}\tsent {}\trefused {}\terrors {}\tpushed to us {} (refused {})",
            state.received,
            state.sent,
            state.rejected,
            state.errors,
            inbound.received,
            inbound.refused
        );
        if let Some(error) = state
            .last_error
            .as_deref()
            .or(inbound.last_refusal.as_deref())
        {
            println!("\tlast error: {error}");
        }
    }
    Ok(())
}

pub async fn remove_peer(node: &Node, name: &str) -> Result<(), CliError> {
    node.remove_peer(name)
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    println!("peer {name} removed");
    Ok(())
}

/// One sync round with one peer (or every peer), reported; exit 1 when any failed.
pub async fn sync(node: &Node, name: Option<&str>) -> Result<(), CliError> {
    let peers = node
        .peers()
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    let chosen: Vec<_> = peers
        .into_iter()
        .filter(|(p, _)| name.is_none_or(|n| n == p.name))
        .map(|(p, _)| p)
        .collect();
    if chosen.is_empty() {
        return fail(match name {
            Some(n) => format!("no peer `{n}`"),
            None => "no peers".into(),
        });
    }
    let mut failed = Vec::new();
    for peer in chosen {
        match tanseeq_federation::sync_once(node, &peer).await {
            Ok(r) => println!(
                "{}: pulled {} new ({} already here, {} refused), pushed {} ({} refused)",
                peer.name, r.pulled, r.pull_duplicates, r.pull_refused, r.pushed, r.push_refused
            ),
            Err(e) => {
                eprintln!("{}: {e}", peer.name);
                failed.push(peer.name);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        fail(format!("sync failed with {}", failed.join(", ")))
    }
}

// --- sharing groups ---------------------------------------------------------------------

/// Publishes a sharing group revision as the owner organization, into a collection.
async fn publish_group(
    node: &Node,
    owner_org: Uuid,
    api_root: &str,
    collection: Uuid,
    group: &SharingGroup,
) -> Result<(), CliError> {
    let raw = group.to_object(&StixTimestamp::from_jiff(jiff::Timestamp::now()));
    let value = serde_json::value::RawValue::from_string(raw)
        .map_err(|e| CliError::Message(e.to_string()))?;
    let batch = tanseeq_service::ingest::prepare_batch(api_root, collection, owner_org, [&*value]);
    let outcome = node
        .ingest(batch)
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    if let Some(failure) = outcome.status.failures.first() {
        return fail(format!(
            "the sharing group was refused: {}",
            failure.message.as_deref().unwrap_or("")
        ));
    }
    Ok(())
}

pub async fn create_group(
    node: &Node,
    owner: &str,
    name: &str,
    members: &[String],
    api_root: &str,
    collection: Uuid,
) -> Result<(), CliError> {
    let owner_org = match node.store.organization_by_name(owner).await {
        Ok(Some(org)) if org.is_local() => org,
        Ok(_) => return fail(format!("no organization `{owner}` on this node")),
        Err(e) => return fail(e.to_string()),
    };
    let mut member_ids = vec![owner_org.identity_id.clone()];
    for m in members {
        member_ids.push(identity_of(node, m).await?);
    }
    member_ids.sort();
    member_ids.dedup();
    let group = SharingGroup {
        id: format!("marking-definition--{}", Uuid::new_v4()),
        name: name.to_owned(),
        owner: owner_org.identity_id.clone(),
        members: member_ids,
        revision: 1,
        definition: None,
    };
    publish_group(node, owner_org.id, api_root, collection, &group).await?;
    println!("{}", group.id);
    Ok(())
}

pub async fn update_group(
    node: &Node,
    id: &str,
    add: &[String],
    remove: &[String],
    api_root: &str,
    collection: Uuid,
) -> Result<(), CliError> {
    let groups = node
        .sharing_groups()
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    let Some(mut group) = groups.into_iter().find(|g| g.id == id) else {
        return fail(format!("no sharing group {id}"));
    };
    let owner = match node.store.organization_by_identity(&group.owner).await {
        Ok(Some(org)) if org.is_local() => org,
        Ok(_) => return fail("the group's owner is not an organization of this node"),
        Err(e) => return fail(e.to_string()),
    };
    for m in add {
        group.members.push(identity_of(node, m).await?);
    }
    for m in remove {
        let identity = identity_of(node, m).await?;
        if identity == group.owner {
            return fail("the owner stays a member of its group");
        }
        group.members.retain(|x| *x != identity);
    }
    group.members.sort();
    group.members.dedup();
    group.revision += 1;
    group.definition = None;
    publish_group(node, owner.id, api_root, collection, &group).await?;
    println!("{} revision {}", group.id, group.revision);
    Ok(())
}

pub async fn list_groups(node: &Node) -> Result<(), CliError> {
    let groups = node
        .sharing_groups()
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    if groups.is_empty() {
        println!("no sharing groups");
    }
    for g in groups {
        println!(
            "{}\t{}\trevision {}\towner {}\tmembers {}",
            g.id,
            g.name,
            g.revision,
            g.owner,
            g.members.join(",")
        );
    }
    Ok(())
}

pub async fn set_collection(
    node: &Node,
    collection: Uuid,
    default_tlp: Option<String>,
) -> Result<(), CliError> {
    let tlp = match default_tlp.as_deref() {
        None | Some("none") => None,
        Some(text) => match Tlp::parse_name(text) {
            Some(t) => Some(t.name().trim_start_matches("TLP:").to_ascii_lowercase()),
            None => {
                return Err(CliError::Usage(format!(
                    "--default-tlp `{text}`: use clear, green, amber, amber+strict, red or none"
                )));
            }
        },
    };
    node.set_collection_settings(collection, &CollectionSettings { default_tlp: tlp })
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    println!("collection {collection} updated");
    Ok(())
}
