//! Observables from input lines, for `tanseeq match`.
//!
//! A line is read as the first of these forms that fits:
//! 1. **JSON SCO**: `{"type": "ipv4-addr", "value": "1.2.3.4"}`: its `value`, its `hashes`
//!    (algorithm names normalized) and its type's primary property (`file` → `name`).
//! 2. **`type:value`**: `ipv4-addr:1.2.3.4`, `domain-name:evil.example`,
//!    `file:hashes.'SHA-256':ab…`, `sha256:ab…`, and the short names `ip:`, `domain:`,
//!    `email:`, `hash:`. The value has no whitespace; defanged values are refanged.
//! 3. **A raw log line**: after refanging (`hxxp://` → `http://`, `[.]`, `(.)`, `{.}`, `[dot]`
//!    → `.`, `[@]`, `[at]` → `@`, `[:]` → `:`), URLs (with their host as an address or
//!    domain), e-mail addresses, IPv4 and IPv6 addresses, MD5 / SHA-1 / SHA-256 / SHA-512
//!    hashes (by length, or by a label such as `SHA256=` just before; `IMPHASH=` and other
//!    non-file hashes are skipped) and domain names (whose last label is not a common file
//!    extension such as `.exe` or `.log`).
//!
//! Normalized as extracted: domain names in lower case (DNS names are case-insensitive,
//! indicators carry them in lower case), hex hashes in lower case. URLs, e-mail addresses and
//! addresses are kept as written. Observables come once each, in order of appearance.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::observable::{Observable, normalize_hash_algorithm};

/// Longest line accepted, in bytes.
pub const MAX_LINE_LEN: usize = 64 * 1024;
/// Most observables taken from one line; the rest of the line is ignored.
pub const MAX_OBSERVABLES_PER_LINE: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("line is {0} bytes long; at most {MAX_LINE_LEN} are read")]
    LineTooLong(usize),
}

/// Types accepted before the colon of a `type:value` line, with the STIX type they stand for.
const PLAIN_TYPES: &[(&str, &str)] = &[
    ("ipv4-addr", "ipv4-addr"),
    ("ipv6-addr", "ipv6-addr"),
    ("domain-name", "domain-name"),
    ("domain", "domain-name"),
    ("url", "url"),
    ("email-addr", "email-addr"),
    ("email", "email-addr"),
    ("mac-addr", "mac-addr"),
    ("file", "file"),
    ("directory", "directory"),
    ("mutex", "mutex"),
    ("windows-registry-key", "windows-registry-key"),
    ("artifact", "artifact"),
    ("x509-certificate", "x509-certificate"),
];

/// How far before a hex run a label such as `SHA256=` is looked for, in bytes.
const HASH_LABEL_LOOKBACK: usize = 40;

/// Labels before a hex run that name a hash of something other than the file's content.
const NON_FILE_HASH_LABELS: &[&str] = &["imphash", "pehash", "authentihash", "ja3", "ja3s"];

/// Last labels of dotted words that are file names, not domains (`cmd.exe`, `syslog.conf`).
const FILE_EXTENSIONS: &[&str] = &[
    "exe",
    "dll",
    "sys",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "hta",
    "msi",
    "lnk",
    "scr",
    "cpl",
    "ocx",
    "drv",
    "json",
    "xml",
    "html",
    "htm",
    "php",
    "asp",
    "aspx",
    "jsp",
    "cgi",
    "txt",
    "log",
    "conf",
    "cfg",
    "ini",
    "yml",
    "yaml",
    "toml",
    "py",
    "pyc",
    "rb",
    "pl",
    "sh",
    "so",
    "dat",
    "tmp",
    "bak",
    "old",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "rar",
    "7z",
    "tar",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "bmp",
    "ico",
    "svg",
    "pdf",
    "doc",
    "docx",
    "docm",
    "xls",
    "xlsx",
    "xlsm",
    "ppt",
    "pptx",
    "csv",
    "rtf",
    "jar",
    "class",
    "java",
    "cpp",
    "hpp",
    "db",
    "sqlite",
    "pem",
    "crt",
    "cer",
    "key",
    "pfx",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "tsv",
    "pid",
    "lock",
    "sock",
    "swp",
    "service",
    "socket",
    "timer",
    "mount",
    "target",
    "local",
    "localdomain",
    "lan",
    "internal",
    "arpa",
    "invalid",
];

