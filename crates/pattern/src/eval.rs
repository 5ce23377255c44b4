//! Evaluating a pattern against observations (STIX 2.1 §9.5–9.7), with the semantics of the
//! OASIS reference matcher (`stix2-matcher` 3.0.0) unless noted.
//!
//! **Observations.** Each observed-data object is one observation, repeated `number_observed`
//! times between `first_observed` and `last_observed`. Its objects are the SCOs its
//! `object_refs` name (STIX 2.1; STIX domain and relationship object types are skipped, as the
//! reference matcher does) or the values of its embedded `objects` (STIX 2.0). `_ref` and
//! `_refs` properties resolve to objects with that id anywhere in the input (2.1; the reference
//! matcher looks only among the observation's own `object_refs`) or to the embedded object
//! with that key (2.0). Properties named `…_hex` and `…_bin` hold binary values (hex, base64).
//!
//! **Comparison expressions** (`[ … ]`) hold for an observation when one of its objects
//! satisfies them: `AND` needs both sides true *of the same object*, `OR` of either. A
//! comparison holds for an object when *some* value its path selects passes (`[*]` selects
//! every list element; `[n]` one, counting from the end when negative). `NOT` and `!=` invert
//! the test of each selected value, so a missing property never matches, with or without
//! `NOT`. Values of kinds that cannot be compared (a string against an integer, a list, …) are
//! unequal and unordered; binary values compare with strings whose characters are all below
//! U+0100, taken as bytes. `IN` compares only values of the same kind. `ISSUBSET` /
//! `ISSUPERSET` take IPv4 or IPv6 addresses and CIDR blocks.
//!
//! **Observation expressions.** A match binds each `[ … ]` to one *instance* of an observation;
//! `AND`, `FOLLOWEDBY` and `REPEATS` need distinct instances (an observation seen
//! `number_observed` = 3 times can serve three times). `FOLLOWEDBY` needs the latest
//! `first_observed` on its left at or before the earliest `last_observed` on its right.
//! `WITHIN n SECONDS` needs the latest `first_observed` at most `n` seconds after the earliest
//! `last_observed` of the instances bound below it. `START a STOP b` needs every instance's
//! interval to meet `[a, b)`: `first_observed < b` and `last_observed >= a`.
//!
//! **Bounds.** Instances of one observation are interchangeable, so a partial match is kept as
//! a count per observation, never as instance lists. Work is bounded by [`MAX_OBSERVATIONS`],
//! [`MAX_BINDINGS`], [`MAX_SEARCH_STEPS`] and [`MAX_PATH_VALUES`]; passing one is an
//! [`EvalError`], never a wrong answer.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine;
use ipnet::IpNet;
use jiff::Timestamp;
use serde_json::Value;

use crate::ast::*;
use crate::regexes::{MatchesRegex, compile_like, compile_matches};
use crate::{PatternError, parser::timestamp_shape_ok};

/// Most observed-data objects one [`Observations`] holds.
pub const MAX_OBSERVATIONS: usize = 100_000;
/// Most distinct partial matches kept for one node of the pattern.
pub const MAX_BINDINGS: usize = 20_000;
/// Most combination steps (pairs tried by `AND` / `FOLLOWEDBY`, copy counts tried by `REPEATS`)
/// in one evaluation.
pub const MAX_SEARCH_STEPS: u64 = 5_000_000;
/// Most values one object path may select in one object (lists of lists, `_refs` fan-out).
pub const MAX_PATH_VALUES: usize = 100_000;

/// STIX 2.1 object types that are not cyber-observables; never matched by a pattern (the
/// reference matcher's list).
const NON_SCO_TYPES: &[&str] = &[
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

/// Why observations could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    #[error("expected a bundle, a list of bundles, or a list of STIX objects")]
    NotStix,
    #[error("observed-data {id}: {problem}")]
    InvalidObservedData { id: String, problem: String },
    #[error("more than {MAX_OBSERVATIONS} observed-data objects")]
    TooManyObservations,
}

/// Why an evaluation stopped without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error(
        "the pattern has more than {MAX_BINDINGS} partial matches in these observations; evaluation stopped"
    )]
    TooManyBindings,
    #[error(
        "combining partial matches took more than {MAX_SEARCH_STEPS} steps; evaluation stopped"
    )]
    TooMuchWork,
    #[error(
        "an object path selects more than {MAX_PATH_VALUES} values in one object; evaluation stopped"
    )]
    TooManyPathValues,
}

struct Observation {
    id: String,
    first: Timestamp,
    last: Timestamp,
    number: u64,
    /// The objects a pattern's object types are matched against.
    objects: Vec<Value>,
    /// Where `_ref` / `_refs` values are looked up.
    scope: Arc<HashMap<String, Value>>,
}

/// Observed-data read from JSON, ready for [`Matcher::matches`].
pub struct Observations {
    items: Vec<Observation>,
}

impl std::fmt::Debug for Observations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|o| &o.id))
            .finish()
    }
}

