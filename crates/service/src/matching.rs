//! "Which indicators does this observable hit?" — against every active indicator of the
//! node, answered for a caller with only the indicators it may see.
//!
//! The index ([`tanseeq_matcher::IndicatorIndex`]) holds the latest version of every indicator
//! whose `pattern_type` is `stix`, from every collection. It is a cache of the store, built on
//! first use and brought up to date before each match by reading what was added since (per
//! collection, by `date_added` cursor), so indicators that arrive through any process are
//! matched, newer versions and revocations replace older ones, and expiry is judged at match
//! time. What a caller receives is filtered by [`access::visibility`] — the same function that
//! guards every other read — applied to each hit's collection and metadata.

use crate::access::visibility;
use crate::accounts::Caller;
use crate::{Node, ServiceError};
use std::collections::HashMap;
use std::str::FromStr;
use tanseeq_matcher::{Indicator, IndicatorIndex, IndicatorKey, Observable};
use tanseeq_pattern::{Observations, StixVersion};
use tanseeq_store::{
    Cursor, Fetch, ObjectFilter, ObjectMeta, ObjectQuery, VersionMatch, Visibility,
};
use uuid::Uuid;

/// Indicators read from the store per query while the index is built or refreshed.
const REFRESH_PAGE: usize = 5_000;
/// Most observables one match request may carry.
pub const MAX_OBSERVABLES_PER_REQUEST: usize = 10_000;

/// What the index keeps about an indicator, to filter hits by visibility and to report them.
#[derive(Debug, Clone)]
pub struct IndicatorInfo {
    pub id: String,
    pub name: Option<String>,
    pub pattern: String,
    pub api_root: String,
    pub collection_id: Uuid,
    pub created_by_ref: Option<String>,
    pub object_marking_refs: Vec<String>,
    /// The stored version's metadata: originator and restriction, for the visibility check.
    pub meta: ObjectMeta,
}

/// One indicator hit, as a caller may see it.
#[derive(Debug, Clone)]
pub struct IndicatorHit {
    pub indicator: IndicatorInfo,
    /// The organization that submitted the indicator to this node.
    pub producer: String,
    /// For observed-data input: the observed-data that took part in the match.
    pub observed_data_ids: Vec<String>,
}

#[derive(Default)]
pub(crate) struct MatchIndex {
    state: tokio::sync::RwLock<IndexState>,
    /// One refresh at a time; others wait for it and then find little to do.
    refreshing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct IndexState {
    index: IndicatorIndex<IndicatorInfo>,
    /// The version indexed for each `(collection, originator, id)` key.
    versions: HashMap<String, String>,
    /// Per collection: the position after the last object version read.
    cursors: HashMap<Uuid, Cursor>,
    /// Indicators whose pattern could not be indexed (not `stix`, or not parseable).
    skipped: u64,
}

/// The fields of an indicator the index needs, read from its raw JSON.
#[derive(serde::Deserialize)]
struct IndicatorFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    pattern_type: Option<String>,
    #[serde(default)]
    pattern_version: Option<String>,
    #[serde(default)]
    spec_version: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    created_by_ref: Option<String>,
    #[serde(default)]
    object_marking_refs: Vec<String>,
}

/// The patterning grammar an indicator asks for: `pattern_version`, else its `spec_version`.
pub fn pattern_grammar(pattern_version: Option<&str>, spec_version: Option<&str>) -> StixVersion {
    match pattern_version.or(spec_version) {
        Some(v) if v.starts_with("2.0") => StixVersion::V20,
        _ => StixVersion::V21,
    }
}

fn index_key(collection: Uuid, meta: &ObjectMeta) -> String {
    format!("{collection} {} {}", meta.originator_org, meta.id)
}

