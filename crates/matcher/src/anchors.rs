//! Anchors: a necessary condition for a pattern to match, in a form an index can look up.
//!
//! A pattern matches only if at least one of its anchors fires on some object of the input.
//! The reduction follows the evaluator's semantics (`tanseeq_pattern::eval`):
//! - `[ A AND B ]` needs one object satisfying both, and `A AND B`, `A FOLLOWEDBY B` between
//!   observations need both sides: either side's anchors are enough, so the cheaper is kept.
//! - `OR` needs either side: the anchors of both.
//! - Qualifiers only restrict their operand's matches: its anchors.
//! - A comparison `type:k1.k2… = 'text'` (or `IN` of strings, or `LIKE` without wildcards)
//!   holds only when the object's value at that path is exactly that string, provided no key
//!   of the path decodes (`_hex`, `_bin`) or resolves (`_ref`, `_refs`) and no list index is
//!   taken: an [`Anchor::Equals`].
//! - `ISSUBSET 'block'` holds only for an address or block inside it: an [`Anchor::Subnet`].
//! - `LIKE` holds only for strings containing each literal run of its operand: the longest
//!   run, when at least [`MIN_SUBSTRING_LEN`] bytes, is an [`Anchor::Substring`].
//! - `MATCHES` holds only for strings containing the longest literal every match of the
//!   expression contains (read from its syntax tree), when at least [`MIN_SUBSTRING_LEN`]
//!   bytes: an [`Anchor::Substring`] too.
//! - Any other comparison (negated ones included) still needs an object of its type:
//!   [`Anchor::Type`].

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use regex_syntax::hir::{Hir, HirKind};
use tanseeq_pattern::{ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, Pattern};
use tanseeq_pattern::{PathStep, PropTest};

/// Most anchors kept for one indicator; past it the indicator is anchored by object types
/// only (`[x:y IN (…10,000 strings…)]` should not flood the maps).
pub const MAX_ANCHORS_PER_INDICATOR: usize = 1024;
/// Shortest `LIKE` literal used as a substring anchor, in bytes: shorter ones hit too often
/// to be worth an automaton lookup.
pub const MIN_SUBSTRING_LEN: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Anchor {
    Equals {
        object_type: String,
        path: Vec<String>,
        value: String,
    },
    Subnet {
        object_type: String,
        path: Vec<String>,
        net: IpNet,
    },
    Substring {
        object_type: String,
        path: Vec<String>,
        literal: String,
    },
    Type {
        object_type: String,
    },
}

impl Anchor {
    fn object_type(&self) -> &str {
        match self {
            Anchor::Equals { object_type, .. }
            | Anchor::Subnet { object_type, .. }
            | Anchor::Substring { object_type, .. }
            | Anchor::Type { object_type } => object_type,
        }
    }

    /// Expected share of lookups that find this anchor, in arbitrary units: lower is better.
    fn cost(&self) -> u64 {
        match self {
            Anchor::Equals { .. } => 1,
            Anchor::Subnet { .. } => 2,
            Anchor::Substring { .. } => 16,
            Anchor::Type { .. } => 1 << 20,
        }
    }
}

fn total_cost(anchors: &[Anchor]) -> u64 {
    anchors
        .iter()
        .map(Anchor::cost)
        .fold(0, u64::saturating_add)
}

/// The anchors of `pattern`, sorted and without duplicates.
pub(crate) fn anchors(pattern: &Pattern) -> Vec<Anchor> {
    let mut a = observation(&pattern.expr);
    a.sort_unstable();
    a.dedup();
    if a.len() > MAX_ANCHORS_PER_INDICATOR {
        a = a
            .iter()
            .map(|x| Anchor::Type {
                object_type: x.object_type().to_string(),
            })
            .collect();
        a.sort_unstable();
        a.dedup();
    }
    a
}

fn cheaper(a: Vec<Anchor>, b: Vec<Anchor>) -> Vec<Anchor> {
    if total_cost(&b) < total_cost(&a) {
        b
    } else {
        a
    }
}

