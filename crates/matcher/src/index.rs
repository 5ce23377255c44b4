//! The indicator index: anchors in maps, tries and automata; full evaluation of candidates.

use std::collections::HashMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use jiff::Timestamp;
use prefix_trie::PrefixMap;
use serde_json::Value;
use tanseeq_pattern::{EvalError, Matcher, Observations, Pattern, PatternError};

use crate::anchors::{Anchor, anchors, parse_net};
use crate::observable::Observable;
use crate::substrings::SubstringIndex;

pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The slots of the indicators one anchor belongs to. Most anchors belong to one indicator,
/// which is kept inline (no allocation for the common case).
#[derive(Debug, Clone, Default)]
pub(crate) enum Postings {
    #[default]
    Empty,
    One(u32),
    Many(Vec<u32>),
}

impl Postings {
    pub fn push(&mut self, slot: u32) {
        *self = match std::mem::take(self) {
            Postings::Empty => Postings::One(slot),
            Postings::One(a) => Postings::Many(vec![a, slot]),
            Postings::Many(mut v) => {
                v.push(slot);
                Postings::Many(v)
            }
        };
    }

    /// Removes one occurrence of `slot`.
    pub fn remove(&mut self, slot: u32) {
        match self {
            Postings::One(a) if *a == slot => *self = Postings::Empty,
            Postings::Many(v) => {
                if let Some(i) = v.iter().position(|s| *s == slot) {
                    v.swap_remove(i);
                }
                match v.as_slice() {
                    [] => *self = Postings::Empty,
                    [a] => *self = Postings::One(*a),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Postings::Empty)
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let (one, many): (Option<u32>, &[u32]) = match self {
            Postings::Empty => (None, &[]),
            Postings::One(a) => (Some(*a), &[]),
            Postings::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter().copied())
    }
}

/// Which indicator, as the caller names it: the STIX id and a version string of its choice
/// (typically `modified`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorKey {
    pub id: String,
    pub version: String,
}

/// One indicator to index. `metadata` is the caller's own (a store handle, the producer, …)
/// and comes back with every hit.
#[derive(Debug, Clone)]
pub struct Indicator<M> {
    pub key: IndicatorKey,
    pub pattern: Pattern,
    pub valid_from: Timestamp,
    /// First instant at which the indicator no longer holds; `None`: open-ended.
    pub valid_until: Option<Timestamp>,
    pub revoked: bool,
    pub metadata: M,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Only hand-built patterns get here: the parser compiles every regular expression.
    #[error("indicator {id}: {source}")]
    Pattern { id: String, source: PatternError },
    #[error("the index holds {0} indicators, the most it can")]
    Full(usize),
}

/// An indicator that matched.
#[derive(Debug)]
pub struct Hit<'a, M> {
    pub key: &'a IndicatorKey,
    pub metadata: &'a M,
    /// The observed-data of one match, in input order; empty for a single observable.
    pub observed_data_ids: Vec<String>,
}

/// An indicator whose evaluation stopped at one of the evaluator's bounds (neither a match
/// nor a non-match).
#[derive(Debug)]
pub struct Incomplete<'a> {
    pub key: &'a IndicatorKey,
    pub error: EvalError,
}

/// The answer for observed-data.
#[derive(Debug)]
pub struct Matches<'a, M> {
    pub hits: Vec<Hit<'a, M>>,
    pub incomplete: Vec<Incomplete<'a>>,
}

/// How the indicators are anchored, for reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub indicators: usize,
    pub equals_anchors: usize,
    pub subnet_anchors: usize,
    pub substring_anchors: usize,
    /// Indicators with at least one anchor that is only an object type: evaluated for every
    /// object of that type.
    pub type_anchored_indicators: usize,
    pub object_paths: usize,
}

struct Entry<M> {
    key: IndicatorKey,
    matcher: Matcher,
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
    revoked: bool,
    metadata: M,
}

impl<M> Entry<M> {
    fn active(&self, at: Timestamp) -> bool {
        !self.revoked && self.valid_from <= at && self.valid_until.is_none_or(|u| at < u)
    }
}

/// The anchors on one object path of one type.
#[derive(Default)]
struct PathIndex {
    equals: FastMap<Box<str>, Postings>,
    v4: PrefixMap<Ipv4Net, Postings>,
    v6: PrefixMap<Ipv6Net, Postings>,
    subnets: usize,
    substrings: SubstringIndex,
}

impl PathIndex {
    fn is_empty(&self) -> bool {
        self.equals.is_empty() && self.subnets == 0 && self.substrings.is_empty()
    }

    fn probe(&self, value: &str, out: &mut Vec<u32>) {
        if let Some(p) = self.equals.get(value) {
            out.extend(p.iter());
        }
        if self.subnets > 0 {
            match parse_net(value).map(|n| n.trunc()) {
                Some(IpNet::V4(n)) => {
                    for (_, p) in self.v4.cover(&n) {
                        out.extend(p.iter());
                    }
                }
                Some(IpNet::V6(n)) => {
                    for (_, p) in self.v6.cover(&n) {
                        out.extend(p.iter());
                    }
                }
                None => {}
            }
        }
        if !self.substrings.is_empty() {
            self.substrings.probe(value, out);
        }
    }
}

