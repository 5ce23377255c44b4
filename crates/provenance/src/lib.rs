//! Signed provenance for STIX 2.1 object versions, without altering the objects.
//!
//! A node signs one object version (`id`, `modified`) by emitting a **companion object** of the
//! custom type [`COMPANION_TYPE`] (`tanseeq-provenance`), a new SDO governed by the
//! extension-definition [`EXTENSION_DEFINITION_ID`] ([`extension_definition`] emits it). The
//! signed object stays byte-identical, so stock STIX tools see it unchanged; the companion is
//! stored and synced beside it like any other object.
//!
//! The scheme follows ITU-T X.590 (JSON Signature Scheme) in spirit:
//! - the object is canonicalized with RFC 8785 JCS ([`jcs::canonicalize`]), so whitespace,
//!   member order and number spelling do not matter, and `digest` is the SHA-256 (hex) of
//!   that canonical form;
//! - the Ed25519 `signature` (base64) is computed over the JCS form of the companion itself
//!   with its `signature` member left out, as JSS signs a JSON object minus its signature
//!   value. The digest binds the object; signing the companion also binds what the companion
//!   says about it (`object_ref`, `object_modified`, `signer`, `key_id`, `signed_at`), so none
//!   of these can be changed or replayed onto another version without breaking the signature.
//!
//! The companion's own id is a UUIDv5 over (object id, object version, signer), so the same
//! node's signature of the same version arriving by two routes is one object.
//!
//! Architecture invariant: a pure library — no I/O (the clock is read only by [`sign`]; use
//! [`sign_at`] to choose the time), no knowledge of storage, HTTP or accounts; never panics on
//! input (property-tested).

pub mod jcs;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use tanseeq_stix::StixTimestamp;
use uuid::Uuid;

use jcs::Value;

pub use ed25519_dalek;
pub use jcs::{JcsError, canonicalize};

/// The STIX type of companion objects.
pub const COMPANION_TYPE: &str = "tanseeq-provenance";
/// The id of the extension-definition that governs [`COMPANION_TYPE`].
pub const EXTENSION_DEFINITION_ID: &str =
    "extension-definition--3e3f17c6-fb1c-5b86-b6de-5a369837ceb7";
/// Where the companion's JSON Schema is published (also the name the extension id is derived
/// from, as a UUIDv5 in the URL namespace).
pub const SCHEMA_URL: &str = "https://tanseeq.example/stix/extensions/provenance/v1/schema.json";
/// The identity that authors the extension-definition: the tanseeq project (a UUIDv5 of
/// `https://tanseeq.example/` in the URL namespace).
pub const PROJECT_IDENTITY_ID: &str = "identity--2ae7128c-d37f-5c35-a6be-b87389a6ae91";
/// The only algorithm, as written in companions.
pub const ALGORITHM: &str = "Ed25519";
/// The only canonicalization, as written in companions.
pub const CANONICALIZATION: &str = "JCS";
/// Version of the extension-definition (and of the companion format).
pub const EXTENSION_VERSION: &str = "1.0.0";
/// `created`/`modified` of the extension-definition and of the project identity: fixed, so
/// every node emits the very same objects.
const DEFINED: &str = "2025-01-01T00:00:00.000Z";

/// Namespace of companion ids (a UUIDv5 of
/// `https://tanseeq.example/stix/provenance/companion-ids` in the URL namespace).
const COMPANION_NAMESPACE: Uuid = Uuid::from_u128(0x57d4feeb_4396_5ec1_ba2e_af95b49ccdcb);

/// Why an object could not be signed or a companion did not verify. Each refusal of
/// [`verify`] has its own variant so that a node can log and count them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// The signed object is not I-JSON, not an object, or lacks a STIX `id`.
    #[error("malformed object: {0}")]
    MalformedObject(String),
    /// The companion is not a well-formed `tanseeq-provenance` object.
    #[error("malformed provenance companion: {0}")]
    MalformedCompanion(String),
    /// A secret or public key that is not base64 of 32 bytes (or not a valid point).
    #[error("bad key: {0}")]
    BadKey(String),
    /// No key is held for this signer, or the key held is not the one named by `key_id`.
    #[error("unknown signer `{signer}` (key id `{key_id}`)")]
    UnknownSigner { signer: String, key_id: String },
    /// The companion signs another object.
    #[error("the companion signs `{signed}`, not `{object}`")]
    WrongObject { object: String, signed: String },
    /// The companion signs another version of this object (for example an older one replayed).
    #[error("the companion signs version {signed:?} of the object, not {object:?}")]
    WrongVersion {
        object: Option<String>,
        signed: Option<String>,
    },
    /// The object's canonical form is not the one signed (the object was changed).
    #[error("digest mismatch: the object is not the one that was signed")]
    DigestMismatch,
    /// The signature does not verify with the signer's key.
    #[error("bad signature")]
    BadSignature,
}

