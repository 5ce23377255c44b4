//! Recursive-descent parser over the token list.

use crate::ast::*;
use crate::lexer::{Tok, Token};
use crate::{MAX_NESTING, MAX_OPERATORS, MAX_REGEX_LEN, PatternError, StixVersion};

pub(crate) struct Parser {
    toks: Vec<Token>,
    pos: usize,
    v: StixVersion,
    ops: usize,
}

type R<T> = Result<T, PatternError>;

impl Parser {
    pub(crate) fn new(toks: Vec<Token>, v: StixVersion) -> Self {
        Parser {
            toks,
            pos: 0,
            v,
            ops: 0,
        }
    }

    fn peek(&self) -> &Token {
        // The list always ends with Eof and we never move past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek2(&self) -> &Tok {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)].tok
    }
    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }
    fn err_at(t: &Token, message: impl Into<String>) -> PatternError {
        PatternError {
            line: t.line,
            column: t.column,
            message: message.into(),
        }
    }
    fn expected(&self, what: &str) -> PatternError {
        let t = self.peek();
        Self::err_at(t, format!("expected {what}, found {}", t.tok.describe()))
    }
    fn is_kw(&self, t: &Tok, kw: &str) -> bool {
        match t {
            Tok::Word(w) => w == kw,
            _ => false,
        }
    }
    fn at_kw(&self, kw: &str) -> bool {
        self.is_kw(&self.peek().tok, kw)
    }
    /// Consumes the keyword `kw` if it is next. Keywords are what [`MAX_OPERATORS`] counts;
    /// the one past the limit is an error at its own position, so no deeper AST is built.
    fn eat_kw(&mut self, kw: &str) -> R<bool> {
        if !self.at_kw(kw) {
            return Ok(false);
        }
        self.ops += 1;
        if self.ops > MAX_OPERATORS {
            return Err(Self::err_at(
                self.peek(),
                format!("pattern has more than {MAX_OPERATORS} operators and qualifiers"),
            ));
        }
        self.bump();
        Ok(true)
    }
    fn nest(&self, depth: usize) -> R<usize> {
        if depth >= MAX_NESTING {
            Err(Self::err_at(
                self.peek(),
                format!("brackets and parentheses nested more than {MAX_NESTING} deep"),
            ))
        } else {
            Ok(depth + 1)
        }
    }

    pub(crate) fn pattern(mut self) -> R<Pattern> {
        let expr = self.obs_followed(0)?;
        if self.peek().tok != Tok::Eof {
            return Err(self.expected("`AND`, `OR`, `FOLLOWEDBY` or a qualifier"));
        }
        Ok(Pattern { expr })
    }

    fn obs_followed(&mut self, d: usize) -> R<ObservationExpr> {
        let mut l = self.obs_or(d)?;
        while self.eat_kw("FOLLOWEDBY")? {
            let r = self.obs_or(d)?;
            l = ObservationExpr::FollowedBy(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn obs_or(&mut self, d: usize) -> R<ObservationExpr> {
        let mut l = self.obs_and(d)?;
        while self.eat_kw("OR")? {
            let r = self.obs_and(d)?;
            l = ObservationExpr::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn obs_and(&mut self, d: usize) -> R<ObservationExpr> {
        let mut l = self.obs_qualified(d)?;
        while self.eat_kw("AND")? {
            let r = self.obs_qualified(d)?;
            l = ObservationExpr::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn obs_qualified(&mut self, d: usize) -> R<ObservationExpr> {
        let mut e = self.obs_primary(d)?;
        loop {
            let q = if self.eat_kw("WITHIN")? {
                let n = self.within_count()?;
                if !self.eat_kw("SECONDS")? {
                    return Err(self.expected("`SECONDS` after the `WITHIN` count"));
                }
                Qualifier::Within(n)
            } else if self.eat_kw("REPEATS")? {
                let t = self.bump();
                let n = match &t.tok {
                    Tok::Int(s) => positive_int(&t, s)?,
                    _ => {
                        return Err(Self::err_at(
                            &t,
                            format!(
                                "expected a positive integer after `REPEATS`, found {}",
                                t.tok.describe()
                            ),
                        ));
                    }
                };
                if !self.eat_kw("TIMES")? {
                    return Err(self.expected("`TIMES` after the `REPEATS` count"));
                }
                Qualifier::Repeats(n)
            } else if self.eat_kw("START")? {
                let start_tok = self.peek().clone();
                let start = self.qualifier_ts("START")?;
                if !self.eat_kw("STOP")? {
                    return Err(self.expected("`STOP` after the `START` timestamp"));
                }
                let stop_tok = self.peek().clone();
                let stop = self.qualifier_ts("STOP")?;
                if ts_cmp(&start, &stop) != std::cmp::Ordering::Less {
                    let _ = start_tok;
                    return Err(Self::err_at(
                        &stop_tok,
                        format!("the STOP time {stop} must be later than the START time {start}"),
                    ));
                }
                Qualifier::StartStop { start, stop }
            } else {
                return Ok(e);
            };
            e = ObservationExpr::Qualified(Box::new(e), q);
        }
    }
    fn within_count(&mut self) -> R<f64> {
        let t = self.bump();
        match &t.tok {
            Tok::Int(s) => Ok(positive_int(&t, s)? as f64),
            Tok::Float(s) => {
                let x = parse_float(&t, s)?;
                if x > 0.0 {
                    Ok(x)
                } else {
                    Err(Self::err_at(&t, "the `WITHIN` count must be positive"))
                }
            }
            other => Err(Self::err_at(
                &t,
                format!(
                    "expected a positive number after `WITHIN`, found {}",
                    other.describe()
                ),
            )),
        }
    }
    fn qualifier_ts(&mut self, kw: &str) -> R<String> {
        let t = self.bump();
        match &t.tok {
            Tok::Ts(s) => check_ts(&t, s).map(|_| s.clone()),
            other => Err(Self::err_at(
                &t,
                format!(
                    "expected a timestamp t'…' after `{kw}`, found {}",
                    other.describe()
                ),
            )),
        }
    }
    fn obs_primary(&mut self, d: usize) -> R<ObservationExpr> {
        let open = self.peek().clone();
        match open.tok {
            Tok::LBrack => {
                let d = self.nest(d)?;
                self.bump();
                let c = self.cmp_or(d)?;
                if self.peek().tok != Tok::RBrack {
                    return Err(self.expected(&format!(
                        "`]` to close the observation expression opened at {}",
                        place(&open)
                    )));
                }
                self.bump();
                Ok(ObservationExpr::Comparison(c))
            }
            Tok::LParen => {
                let d = self.nest(d)?;
                self.bump();
                let e = self.obs_followed(d)?;
                if self.peek().tok != Tok::RParen {
                    return Err(self.expected(&format!(
                        "`)` to close the parenthesis opened at {}",
                        place(&open)
                    )));
                }
                self.bump();
                Ok(e)
            }
            _ => Err(self.expected("`[` or `(` to begin an observation expression")),
        }
    }

    fn cmp_or(&mut self, d: usize) -> R<ComparisonExpr> {
        let mut l = self.cmp_and(d)?;
        while self.eat_kw("OR")? {
            let r = self.cmp_and(d)?;
            l = ComparisonExpr::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn cmp_and(&mut self, d: usize) -> R<ComparisonExpr> {
        let mut l = self.prop_test(d)?;
        while self.eat_kw("AND")? {
            let r = self.prop_test(d)?;
            l = ComparisonExpr::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn prop_test(&mut self, d: usize) -> R<ComparisonExpr> {
        let open = self.peek().clone();
        if open.tok == Tok::LParen {
            let d = self.nest(d)?;
            self.bump();
            let c = self.cmp_or(d)?;
            if self.peek().tok != Tok::RParen {
                return Err(self.expected(&format!(
                    "`)` to close the parenthesis opened at {}",
                    place(&open)
                )));
            }
            self.bump();
            return Ok(c);
        }
        // `EXISTS path` / `NOT EXISTS path` (2.1).
        if self.v == StixVersion::V21 && *self.peek2() != Tok::Colon {
            let neg = self.at_kw("NOT") && self.is_kw(self.peek2(), "EXISTS");
            if neg || self.at_kw("EXISTS") {
                if neg {
                    self.bump();
                }
                self.bump();
                let path = self.object_path()?;
                return Ok(ComparisonExpr::Test(PropTest {
                    path,
                    negated: neg,
                    op: Operator::Exists,
                }));
            }
        }
        let path = self.object_path()?;
        let negated = self.eat_kw("NOT")?;
        let t = self.bump();
        let op = match &t.tok {
            Tok::Eq | Tok::Ne => {
                let l = self.literal(true)?;
                if t.tok == Tok::Eq {
                    Operator::Eq(l)
                } else {
                    Operator::Ne(l)
                }
            }
            Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => {
                let l = self.literal(false)?;
                match t.tok {
                    Tok::Lt => Operator::Lt(l),
                    Tok::Le => Operator::Le(l),
                    Tok::Gt => Operator::Gt(l),
                    _ => Operator::Ge(l),
                }
            }
            w if self.is_kw(w, "IN") => {
                let open = self.peek().clone();
                if open.tok != Tok::LParen {
                    return Err(self.expected("`(` to begin the set after `IN`"));
                }
                self.bump();
                let mut items = Vec::new();
                if self.peek().tok == Tok::RParen {
                    self.bump();
                } else {
                    loop {
                        items.push(self.literal(true)?);
                        match self.peek().tok {
                            Tok::Comma => {
                                self.bump();
                            }
                            Tok::RParen => {
                                self.bump();
                                break;
                            }
                            _ => {
                                return Err(self.expected(&format!(
                                    "`,` or `)` to close the set opened at {}",
                                    place(&open)
                                )));
                            }
                        }
                    }
                }
                Operator::In(items)
            }
            w if ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"]
                .iter()
                .any(|k| self.is_kw(w, k)) =>
            {
                let kw = ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"]
                    .into_iter()
                    .find(|k| self.is_kw(w, k))
                    .unwrap_or("LIKE");
                let s_tok = self.bump();
                let Tok::Str(s) = s_tok.tok.clone() else {
                    return Err(Self::err_at(
                        &s_tok,
                        format!(
                            "expected a string literal after `{kw}`, found {}",
                            s_tok.tok.describe()
                        ),
                    ));
                };
                match kw {
                    "LIKE" => {
                        crate::regexes::compile_like(&s).map_err(|m| Self::err_at(&s_tok, m))?;
                        Operator::Like(s)
                    }
                    "MATCHES" => {
                        if s.len() > MAX_REGEX_LEN {
                            return Err(Self::err_at(
                                &s_tok,
                                format!(
                                    "regular expression is {} bytes long; at most {MAX_REGEX_LEN} are accepted",
                                    s.len()
                                ),
                            ));
                        }
                        crate::regexes::compile_matches(&s).map_err(|m| Self::err_at(&s_tok, m))?;
                        Operator::Matches(s)
                    }
                    "ISSUBSET" => Operator::IsSubset(s),
                    _ => Operator::IsSuperset(s),
                }
            }
            other => {
                return Err(Self::err_at(
                    &t,
                    format!(
                        "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after the object path, found {}",
                        other.describe()
                    ),
                ));
            }
        };
        Ok(ComparisonExpr::Test(PropTest { path, negated, op }))
    }

    fn key(&mut self, what: &str) -> R<String> {
        let t = self.bump();
        match &t.tok {
            Tok::Str(s) => Ok(s.clone()),
            // Keywords are upper case in both grammars; 2.0 has no `EXISTS`.
            Tok::Word(w)
                if is_keyword(w)
                    && w.chars().all(|c| c.is_ascii_uppercase())
                    && (self.v == StixVersion::V21 || w != "EXISTS") =>
            {
                Err(Self::err_at(
                    &t,
                    format!("`{w}` is a keyword; quote it ('{w}') to use it as a property name"),
                ))
            }
            Tok::Word(w) if w.contains('-') => Err(Self::err_at(
                &t,
                format!("property name `{w}` contains a hyphen; it must be quoted: '{w}'"),
            )),
            Tok::Word(w) => Ok(w.clone()),
            other => Err(Self::err_at(
                &t,
                format!("expected {what}, found {}", other.describe()),
            )),
        }
    }

    fn object_path(&mut self) -> R<ObjectPath> {
        let t = self.bump();
        let object_type = match &t.tok {
            Tok::Word(w) => {
                if let Some(problem) = type_name_problem(w) {
                    return Err(Self::err_at(
                        &t,
                        format!("`{w}` is not a valid object type name: {problem}"),
                    ));
                }
                w.clone()
            }
            other => {
                return Err(Self::err_at(
                    &t,
                    format!(
                        "expected an object path such as `file:name`, found {}",
                        other.describe()
                    ),
                ));
            }
        };
        if self.peek().tok != Tok::Colon {
            return Err(self.expected(&format!("`:` after the object type `{object_type}`")));
        }
        self.bump();
        let property = self.key("a property name after `:`")?;
        let mut steps = Vec::new();
        loop {
            match self.peek().tok {
                Tok::Dot => {
                    self.bump();
                    steps.push(PathStep::Key(self.key("a property name after `.`")?));
                }
                Tok::LBrack => {
                    let open = self.bump();
                    let t = self.bump();
                    let step = match &t.tok {
                        Tok::Star => PathStep::AnyIndex,
                        Tok::Int(s) => PathStep::Index(parse_int(&t, s)?),
                        other => {
                            return Err(Self::err_at(
                                &t,
                                format!(
                                    "expected a list index (an integer or `*`), found {}",
                                    other.describe()
                                ),
                            ));
                        }
                    };
                    if self.peek().tok != Tok::RBrack {
                        return Err(self.expected(&format!(
                            "`]` to close the list index opened at {}",
                            place(&open)
                        )));
                    }
                    self.bump();
                    steps.push(step);
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type,
            property,
            steps,
        })
    }

    fn literal(&mut self, allow_bool: bool) -> R<Literal> {
        let t = self.bump();
        Ok(match &t.tok {
            Tok::Int(s) => Literal::Int(parse_int(&t, s)?),
            Tok::Float(s) => Literal::Float(parse_float(&t, s)?),
            Tok::Str(s) => Literal::String(s.clone()),
            Tok::Ts(s) => {
                check_ts(&t, s)?;
                Literal::Timestamp(s.clone())
            }
            Tok::Bin(s) => {
                if !is_base64(s) {
                    return Err(Self::err_at(&t, "binary literal b'…' is not padded base64"));
                }
                Literal::Binary(s.clone())
            }
            Tok::Hex(s) => {
                if !s.len().is_multiple_of(2) || !s.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Self::err_at(
                        &t,
                        "hex literal h'…' must hold an even number of hex digits",
                    ));
                }
                Literal::Hex(s.clone())
            }
            w if self.is_kw(w, "true") || self.is_kw(w, "false") => {
                if !allow_bool {
                    return Err(Self::err_at(
                        &t,
                        "booleans cannot be ordered; use `=` or `!=`",
                    ));
                }
                Literal::Bool(self.is_kw(w, "true"))
            }
            other => {
                return Err(Self::err_at(
                    &t,
                    format!("expected a constant, found {}", other.describe()),
                ));
            }
        })
    }
}

fn place(t: &Token) -> String {
    if t.line == 1 {
        format!("column {}", t.column)
    } else {
        format!("line {}, column {}", t.line, t.column)
    }
}

fn int_form_ok(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !(d.len() > 1 && d.starts_with('0'))
}

fn parse_int(t: &Token, s: &str) -> R<i64> {
    if !int_form_ok(s) {
        return Err(Parser::err_at(t, format!("integer {s} has a leading zero")));
    }
    s.parse::<i64>().map_err(|_| {
        Parser::err_at(
            t,
            format!("integer {s} does not fit in a signed 64-bit integer"),
        )
    })
}

fn positive_int(t: &Token, s: &str) -> R<u64> {
    if !int_form_ok(s) {
        return Err(Parser::err_at(t, format!("integer {s} has a leading zero")));
    }
    match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Parser::err_at(
            t,
            format!("expected a positive integer, found {s}"),
        )),
    }
}

fn parse_float(t: &Token, s: &str) -> R<f64> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(Parser::err_at(t, format!("number {s} is out of range"))),
    }
}

fn type_name_problem(w: &str) -> Option<&'static str> {
    if !w
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some("only a-z, 0-9 and `-` are allowed")
    } else if w.len() < 3 || w.len() > 250 {
        Some("it must be 3 to 250 characters long")
    } else if w.contains("--") {
        Some("two hyphens in a row are not allowed")
    } else {
        None
    }
}

fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

fn check_ts(t: &Token, s: &str) -> R<()> {
    if timestamp_shape_ok(s) {
        Ok(())
    } else {
        Err(Parser::err_at(
            t,
            format!(
                "`{s}` is not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.s+]Z on a day of the calendar"
            ),
        ))
    }
}

/// Whether `s` has the form of the grammar's timestamps (`YYYY-MM-DDTHH:MM:SS[.s+]Z`, upper
/// case `T` and `Z`, fields in range) and names a day of the calendar (`2026-02-30` does not;
/// the grammar alone accepts it, and the reference matcher then fails on it when matching).
/// Second 60 (a leap second) passes, as RFC 3339 allows.
pub(crate) fn timestamp_shape_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| {
        b.get(r)
            .map(|x| x.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
            .unwrap_or(0)
    };
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&num(5..7))
        && (1..=days_in_month(num(0..4), num(5..7))).contains(&num(8..10))
        && num(11..13) <= 23
        && num(14..16) <= 59
        && num(17..19) <= 60
        && match &b[19..] {
            [b'Z'] => true,
            [b'.', rest @ .., b'Z'] => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
            _ => false,
        }
}

/// Days in `month` (1–12) of `year` (proleptic Gregorian); 0 for any other month.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Orders two timestamps already checked by `check_ts`.
fn ts_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let frac = |s: &str| -> String {
        s.get(20..s.len() - 1)
            .unwrap_or("")
            .trim_end_matches('0')
            .to_string()
    };
    a[..19].cmp(&b[..19]).then_with(|| {
        let (fa, fb) = (frac(a), frac(b));
        let n = fa.len().max(fb.len());
        format!("{fa:0<n$}").cmp(&format!("{fb:0<n$}"))
    })
}
