//! Validation at the door: the STIX 2.1 specification's MUST rules, one object at a time.
//!
//! The rules are data, not code: [`TYPES`] lists every STIX 2.1 object type with its category,
//! its required properties and the kind of value each of its properties takes, plus a few
//! cross-property rules ("at least one of", "not both", "later than"). One generic walker
//! applies them. Adding a type or fixing a rule is a table edit, and a reader can check the
//! table against the specification line by line.
//!
//! Speed matters (this runs for every object ingested): the top level is read into a list of
//! `(name, raw value)` pairs that borrow from the input, and only the values a rule looks at
//! are deserialized, one at a time. No `serde_json::Value` tree is built for the whole object.

use crate::header::ObjectHeader;
use crate::timestamp::StixTimestamp;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Why one object was refused. `property` names the offending property when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", property.as_ref().map(|p| format!("property `{p}`: ")).unwrap_or_default())]
pub struct ValidationError {
    pub property: Option<String>,
    pub message: String,
}

impl ValidationError {
    fn of(property: &str, message: impl Into<String>) -> Self {
        Self {
            property: Some(property.to_owned()),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> Self {
        Self {
            property: None,
            message: message.into(),
        }
    }
}

type Result<T, E = ValidationError> = std::result::Result<T, E>;

/// The message for STIX 2.0 content. 2.0 objects carry no `spec_version`, so an SDO/SRO
/// without one is almost always a 2.0 producer; saying so beats "property is required".
pub const STIX_20_REFUSED: &str =
    "STIX 2.0 objects are not accepted here; this node takes STIX 2.1 (spec_version \"2.1\")";

// ------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------

/// The four families of STIX 2.1 objects; they differ in which common properties are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// STIX Domain Object: `spec_version`, `created`, `modified` required.
    Sdo,
    /// STIX Relationship Object: as SDOs.
    Sro,
    /// STIX Cyber-observable Object: `spec_version` optional (defaults to "2.1"), no
    /// `created`/`modified`.
    Sco,
    /// marking-definition, language-content, extension-definition: requirements per type.
    Meta,
}

/// Which object types an identifier reference may point at.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Any well-formed identifier.
    Any,
    /// An SDO: a standard SDO type, or a custom type (custom objects are SDO-like).
    Sdo,
    /// A standard SCO type or a custom type.
    Sco,
    /// A standard SCO or SRO type, or a custom type (observed-data `object_refs`).
    ScoOrSro,
    /// Exactly these types.
    Types(&'static [&'static str]),
}

/// The kind of value a property takes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A JSON string.
    Str,
    Bool,
    /// An integer within the inclusive range.
    Int(i64, i64),
    /// A number within the inclusive range.
    Float(f64, f64),
    /// A STIX timestamp.
    Time,
    /// A non-empty list of strings.
    StrList,
    /// One of these strings (a closed vocabulary / enumeration).
    Enum(&'static [&'static str]),
    /// A non-empty list, each item one of these strings.
    EnumList(&'static [&'static str]),
    /// Lowercase ASCII letters, digits and hyphens, 3–250 characters (`relationship_type`).
    Slug,
    /// An identifier of one of the target types.
    Ref(Target),
    /// A non-empty list of identifiers of the target types.
    Refs(Target),
    /// A JSON object (STIX dictionary), contents unconstrained.
    Dict,
    /// A non-empty hashes dictionary: algorithm name → string value.
    Hashes,
    /// A non-empty list of kill-chain-phase objects.
    KillChain,
    /// A non-empty list of external-reference objects.
    ExtRefs,
    /// A non-empty list of granular-marking objects.
    GranularMarkings,
    /// A dictionary of extensions: extension-definition id or predefined name → object.
    Extensions,
    /// A non-empty list of JSON objects.
    ObjList,
    /// A hexadecimal string.
    Hex,
    /// A base64 string.
    Binary,
    /// An RFC 5646 language tag.
    Lang,
}

/// One object type's rules.
#[derive(Debug)]
pub struct TypeSpec {
    pub name: &'static str,
    pub category: Category,
    /// Required beyond `type`, `id` and what the category requires.
    pub required: &'static [&'static str],
    /// The type's own properties and their kinds (common properties are in [`COMMON`]).
    pub props: &'static [(&'static str, Kind)],
    /// Each inner list is one alternative; at least one alternative must be fully present.
    pub any_of: &'static [&'static [&'static str]],
    /// Pairs that must not both be present.
    pub exclusive: &'static [(&'static str, &'static str)],
    /// `(a, b)`: if `a` is present, `b` must be too.
    pub requires: &'static [(&'static str, &'static str)],
    /// `(earlier, later, strict)`: timestamps that must be ordered when both present.
    pub ordered: &'static [(&'static str, &'static str, bool)],
    /// Rules that depend on values (e.g. `is_family: true` requires `name`).
    pub extra: Option<fn(&Props<'_>) -> Result<()>>,
}

impl TypeSpec {
    const fn new(name: &'static str, category: Category) -> Self {
        Self {
            name,
            category,
            required: &[],
            props: &[],
            any_of: &[],
            exclusive: &[],
            requires: &[],
            ordered: &[],
            extra: None,
        }
    }
    const fn req(mut self, required: &'static [&'static str]) -> Self {
        self.required = required;
        self
    }
    const fn props(mut self, props: &'static [(&'static str, Kind)]) -> Self {
        self.props = props;
        self
    }
    const fn any_of(mut self, any_of: &'static [&'static [&'static str]]) -> Self {
        self.any_of = any_of;
        self
    }
    const fn exclusive(mut self, pairs: &'static [(&'static str, &'static str)]) -> Self {
        self.exclusive = pairs;
        self
    }
    const fn requires(mut self, pairs: &'static [(&'static str, &'static str)]) -> Self {
        self.requires = pairs;
        self
    }
    const fn ordered(mut self, pairs: &'static [(&'static str, &'static str, bool)]) -> Self {
        self.ordered = pairs;
        self
    }
    const fn extra(mut self, check: fn(&Props<'_>) -> Result<()>) -> Self {
        self.extra = Some(check);
        self
    }
}

use Category::{Meta, Sco, Sdo, Sro};
use Kind::*;

const MAX_COUNT: i64 = 999_999_999;
/// JSON producers cannot portably exceed 2^53; the spec's "integer" has no bound otherwise.
const MAX_INT: i64 = 9_007_199_254_740_991;
const NON_NEG: Kind = Int(0, MAX_INT);
const ANY_INT: Kind = Int(-MAX_INT, MAX_INT);

const IDENTITY: Target = Target::Types(&["identity"]);
const MARKING: Target = Target::Types(&["marking-definition"]);
const SOFTWARE: Target = Target::Types(&["software"]);
const EMAIL_ADDR: Target = Target::Types(&["email-addr"]);
const ARTIFACT: Target = Target::Types(&["artifact"]);
const USER_ACCOUNT: Target = Target::Types(&["user-account"]);
const NETWORK_TRAFFIC: Target = Target::Types(&["network-traffic"]);
const ADDRESS: Target = Target::Types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);

