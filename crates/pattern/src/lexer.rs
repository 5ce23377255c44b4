//! Tokens of the patterning language (the lexer rules of `STIXPattern.g4`).

use crate::{PatternError, StixVersion};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Identifier or keyword: `[a-zA-Z_][a-zA-Z0-9_-]*`.
    Word(String),
    /// `'…'`, unescaped.
    Str(String),
    /// `t'…'`, the text between the quotes.
    Ts(String),
    /// `b'…'`, the base64 text.
    Bin(String),
    /// `h'…'`, the hex digits.
    Hex(String),
    /// Integer literal text, with its sign.
    Int(String),
    /// Float literal text, with its sign.
    Float(String),
    Eof,
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::LBrack => "`[`".into(),
            Tok::RBrack => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Star => "`*`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Word(w) => format!("`{}`", clip(w)),
            Tok::Str(_) => "a string literal".into(),
            Tok::Ts(_) => "a timestamp literal".into(),
            Tok::Bin(_) => "a binary literal".into(),
            Tok::Hex(_) => "a hex literal".into(),
            Tok::Int(t) => format!("the integer {}", clip(t)),
            Tok::Float(t) => format!("the number {}", clip(t)),
            Tok::Eof => "end of pattern".into(),
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut c: String = s.chars().take(40).collect();
        c.push('…');
        c
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub column: usize,
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    column: usize,
    _v: &'a StixVersion,
}

impl Lexer<'_> {
    fn peek(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }
    fn err(&self, line: usize, column: usize, message: impl Into<String>) -> PatternError {
        PatternError {
            line,
            column,
            message: message.into(),
        }
    }

    /// Reads `'…'` (the opening quote is next); returns the unescaped contents.
    fn quoted(&mut self, line: usize, column: usize) -> Result<String, PatternError> {
        self.bump();
        let mut out = String::new();
        loop {
            let (l, c) = (self.line, self.column);
            match self.bump() {
                None => {
                    return Err(self.err(
                        line,
                        column,
                        "unterminated string literal: the closing `'` is missing",
                    ));
                }
                Some('\'') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('\'') => out.push('\''),
                    Some('\\') => out.push('\\'),
                    _ => {
                        return Err(self.err(
                            l,
                            c,
                            "invalid escape in string literal: only `\\'` and `\\\\` are allowed",
                        ));
                    }
                },
                Some(ch) => out.push(ch),
            }
        }
    }

    fn number(&mut self) -> Tok {
        let mut text = String::new();
        if let Some(s @ ('+' | '-')) = self.peek(0) {
            self.bump();
            if s == '-' {
                text.push('-');
            }
        }
        let mut float = false;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_digit() {
                text.push(c);
                self.bump();
            } else if c == '.' && !float && self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                float = true;
                text.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if float {
            Tok::Float(text)
        } else {
            Tok::Int(text)
        }
    }

    fn next(&mut self) -> Result<Token, PatternError> {
        // Skip whitespace and comments.
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('*')) => {
                    let (l, c) = (self.line, self.column);
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (None, _) => {
                                return Err(self.err(l, c, "unterminated `/*` comment"));
                            }
                            _ => {
                                self.bump();
                            }
                        }
                    }
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n' && c != '\r') {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
        let (line, column) = (self.line, self.column);
        let simple = |t: Tok| Token {
            tok: t,
            line,
            column,
        };
        let Some(c) = self.peek(0) else {
            return Ok(simple(Tok::Eof));
        };
        let tok = match c {
            '[' => {
                self.bump();
                Tok::LBrack
            }
            ']' => {
                self.bump();
                Tok::RBrack
            }
            '(' => {
                self.bump();
                Tok::LParen
            }
            ')' => {
                self.bump();
                Tok::RParen
            }
            ':' => {
                self.bump();
                Tok::Colon
            }
            ',' => {
                self.bump();
                Tok::Comma
            }
            '*' => {
                self.bump();
                Tok::Star
            }
            '=' => {
                self.bump();
                if self.peek(0) == Some('=') {
                    self.bump();
                }
                Tok::Eq
            }
            '!' if self.peek(1) == Some('=') => {
                self.bump();
                self.bump();
                Tok::Ne
            }
            '<' => {
                self.bump();
                match self.peek(0) {
                    Some('=') => {
                        self.bump();
                        Tok::Le
                    }
                    Some('>') => {
                        self.bump();
                        Tok::Ne
                    }
                    _ => Tok::Lt,
                }
            }
            '>' => {
                self.bump();
                if self.peek(0) == Some('=') {
                    self.bump();
                    Tok::Ge
                } else {
                    Tok::Gt
                }
            }
            '\'' => Tok::Str(self.quoted(line, column)?),
            't' | 'b' | 'h' if self.peek(1) == Some('\'') => {
                self.bump();
                let body = self.quoted(line, column)?;
                match c {
                    't' => Tok::Ts(body),
                    'b' => Tok::Bin(body),
                    _ => Tok::Hex(body),
                }
            }
            '.' if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
            '.' => {
                self.bump();
                Tok::Dot
            }
            '+' | '-' if self.peek(1).is_some_and(|d| d.is_ascii_digit() || d == '.') => {
                self.number()
            }
            d if d.is_ascii_digit() => self.number(),
            a if a.is_ascii_alphabetic() || a == '_' => {
                let mut w = String::new();
                while let Some(ch) = self.peek(0) {
                    if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' {
                        w.push(ch);
                        self.bump();
                    } else {
                        break;
                    }
                }
                Tok::Word(w)
            }
            other => {
                return Err(self.err(line, column, format!("unexpected character {other:?}")));
            }
        };
        Ok(Token { tok, line, column })
    }
}

pub(crate) fn tokenize(text: &str, version: &StixVersion) -> Result<Vec<Token>, PatternError> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        column: 1,
        _v: version,
    };
    let mut out = Vec::new();
    loop {
        let t = lx.next()?;
        let eof = t.tok == Tok::Eof;
        out.push(t);
        if eof {
            return Ok(out);
        }
    }
}
