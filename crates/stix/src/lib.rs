//! STIX 2.1 objects, kept as the raw JSON bytes they arrived in.
//!
//! This crate never re-serializes an object: it reads what the rest of the node needs to index
//! (the [`ObjectHeader`]) and checks the specification's MUST rules ([`validate_object`]).
//! The bytes a producer sent are the bytes every consumer gets back.
//!
//! Architecture invariant: no I/O besides the `Read` handed to [`bundle::read_objects`], no
//! knowledge of storage, HTTP or accounts.

pub mod bundle;
pub mod header;
pub mod timestamp;
pub mod tlp;
mod validate;

pub use header::ObjectHeader;
pub use timestamp::StixTimestamp;
pub use tlp::Tlp;
pub use validate::{
    COMMON, Category, Kind, MAX_DEPTH, STIX_20_REFUSED, TYPES, Target, TypeSpec, ValidationError,
    check_identifier, is_property_name, is_type_name, nesting_exceeds, type_spec, validate_object,
};

/// The only `spec_version` accepted at the door for now.
pub const SPEC_VERSION_21: &str = "2.1";