/// Properties every object may carry, with their kinds. Applied to every type, including
/// custom ones and SCOs (where `created_by_ref` etc. are not defined, the same name with a
/// different meaning would be perverse, and the header reads them).
pub const COMMON: &[(&str, Kind)] = &[
    ("type", Str),
    ("id", Str),
    ("spec_version", Str),
    ("created_by_ref", Ref(IDENTITY)),
    ("created", Time),
    ("modified", Time),
    ("revoked", Bool),
    ("labels", StrList),
    ("confidence", Int(0, 100)),
    ("lang", Lang),
    ("external_references", ExtRefs),
    ("object_marking_refs", Refs(MARKING)),
    ("granular_markings", GranularMarkings),
    ("extensions", Extensions),
    ("defanged", Bool),
];

const NAMED: &[(&str, Kind)] = &[("name", Str), ("description", Str)];

/// Every STIX 2.1 object type. Custom types (not listed) get only the [`COMMON`] rules.
pub static TYPES: &[TypeSpec] = &[
    // ---- SDOs ----
    TypeSpec::new("attack-pattern", Sdo).req(&["name"]).props(&[
        ("name", Str),
        ("description", Str),
        ("aliases", StrList),
        ("kill_chain_phases", KillChain),
    ]),
    TypeSpec::new("campaign", Sdo)
        .req(&["name"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("aliases", StrList),
            ("first_seen", Time),
            ("last_seen", Time),
            ("objective", Str),
        ])
        .ordered(&[("first_seen", "last_seen", false)]),
    TypeSpec::new("course-of-action", Sdo)
        .req(&["name"])
        .props(NAMED),
    TypeSpec::new("grouping", Sdo)
        .req(&["context", "object_refs"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("context", Str),
            ("object_refs", Refs(Target::Any)),
        ]),
    TypeSpec::new("identity", Sdo).req(&["name"]).props(&[
        ("name", Str),
        ("description", Str),
        ("roles", StrList),
        ("identity_class", Str),
        ("sectors", StrList),
        ("contact_information", Str),
    ]),
    TypeSpec::new("incident", Sdo).req(&["name"]).props(&[
        ("name", Str),
        ("description", Str),
        ("kill_chain_phases", KillChain),
    ]),
    TypeSpec::new("indicator", Sdo)
        .req(&["pattern", "pattern_type", "valid_from"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("indicator_types", StrList),
            ("pattern", Str),
            ("pattern_type", Str),
            ("pattern_version", Str),
            ("valid_from", Time),
            ("valid_until", Time),
            ("kill_chain_phases", KillChain),
        ])
        .ordered(&[("valid_from", "valid_until", true)]),
    TypeSpec::new("infrastructure", Sdo)
        .req(&["name"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("infrastructure_types", StrList),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Time),
            ("last_seen", Time),
        ])
        .ordered(&[("first_seen", "last_seen", false)]),
    TypeSpec::new("intrusion-set", Sdo)
        .req(&["name"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("aliases", StrList),
            ("first_seen", Time),
            ("last_seen", Time),
            ("goals", StrList),
            ("resource_level", Str),
            ("primary_motivation", Str),
            ("secondary_motivations", StrList),
        ])
        .ordered(&[("first_seen", "last_seen", false)]),
    TypeSpec::new("location", Sdo)
        .props(&[
            ("name", Str),
            ("description", Str),
            ("latitude", Float(-90.0, 90.0)),
            ("longitude", Float(-180.0, 180.0)),
            ("precision", Float(0.0, f64::MAX)),
            ("region", Str),
            ("country", Str),
            ("administrative_area", Str),
            ("city", Str),
            ("street_address", Str),
            ("postal_code", Str),
        ])
        .any_of(&[&["region"], &["country"], &["latitude", "longitude"]])
        .requires(&[
            ("latitude", "longitude"),
            ("longitude", "latitude"),
            ("precision", "latitude"),
        ]),
    TypeSpec::new("malware", Sdo)
        .req(&["is_family"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("malware_types", StrList),
            ("is_family", Bool),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Time),
            ("last_seen", Time),
            ("operating_system_refs", Refs(SOFTWARE)),
            ("architecture_execution_envs", StrList),
            ("implementation_languages", StrList),
            ("capabilities", StrList),
            ("sample_refs", Refs(Target::Types(&["file", "artifact"]))),
        ])
        .ordered(&[("first_seen", "last_seen", false)])
        .extra(malware_family_needs_name),
    TypeSpec::new("malware-analysis", Sdo)
        .req(&["product"])
        .props(&[
            ("product", Str),
            ("version", Str),
            ("host_vm_ref", Ref(SOFTWARE)),
            ("operating_system_ref", Ref(SOFTWARE)),
            ("installed_software_refs", Refs(SOFTWARE)),
            ("configuration_version", Str),
            ("modules", StrList),
            ("analysis_engine_version", Str),
            ("analysis_definition_version", Str),
            ("submitted", Time),
            ("analysis_started", Time),
            ("analysis_ended", Time),
            ("result_name", Str),
            ("result", Str),
            ("analysis_sco_refs", Refs(Target::Sco)),
            (
                "sample_ref",
                Ref(Target::Types(&["file", "artifact", "network-traffic"])),
            ),
        ])
        .any_of(&[&["result"], &["analysis_sco_refs"]]),
    TypeSpec::new("note", Sdo)
        .req(&["content", "object_refs"])
        .props(&[
            ("abstract", Str),
            ("content", Str),
            ("authors", StrList),
            ("object_refs", Refs(Target::Any)),
        ]),
    TypeSpec::new("observed-data", Sdo)
        .req(&["first_observed", "last_observed", "number_observed"])
        .props(&[
            ("first_observed", Time),
            ("last_observed", Time),
            ("number_observed", Int(1, MAX_COUNT)),
            ("objects", Dict),
            ("object_refs", Refs(Target::ScoOrSro)),
        ])
        // 2.1 deprecates `objects` in favour of `object_refs` but still allows it; exactly one.
        .any_of(&[&["object_refs"], &["objects"]])
        .exclusive(&[("object_refs", "objects")])
        .ordered(&[("first_observed", "last_observed", false)]),
    TypeSpec::new("opinion", Sdo)
        .req(&["opinion", "object_refs"])
        .props(&[
            ("explanation", Str),
            ("authors", StrList),
            (
                "opinion",
                Enum(&[
                    "strongly-disagree",
                    "disagree",
                    "neutral",
                    "agree",
                    "strongly-agree",
                ]),
            ),
            ("object_refs", Refs(Target::Any)),
        ]),
    TypeSpec::new("report", Sdo)
        .req(&["name", "published", "object_refs"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("report_types", StrList),
            ("published", Time),
            ("object_refs", Refs(Target::Any)),
        ]),
    TypeSpec::new("threat-actor", Sdo)
        .req(&["name"])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("threat_actor_types", StrList),
            ("aliases", StrList),
            ("first_seen", Time),
            ("last_seen", Time),
            ("roles", StrList),
            ("goals", StrList),
            ("sophistication", Str),
            ("resource_level", Str),
            ("primary_motivation", Str),
            ("secondary_motivations", StrList),
            ("personal_motivations", StrList),
        ])
        .ordered(&[("first_seen", "last_seen", false)]),
    TypeSpec::new("tool", Sdo).req(&["name"]).props(&[
        ("name", Str),
        ("description", Str),
        ("tool_types", StrList),
        ("aliases", StrList),
        ("kill_chain_phases", KillChain),
        ("tool_version", Str),
    ]),
    TypeSpec::new("vulnerability", Sdo)
        .req(&["name"])
        .props(NAMED),
    // ---- SROs ----
    TypeSpec::new("relationship", Sro)
        .req(&["relationship_type", "source_ref", "target_ref"])
        .props(&[
            ("relationship_type", Slug),
            ("description", Str),
            ("source_ref", Ref(Target::Any)),
            ("target_ref", Ref(Target::Any)),
            ("start_time", Time),
            ("stop_time", Time),
        ])
        .ordered(&[("start_time", "stop_time", true)]),
    TypeSpec::new("sighting", Sro)
        .req(&["sighting_of_ref"])
        .props(&[
            ("description", Str),
            ("first_seen", Time),
            ("last_seen", Time),
            ("count", Int(0, MAX_COUNT)),
            ("sighting_of_ref", Ref(Target::Sdo)),
            (
                "observed_data_refs",
                Refs(Target::Types(&["observed-data"])),
            ),
            (
                "where_sighted_refs",
                Refs(Target::Types(&["identity", "location"])),
            ),
            ("summary", Bool),
        ])
        .ordered(&[("first_seen", "last_seen", false)]),
    // ---- SCOs ----
    TypeSpec::new("artifact", Sco)
        .props(&[
            ("mime_type", Str),
            ("payload_bin", Binary),
            ("url", Str),
            ("hashes", Hashes),
            ("encryption_algorithm", Str),
            ("decryption_key", Str),
        ])
        .any_of(&[&["payload_bin"], &["url"]])
        .exclusive(&[("payload_bin", "url")])
        .requires(&[("url", "hashes")]),
    TypeSpec::new("autonomous-system", Sco)
        .req(&["number"])
        .props(&[
            ("number", Int(0, 4_294_967_295)),
            ("name", Str),
            ("rir", Str),
        ]),
    TypeSpec::new("directory", Sco).req(&["path"]).props(&[
        ("path", Str),
        ("path_enc", Str),
        ("ctime", Time),
        ("mtime", Time),
        ("atime", Time),
        ("contains_refs", Refs(Target::Types(&["file", "directory"]))),
    ]),
    TypeSpec::new("domain-name", Sco).req(&["value"]).props(&[
        ("value", Str),
        (
            "resolves_to_refs",
            Refs(Target::Types(&["ipv4-addr", "ipv6-addr", "domain-name"])),
        ),
    ]),
    TypeSpec::new("email-addr", Sco).req(&["value"]).props(&[
        ("value", Str),
        ("display_name", Str),
        ("belongs_to_ref", Ref(USER_ACCOUNT)),
    ]),
    TypeSpec::new("email-message", Sco)
        .req(&["is_multipart"])
        .props(&[
            ("is_multipart", Bool),
            ("date", Time),
            ("content_type", Str),
            ("from_ref", Ref(EMAIL_ADDR)),
            ("sender_ref", Ref(EMAIL_ADDR)),
            ("to_refs", Refs(EMAIL_ADDR)),
            ("cc_refs", Refs(EMAIL_ADDR)),
            ("bcc_refs", Refs(EMAIL_ADDR)),
            ("message_id", Str),
            ("subject", Str),
            ("received_lines", StrList),
            ("additional_header_fields", Dict),
            ("body", Str),
            ("body_multipart", ObjList),
            ("raw_email_ref", Ref(ARTIFACT)),
        ])
        .extra(email_multipart),
    TypeSpec::new("file", Sco)
        .props(&[
            ("hashes", Hashes),
            ("size", NON_NEG),
            ("name", Str),
            ("name_enc", Str),
            ("magic_number_hex", Hex),
            ("mime_type", Str),
            ("ctime", Time),
            ("mtime", Time),
            ("atime", Time),
            ("parent_directory_ref", Ref(Target::Types(&["directory"]))),
            ("contains_refs", Refs(Target::Sco)),
            ("content_ref", Ref(ARTIFACT)),
        ])
        .any_of(&[&["hashes"], &["name"]]),
    TypeSpec::new("ipv4-addr", Sco).req(&["value"]).props(&[
        ("value", Str),
        ("resolves_to_refs", Refs(Target::Types(&["mac-addr"]))),
        (
            "belongs_to_refs",
            Refs(Target::Types(&["autonomous-system"])),
        ),
    ]),
    TypeSpec::new("ipv6-addr", Sco).req(&["value"]).props(&[
        ("value", Str),
        ("resolves_to_refs", Refs(Target::Types(&["mac-addr"]))),
        (
            "belongs_to_refs",
            Refs(Target::Types(&["autonomous-system"])),
        ),
    ]),
    TypeSpec::new("mac-addr", Sco)
        .req(&["value"])
        .props(&[("value", Str)]),
    TypeSpec::new("mutex", Sco)
        .req(&["name"])
        .props(&[("name", Str)]),
    TypeSpec::new("network-traffic", Sco)
        .req(&["protocols"])
        .props(&[
            ("start", Time),
            ("end", Time),
            ("is_active", Bool),
            ("src_ref", Ref(ADDRESS)),
            ("dst_ref", Ref(ADDRESS)),
            ("src_port", Int(0, 65535)),
            ("dst_port", Int(0, 65535)),
            ("protocols", StrList),
            ("src_byte_count", NON_NEG),
            ("dst_byte_count", NON_NEG),
            ("src_packets", NON_NEG),
            ("dst_packets", NON_NEG),
            ("ipfix", Dict),
            ("src_payload_ref", Ref(ARTIFACT)),
            ("dst_payload_ref", Ref(ARTIFACT)),
            ("encapsulates_refs", Refs(NETWORK_TRAFFIC)),
            ("encapsulated_by_ref", Ref(NETWORK_TRAFFIC)),
        ])
        .any_of(&[&["src_ref"], &["dst_ref"]])
        .ordered(&[("start", "end", false)])
        .extra(active_traffic_has_no_end),
    TypeSpec::new("process", Sco).props(&[
        ("is_hidden", Bool),
        ("pid", ANY_INT),
        ("created_time", Time),
        ("cwd", Str),
        ("command_line", Str),
        ("environment_variables", Dict),
        ("opened_connection_refs", Refs(NETWORK_TRAFFIC)),
        ("creator_user_ref", Ref(USER_ACCOUNT)),
        ("image_ref", Ref(Target::Types(&["file"]))),
        ("parent_ref", Ref(Target::Types(&["process"]))),
        ("child_refs", Refs(Target::Types(&["process"]))),
    ]),
    TypeSpec::new("software", Sco).req(&["name"]).props(&[
        ("name", Str),
        ("cpe", Str),
        ("swid", Str),
        ("languages", StrList),
        ("vendor", Str),
        ("version", Str),
    ]),
    TypeSpec::new("url", Sco)
        .req(&["value"])
        .props(&[("value", Str)]),
    TypeSpec::new("user-account", Sco).props(&[
        ("user_id", Str),
        ("credential", Str),
        ("account_login", Str),
        ("account_type", Str),
        ("display_name", Str),
        ("is_service_account", Bool),
        ("is_privileged", Bool),
        ("can_escalate_privs", Bool),
        ("is_disabled", Bool),
        ("account_created", Time),
        ("account_expires", Time),
        ("credential_last_changed", Time),
        ("account_first_login", Time),
        ("account_last_login", Time),
    ]),
    TypeSpec::new("windows-registry-key", Sco).props(&[
        ("key", Str),
        ("values", ObjList),
        ("modified_time", Time),
        ("creator_user_ref", Ref(USER_ACCOUNT)),
        ("number_of_subkeys", NON_NEG),
    ]),
    TypeSpec::new("x509-certificate", Sco).props(&[
        ("is_self_signed", Bool),
        ("hashes", Hashes),
        ("version", Str),
        ("serial_number", Str),
        ("signature_algorithm", Str),
        ("issuer", Str),
        ("validity_not_before", Time),
        ("validity_not_after", Time),
        ("subject", Str),
        ("subject_public_key_algorithm", Str),
        ("subject_public_key_modulus", Str),
        ("subject_public_key_exponent", NON_NEG),
        ("x509_v3_extensions", Dict),
    ]),
    // ---- Meta objects ----
    // 2.1 made `spec_version` required on marking definitions; they have no `modified`
    // (a marking definition never changes). `definition_type`/`definition` are optional
    // because TLP 2.0 markings are defined through an extension instead.
    TypeSpec::new("marking-definition", Meta)
        .req(&["spec_version", "created"])
        .props(&[
            ("name", Str),
            ("definition_type", Str),
            ("definition", Dict),
        ])
        .requires(&[
            ("definition_type", "definition"),
            ("definition", "definition_type"),
        ])
        .extra(marking_definition),
    TypeSpec::new("language-content", Meta)
        .req(&[
            "spec_version",
            "created",
            "modified",
            "object_ref",
            "contents",
        ])
        .props(&[
            ("object_ref", Ref(Target::Any)),
            ("object_modified", Time),
            ("contents", Dict),
        ]),
    TypeSpec::new("extension-definition", Meta)
        .req(&[
            "spec_version",
            "created",
            "modified",
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ])
        .props(&[
            ("name", Str),
            ("description", Str),
            ("schema", Str),
            ("version", Str),
            (
                "extension_types",
                EnumList(&[
                    "new-sdo",
                    "new-sco",
                    "new-sro",
                    "property-extension",
                    "toplevel-property-extension",
                ]),
            ),
            ("extension_properties", StrList),
        ]),
];