/// Walks left-nested chains in a loop (the parser builds `a OR b OR c` as `((a OR b) OR c)`),
/// so recursion depth follows parenthesis nesting only, which the parser bounds.
fn observation(e: &ObservationExpr) -> Vec<Anchor> {
    match e {
        ObservationExpr::Comparison(c) => comparison(c),
        ObservationExpr::Qualified(..) => {
            let mut inner = e;
            while let ObservationExpr::Qualified(i, _) = inner {
                inner = i;
            }
            observation(inner)
        }
        ObservationExpr::Or(..) => {
            let mut out = Vec::new();
            let mut cur = e;
            while let ObservationExpr::Or(l, r) = cur {
                out.extend(observation(r));
                cur = l;
            }
            out.extend(observation(cur));
            out
        }
        ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => {
            let same = |x: &ObservationExpr| std::mem::discriminant(x) == std::mem::discriminant(e);
            let mut best: Option<Vec<Anchor>> = None;
            let mut cur = e;
            while same(cur) {
                let (ObservationExpr::And(l, r) | ObservationExpr::FollowedBy(l, r)) = cur else {
                    break;
                };
                let side = observation(r);
                best = Some(match best {
                    None => side,
                    Some(b) => cheaper(b, side),
                });
                cur = l;
            }
            let side = observation(cur);
            match best {
                None => side,
                Some(b) => cheaper(b, side),
            }
        }
    }
}

fn comparison(e: &ComparisonExpr) -> Vec<Anchor> {
    match e {
        ComparisonExpr::Test(t) => test(t).unwrap_or_else(|| {
            vec![Anchor::Type {
                object_type: t.path.object_type.clone(),
            }]
        }),
        ComparisonExpr::Or(..) => {
            let mut out = Vec::new();
            let mut cur = e;
            while let ComparisonExpr::Or(l, r) = cur {
                out.extend(comparison(r));
                cur = l;
            }
            out.extend(comparison(cur));
            out
        }
        ComparisonExpr::And(..) => {
            let mut best: Option<Vec<Anchor>> = None;
            let mut cur = e;
            while let ComparisonExpr::And(l, r) = cur {
                let side = comparison(r);
                best = Some(match best {
                    None => side,
                    Some(b) => cheaper(b, side),
                });
                cur = l;
            }
            let side = comparison(cur);
            match best {
                None => side,
                Some(b) => cheaper(b, side),
            }
        }
    }
}

/// The keys of a path that selects one plain JSON value: no list index, and no key the
/// evaluator decodes or resolves.
pub(crate) fn plain_path(path: &ObjectPath) -> Option<Vec<String>> {
    let mut keys = vec![path.property.clone()];
    for step in &path.steps {
        match step {
            PathStep::Key(k) => keys.push(k.clone()),
            PathStep::Index(_) | PathStep::AnyIndex => return None,
        }
    }
    let special = |k: &String| {
        k.ends_with("_hex") || k.ends_with("_bin") || k.ends_with("_ref") || k.ends_with("_refs")
    };
    if keys.iter().any(special) {
        return None;
    }
    Some(keys)
}

fn test(t: &PropTest) -> Option<Vec<Anchor>> {
    if t.negated {
        return None;
    }
    let path = plain_path(&t.path)?;
    let object_type = &t.path.object_type;
    let equals = |value: &str| Anchor::Equals {
        object_type: object_type.clone(),
        path: path.clone(),
        value: value.to_string(),
    };
    match &t.op {
        Operator::Eq(Literal::String(s)) => Some(vec![equals(s)]),
        Operator::In(items) if !items.is_empty() => items
            .iter()
            .map(|l| match l {
                Literal::String(s) => Some(equals(s)),
                _ => None,
            })
            .collect(),
        Operator::Like(s) if !s.contains(['%', '_']) => Some(vec![equals(s)]),
        Operator::Like(s) => {
            let literal = s.split(['%', '_']).max_by_key(|run| run.len())?;
            (literal.len() >= MIN_SUBSTRING_LEN).then(|| {
                vec![Anchor::Substring {
                    object_type: object_type.clone(),
                    path: path.clone(),
                    literal: literal.to_string(),
                }]
            })
        }
        Operator::Matches(source) => {
            let literal = required_literal(source)?;
            (literal.len() >= MIN_SUBSTRING_LEN).then(|| {
                vec![Anchor::Substring {
                    object_type: object_type.clone(),
                    path: path.clone(),
                    literal,
                }]
            })
        }
        Operator::IsSubset(net) => parse_net(net).map(|net| {
            vec![Anchor::Subnet {
                object_type: object_type.clone(),
                path: path.clone(),
                net: net.trunc(),
            }]
        }),
        _ => None,
    }
}

