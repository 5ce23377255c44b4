//! `tanseeq demo`: a node with two agencies and realistic sample data, in a temporary
//! directory that disappears when it stops.

use crate::node::{self, DEFAULT_API_ROOT, Location};
use crate::{CliError, serve};
use std::net::SocketAddr;
use tanseeq_demo::{DemoOrg, demo_objects};
use tanseeq_service::ingest::prepare_batch;
use tanseeq_store::Role;

const ORG_A: &str = "National CERT (State A)";
const ORG_B: &str = "Police Cybercrime Unit (State B)";

pub async fn run(
    listen: SocketAddr,
    location: Option<Location>,
    no_serve: bool,
) -> Result<(), CliError> {
    // A temporary directory is removed when `_temporary` is dropped, at exit.
    let (location, _temporary) = match location {
        Some(location) => (location, None),
        None => {
            let dir = tempfile::Builder::new().prefix("tanseeq-demo-").tempdir()?;
            (Location::Dir(dir.path().to_owned()), Some(dir))
        }
    };
    let (node, org_a, admin_password) =
        node::create(&location, ORG_A, "admin", Some("demo")).await?;
    let org_b = node.add_organization(ORG_B).await?;

    let mut accounts = vec![("admin", ORG_A, "admin", admin_password)];
    for (name, org, role) in [
        ("analyst-a", ORG_A, Role::Analyst),
        ("analyst-b", ORG_B, Role::Analyst),
        ("reader-b", ORG_B, Role::Reader),
    ] {
        let password = tanseeq_service::accounts::random_password(16)?;
        node.add_user(org, name, role, &password).await?;
        accounts.push((name, org, role.as_str(), password));
    }
    let names = [ORG_A.to_string(), ORG_B.to_string()];
    let shared = node::add_collection(
        &node,
        "memorandum",
        Some("Shared between the agencies of the memorandum".into()),
        None,
        &names,
        &names,
    )
    .await?;
    node::add_collection(
        &node,
        "state-b-internal",
        Some("State B's police cybercrime unit only".into()),
        None,
        &names[1..],
        &names[1..],
    )
    .await?;

    let orgs = [&org_a, &org_b].map(|o| DemoOrg {
        name: o.name.clone(),
        identity_id: o.identity_id.clone(),
    });
    let objects = demo_objects(&orgs);
    let mut stored = 0;
    for (index, org) in [&org_a, &org_b].into_iter().enumerate() {
        let raws: Vec<Box<serde_json::value::RawValue>> = objects
            .iter()
            .filter(|o| o.org_index == index)
            .filter_map(|o| serde_json::value::RawValue::from_string(o.json.clone()).ok())
            .collect();
        let mut batch = prepare_batch(
            DEFAULT_API_ROOT,
            shared.id,
            org.id,
            raws.iter().map(|r| r.as_ref()),
        );
        // Nobody polls the status of a bulk load: its outcome is reported here.
        batch.keep_status = false;
        let outcome = node.ingest(batch).await?;
        for failure in &outcome.status.failures {
            tracing::warn!(id = %failure.id, message = ?failure.message, "demo object refused");
        }
        stored += outcome.stored;
    }

    let mut banner = format!(
        "demo node in {} with {stored} sample objects\ncollection `memorandum`: {}\naccounts:",
        location.describe(),
        shared.id
    );
    for (name, org, role, password) in &accounts {
        banner.push_str(&format!("\n  {name:<10} {password}  ({role}, {org})"));
    }
    let (user, _, _, password) = &accounts[1];
    banner.push_str(&format!(
        "\ntry:\n  curl -s -u {user}:{password} -H 'Accept: application/taxii+json;version=2.1' \
         'http://{listen}/{DEFAULT_API_ROOT}/collections/{}/objects/?limit=5'",
        shared.id
    ));
    if no_serve {
        println!("{banner}");
        return Ok(());
    }
    serve::serve(node, listen, Some(banner)).await
}
