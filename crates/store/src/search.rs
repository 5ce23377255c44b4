//! Search (issue 6): what a store indexes of each object version, and the query it answers.
//!
//! The index facts ([`SearchFacts`]) are derived here, from the object's header and raw JSON,
//! by one function ([`search_facts`]) that every backend calls at ingest and when it indexes
//! versions stored before search existed: so every path that stores an object (TAXII POST,
//! import, federation, copying a store) indexes it the same way.
//!
//! - Text: `name`, `description`, `labels`, `aliases`, `x_mitre_aliases` and an SCO's `value`,
//!   normalized by [`tanseeq_text::normalize`] (Arabic diacritics, tatweel, alef forms, alef
//!   maqsura/yaa, taa marbuta/haa), kept as its words separated by spaces. Queries are
//!   normalized the same way (by the service) before they reach a store.
//! - Observables, for exact search: values of SCOs (`ipv4-addr`, `ipv6-addr` — addresses or
//!   CIDR blocks —, `domain-name`, `url`, `email-addr`, file and artifact hashes) and of the
//!   comparisons `=`, `IN` and `ISSUBSET` of `stix` indicator patterns on the same paths.
//!   Domains and e-mail addresses in lower case, hex hashes in lower case, URLs as written; IP
//!   addresses and blocks as a range of 16-byte addresses (IPv4 mapped into IPv6) so that
//!   containment is an index lookup ([`IpRange`]).
//! - TLP: the most restrictive TLP marking among `object_marking_refs`, if any.

use crate::model::DateAdded;
use crate::visibility::Visibility;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tanseeq_stix::{ObjectHeader, Tlp};
use uuid::Uuid;

/// Normalized text indexed per object version, at most (longer text is cut at a word).
pub const MAX_INDEXED_TEXT_BYTES: usize = 64 * 1024;
/// Observables indexed per object version, at most.
pub const MAX_OBSERVABLES_PER_OBJECT: usize = 1_000;
/// Object versions a store indexes per call of [`crate::Store::index_pending`], at most.
pub const MAX_INDEX_BATCH: usize = 5_000;

/// What a search asks of a store. Every part given must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The collections searched, each with the visibility of the caller there (from the
    /// service's visibility function). Nothing outside them is ever returned.
    pub scopes: Vec<(Uuid, Visibility)>,
    /// Normalized text ([`tanseeq_text::normalize`]): every word must occur in the indexed
    /// text of the object; the last word may be a prefix. Only its words are used, never its
    /// punctuation, so nothing in it is query syntax.
    pub text: Option<String>,
    /// An exact observable: an object matches when it holds this value (for an IP address or
    /// block: an address or block that contains it or lies inside it).
    pub observable: Option<ObservableTerm>,
    /// Object types; empty: any.
    pub types: Vec<String>,
    /// Objects whose most restrictive TLP marking is this level.
    pub tlp: Option<Tlp>,
    /// Objects that entered the federation through this organization.
    pub originator_org: Option<Uuid>,
    /// Stored after this instant (exclusive).
    pub added_after: Option<DateAdded>,
    /// Stored before this instant (exclusive).
    pub added_before: Option<DateAdded>,
    /// Results at most (at least 1).
    pub limit: usize,
}

/// One search hit: an object version and the collection it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRecord {
    pub collection: Uuid,
    /// With its raw JSON.
    pub record: crate::ObjectRecord,
}

/// A kind of observable value searched exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableKind {
    /// IPv4 or IPv6 address or CIDR block.
    Ip,
    Domain,
    Url,
    Email,
    /// A file or artifact hash, any algorithm.
    Hash,
    /// A STIX id that the object refers to as a relationship's source or target, the
    /// sighted object, a sighting's observed data or places, or one of a container's
    /// `object_refs`: what makes "what refers to this object" an index lookup.
    Ref,
}

impl ObservableKind {
    /// The name stored in the index.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ip => "ip",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Hash => "hash",
            ObservableKind::Ref => "ref",
        }
    }
}

/// One observable value in its indexed form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObservableTerm {
    pub kind: ObservableKind,
    /// The canonical text (`10.0.0.0/8`, `example.com`, lower-case hex, …).
    pub value: String,
    /// For [`ObservableKind::Ip`]: the addresses covered.
    pub range: Option<IpRange>,
}