/// The longest literal every match of the regular expression `source` contains, read from
/// its syntax tree with the `regex` crate's default flags (as the evaluator compiles it).
fn required_literal(source: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .ok()?;
    longest_required(&hir)
}

fn longest_required(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(l) => std::str::from_utf8(&l.0).ok().map(str::to_string),
        HirKind::Capture(c) => longest_required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => longest_required(&r.sub),
        HirKind::Concat(parts) => {
            let mut best: Option<String> = None;
            let mut keep = |candidate: Option<String>| {
                if let Some(c) = candidate
                    && best.as_ref().is_none_or(|b| c.len() > b.len())
                {
                    best = Some(c);
                }
            };
            // Adjacent literals form one longer run.
            let mut run = String::new();
            for part in parts {
                match part.kind() {
                    HirKind::Literal(l) => match std::str::from_utf8(&l.0) {
                        Ok(text) => run.push_str(text),
                        Err(_) => keep(Some(std::mem::take(&mut run))),
                    },
                    _ => {
                        keep(Some(std::mem::take(&mut run)));
                        keep(longest_required(part));
                    }
                }
            }
            keep(Some(run));
            best.filter(|b| !b.is_empty())
        }
        _ => None,
    }
}

/// An address or block, as the evaluator reads `ISSUBSET` operands and values.
pub(crate) fn parse_net(s: &str) -> Option<IpNet> {
    if s.contains('/') {
        IpNet::from_str(s).ok()
    } else {
        IpAddr::from_str(s).ok().map(IpNet::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tanseeq_pattern::{StixVersion, parse};

    fn of(p: &str) -> Vec<String> {
        anchors(&parse(p, StixVersion::V21).unwrap())
            .iter()
            .map(|a| match a {
                Anchor::Equals {
                    object_type,
                    path,
                    value,
                } => format!("eq {object_type}:{} {value}", path.join(".")),
                Anchor::Subnet { net, .. } => format!("net {net}"),
                Anchor::Substring { literal, .. } => format!("sub {literal}"),
                Anchor::Type { object_type } => format!("type {object_type}"),
            })
            .collect()
    }

    #[test]
    fn reductions() {
        assert_eq!(
            of("[ipv4-addr:value = '1.2.3.4']"),
            ["eq ipv4-addr:value 1.2.3.4"]
        );
        assert_eq!(
            of("[file:hashes.'SHA-256' = 'ab' AND file:size > 5]"),
            ["eq file:hashes.SHA-256 ab"]
        );
        assert_eq!(
            of("[ipv4-addr:value ISSUBSET '10.1.2.3/8'] OR [domain-name:value IN ('a.b', 'c.d')]"),
            [
                "eq domain-name:value a.b",
                "eq domain-name:value c.d",
                "net 10.0.0.0/8"
            ]
        );
        assert_eq!(
            of(
                "[url:value LIKE '%/evil/%.php'] FOLLOWEDBY [url:value MATCHES 'x'] WITHIN 5 SECONDS"
            ),
            ["sub /evil/"]
        );
        assert_eq!(
            of("[url:value LIKE 'http://x/'] "),
            ["eq url:value http://x/"]
        );
        assert_eq!(of("[url:value LIKE '%ab%']"), ["type url"]);
        assert_eq!(
            of(r"[url:value MATCHES '^https?://[a-z]+\\.example/(gate|panel)-x+/admin']"),
            ["sub .example/"]
        );
        assert_eq!(
            of(r"[url:value MATCHES 'evil\\.example']"),
            ["sub evil.example"]
        );
        assert_eq!(of("[url:value MATCHES '(?i)evil']"), ["type url"]);
        assert_eq!(of("[url:value MATCHES 'a(bcd)*e']"), ["type url"]);
        assert_eq!(of("[url:value MATCHES '(abcd)+e']"), ["sub abcd"]);
        assert_eq!(of("[ipv4-addr:value NOT = '1.2.3.4']"), ["type ipv4-addr"]);
        assert_eq!(
            of("[email-message:from_ref.value = 'a@b.c']"),
            ["type email-message"]
        );
        assert_eq!(
            of("[file:name = 'a' OR file:name != 'b'] AND [x-y:z = 'q']"),
            ["eq x-y:z q"]
        );
    }
}
