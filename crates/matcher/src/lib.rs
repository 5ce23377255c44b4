//! Matching many STIX indicators at once (issue 4, items 5–8).
//!
//! [`IndicatorIndex`] holds every active indicator with its parsed pattern and answers "which
//! indicators match this observable (or these observations)" without evaluating every
//! pattern. Each pattern is reduced at insert to a set of *anchors*, a necessary condition
//! for it to match: at least one anchor must fire on some object of the input. Anchors are
//! looked up in hash maps (exact string equality on an object path), prefix tries
//! (`ISSUBSET` on IPv4 / IPv6 blocks), Aho–Corasick automata (the literal part of `LIKE`), and,
//! for comparisons the index cannot serve (`NOT`, `!=`, `MATCHES`, orderings, references, …),
//! the object type alone. The indicators whose anchors fire are then evaluated in full by
//! [`tanseeq_pattern::Matcher`], so answers are exactly the evaluator's.
//!
//! [`Observable`] is one SCO-like value (an address, a domain, a file hash, …);
//! [`extract::observables`] turns an input line (a JSON SCO, `type:value`, or a raw log line,
//! defanged or not) into observables.
//!
//! Architecture invariant: no I/O, no storage, no HTTP; never panics on input (property-tested).
//! Work per input is bounded by the evaluator's limits and by [`extract::MAX_LINE_LEN`].

mod anchors;
pub mod extract;
mod index;
mod observable;
mod substrings;

pub use anchors::{MAX_ANCHORS_PER_INDICATOR, MIN_SUBSTRING_LEN};
pub use index::{
    Hit, Incomplete, IndexError, IndexStats, Indicator, IndicatorIndex, IndicatorKey, Matches,
};
pub use observable::{Observable, normalize_hash_algorithm};