#[derive(Default)]
struct TypeIndex {
    /// Indicators anchored by this object type alone.
    type_only: Postings,
    paths: FastMap<Vec<String>, PathIndex>,
}

/// Many indicators, indexed by their anchors (see the crate documentation).
pub struct IndicatorIndex<M> {
    entries: Vec<Option<Entry<M>>>,
    free: Vec<u32>,
    by_key: FastMap<IndicatorKey, u32>,
    types: FastMap<Box<str>, TypeIndex>,
    stats: IndexStats,
}

impl<M> Default for IndicatorIndex<M> {
    fn default() -> Self {
        IndicatorIndex {
            entries: Vec::new(),
            free: Vec::new(),
            by_key: FastMap::default(),
            types: FastMap::default(),
            stats: IndexStats::default(),
        }
    }
}

impl<M> IndicatorIndex<M> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    pub fn stats(&self) -> IndexStats {
        IndexStats {
            indicators: self.len(),
            object_paths: self.types.values().map(|t| t.paths.len()).sum(),
            ..self.stats.clone()
        }
    }

    pub fn contains(&self, key: &IndicatorKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// The metadata of an indexed indicator.
    pub fn metadata(&self, key: &IndicatorKey) -> Option<&M> {
        let slot = *self.by_key.get(key)?;
        self.entries[slot as usize].as_ref().map(|e| &e.metadata)
    }

    /// Adds an indicator, or replaces the one with the same key (returning its metadata).
    /// Cost: the pattern's anchors, each a map, trie or list update.
    pub fn insert(&mut self, indicator: Indicator<M>) -> Result<Option<M>, IndexError> {
        let matcher = Matcher::new(&indicator.pattern).map_err(|source| IndexError::Pattern {
            id: indicator.key.id.clone(),
            source,
        })?;
        let previous = self.remove(&indicator.key);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.entries.len())
                    .map_err(|_| IndexError::Full(self.entries.len()))?;
                self.entries.push(None);
                s
            }
        };
        let anchors = anchors(matcher.pattern());
        self.link(&anchors, slot, true);
        self.by_key.insert(indicator.key.clone(), slot);
        self.entries[slot as usize] = Some(Entry {
            key: indicator.key,
            matcher,
            valid_from: indicator.valid_from,
            valid_until: indicator.valid_until,
            revoked: indicator.revoked,
            metadata: indicator.metadata,
        });
        Ok(previous)
    }

    /// Removes an indicator; its metadata, or `None` when it was not indexed.
    pub fn remove(&mut self, key: &IndicatorKey) -> Option<M> {
        let slot = self.by_key.remove(key)?;
        let entry = self.entries[slot as usize].take()?;
        // Anchors are a pure function of the pattern: recomputed rather than stored.
        self.link(&anchors(entry.matcher.pattern()), slot, false);
        self.free.push(slot);
        Some(entry.metadata)
    }

    /// Marks an indicator revoked (it stops matching) without re-indexing it.
    pub fn set_revoked(&mut self, key: &IndicatorKey, revoked: bool) -> bool {
        let Some(slot) = self.by_key.get(key) else {
            return false;
        };
        match self.entries[*slot as usize].as_mut() {
            Some(e) => {
                e.revoked = revoked;
                true
            }
            None => false,
        }
    }

    /// Adds (`add`) or removes `slot` under each anchor, dropping emptied structures.
    fn link(&mut self, anchors: &[Anchor], slot: u32, add: bool) {
        let mut type_anchored = false;
        for a in anchors {
            let (object_type, path) = match a {
                Anchor::Equals {
                    object_type, path, ..
                }
                | Anchor::Subnet {
                    object_type, path, ..
                }
                | Anchor::Substring {
                    object_type, path, ..
                } => (object_type, Some(path)),
                Anchor::Type { object_type } => (object_type, None),
            };
            if !add && !self.types.contains_key(object_type.as_str()) {
                continue;
            }
            let ti = self.types.entry(object_type.as_str().into()).or_default();
            let Some(path) = path else {
                type_anchored = true;
                if add {
                    ti.type_only.push(slot);
                } else {
                    ti.type_only.remove(slot);
                }
                continue;
            };
            if !add && !ti.paths.contains_key(path) {
                continue;
            }
            let pi = ti.paths.entry(path.clone()).or_default();
            let stats = &mut self.stats;
            let count = |n: &mut usize| {
                if add {
                    *n += 1;
                } else {
                    *n = n.saturating_sub(1);
                }
            };
            match a {
                Anchor::Equals { value, .. } => {
                    count(&mut stats.equals_anchors);
                    if add {
                        pi.equals
                            .entry(value.as_str().into())
                            .or_default()
                            .push(slot);
                    } else if let Some(p) = pi.equals.get_mut(value.as_str()) {
                        p.remove(slot);
                        if p.is_empty() {
                            pi.equals.remove(value.as_str());
                        }
                    }
                }
                Anchor::Subnet { net, .. } => {
                    count(&mut stats.subnet_anchors);
                    count(&mut pi.subnets);
                    match net {
                        IpNet::V4(n) => link_net(&mut pi.v4, *n, slot, add),
                        IpNet::V6(n) => link_net(&mut pi.v6, *n, slot, add),
                    }
                }
                Anchor::Substring { literal, .. } => {
                    count(&mut stats.substring_anchors);
                    if add {
                        pi.substrings.insert(literal, slot);
                    } else {
                        pi.substrings.remove(literal, slot);
                    }
                }
                Anchor::Type { .. } => {}
            }
            if pi.is_empty() {
                ti.paths.remove(path);
            }
        }
        if type_anchored {
            if add {
                self.stats.type_anchored_indicators += 1;
            } else {
                self.stats.type_anchored_indicators =
                    self.stats.type_anchored_indicators.saturating_sub(1);
            }
        }
        if !add {
            self.types
                .retain(|_, t| !t.paths.is_empty() || !t.type_only.is_empty());
        }
    }

    /// Candidate slots for one object given as JSON (any SCO).
    fn probe_object(&self, object: &Value, out: &mut Vec<u32>) {
        let Some(ti) = object
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| self.types.get(t))
        else {
            return;
        };
        out.extend(ti.type_only.iter());
        for (path, pi) in &ti.paths {
            let value = path.iter().try_fold(object, |v, key| v.get(key));
            if let Some(Value::String(s)) = value {
                pi.probe(s, out);
            }
        }
    }

    /// Candidate slots for one observable.
    fn probe_observable(&self, o: &Observable, out: &mut Vec<u32>) {
        let Some(ti) = self.types.get(o.object_type.as_str()) else {
            return;
        };
        out.extend(ti.type_only.iter());
        if let Some(pi) = ti.paths.get(o.property.as_slice()) {
            pi.probe(&o.value, out);
        }
    }

    /// The active entries among `candidates` (sorted, deduplicated in place).
    fn active<'a>(
        &'a self,
        candidates: &mut Vec<u32>,
        at: Timestamp,
    ) -> impl Iterator<Item = &'a Entry<M>> + 'a {
        candidates.sort_unstable();
        candidates.dedup();
        let slots = std::mem::take(candidates);
        slots
            .into_iter()
            .filter_map(move |s| self.entries.get(s as usize)?.as_ref())
            .filter(move |e| e.active(at))
    }

    /// The indicators, active at `at`, that `observable` matches: the observable is evaluated
    /// as one observed-data object seen once at `at` ([`Observable::to_observations`]).
    /// An evaluation stopped at a bound counts as no match (one object seen once cannot
    /// reach the evaluator's bounds).
    pub fn match_observable(&self, observable: &Observable, at: Timestamp) -> Vec<Hit<'_, M>> {
        let mut candidates = Vec::new();
        self.probe_observable(observable, &mut candidates);
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut observations = None;
        let mut hits = Vec::new();
        for e in self.active(&mut candidates, at) {
            let obs = match &observations {
                Some(o) => o,
                None => match observable.to_observations(at) {
                    Some(o) => observations.insert(o),
                    None => return Vec::new(),
                },
            };
            if let Ok(Some(_)) = e.matcher.matches(obs) {
                hits.push(Hit {
                    key: &e.key,
                    metadata: &e.metadata,
                    observed_data_ids: Vec::new(),
                });
            }
        }
        hits
    }

    /// The indicators, active at `at`, that `observations` match, with the observed-data of
    /// one match each.
    pub fn match_observations(&self, observations: &Observations, at: Timestamp) -> Matches<'_, M> {
        let mut candidates = Vec::new();
        for object in observations.objects() {
            self.probe_object(object, &mut candidates);
        }
        let mut out = Matches {
            hits: Vec::new(),
            incomplete: Vec::new(),
        };
        for e in self.active(&mut candidates, at) {
            match e.matcher.matches(observations) {
                Ok(Some(m)) => out.hits.push(Hit {
                    key: &e.key,
                    metadata: &e.metadata,
                    observed_data_ids: m.observed_data_ids,
                }),
                Ok(None) => {}
                Err(error) => out.incomplete.push(Incomplete { key: &e.key, error }),
            }
        }
        out
    }

    /// Every indexed indicator's key (any order).
    pub fn keys(&self) -> impl Iterator<Item = &IndicatorKey> {
        self.by_key.keys()
    }
}

fn link_net<P: prefix_trie::Prefix + Copy>(
    trie: &mut PrefixMap<P, Postings>,
    net: P,
    slot: u32,
    add: bool,
) {
    if add {
        trie.entry(net).or_default().push(slot);
    } else if let Some(p) = trie.get_mut(&net) {
        p.remove(slot);
        if p.is_empty() {
            trie.remove(&net);
        }
    }
}