/// The rules for a standard type; `None` for custom types.
pub fn type_spec(object_type: &str) -> Option<&'static TypeSpec> {
    TYPES.iter().find(|spec| spec.name == object_type)
}

fn category_of(object_type: &str) -> Option<Category> {
    type_spec(object_type).map(|spec| spec.category)
}

fn malware_family_needs_name(props: &Props<'_>) -> Result<()> {
    if props.get("is_family").map(RawValue::get) == Some("true") && props.get("name").is_none() {
        return Err(ValidationError::of(
            "name",
            "is required when `is_family` is true",
        ));
    }
    Ok(())
}

fn email_multipart(props: &Props<'_>) -> Result<()> {
    match props.get("is_multipart").map(RawValue::get) {
        Some("true") if props.get("body").is_some() => Err(ValidationError::of(
            "body",
            "must not be present when `is_multipart` is true (use `body_multipart`)",
        )),
        Some("false") if props.get("body_multipart").is_some() => Err(ValidationError::of(
            "body_multipart",
            "must not be present when `is_multipart` is false (use `body`)",
        )),
        _ => Ok(()),
    }
}

fn active_traffic_has_no_end(props: &Props<'_>) -> Result<()> {
    if props.get("is_active").map(RawValue::get) == Some("true") && props.get("end").is_some() {
        return Err(ValidationError::of(
            "end",
            "must not be present when `is_active` is true",
        ));
    }
    Ok(())
}