fn invalid(id: &str, problem: impl Into<String>) -> ObservationError {
    ObservationError::InvalidObservedData {
        id: id.to_string(),
        problem: problem.into(),
    }
}

/// Parses a STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`) strictly.
fn parse_timestamp(s: &str) -> Option<Timestamp> {
    if !timestamp_shape_ok(s) {
        return None;
    }
    Timestamp::from_str(s).ok()
}

impl Observations {
    /// Reads whatever `json` is: a bundle, a list of bundles, a list of STIX objects (observed-
    /// data and the SCOs they reference, any mix of 2.0 and 2.1), or one observed-data object.
    pub fn from_json(json: &Value) -> Result<Observations, ObservationError> {
        match json {
            Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
                Self::from_bundle(json)
            }
            Value::Object(_) => Self::from_objects(std::slice::from_ref(json)),
            Value::Array(items)
                if !items.is_empty()
                    && items
                        .iter()
                        .all(|i| i.get("type").and_then(Value::as_str) == Some("bundle")) =>
            {
                Self::from_bundles(items)
            }
            Value::Array(items) => Self::from_objects(items),
            _ => Err(ObservationError::NotStix),
        }
    }

    /// Reads the observed-data of one bundle.
    pub fn from_bundle(bundle: &Value) -> Result<Observations, ObservationError> {
        Self::from_bundles(std::slice::from_ref(bundle))
    }

    /// Reads the observed-data of several bundles; references resolve across all of them.
    pub fn from_bundles(bundles: &[Value]) -> Result<Observations, ObservationError> {
        let mut objects = Vec::new();
        for b in bundles {
            match b.get("objects") {
                Some(Value::Array(items)) => objects.extend(items.iter().cloned()),
                None => {}
                Some(_) => return Err(ObservationError::NotStix),
            }
        }
        Self::from_objects(&objects)
    }

    /// Reads a list of STIX objects: each observed-data is an observation; 2.1 observed-data
    /// find their `object_refs` among the other objects of the list.
    pub fn from_objects(objects: &[Value]) -> Result<Observations, ObservationError> {
        let mut scope = HashMap::new();
        for o in objects {
            if let (Some(id), Some(t)) = (
                o.get("id").and_then(Value::as_str),
                o.get("type").and_then(Value::as_str),
            ) && t != "observed-data"
            {
                scope.insert(id.to_string(), o.clone());
            }
        }
        let scope = Arc::new(scope);
        let mut items = Vec::new();
        for o in objects {
            if !o.is_object() {
                return Err(ObservationError::NotStix);
            }
            if o.get("type").and_then(Value::as_str) != Some("observed-data") {
                continue;
            }
            if items.len() == MAX_OBSERVATIONS {
                return Err(ObservationError::TooManyObservations);
            }
            items.push(Self::observation(o, &scope)?);
        }
        Ok(Observations { items })
    }

    fn observation(
        o: &Value,
        bundle_scope: &Arc<HashMap<String, Value>>,
    ) -> Result<Observation, ObservationError> {
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("(no id)", "`id` is missing or not a string"))?;
        let time = |name: &str| -> Result<Timestamp, ObservationError> {
            let s = o
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(id, format!("`{name}` is missing or not a string")))?;
            parse_timestamp(s)
                .ok_or_else(|| invalid(id, format!("`{name}` {s:?} is not a STIX timestamp")))
        };
        let first = time("first_observed")?;
        let last = time("last_observed")?;
        if last < first {
            return Err(invalid(id, "`last_observed` is before `first_observed`"));
        }
        let number = o
            .get("number_observed")
            .and_then(Value::as_u64)
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid(id, "`number_observed` must be an integer of at least 1"))?;
        let (objects, scope) = match (o.get("objects"), o.get("object_refs")) {
            (Some(Value::Object(embedded)), _) => {
                let scope: HashMap<String, Value> = embedded
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (embedded.values().cloned().collect(), Arc::new(scope))
            }
            (_, Some(Value::Array(refs))) => {
                let objects = refs
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(|r| bundle_scope.get(r))
                    .filter(|obj| {
                        obj.get("type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| !NON_SCO_TYPES.contains(&t))
                    })
                    .cloned()
                    .collect();
                (objects, bundle_scope.clone())
            }
            _ => {
                return Err(invalid(
                    id,
                    "neither `object_refs` (a list) nor `objects` (a dictionary) is present",
                ));
            }
        };
        Ok(Observation {
            id: id.to_string(),
            first,
            last,
            number,
            objects,
            scope,
        })
    }

    /// How many observed-data objects were read.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every object a pattern's object types are matched against, observation by observation
    /// (for indexes that pick candidate patterns before evaluating them).
    pub fn objects(&self) -> impl Iterator<Item = &Value> {
        self.items.iter().flat_map(|o| o.objects.iter())
    }
}

/// One way the pattern matched: the observed-data that took part, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub observed_data_ids: Vec<String>,
}