/// A node's signing key with the name it signs under.
#[derive(Clone)]
pub struct NodeSigner {
    signer: String,
    key: SigningKey,
}

impl fmt::Debug for NodeSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSigner")
            .field("signer", &self.signer)
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl NodeSigner {
    /// `signer` is the name peers know this node by (its node id); `secret` is the base64
    /// (standard alphabet) of the 32-byte Ed25519 secret key, as the node record keeps it.
    pub fn from_base64_secret(
        signer: impl Into<String>,
        secret: &str,
    ) -> Result<Self, ProvenanceError> {
        let bytes = STANDARD
            .decode(secret.trim())
            .map_err(|e| ProvenanceError::BadKey(format!("the secret is not base64: {e}")))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            ProvenanceError::BadKey(format!("the secret has {} bytes, not 32", b.len()))
        })?;
        Ok(Self::from_signing_key(
            signer,
            SigningKey::from_bytes(&bytes),
        ))
    }

    pub fn from_signing_key(signer: impl Into<String>, key: SigningKey) -> Self {
        Self {
            signer: signer.into(),
            key,
        }
    }

    pub fn signer(&self) -> &str {
        &self.signer
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key, base64 (standard alphabet) of its 32 bytes.
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.key.verifying_key().to_bytes())
    }

    /// See [`key_id`].
    pub fn key_id(&self) -> String {
        key_id(&self.key.verifying_key())
    }
}

/// A key's id: the first 16 bytes of the SHA-256 of its 32 bytes, in hex (32 characters).
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.to_bytes())[..16])
}

/// Reads a public key written as base64 (standard alphabet) of its 32 bytes.
pub fn public_key_from_base64(text: &str) -> Result<VerifyingKey, ProvenanceError> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|e| ProvenanceError::BadKey(format!("the public key is not base64: {e}")))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
        ProvenanceError::BadKey(format!("the public key has {} bytes, not 32", b.len()))
    })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| ProvenanceError::BadKey("the public key is not a valid Ed25519 key".into()))
}

/// The keys a verifier holds: for a signer (node id) and the key id its companion names,
/// the public key, if held. [`verify`] checks that the key returned has that key id.
pub trait KeyLookup {
    fn key(&self, signer: &str, key_id: &str) -> Option<VerifyingKey>;
}

/// One key per signer.
impl KeyLookup for HashMap<String, VerifyingKey> {
    fn key(&self, signer: &str, _key_id: &str) -> Option<VerifyingKey> {
        self.get(signer).copied()
    }
}

/// One key per signer.
impl KeyLookup for BTreeMap<String, VerifyingKey> {
    fn key(&self, signer: &str, _key_id: &str) -> Option<VerifyingKey> {
        self.get(signer).copied()
    }
}

/// Any function of (signer, key id).
impl<F: Fn(&str, &str) -> Option<VerifyingKey>> KeyLookup for F {
    fn key(&self, signer: &str, key_id: &str) -> Option<VerifyingKey> {
        self(signer, key_id)
    }
}

/// What a successful [`verify`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The companion's id.
    pub companion_id: String,
    /// The signed object's id.
    pub object_ref: String,
    /// The signed version, as the object writes it (`modified`, else `created`); `None` for
    /// an object with neither.
    pub object_modified: Option<String>,
    pub signer: String,
    pub key_id: String,
    pub signed_at: StixTimestamp,
    /// SHA-256 (hex) of the object's canonical form.
    pub digest: String,
    /// What the signer attested about the version's audience, when it did.
    pub attestation: Attestation,
}

/// What the signing node attests about a version besides its bytes: who authored it in the
/// federation and who its audience is. Receiving nodes take these from the originator's
/// signature, never from the object itself (a `created_by_ref` proves nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attestation {
    /// The identity (`identity--…`) of the organization that submitted the version.
    pub originator_ref: Option<String>,
    /// The identity the version is addressed to besides its audience (a sighting's indicator
    /// author).
    pub addressee_ref: Option<String>,
    /// Whether the version is restricted (TLP:RED, TLP:AMBER+STRICT, also by a collection's
    /// default) and its sharing groups (marking-definition ids).
    pub audience: Option<(bool, Vec<String>)>,
}

