//! Traffic Light Protocol markings, both generations.
//!
//! STIX 2.1 predefines the TLP 1.0 marking definitions; TLP 2.0 comes from the OASIS
//! common-objects extension. A node understands both, and treats WHITE as CLEAR.

/// A TLP level, ordered from least to most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

/// `(marking-definition id, level)` for every TLP marking a node recognizes.
pub const TLP_MARKINGS: &[(&str, Tlp)] = &[
    // TLP 2.0 (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d)
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
    // TLP 1.0, predefined by STIX 2.1
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

impl Tlp {
    /// The level a marking-definition id stands for, if it is a TLP marking.
    pub fn from_marking_id(id: &str) -> Option<Tlp> {
        TLP_MARKINGS
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, level)| *level)
    }

    /// The most restrictive TLP level among an object's marking references.
    pub fn of_markings<'a>(refs: impl IntoIterator<Item = &'a str>) -> Option<Tlp> {
        refs.into_iter().filter_map(Tlp::from_marking_id).max()
    }

    /// The TLP 2.0 marking-definition id of this level.
    pub fn marking_id(self) -> &'static str {
        TLP_MARKINGS
            .iter()
            .find(|(_, level)| *level == self)
            .map(|(id, _)| *id)
            .expect("every level has a TLP 2.0 marking")
    }

    /// RED and AMBER+STRICT: the object stays with its originator (and, later, its sharing
    /// groups); it never goes to the federation at large.
    pub fn is_restricted(self) -> bool {
        matches!(self, Tlp::Red | Tlp::AmberStrict)
    }

    pub fn name(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// Parses `red`, `TLP:RED`, `amber+strict`, `white` (as CLEAR), ….
    pub fn parse_name(text: &str) -> Option<Tlp> {
        let lower = text.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("tlp:").unwrap_or(&lower);
        Some(match bare {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" | "amber-strict" | "amber_strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_generations_and_white_as_clear() {
        assert_eq!(
            Tlp::from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(
            Tlp::of_markings([
                "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
            ]),
            Some(Tlp::Red)
        );
        assert_eq!(
            Tlp::of_markings(["marking-definition--00000000-0000-4000-8000-000000000000"]),
            None
        );
        for (_, level) in TLP_MARKINGS {
            assert_eq!(Tlp::from_marking_id(level.marking_id()), Some(*level));
            assert_eq!(Tlp::parse_name(level.name()), Some(*level));
        }
        assert_eq!(Tlp::parse_name("white"), Some(Tlp::Clear));
    }
}
