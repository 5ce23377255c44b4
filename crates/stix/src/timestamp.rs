//! STIX timestamps: RFC 3339, UTC, `Z` suffix, optional fraction of second.

use std::cmp::Ordering;
use std::fmt;

/// A parsed STIX timestamp. Ordered chronologically. Keeps the instant at full (nanosecond)
/// precision; [`StixTimestamp::sortable`] gives a fixed-width text form whose byte order is the
/// chronological order, which is what the store keeps in its index columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StixTimestamp(jiff::Timestamp);

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimestampError(pub String);

impl StixTimestamp {
    /// Parses the STIX form `YYYY-MM-DDTHH:MM:SS[.s+]Z`. Offsets other than `Z`, lowercase
    /// `t`/`z`, missing seconds and leap seconds are refused.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() >= 20
            && bytes.len() <= 40
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes[10] == b'T'
            && bytes[13] == b':'
            && bytes[16] == b':'
            && bytes[bytes.len() - 1] == b'Z'
            && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
                .into_iter()
                .all(|r| bytes[r].iter().all(u8::is_ascii_digit))
            && (bytes.len() == 20
                || (bytes[19] == b'.'
                    && bytes.len() > 21
                    && bytes[20..bytes.len() - 1].iter().all(u8::is_ascii_digit)));
        if !well_formed {
            return Err(TimestampError(format!(
                "`{}` is not a STIX timestamp (expected YYYY-MM-DDTHH:MM:SS[.fraction]Z, in UTC)",
                truncate(text)
            )));
        }
        // jiff rejects out-of-range fields (month 13, 24:00:00, second 60) and takes up to
        // nine fraction digits; longer fractions carry no meaning and are refused.
        text.parse::<jiff::Timestamp>().map(Self).map_err(|_| {
            TimestampError(format!("`{}` is not a valid date and time", truncate(text)))
        })
    }

    pub fn from_jiff(ts: jiff::Timestamp) -> Self {
        Self(ts)
    }

    pub fn as_jiff(&self) -> jiff::Timestamp {
        self.0
    }

    /// Fixed-width, lexicographically ordered text: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    pub fn sortable(&self) -> String {
        format!("{}", self.0.strftime("%Y-%m-%dT%H:%M:%S.%9fZ"))
    }

    /// Milliseconds precision, the form STIX producers use most (`2016-05-12T08:17:27.000Z`).
    pub fn to_millis_string(&self) -> String {
        format!("{}", self.0.strftime("%Y-%m-%dT%H:%M:%S.%3fZ"))
    }
}

impl PartialOrd for StixTimestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StixTimestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl fmt::Display for StixTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_millis_string())
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(64) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        for ok in [
            "2016-05-12T08:17:27Z",
            "2016-05-12T08:17:27.000Z",
            "2016-05-12T08:17:27.123456789Z",
        ] {
            assert!(StixTimestamp::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2016-05-12T08:17:27+02:00",
            "2016-05-12 08:17:27Z",
            "2016-05-12T08:17Z",
            "2016-13-12T08:17:27Z",
            "2016-05-12T08:17:27.Z",
            "2016-05-12t08:17:27z",
            "",
        ] {
            assert!(StixTimestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sortable_orders_like_time() {
        let a = StixTimestamp::parse("2016-05-12T08:17:27Z").unwrap();
        let b = StixTimestamp::parse("2016-05-12T08:17:27.5Z").unwrap();
        assert!(a < b);
        assert!(a.sortable() < b.sortable());
        assert_eq!(a.sortable(), "2016-05-12T08:17:27.000000000Z");
    }
}
