use proptest::prelude::*;
use tanseeq_pattern::*;

/// The pattern examples of STIX 2.1 (OASIS Standard) §9.9 "Pattern Examples", in the
/// specification's order, as its text gives them (two backslashes in a pattern are one escaped
/// backslash; `MATCHES'^.+…` without a space is as printed there, and valid).
const SPEC_9_9_EXAMPLES: &[&str] = &[
    // Matching a File with a SHA-256 hash
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    // Matching an Email Message with a particular From Email Address and Attachment File Name
    // Using a Regular Expression
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    // Matching a File with a SHA-256 hash and a PDF MIME type
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
    // Matching a File with SHA-256 or a MD5 hash, and a different File that has a different
    // SHA-256 hash, against two different Observations
    "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    // Matching a File with a MD5 hash, followed by (temporally) a Registry Key object that
    // matches a value, within 5 minutes
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    // Matching three different, but specific Unix User Accounts
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    // Matching an Artifact object PCAP payload header
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    // Matching a File object with a Windows file path
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
    // Matching on a Windows PE File with high section entropy
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    // Matching on a Network Traffic Destination IP address
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    // Matching on Malware Beaconing to a Domain Name
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    // Matching on a Domain Name with IPv4 Resolution
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    // Matching on a URL
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    // Matching on an X509 Certificate
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    // Matching on a Windows Registry Key
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    // Matching on a File with a set of properties
    "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
    // Matching on an Email Message with specific Sender and Subject
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    // Matching on a Custom USB Device
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    // Matching on Two Processes Launched with a Specific Set of Command Line Arguments Within
    // a Certain Time Window
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    // Matching on a Network Traffic IP that is part of a particular Subnet
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    // Matching on several different combinations of Malware Artifacts
    "([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = 'procfoo']",
];

/// Further cases, not from the specification: every operator, literal and qualifier form.
const EXTRA_21: &[&str] = &[
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    // §9.5 (qualifiers): the START/STOP, WITHIN and REPEATS forms.
    "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[file:name = 'foo.dll'] WITHIN 300 SECONDS",
    "[windows-registry-key:key = 'hkey_local_machine\\\\system\\\\bar\\\\foo'] REPEATS 2 TIMES",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    "([ipv4-addr:value = '198.51.100.1/32'] OR [ipv4-addr:value = '203.0.113.33/32']) FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS",
    "[network-traffic:dst_port IN (80, 443, 8080)]",
    "[file:name LIKE 'foo%.exe' AND file:size NOT IN (0, 1)]",
    "[file:size NOT > 100]",
    "[file:payload_bin = b'ZGF0YQ==' AND file:x[-1] = 1.5 AND file:y[0] = true]",
    "[EXISTS windows-registry-key:values AND NOT EXISTS file:hashes.MD5]",
    "[file:name = 'it\\'s'] /* comment */ AND // line comment\n [file:size >= -3]",
    "[a-b:c = 1] WITHIN 2.5 SECONDS",
    "[file:name = 'x'] AND ([file:name = 'y'] OR [file:name = 'z']) FOLLOWEDBY [file:name = 'w']",
    "[file:name = 'ملف.exe']",
];

/// Both tables, for the tests that mutate valid patterns.
const VALID_21: &[&[&str]] = &[SPEC_9_9_EXAMPLES, EXTRA_21];

fn roundtrip(text: &str, v: StixVersion) {
    let p = parse(text, v).unwrap_or_else(|e| panic!("{text}: {e}"));
    let printed = p.to_string();
    let again = parse(&printed, StixVersion::V21).unwrap_or_else(|e| panic!("{printed}: {e}"));
    assert_eq!(p, again, "{text} printed as {printed}");
    assert_eq!(printed, again.to_string());
}

#[test]
fn specification_examples_parse_and_roundtrip() {
    for t in VALID_21.iter().flat_map(|table| table.iter()) {
        roundtrip(t, StixVersion::V21);
    }
}