/// Parses a stored indicator for the index; `None` when it cannot be matched (another
/// pattern language, or a pattern that does not parse — refused at ingest since, but older
/// data may hold one).
fn indexable(
    api_root: &str,
    collection: Uuid,
    meta: &ObjectMeta,
    raw: &str,
) -> Option<Indicator<IndicatorInfo>> {
    let fields: IndicatorFields = serde_json::from_str(raw).ok()?;
    if fields.pattern_type.as_deref() != Some("stix") {
        return None;
    }
    let text = fields.pattern?;
    let grammar = pattern_grammar(
        fields.pattern_version.as_deref(),
        fields.spec_version.as_deref(),
    );
    let pattern = tanseeq_pattern::parse(&text, grammar).ok()?;
    let valid_from = jiff::Timestamp::from_str(fields.valid_from.as_deref()?).ok()?;
    let valid_until = match fields.valid_until.as_deref() {
        Some(t) => Some(jiff::Timestamp::from_str(t).ok()?),
        None => None,
    };
    Some(Indicator {
        key: IndicatorKey {
            id: index_key(collection, meta),
            version: meta.version.sortable.clone(),
        },
        pattern,
        valid_from,
        valid_until,
        revoked: fields.revoked,
        metadata: IndicatorInfo {
            id: meta.id.clone(),
            name: fields.name,
            pattern: text,
            api_root: api_root.to_owned(),
            collection_id: collection,
            created_by_ref: fields.created_by_ref,
            object_marking_refs: fields.object_marking_refs,
            meta: meta.clone(),
        },
    })
}

impl Node {
    /// Brings the indicator index up to date with the store: reads, per collection, every
    /// indicator version added since the last refresh (all of them, the first time).
    pub async fn refresh_indicators(&self) -> Result<(), ServiceError> {
        let _one_at_a_time = self.matching.refreshing.lock().await;
        let cursors = self.matching.state.read().await.cursors.clone();
        let mut found: Vec<(Uuid, Option<Indicator<IndicatorInfo>>, ObjectMeta)> = Vec::new();
        let mut moved: HashMap<Uuid, Cursor> = HashMap::new();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let mut after = cursors.get(&collection.id).copied();
                loop {
                    let page = self
                        .store
                        .query_objects(&ObjectQuery {
                            collection_id: collection.id,
                            // The index serves every caller; each hit is filtered by the
                            // caller's visibility when it is reported.
                            visibility: Visibility::Operator,
                            filter: ObjectFilter {
                                types: vec!["indicator".into()],
                                versions: VersionMatch::all(),
                                ..ObjectFilter::default()
                            },
                            after,
                            limit: REFRESH_PAGE,
                            fetch: Fetch::Objects,
                        })
                        .await?;
                    for record in &page.records {
                        let raw = record.raw.as_deref().unwrap_or_default();
                        let indicator = indexable(&root.name, collection.id, &record.meta, raw);
                        found.push((collection.id, indicator, record.meta.clone()));
                    }
                    if let Some(last) = page.records.last() {
                        after = Some(last.meta.cursor());
                        moved.insert(collection.id, last.meta.cursor());
                    }
                    if !page.more {
                        break;
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let mut state = self.matching.state.write().await;
        for (collection, indicator, meta) in found {
            let key = index_key(collection, &meta);
            // Versions may arrive in any order: only a later one replaces what is indexed.
            let current = state.versions.get(&key).cloned();
            if current
                .as_ref()
                .is_some_and(|v| *v >= meta.version.sortable)
            {
                continue;
            }
            if let Some(version) = current {
                state.index.remove(&IndicatorKey {
                    id: key.clone(),
                    version,
                });
            }
            state
                .versions
                .insert(key.clone(), meta.version.sortable.clone());
            match indicator {
                Some(indicator) => {
                    if state.index.insert(indicator).is_err() {
                        state.skipped += 1;
                    }
                }
                None => state.skipped += 1,
            }
        }
        state.cursors.extend(moved);
        Ok(())
    }

    /// How many indicators the index holds, and how many could not be indexed.
    pub async fn indicator_index_size(&self) -> (usize, u64) {
        let state = self.matching.state.read().await;
        (state.index.len(), state.skipped)
    }

    /// Forgets an indicator removed from a collection (a DELETE through this process).
    pub(crate) async fn forget_indicator(&self, collection: Uuid, id: &str) {
        let mut state = self.matching.state.write().await;
        let prefix = format!("{collection} ");
        let keys: Vec<String> = state
            .versions
            .keys()
            .filter(|k| k.starts_with(&prefix) && k.ends_with(&format!(" {id}")))
            .cloned()
            .collect();
        for key in keys {
            if let Some(version) = state.versions.remove(&key) {
                state.index.remove(&IndicatorKey { id: key, version });
            }
        }
        // A later refresh must not bring it back: the cursor is past it already.
    }

    /// For each collection the caller may read, the visibility it gets there.
    async fn visibilities(
        &self,
        caller: &Caller,
    ) -> Result<HashMap<Uuid, Visibility>, ServiceError> {
        let mut map = HashMap::new();
        let directory = self.directory_for(caller.reader()).await?;
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                if let Some(v) = visibility(caller, &collection, &directory) {
                    map.insert(collection.id, v);
                }
            }
        }
        Ok(map)
    }