/// The id and version of an object, read from its parsed form.
struct Signed {
    id: String,
    version: Option<(String, StixTimestamp)>,
    canonical: String,
}

fn read_object(raw: &str) -> Result<Signed, ProvenanceError> {
    let value = jcs::parse(raw).map_err(|e| ProvenanceError::MalformedObject(e.to_string()))?;
    if !matches!(value, Value::Object(_)) {
        return Err(ProvenanceError::MalformedObject("not a JSON object".into()));
    }
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ProvenanceError::MalformedObject("`id` must be a string".into()))?;
    tanseeq_stix::check_identifier(id)
        .map_err(|m| ProvenanceError::MalformedObject(format!("`id` {m}")))?;
    let mut version = None;
    for name in ["modified", "created"] {
        if let Some(v) = value.get(name) {
            let text = v.as_str().ok_or_else(|| {
                ProvenanceError::MalformedObject(format!("`{name}` must be a string"))
            })?;
            let at = StixTimestamp::parse(text)
                .map_err(|e| ProvenanceError::MalformedObject(format!("`{name}`: {e}")))?;
            version.get_or_insert((text.to_owned(), at));
        }
    }
    let mut canonical = String::with_capacity(raw.len());
    jcs::write(&value, &mut canonical);
    Ok(Signed {
        id: id.to_owned(),
        version,
        canonical,
    })
}

/// The companion id for (object, version, signer): equal instants written differently are
/// the same version, so the version enters in its fixed-width form.
pub fn companion_id(object_id: &str, version: Option<&StixTimestamp>, signer: &str) -> String {
    let version = version.map(StixTimestamp::sortable).unwrap_or_default();
    let name = format!("{object_id}\n{version}\n{signer}");
    format!(
        "{COMPANION_TYPE}--{}",
        Uuid::new_v5(&COMPANION_NAMESPACE, name.as_bytes())
    )
}

/// Signs one object version (its raw JSON text, unchanged) and returns the companion's JSON
/// text (itself in JCS form), signed now.
pub fn sign(raw_object: &str, signer: &NodeSigner) -> Result<String, ProvenanceError> {
    sign_at(
        raw_object,
        signer,
        StixTimestamp::from_jiff(jiff::Timestamp::now()),
    )
}

/// [`sign`] with a chosen signing time (Ed25519 is deterministic, so the same inputs give the
/// same companion byte for byte).
pub fn sign_at(
    raw_object: &str,
    signer: &NodeSigner,
    signed_at: StixTimestamp,
) -> Result<String, ProvenanceError> {
    sign_attested(raw_object, signer, signed_at, &Attestation::default())
}

/// [`sign_at`], the companion also carrying (and signing) an [`Attestation`].
pub fn sign_attested(
    raw_object: &str,
    signer: &NodeSigner,
    signed_at: StixTimestamp,
    attestation: &Attestation,
) -> Result<String, ProvenanceError> {
    let object = read_object(raw_object)?;
    let signed_at = signed_at.to_millis_string();
    let id = companion_id(
        &object.id,
        object.version.as_ref().map(|(_, at)| at),
        &signer.signer,
    );
    let s = |text: &str| Value::String(text.to_owned());
    let mut members = vec![
        ("type".to_owned(), s(COMPANION_TYPE)),
        ("spec_version".to_owned(), s("2.1")),
        ("id".to_owned(), s(&id)),
        ("created".to_owned(), s(&signed_at)),
        ("modified".to_owned(), s(&signed_at)),
        ("object_ref".to_owned(), s(&object.id)),
    ];
    if let Some((text, _)) = &object.version {
        members.push(("object_modified".to_owned(), s(text)));
    }
    members.extend([
        ("signer".to_owned(), s(&signer.signer)),
        ("key_id".to_owned(), s(&signer.key_id())),
        ("algorithm".to_owned(), s(ALGORITHM)),
        ("canonicalization".to_owned(), s(CANONICALIZATION)),
        (
            "digest".to_owned(),
            s(&hex::encode(Sha256::digest(object.canonical.as_bytes()))),
        ),
        ("signed_at".to_owned(), s(&signed_at)),
    ]);
    if let Some(originator) = &attestation.originator_ref {
        members.push(("originator_ref".to_owned(), s(originator)));
    }
    if let Some(addressee) = &attestation.addressee_ref {
        members.push(("addressee_ref".to_owned(), s(addressee)));
    }
    if let Some((restricted, groups)) = &attestation.audience {
        members.push(("restricted".to_owned(), Value::Bool(*restricted)));
        members.push((
            "sharing_group_refs".to_owned(),
            Value::Array(groups.iter().map(|g| s(g)).collect()),
        ));
    }
    members.extend([(
        "extensions".to_owned(),
        Value::Object(vec![(
            EXTENSION_DEFINITION_ID.to_owned(),
            Value::Object(vec![("extension_type".to_owned(), s("new-sdo"))]),
        )]),
    )]);
    let mut unsigned = Value::Object(members);
    let mut input = String::new();
    jcs::write(&unsigned, &mut input);
    let signature = signer.key.sign(input.as_bytes());
    if let Value::Object(members) = &mut unsigned {
        members.push((
            "signature".to_owned(),
            Value::String(STANDARD.encode(signature.to_bytes())),
        ));
    }
    let mut out = String::new();
    jcs::write(&unsigned, &mut out);
    Ok(out)
}