/// STIX 2.0 follows the reference `stix2-patterns` 2.1.2 2.0 grammar (see the crate
/// documentation): the 2.1 rules without `EXISTS`.
#[test]
fn v20_specifics() {
    for t in [
        "[file:name = 'x'] AND [file:size = 1] WITHIN 5 SECONDS",
        "[file:hashes.'SHA-256' = 'x']",
        "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        "[file:x NOT LIKE 'a%' AND file:y = true]",
        "[file:size NOT = 1]",
        "[file:size NOT >= 1]",
        "[file:x[-1] = 1]",
        "[file:x = 1] WITHIN 1.5 SECONDS",
        "[file:and = 1]",
        "[file:EXISTS = 1]",
    ] {
        roundtrip(t, StixVersion::V20);
    }
    for t in [
        "[file:name = 'x'] and [file:size = 1]",
        "[file:name = 'x' and file:size = 1]",
        "[file:name = 'x'] within 5 seconds",
        "[file:x = TRUE]",
        "[file:x not like 'a%']",
        "[file:hashes.SHA-256 = 'x']",
        "[file:hashes.\"SHA-256\" = 'x']",
        "[file:name = 'foo.dll'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
        "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
        "[EXISTS file:x]",
        "[NOT EXISTS file:x]",
    ] {
        assert!(parse(t, StixVersion::V20).is_err(), "{t}");
    }
}

#[test]
fn precedence_and_associativity() {
    let p = parse(
        "[a-a:x = 1] OR [a-a:x = 2] AND [a-a:x = 3] FOLLOWEDBY [a-a:x = 4]",
        StixVersion::V21,
    )
    .unwrap();
    assert!(
        matches!(p.expr, ObservationExpr::FollowedBy(ref l, _) if matches!(**l, ObservationExpr::Or(_, ref r) if matches!(**r, ObservationExpr::And(..))))
    );
    let p = parse("[a-a:x = 1 OR a-a:x = 2 AND a-a:x = 3]", StixVersion::V21).unwrap();
    let ObservationExpr::Comparison(ComparisonExpr::Or(_, r)) = p.expr else {
        panic!()
    };
    assert!(matches!(*r, ComparisonExpr::And(..)));
    let p = parse(
        "[a-a:x = 1] AND ([a-a:x = 2] AND [a-a:x = 3])",
        StixVersion::V21,
    )
    .unwrap();
    assert_eq!(
        p.to_string(),
        "[a-a:x = 1] AND ([a-a:x = 2] AND [a-a:x = 3])"
    );
}

/// (pattern, line, column, fragment of the message)
const INVALID: &[(&str, usize, usize, &str)] = &[
    (
        "[file:name = 'x'",
        1,
        17,
        "`]` to close the observation expression opened at column 1, found end of pattern",
    ),
    ("", 1, 1, "found end of pattern"),
    ("file:name = 'x'", 1, 1, "`[` or `(`"),
    ("[file:name = 'x']]", 1, 18, "found `]`"),
    ("[file:name = 'x", 1, 14, "unterminated string"),
    ("[file:name = 'a\\b']", 1, 16, "invalid escape"),
    ("[File:name = 'x']", 1, 2, "not a valid object type name"),
    ("[fi:name = 'x']", 1, 2, "3 to 250"),
    ("[file:name == ]", 1, 15, "expected a constant"),
    ("[file:name ~ 'x']", 1, 12, "unexpected character"),
    ("[file:name = 'x'] WITHIN 0 SECONDS", 1, 26, "positive"),
    ("[file:name = 'x'] REPEATS -2 TIMES", 1, 27, "positive"),
    ("[file:name = 'x'] WITHIN 5", 1, 27, "`SECONDS`"),
    (
        "[file:name = 'x'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
        1,
        54,
        "later than",
    ),
    (
        "[file:name = 'x'] START t'2016-13-01T00:00:00Z' STOP t'2017-06-01T00:00:00Z'",
        1,
        25,
        "not a timestamp",
    ),
    ("[file:hashes.SHA-256 = 'x']", 1, 14, "hyphen"),
    ("[file:x = b'abc']", 1, 11, "base64"),
    ("[file:x = h'abc']", 1, 11, "even number"),
    ("[file:x > true]", 1, 11, "booleans"),
    ("[file:x = 01]", 1, 11, "leading zero"),
    ("[file:x = 99999999999999999999]", 1, 11, "64-bit"),
    ("[file:x[a] = 1]", 1, 9, "list index"),
    (
        "[file:x IN (1, 2]",
        1,
        17,
        "`,` or `)` to close the set opened at column 12",
    ),
    (
        "[file:x = 1]\n  AND\n  [file:y = 2",
        3,
        14,
        "opened at line 3, column 3",
    ),
    (
        "([file:x = 1]",
        1,
        14,
        "`)` to close the parenthesis opened at column 1",
    ),
    ("[file:x = 1] AND", 1, 17, "found end of pattern"),
    ("[file:x = 1] and [file:y = 2]", 1, 14, "found `and`"),
    ("[file:x LIKE 5]", 1, 14, "string literal"),
    ("[file:x = 1] /* open", 1, 14, "unterminated `/*`"),
    ("[file:AND = 1]", 1, 7, "keyword"),
    ("[file:name MATCHES 'a(?=b)']", 1, 20, "PCRE-only"),
    ("[file:name MATCHES '(a)\\\\1']", 1, 20, "PCRE-only"),
    (
        "[file:name = 'x' AND\n file:name MATCHES 'a(b']",
        2,
        20,
        "invalid regular expression",
    ),
    (
        "[file:name MATCHES '(a{100}){100}{100}']",
        1,
        20,
        "MAX_REGEX_COMPILED_SIZE",
    ),
];

