//! What pages show of an object at a glance, read from its stored JSON.

use serde_json::Value;
use tanseeq_stix::Tlp;

/// An object's name, description and TLP.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub name: Option<String>,
    pub description: Option<String>,
    pub tlp: Option<Tlp>,
}

impl Summary {
    pub fn of(raw: Option<&str>) -> Summary {
        let Some(value) = raw.and_then(|r| serde_json::from_str::<Value>(r).ok()) else {
            return Summary::default();
        };
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let markings = value
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        Summary {
            name: text("name").or_else(|| text("value")),
            description: text("description"),
            tlp: Tlp::of_markings(markings),
        }
    }
}