    async fn organization_names(&self) -> Result<HashMap<Uuid, String>, ServiceError> {
        Ok(self
            .store
            .organizations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// The indicators each observable hits, among those the caller may see, at time `at`;
    /// one list per observable, in order.
    pub async fn match_observables(
        &self,
        caller: &Caller,
        observables: &[Observable],
        at: jiff::Timestamp,
    ) -> Result<Vec<Vec<IndicatorHit>>, ServiceError> {
        if observables.len() > MAX_OBSERVABLES_PER_REQUEST {
            return Err(ServiceError::BadRequest(format!(
                "{} observables in one request; at most {MAX_OBSERVABLES_PER_REQUEST}",
                observables.len()
            )));
        }
        self.refresh_indicators().await?;
        let visible = self.visibilities(caller).await?;
        let names = self.organization_names().await?;
        let state = self.matching.state.read().await;
        Ok(observables
            .iter()
            .map(|observable| {
                state
                    .index
                    .match_observable(observable, at)
                    .into_iter()
                    .filter(|hit| admitted(&visible, hit.metadata))
                    .map(|hit| report(hit.metadata, &names, Vec::new()))
                    .collect()
            })
            .collect())
    }

    /// The indicators a set of observations (observed-data with their objects) hits, among
    /// those the caller may see, judged at time `at` for validity.
    pub async fn match_observations(
        &self,
        caller: &Caller,
        observations: &Observations,
        at: jiff::Timestamp,
    ) -> Result<Vec<IndicatorHit>, ServiceError> {
        self.refresh_indicators().await?;
        let visible = self.visibilities(caller).await?;
        let names = self.organization_names().await?;
        let state = self.matching.state.read().await;
        let matches = state.index.match_observations(observations, at);
        if let Some(incomplete) = matches.incomplete.first() {
            tracing::warn!(indicator = %incomplete.key.id, error = %incomplete.error,
                "an indicator's evaluation stopped at a limit");
        }
        Ok(matches
            .hits
            .into_iter()
            .filter(|hit| admitted(&visible, hit.metadata))
            .map(|hit| report(hit.metadata, &names, hit.observed_data_ids))
            .collect())
    }
}

/// Whether the caller may see this indicator: [`access::visibility`] for its collection,
/// applied to its metadata.
fn admitted(visible: &HashMap<Uuid, Visibility>, info: &IndicatorInfo) -> bool {
    visible
        .get(&info.collection_id)
        .is_some_and(|v| v.admits(&info.meta))
}

fn report(
    info: &IndicatorInfo,
    names: &HashMap<Uuid, String>,
    observed_data_ids: Vec<String>,
) -> IndicatorHit {
    IndicatorHit {
        producer: names
            .get(&info.meta.originator_org)
            .cloned()
            .unwrap_or_else(|| info.meta.originator_org.to_string()),
        indicator: info.clone(),
        observed_data_ids,
    }
}