/// Verifies that `companion` is a valid signature, by a signer whose key `keys` holds, of
/// exactly this version of `raw_object`. Checks, in order: the companion's form, that it
/// names this object and this version, that its signer's key is held, the digest of the
/// object's canonical form, then the signature.
pub fn verify(
    raw_object: &str,
    companion: &str,
    keys: &impl KeyLookup,
) -> Result<Verified, ProvenanceError> {
    let malformed = |m: &str| ProvenanceError::MalformedCompanion(m.to_owned());
    let value = jcs::parse(companion).map_err(|e| malformed(&e.to_string()))?;
    let Value::Object(members) = &value else {
        return Err(malformed("not a JSON object"));
    };
    let text = |name: &str| -> Result<&str, ProvenanceError> {
        value
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(&format!("`{name}` must be a string")))
    };
    if text("type")? != COMPANION_TYPE {
        return Err(malformed(&format!("`type` must be `{COMPANION_TYPE}`")));
    }
    if text("algorithm")? != ALGORITHM {
        return Err(malformed(&format!("`algorithm` must be `{ALGORITHM}`")));
    }
    if text("canonicalization")? != CANONICALIZATION {
        return Err(malformed(&format!(
            "`canonicalization` must be `{CANONICALIZATION}`"
        )));
    }
    let object_ref = text("object_ref")?;
    let object_modified = match value.get("object_modified") {
        None => None,
        Some(v) => {
            let t = v
                .as_str()
                .ok_or_else(|| malformed("`object_modified` must be a string"))?;
            let at = StixTimestamp::parse(t)
                .map_err(|e| malformed(&format!("`object_modified`: {e}")))?;
            Some((t, at))
        }
    };
    let signer = text("signer")?;
    let key_id = text("key_id")?;
    let signed_at = StixTimestamp::parse(text("signed_at")?)
        .map_err(|e| malformed(&format!("`signed_at`: {e}")))?;
    let digest = text("digest")?;
    if digest.len() != 64
        || !digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed(
            "`digest` must be 64 lowercase hexadecimal digits",
        ));
    }
    let signature = STANDARD
        .decode(text("signature")?)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| malformed("`signature` must be base64 of 64 bytes"))?;
    let id = text("id")?;
    if id
        != companion_id(
            object_ref,
            object_modified.map(|(_, at)| at).as_ref(),
            signer,
        )
    {
        return Err(malformed(
            "`id` is not the one derived from `object_ref`, `object_modified` and `signer`",
        ));
    }

    let object = read_object(raw_object)?;
    if object.id != object_ref {
        return Err(ProvenanceError::WrongObject {
            object: object.id,
            signed: object_ref.to_owned(),
        });
    }
    if object.version.as_ref().map(|(_, at)| at) != object_modified.map(|(_, at)| at).as_ref() {
        return Err(ProvenanceError::WrongVersion {
            object: object.version.map(|(t, _)| t),
            signed: object_modified.map(|(t, _)| t.to_owned()),
        });
    }

    let unknown = || ProvenanceError::UnknownSigner {
        signer: signer.to_owned(),
        key_id: key_id.to_owned(),
    };
    let key = keys.key(signer, key_id).ok_or_else(unknown)?;
    if self::key_id(&key) != key_id {
        return Err(unknown());
    }

    if hex::encode(Sha256::digest(object.canonical.as_bytes())) != digest {
        return Err(ProvenanceError::DigestMismatch);
    }

    let unsigned = Value::Object(
        members
            .iter()
            .filter(|(name, _)| name != "signature")
            .cloned()
            .collect(),
    );
    let mut input = String::new();
    jcs::write(&unsigned, &mut input);
    key.verify_strict(input.as_bytes(), &signature)
        .map_err(|_| ProvenanceError::BadSignature)?;

    let optional_text = |name: &str| -> Result<Option<String>, ProvenanceError> {
        match value.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|t| Some(t.to_owned()))
                .ok_or_else(|| malformed(&format!("`{name}` must be a string"))),
        }
    };
    let audience = match value.get("restricted") {
        None => None,
        Some(Value::Bool(restricted)) => {
            let groups = match value.get("sharing_group_refs") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|g| {
                        g.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| malformed("`sharing_group_refs` must hold strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => return Err(malformed("`sharing_group_refs` must be a list")),
            };
            Some((*restricted, groups))
        }
        Some(_) => return Err(malformed("`restricted` must be true or false")),
    };
    let attestation = Attestation {
        originator_ref: optional_text("originator_ref")?,
        addressee_ref: optional_text("addressee_ref")?,
        audience,
    };

    Ok(Verified {
        companion_id: id.to_owned(),
        object_ref: object_ref.to_owned(),
        object_modified: object_modified.map(|(t, _)| t.to_owned()),
        signer: signer.to_owned(),
        key_id: key_id.to_owned(),
        signed_at,
        digest: digest.to_owned(),
        attestation,
    })
}

