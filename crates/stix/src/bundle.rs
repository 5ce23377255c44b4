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
    if crate::nesting_exceeds(body, crate::MAX_DEPTH) {
        return Err(EnvelopeError::Malformed(format!(
            "nested more than {} levels deep",
            crate::MAX_DEPTH
        )));
    }
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

// ------------------------------------------------------------------------------------------
// Streaming
// ------------------------------------------------------------------------------------------

/// How far [`read_objects`] looks ahead for the first newline to tell JSON lines from a
/// bundle. A JSON-lines first line longer than this is read as a (malformed) bundle.
pub const SNIFF_LIMIT: usize = 1 << 20;

/// The layout [`read_objects`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// One top-level object with an `objects` list (pretty-printed or on one line).
    Bundle,
    /// One JSON object per line; a line may itself be a bundle.
    JsonLines,
    /// A top-level JSON array of objects.
    Array,
}

/// What [`read_objects`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSummary {
    pub format: StreamFormat,
    /// Objects handed to the callback.
    pub objects: u64,
}

/// Why [`read_objects`] stopped. Objects already handed to the callback stay handed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    #[error("reading the input failed: {0}")]
    Io(#[from] std::io::Error),
    /// The input is not one of the accepted layouts, or is cut short. `line` is 1-based
    /// (JSON lines); `object_index` is the 0-based index of the object being read.
    #[error("{message}{}{}",
        line.map(|l| format!(" (input line {l})")).unwrap_or_default(),
        object_index.map(|i| format!(" (at object #{i})")).unwrap_or_default())]
    Malformed {
        line: Option<u64>,
        object_index: Option<u64>,
        message: String,
    },
    /// The callback refused object number `index` (0-based); reading stopped there.
    #[error("object #{index} was refused: {error}")]
    Callback { index: u64, error: E },
}

impl<E> ReadError<E> {
    fn malformed(message: impl Into<String>) -> Self {
        ReadError::Malformed {
            line: None,
            object_index: None,
            message: message.into(),
        }
    }
}

/// Reads a STIX bundle, JSON lines or a JSON array of objects from `reader` and calls
/// `on_object` with each object, in order, as soon as it has been read.
///
/// Why streaming: bundles from big producers run to gigabytes, often minified onto one line.
/// Memory stays bounded by the largest single object (for JSON lines, the longest line),
/// never by the input.
///
/// How the layout is told apart: the first non-whitespace byte `[` means an array. For `{`,
/// up to [`SNIFF_LIMIT`] bytes are read looking for the first newline; if the first line is a
/// complete JSON object on its own, the input is JSON lines (a line whose `type` is `bundle`
/// contributes its `objects`), otherwise it is one bundle, streamed with serde: a visitor
/// walks the top-level map and hands each element of `objects` out as it is parsed.
///
/// Elements are passed on as raw JSON, unchecked: run [`crate::validate_object`] on each.
pub fn read_objects<R, E, F>(reader: R, mut on_object: F) -> Result<ReadSummary, ReadError<E>>
where
    R: std::io::Read,
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    use std::io::{BufRead, BufReader, Read};

    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    // Skip a UTF-8 byte order mark and leading whitespace.
    let first = loop {
        let buf = reader.fill_buf()?;
        let Some(&byte) = buf.first() else {
            return Err(ReadError::malformed("the input is empty"));
        };
        if buf.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
        } else if byte.is_ascii_whitespace() {
            let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            reader.consume(n);
        } else {
            break byte;
        }
    };
    let mut count = 0u64;
    match first {
        b'[' => {
            let mut de = serde_json::Deserializer::from_reader(reader);
            stream_top(&mut de, StreamFormat::Array, &mut count, &mut on_object)?;
            Ok(ReadSummary {
                format: StreamFormat::Array,
                objects: count,
            })
        }
        b'{' => {
            // Sniff: the first line, up to the limit.
            let mut head = Vec::new();
            (&mut reader)
                .take(SNIFF_LIMIT as u64)
                .read_until(b'\n', &mut head)?;
            let first_line_complete =
                head.ends_with(b"\n") && serde_json::from_slice::<IgnoredObject>(&head).is_ok();
            let rest = std::io::Cursor::new(head).chain(reader);
            if first_line_complete {
                let one_bundle = read_lines(BufReader::new(rest), &mut count, &mut on_object)?;
                Ok(ReadSummary {
                    format: if one_bundle {
                        StreamFormat::Bundle
                    } else {
                        StreamFormat::JsonLines
                    },
                    objects: count,
                })
            } else {
                let mut de = serde_json::Deserializer::from_reader(BufReader::new(rest));
                stream_top(&mut de, StreamFormat::Bundle, &mut count, &mut on_object)?;
                Ok(ReadSummary {
                    format: StreamFormat::Bundle,
                    objects: count,
                })
            }
        }
        other => Err(ReadError::malformed(format!(
            "expected a STIX bundle, JSON lines or a JSON array, but the input starts with {:?}",
            char::from(other)
        ))),
    }
}

/// Any JSON object, contents skipped; used to test that a line is one complete object.
struct IgnoredObject;

impl<'de> serde::Deserialize<'de> for IgnoredObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IgnoredObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(IgnoredObject)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The callback and the place to park its error while serde unwinds.
struct Sink<'a, E, F> {
    on_object: &'a mut F,
    count: &'a mut u64,
    refused: &'a mut Option<E>,
}

const TOO_DEEP: &str = "a value nests more than 128 levels deep";

