//! Reading many objects: in-memory envelopes and streamed bundles / JSON lines / arrays.

use serde_json::value::RawValue;
use std::io::Read;
use tanseeq_stix::bundle::{
    EnvelopeError, ReadError, StreamFormat, envelope_objects, read_objects,
};

const A: &str = r#"{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"https://a.example/"}"#;
const B: &str = r#"{ "type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3" }"#;

fn collect(input: &[u8]) -> Result<(StreamFormat, Vec<String>), ReadError<String>> {
    let mut seen = Vec::new();
    let summary = read_objects(input, |o: Box<RawValue>| -> Result<(), String> {
        seen.push(o.get().to_owned());
        Ok(())
    })?;
    assert_eq!(summary.objects as usize, seen.len());
    Ok((summary.format, seen))
}

#[test]
fn envelope_returns_exact_slices() {
    let body = format!(r#"{{"more": false, "objects": [{A},  {B}], "next": "x"}}"#);
    let objects = envelope_objects(&body).unwrap();
    assert_eq!(objects.iter().map(|o| o.get()).collect::<Vec<_>>(), [A, B]);
    let bundle = format!(
        r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{A}]}}"#
    );
    assert_eq!(envelope_objects(&bundle).unwrap().len(), 1);
    assert_eq!(envelope_objects(r#"{"objects":[]}"#).unwrap().len(), 0);
}

#[test]
fn envelope_errors() {
    assert_eq!(
        envelope_objects(r#"{"more":true}"#).err(),
        Some(EnvelopeError::MissingObjects)
    );
    assert_eq!(
        envelope_objects(r#"{"objects":{}}"#).err(),
        Some(EnvelopeError::ObjectsNotAList)
    );
    assert_eq!(
        envelope_objects(r#"{"objects":"x"}"#).err(),
        Some(EnvelopeError::ObjectsNotAList)
    );
    for bad in [
        "",
        "[]",
        "nope",
        r#"{"objects":[1,]}"#,
        r#"{"objects":[]} trailing"#,
        r#"{"objects":[{"a":1}"#,
    ] {
        assert!(
            matches!(envelope_objects(bad), Err(EnvelopeError::Malformed(_))),
            "{bad}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 10_000;
    for body in [
        format!(
            r#"{{"objects":[{}{}]}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!(
            r#"{{"objects":[{}1{}]}}"#,
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        ),
        format!(
            r#"{{"x":{}{},"objects":[]}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
    ] {
        assert!(envelope_objects(&body).is_err());
        assert!(read_objects(body.as_bytes(), |_| Ok::<(), ()>(())).is_err());
        assert!(tanseeq_stix::validate_object(&body).is_err());
    }
    let object = format!(
        r#"{{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"a","x_deep":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(tanseeq_stix::validate_object(&object).is_err());
}

#[test]
fn bundle_pretty_and_minified() {
    let objects: Vec<serde_json::Value> = [A, B]
        .iter()
        .map(|o| serde_json::from_str(o).unwrap())
        .collect();
    let bundle = serde_json::json!({
        "type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects
    });
    let pretty = serde_json::to_string_pretty(&bundle).unwrap();
    let (format, seen) = collect(pretty.as_bytes()).unwrap();
    assert_eq!(format, StreamFormat::Bundle);
    assert_eq!(seen.len(), 2);
    assert!(seen[0].contains("https://a.example/"));

    // Exact bytes are kept.
    let minified = format!(
        r#"{{"type":"bundle","objects":[{A},{B}],"id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}}"#
    );
    for input in [
        minified.clone(),
        format!("{minified}\n"),
        format!("\u{feff}  \n{minified}"),
    ] {
        let (format, seen) = collect(input.as_bytes()).unwrap();
        assert_eq!(format, StreamFormat::Bundle, "{input}");
        assert_eq!(seen, [A, B]);
    }
}

#[test]
fn empty_bundles() {
    for input in [
        r#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}"#,
        r#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}"#,
        "{\n\"type\": \"bundle\",\n\"objects\": [\n]\n}\n",
        "[]",
    ] {
        let (_, seen) = collect(input.as_bytes()).unwrap();
        assert!(seen.is_empty(), "{input}");
    }
}

#[test]
fn json_lines_and_arrays() {
    let lines = format!("{A}\n\n{B}\r\n   \n{A}");
    let (format, seen) = collect(lines.as_bytes()).unwrap();
    assert_eq!(format, StreamFormat::JsonLines);
    assert_eq!(seen, [A, B, A]);

    // A line may be a bundle.
    let lines = format!("{A}\n{{\"type\":\"bundle\",\"objects\":[{B},{A}]}}\n{B}\n");
    let (format, seen) = collect(lines.as_bytes()).unwrap();
    assert_eq!(format, StreamFormat::JsonLines);
    assert_eq!(seen, [A, B, A, B]);

    let array = format!("[\n  {A},\n  {B}\n]\n");
    let (format, seen) = collect(array.as_bytes()).unwrap();
    assert_eq!(format, StreamFormat::Array);
    assert_eq!(seen, [A, B]);
}

#[test]
fn garbage_and_truncation() {
    for bad in [
        "".as_bytes().to_vec(),
        b"   \n ".to_vec(),
        b"hello".to_vec(),
        b"\"objects\"".to_vec(),
        b"{\"objects\": [".to_vec(),
        b"{\"objects\": {}}".to_vec(),
        b"{\"objects\": [1, 2,]}".to_vec(),
        b"[1, 2".to_vec(),
        format!("{A}\nnot json\n").into_bytes(),
        format!("{A}\n[1]\n").into_bytes(),
        vec![b'{', 0xff, 0xfe, b'\n'],
        format!("{{\"objects\":[{A}]}} extra").into_bytes(),
    ] {
        let result = collect(&bad);
        assert!(
            matches!(result, Err(ReadError::Malformed { .. })),
            "{:?}: {result:?}",
            String::from_utf8_lossy(&bad)
        );
    }
    // Errors say where.
    let err = collect(format!("{A}\n{B}\n{{oops\n").as_bytes()).unwrap_err();
    match &err {
        ReadError::Malformed {
            line, object_index, ..
        } => {
            assert_eq!((*line, *object_index), (Some(3), Some(2)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn callback_error_stops_reading() {
    let input = format!("[{A},{B},{A}]");
    let mut calls = 0;
    let result = read_objects(input.as_bytes(), |_| {
        calls += 1;
        if calls == 2 { Err("full") } else { Ok(()) }
    });
    match result {
        Err(ReadError::Callback { index, error }) => assert_eq!((index, error), (1, "full")),
        other => panic!("{other:?}"),
    }
    assert_eq!(calls, 2);
}

/// Produces a minified bundle of `total` objects on one line, on the fly, and counts the
/// bytes handed out, so the test can see objects arrive long before the end.
struct Generated {
    total: u64,
    next: u64,
    pending: Vec<u8>,
    pos: usize,
    served: std::rc::Rc<std::cell::Cell<u64>>,
    done: bool,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            self.pending.clear();
            self.pos = 0;
            if self.next == 0 && !self.done {
                self.pending.extend_from_slice(
                    br#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":["#,
                );
            }
            if self.next < self.total {
                if self.next > 0 {
                    self.pending.push(b',');
                }
                let pad = "x".repeat(400);
                self.pending.extend_from_slice(
                    format!(
                        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{:08x}-0000-4000-8000-000000000000","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","pattern":"[url:value = 'https://{pad}/']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#,
                        self.next
                    )
                    .as_bytes(),
                );
                self.next += 1;
            } else if !self.done {
                self.pending.extend_from_slice(b"]}");
                self.done = true;
            }
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        self.served.set(self.served.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn fifty_megabytes_stream() {
    let total = 80_000; // ~0.66 KB each: ~53 MB on one line
    let served = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let input = Generated {
        total,
        next: 0,
        pending: Vec::new(),
        pos: 0,
        served: served.clone(),
        done: false,
    };
    let mut count = 0u64;
    let mut served_at_first = 0;
    let mut checked = 0;
    let summary = read_objects(input, |object: Box<RawValue>| -> Result<(), String> {
        if count == 0 {
            served_at_first = served.get();
        }
        if count.is_multiple_of(10_000) {
            tanseeq_stix::validate_object(object.get()).map_err(|e| e.to_string())?;
            checked += 1;
        }
        count += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.format, StreamFormat::Bundle);
    assert_eq!(summary.objects, total);
    assert!(served.get() > 50_000_000, "{}", served.get());
    // The first object was handed out after about the sniff window, not after the whole input.
    assert!(served_at_first < 2 * 1024 * 1024, "{served_at_first}");
    assert_eq!(checked, 8);
}
