//! Patterns and matching from the command line: `tanseeq pattern check`, `tanseeq pattern
//! match` (one pattern against observed-data in a file, for scripts), and `tanseeq match` (a
//! stream of log lines or observables against every indicator of a node).

use crate::node::{self, Location};
use crate::{CliError, fail};
use serde_json::{Value, json};
use std::io::BufRead;
use tanseeq_matcher::Observable;
use tanseeq_pattern::{Observations, StixVersion};
use tanseeq_service::Node;
use tanseeq_service::accounts::Caller;
use tanseeq_service::matching::IndicatorHit;
use uuid::Uuid;

/// Lines matched together when they are already waiting (a file, a burst on a pipe).
const MATCH_BATCH_LINES: usize = 1_000;
/// Largest file `pattern match` reads, in bytes.
const MAX_OBSERVATION_FILE: u64 = 256 * 1024 * 1024;

/// The STIX namespace for deterministic SCO ids (STIX 2.1 section 2.9).
const STIX_SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

pub fn parse_version(text: &str) -> Result<StixVersion, String> {
    match text {
        "2.0" => Ok(StixVersion::V20),
        "2.1" => Ok(StixVersion::V21),
        other => Err(format!("`{other}` is not a STIX version: use 2.0 or 2.1")),
    }
}

/// `tanseeq pattern check`: exit 0 when the pattern is valid, 1 with the parser's message.
pub fn check(pattern: &str, version: StixVersion) -> Result<(), CliError> {
    match tanseeq_pattern::parse(pattern, version) {
        Ok(_) => Ok(()),
        Err(e) => fail(format!("invalid pattern: {e}")),
    }
}

/// `tanseeq pattern match`: exit 0 and the matching observed-data ids (JSON) when the pattern
/// matches the observations in `file`, 1 when it does not, 2 on any error.
pub fn match_file(pattern: &str, version: StixVersion, file: &str) -> Result<(), CliError> {
    let usage = |message: String| CliError::Exit(2, Some(message));
    let pattern = tanseeq_pattern::parse(pattern, version)
        .map_err(|e| usage(format!("invalid pattern: {e}")))?;
    let text = if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(std::io::stdin(), MAX_OBSERVATION_FILE),
            &mut text,
        )
        .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
        text
    } else {
        let size = std::fs::metadata(file)
            .map_err(|e| usage(format!("cannot read {file}: {e}")))?
            .len();
        if size > MAX_OBSERVATION_FILE {
            return Err(usage(format!(
                "{file} is {size} bytes; at most {MAX_OBSERVATION_FILE} are read"
            )));
        }
        std::fs::read_to_string(file).map_err(|e| usage(format!("cannot read {file}: {e}")))?
    };
    let value: Value =
        serde_json::from_str(&text).map_err(|e| usage(format!("{file} is not JSON: {e}")))?;
    let observations =
        Observations::from_json(&value).map_err(|e| usage(format!("{file}: {e}")))?;
    match tanseeq_pattern::evaluate(&pattern, &observations) {
        Ok(Some(found)) => {
            println!("{}", json!(found.observed_data_ids));
            Ok(())
        }
        Ok(None) => Err(CliError::Exit(1, None)),
        Err(e) => Err(usage(format!("evaluation stopped: {e}"))),
    }
}

/// Options of `tanseeq match`.
pub struct StreamOptions {
    pub location: Location,
    pub org: Option<String>,
    pub record_sightings: bool,
    pub file: String,
}

