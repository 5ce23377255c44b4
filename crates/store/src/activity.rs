//! Activity counts: how many object versions entered the node, by day, type, TLP and
//! originator, for the operations room's dashboard.
//!
//! Backends keep them as an aggregate table, updated in the transaction of every ingest and
//! delete, one row per (collection, day, type, TLP, and every fact the audience rule reads).
//! So the backend's one translation of [`Visibility`] applies to the aggregate rows as it does
//! to the objects, and a count is the sum over the rows a visibility admits: reading counts
//! never touches the objects.

use crate::model::DateAdded;
use crate::visibility::{Marked, Visibility};
use std::collections::HashMap;
use tanseeq_stix::Tlp;
use uuid::Uuid;

/// Microseconds in a day: `date_added` is in microseconds since the Unix epoch.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Which counts to read: collections with the visibility each is read under, and the first
/// day (the UTC day of `since`; counts are per whole day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityQuery {
    pub scopes: Vec<(Uuid, Visibility)>,
    pub since: DateAdded,
}

/// How many object versions the query's visibilities admit, summed over its collections, for
/// one (day, type, TLP, originator, origin node).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActivityCount {
    /// The UTC day of the versions' `date_added`.
    pub day: jiff::civil::Date,
    pub object_type: String,
    /// [`tlp_label`] of the versions' markings.
    pub tlp: Option<String>,
    pub originator_org: Uuid,
    /// The peer node the versions came from; `None`: entered through this node.
    pub origin_node: Option<Uuid>,
    pub count: u64,
}

/// Sums counts of the same (day, type, TLP, originator, origin node), as read from several
/// collections; sorted by those.
pub fn merge_activity(counts: Vec<ActivityCount>) -> Vec<ActivityCount> {
    let mut merged: std::collections::BTreeMap<_, u64> = std::collections::BTreeMap::new();
    for c in counts {
        *merged
            .entry((c.day, c.object_type, c.tlp, c.originator_org, c.origin_node))
            .or_default() += c.count;
    }
    merged
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(
            |((day, object_type, tlp, originator_org, origin_node), count)| ActivityCount {
                day,
                object_type,
                tlp,
                originator_org,
                origin_node,
                count,
            },
        )
        .collect()
}

/// The TLP of an object version as activity counts name it (`red`, `amber+strict`, `amber`,
/// `green`, `clear`): the most restrictive TLP marking among its `object_marking_refs`
/// ([`Tlp::of_markings`]), `None` without one. Migrations that fill the counts from stored
/// objects match the same marking-definition ids.
pub fn tlp_label<'a>(marking_refs: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    Tlp::of_markings(marking_refs).map(|tlp| match tlp {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber+strict",
        Tlp::Red => "red",
    })
}

/// The day number (days since 1970-01-01, UTC) of a `date_added`, as backends store it.
pub fn day_number(date_added: DateAdded) -> i64 {
    date_added.0.div_euclid(MICROS_PER_DAY)
}

/// The date of a day number.
pub fn day_date(day: i64) -> jiff::civil::Date {
    let epoch = jiff::civil::Date::constant(1970, 1, 1);
    jiff::Span::new()
        .try_days(day)
        .ok()
        .and_then(|span| epoch.checked_add(span).ok())
        .unwrap_or(if day < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        })
}

/// The key of one aggregate row within a collection: the day, type and TLP counted by, and the
/// facts the audience rule reads, so that a visibility admits a row exactly when it admits the
/// versions counted in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityBucket {
    pub day: i64,
    pub object_type: String,
    pub tlp: Option<&'static str>,
    pub originator_org: Uuid,
    pub restricted: bool,
    /// Sorted, without duplicates, as stored on objects.
    pub groups: Vec<String>,
    pub addressee_org: Option<Uuid>,
    pub origin_node: Option<Uuid>,
}

impl ActivityBucket {
    /// The bucket of one object version.
    pub fn of(
        date_added: DateAdded,
        object_type: &str,
        tlp: Option<&'static str>,
        marked: &Marked<'_>,
    ) -> Self {
        let mut groups = marked.groups.to_vec();
        groups.sort();
        groups.dedup();
        ActivityBucket {
            day: day_number(date_added),
            object_type: object_type.to_owned(),
            tlp,
            originator_org: marked.originator_org,
            restricted: marked.restricted,
            groups,
            addressee_org: marked.addressee_org,
            origin_node: marked.origin_node,
        }
    }
}

/// Changes to the aggregate rows of one transaction: +1 per stored version, -1 per deleted
/// one, summed per bucket so that each row is written once.
#[derive(Debug, Clone, Default)]
pub struct ActivityDeltas(HashMap<ActivityBucket, i64>);

impl ActivityDeltas {
    pub fn add(&mut self, bucket: ActivityBucket, delta: i64) {
        *self.0.entry(bucket).or_default() += delta;
    }

    /// The non-zero changes, in a fixed order (rows are then locked in the same order by every
    /// writer).
    pub fn into_sorted(self) -> Vec<(ActivityBucket, i64)> {
        let mut changes: Vec<_> = self.0.into_iter().filter(|(_, d)| *d != 0).collect();
        changes.sort();
        changes
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|d| *d == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_labels_of_both_generations() {
        let table = [
            (vec![], None),
            (vec!["marking-definition--unknown"], None),
            (
                vec!["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
                Some("clear"),
            ),
            (
                vec!["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],
                Some("clear"),
            ),
            (
                vec![
                    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
                ],
                Some("amber+strict"),
            ),
            (
                vec!["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"],
                Some("red"),
            ),
        ];
        for (refs, want) in table {
            assert_eq!(tlp_label(refs.iter().copied()), want, "{refs:?}");
        }
    }

    #[test]
    fn day_numbers_are_utc_days() {
        let table = [
            (0, 0, "1970-01-01"),
            (MICROS_PER_DAY - 1, 0, "1970-01-01"),
            (MICROS_PER_DAY, 1, "1970-01-02"),
            (-1, -1, "1969-12-31"),
            (1_700_000_000_000_000, 19_675, "2023-11-14"),
        ];
        for (micros, day, date) in table {
            assert_eq!(day_number(DateAdded(micros)), day, "{micros}");
            assert_eq!(day_date(day).to_string(), date, "{day}");
        }
    }
}
