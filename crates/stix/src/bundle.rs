//! Reading many objects: a TAXII envelope or bundle in memory, or a stream (bundle or JSON lines)
//! of any size without holding it whole.
//!
//! Objects are handed out as raw JSON slices, never re-serialized: the bytes a producer sent
//! are the bytes the store keeps (see the crate docs).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// Why an in-memory envelope or bundle could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, not an object at the top, or nested deeper than the parser allows.
    #[error("the body is not a valid JSON object: {0}")]
    Malformed(String),
    /// The top-level object has no `objects` property.
    #[error("the body has no `objects` list")]
    MissingObjects,
    /// `objects` is there but is not a list.
    #[error("`objects` must be a list of STIX objects")]
    ObjectsNotAList,
}

/// Parses a TAXII envelope or STIX bundle held in memory and returns each element of its
/// `objects` list as a slice of `body`, exactly as it appeared.
///
/// Other top-level properties (`type`, `id`, `more`, `next`, …) are allowed and ignored, so
/// the same function serves both TAXII envelopes and bundles. Elements are not checked here;
/// each goes through [`crate::validate_object`] on its own so one bad object can be reported
/// by index without refusing the others.
///
/// Nesting deeper than serde_json's recursion limit (128) is an error, never a stack overflow.
pub fn envelope_objects(body: &str) -> Result<Vec<&RawValue>, EnvelopeError> {
    let mut de = serde_json::Deserializer::from_str(body);
    let found = de
        .deserialize_map(EnvelopeVisitor)
        .map_err(|e| classify(&e))?;
    de.end()
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    found.ok_or(EnvelopeError::MissingObjects)
}

const NOT_A_LIST: &str = "tanseeq: objects is not a list";

fn classify(e: &serde_json::Error) -> EnvelopeError {
    if e.to_string().starts_with(NOT_A_LIST) {
        EnvelopeError::ObjectsNotAList
    } else {
        EnvelopeError::Malformed(e.to_string())
    }
}

/// Collects `objects` as borrowed raw slices and skips every other property.
struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Option<Vec<&'de RawValue>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with an `objects` list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut objects = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "objects" {
                if objects.is_some() {
                    return Err(de::Error::custom("`objects` appears more than once"));
                }
                objects = Some(map.next_value_seed(RawList)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(objects)
    }
}

/// A JSON array whose elements are kept as borrowed raw slices.
struct RawList;

impl<'de> DeserializeSeed<'de> for RawList {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RawList {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_A_LIST)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            out.push(item);
        }
        Ok(out)
    }

    // Anything but a list: report it in words a client understands.
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(NOT_A_LIST))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
}