impl ObservableTerm {
    /// An IP address or CIDR block (host bits of a block are ignored).
    pub fn ip(text: &str) -> Result<Self, String> {
        let range = IpRange::parse(text)?;
        Ok(ObservableTerm {
            kind: ObservableKind::Ip,
            value: range.to_string(),
            range: Some(range),
        })
    }

    pub fn domain(text: &str) -> Self {
        ObservableTerm::plain(
            ObservableKind::Domain,
            text.trim().trim_end_matches('.').to_lowercase(),
        )
    }

    pub fn url(text: &str) -> Self {
        ObservableTerm::plain(ObservableKind::Url, text.trim().to_owned())
    }

    pub fn email(text: &str) -> Self {
        ObservableTerm::plain(ObservableKind::Email, text.trim().to_lowercase())
    }

    /// Hex hashes in lower case; other hash forms (SSDEEP, TLSH) as written.
    pub fn hash(text: &str) -> Self {
        let text = text.trim();
        let value = if text.bytes().all(|b| b.is_ascii_hexdigit()) {
            text.to_ascii_lowercase()
        } else {
            text.to_owned()
        };
        ObservableTerm::plain(ObservableKind::Hash, value)
    }

    /// A reference to the object with this STIX id.
    pub fn reference(id: &str) -> Self {
        ObservableTerm::plain(ObservableKind::Ref, id.trim().to_owned())
    }

    fn plain(kind: ObservableKind, value: String) -> Self {
        ObservableTerm {
            kind,
            value,
            range: None,
        }
    }

    /// The term for a value of an object path (`ipv4-addr:value`, `file:hashes.'SHA-256'`, …);
    /// `None` for paths that are not searched exactly, or a malformed address.
    pub fn of_path(object_type: &str, property: &str, value: &str) -> Option<Self> {
        match (object_type, property) {
            ("ipv4-addr" | "ipv6-addr", "value") => ObservableTerm::ip(value).ok(),
            ("domain-name", "value") => Some(ObservableTerm::domain(value)),
            ("url", "value") => Some(ObservableTerm::url(value)),
            ("email-addr", "value") => Some(ObservableTerm::email(value)),
            ("file" | "artifact" | "x509-certificate", "hashes") => {
                Some(ObservableTerm::hash(value))
            }
            _ => None,
        }
        .filter(|term| !term.value.is_empty())
    }
}

/// A CIDR block (a single address is a block of all its bits) as the first and last of its
/// 16-byte addresses, IPv4 mapped into IPv6 (`::ffff:a.b.c.d`). Byte order is address order,
/// so stores compare them as blobs. Blocks nest or are apart: two blocks overlap exactly when
/// one contains the other, which is what lets a store find containment by index lookups
/// ([`IpRange::containing_starts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    pub lo: [u8; 16],
    pub hi: [u8; 16],
    /// Prefix length in the 128-bit space (an IPv4 `/n` is `96 + n`).
    pub prefix: u8,
    pub v4: bool,
}

impl IpRange {
    /// `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`, `::1`. A block's host bits are cleared.
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let text = text.trim();
        let (address, length) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or CIDR block"))?;
        let (bytes, v4, bits) = match address {
            IpAddr::V4(a) => (a.to_ipv6_mapped().octets(), true, 32u8),
            IpAddr::V6(a) => (a.octets(), false, 128u8),
        };
        let length = match length {
            None => bits,
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= bits && !l.starts_with('+'))
                .ok_or_else(|| {
                    format!("`{text}`: a CIDR prefix length is a number from 0 to {bits}")
                })?,
        };
        let prefix = if v4 { 96 + length } else { length };
        let value = u128::from_be_bytes(bytes);
        let lo = value & mask(prefix);
        let hi = lo | !mask(prefix);
        Ok(IpRange {
            lo: lo.to_be_bytes(),
            hi: hi.to_be_bytes(),
            prefix,
            v4,
        })
    }

    /// The first address of every block, of this family, that contains this one (this block
    /// included): a stored block contains this one exactly when its `lo` is among these and
    /// its `hi` is at least this one's.
    pub fn containing_starts(&self) -> Vec<[u8; 16]> {
        let shortest = if self.v4 { 96 } else { 0 };
        let value = u128::from_be_bytes(self.lo);
        let mut starts: Vec<[u8; 16]> = (shortest..=self.prefix)
            .map(|p| (value & mask(p)).to_be_bytes())
            .collect();
        starts.dedup();
        starts
    }
}

