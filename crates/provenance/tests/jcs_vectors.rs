//! RFC 8785 test vectors: the number samples of Appendix B, the sorting example of §3.2.3,
//! the §3.2.2 example, and the reference implementation's input/output pairs (values,
//! structures, arrays, unicode, French and "weird" member names).

use tanseeq_provenance::canonicalize;

fn jcs(text: &str) -> String {
    canonicalize(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
#[test]
fn appendix_b_numbers() {
    let table: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in table {
        let value = f64::from_bits(bits);
        // Rust's `{:?}` is the shortest text that reads back as the same double.
        let input = format!("{value:?}");
        assert_eq!(jcs(&input), expected, "{bits:016x} ({input})");
        // The canonical text is itself a fixed point.
        assert_eq!(jcs(expected), expected, "{bits:016x} again");
    }
}

#[test]
fn numbers_spelled_differently_are_one_number() {
    for (input, expected) in [
        ("1E30", "1e+30"),
        ("4.50", "4.5"),
        ("333333333.33333329", "333333333.3333333"),
        ("2e-3", "0.002"),
        ("0.000000000000000000000000001", "1e-27"),
        ("56.0", "56"),
        ("-0.0", "0"),
        ("1e0", "1"),
        ("100E-2", "1"),
        ("9007199254740993", "9007199254740992"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("1e-7", "1e-7"),
        ("0.0000001", "1e-7"),
    ] {
        assert_eq!(jcs(input), expected, "{input}");
    }
}

#[test]
fn non_finite_and_malformed_numbers_are_refused() {
    for input in [
        "1e400", "-1e400", "NaN", "Infinity", "01", "1.", ".5", "+1", "1e", "1e+", "-", "0x10",
        "1.5e", "--1",
    ] {
        assert!(canonicalize(input).is_err(), "{input} should be refused");
    }
    // Underflow to zero is a finite double.
    assert_eq!(jcs("1e-400"), "0");
}

/// RFC 8785 §3.2.3: members sorted by UTF-16 code units, recursively.
#[test]
fn sorting_example() {
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                    \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                    \"\u{1f600}\":\"Emoji: Grinning Face\",\
                    \"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(jcs(input), expected);
}

/// RFC 8785 §3.2.2: the example with numbers, literals and string escapes.
#[test]
fn section_3_2_2_example() {
    let input = r#"{
        "numbers": [333333333.33333329, 1E30, 4.50,
                    2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
    }"#;
    let expected = "{\"literals\":[null,true,false],\
                    \"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
                    \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(jcs(input), expected);
}

/// The reference implementation's testdata (input → output).
#[test]
fn reference_testdata() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "arrays",
            "[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]",
            r#"[56,{"1":[],"10":null,"d":true}]"#,
        ),
        (
            "structures",
            "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \
             \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ { } ],\n  \"A\": { }\n}",
            r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}"#,
        ),
        (
            "values",
            "{\n  \"numbers\": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n  \
             \"escaping\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \
             \"literals\": [null, true, false]\n}",
            "{\"escaping\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\",\"literals\":[null,true,false],\
             \"numbers\":[1e+30,4.5,333333333.3333333,0.002,1e-27]}",
        ),
        (
            "unicode (no normalization)",
            "{\n  \"Unnormalized Unicode\":\"\\u1e0d\\u0307\"\n}\n",
            "{\"Unnormalized Unicode\":\"\u{1e0d}\u{307}\"}",
        ),
        (
            "french (locale-independent order)",
            "{\n  \"peach\": \"This sorting order\",\n  \"péché\": \"is wrong according to French\",\n  \
             \"pêche\": \"but canonicalization MUST\",\n  \"sin\":   \"ingnore locale\"\n}\n",
            "{\"peach\":\"This sorting order\",\"péché\":\"is wrong according to French\",\
             \"pêche\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}",
        ),
        (
            "weird",
            "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \
             \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \
             \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n",
            "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(jcs(input), *expected, "{name}");
        assert_eq!(
            jcs(expected),
            *expected,
            "{name}: canonical form is a fixed point"
        );
    }
}

#[test]
fn string_escapes_are_minimal() {
    let all_controls: String = (0u8..0x20).map(|b| format!("\\u{b:04X}")).collect();
    let expected = "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\
                    \\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\
                    \\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"";
    assert_eq!(jcs(&format!("\"{all_controls}\"")), expected);
    // `/`, DEL, non-ASCII and U+2028 are written as themselves.
    assert_eq!(
        jcs(r#""\/\u007f\u00e9\u2028\u0627\u0644""#),
        "\"/\u{7f}\u{e9}\u{2028}\u{627}\u{644}\""
    );
}

#[test]
fn not_i_json_is_refused() {
    for input in [
        r#"{"a":1,"a":2}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#""\ud800""#,
        r#""\udc00x""#,
        r#""\ud800\u0041""#,
        "\"a\u{1}\"",
        "{\"a\":1,}",
        "[1,]",
        "{'a':1}",
        "\u{feff}{}",
        "{} {}",
        "",
        "tru",
        r#""\x""#,
        r#""\u12G4""#,
        "\"open",
    ] {
        assert!(canonicalize(input).is_err(), "{input:?} should be refused");
    }
}

#[test]
fn nesting_is_bounded() {
    let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert_eq!(jcs(&ok), ok);
    let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
    assert!(canonicalize(&deep).is_err());
    let hostile = "[".repeat(1_000_000);
    assert!(canonicalize(&hostile).is_err());
}