/// A pattern with its regular expressions compiled, ready to evaluate many times.
#[derive(Debug, Clone)]
pub struct Matcher {
    pattern: Pattern,
    regexes: HashMap<String, MatchesRegex>,
    likes: HashMap<String, regex::Regex>,
}

/// Evaluates `pattern` once; see [`Matcher::matches`].
pub fn evaluate(
    pattern: &Pattern,
    observations: &Observations,
) -> Result<Option<Match>, EvalError> {
    match Matcher::new(pattern) {
        Ok(m) => m.matches(observations),
        // Only hand-built patterns get here (the parser compiles every expression); a regular
        // expression that does not compile matches nothing.
        Err(_) => Matcher::lenient(pattern).matches(observations),
    }
}

impl Matcher {
    /// Compiles the `MATCHES` and `LIKE` operands of `pattern` (already checked by
    /// [`parse`](crate::parse); an error here comes only from a hand-built AST).
    pub fn new(pattern: &Pattern) -> Result<Matcher, PatternError> {
        let mut m = Matcher {
            pattern: pattern.clone(),
            regexes: HashMap::new(),
            likes: HashMap::new(),
        };
        let mut problem = None;
        let (regexes, likes) = (&mut m.regexes, &mut m.likes);
        walk_tests(&pattern.expr, &mut |t| match &t.op {
            Operator::Matches(s) if !regexes.contains_key(s) => match compile_matches(s) {
                Ok(r) => {
                    regexes.insert(s.clone(), r);
                }
                Err(e) => problem = Some(e),
            },
            Operator::Like(s) if !likes.contains_key(s) => match compile_like(s) {
                Ok(r) => {
                    likes.insert(s.clone(), r);
                }
                Err(e) => problem = Some(e),
            },
            _ => {}
        });
        match problem {
            Some(message) => Err(PatternError {
                line: 1,
                column: 1,
                message,
            }),
            None => Ok(m),
        }
    }

    fn lenient(pattern: &Pattern) -> Matcher {
        let mut m = Matcher {
            pattern: pattern.clone(),
            regexes: HashMap::new(),
            likes: HashMap::new(),
        };
        let (regexes, likes) = (&mut m.regexes, &mut m.likes);
        walk_tests(&pattern.expr, &mut |t| match &t.op {
            Operator::Matches(s) => {
                if let Ok(r) = compile_matches(s) {
                    regexes.insert(s.clone(), r);
                }
            }
            Operator::Like(s) => {
                if let Ok(r) = compile_like(s) {
                    likes.insert(s.clone(), r);
                }
            }
            _ => {}
        });
        m
    }

    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Evaluates the pattern: `Some` with the observed-data of one match, `None` when it does
    /// not match.
    pub fn matches(&self, observations: &Observations) -> Result<Option<Match>, EvalError> {
        let mut run = Run {
            m: self,
            obs: &observations.items,
            steps: 0,
            leaf_cache: HashMap::new(),
        };
        let found = run.eval(&self.pattern.expr, &Constraint::default(), true)?;
        Ok(found.into_iter().next().map(|b| Match {
            observed_data_ids: b
                .counts
                .iter()
                .map(|(o, _)| observations.items[*o as usize].id.clone())
                .collect(),
        }))
    }
}

fn walk_tests(e: &ObservationExpr, f: &mut dyn FnMut(&PropTest)) {
    fn cmp(c: &ComparisonExpr, f: &mut dyn FnMut(&PropTest)) {
        match c {
            ComparisonExpr::Test(t) => f(t),
            ComparisonExpr::And(a, b) | ComparisonExpr::Or(a, b) => {
                cmp(a, f);
                cmp(b, f);
            }
        }
    }
    match e {
        ObservationExpr::Comparison(c) => cmp(c, f),
        ObservationExpr::And(a, b)
        | ObservationExpr::Or(a, b)
        | ObservationExpr::FollowedBy(a, b) => {
            walk_tests(a, f);
            walk_tests(b, f);
        }
        ObservationExpr::Qualified(a, _) => walk_tests(a, f),
    }
}

// ---------------------------------------------------------------------------------------------
// Observation expressions

/// A partial match: how many instances of which observations it uses (sorted by observation),
/// and the extremes of their intervals.
#[derive(Debug, Clone)]
struct Binding {
    counts: Vec<(u32, u64)>,
    max_first: Timestamp,
    min_last: Timestamp,
}

impl Binding {
    /// How far the latest start lies after the earliest end, in nanoseconds.
    fn span(&self) -> i128 {
        self.max_first.as_nanosecond() - self.min_last.as_nanosecond()
    }
}

/// Restrictions from enclosing qualifiers, pushed down so that hopeless partial matches are
/// dropped early. Both only get harder to meet as a binding grows, so pruning is exact.
#[derive(Debug, Clone, Default)]
struct Constraint {
    max_span: Option<i128>,
    windows: Vec<(Timestamp, Timestamp)>,
}

impl Constraint {
    fn admits(&self, b: &Binding) -> bool {
        self.max_span.is_none_or(|m| b.span() <= m)
    }
}

