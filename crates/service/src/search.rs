//! Search (issue 6): full text in Arabic and English, exact observables, filters, over every
//! collection the caller may read, through the caller's visibility.
//!
//! The query is read here: a single IP address or CIDR block, domain, URL, e-mail address or
//! hash (read by `tanseeq_matcher::extract`, defanged or not) is searched exactly; anything
//! else is text, normalized by `tanseeq_text::normalize` like what is indexed. Each
//! collection's `Visibility` comes from [`crate::access::visibility`], the one place that
//! decides what a caller sees; the store applies it.

use crate::accounts::Caller;
use crate::{Node, ServiceError};
use std::collections::HashMap;
use tanseeq_stix::Tlp;
use tanseeq_store::{DateAdded, ObjectRecord, ObservableKind, ObservableTerm, SearchQuery};
use uuid::Uuid;

/// The longest query accepted, in bytes.
pub const MAX_SEARCH_QUERY_LEN: usize = 1_000;
/// The most hits one search returns, whatever `limit` asks for.
pub const MAX_SEARCH_RESULTS: usize = 500;
/// Hits returned when `limit` is 0 (not given).
pub const DEFAULT_SEARCH_RESULTS: usize = 50;
/// The most object types one search may filter on.
pub const MAX_SEARCH_TYPES: usize = 64;
/// Object versions indexed per store call when the node indexes what was stored before
/// search existed ([`Node::index_pending_search`]).
pub const SEARCH_INDEX_BATCH: usize = 1_000;

/// What a caller searches for. Every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// Text (Arabic or English) or one observable; may be empty when a filter is given.
    pub query: String,
    /// Object types; empty: any.
    pub types: Vec<String>,
    /// Objects whose most restrictive TLP marking is this level.
    pub tlp: Option<Tlp>,
    /// Objects that entered the federation through this organization (a partner's id).
    pub partner: Option<Uuid>,
    pub added_after: Option<jiff::Timestamp>,
    pub added_before: Option<jiff::Timestamp>,
    /// Hits at most; 0: [`DEFAULT_SEARCH_RESULTS`]; at most [`MAX_SEARCH_RESULTS`].
    pub limit: usize,
}

/// How a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// The words of the query (or only the filters, for an empty query).
    Text,
    /// The query was an observable of this kind, held by the object.
    Observable(ObservableKind),
}

/// One object found: its latest version the caller may see, with its raw JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub api_root: String,
    pub collection: Uuid,
    pub record: ObjectRecord,
    pub matched: Matched,
}

/// What a query asks for, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryTerm {
    /// Nothing: only the filters.
    Nothing,
    /// Normalized text with at least one word.
    Text(String),
    Observable(ObservableTerm),
}

/// Reads a query: one observable, or text. A malformed CIDR block or a text without any word
/// (and not empty) is a bad request.
pub fn read_query(query: &str) -> Result<QueryTerm, ServiceError> {
    if query.len() > MAX_SEARCH_QUERY_LEN {
        return Err(ServiceError::BadRequest(format!(
            "a search query is at most {MAX_SEARCH_QUERY_LEN} bytes long"
        )));
    }
    let query = query.trim();
    if query.is_empty() {
        return Ok(QueryTerm::Nothing);
    }
    if !query.contains(char::is_whitespace)
        && let Some(term) = observable(query)?
    {
        return Ok(QueryTerm::Observable(term));
    }
    let normalized = tanseeq_text::normalize(query);
    if tanseeq_text::words(&normalized).next().is_none() {
        return Err(ServiceError::BadRequest(
            "a search query needs at least one word (letters or digits) or an observable".into(),
        ));
    }
    Ok(QueryTerm::Text(normalized))
}

/// The observable a one-token query is, if it is one.
fn observable(token: &str) -> Result<Option<ObservableTerm>, ServiceError> {
    let refanged = tanseeq_matcher::extract::refang(token);
    // A CIDR block: the matcher reads addresses only.
    if let Some((address, _)) = refanged.split_once('/')
        && address.parse::<std::net::IpAddr>().is_ok()
    {
        return ObservableTerm::ip(&refanged)
            .map(Some)
            .map_err(ServiceError::BadRequest);
    }
    let Ok(found) = tanseeq_matcher::extract::observables(token) else {
        return Ok(None);
    };
    let terms: Vec<(bool, ObservableTerm)> = found
        .iter()
        .filter_map(|o| {
            let term = match (o.object_type.as_str(), o.hash_algorithm()) {
                (_, Some(_)) => ObservableTerm::hash(&o.value),
                ("ipv4-addr" | "ipv6-addr", None) => ObservableTerm::ip(&o.value).ok()?,
                ("domain-name", None) => ObservableTerm::domain(&o.value),
                ("url", None) => ObservableTerm::url(&o.value),
                ("email-addr", None) => ObservableTerm::email(&o.value),
                _ => return None,
            };
            Some((o.value.eq_ignore_ascii_case(&refanged), term))
        })
        .collect();
    // The observable that is the whole query, else the only one it holds.
    Ok(match terms.iter().position(|(whole, _)| *whole) {
        Some(i) => Some(terms[i].1.clone()),
        None if terms.len() == 1 => Some(terms[0].1.clone()),
        None => None,
    })
}