/// `tanseeq match`: every line of the input (JSON SCOs, `type:value`, or raw log lines, also
/// defanged) against every indicator the organization may see; one JSON line per hit on
/// standard output; with `--record-sightings`, each hit stored as a sighting.
pub async fn stream(options: StreamOptions) -> Result<(), CliError> {
    let node = node::open(&options.location, Default::default()).await?;
    let org = match &options.org {
        Some(name) => node.organization_named(name).await?,
        None => match node.store.organizations().await?.into_iter().next() {
            Some(org) => org,
            None => return fail("the node has no organization"),
        },
    };
    let caller = Caller::acting_for(org.id);
    node.refresh_indicators().await?;
    let (indexed, skipped) = node.indicator_index_size().await;
    eprintln!(
        "matching against {indexed} indicators ({skipped} not indexable) as `{}`",
        org.name
    );

    // Lines are read on a thread and handed over in order; what is already waiting is matched
    // together, so a file goes fast and a live pipe is answered line by line.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(u64, String)>(MATCH_BATCH_LINES);
    let file = options.file.clone();
    let reader = std::thread::spawn(move || -> Result<(), String> {
        let input: Box<dyn BufRead> = if file == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(&file).map_err(|e| format!("cannot open {file}: {e}"))?,
            ))
        };
        for (number, line) in input.lines().enumerate() {
            let line = line.map_err(|e| format!("reading line {}: {e}", number + 1))?;
            if sender.blocking_send((number as u64 + 1, line)).is_err() {
                break;
            }
        }
        Ok(())
    });

    let mut sightings = Sightings::new(&node, &caller, &org.identity_id);
    let (mut lines, mut hits_total) = (0u64, 0u64);
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MATCH_BATCH_LINES {
            match receiver.try_recv() {
                Ok(line) => batch.push(line),
                Err(_) => break,
            }
        }
        lines += batch.len() as u64;
        let mut observables: Vec<(u64, Observable)> = Vec::new();
        for (number, line) in &batch {
            match tanseeq_matcher::extract::observables(line) {
                Ok(found) => observables.extend(found.into_iter().map(|o| (*number, o))),
                Err(e) => eprintln!("line {number}: {e}"),
            }
        }
        let only: Vec<Observable> = observables.iter().map(|(_, o)| o.clone()).collect();
        let now = jiff::Timestamp::now();
        let results = node.match_observables(&caller, &only, now).await?;
        let mut out = std::io::stdout().lock();
        for ((number, observable), hits) in observables.iter().zip(results) {
            for hit in hits {
                hits_total += 1;
                let line = json!({
                    "line": number,
                    "observable": observable.to_object(),
                    "indicator": tanseeq_taxii::matching::indicator_json(&hit),
                });
                std::io::Write::write_all(&mut out, format!("{line}\n").as_bytes())?;
                if options.record_sightings {
                    sightings.add(observable, &hit, now);
                }
            }
        }
        std::io::Write::flush(&mut out)?;
        sightings.flush().await?;
    }
    match reader.join() {
        Ok(Ok(())) => {}
        Ok(Err(message)) => return fail(message),
        Err(_) => return fail("the input reader failed"),
    }
    eprintln!(
        "{lines} lines, {hits_total} hits{}",
        if options.record_sightings {
            format!(", {} sightings recorded", sightings.recorded)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Sightings waiting to be stored, per collection of the indicators they sight.
struct Sightings<'a> {
    node: &'a Node,
    caller: &'a Caller,
    identity: String,
    pending: Vec<(String, Uuid, Vec<String>)>,
    recorded: u64,
}

impl<'a> Sightings<'a> {
    fn new(node: &'a Node, caller: &'a Caller, identity: &str) -> Self {
        Sightings {
            node,
            caller,
            identity: identity.to_owned(),
            pending: Vec::new(),
            recorded: 0,
        }
    }

    /// A sighting of the indicator, with the observed-data and the observable it saw, in the
    /// indicator's collection and under its markings: what the indicator's audience may see.
    fn add(&mut self, observable: &Observable, hit: &IndicatorHit, at: jiff::Timestamp) {
        let time = tanseeq_stix::StixTimestamp::from_jiff(at).to_millis_string();
        let mut sco = observable.to_object();
        let mut contributing = sco.clone();
        if let Some(map) = contributing.as_object_mut() {
            map.remove("type");
            map.remove("id");
        }
        let sco_id = format!(
            "{}--{}",
            observable.object_type,
            Uuid::new_v5(&STIX_SCO_NAMESPACE, contributing.to_string().as_bytes())
        );
        sco["id"] = json!(sco_id);
        sco["spec_version"] = json!("2.1");
        let markings = &hit.indicator.object_marking_refs;
        let observed_id = format!("observed-data--{}", Uuid::new_v4());
        let mut observed = json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": observed_id,
            "created": time,
            "modified": time,
            "created_by_ref": self.identity,
            "first_observed": time,
            "last_observed": time,
            "number_observed": 1,
            "object_refs": [sco_id],
        });
        let mut sighting = json!({
            "type": "sighting",
            "spec_version": "2.1",
            "id": format!("sighting--{}", Uuid::new_v4()),
            "created": time,
            "modified": time,
            "created_by_ref": self.identity,
            "first_seen": time,
            "last_seen": time,
            "count": 1,
            "sighting_of_ref": hit.indicator.id,
            "observed_data_refs": [observed_id],
            "where_sighted_refs": [self.identity],
        });
        if !markings.is_empty() {
            observed["object_marking_refs"] = json!(markings);
            sighting["object_marking_refs"] = json!(markings);
            sco["object_marking_refs"] = json!(markings);
        }
        let objects = [sco, observed, sighting]
            .iter()
            .map(Value::to_string)
            .collect();
        self.pending.push((
            hit.indicator.api_root.clone(),
            hit.indicator.collection_id,
            objects,
        ));
    }

    /// Stores what is pending: one request per collection.
    async fn flush(&mut self) -> Result<(), CliError> {
        let mut by_collection: Vec<((String, Uuid), Vec<String>, u64)> = Vec::new();
        for (api_root, collection, objects) in std::mem::take(&mut self.pending) {
            let key = (api_root, collection);
            match by_collection.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, all, count)) => {
                    all.extend(objects);
                    *count += 1;
                }
                None => by_collection.push((key, objects, 1)),
            }
        }
        for ((root, collection), objects, count) in by_collection {
            let raws: Vec<Box<serde_json::value::RawValue>> = objects
                .into_iter()
                .filter_map(|o| serde_json::value::RawValue::from_string(o).ok())
                .collect();
            self.node
                .open_collection(
                    self.caller,
                    &root,
                    collection,
                    tanseeq_service::access::Need::Write,
                )
                .await
                .map_err(|e| {
                    CliError::Message(format!(
                        "cannot record sightings in collection {collection}: {e}"
                    ))
                })?;
            let status = self
                .node
                .submit(
                    self.caller,
                    &root,
                    collection,
                    raws.iter().map(|r| r.as_ref()),
                )
                .await?;
            if let Some(failure) = status.failures.first() {
                return fail(format!(
                    "a sighting was refused: {} {}",
                    failure.id,
                    failure.message.as_deref().unwrap_or("")
                ));
            }
            self.recorded += count;
        }
        Ok(())
    }
}
