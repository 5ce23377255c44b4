//! Property tests: the request parsers of the TAXII layer return a value or a clear error for
//! every input, and never panic.

use axum::http::{HeaderMap, HeaderValue, header};
use proptest::prelude::*;
use tanseeq_store::{Cursor, DateAdded};
use tanseeq_taxii::media::{check_accept, check_content_type};
use tanseeq_taxii::params::{Endpoint, encode_cursor, parse};

const ENDPOINTS: [Endpoint; 6] = [
    Endpoint::Objects,
    Endpoint::Manifest,
    Endpoint::Object,
    Endpoint::ObjectDelete,
    Endpoint::Versions,
    Endpoint::Plain,
];

/// Query strings built from the pieces that matter, so that the generator reaches deep paths.
fn query_strategy() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("limit".to_string()),
        Just("next".to_string()),
        Just("added_after".to_string()),
        Just("match[id]".to_string()),
        Just("match[type]".to_string()),
        Just("match[version]".to_string()),
        Just("match[spec_version]".to_string()),
        "[a-z\\[\\]%]{0,12}",
    ];
    let value = prop_oneof![
        "[0-9]{0,25}",
        "-?[0-9]{1,5}",
        Just("first,last,all".to_string()),
        Just("2016-01-01T00:00:00.123Z".to_string()),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?Z?",
        ".{0,40}",
    ];
    prop::collection::vec((name, value), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #[test]
    fn query_parsing_never_panics(query in query_strategy(), endpoint in 0usize..6) {
        let _ = parse(Some(&query), ENDPOINTS[endpoint]);
    }

    #[test]
    fn arbitrary_query_strings_never_panic(query in ".{0,200}") {
        for endpoint in ENDPOINTS {
            let _ = parse(Some(&query), endpoint);
        }
    }

    #[test]
    fn cursors_round_trip(date_added in any::<i64>(), seq in any::<i64>()) {
        let cursor = Cursor { date_added: DateAdded(date_added), seq };
        let query = format!("next={}", encode_cursor(cursor));
        let parsed = parse(Some(&query), Endpoint::Objects).expect("a cursor the node made");
        prop_assert_eq!(parsed.next, Some(cursor));
    }

    #[test]
    fn media_type_checks_never_panic(value in "[ -~]{0,120}") {
        if let Ok(value) = HeaderValue::from_str(&value) {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, value.clone());
            headers.insert(header::CONTENT_TYPE, value);
            let _ = check_accept(&headers);
            let _ = check_content_type(&headers);
        }
    }
}
