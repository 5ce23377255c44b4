//! One SCO-like value, and its form as observed-data for the evaluator.

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use tanseeq_pattern::Observations;

/// Hash algorithm names, keyed by their spelling in lower case without `-`, `_` or spaces,
/// mapped to the spelling of the STIX hash-algorithm vocabulary (2.1 `hash-algorithm-ov`, plus
/// the 2.0 names that 2.1 dropped).
const HASH_ALGORITHMS: &[(&str, &str)] = &[
    ("md5", "MD5"),
    ("sha1", "SHA-1"),
    ("sha224", "SHA-224"),
    ("sha256", "SHA-256"),
    ("sha384", "SHA-384"),
    ("sha512", "SHA-512"),
    ("sha3224", "SHA3-224"),
    ("sha3256", "SHA3-256"),
    ("sha3384", "SHA3-384"),
    ("sha3512", "SHA3-512"),
    ("ssdeep", "SSDEEP"),
    ("tlsh", "TLSH"),
];

/// The property a bare value of a type stands for; every type not listed uses `value`
/// (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `email-addr`, `mac-addr`, …).
const PRIMARY_PROPERTY: &[(&str, &str)] = &[
    ("file", "name"),
    ("directory", "path"),
    ("mutex", "name"),
    ("windows-registry-key", "key"),
    ("software", "name"),
];

/// The STIX spelling of a hash algorithm name (`sha256`, `SHA256`, `sha-256` → `SHA-256`);
/// `None` for a name outside the vocabulary.
pub fn normalize_hash_algorithm(name: &str) -> Option<&'static str> {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    HASH_ALGORITHMS
        .iter()
        .find(|(k, _)| *k == folded)
        .map(|(_, v)| *v)
}

/// One value of one cyber-observable object: its type, the property path that holds the
/// value (`["value"]`, `["hashes", "SHA-256"]`), and the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Observable {
    pub object_type: String,
    pub property: Vec<String>,
    pub value: String,
}

/// The synthetic observed-data that carries one observable to the evaluator.
const OBSERVED_DATA_ID: &str = "observed-data--00000000-0000-4000-8000-000000000000";
/// The id suffix of the synthetic SCO it references.
const OBJECT_ID_SUFFIX: &str = "--00000000-0000-4000-8000-000000000001";

impl Observable {
    /// The value of the type's primary property (`value` for addresses, domains, URLs, …;
    /// `name` for `file`).
    pub fn new(object_type: impl Into<String>, value: impl Into<String>) -> Observable {
        let object_type = object_type.into();
        let property = PRIMARY_PROPERTY
            .iter()
            .find(|(t, _)| *t == object_type)
            .map_or("value", |(_, p)| p);
        Observable {
            property: vec![property.to_string()],
            object_type,
            value: value.into(),
        }
    }

    /// A file hash; the algorithm's spelling is normalized ([`normalize_hash_algorithm`]), a
    /// name outside the vocabulary is kept as given.
    pub fn file_hash(algorithm: &str, value: impl Into<String>) -> Observable {
        Observable::hash("file", algorithm, value)
    }

    /// A hash of an object of `object_type` (`file`, `artifact`, `x509-certificate`).
    pub fn hash(object_type: &str, algorithm: &str, value: impl Into<String>) -> Observable {
        let algorithm = normalize_hash_algorithm(algorithm).map_or(algorithm, |a| a);
        Observable {
            object_type: object_type.to_string(),
            property: vec!["hashes".to_string(), algorithm.to_string()],
            value: value.into(),
        }
    }

    /// The hash algorithm, when this is a `hashes.…` value.
    pub fn hash_algorithm(&self) -> Option<&str> {
        match self.property.as_slice() {
            [h, alg] if h == "hashes" => Some(alg),
            _ => None,
        }
    }

    /// The observable as an SCO: `{"type": …, "id": …, <property path>: value}`.
    pub fn to_object(&self) -> Value {
        let mut leaf = Value::String(self.value.clone());
        for key in self.property.iter().skip(1).rev() {
            let mut m = Map::new();
            m.insert(key.clone(), leaf);
            leaf = Value::Object(m);
        }
        let mut object = Map::new();
        object.insert("type".into(), Value::String(self.object_type.clone()));
        object.insert(
            "id".into(),
            Value::String(format!("{}{OBJECT_ID_SUFFIX}", self.object_type)),
        );
        if let Some(first) = self.property.first() {
            object.insert(first.clone(), leaf);
        }
        Value::Object(object)
    }

    /// The observable as one observation: an observed-data seen once, at `at`, referencing
    /// [`to_object`](Self::to_object). `None` when `at` has no STIX timestamp form (a year
    /// outside 0000–9999).
    pub fn to_observations(&self, at: Timestamp) -> Option<Observations> {
        let object = self.to_object();
        let time = at.to_string();
        let observed = json!({
            "type": "observed-data",
            "id": OBSERVED_DATA_ID,
            "first_observed": time,
            "last_observed": time,
            "number_observed": 1,
            "object_refs": [object["id"].clone()],
        });
        Observations::from_objects(&[observed, object]).ok()
    }
}

impl std::fmt::Display for Observable {
    /// `type:path=value`, for messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, key) in self.property.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                f.write_str(key)?;
            } else {
                write!(f, "'{key}'")?;
            }
        }
        write!(f, "={}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_algorithm_spellings() {
        for s in ["sha256", "SHA256", "sha-256", "SHA-256", "Sha_256"] {
            assert_eq!(normalize_hash_algorithm(s), Some("SHA-256"), "{s}");
        }
        assert_eq!(normalize_hash_algorithm("sha1"), Some("SHA-1"));
        assert_eq!(normalize_hash_algorithm("SHA3-256"), Some("SHA3-256"));
        assert_eq!(normalize_hash_algorithm("imphash"), None);
        assert_eq!(
            Observable::file_hash("sha-1", "ab").hash_algorithm(),
            Some("SHA-1")
        );
        assert_eq!(
            Observable::file_hash("X-Custom", "ab").hash_algorithm(),
            Some("X-Custom")
        );
    }

    #[test]
    fn object_form() {
        let o = Observable::file_hash("md5", "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            o.to_object(),
            json!({"type": "file", "id": "file--00000000-0000-4000-8000-000000000001",
                   "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}})
        );
        assert_eq!(Observable::new("file", "evil.exe").property, ["name"]);
        let at: Timestamp = "2026-01-02T03:04:05.5Z".parse().unwrap();
        assert_eq!(o.to_observations(at).unwrap().len(), 1);
        assert_eq!(
            o.to_string(),
            "file:hashes.MD5=d41d8cd98f00b204e9800998ecf8427e"
        );
    }
}
