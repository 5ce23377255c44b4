//! The pattern AST and its canonical printer.

use std::fmt::{self, Display, Formatter, Write};

/// A whole pattern: one observation expression tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub expr: ObservationExpr,
}

/// Observation expressions (STIX 2.1 §9.5). Binary operators are left-associative; by
/// precedence, `AND` binds tighter than `OR`, which binds tighter than `FOLLOWEDBY`;
/// qualifiers bind tightest of all. Parentheses leave no node of their own.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison ]`
    Comparison(ComparisonExpr),
    And(Box<ObservationExpr>, Box<ObservationExpr>),
    Or(Box<ObservationExpr>, Box<ObservationExpr>),
    FollowedBy(Box<ObservationExpr>, Box<ObservationExpr>),
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// Qualifiers (STIX 2.1 §9.6).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`; `n` is positive (an integer in 2.0, integer or float in 2.1).
    Within(f64),
    /// `REPEATS n TIMES`; `n` is positive.
    Repeats(u64),
    /// `START t'…' STOP t'…'`; timestamps as written between the quotes, start before stop.
    StartStop { start: String, stop: String },
}

/// Comparison expressions inside `[ … ]`: `AND` binds tighter than `OR`, both left-associative.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    Test(PropTest),
    And(Box<ComparisonExpr>, Box<ComparisonExpr>),
    Or(Box<ComparisonExpr>, Box<ComparisonExpr>),
}

/// One comparison: an object path, an operator, and whether `NOT` precedes the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct PropTest {
    pub path: ObjectPath,
    pub negated: bool,
    pub op: Operator,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Eq(Literal),
    Ne(Literal),
    Lt(Literal),
    Le(Literal),
    Gt(Literal),
    Ge(Literal),
    In(Vec<Literal>),
    Like(String),
    Matches(String),
    IsSubset(String),
    IsSuperset(String),
    /// `EXISTS type:path` (written before the path).
    Exists,
}

/// `type:first.step[0].x`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPath {
    pub object_type: String,
    /// The first property name (after the `:`).
    pub property: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    /// `.name` or `.'quoted name'`
    Key(String),
    /// `[n]` (negative only in 2.1)
    Index(i64),
    /// `[*]`
    AnyIndex,
}

/// Constants (STIX 2.1 §9.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    String(String),
    Bool(bool),
    /// Text between `t'` and `'`.
    Timestamp(String),
    /// Base64 text between `b'` and `'`.
    Binary(String),
    /// Hex digits between `h'` and `'`.
    Hex(String),
}

pub(crate) const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "TRUE",
    "FALSE",
    "WITHIN",
    "REPEATS",
    "TIMES",
    "EXISTS",
];

pub(crate) fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

fn write_quoted(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

fn write_key(f: &mut Formatter<'_>, k: &str) -> fmt::Result {
    let mut cs = k.chars();
    let bare = cs
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(k);
    if bare {
        f.write_str(k)
    } else {
        write_quoted(f, k)
    }
}

fn write_float(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    let s = x.to_string();
    f.write_str(&s)?;
    if !s.contains('.') {
        f.write_str(".0")?;
    }
    Ok(())
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl ObservationExpr {
    fn precedence(&self) -> u8 {
        match self {
            ObservationExpr::FollowedBy(..) => 1,
            ObservationExpr::Or(..) => 2,
            ObservationExpr::And(..) => 3,
            _ => 4,
        }
    }
}

fn write_obs_operand(f: &mut Formatter<'_>, e: &ObservationExpr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let p = self.precedence();
        let (l, r, op) = match self {
            ObservationExpr::Comparison(c) => return write!(f, "[{c}]"),
            ObservationExpr::Qualified(inner, q) => {
                write_obs_operand(f, inner, inner.precedence() < 4)?;
                return write!(f, " {q}");
            }
            ObservationExpr::And(l, r) => (l, r, "AND"),
            ObservationExpr::Or(l, r) => (l, r, "OR"),
            ObservationExpr::FollowedBy(l, r) => (l, r, "FOLLOWEDBY"),
        };
        write_obs_operand(f, l, l.precedence() < p)?;
        write!(f, " {op} ")?;
        write_obs_operand(f, r, r.precedence() <= p)
    }
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(n) => {
                f.write_str("WITHIN ")?;
                if n.fract() == 0.0 && *n < 1e15 {
                    write!(f, "{}", *n as u64)?;
                } else {
                    write_float(f, *n)?;
                }
                f.write_str(" SECONDS")
            }
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

impl ComparisonExpr {
    fn precedence(&self) -> u8 {
        match self {
            ComparisonExpr::Or(..) => 1,
            ComparisonExpr::And(..) => 2,
            ComparisonExpr::Test(_) => 3,
        }
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let p = self.precedence();
        let (l, r, op) = match self {
            ComparisonExpr::Test(t) => return t.fmt(f),
            ComparisonExpr::And(l, r) => (l, r, "AND"),
            ComparisonExpr::Or(l, r) => (l, r, "OR"),
        };
        if l.precedence() < p {
            write!(f, "({l})")?;
        } else {
            write!(f, "{l}")?;
        }
        write!(f, " {op} ")?;
        if r.precedence() <= p {
            write!(f, "({r})")
        } else {
            write!(f, "{r}")
        }
    }
}

impl Display for PropTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        if let Operator::Exists = self.op {
            return write!(f, "{not}EXISTS {}", self.path);
        }
        write!(f, "{} {not}", self.path)?;
        let (op, lit) = match &self.op {
            // Printed above, before the path.
            Operator::Exists => return Ok(()),
            Operator::Eq(l) => ("=", l),
            Operator::Ne(l) => ("!=", l),
            Operator::Lt(l) => ("<", l),
            Operator::Le(l) => ("<=", l),
            Operator::Gt(l) => (">", l),
            Operator::Ge(l) => (">=", l),
            Operator::In(items) => {
                f.write_str("IN (")?;
                for (i, l) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{l}")?;
                }
                return f.write_str(")");
            }
            Operator::Like(s)
            | Operator::Matches(s)
            | Operator::IsSubset(s)
            | Operator::IsSuperset(s) => {
                let kw = match &self.op {
                    Operator::Like(_) => "LIKE",
                    Operator::Matches(_) => "MATCHES",
                    Operator::IsSubset(_) => "ISSUBSET",
                    _ => "ISSUPERSET",
                };
                write!(f, "{kw} ")?;
                return write_quoted(f, s);
            }
        };
        write!(f, "{op} {lit}")
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_key(f, &self.property)?;
        for s in &self.steps {
            match s {
                PathStep::Key(k) => {
                    f.write_char('.')?;
                    write_key(f, k)?;
                }
                PathStep::Index(i) => write!(f, "[{i}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write_float(f, *x),
            Literal::String(s) => write_quoted(f, s),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
            Literal::Binary(b) => write!(f, "b'{b}'"),
            Literal::Hex(h) => write!(f, "h'{h}'"),
        }
    }
}