/// The network mask of a prefix length in the 128-bit space.
fn mask(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p if p >= 128 => u128::MAX,
        p => u128::MAX << (128 - u32::from(p)),
    }
}

impl std::fmt::Display for IpRange {
    /// `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v6 = Ipv6Addr::from(self.lo);
        let (address, length, full): (String, u8, u8) = if self.v4 {
            let v4 = v6.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
            (v4.to_string(), self.prefix.saturating_sub(96), 32)
        } else {
            (v6.to_string(), self.prefix, 128)
        };
        if length == full {
            write!(f, "{address}")
        } else {
            write!(f, "{address}/{length}")
        }
    }
}

/// What a store indexes of one object version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFacts {
    /// Normalized words separated by single spaces; empty: nothing to index.
    pub text: String,
    /// Distinct observables, sorted.
    pub observables: Vec<ObservableTerm>,
    pub tlp: Option<Tlp>,
}

/// The search facts of an object version (see the module documentation). Never fails: what
/// cannot be read (a pattern that does not parse, a malformed address) is left out.
pub fn search_facts(header: &ObjectHeader, raw: &str) -> SearchFacts {
    let tlp = Tlp::of_markings(header.object_marking_refs.iter().map(String::as_str));
    let Some(object) = indexed_properties(raw) else {
        return SearchFacts {
            tlp,
            ..SearchFacts::default()
        };
    };
    // Text.
    let mut pieces: Vec<&str> = Vec::new();
    for key in ["name", "description", "value"] {
        if let Some(serde_json::Value::String(s)) = object.get(key) {
            pieces.push(s);
        }
    }
    for key in ["labels", "aliases", "x_mitre_aliases"] {
        if let Some(serde_json::Value::Array(items)) = object.get(key) {
            pieces.extend(items.iter().filter_map(serde_json::Value::as_str));
        }
    }
    let normalized = tanseeq_text::normalize(&pieces.join(" \n "));
    let mut text = String::new();
    for word in tanseeq_text::words(&normalized) {
        if text.len() + word.len() + 1 > MAX_INDEXED_TEXT_BYTES {
            break;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }

    // Observables.
    let mut observables = Vec::new();
    let object_type = header.object_type.as_str();
    if let Some(serde_json::Value::String(value)) = object.get("value")
        && let Some(term) = ObservableTerm::of_path(object_type, "value", value)
    {
        observables.push(term);
    }
    if let Some(serde_json::Value::Object(hashes)) = object.get("hashes") {
        for value in hashes.values().filter_map(serde_json::Value::as_str) {
            observables.extend(ObservableTerm::of_path(object_type, "hashes", value));
        }
    }
    // References, so that an object's page finds what points at it.
    let refs: &[&str] = match object_type {
        "relationship" => &["source_ref", "target_ref"],
        "sighting" => &[
            "sighting_of_ref",
            "observed_data_refs",
            "where_sighted_refs",
        ],
        "report" | "grouping" | "note" | "opinion" | "observed-data" => &["object_refs"],
        _ => &[],
    };
    for key in refs {
        match object.get(*key) {
            Some(serde_json::Value::String(id)) => observables.push(ObservableTerm::reference(id)),
            Some(serde_json::Value::Array(ids)) => observables.extend(
                ids.iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(ObservableTerm::reference),
            ),
            _ => {}
        }
    }
    if object_type == "indicator"
        && object
            .get("pattern_type")
            .and_then(serde_json::Value::as_str)
            == Some("stix")
        && let Some(pattern) = object.get("pattern").and_then(serde_json::Value::as_str)
    {
        let version = if header.spec_version == "2.0" {
            tanseeq_pattern::StixVersion::V20
        } else {
            tanseeq_pattern::StixVersion::V21
        };
        if let Ok(parsed) = tanseeq_pattern::parse(pattern, version) {
            pattern_observables(&parsed.expr, &mut observables);
        }
    }
    observables.sort();
    observables.dedup();
    observables.truncate(MAX_OBSERVABLES_PER_OBJECT);
    SearchFacts {
        text,
        observables,
        tlp,
    }
}

/// The top-level properties that search reads, as JSON values; every other property is
/// skipped without being built (most of an object's bytes: this runs for every version at
/// ingest). `None` when the text is not a JSON object.
fn indexed_properties(raw: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Indexed<'a> {
        #[serde(borrow)]
        name: Option<&'a RawValue>,
        #[serde(borrow)]
        description: Option<&'a RawValue>,
        #[serde(borrow)]
        value: Option<&'a RawValue>,
        #[serde(borrow)]
        labels: Option<&'a RawValue>,
        #[serde(borrow)]
        aliases: Option<&'a RawValue>,
        #[serde(borrow)]
        x_mitre_aliases: Option<&'a RawValue>,
        #[serde(borrow)]
        hashes: Option<&'a RawValue>,
        #[serde(borrow)]
        pattern: Option<&'a RawValue>,
        #[serde(borrow)]
        pattern_type: Option<&'a RawValue>,
        #[serde(borrow)]
        source_ref: Option<&'a RawValue>,
        #[serde(borrow)]
        target_ref: Option<&'a RawValue>,
        #[serde(borrow)]
        sighting_of_ref: Option<&'a RawValue>,
        #[serde(borrow)]
        observed_data_refs: Option<&'a RawValue>,
        #[serde(borrow)]
        where_sighted_refs: Option<&'a RawValue>,
        #[serde(borrow)]
        object_refs: Option<&'a RawValue>,
    }
    let found: Indexed = serde_json::from_str(raw).ok()?;
    let mut object = serde_json::Map::new();
    for (key, value) in [
        ("name", found.name),
        ("description", found.description),
        ("value", found.value),
        ("labels", found.labels),
        ("aliases", found.aliases),
        ("x_mitre_aliases", found.x_mitre_aliases),
        ("hashes", found.hashes),
        ("pattern", found.pattern),
        ("pattern_type", found.pattern_type),
        ("source_ref", found.source_ref),
        ("target_ref", found.target_ref),
        ("sighting_of_ref", found.sighting_of_ref),
        ("observed_data_refs", found.observed_data_refs),
        ("where_sighted_refs", found.where_sighted_refs),
        ("object_refs", found.object_refs),
    ] {
        if let Some(value) = value.and_then(|v| serde_json::from_str(v.get()).ok()) {
            object.insert(key.to_owned(), value);
        }
    }
    Some(object)
}