static REFANG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?P<http>\bh(?:xx|\*\*)p(?P<s>s?)\b)|(?P<fxp>\bfxp\b)|\s?(?:\[|\(|\{)(?:\.|dot)(?:\]|\)|\})\s?|(?P<at>\s?(?:\[|\()(?:@|at)(?:\]|\))\s?)|(?P<colon>\[:\])|(?P<slashes>\[://\])|(?P<slash>\[/\])",
    )
    .expect("a fixed expression")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:https?|ftp|sftp|wss?)://[^\s"'<>`\\|^{}]+"#).expect("a fixed expression")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+\-]+@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\b")
        .expect("a fixed expression")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").expect("a fixed expression")
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*").expect("a fixed expression")
});
static HEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9A-Fa-f]{32,128}\b").expect("a fixed expression"));
static HASH_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([A-Za-z0-9_\-]+)\s*[=:]\s*$").expect("a fixed expression"));
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})\b",
    )
    .expect("a fixed expression")
});

/// The observables of one input line (see the module documentation).
pub fn observables(line: &str) -> Result<Vec<Observable>, ExtractError> {
    if line.len() > MAX_LINE_LEN {
        return Err(ExtractError::LineTooLong(line.len()));
    }
    let line = line.trim();
    let mut out = Collected::default();
    if line.starts_with('{')
        && let Ok(Value::Object(m)) = serde_json::from_str::<Value>(line)
        && let Some(t) = m.get("type").and_then(Value::as_str)
    {
        sco(t, &m, &mut out);
        if !out.items.is_empty() {
            return Ok(out.items);
        }
    }
    if let Some(o) = plain(line) {
        return Ok(vec![o]);
    }
    raw(line, &mut out);
    Ok(out.items)
}

#[derive(Default)]
struct Collected {
    items: Vec<Observable>,
}

impl Collected {
    fn push(&mut self, o: Observable) {
        if self.items.len() < MAX_OBSERVABLES_PER_LINE && !self.items.contains(&o) {
            self.items.push(o);
        }
    }
}

fn sco(object_type: &str, m: &serde_json::Map<String, Value>, out: &mut Collected) {
    if let Some(Value::String(v)) = m.get("value") {
        out.push(Observable {
            object_type: object_type.to_string(),
            property: vec!["value".into()],
            value: v.clone(),
        });
    }
    if let Some(Value::Object(hashes)) = m.get("hashes") {
        for (alg, v) in hashes {
            if let Value::String(v) = v {
                out.push(Observable::hash(object_type, alg, v.clone()));
            }
        }
    }
    let primary = Observable::new(object_type, "");
    if primary.property != ["value"]
        && let Some(Value::String(v)) = m.get(&primary.property[0])
    {
        out.push(Observable {
            value: v.clone(),
            ..primary
        });
    }
}

/// `type:value`, `file:hashes.ALG:value`, `ALG:value`, `ip:`, `hash:`.
fn plain(line: &str) -> Option<Observable> {
    let (head, rest) = line.split_once(':')?;
    let head_lower = head.to_ascii_lowercase();
    let rest = rest.trim_start();
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    if let Some(alg) = normalize_hash_algorithm(&head_lower) {
        return Some(Observable::file_hash(alg, rest.to_ascii_lowercase()));
    }
    let value = refang(rest);
    match head_lower.as_str() {
        "ip" => {
            return if Ipv4Addr::from_str(&value).is_ok() {
                Some(Observable::new("ipv4-addr", value))
            } else if Ipv6Addr::from_str(&value).is_ok() {
                Some(Observable::new("ipv6-addr", value))
            } else {
                None
            };
        }
        "hash" => {
            let alg = hash_algorithm_by_length(value.len())?;
            return value
                .bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| Observable::file_hash(alg, value.to_ascii_lowercase()));
        }
        _ => {}
    }
    let (_, object_type) = PLAIN_TYPES.iter().find(|(k, _)| *k == head_lower)?;
    if let Some(after) = value.strip_prefix("hashes.") {
        let (alg, v) = if let Some(quoted) = after.strip_prefix('\'') {
            let (alg, tail) = quoted.split_once('\'')?;
            (alg, tail.strip_prefix(':')?)
        } else {
            after.split_once(':')?
        };
        if v.is_empty() {
            return None;
        }
        return Some(Observable::hash(object_type, alg, v.to_string()));
    }
    let value = if *object_type == "domain-name" {
        value.to_ascii_lowercase()
    } else {
        value
    };
    Some(Observable::new(*object_type, value))
}

fn hash_algorithm_by_length(len: usize) -> Option<&'static str> {
    match len {
        32 => Some("MD5"),
        40 => Some("SHA-1"),
        64 => Some("SHA-256"),
        128 => Some("SHA-512"),
        _ => None,
    }
}

/// Undoes the usual defanging of indicators in reports and tickets.
pub fn refang(text: &str) -> String {
    REFANG
        .replace_all(text, |c: &regex::Captures<'_>| {
            if c.name("http").is_some() {
                format!("http{}", c.name("s").map_or("", |m| m.as_str()))
            } else if c.name("fxp").is_some() {
                "ftp".to_string()
            } else if c.name("at").is_some() {
                "@".to_string()
            } else if c.name("colon").is_some() {
                ":".to_string()
            } else if c.name("slashes").is_some() {
                "://".to_string()
            } else if c.name("slash").is_some() {
                "/".to_string()
            } else {
                ".".to_string()
            }
        })
        .into_owned()
}

