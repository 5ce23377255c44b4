//! The operations room's dashboard: how many object versions entered the node over the last
//! days, by day, partner (originator organization), TLP and type, as the caller may see them.
//! Read from the store's activity counts (aggregate rows kept at ingest and delete), never by
//! scanning objects, so the page costs the same on a node of a million objects.

use crate::accounts::Caller;
use crate::{Node, ServiceError};
use std::collections::BTreeMap;
use tanseeq_store::{ActivityQuery, DateAdded, MICROS_PER_DAY, day_date, day_number};
use uuid::Uuid;

/// The longest window of [`Node::activity`], in days.
pub const MAX_ACTIVITY_DAYS: u32 = 366;

/// What entered the node in a window of days ending today (UTC), among the object versions the
/// caller may see in the collections it may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Every day of the window, oldest first, days without activity included.
    pub days: Vec<(jiff::civil::Date, u64)>,
    /// By originator organization: id, name, count; most first.
    pub by_partner: Vec<(Uuid, String, u64)>,
    /// By TLP (`red`, `amber+strict`, `amber`, `green`, `clear`; `None`: unmarked); most first.
    pub by_tlp: Vec<(Option<String>, u64)>,
    /// By STIX type; most first.
    pub by_type: Vec<(String, u64)>,
    pub total: u64,
}

/// Entries sorted by count, most first; equal counts by key.
fn most_first<K: Ord>(counts: BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut sorted: Vec<(K, u64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

impl Node {
    /// The activity of the last `days` days (today included; 1 to [`MAX_ACTIVITY_DAYS`]) in
    /// every collection of every API root the caller may read, each with the caller's
    /// visibility ([`crate::access::visibility`]).
    pub async fn activity(&self, caller: &Caller, days: u32) -> Result<Activity, ServiceError> {
        let days = i64::from(days.clamp(1, MAX_ACTIVITY_DAYS));
        let today = day_number(DateAdded::from_timestamp(jiff::Timestamp::now()));
        let first = today - (days - 1);

        let directory = self.directory_for(caller.reader()).await?;
        let mut scopes = Vec::new();
        for root in self.store.api_roots().await? {
            for (collection, access) in self.collections_for(caller, &root.name).await? {
                if !access.can_read {
                    continue;
                }
                if let Some(visibility) = crate::access::visibility(caller, &collection, &directory)
                {
                    scopes.push((collection.id, visibility));
                }
            }
        }
        let counts = if scopes.is_empty() {
            Vec::new()
        } else {
            self.store
                .activity(&ActivityQuery {
                    scopes,
                    since: DateAdded(first.saturating_mul(MICROS_PER_DAY)),
                })
                .await?
        };

        let mut per_day: BTreeMap<jiff::civil::Date, u64> =
            (first..=today).map(|day| (day_date(day), 0)).collect();
        let mut by_partner: BTreeMap<Uuid, u64> = BTreeMap::new();
        let mut by_tlp: BTreeMap<Option<String>, u64> = BTreeMap::new();
        let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
        let mut total = 0;
        for count in counts {
            // Versions dated after today (a clock that was ahead) are outside the window.
            let Some(on_day) = per_day.get_mut(&count.day) else {
                continue;
            };
            *on_day += count.count;
            *by_partner.entry(count.originator_org).or_default() += count.count;
            *by_tlp.entry(count.tlp).or_default() += count.count;
            *by_type.entry(count.object_type).or_default() += count.count;
            total += count.count;
        }
        let names: BTreeMap<Uuid, String> = if by_partner.is_empty() {
            BTreeMap::new()
        } else {
            self.store
                .organizations()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect()
        };
        Ok(Activity {
            days: per_day.into_iter().collect(),
            by_partner: most_first(by_partner)
                .into_iter()
                .map(|(org, count)| {
                    let name = names.get(&org).cloned().unwrap_or_else(|| org.to_string());
                    (org, name, count)
                })
                .collect(),
            by_tlp: most_first(by_tlp),
            by_type: most_first(by_type),
            total,
        })
    }
}
