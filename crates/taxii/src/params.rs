//! URL query parameters of the TAXII read endpoints, parsed strictly: an unknown parameter, a
//! repeated single-valued one or a malformed value is a 400 naming it.

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tanseeq_stix::StixTimestamp;
use tanseeq_store::{Cursor, DateAdded, VersionKey, VersionMatch};

/// Which parameters an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Objects,
    Manifest,
    Object,
    ObjectDelete,
    Versions,
    /// Discovery, API root, collections, status: no parameters.
    Plain,
}

impl Endpoint {
    fn allows(self, name: &str) -> bool {
        let paging = matches!(name, "added_after" | "limit" | "next");
        match self {
            Endpoint::Objects | Endpoint::Manifest => {
                paging
                    || matches!(
                        name,
                        "match[id]" | "match[type]" | "match[version]" | "match[spec_version]"
                    )
            }
            Endpoint::Object => paging || matches!(name, "match[version]" | "match[spec_version]"),
            Endpoint::ObjectDelete => matches!(name, "match[version]" | "match[spec_version]"),
            Endpoint::Versions => paging || name == "match[spec_version]",
            Endpoint::Plain => false,
        }
    }
}

/// The longest list a `match[...]` parameter may hold.
pub const MAX_MATCH_VALUES: usize = 1_000;
/// The longest query string accepted.
pub const MAX_QUERY_LEN: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct ReadParams {
    pub added_after: Option<DateAdded>,
    pub limit: Option<usize>,
    pub next: Option<Cursor>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: Option<VersionMatch>,
    pub spec_versions: Vec<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

/// Splits a `match[...]` value on commas; repeated parameters add to the list.
fn push_list(target: &mut Vec<String>, name: &str, value: &str) -> Result<(), ApiError> {
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(bad(format!("`{name}` has an empty value")));
        }
        target.push(item.to_owned());
    }
    if target.len() > MAX_MATCH_VALUES {
        return Err(bad(format!(
            "`{name}` lists more than {MAX_MATCH_VALUES} values"
        )));
    }
    Ok(())
}

fn parse_versions(value: &str, into: &mut VersionMatch) -> Result<(), ApiError> {
    for item in value.split(',').map(str::trim) {
        match item {
            "all" => into.all = true,
            "first" => into.first = true,
            "last" => into.last = true,
            ts => {
                let parsed = StixTimestamp::parse(ts).map_err(|e| {
                    bad(format!(
                        "`match[version]` takes `first`, `last`, `all` or timestamps: {e}"
                    ))
                })?;
                into.at.push(VersionKey::of(&parsed));
            }
        }
    }
    if into.at.len() > MAX_MATCH_VALUES {
        return Err(bad(format!(
            "`match[version]` lists more than {MAX_MATCH_VALUES} values"
        )));
    }
    Ok(())
}

/// Encodes a paging position as the opaque `next` value.
pub fn encode_cursor(cursor: Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("1.{}.{}", cursor.date_added.0, cursor.seq))
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let mut parts = text.split('.');
    if parts.next()? != "1" {
        return None;
    }
    let date_added = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(Cursor {
        date_added: DateAdded(date_added),
        seq,
    })
}

pub fn parse(query: Option<&str>, endpoint: Endpoint) -> Result<ReadParams, ApiError> {
    let mut params = ReadParams::default();
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return Ok(params);
    };
    if query.len() > MAX_QUERY_LEN {
        return Err(bad(format!(
            "the query string is longer than {MAX_QUERY_LEN} bytes"
        )));
    }
    let mut seen_single: Vec<String> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if !endpoint.allows(&name) {
            let shown: String = name.chars().take(60).collect();
            return Err(bad(format!(
                "unknown or unsupported query parameter `{shown}` for this endpoint"
            )));
        }
        if matches!(name.as_ref(), "added_after" | "limit" | "next") {
            if seen_single.iter().any(|s| s == name.as_ref()) {
                return Err(bad(format!("`{name}` is given more than once")));
            }
            seen_single.push(name.to_string());
        }
        match name.as_ref() {
            "added_after" => {
                let ts = StixTimestamp::parse(&value)
                    .map_err(|e| bad(format!("`added_after` must be a TAXII timestamp: {e}")))?;
                params.added_after = Some(DateAdded::from_timestamp(ts.as_jiff()));
            }
            "limit" => {
                let all_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                // A huge limit is not an error: the page is capped at the node's maximum.
                let limit: u64 = match value.parse() {
                    Ok(n) => n,
                    Err(_) if all_digits => u64::MAX,
                    Err(_) => {
                        return Err(bad(format!(
                            "`limit` must be a positive integer, not `{}`",
                            value.chars().take(40).collect::<String>()
                        )));
                    }
                };
                if limit == 0 {
                    return Err(bad("`limit` must be at least 1"));
                }
                params.limit = Some(usize::try_from(limit).unwrap_or(usize::MAX));
            }
            "next" => {
                params.next = Some(decode_cursor(&value).ok_or_else(|| {
                    bad("`next` is not a value this node handed out (use the `next` of the previous page)")
                })?);
            }
            "match[id]" => push_list(&mut params.ids, &name, &value)?,
            "match[type]" => push_list(&mut params.types, &name, &value)?,
            "match[spec_version]" => push_list(&mut params.spec_versions, &name, &value)?,
            "match[version]" => {
                parse_versions(&value, params.versions.get_or_insert_with(Default::default))?
            }
            // `allows` admits only the names above; anything else is refused all the same.
            other => {
                return Err(bad(format!("unsupported query parameter `{other}`")));
            }
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = Cursor {
            date_added: DateAdded(1_700_000_000_123_456),
            seq: 42,
        };
        assert_eq!(decode_cursor(&encode_cursor(c)), Some(c));
        assert_eq!(decode_cursor("garbage"), None);
        assert_eq!(decode_cursor(""), None);
    }

    #[test]
    fn parameter_table() {
        let ok = [
            ("limit=5", Endpoint::Objects),
            (
                "match[type]=indicator,malware&match[type]=tool",
                Endpoint::Objects,
            ),
            (
                "match[version]=first,last,2016-01-01T00:00:00Z",
                Endpoint::Objects,
            ),
            (
                "added_after=2016-01-01T00:00:00.123456Z",
                Endpoint::Manifest,
            ),
            ("match[version]=all", Endpoint::ObjectDelete),
            ("match[spec_version]=2.1", Endpoint::Versions),
        ];
        for (q, e) in ok {
            assert!(parse(Some(q), e).is_ok(), "{q}");
        }
        let bad = [
            ("limit=0", Endpoint::Objects),
            ("limit=-1", Endpoint::Objects),
            ("limit=abc", Endpoint::Objects),
            ("limit=1&limit=2", Endpoint::Objects),
            ("added_after=yesterday", Endpoint::Objects),
            ("foo=bar", Endpoint::Objects),
            ("match[foo]=bar", Endpoint::Objects),
            ("match[id]=x", Endpoint::Object),
            ("limit=1", Endpoint::ObjectDelete),
            ("match[version]=newest", Endpoint::Objects),
            ("next=%%%", Endpoint::Objects),
            ("match[type]=", Endpoint::Objects),
            ("limit=1", Endpoint::Plain),
        ];
        for (q, e) in bad {
            assert!(parse(Some(q), e).is_err(), "{q}");
        }
        let huge = parse(Some("limit=99999999999999999999"), Endpoint::Objects).unwrap();
        assert_eq!(huge.limit, Some(usize::MAX));
        let big = parse(Some("limit=1000000000"), Endpoint::Objects).unwrap();
        assert_eq!(big.limit, Some(1_000_000_000));
    }
}