/// Byte ranges already taken by URLs and e-mail addresses.
#[derive(Default)]
struct Taken(Vec<(usize, usize)>);

impl Taken {
    fn overlaps(&self, start: usize, end: usize) -> bool {
        self.0.iter().any(|(s, e)| start < *e && *s < end)
    }
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

fn raw(line: &str, out: &mut Collected) {
    let text = refang(line);
    let text = text.as_str();
    let mut taken = Taken::default();

    for m in URL.find_iter(text) {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '\'', '"']);
        taken.0.push((m.start(), m.end()));
        out.push(Observable::new("url", url));
        if let Some(host) = url_host(url) {
            host_observable(&host, out);
        }
    }
    for m in EMAIL.find_iter(text) {
        if taken.overlaps(m.start(), m.end()) {
            continue;
        }
        taken.0.push((m.start(), m.end()));
        out.push(Observable::new("email-addr", m.as_str()));
    }
    for m in IPV4.find_iter(text) {
        if taken.overlaps(m.start(), m.end()) {
            continue;
        }
        // Not part of a longer dotted number (`1.2.3.4.5`, a version or an OID).
        let before = char_before(text, m.start());
        let after = text.get(m.end()..).unwrap_or("");
        let dotted_on =
            after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
        if before == Some('.') || dotted_on {
            continue;
        }
        if Ipv4Addr::from_str(m.as_str()).is_ok() {
            out.push(Observable::new("ipv4-addr", m.as_str()));
        }
    }
    for m in IPV6.find_iter(text) {
        if taken.overlaps(m.start(), m.end()) {
            continue;
        }
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let run = m.as_str();
        // `label:2001:db8::1`: the single colon separates a label, it is not part of the address.
        let labelled = run.starts_with(':') && !run.starts_with("::");
        if (!labelled && word(char_before(text, m.start()))) || word(char_at(text, m.end())) {
            continue;
        }
        let candidate = if labelled { &run[1..] } else { run };
        let candidate = candidate.trim_end_matches(['.', ':']);
        if candidate.len() > 2
            && candidate.bytes().any(|b| b.is_ascii_hexdigit())
            && Ipv6Addr::from_str(candidate).is_ok()
        {
            out.push(Observable::new("ipv6-addr", candidate));
        }
    }
    for m in HEX.find_iter(text) {
        let Some(by_length) = hash_algorithm_by_length(m.len()) else {
            continue;
        };
        let mut from = m.start().saturating_sub(HASH_LABEL_LOOKBACK);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let label = HASH_LABEL
            .captures(&text[from..m.start()])
            .and_then(|c| c.get(1))
            .map(|l| l.as_str().to_ascii_lowercase());
        let algorithm = match label {
            Some(l) if NON_FILE_HASH_LABELS.contains(&l.as_str()) => continue,
            Some(l) => match normalize_hash_algorithm(&l) {
                Some(a) if hash_algorithm_by_length(m.len()) == Some(a) => a,
                // A label naming another algorithm than the length says: not this hash.
                Some(_) => continue,
                None => by_length,
            },
            None => by_length,
        };
        out.push(Observable::file_hash(
            algorithm,
            m.as_str().to_ascii_lowercase(),
        ));
    }
    for m in DOMAIN.find_iter(text) {
        if taken.overlaps(m.start(), m.end()) {
            continue;
        }
        // Paths (`C:\Windows\cmd.exe`, `/etc/x.conf`) and parts of longer names are not domains.
        if matches!(
            char_before(text, m.start()),
            Some('\\' | '/' | '@' | '-' | '.' | '_')
        ) {
            continue;
        }
        if matches!(char_at(text, m.end()), Some('_' | '@')) {
            continue;
        }
        domain_observable(m.as_str(), out);
    }
}

fn url_host(url: &str) -> Option<String> {
    let after = &url[url.find("://")? + 3..];
    let authority = after.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split(']').next().map(str::to_string);
    }
    Some(host_port.split(':').next()?.to_string())
}

fn host_observable(host: &str, out: &mut Collected) {
    if Ipv4Addr::from_str(host).is_ok() {
        out.push(Observable::new("ipv4-addr", host));
    } else if Ipv6Addr::from_str(host).is_ok() {
        out.push(Observable::new("ipv6-addr", host));
    } else if DOMAIN.find(host).is_some_and(|m| m.len() == host.len()) {
        domain_observable(host, out);
    }
}

fn domain_observable(name: &str, out: &mut Collected) {
    let name = name.to_ascii_lowercase();
    let last = name.rsplit('.').next().unwrap_or("");
    if FILE_EXTENSIONS.contains(&last) {
        return;
    }
    out.push(Observable::new("domain-name", name));
}
