//! `tanseeq import` and `tanseeq export`: bundles in and out, streamed.

use crate::node::DEFAULT_API_ROOT;
use crate::{CliError, fail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::value::RawValue;
use std::io::{Read, Write};
use tanseeq_service::Node;
use tanseeq_service::ingest::prepare_batch;
use tanseeq_stix::bundle::read_objects;
use tanseeq_store::{
    DateAdded, Fetch, ObjectFilter, ObjectQuery, StatusDetail, VersionMatch, Visibility,
};
use uuid::Uuid;

/// Objects per transaction on import.
const IMPORT_BATCH: usize = 1_000;
/// Batches read ahead of the database while importing (bounds memory).
const IMPORT_QUEUE: usize = 2;
/// Objects per page on export.
const EXPORT_PAGE: usize = 1_000;
/// Invalid objects listed one by one; the rest are only counted.
const MAX_LISTED_INVALID: usize = 1_000;

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    progress: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

pub async fn import(
    node: &Node,
    collection_id: Uuid,
    org: Option<&str>,
    file: &str,
) -> Result<(), CliError> {
    let originator = match org {
        Some(name) => node.organization_named(name).await?,
        None => node
            .store
            .organizations()
            .await?
            .into_iter()
            .min_by_key(|o| o.created)
            .ok_or_else(|| CliError::Message("the node has no organization".into()))?,
    };
    if node
        .store
        .collection(DEFAULT_API_ROOT, collection_id)
        .await?
        .is_none()
    {
        return fail(format!("no collection {collection_id} on this node"));
    }

    let (reader, length): (Box<dyn Read + Send>, Option<u64>) = if file == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| CliError::Message(format!("cannot open {file}: {e}")))?;
        let length = f.metadata().ok().map(|m| m.len());
        (Box::new(f), length)
    };
    // indicatif draws only when stderr is a terminal.
    let progress = match length {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    let counting = Counting {
        inner: reader,
        progress: progress.clone(),
    };

    // A reader thread parses and hands batches over a bounded channel, so at most a few
    // batches are in memory whatever the size of the input.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Box<RawValue>>>(IMPORT_QUEUE);
    let reader_thread = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        let summary = read_objects(counting, |object| {
            batch.push(object);
            if batch.len() == IMPORT_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(IMPORT_BATCH));
                sender
                    .blocking_send(full)
                    .map_err(|_| "the import stopped")?;
            }
            Ok::<(), &str>(())
        });
        if !batch.is_empty() {
            let _ = sender.blocking_send(batch);
        }
        summary
    });

    let (mut stored, mut duplicates) = (0u64, 0u64);
    let mut invalid: Vec<StatusDetail> = Vec::new();
    let mut invalid_count = 0usize;
    while let Some(objects) = receiver.recv().await {
        let mut batch = prepare_batch(
            DEFAULT_API_ROOT,
            collection_id,
            originator.id,
            objects.iter().map(|o| o.as_ref()),
        );
        // Nobody polls the status of a bulk load: its outcome is reported here.
        batch.keep_status = false;
        let outcome = node.ingest(batch).await?;
        stored += outcome.stored;
        duplicates += outcome.duplicates;
        invalid_count += outcome.status.failures.len();
        for failure in outcome.status.failures {
            if invalid.len() < MAX_LISTED_INVALID {
                invalid.push(failure);
            }
        }
    }
    progress.finish_and_clear();
    let read_result = reader_thread
        .join()
        .map_err(|_| CliError::Message("the reader thread failed".into()))?;

    for failure in &invalid {
        eprintln!(
            "invalid: {} {}: {}",
            if failure.id.is_empty() {
                "(no id)"
            } else {
                &failure.id
            },
            failure.version,
            failure.message.as_deref().unwrap_or("")
        );
    }
    if invalid_count > invalid.len() {
        eprintln!(
            "… and {} more invalid objects",
            invalid_count - invalid.len()
        );
    }
    println!("stored: {stored}, duplicates: {duplicates}, invalid: {invalid_count}");
    match read_result {
        Ok(_) => Ok(()),
        Err(e) => fail(format!(
            "the input could not be read to the end: {e} (objects before that point were imported)"
        )),
    }
}

pub async fn export(
    node: &Node,
    collection_id: Uuid,
    types: Vec<String>,
    added_after: Option<&str>,
    all_versions: bool,
) -> Result<(), CliError> {
    if node
        .store
        .collection(DEFAULT_API_ROOT, collection_id)
        .await?
        .is_none()
    {
        return fail(format!("no collection {collection_id} on this node"));
    }
    let added_after = match added_after {
        Some(text) => Some(DateAdded::parse(text).ok_or_else(|| {
            CliError::Message(format!(
                "--added-after `{text}` is not a timestamp like 2026-01-01T00:00:00Z"
            ))
        })?),
        None => None,
    };
    let mut query = ObjectQuery {
        collection_id,
        // The operator exports what the node holds; partners read through TAXII.
        visibility: Visibility::Operator,
        filter: ObjectFilter {
            added_after,
            types,
            versions: if all_versions {
                VersionMatch::all()
            } else {
                VersionMatch::last()
            },
            ..Default::default()
        },
        after: None,
        limit: EXPORT_PAGE,
        fetch: Fetch::Objects,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // STIX forbids empty lists, so `objects` is written only when there is one.
    write!(
        out,
        "{{\"type\":\"bundle\",\"id\":\"bundle--{}\"",
        Uuid::new_v4()
    )?;
    let mut first = true;
    loop {
        let page = node.store.query_objects(&query).await?;
        for record in &page.records {
            out.write_all(if first { b",\"objects\":[\n" } else { b",\n" })?;
            first = false;
            out.write_all(record.raw.as_deref().unwrap_or("null").as_bytes())?;
        }
        match page.next_cursor() {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    out.write_all(if first { b"}\n" } else { b"\n]}\n" })?;
    out.flush()?;
    Ok(())
}