/// The two definition types STIX 2.1 itself defines are checked; others are left alone.
fn marking_definition(props: &Props<'_>) -> Result<()> {
    let (Some(kind), Some(definition)) = (props.get("definition_type"), props.get("definition"))
    else {
        return Ok(());
    };
    let Some(kind) = string_of(kind) else {
        return Ok(()); // reported by the kind check
    };
    let definition =
        parse_props(definition.get()).map_err(|m| ValidationError::of("definition", m))?;
    match kind.as_ref() {
        "tlp" => match definition.get("tlp").and_then(string_of).as_deref() {
            Some("white" | "green" | "amber" | "red") => Ok(()),
            _ => Err(ValidationError::of(
                "definition",
                "a `tlp` definition must have `tlp` set to \"white\", \"green\", \"amber\" or \"red\"",
            )),
        },
        "statement" => match definition.get("statement").and_then(string_of) {
            Some(_) => Ok(()),
            None => Err(ValidationError::of(
                "definition",
                "a `statement` definition must have a string `statement`",
            )),
        },
        _ => Ok(()),
    }
}

// ------------------------------------------------------------------------------------------
// Reading the object
// ------------------------------------------------------------------------------------------

/// A string borrowed from the input when it has no escapes, owned otherwise.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// A JSON object's properties as `(name, raw value)` pairs borrowed from the input, sorted by
/// name so lookups are binary searches and duplicate names sit next to each other.
pub struct Props<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Props<'a> {
    /// The raw value of a property.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.entries
            .binary_search_by(|(k, _)| k.as_ref().cmp(name))
            .ok()
            .map(|i| self.entries[i].1)
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Names in sorted order.
    fn iter(&self) -> impl Iterator<Item = (&str, &'a RawValue)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), *v))
    }
}