fn pattern_observables(expr: &tanseeq_pattern::ObservationExpr, out: &mut Vec<ObservableTerm>) {
    use tanseeq_pattern::ObservationExpr as O;
    match expr {
        O::Comparison(c) => comparison_observables(c, out),
        O::And(a, b) | O::Or(a, b) | O::FollowedBy(a, b) => {
            pattern_observables(a, out);
            pattern_observables(b, out);
        }
        O::Qualified(inner, _) => pattern_observables(inner, out),
    }
}

fn comparison_observables(expr: &tanseeq_pattern::ComparisonExpr, out: &mut Vec<ObservableTerm>) {
    use tanseeq_pattern::{ComparisonExpr as C, Literal, Operator, PathStep};
    match expr {
        C::And(a, b) | C::Or(a, b) => {
            comparison_observables(a, out);
            comparison_observables(b, out);
        }
        C::Test(test) => {
            if test.negated || out.len() >= MAX_OBSERVABLES_PER_OBJECT {
                return;
            }
            let path = &test.path;
            // `value`, or `hashes.<algorithm>`: nothing deeper is searched exactly.
            let plain = matches!(
                (path.property.as_str(), path.steps.as_slice()),
                ("value", []) | ("hashes", [PathStep::Key(_)])
            );
            if !plain {
                return;
            }
            let mut add = |value: &str| {
                out.extend(ObservableTerm::of_path(
                    &path.object_type,
                    &path.property,
                    value,
                ));
            };
            match &test.op {
                Operator::Eq(Literal::String(s)) | Operator::IsSubset(s) => add(s),
                Operator::In(items) => {
                    for item in items {
                        if let Literal::String(s) = item {
                            add(s);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The name of a TLP level in a store's index: `clear`, `green`, `amber`, `amber+strict`, `red`.
pub fn tlp_key(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber+strict",
        Tlp::Red => "red",
    }
}

/// The shortest last word of a query that is matched as a prefix: a shorter one would merge
/// the entries of a large part of the vocabulary (every word starting with `a`).
pub const MIN_PREFIX_CHARS: usize = 3;

/// One word of a query as a store matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryWord<'a> {
    pub word: &'a str,
    /// Whether indexed words that start with it match too.
    pub prefix: bool,
}

/// The words of a normalized query, as a store matches them: all must occur; the last is a
/// prefix when it has at least [`MIN_PREFIX_CHARS`] characters. Empty when the text has no
/// word.
pub fn query_words(normalized: &str) -> Vec<QueryWord<'_>> {
    let mut words: Vec<QueryWord<'_>> = tanseeq_text::words(normalized)
        .map(|word| QueryWord {
            word,
            prefix: false,
        })
        .collect();
    if let Some(last) = words.last_mut() {
        last.prefix = last.word.chars().count() >= MIN_PREFIX_CHARS;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(object_type: &str) -> ObjectHeader {
        ObjectHeader {
            id: format!("{object_type}--6f1a8c2e-3c1b-4d55-8f7e-2b9d9f1c0a11"),
            object_type: object_type.into(),
            spec_version: "2.1".into(),
            created: None,
            modified: None,
            revoked: false,
            created_by_ref: None,
            object_marking_refs: vec![Tlp::Amber.marking_id().into()],
            valid_from: None,
            valid_until: None,
        }
    }

    #[test]
    fn ip_ranges() {
        let table = [
            ("1.2.3.4", "1.2.3.4", 128),
            ("10.1.2.3/8", "10.0.0.0/8", 104),
            ("2001:db8::1/32", "2001:db8::/32", 32),
            ("::1", "::1", 128),
            ("0.0.0.0/0", "0.0.0.0/0", 96),
        ];
        for (text, shown, prefix) in table {
            let range = IpRange::parse(text).unwrap();
            assert_eq!(range.to_string(), shown, "{text}");
            assert_eq!(range.prefix, prefix, "{text}");
            assert!(range.lo <= range.hi);
        }
        for bad in [
            "10.0.0.0/33",
            "1.2.3",
            "::1/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "x",
        ] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
        // What a store asks of a stored block to contain a query: its start among the
        // query's containing starts, its end at or past the query's.
        let contains = |stored: &str, query: &str| {
            let (stored, query) = (
                IpRange::parse(stored).unwrap(),
                IpRange::parse(query).unwrap(),
            );
            query.containing_starts().contains(&stored.lo) && stored.hi >= query.hi
        };
        assert!(contains("10.0.0.0/8", "10.2.3.4"));
        assert!(contains("10.0.0.0/8", "10.2.0.0/16"));
        assert!(contains("10.0.0.0/8", "10.0.0.0/8"));
        assert!(!contains("10.0.0.0/8", "11.0.0.1"));
        assert!(!contains("10.0.0.0/8", "10.0.0.0/7"));
        assert!(!contains("10.2.0.0/16", "10.0.0.0/8"));
        assert!(contains("2001:db8::/32", "2001:db8:1::/48"));
        assert!(!contains("2001:db8::/32", "10.0.0.1"));
    }

    #[test]
    fn facts_of_objects() {
        let facts = search_facts(
            &header("threat-actor"),
            r#"{"type":"threat-actor","name":"حَمْلَةُ التَّصَيُّدِ","description":"Phishing Wave","aliases":["APT-28"],"labels":["Espionage"]}"#,
        );
        assert_eq!(facts.text, "حمله التصيد phishing wave espionage apt 28");
        assert_eq!(facts.tlp, Some(Tlp::Amber));
        assert!(facts.observables.is_empty());

        let facts = search_facts(
            &header("indicator"),
            r#"{"type":"indicator","pattern_type":"stix","pattern":"[ipv4-addr:value ISSUBSET '10.0.0.0/8'] OR [domain-name:value IN ('Evil.COM', 'x.org')] OR [file:hashes.'SHA-256' = 'ABCDEF'] AND [url:value != 'http://no']"}"#,
        );
        let values: Vec<&str> = facts.observables.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["10.0.0.0/8", "evil.com", "x.org", "abcdef"]);

        let facts = search_facts(
            &header("file"),
            r#"{"type":"file","hashes":{"MD5":"D41D8CD98F00B204E9800998ECF8427E"}}"#,
        );
        assert_eq!(
            facts.observables,
            [ObservableTerm::hash("d41d8cd98f00b204e9800998ecf8427e")]
        );
        assert!(search_facts(&header("note"), "not json").text.is_empty());
    }
}
