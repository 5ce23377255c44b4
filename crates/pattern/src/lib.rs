//! STIX Patterning (STIX 2.1 specification, section 9): a parser for the complete grammar of
//! the OASIS `STIXPattern.g4`, the AST it produces, and a canonical printer (`Display`) whose
//! output parses back to the same AST.
//!
//! Entry point: [`parse`]. Operator precedence follows the grammar: in observation
//! expressions `FOLLOWEDBY` binds loosest, then `OR`, then `AND`, then the postfix qualifiers
//! (`WITHIN n SECONDS`, `REPEATS n TIMES`, `START t'…' STOP t'…'`); inside `[ … ]`, `OR`
//! binds looser than `AND`. All binary operators are left-associative.
//!
//! Checked beyond the grammar: `START` before `STOP`; `WITHIN` / `REPEATS` counts positive;
//! object type names well-formed (3–250 characters of `a-z`, `0-9`, `-`, no `--`); integers
//! fit in `i64`; `MATCHES` literals at most [`MAX_REGEX_LEN`] bytes, and compiled at parse time
//! by the linear-time `regex` crate within [`MAX_REGEX_COMPILED_SIZE`] (an invalid expression,
//! or PCRE-only syntax such as look-around and backreferences, is an error at the literal's
//! line and column); binary literals are padded base64, hex literals have an even number of
//! digits; timestamps have the grammar's form (month 01–12, day 01–31, …) and name a day of the
//! calendar (`2026-02-30` is an error; the reference matcher fails on it only when matching).
//!
//! Evaluation: [`Observations`] gathers observed-data (STIX 2.1 `object_refs` into a bundle, or
//! STIX 2.0 embedded `objects`) from JSON; [`Matcher`] compiles a [`Pattern`] once and answers
//! [`Matcher::matches`] with the observed-data ids of one match, or `None`. Semantics and
//! limits are described in the `eval` module's documentation below ([`Matcher`]).
//!
//! Differences between [`StixVersion::V20`] and [`StixVersion::V21`]: only `EXISTS`.
//! `EXISTS type:path` (written before the path, optionally `NOT EXISTS`) is accepted only for
//! 2.1; in 2.0 `EXISTS` is an ordinary identifier (a property may be named `EXISTS`). Every
//! other rule is the same in both modes: keywords are upper case and the booleans lower case
//! (`and`, `within`, `TRUE` are errors); `NOT` may precede every comparison operator,
//! including `=`, `!=`, `<`, `<=`, `>`, `>=`; `WITHIN` takes a positive integer or float;
//! list indexes may be negative; property names containing `-` must be quoted
//! (`hashes.'SHA-256'`; `hashes.SHA-256` is an error); `START` / `STOP` take `t'…'`
//! timestamps only (a plain string is an error).
//!
//! Sources for the 2.0 rules: the STIX 2.0 Part 5 (Patterning, CS01, 19 July 2017)
//! examples quote hyphenated keys (`file:hashes.'SHA-256'`, `extensions.'windows-pebinary-ext'`,
//! as collected in `stix2patterns/test/v20/spec_examples.txt`); the rest of that
//! specification's prose was not available when this was written, so the other rules follow
//! the OASIS reference implementation every peer validates with, `stix2-patterns` 2.1.2:
//! its 2.0 grammar (`stix2patterns/v20/grammars`, the 2.1 `STIXPattern.g4` without
//! `EXISTS`) and its 2.0 tests (`test/v20/test_validator.py`: "keywords must be uppercase",
//! `WITHIN -5` rejected, qualifier values `IntPosLiteral` or `FloatPosLiteral`). Its
//! changelog records the two deliberate changes: 0.5.0 (2017-07-12) "Support NOT qualifier on
//! all comparison operators", 1.0.0 (2018-07-18) "#48 Make pattern qualifier and operator
//! keywords case-sensitive". The older grammar published with the 2.0 JSON schemas
//! (`cti-stix2-json-schemas`, `pattern_grammar/STIXPattern.g4`: case-insensitive keywords,
//! `START StringLiteral`, integer-only `WITHIN`, `NOT` only before set and string operators,
//! double-quoted and unquoted-hyphen identifiers) is superseded and not followed. The
//! differential test (`tests/differential.rs`) checks parse validity in both modes against
//! the `stix2-patterns` validator.
//!
//! Not supported: the old grammar's double-quoted identifiers (`"…"`), which the reference
//! rejects too; the reserved `LAST` keyword has no syntax (as in the grammar).
//! [`Display`](std::fmt::Display) prints syntax valid in both modes (2.1 syntax; `EXISTS` only
//! from a 2.1 pattern).
//!
//! Architecture invariant: no I/O, no knowledge of storage, HTTP or accounts; never panics on
//! input (property-tested), and nesting is bounded by [`MAX_NESTING`] so deep input returns an
//! error instead of overflowing the stack; so is the number of operators
//! ([`MAX_OPERATORS`]), which bounds the depth of left-nested operator chains.

mod ast;
mod eval;
mod lexer;
mod parser;
mod regexes;

pub use ast::{
    ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, PathStep, Pattern, PropTest,
    Qualifier,
};
pub use eval::{
    EvalError, MAX_BINDINGS, MAX_OBSERVATIONS, MAX_PATH_VALUES, MAX_SEARCH_STEPS, Match, Matcher,
    ObservationError, Observations, evaluate,
};

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 64 * 1024;
/// Deepest nesting of brackets and parentheses accepted.
pub const MAX_NESTING: usize = 100;
/// Most keywords (operators and qualifier words) in one pattern: bounds the depth of the AST,
/// so printing, comparing and dropping it cannot overflow the stack.
pub const MAX_OPERATORS: usize = 2000;
/// Longest `MATCHES` literal accepted, in bytes.
pub const MAX_REGEX_LEN: usize = 1024;
/// Most memory one compiled `MATCHES` or `LIKE` expression may take (the `regex` crate's
/// program and lazy-DFA cache limits), in bytes: bounds `a{1000}{1000}`-style blow-ups.
pub const MAX_REGEX_COMPILED_SIZE: usize = 1 << 20;

/// Which specification's patterning grammar to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StixVersion {
    V20,
    V21,
}

/// Why a pattern was refused, and where (1-based line and column, counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct PatternError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses `text` as a STIX pattern of the given version.
pub fn parse(text: &str, version: StixVersion) -> Result<Pattern, PatternError> {
    if text.len() > MAX_PATTERN_LEN {
        return Err(PatternError {
            line: 1,
            column: 1,
            message: format!(
                "pattern is {} bytes long; at most {MAX_PATTERN_LEN} are accepted",
                text.len()
            ),
        });
    }
    let tokens = lexer::tokenize(text, &version)?;
    parser::Parser::new(tokens, version).pattern()
}