impl<'de> Deserialize<'de> for Props<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Props<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((k, v)) = map.next_entry::<CowStr<'de>, &'de RawValue>()? {
                    entries.push((k.0, v));
                }
                Ok(Props { entries })
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// Parses a JSON object into sorted properties; refuses duplicate names (JSON leaves them
/// undefined and two readers could see two different objects).
fn parse_props(text: &str) -> Result<Props<'_>, String> {
    let mut props: Props<'_> = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            "must be a JSON object".to_owned()
        } else {
            format!("is not valid JSON: {e}")
        }
    })?;
    props.entries.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = props.entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("property `{}` appears more than once", w[0].0));
    }
    Ok(props)
}

fn string_of(raw: &RawValue) -> Option<Cow<'_, str>> {
    serde_json::from_str::<CowStr<'_>>(raw.get())
        .ok()
        .map(|s| s.0)
}

/// Items of a JSON array, borrowed.
fn list_of(raw: &RawValue) -> Option<Vec<&RawValue>> {
    serde_json::from_str::<Vec<&RawValue>>(raw.get()).ok()
}

/// The value as shown in a message: its JSON text, cut short.
fn shown(raw: &RawValue) -> String {
    let text = raw.get();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

// ------------------------------------------------------------------------------------------
// Lexical rules
// ------------------------------------------------------------------------------------------

/// STIX 2.1 §3.1: type names are lowercase ASCII letters, digits and hyphens, 3–250
/// characters. `--` is refused too: it separates type from UUID in identifiers.
pub fn is_type_name(name: &str) -> bool {
    (3..=250).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.contains("--")
}

/// STIX 2.1 §3.1: property names are ASCII letters, digits and underscore, 3–250 characters.
pub fn is_property_name(name: &str) -> bool {
    (3..=250).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Checks `<type>--<UUID>`: a valid type name and an RFC 4122 UUID (variant bits `10`, any
/// version) in its canonical lowercase hyphenated form, which keeps one spelling per id so
/// that identifiers compare as strings. Returns the type part.
pub fn check_identifier(id: &str) -> Result<&str, String> {
    let Some((object_type, uuid)) = id.split_once("--") else {
        return Err(format!(
            "`{}` is not an identifier (`<type>--<UUID>`)",
            cut(id)
        ));
    };
    if !is_type_name(object_type) {
        return Err(format!(
            "`{}` is not an identifier: `{}` is not a valid type name",
            cut(id),
            cut(object_type)
        ));
    }
    let canonical = uuid.len() == 36
        && uuid.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        });
    if !canonical {
        return Err(format!(
            "`{}` is not an identifier: `{}` is not a lowercase hyphenated UUID",
            cut(id),
            cut(uuid)
        ));
    }
    match uuid::Uuid::try_parse(uuid) {
        Ok(u) if u.get_variant() == uuid::Variant::RFC4122 => Ok(object_type),
        _ => Err(format!(
            "`{}` is not an identifier: `{uuid}` is not an RFC 4122 UUID (variant bits)",
            cut(id)
        )),
    }
}

fn cut(text: &str) -> &str {
    match text.char_indices().nth(80) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// RFC 5646 shape: a 2–8 letter primary subtag, then subtags of 1–8 letters/digits.
fn is_lang_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn target_allows(target: Target, ref_type: &str) -> bool {
    match target {
        Target::Any => true,
        Target::Sdo => matches!(category_of(ref_type), Some(Sdo) | None),
        Target::Sco => matches!(category_of(ref_type), Some(Sco) | None),
        Target::ScoOrSro => matches!(category_of(ref_type), Some(Sco) | Some(Sro) | None),
        Target::Types(types) => types.contains(&ref_type),
    }
}

fn target_text(target: Target) -> String {
    match target {
        Target::Any => "an object".into(),
        Target::Sdo => "an SDO".into(),
        Target::Sco => "an SCO".into(),
        Target::ScoOrSro => "an SCO or SRO".into(),
        Target::Types(types) => types
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

// ------------------------------------------------------------------------------------------
// Value checks
// ------------------------------------------------------------------------------------------

fn check_ref(raw: &RawValue, target: Target) -> Result<(), String> {
    let id = string_of(raw)
        .ok_or_else(|| format!("must be an identifier string, got {}", shown(raw)))?;
    let ref_type = check_identifier(&id)?;
    if !target_allows(target, ref_type) {
        return Err(format!(
            "must refer to {}, got a `{ref_type}`",
            target_text(target)
        ));
    }
    Ok(())
}

fn non_empty_list<'a>(raw: &'a RawValue, what: &str) -> Result<Vec<&'a RawValue>, String> {
    let items =
        list_of(raw).ok_or_else(|| format!("must be a list of {what}, got {}", shown(raw)))?;
    if items.is_empty() {
        return Err(
            "must not be an empty list (STIX forbids empty lists; omit the property instead)"
                .into(),
        );
    }
    Ok(items)
}

fn each_object<'a>(
    raw: &'a RawValue,
    what: &str,
    mut check: impl FnMut(&Props<'a>) -> Result<(), String>,
) -> Result<(), String> {
    for (i, item) in non_empty_list(raw, what)?.into_iter().enumerate() {
        let props = parse_props(item.get()).map_err(|m| format!("item {i}: {m}"))?;
        check(&props).map_err(|m| format!("item {i}: {m}"))?;
    }
    Ok(())
}

fn required_string(props: &Props<'_>, name: &str) -> Result<(), String> {
    match props.get(name) {
        None => Err(format!("`{name}` is required")),
        Some(v) if string_of(v).is_none() => Err(format!("`{name}` must be a string")),
        Some(_) => Ok(()),
    }
}

fn optional_string(props: &Props<'_>, name: &str) -> Result<(), String> {
    match props.get(name) {
        Some(v) if string_of(v).is_none() => Err(format!("`{name}` must be a string")),
        _ => Ok(()),
    }
}

fn check_hashes(raw: &RawValue) -> Result<(), String> {
    let hashes = parse_props(raw.get()).map_err(|_| {
        format!(
            "must be a dictionary of hash algorithm → value, got {}",
            shown(raw)
        )
    })?;
    if hashes.entries.is_empty() {
        return Err("must contain at least one hash".into());
    }
    for (algorithm, value) in hashes.iter() {
        if algorithm.is_empty() || algorithm.len() > 250 {
            return Err(format!(
                "hash algorithm name `{}` must be 1–250 characters",
                cut(algorithm)
            ));
        }
        if string_of(value).is_none_or(|v| v.is_empty()) {
            return Err(format!("the `{algorithm}` hash must be a non-empty string"));
        }
    }
    Ok(())
}

/// Checks one value against its kind. The message is for a person and does not repeat the
/// property name (the error's Display does).
fn check_kind(raw: &RawValue, kind: Kind) -> Result<(), String> {
    match kind {
        Str => string_of(raw)
            .map(drop)
            .ok_or_else(|| format!("must be a string, got {}", shown(raw))),
        Bool => match raw.get() {
            "true" | "false" => Ok(()),
            _ => Err(format!("must be true or false, got {}", shown(raw))),
        },
        Int(min, max) => match serde_json::from_str::<i64>(raw.get()) {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            _ if min == 0 && max == MAX_INT => Err(format!(
                "must be a non-negative integer, got {}",
                shown(raw)
            )),
            _ if min == -MAX_INT => Err(format!("must be an integer, got {}", shown(raw))),
            _ => Err(format!(
                "must be an integer from {min} to {max}, got {}",
                shown(raw)
            )),
        },
        Float(min, max) => match serde_json::from_str::<f64>(raw.get()) {
            Ok(n) if n >= min && n <= max => Ok(()),
            _ if max == f64::MAX => Err(format!(
                "must be a number of at least {min}, got {}",
                shown(raw)
            )),
            _ => Err(format!(
                "must be a number from {min} to {max}, got {}",
                shown(raw)
            )),
        },
        Time => {
            let text = string_of(raw)
                .ok_or_else(|| format!("must be a timestamp string, got {}", shown(raw)))?;
            StixTimestamp::parse(&text).map(drop).map_err(|e| e.0)
        }
        StrList => {
            for (i, item) in non_empty_list(raw, "strings")?.into_iter().enumerate() {
                if string_of(item).is_none() {
                    return Err(format!("item {i} must be a string, got {}", shown(item)));
                }
            }
            Ok(())
        }
        Enum(allowed) => match string_of(raw) {
            Some(s) if allowed.contains(&s.as_ref()) => Ok(()),
            _ => Err(format!(
                "must be one of {}, got {}",
                allowed.join(", "),
                shown(raw)
            )),
        },
        EnumList(allowed) => {
            for (i, item) in non_empty_list(raw, "strings")?.into_iter().enumerate() {
                match string_of(item) {
                    Some(s) if allowed.contains(&s.as_ref()) => {}
                    _ => {
                        return Err(format!(
                            "item {i} must be one of {}, got {}",
                            allowed.join(", "),
                            shown(item)
                        ));
                    }
                }
            }
            Ok(())
        }
        Slug => match string_of(raw) {
            Some(s) if s.len() >= 3 && is_slug(&s) => Ok(()),
            _ => Err(format!(
                "must be 3–250 lowercase letters, digits and hyphens, got {}",
                shown(raw)
            )),
        },
        Ref(target) => check_ref(raw, target),
        Refs(target) => {
            for (i, item) in non_empty_list(raw, "identifiers")?.into_iter().enumerate() {
                check_ref(item, target).map_err(|m| format!("item {i} {m}"))?;
            }
            Ok(())
        }
        Dict => parse_props(raw.get())
            .map(drop)
            .map_err(|m| format!("{m}, got {}", shown(raw))),
        Hashes => check_hashes(raw),
        KillChain => each_object(raw, "kill chain phases", |p| {
            required_string(p, "kill_chain_name")?;
            required_string(p, "phase_name")
        }),
        ExtRefs => each_object(raw, "external references", |p| {
            required_string(p, "source_name")?;
            for name in ["description", "url", "external_id"] {
                optional_string(p, name)?;
            }
            if !["description", "url", "external_id"]
                .iter()
                .any(|n| p.has(n))
            {
                return Err(
                    "needs at least one of `description`, `url` or `external_id` besides `source_name`"
                        .into(),
                );
            }
            match p.get("hashes") {
                Some(h) => check_hashes(h).map_err(|m| format!("`hashes` {m}")),
                None => Ok(()),
            }
        }),
        GranularMarkings => each_object(raw, "granular markings", |p| {
            match p.get("selectors") {
                None => return Err("`selectors` is required".into()),
                Some(s) => check_kind(s, StrList).map_err(|m| format!("`selectors` {m}"))?,
            }
            match (p.get("marking_ref"), p.get("lang")) {
                (Some(r), None) => check_ref(r, MARKING).map_err(|m| format!("`marking_ref` {m}")),
                (None, Some(l)) => check_kind(l, Lang).map_err(|m| format!("`lang` {m}")),
                _ => Err("needs exactly one of `marking_ref` or `lang`".into()),
            }
        }),
        Extensions => {
            let extensions = parse_props(raw.get())
                .map_err(|_| format!("must be a dictionary of extensions, got {}", shown(raw)))?;
            if extensions.entries.is_empty() {
                return Err("must not be an empty dictionary".into());
            }
            for (key, value) in extensions.iter() {
                if key.starts_with("extension-definition--") {
                    let ty = check_identifier(key).map_err(|m| format!("key {m}"))?;
                    if ty != "extension-definition" {
                        return Err(format!(
                            "key `{}` is not an extension-definition id",
                            cut(key)
                        ));
                    }
                } else if !is_type_name(key) {
                    return Err(format!(
                        "key `{}` must be an extension-definition id or an extension name",
                        cut(key)
                    ));
                }
                parse_props(value.get())
                    .map_err(|_| format!("the `{}` extension must be a JSON object", cut(key)))?;
            }
            Ok(())
        }
        ObjList => each_object(raw, "objects", |_| Ok(())),
        Hex => match string_of(raw) {
            Some(s) if s.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(()),
            _ => Err(format!("must be a hexadecimal string, got {}", shown(raw))),
        },
        Binary => match string_of(raw) {
            Some(s)
                if s.len() % 4 == 0
                    && s.trim_end_matches('=')
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/') =>
            {
                Ok(())
            }
            _ => Err(format!("must be a base64 string, got {}", shown(raw))),
        },
        Lang => match string_of(raw) {
            Some(s) if is_lang_tag(&s) => Ok(()),
            _ => Err(format!(
                "must be an RFC 5646 language tag such as \"en\" or \"pt-BR\", got {}",
                shown(raw)
            )),
        },
    }
}

fn is_slug(s: &str) -> bool {
    s.len() <= 250
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn kind_of(spec: Option<&TypeSpec>, name: &str) -> Option<Kind> {
    spec.and_then(|s| s.props.iter().find(|(n, _)| *n == name))
        .or_else(|| COMMON.iter().find(|(n, _)| *n == name))
        .map(|(_, kind)| *kind)
}

// ------------------------------------------------------------------------------------------
// The walk
// ------------------------------------------------------------------------------------------

/// Validates one object given as its raw JSON text and returns what the store indexes.
///
/// Checks run in a fixed order (type, id, spec_version, required properties, each property's
/// value in name order, then cross-property rules) so the same object always gets the same
/// single error.
pub fn validate_object(raw: &str) -> Result<ObjectHeader, ValidationError> {
    if nesting_exceeds(raw, MAX_DEPTH) {
        return Err(ValidationError::whole(format!(
            "the object nests more than {MAX_DEPTH} levels deep"
        )));
    }
    let props = parse_props(raw).map_err(|m| {
        if m.starts_with("property") {
            // Duplicate name: we can name it.
            let name = m.split('`').nth(1).map(str::to_owned);
            ValidationError {
                property: name,
                message: "appears more than once (duplicate property names are not allowed)".into(),
            }
        } else {
            ValidationError::whole(format!("the object {m}"))
        }
    })?;

    // type
    let object_type = match props.get("type") {
        None => return Err(ValidationError::of("type", "is required")),
        Some(v) => string_of(v).ok_or_else(|| {
            ValidationError::of("type", format!("must be a string, got {}", shown(v)))
        })?,
    };
    if !is_type_name(&object_type) {
        return Err(ValidationError::of(
            "type",
            format!(
                "`{}` is not a valid type name (3–250 lowercase ASCII letters, digits and single hyphens)",
                cut(&object_type)
            ),
        ));
    }
    let spec = type_spec(&object_type);
    let category = spec.map(|s| s.category);

    // id
    let id = match props.get("id") {
        None => return Err(ValidationError::of("id", "is required")),
        Some(v) => string_of(v).ok_or_else(|| {
            ValidationError::of("id", format!("must be a string, got {}", shown(v)))
        })?,
    };
    let id_type = check_identifier(&id).map_err(|m| ValidationError::of("id", m))?;
    if id_type != object_type {
        return Err(ValidationError::of(
            "id",
            format!(
                "must start with the object's type `{object_type}--`, got `{}`",
                cut(&id)
            ),
        ));
    }

    // spec_version
    let spec_version = match props.get("spec_version") {
        Some(v) => match string_of(v).as_deref() {
            Some("2.1") => "2.1",
            Some("2.0") => return Err(ValidationError::of("spec_version", STIX_20_REFUSED)),
            _ => {
                return Err(ValidationError::of(
                    "spec_version",
                    format!("must be \"2.1\", got {}", shown(v)),
                ));
            }
        },
        None => {
            // SCOs may omit it. A custom type is taken as SCO-like unless it carries
            // `created` (SDO-like, and then a 2.0 producer is the likely author).
            let sco_like = match category {
                Some(Sco) => true,
                Some(_) => false,
                None => !props.has("created"),
            };
            if !sco_like {
                return Err(ValidationError::of("spec_version", STIX_20_REFUSED));
            }
            "2.1"
        }
    };

    // required properties
    let category_required: &[&str] = match category {
        Some(Sdo | Sro) => &["created", "modified"],
        _ => &[],
    };
    let required = spec.map(|s| s.required).unwrap_or(&[]);
    for name in category_required.iter().chain(required) {
        if !props.has(name) {
            return Err(ValidationError::of(
                name,
                format!("is required on `{object_type}`"),
            ));
        }
    }

    // every property's value, or its name if it is custom
    for (name, value) in props.iter() {
        match kind_of(spec, name) {
            Some(kind) => check_kind(value, kind).map_err(|m| ValidationError::of(name, m))?,
            None if !is_property_name(name) => {
                return Err(ValidationError::of(
                    name,
                    "is not a valid property name (3–250 ASCII letters, digits and underscores)",
                ));
            }
            None => {}
        }
    }

    // cross-property rules
    let time = |name: &str| -> Option<StixTimestamp> {
        props
            .get(name)
            .and_then(string_of)
            .and_then(|s| StixTimestamp::parse(&s).ok())
    };
    let created = time("created");
    let modified = time("modified");
    if let (Some(c), Some(m)) = (created, modified)
        && m < c
    {
        return Err(ValidationError::of(
            "modified",
            "must not be earlier than `created`",
        ));
    }
    if let Some(spec) = spec {
        if !spec.any_of.is_empty()
            && !spec
                .any_of
                .iter()
                .any(|alt| alt.iter().all(|name| props.has(name)))
        {
            let names = spec
                .any_of
                .iter()
                .map(|alt| {
                    alt.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect::<Vec<_>>()
                .join(", or ");
            return Err(ValidationError::of(
                spec.any_of
                    .first()
                    .and_then(|alt| alt.first())
                    .copied()
                    .unwrap_or("type"),
                format!("`{object_type}` needs {names}"),
            ));
        }
        for (a, b) in spec.exclusive {
            if props.has(a) && props.has(b) {
                return Err(ValidationError::of(
                    b,
                    format!("must not be present together with `{a}`"),
                ));
            }
        }
        for (a, b) in spec.requires {
            if props.has(a) && !props.has(b) {
                return Err(ValidationError::of(
                    b,
                    format!("is required when `{a}` is present"),
                ));
            }
        }
        for (earlier, later, strict) in spec.ordered {
            if let (Some(e), Some(l)) = (time(earlier), time(later))
                && (l < e || (*strict && l == e))
            {
                let message = if *strict {
                    format!("must be later than `{earlier}`")
                } else {
                    format!("must not be earlier than `{earlier}`")
                };
                return Err(ValidationError::of(later, message));
            }
        }
        if let Some(extra) = spec.extra {
            extra(&props)?;
        }
    }

    let object_marking_refs = match props.get("object_marking_refs") {
        None => Vec::new(),
        Some(v) => list_of(v)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| string_of(item).map(Cow::into_owned))
            .collect(),
    };
    let indicator = object_type == "indicator";
    Ok(ObjectHeader {
        created,
        modified,
        revoked: props.get("revoked").map(RawValue::get) == Some("true"),
        created_by_ref: props
            .get("created_by_ref")
            .and_then(string_of)
            .map(Cow::into_owned),
        object_marking_refs,
        valid_from: if indicator { time("valid_from") } else { None },
        valid_until: if indicator { time("valid_until") } else { None },
        id: id.into_owned(),
        object_type: object_type.into_owned(),
        spec_version: spec_version.to_owned(),
    })
}

/// serde_json's recursion limit; no accepted JSON text nests deeper.
pub const MAX_DEPTH: usize = 128;

/// Whether `text` nests arrays/objects more than `limit` levels deep.
///
/// Why a separate scan: serde_json skips and captures raw values (`RawValue`, `IgnoredAny`)
/// iteratively without a depth limit, so a 10,000-level value would slip through and break
/// the first consumer that parses it recursively. This is a depth guard only (it assumes the
/// text is otherwise parsed by serde_json), linear and allocation-free.
pub fn nesting_exceeds(text: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_property_name_is_legal_and_unique() {
        for spec in TYPES {
            assert!(is_type_name(spec.name), "{}", spec.name);
            for (i, (name, _)) in spec.props.iter().enumerate() {
                assert!(is_property_name(name), "{}.{name}", spec.name);
                assert!(
                    !spec.props[..i].iter().any(|(n, _)| n == name),
                    "{}.{name} twice",
                    spec.name
                );
            }
            let names = |list: &[&str]| list.iter().all(|n| kind_of(Some(spec), n).is_some());
            assert!(names(spec.required), "{}", spec.name);
            for alt in spec.any_of {
                assert!(names(alt), "{}", spec.name);
            }
        }
    }

    #[test]
    fn identifiers() {
        assert!(check_identifier("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").is_ok());
        // Upper case, braces, nil UUID, wrong variant, bad type.
        for bad in [
            "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
            "indicator--{8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f}",
            "indicator--00000000-0000-0000-0000-000000000000",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "In--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "pt-BR", "zh-Hant-TW", "de-CH-1996"] {
            assert!(is_lang_tag(ok), "{ok}");
        }
        for bad in ["", "e", "en_US", "toolonglang", "en--US", "en-"] {
            assert!(!is_lang_tag(bad), "{bad}");
        }
    }
}