#[test]
fn invalid_patterns_report_position() {
    for (text, line, column, msg) in INVALID {
        let e = parse(text, StixVersion::V21).expect_err(text);
        assert_eq!((e.line, e.column), (*line, *column), "{text}: {e}");
        assert!(e.message.contains(msg), "{text}: {e}");
    }
}

#[test]
fn limits() {
    let long = format!("[file:name = '{}']", "a".repeat(MAX_PATTERN_LEN));
    assert!(parse(&long, StixVersion::V21).is_err());
    let re = format!("[file:name MATCHES '{}']", "a".repeat(MAX_REGEX_LEN + 1));
    assert!(
        parse(&re, StixVersion::V21)
            .unwrap_err()
            .message
            .contains("regular expression")
    );
    let ok = format!("[file:name MATCHES '{}']", "a".repeat(MAX_REGEX_LEN));
    assert!(parse(&ok, StixVersion::V21).is_ok());
}

#[test]
fn ten_thousand_deep_nesting_is_an_error() {
    let n = 10_000;
    let obs = format!("{}[file:x = 1]{}", "(".repeat(n), ")".repeat(n));
    let cmp = format!("[{}file:x = 1{}]", "(".repeat(n), ")".repeat(n));
    for t in [obs, cmp] {
        let e = parse(&t, StixVersion::V21).unwrap_err();
        assert!(e.message.contains("nested"), "{e}");
    }
    let ok = format!(
        "{}[file:x = 1]{}",
        "(".repeat(MAX_NESTING - 1),
        ")".repeat(MAX_NESTING - 1)
    );
    assert!(parse(&ok, StixVersion::V21).is_ok());
}

#[test]
fn longest_flat_chains_do_not_overflow() {
    let unit = "[a-a:x = 1] OR ";
    let n = MAX_OPERATORS - 1;
    let t = format!("{}[a-a:x = 1]", unit.repeat(n));
    let p = parse(&t, StixVersion::V21).unwrap();
    assert_eq!(parse(&p.to_string(), StixVersion::V21).unwrap(), p);
    let unit = "a-a:x = 1 OR ";
    let n = MAX_OPERATORS - 1;
    let t = format!("[{}a-a:x = 1]", unit.repeat(n));
    let p = parse(&t, StixVersion::V21).unwrap();
    assert_eq!(parse(&p.to_string(), StixVersion::V21).unwrap(), p);
    let t = format!(
        "[a-a:x = 1]{}",
        " REPEATS 1 TIMES".repeat(MAX_OPERATORS / 2)
    );
    let p = parse(&t, StixVersion::V21).unwrap();
    assert_eq!(parse(&p.to_string(), StixVersion::V21).unwrap(), p);
    let t = format!("[a-a:x = 1]{}", " OR [a-a:x = 1]".repeat(MAX_OPERATORS + 1));
    assert!(
        parse(&t, StixVersion::V21)
            .unwrap_err()
            .message
            .contains("operators")
    );
}

fn arb_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>().prop_map(Literal::Int),
        (-1.0e9..1.0e9f64).prop_map(Literal::Float),
        "[ -~\u{600}-\u{620}]{0,8}".prop_map(Literal::String),
        any::<bool>().prop_map(Literal::Bool),
        prop::sample::select(vec!["2016-06-01T00:00:00Z", "2020-12-31T23:59:60.123Z"])
            .prop_map(|s| Literal::Timestamp(s.into())),
        prop::sample::select(vec!["ZGF0YQ==", "YWJj", "YQ=="])
            .prop_map(|s| Literal::Binary(s.into())),
        "([0-9a-f]{2}){0,4}".prop_map(Literal::Hex),
    ]
}