/// Signs an arbitrary message (a node descriptor, a request): base64 of the Ed25519 signature.
pub fn sign_message(signer: &NodeSigner, message: &[u8]) -> String {
    STANDARD.encode(signer.key.sign(message).to_bytes())
}

/// Whether `signature` (base64) is `key`'s signature of `message`.
pub fn verify_message(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    STANDARD
        .decode(signature.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .is_some_and(|b| {
            key.verify_strict(message, &Signature::from_bytes(&b))
                .is_ok()
        })
}

/// The extension-definition that governs companion objects (a `new-sdo` extension), the same
/// on every node. Its author is [`PROJECT_IDENTITY_ID`] ([`project_identity`]).
pub fn extension_definition() -> String {
    let s = |text: &str| Value::String(text.to_owned());
    let list = |items: &[&str]| Value::Array(items.iter().map(|t| s(t)).collect());
    let object = Value::Object(vec![
        ("type".to_owned(), s("extension-definition")),
        ("spec_version".to_owned(), s("2.1")),
        ("id".to_owned(), s(EXTENSION_DEFINITION_ID)),
        ("created_by_ref".to_owned(), s(PROJECT_IDENTITY_ID)),
        ("created".to_owned(), s(DEFINED)),
        ("modified".to_owned(), s(DEFINED)),
        ("name".to_owned(), s("tanseeq signed provenance")),
        (
            "description".to_owned(),
            s(
                "A node's Ed25519 signature over one version (id, modified) of one STIX object, \
               computed over its RFC 8785 (JCS) canonical form and carried beside it, so the \
               object itself is unchanged. `digest` is the SHA-256 (hex) of the object's \
               canonical form; `signature` (base64) covers the JCS form of this object without \
               its `signature` property.",
            ),
        ),
        ("schema".to_owned(), s(SCHEMA_URL)),
        ("version".to_owned(), s(EXTENSION_VERSION)),
        ("extension_types".to_owned(), list(&["new-sdo"])),
    ]);
    let mut out = String::new();
    jcs::write(&object, &mut out);
    out
}

/// The `identity` of the tanseeq project, author of [`extension_definition`].
pub fn project_identity() -> String {
    let s = |text: &str| Value::String(text.to_owned());
    let object = Value::Object(vec![
        ("type".to_owned(), s("identity")),
        ("spec_version".to_owned(), s("2.1")),
        ("id".to_owned(), s(PROJECT_IDENTITY_ID)),
        ("created".to_owned(), s(DEFINED)),
        ("modified".to_owned(), s(DEFINED)),
        ("name".to_owned(), s("tanseeq")),
        ("identity_class".to_owned(), s("system")),
    ]);
    let mut out = String::new();
    jcs::write(&object, &mut out);
    out
}