/// Marker in the serde error that means "the callback refused", not "bad JSON".
const REFUSED: &str = "tanseeq: callback refused the object";

impl<'de, E, F> Visitor<'de> for Sink<'_, E, F>
where
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(object) = seq.next_element::<Box<RawValue>>()? {
            if crate::nesting_exceeds(object.get(), crate::MAX_DEPTH) {
                return Err(de::Error::custom(TOO_DEEP));
            }
            if let Err(e) = (self.on_object)(object) {
                *self.refused = Some(e);
                return Err(de::Error::custom(REFUSED));
            }
            *self.count += 1;
        }
        Ok(())
    }
}

impl<'de, E, F> DeserializeSeed<'de> for Sink<'_, E, F>
where
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(OnlyList(self))
    }
}

/// Like [`Sink`] but refuses anything that is not a list with a clear message.
struct OnlyList<S>(S);

impl<'de, E, F> Visitor<'de> for OnlyList<Sink<'_, E, F>>
where
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`objects` to be a list of STIX objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.visit_seq(seq)
    }
}

/// The top-level map of a bundle: streams `objects`, skips the rest.
struct BundleMap<'a, E, F>(Sink<'a, E, F>);

impl<'de, E, F> Visitor<'de> for BundleMap<'_, E, F>
where
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a STIX bundle")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut sink = Some(self.0);
        while let Some(key) = map.next_key::<String>()? {
            if key == "objects" {
                match sink.take() {
                    Some(sink) => map.next_value_seed(sink)?,
                    None => return Err(de::Error::custom("`objects` appears more than once")),
                }
            } else {
                // Held (one value at a time) only to check its depth: serde_json skips
                // values without a depth limit.
                let skipped = map.next_value::<Box<RawValue>>()?;
                if crate::nesting_exceeds(skipped.get(), crate::MAX_DEPTH) {
                    return Err(de::Error::custom(TOO_DEEP));
                }
            }
        }
        // A bundle without `objects` is an empty bundle (the property is optional).
        Ok(())
    }
}

fn stream_top<'de, Rd, E, F>(
    de: &mut serde_json::Deserializer<Rd>,
    format: StreamFormat,
    count: &mut u64,
    on_object: &mut F,
) -> Result<(), ReadError<E>>
where
    Rd: serde_json::de::Read<'de>,
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    let mut refused = None;
    let sink = Sink {
        on_object,
        count,
        refused: &mut refused,
    };
    let result = match format {
        StreamFormat::Array => de.deserialize_seq(sink),
        _ => de.deserialize_map(BundleMap(sink)),
    };
    let index = *count;
    let result = result.and_then(|()| de.end());
    match (result, refused) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(error)) => Err(ReadError::Callback { index, error }),
        (Err(e), None) => Err(serde_error(e, None, Some(index))),
    }
}

fn serde_error<E>(
    e: serde_json::Error,
    line: Option<u64>,
    object_index: Option<u64>,
) -> ReadError<E> {
    if e.is_io() {
        return ReadError::Io(e.into());
    }
    let message = if e.is_eof() {
        format!("the input ends too early: {e}")
    } else {
        format!("invalid JSON: {e}")
    };
    ReadError::Malformed {
        line,
        object_index,
        message,
    }
}

/// The `type` of a line, to spot bundles; everything else skipped.
#[derive(serde::Deserialize)]
struct TypeProbe<'a> {
    #[serde(rename = "type", borrow)]
    object_type: Option<std::borrow::Cow<'a, str>>,
}

/// Reads JSON lines; returns whether the input was a single line holding one bundle (a
/// minified bundle with a trailing newline), which is then reported as a bundle.
fn read_lines<R, E, F>(
    mut reader: R,
    count: &mut u64,
    on_object: &mut F,
) -> Result<bool, ReadError<E>>
where
    R: std::io::BufRead,
    F: FnMut(Box<RawValue>) -> Result<(), E>,
{
    let mut line = Vec::new();
    let mut number = 0u64;
    let (mut lines, mut bundles) = (0u64, 0u64);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(lines == 1 && bundles == 1);
        }
        number += 1;
        let text = std::str::from_utf8(&line).map_err(|e| ReadError::Malformed {
            line: Some(number),
            object_index: Some(*count),
            message: format!("the line is not UTF-8: {e}"),
        })?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        lines += 1;
        if crate::nesting_exceeds(text, crate::MAX_DEPTH) {
            return Err(ReadError::Malformed {
                line: Some(number),
                object_index: Some(*count),
                message: TOO_DEEP.into(),
            });
        }
        let bad = |message: String, index: u64| ReadError::Malformed {
            line: Some(number),
            object_index: Some(index),
            message,
        };
        let probe: TypeProbe<'_> = serde_json::from_str(text)
            .map_err(|e| bad(format!("each line must be one JSON object: {e}"), *count))?;
        if probe.object_type.as_deref() == Some("bundle") {
            bundles += 1;
            let objects = envelope_objects(text).map_err(|e| bad(e.to_string(), *count))?;
            for object in objects {
                let owned = object.to_owned();
                on_object(owned).map_err(|error| ReadError::Callback {
                    index: *count,
                    error,
                })?;
                *count += 1;
            }
        } else {
            let raw: Box<RawValue> = serde_json::from_str(text)
                .map_err(|e| bad(format!("invalid JSON: {e}"), *count))?;
            on_object(raw).map_err(|error| ReadError::Callback {
                index: *count,
                error,
            })?;
            *count += 1;
        }
    }
}