fn arb_path() -> impl Strategy<Value = ObjectPath> {
    (
        "[a-z][a-z0-9]{2,6}(-[a-z0-9]{1,4})?",
        prop_oneof!["[a-z_][a-z0-9_]{0,6}", "[ -~]{0,6}"],
        prop::collection::vec(
            prop_oneof![
                prop_oneof!["[a-z_][a-z0-9_]{0,6}", "[ -~]{0,6}"].prop_map(PathStep::Key),
                any::<i64>().prop_map(PathStep::Index),
                Just(PathStep::AnyIndex),
            ],
            0..3,
        ),
    )
        .prop_map(|(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        })
}

fn arb_test() -> impl Strategy<Value = PropTest> {
    let s = "[ -~]{0,6}";
    (
        arb_path(),
        any::<bool>(),
        prop_oneof![
            arb_literal().prop_map(Operator::Eq),
            arb_literal().prop_map(Operator::Ne),
            arb_literal()
                .prop_filter("ordered", |l| !matches!(l, Literal::Bool(_)))
                .prop_map(Operator::Lt),
            arb_literal()
                .prop_filter("ordered", |l| !matches!(l, Literal::Bool(_)))
                .prop_map(Operator::Ge),
            prop::collection::vec(arb_literal(), 0..4).prop_map(Operator::In),
            s.prop_map(Operator::Like),
            // Any text is a LIKE operand, but MATCHES operands must compile as regular expressions.
            "[a-zA-Z0-9 .^$-]{0,6}".prop_map(Operator::Matches),
            s.prop_map(Operator::IsSubset),
            s.prop_map(Operator::IsSuperset),
            Just(Operator::Exists),
        ],
    )
        .prop_map(|(path, negated, op)| PropTest { path, negated, op })
}

fn arb_cmp() -> impl Strategy<Value = ComparisonExpr> {
    arb_test()
        .prop_map(ComparisonExpr::Test)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ComparisonExpr::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner)
                    .prop_map(|(a, b)| ComparisonExpr::Or(Box::new(a), Box::new(b))),
            ]
        })
}

fn arb_qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        (1u64..100_000).prop_map(|n| Qualifier::Within(n as f64)),
        (0.001..1.0e6f64).prop_map(Qualifier::Within),
        (1u64..u64::MAX).prop_map(Qualifier::Repeats),
        Just(Qualifier::StartStop {
            start: "2016-06-01T00:00:00Z".into(),
            stop: "2016-06-01T00:00:00.5Z".into()
        }),
    ]
}

fn arb_obs() -> impl Strategy<Value = ObservationExpr> {
    arb_cmp()
        .prop_map(ObservationExpr::Comparison)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ObservationExpr::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ObservationExpr::Or(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ObservationExpr::FollowedBy(Box::new(a), Box::new(b))),
                (inner, arb_qualifier())
                    .prop_map(|(a, q)| ObservationExpr::Qualified(Box::new(a), q)),
            ]
        })
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s, StixVersion::V21);
        let _ = parse(&s, StixVersion::V20);
    }

    #[test]
    fn parse_never_panics_on_pattern_like_text(s in "[\\[\\]()a-z:.'= 0-9*,<>!\\-+tbhANDORWITHINSECONDS]{0,80}") {
        let _ = parse(&s, StixVersion::V21);
        let _ = parse(&s, StixVersion::V20);
    }

    #[test]
    fn mutated_examples_never_panic(i in 0..SPEC_9_9_EXAMPLES.len() + EXTRA_21.len(), cut in 0usize..400, ins in "\\PC{0,3}") {
        let t = VALID_21.iter().flat_map(|table| table.iter()).nth(i).copied().unwrap_or("");
        let mut b: String = t.chars().take(cut).collect();
        b.push_str(&ins);
        b.extend(t.chars().skip(cut + 1));
        if let Ok(p) = parse(&b, StixVersion::V21) {
            prop_assert_eq!(parse(&p.to_string(), StixVersion::V21).unwrap(), p);
        }
    }

    #[test]
    fn print_then_parse_is_identity(expr in arb_obs()) {
        let p = Pattern { expr };
        let text = p.to_string();
        let back = parse(&text, StixVersion::V21);
        prop_assert_eq!(back.as_ref().ok(), Some(&p), "{} -> {:?}", text, back);
    }
}
