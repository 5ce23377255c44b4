//! Validation at the door: the STIX 2.1 specification's MUST rules, one object at a time.

use crate::header::ObjectHeader;
use crate::timestamp::StixTimestamp;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Why one object was refused. `property` names the offending property when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", property.as_ref().map(|p| format!("property `{p}`: ")).unwrap_or_default())]
pub struct ValidationError {
    pub property: Option<String>,
    pub message: String,
}

impl ValidationError {
    fn of(property: &str, message: impl Into<String>) -> Self {
        Self { property: Some(property.to_owned()), message: message.into() }
    }
}

/// Validates one object given as its raw JSON text and returns what the store indexes.
pub fn validate_object(raw: &str) -> Result<ObjectHeader, ValidationError> {
    let props: HashMap<&str, &RawValue> = serde_json::from_str(raw).map_err(|e| ValidationError {
        property: None,
        message: format!("not a JSON object: {e}"),
    })?;
    let string = |name: &str| -> Result<Option<String>, ValidationError> {
        match props.get(name) {
            None => Ok(None),
            Some(v) => serde_json::from_str::<String>(v.get())
                .map(Some)
                .map_err(|_| ValidationError::of(name, "must be a string")),
        }
    };
    let timestamp = |name: &str| -> Result<Option<StixTimestamp>, ValidationError> {
        string(name)?
            .map(|s| StixTimestamp::parse(&s).map_err(|e| ValidationError::of(name, e.0)))
            .transpose()
    };
    let object_type = string("type")?.ok_or_else(|| ValidationError::of("type", "is required"))?;
    let id = string("id")?.ok_or_else(|| ValidationError::of("id", "is required"))?;
    if id.split_once("--").map(|(t, _)| t) != Some(object_type.as_str()) {
        return Err(ValidationError::of("id", "must be `<type>--<UUID>` with the object's type"));
    }
    let spec_version = string("spec_version")?.unwrap_or_else(|| "2.1".into());
    let object_marking_refs = match props.get("object_marking_refs") {
        None => Vec::new(),
        Some(v) => serde_json::from_str(v.get())
            .map_err(|_| ValidationError::of("object_marking_refs", "must be a list of identifiers"))?,
    };
    Ok(ObjectHeader {
        created: timestamp("created")?,
        modified: timestamp("modified")?,
        revoked: matches!(props.get("revoked").map(|v| v.get()), Some("true")),
        created_by_ref: string("created_by_ref")?,
        object_marking_refs,
        valid_from: timestamp("valid_from")?,
        valid_until: timestamp("valid_until")?,
        id,
        object_type,
        spec_version,
    })
}
