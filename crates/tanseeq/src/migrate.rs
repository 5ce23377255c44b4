//! `tanseeq migrate`: bring a database's schema up to date, or move a whole node from one
//! database to another (a data directory to PostgreSQL, or back).

use crate::node::{self, Location};
use crate::{CliError, fail};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;
use tanseeq_service::copy::{copy_node, objects_to_copy};

/// Applies pending migrations (opening a store does), reports the schema version, and indexes
/// for search the object versions stored before search existed (a serving process would do it
/// in the background otherwise).
pub async fn upgrade(location: &Location) -> Result<(), CliError> {
    let store = node::open_store(location).await?;
    let version = store.schema_version().await?;
    println!(
        "{}: schema version {} of {} ({} backend), up to date",
        location.describe(),
        version.current,
        version.expected,
        store.backend_name()
    );
    let mut indexed = 0;
    loop {
        let done = store
            .index_pending(tanseeq_service::search::SEARCH_INDEX_BATCH)
            .await?;
        if done == 0 {
            break;
        }
        indexed += done;
    }
    if indexed > 0 {
        println!("indexed {indexed} object versions for search");
    }
    Ok(())
}

/// Copies the node at `from` into the empty `to`, shows progress, and prints what the
/// verification read back.
pub async fn copy(from: &Location, to: &Location) -> Result<(), CliError> {
    if from == to {
        return fail("--from and --to name the same place");
    }
    let source = node::open(from, Default::default()).await?;
    let target = node::create_empty_store(to).await?;
    let total = objects_to_copy(source.store.as_ref()).await?;
    // indicatif draws only when stderr is a terminal.
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} copying object versions {bar:40} {human_pos}/{human_len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let report = {
        let bar = progress.clone();
        copy_node(&source, target.as_ref(), &mut move |done| {
            bar.set_position(done)
        })
        .await
    };
    progress.finish_and_clear();
    let report = report.map_err(|e| {
        CliError::Message(format!(
            "the copy to {} failed, the source is unchanged: {e}",
            to.describe()
        ))
    })?;
    let objects: u64 = report.collections.iter().map(|c| c.objects).sum();
    println!(
        "moved the node from {} to {} in {:.1} s",
        from.describe(),
        to.describe(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "organizations {}, users {}, tokens {}, status resources {}, object versions {objects}",
        report.organizations, report.users, report.tokens, report.statuses
    );
    for collection in &report.collections {
        println!(
            "collection {} ({}): {} object versions, sha256 {} — identical in both",
            collection.id, collection.title, collection.objects, collection.checksum
        );
    }
    println!(
        "verified: counts and checksums read back from {} match the source",
        to.describe()
    );
    Ok(())
}