impl Node {
    /// Searches every collection of every API root the caller may read, each through the
    /// caller's visibility there ([`crate::access::visibility`]): the latest version the caller
    /// may see of each matching object, newest first.
    pub async fn search(
        &self,
        caller: &Caller,
        request: SearchRequest,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let term = read_query(&request.query)?;
        self.search_for(caller, term, request).await
    }

    /// The objects that refer to the object `id` — relationships naming it as source or
    /// target, sightings of it, reports and notes containing it — that the caller may see,
    /// newest first.
    pub async fn referencing(
        &self,
        caller: &Caller,
        id: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let term = QueryTerm::Observable(ObservableTerm::reference(id));
        let request = SearchRequest {
            limit,
            ..SearchRequest::default()
        };
        self.search_for(caller, term, request).await
    }

    async fn search_for(
        &self,
        caller: &Caller,
        term: QueryTerm,
        request: SearchRequest,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let filtered = !request.types.is_empty()
            || request.tlp.is_some()
            || request.partner.is_some()
            || request.added_after.is_some()
            || request.added_before.is_some();
        if term == QueryTerm::Nothing && !filtered {
            return Err(ServiceError::BadRequest(
                "a search needs a query or at least one filter".into(),
            ));
        }
        if request.types.len() > MAX_SEARCH_TYPES {
            return Err(ServiceError::BadRequest(format!(
                "a search filters on at most {MAX_SEARCH_TYPES} object types"
            )));
        }
        let limit = match request.limit {
            0 => DEFAULT_SEARCH_RESULTS,
            n => n.min(MAX_SEARCH_RESULTS),
        };
        let directory = self.directory_for(caller.reader()).await?;
        let mut scopes = Vec::new();
        let mut roots: HashMap<Uuid, String> = HashMap::new();
        for root in self.store.api_roots().await? {
            for (collection, access) in self.collections_for(caller, &root.name).await? {
                if !access.can_read {
                    continue;
                }
                let Some(visibility) = crate::access::visibility(caller, &collection, &directory)
                else {
                    continue;
                };
                scopes.push((collection.id, visibility));
                roots.insert(collection.id, root.name.clone());
            }
        }
        let (text, observable, matched) = match term {
            QueryTerm::Nothing => (None, None, Matched::Text),
            QueryTerm::Text(text) => (Some(text), None, Matched::Text),
            QueryTerm::Observable(o) => {
                let kind = o.kind;
                (None, Some(o), Matched::Observable(kind))
            }
        };
        let found = self
            .store
            .search(&SearchQuery {
                scopes,
                text,
                observable,
                types: request.types,
                tlp: request.tlp,
                originator_org: request.partner,
                added_after: request.added_after.map(DateAdded::from_timestamp),
                added_before: request.added_before.map(DateAdded::from_timestamp),
                limit,
            })
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|hit| {
                Some(SearchHit {
                    api_root: roots.get(&hit.collection)?.clone(),
                    collection: hit.collection,
                    record: hit.record,
                    matched,
                })
            })
            .collect())
    }

    /// Indexes for search every object version stored before search existed (a node upgraded
    /// from an earlier schema), a batch at a time so that ingests go on meanwhile. Returns how
    /// many were indexed. Run by the serving process at start; several processes may run it.
    pub async fn index_pending_search(&self) -> Result<u64, ServiceError> {
        let mut total = 0;
        loop {
            let done = self.store.index_pending(SEARCH_INDEX_BATCH).await?;
            if done == 0 {
                return Ok(total);
            }
            total += done;
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_as_observables_or_text() {
        let ip = |t: &str| QueryTerm::Observable(ObservableTerm::ip(t).unwrap());
        let table = [
            ("", QueryTerm::Nothing),
            ("   ", QueryTerm::Nothing),
            ("192.0.2.1", ip("192.0.2.1")),
            ("192.0.2[.]1", ip("192.0.2.1")),
            ("10.0.0.0/8", ip("10.0.0.0/8")),
            ("2001:db8::/32", ip("2001:db8::/32")),
            ("2001:db8::1", ip("2001:db8::1")),
            (
                "Evil.Example.COM",
                QueryTerm::Observable(ObservableTerm::domain("evil.example.com")),
            ),
            (
                "evil[.]example",
                QueryTerm::Observable(ObservableTerm::domain("evil.example")),
            ),
            (
                "https://evil.example/a?b=1",
                QueryTerm::Observable(ObservableTerm::url("https://evil.example/a?b=1")),
            ),
            (
                "Alice@Example.org",
                QueryTerm::Observable(ObservableTerm::email("alice@example.org")),
            ),
            (
                "D41D8CD98F00B204E9800998ECF8427E",
                QueryTerm::Observable(ObservableTerm::hash("d41d8cd98f00b204e9800998ecf8427e")),
            ),
            ("حَمْلَةُ التَّصَيُّدِ", QueryTerm::Text("حمله التصيد".into())),
            (
                "Phishing campaign",
                QueryTerm::Text("phishing campaign".into()),
            ),
            ("phishing", QueryTerm::Text("phishing".into())),
            ("AND OR \"", QueryTerm::Text("and or \"".into())),
        ];
        for (query, expected) in table {
            assert_eq!(read_query(query).unwrap(), expected, "{query}");
        }
        for bad in [
            "10.0.0.0/33",
            "2001:db8::/129",
            "*",
            "\" ( )",
            &"x".repeat(1001),
        ] {
            assert!(
                matches!(read_query(bad), Err(ServiceError::BadRequest(_))),
                "{bad:.20}"
            );
        }
    }
}
