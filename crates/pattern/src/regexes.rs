//! Regular expressions for `MATCHES` and `LIKE`, on the `regex` crate: matching time is linear
//! in the input, so no pattern can make evaluation hang (no catastrophic backtracking).

use crate::MAX_REGEX_COMPILED_SIZE;

/// A `MATCHES` operand compiled twice: once for string properties (Unicode), once for binary
/// properties, where each character of the expression below U+0100 stands for the byte of the
/// same value (as the OASIS reference matcher does). `bytes` is `None` when the expression has
/// characters above U+00FF, or when it does not compile as a byte-oriented expression; binary
/// values then never match.
#[derive(Debug, Clone)]
pub(crate) struct MatchesRegex {
    pub text: regex::Regex,
    pub bytes: Option<regex::bytes::Regex>,
}

fn builder_limits(b: &mut regex::RegexBuilder) -> &mut regex::RegexBuilder {
    b.size_limit(MAX_REGEX_COMPILED_SIZE)
        .dfa_size_limit(MAX_REGEX_COMPILED_SIZE)
}

/// Compiles a `MATCHES` operand. The error says in words what is wrong, and names
/// PCRE-only constructs (look-around, backreferences) that a linear-time engine cannot offer.
pub(crate) fn compile_matches(source: &str) -> Result<MatchesRegex, String> {
    let text = builder_limits(&mut regex::RegexBuilder::new(source))
        .build()
        .map_err(|e| describe(source, &e))?;
    let bytes = if source.chars().all(|c| (c as u32) < 0x100) {
        let mut src = String::from("(?-u)");
        for c in source.chars() {
            if (c as u32) >= 0x80 {
                src.push_str(&format!("\\x{:02X}", c as u32));
            } else {
                src.push(c);
            }
        }
        let mut b = regex::bytes::RegexBuilder::new(&src);
        b.size_limit(MAX_REGEX_COMPILED_SIZE)
            .dfa_size_limit(MAX_REGEX_COMPILED_SIZE);
        b.build().ok()
    } else {
        None
    };
    Ok(MatchesRegex { text, bytes })
}

/// Compiles a `LIKE` operand: `%` is any run of characters (newlines included), `_` one
/// character, everything else literal; the whole value must match.
pub(crate) fn compile_like(source: &str) -> Result<regex::Regex, String> {
    let mut re = String::from(r"(?s)\A");
    let mut buf = [0u8; 4];
    for c in source.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut buf))),
        }
    }
    re.push_str(r"\z");
    builder_limits(&mut regex::RegexBuilder::new(&re))
        .build()
        .map_err(|e| describe(source, &e))
}

fn describe(source: &str, e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(limit) => format!(
            "regular expression compiles to more than {limit} bytes (MAX_REGEX_COMPILED_SIZE); simplify it"
        ),
        regex::Error::Syntax(detail) => {
            let lower = detail.to_ascii_lowercase();
            let pcre = if lower.contains("look-around") || lower.contains("look-behind") {
                Some("look-around ((?=…), (?!…), (?<=…), (?<!…))")
            } else if lower.contains("backreference") {
                Some("backreferences (\\1, …)")
            } else {
                None
            };
            // The engine's own message spans several lines with a caret under the fault.
            let reason = detail
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map(|l| l.trim_start_matches("error:").trim().to_string())
                .unwrap_or_else(|| detail.lines().last().unwrap_or("").trim().to_string());
            match pcre {
                Some(what) => format!(
                    "regular expression {source:?} uses PCRE-only syntax: {what} cannot be matched in linear time and is not supported"
                ),
                None => format!("invalid regular expression {source:?}: {reason}"),
            }
        }
        other => format!("invalid regular expression {source:?}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_translation() {
        let re = compile_like("foo%.e_e").unwrap();
        assert!(re.is_match("foobar.exe"));
        assert!(re.is_match("foo\nbar.exe"));
        assert!(!re.is_match("foo.exe!"));
        assert!(
            compile_like("100%_(x)[y]*")
                .unwrap()
                .is_match("100 %(x)[y]*")
        );
    }

    #[test]
    fn pcre_only_syntax_is_named() {
        for src in ["a(?=b)", "(?<!x)y", r"(a)\1"] {
            let e = compile_matches(src).unwrap_err();
            assert!(e.contains("PCRE-only"), "{src}: {e}");
        }
        let e = compile_matches("a(b").unwrap_err();
        assert!(e.starts_with("invalid regular expression"), "{e}");
    }

    #[test]
    fn binary_form_maps_latin1_characters_to_bytes() {
        let r = compile_matches("\\xd4\\xc3é").unwrap();
        assert!(r.bytes.unwrap().is_match(&[0xd4, 0xc3, 0xe9]));
        assert!(compile_matches("ملف").unwrap().bytes.is_none());
    }
}