struct Run<'a> {
    m: &'a Matcher,
    obs: &'a [Observation],
    steps: u64,
    /// Observations each `[ … ]` holds for, by the node's address.
    leaf_cache: HashMap<*const ComparisonExpr, Vec<u32>>,
}

impl Run<'_> {
    fn step(&mut self) -> Result<(), EvalError> {
        self.steps += 1;
        if self.steps > MAX_SEARCH_STEPS {
            Err(EvalError::TooMuchWork)
        } else {
            Ok(())
        }
    }

    fn merge(&self, a: &Binding, b: &Binding) -> Option<Binding> {
        let mut counts = Vec::with_capacity(a.counts.len() + b.counts.len());
        let (mut i, mut j) = (0, 0);
        while i < a.counts.len() || j < b.counts.len() {
            let next = match (a.counts.get(i), b.counts.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    i += 1;
                    j += 1;
                    (x.0, x.1.checked_add(y.1)?)
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    i += 1;
                    *x
                }
                (Some(x), None) => {
                    i += 1;
                    *x
                }
                (_, Some(y)) => {
                    j += 1;
                    *y
                }
                (None, None) => break,
            };
            if next.1 > self.obs[next.0 as usize].number {
                return None;
            }
            counts.push(next);
        }
        Some(Binding {
            counts,
            max_first: a.max_first.max(b.max_first),
            min_last: a.min_last.min(b.min_last),
        })
    }

    /// Partial matches of `e` that fit `c`; with `any`, at most one.
    ///
    /// Chains the parser builds left-nested (`a OR b OR c …`, `[x] WITHIN 1 SECONDS WITHIN …`)
    /// are walked in loops, so recursion depth follows parenthesis nesting (bounded by
    /// `MAX_NESTING`), not the length of a chain.
    fn eval(
        &mut self,
        e: &ObservationExpr,
        c: &Constraint,
        any: bool,
    ) -> Result<Vec<Binding>, EvalError> {
        match e {
            ObservationExpr::Comparison(cmp) => self.leaf(cmp, c, any),
            ObservationExpr::Or(..) => {
                let mut v = Vec::new();
                for operand in left_spine(e) {
                    v.extend(self.eval(operand, c, any)?);
                    if any && !v.is_empty() {
                        return Ok(v);
                    }
                }
                dedupe(v)
            }
            ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => {
                let ordered = matches!(e, ObservationExpr::FollowedBy(..));
                let operands = left_spine(e);
                let mut acc = self.eval(operands[0], c, false)?;
                for (k, operand) in operands.iter().enumerate().skip(1) {
                    if acc.is_empty() {
                        return Ok(acc);
                    }
                    let right = self.eval(operand, c, false)?;
                    acc = self.join(&acc, &right, ordered, c, any && k + 1 == operands.len())?;
                }
                Ok(acc)
            }
            ObservationExpr::Qualified(..) => {
                // Qualifiers from the outermost in; every restriction among them also holds
                // for the innermost expression's partial matches, so all are pushed down.
                let mut quals = Vec::new();
                let mut inner = e;
                while let ObservationExpr::Qualified(i, q) = inner {
                    quals.push(q);
                    inner = i;
                }
                let mut c2 = c.clone();
                for q in &quals {
                    match q {
                        Qualifier::Within(secs) => {
                            let limit = within_nanos(*secs);
                            c2.max_span = Some(c2.max_span.map_or(limit, |m| m.min(limit)));
                        }
                        Qualifier::StartStop { start, stop } => {
                            match (parse_timestamp(start), parse_timestamp(stop)) {
                                (Some(a), Some(b)) if a < b => c2.windows.push((a, b)),
                                _ => return Ok(Vec::new()),
                            }
                        }
                        Qualifier::Repeats(_) => {}
                    }
                }
                let repeats = quals
                    .iter()
                    .any(|q| matches!(q, Qualifier::Repeats(n) if *n > 1));
                let mut v = self.eval(inner, &c2, any && !repeats)?;
                for (k, q) in quals.iter().enumerate().rev() {
                    v = match q {
                        Qualifier::Within(secs) => {
                            let limit = within_nanos(*secs);
                            v.into_iter().filter(|b| b.span() <= limit).collect()
                        }
                        // Already enforced on every observation by the pushed-down window.
                        Qualifier::StartStop { .. } => v,
                        Qualifier::Repeats(n) => self.repeats(v, *n, &c2, any && k == 0)?,
                    };
                }
                Ok(v)
            }
        }
    }

    fn leaf(
        &mut self,
        cmp: &ComparisonExpr,
        c: &Constraint,
        any: bool,
    ) -> Result<Vec<Binding>, EvalError> {
        let key = cmp as *const ComparisonExpr;
        let holding = match self.leaf_cache.get(&key) {
            Some(v) => v.clone(),
            None => {
                let mut v = Vec::new();
                for (i, o) in self.obs.iter().enumerate() {
                    if !self.comparison(cmp, o)?.is_empty() {
                        v.push(i as u32);
                    }
                }
                self.leaf_cache.insert(key, v.clone());
                v
            }
        };
        let mut out = Vec::new();
        for i in holding {
            let o = &self.obs[i as usize];
            if c.windows.iter().all(|(a, b)| o.first < *b && o.last >= *a) {
                out.push(Binding {
                    counts: vec![(i, 1)],
                    max_first: o.first,
                    min_last: o.last,
                });
                if any {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Every combination of one partial match from each side that fits (`ordered`: the
    /// left one before the right one, for `FOLLOWEDBY`).
    fn join(
        &mut self,
        left: &[Binding],
        right: &[Binding],
        ordered: bool,
        c: &Constraint,
        any: bool,
    ) -> Result<Vec<Binding>, EvalError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for a in left {
            for b in right {
                self.step()?;
                if ordered && a.max_first > b.min_last {
                    continue;
                }
                if let Some(m) = self.merge(a, b)
                    && c.admits(&m)
                    && seen.insert(m.counts.clone())
                {
                    out.push(m);
                    if any {
                        return Ok(out);
                    }
                    if out.len() > MAX_BINDINGS {
                        return Err(EvalError::TooManyBindings);
                    }
                }
            }
        }
        Ok(out)
    }

    /// All sums of `n` of the partial matches `parts` (repetition allowed when the observations
    /// have instances to spare) that fit the constraint.
    ///
    /// Depth-first over how many copies of each part, in part order, most copies first: the
    /// order of the sequences `p0 p0 … p0`, `p0 … p0 p1`, …, so the first sum found is the one a
    /// search over sequences finds first. One frame per part and one for its next choice, so
    /// memory follows the number of parts, not `n`; a choice that leaves more copies than the
    /// later parts can hold is not tried, so a large `n` (`REPEATS 1000000 TIMES` against a
    /// large `number_observed`) takes a few steps, not `n`.
    fn repeats(
        &mut self,
        parts: Vec<Binding>,
        n: u64,
        c: &Constraint,
        any: bool,
    ) -> Result<Vec<Binding>, EvalError> {
        if n == 1 || parts.is_empty() {
            return Ok(parts);
        }
        // Each part uses at least one instance: give up early when there are not enough.
        let mut used: HashSet<u32> = HashSet::new();
        for p in &parts {
            used.extend(p.counts.iter().map(|(o, _)| *o));
        }
        let capacity = used.iter().fold(0u64, |acc, o| {
            acc.saturating_add(self.obs[*o as usize].number)
        });
        if n > capacity {
            return Ok(Vec::new());
        }
        // Most copies of `p` that fit in `available` instances per observation.
        let copies_in = |p: &Binding, available: &dyn Fn(u32) -> u64| -> u64 {
            p.counts
                .iter()
                .map(|&(o, k)| available(o) / k.max(1))
                .min()
                .unwrap_or(0)
        };
        // `later[i]`: at most how many copies parts `i..` can hold together (each on its own,
        // summed): an upper bound whatever was chosen before.
        let mut later = vec![0u64; parts.len() + 1];
        for i in (0..parts.len()).rev() {
            let alone = copies_in(&parts[i], &|o| self.obs[o as usize].number);
            later[i] = later[i + 1].saturating_add(alone);
        }
        if later[0] < n {
            return Ok(Vec::new());
        }
        struct Frame {
            /// The part whose number of copies is chosen here.
            part: usize,
            /// The sum of the copies chosen for the parts before it.
            acc: Option<Binding>,
            /// Copies still to place, here and after.
            left: u64,
            /// The next number of copies to try (counting down), once the frame was opened.
            next: Option<u64>,
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![Frame {
            part: 0,
            acc: None,
            left: n,
            next: None,
        }];
        while let Some(f) = stack.pop() {
            self.step()?;
            let Some(p) = parts.get(f.part) else {
                continue;
            };
            // Copies of this part below `least` leave more than the later parts can hold.
            let least = f.left.saturating_sub(later[f.part + 1]);
            let m = match f.next {
                Some(m) => m,
                None => {
                    // One copy must fit the constraint together with what came before (more
                    // copies of the same part do not change the time span).
                    let one = match &f.acc {
                        None => Some(p.clone()),
                        Some(a) => self.merge(a, p),
                    };
                    if one.is_some_and(|b| c.admits(&b)) {
                        let have = |o: u32| -> u64 {
                            let taken = f.acc.as_ref().map_or(0, |a| {
                                a.counts
                                    .binary_search_by_key(&o, |x| x.0)
                                    .map_or(0, |i| a.counts[i].1)
                            });
                            self.obs[o as usize].number.saturating_sub(taken)
                        };
                        copies_in(p, &have).min(f.left)
                    } else {
                        0
                    }
                }
            };
            if m < least {
                continue;
            }
            if m > least {
                stack.push(Frame {
                    next: Some(m - 1),
                    acc: f.acc.clone(),
                    ..f
                });
            }
            let acc = if m == 0 {
                f.acc
            } else {
                // `m` copies fit (`k * m` is at most the instances available).
                let scaled = Binding {
                    counts: p.counts.iter().map(|&(o, k)| (o, k * m)).collect(),
                    max_first: p.max_first,
                    min_last: p.min_last,
                };
                match &f.acc {
                    None => Some(scaled),
                    Some(a) => match self.merge(a, &scaled) {
                        Some(b) => Some(b),
                        None => continue,
                    },
                }
            };
            if m < f.left {
                stack.push(Frame {
                    part: f.part + 1,
                    acc,
                    left: f.left - m,
                    next: None,
                });
            } else if let Some(acc) = acc
                && seen.insert(acc.counts.clone())
            {
                out.push(acc);
                if any {
                    return Ok(out);
                }
                if out.len() > MAX_BINDINGS {
                    return Err(EvalError::TooManyBindings);
                }
            }
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------
    // Comparison expressions: the indexes of the observation's objects that satisfy them.

    fn comparison(&self, e: &ComparisonExpr, o: &Observation) -> Result<Vec<usize>, EvalError> {
        match e {
            ComparisonExpr::Test(t) => self.test(t, o),
            ComparisonExpr::And(..) => {
                let mut acc: Option<Vec<usize>> = None;
                for operand in cmp_left_spine(e) {
                    let r = self.comparison(operand, o)?;
                    let next = match acc {
                        None => r,
                        Some(l) => l
                            .into_iter()
                            .filter(|i| r.binary_search(i).is_ok())
                            .collect(),
                    };
                    if next.is_empty() {
                        return Ok(next);
                    }
                    acc = Some(next);
                }
                Ok(acc.unwrap_or_default())
            }
            ComparisonExpr::Or(..) => {
                let mut l = Vec::new();
                for operand in cmp_left_spine(e) {
                    l.extend(self.comparison(operand, o)?);
                }
                l.sort_unstable();
                l.dedup();
                Ok(l)
            }
        }
    }

    fn test(&self, t: &PropTest, o: &Observation) -> Result<Vec<usize>, EvalError> {
        let lit = Prepared::new(&t.op);
        let mut out = Vec::new();
        for (i, obj) in o.objects.iter().enumerate() {
            if obj.get("type").and_then(Value::as_str) != Some(t.path.object_type.as_str()) {
                continue;
            }
            let values = select(obj, &t.path, &o.scope)?;
            let pass = if let Operator::Exists = t.op {
                values.is_empty() == t.negated
            } else {
                values
                    .iter()
                    .any(|v| self.holds(&t.op, &lit, v) != t.negated)
            };
            if pass {
                out.push(i);
            }
        }
        Ok(out)
    }

    fn holds(&self, op: &Operator, lit: &Prepared, v: &Val) -> bool {
        match op {
            Operator::Eq(_) => lit.single.as_ref().is_some_and(|l| equal(v, l)),
            Operator::Ne(_) => !lit.single.as_ref().is_some_and(|l| equal(v, l)),
            Operator::Lt(_) | Operator::Le(_) | Operator::Gt(_) | Operator::Ge(_) => {
                let Some(ord) = lit.single.as_ref().and_then(|l| order(v, l)) else {
                    return false;
                };
                match op {
                    Operator::Lt(_) => ord == Ordering::Less,
                    Operator::Le(_) => ord != Ordering::Greater,
                    Operator::Gt(_) => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                }
            }
            Operator::In(_) => lit.set.iter().any(|l| same_kind_equal(v, l)),
            Operator::Like(src) => {
                let Some(re) = self.m.likes.get(src) else {
                    return false;
                };
                match v {
                    Val::Json(Value::String(s)) => re.is_match(s),
                    // As the reference matcher: bytes are read as UTF-8 text when the operand
                    // could stand for bytes at all.
                    Val::Bytes(b) if src.chars().all(|c| (c as u32) < 0x100) => {
                        std::str::from_utf8(b).is_ok_and(|s| re.is_match(s))
                    }
                    _ => false,
                }
            }
            Operator::Matches(src) => {
                let Some(re) = self.m.regexes.get(src) else {
                    return false;
                };
                match v {
                    Val::Json(Value::String(s)) => re.text.is_match(s),
                    Val::Bytes(b) => re.bytes.as_ref().is_some_and(|r| r.is_match(b)),
                    _ => false,
                }
            }
            Operator::IsSubset(net) => match v {
                Val::Json(Value::String(s)) => subnet_of(s, net),
                _ => false,
            },
            Operator::IsSuperset(net) => match v {
                Val::Json(Value::String(s)) => subnet_of(net, s),
                _ => false,
            },
            Operator::Exists => false,
        }
    }
}

/// The operands of a left-nested chain of one operator, leftmost first.
fn left_spine(e: &ObservationExpr) -> Vec<&ObservationExpr> {
    let same = |x: &ObservationExpr| std::mem::discriminant(x) == std::mem::discriminant(e);
    let mut rights = Vec::new();
    let mut cur = e;
    while same(cur) {
        match cur {
            ObservationExpr::And(l, r)
            | ObservationExpr::Or(l, r)
            | ObservationExpr::FollowedBy(l, r) => {
                rights.push(r.as_ref());
                cur = l;
            }
            _ => break,
        }
    }
    rights.push(cur);
    rights.reverse();
    rights
}

fn cmp_left_spine(e: &ComparisonExpr) -> Vec<&ComparisonExpr> {
    let same = |x: &ComparisonExpr| std::mem::discriminant(x) == std::mem::discriminant(e);
    let mut rights = Vec::new();
    let mut cur = e;
    while same(cur) {
        match cur {
            ComparisonExpr::And(l, r) | ComparisonExpr::Or(l, r) => {
                rights.push(r.as_ref());
                cur = l;
            }
            ComparisonExpr::Test(_) => break,
        }
    }
    rights.push(cur);
    rights.reverse();
    rights
}

fn within_nanos(secs: f64) -> i128 {
    (secs * 1e9).round() as i128
}

fn dedupe(v: Vec<Binding>) -> Result<Vec<Binding>, EvalError> {
    let mut seen = HashSet::new();
    let out: Vec<Binding> = v
        .into_iter()
        .filter(|b| seen.insert(b.counts.clone()))
        .collect();
    if out.len() > MAX_BINDINGS {
        Err(EvalError::TooManyBindings)
    } else {
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Object paths

/// A value an object path selected.
enum Val<'a> {
    Json(&'a Value),
    /// A `…_hex` / `…_bin` property, decoded.
    Bytes(Vec<u8>),
    /// The objects a `…_refs` list resolved to (unresolved references left out).
    Objects(Vec<&'a Value>),
}

fn select<'a>(
    root: &'a Value,
    path: &ObjectPath,
    scope: &'a HashMap<String, Value>,
) -> Result<Vec<Val<'a>>, EvalError> {
    let mut cur = vec![Val::Json(root)];
    let first = PathStep::Key(path.property.clone());
    for step in std::iter::once(&first).chain(path.steps.iter()) {
        let mut next = Vec::new();
        for v in cur {
            match step {
                PathStep::Key(k) => {
                    let Val::Json(Value::Object(m)) = v else {
                        continue;
                    };
                    let Some(x) = m.get(k) else { continue };
                    if let Some(stepped) = key_value(k, x, scope) {
                        next.push(stepped);
                    }
                }
                PathStep::Index(i) => {
                    let pick = |len: usize| -> Option<usize> {
                        if *i >= 0 {
                            usize::try_from(*i).ok().filter(|i| *i < len)
                        } else {
                            len.checked_sub(usize::try_from(i.unsigned_abs()).ok()?)
                        }
                    };
                    match v {
                        Val::Json(Value::Array(a)) => {
                            if let Some(j) = pick(a.len()) {
                                next.push(Val::Json(&a[j]));
                            }
                        }
                        Val::Objects(objs) => {
                            if let Some(j) = pick(objs.len()) {
                                next.push(Val::Json(objs[j]));
                            }
                        }
                        _ => {}
                    }
                }
                PathStep::AnyIndex => match v {
                    Val::Json(Value::Array(a)) => next.extend(a.iter().map(Val::Json)),
                    Val::Objects(objs) => next.extend(objs.into_iter().map(Val::Json)),
                    _ => {}
                },
            }
            if next.len() > MAX_PATH_VALUES {
                return Err(EvalError::TooManyPathValues);
            }
        }
        cur = next;
        if cur.is_empty() {
            break;
        }
    }
    Ok(cur)
}

/// The value of property `k`, decoded (`_hex`, `_bin`) or resolved (`_ref`, `_refs`); `None`
/// when it cannot be (bad encoding, dangling reference), so the path selects nothing there.
fn key_value<'a>(k: &str, x: &'a Value, scope: &'a HashMap<String, Value>) -> Option<Val<'a>> {
    if k.ends_with("_hex") {
        return decode_hex(x.as_str()?).map(Val::Bytes);
    }
    if k.ends_with("_bin") {
        return base64::engine::general_purpose::STANDARD
            .decode(x.as_str()?)
            .ok()
            .map(Val::Bytes);
    }
    if k.ends_with("_ref") {
        return scope.get(x.as_str()?).map(Val::Json);
    }
    if k.ends_with("_refs") {
        let objs: Vec<&Value> = x
            .as_array()?
            .iter()
            .filter_map(|r| scope.get(r.as_str()?))
            .collect();
        return (!objs.is_empty()).then_some(Val::Objects(objs));
    }
    Some(Val::Json(x))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/// A literal in comparable form.
enum Lit {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    /// `None` when the literal names no real instant (cannot come from the parser's checks
    /// except for leap seconds): equal to nothing.
    Ts(Option<Timestamp>),
    Bytes(Vec<u8>),
}

impl Lit {
    fn new(l: &Literal) -> Option<Lit> {
        Some(match l {
            Literal::Int(i) => Lit::Int(i128::from(*i)),
            Literal::Float(f) => Lit::Float(*f),
            Literal::String(s) => Lit::Str(s.clone()),
            Literal::Bool(b) => Lit::Bool(*b),
            Literal::Timestamp(t) => Lit::Ts(parse_timestamp(t)),
            Literal::Binary(b) => {
                Lit::Bytes(base64::engine::general_purpose::STANDARD.decode(b).ok()?)
            }
            Literal::Hex(h) => Lit::Bytes(decode_hex(h)?),
        })
    }
}

struct Prepared {
    single: Option<Lit>,
    set: Vec<Lit>,
}

impl Prepared {
    fn new(op: &Operator) -> Prepared {
        match op {
            Operator::Eq(l)
            | Operator::Ne(l)
            | Operator::Lt(l)
            | Operator::Le(l)
            | Operator::Gt(l)
            | Operator::Ge(l) => Prepared {
                single: Lit::new(l),
                set: Vec::new(),
            },
            Operator::In(items) => Prepared {
                single: None,
                set: items.iter().filter_map(Lit::new).collect(),
            },
            _ => Prepared {
                single: None,
                set: Vec::new(),
            },
        }
    }
}

enum Num {
    Int(i128),
    Float(f64),
}

fn json_num(n: &serde_json::Number) -> Option<Num> {
    if let Some(i) = n.as_i64() {
        Some(Num::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Num::Int(i128::from(u)))
    } else {
        n.as_f64().map(Num::Float)
    }
}

fn lit_num(l: &Lit) -> Option<Num> {
    match l {
        Lit::Int(i) => Some(Num::Int(*i)),
        Lit::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

/// Exact comparison of an integer with a float (no rounding of large integers).
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 1.0e38 {
        return Some(Ordering::Less);
    }
    if f <= -1.0e38 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Some(Ordering::Less),
        o => Some(o),
    }
}

fn cmp_num(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(y)),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(*x, *y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
    }
}

/// A string as bytes, when every character is below U+0100 (STIX 2.1 §9: binary compared
/// with a string).
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn order(v: &Val, l: &Lit) -> Option<Ordering> {
    match (v, l) {
        (Val::Json(Value::Number(n)), Lit::Int(_) | Lit::Float(_)) => {
            cmp_num(&json_num(n)?, &lit_num(l)?)
        }
        (Val::Json(Value::String(s)), Lit::Str(t)) => Some(s.as_str().cmp(t.as_str())),
        (Val::Json(Value::String(s)), Lit::Bytes(b)) => Some(latin1(s)?.as_slice().cmp(b)),
        (Val::Bytes(b), Lit::Str(t)) => Some(b.as_slice().cmp(latin1(t)?.as_slice())),
        (Val::Bytes(b), Lit::Bytes(c)) => Some(b.cmp(c)),
        (Val::Json(Value::String(s)), Lit::Ts(Some(t))) => Some(parse_timestamp(s)?.cmp(t)),
        _ => None,
    }
}

fn equal(v: &Val, l: &Lit) -> bool {
    match (v, l) {
        (Val::Json(Value::Bool(a)), Lit::Bool(b)) => a == b,
        _ => order(v, l) == Some(Ordering::Equal),
    }
}

/// Equality for `IN`: only values of the literal's own kind (no binary/string crossing).
fn same_kind_equal(v: &Val, l: &Lit) -> bool {
    match (v, l) {
        (Val::Json(Value::String(_)), Lit::Bytes(_)) | (Val::Bytes(_), Lit::Str(_)) => false,
        _ => equal(v, l),
    }
}

fn parse_net(s: &str) -> Option<IpNet> {
    if s.contains('/') {
        IpNet::from_str(s).ok()
    } else {
        IpAddr::from_str(s).ok().map(IpNet::from)
    }
}

/// Whether the address or block `inner` lies within the block `outer`.
fn subnet_of(inner: &str, outer: &str) -> bool {
    match (parse_net(inner), parse_net(outer)) {
        (Some(a), Some(b)) => b.contains(&a),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_float_comparison_is_exact() {
        assert_eq!(cmp_int_float(1, 1.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(1, 1.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(2, 1.5), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(-2, -1.5), Some(Ordering::Less));
        assert_eq!(
            cmp_int_float(9_007_199_254_740_993, 9_007_199_254_740_992.0),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn subnets() {
        assert!(subnet_of("198.51.100.7", "198.51.100.0/24"));
        assert!(subnet_of("198.51.100.7/25", "198.51.100.0/24"));
        assert!(!subnet_of("198.51.100.0/23", "198.51.100.0/24"));
        assert!(subnet_of(
            "2001:db8:dead:beef::1",
            "2001:0db8:dead:beef:0000:0000:0000:0000/64"
        ));
        assert!(!subnet_of("198.51.100.7", "2001:db8::/32"));
        assert!(!subnet_of("nonsense", "198.51.100.0/24"));
    }

    #[test]
    fn hex() {
        assert_eq!(decode_hex("ffD8"), Some(vec![0xff, 0xd8]));
        assert_eq!(decode_hex("f"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
