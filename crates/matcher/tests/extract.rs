//! Observable extraction: JSON SCO lines, `type:value` lines, and raw log lines from
//! firewalls, proxies, mail servers, Sysmon, web servers and DNS, defanged or not.

use proptest::prelude::*;
use tanseeq_matcher::Observable;
use tanseeq_matcher::extract::{ExtractError, MAX_LINE_LEN, observables, refang};

/// Short forms for expected observables: `ip:`, `ip6:`, `dom:`, `url:`, `mail:`, `md5:`,
/// `sha1:`, `sha256:`, `sha512:`, `file:`, or a full `type:value`.
fn expect(s: &str) -> Observable {
    let (t, v) = s.split_once(':').unwrap();
    match t {
        "ip" => Observable::new("ipv4-addr", v),
        "ip6" => Observable::new("ipv6-addr", v),
        "dom" => Observable::new("domain-name", v),
        "mail" => Observable::new("email-addr", v),
        "md5" | "sha1" | "sha256" | "sha512" => Observable::file_hash(t, v),
        t => Observable::new(t, v),
    }
}

fn check(table: &[(&str, &[&str])]) {
    for (line, want) in table {
        let got = observables(line).unwrap();
        let want: Vec<Observable> = want.iter().map(|w| expect(w)).collect();
        assert_eq!(
            got.iter().map(ToString::to_string).collect::<Vec<_>>(),
            want.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "line: {line}"
        );
    }
}

#[test]
fn json_sco_lines() {
    check(&[
        (r#"{"type":"ipv4-addr","value":"1.2.3.4"}"#, &["ip:1.2.3.4"]),
        (
            r#"{"type":"ipv6-addr","id":"ipv6-addr--x","value":"2001:db8::1"}"#,
            &["ip6:2001:db8::1"],
        ),
        (
            r#"{"type":"domain-name","value":"evil.example"}"#,
            &["dom:evil.example"],
        ),
        (
            r#"  {"type":"url","value":"http://evil.example/a"}  "#,
            &["url:http://evil.example/a"],
        ),
        (
            r#"{"type":"file","name":"invoice.pdf.exe","hashes":{"SHA-256":"aa11","md5":"bb22"}}"#,
            &["sha256:aa11", "md5:bb22", "file:invoice.pdf.exe"],
        ),
        (
            r#"{"type":"email-addr","value":"ceo@evil.example"}"#,
            &["mail:ceo@evil.example"],
        ),
        // JSON that is no SCO is a log line like any other.
        (
            r#"{"ts":"2026-06-01T12:00:00Z","src_ip":"198.51.100.23","dst":"evil.example"}"#,
            &["ip:198.51.100.23", "dom:evil.example"],
        ),
    ]);
}

#[test]
fn plain_lines() {
    check(&[
        ("ipv4-addr:1.2.3.4", &["ip:1.2.3.4"]),
        ("ipv6-addr:2001:db8::1", &["ip6:2001:db8::1"]),
        ("domain-name:evil.example", &["dom:evil.example"]),
        ("domain-name:Evil[.]Example", &["dom:evil.example"]),
        ("domain:evil.example", &["dom:evil.example"]),
        (
            "url:hxxps://evil[.]example/x?y=1",
            &["url:https://evil.example/x?y=1"],
        ),
        ("email-addr:user[@]example.com", &["mail:user@example.com"]),
        ("ip:203.0.113.9", &["ip:203.0.113.9"]),
        ("ip:2001:db8::2", &["ip6:2001:db8::2"]),
        (
            "file:hashes.'SHA-256':e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            &["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
        ),
        (
            "file:hashes.MD5:d41d8cd98f00b204e9800998ecf8427e",
            &["md5:d41d8cd98f00b204e9800998ecf8427e"],
        ),
        (
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            &["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
        ),
        (
            "SHA1: da39a3ee5e6b4b0d3255bfef95601890afd80709",
            &["sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"],
        ),
        (
            "hash:d41d8cd98f00b204e9800998ecf8427e",
            &["md5:d41d8cd98f00b204e9800998ecf8427e"],
        ),
        ("file:evil.exe", &["file:evil.exe"]),
        (
            "mac-addr:00:1a:2b:3c:4d:5e",
            &["mac-addr:00:1a:2b:3c:4d:5e"],
        ),
    ]);
}

#[test]
fn firewall_lines() {
    check(&[
        (
            "Jun  1 12:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:00:16:3e:11:22:33:08:00 SRC=203.0.113.45 DST=198.51.100.10 LEN=60 TOS=0x00 PROTO=TCP SPT=51234 DPT=22",
            &["ip:203.0.113.45", "ip:198.51.100.10"],
        ),
        (
            "%ASA-4-106023: Deny tcp src outside:192.0.2.77/4444 dst inside:10.10.1.5/445 by access-group \"OUTSIDE_IN\" [0x0, 0x0]",
            &["ip:192.0.2.77", "ip:10.10.1.5"],
        ),
        (
            "1,2026/06/01 12:00:02,001801000000,TRAFFIC,end,2305,2026/06/01 12:00:02,10.0.0.15,185.220.101.4,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust",
            &["ip:10.0.0.15", "ip:185.220.101.4", "ip:0.0.0.0"],
        ),
        (
            "CEF:0|Fortinet|FortiGate|7.2|0001|traffic|5|src=2001:db8:85a3::8a2e:370:7334 dst=2606:4700:4700::1111 spt=53211 dpt=443",
            &[
                "ip6:2001:db8:85a3::8a2e:370:7334",
                "ip6:2606:4700:4700::1111",
            ],
        ),
        (
            "2026-06-01T12:00:03.123Z conn established [2001:db8::dead:beef]:443 -> fe80::1%eth0",
            &["ip6:2001:db8::dead:beef", "ip6:fe80::1"],
        ),
        (
            "pf: 00:00:01.000 rule 12/0(match): block in on em0: 203.0.113.8.51514 > 198.51.100.2.53: UDP",
            &[],
        ),
    ]);
}

#[test]
fn proxy_and_web_lines() {
    check(&[
        (
            "1717243200.123    245 10.1.2.3 TCP_MISS/200 5120 GET http://malware.example.net/payload.bin - HIER_DIRECT/203.0.113.80 application/octet-stream",
            &[
                "url:http://malware.example.net/payload.bin",
                "dom:malware.example.net",
                "ip:10.1.2.3",
                "ip:203.0.113.80",
            ],
        ),
        (
            "1717243201.456     88 10.1.2.4 TCP_TUNNEL/200 3921 CONNECT login.phish.example:443 - HIER_DIRECT/192.0.2.10 -",
            &["ip:10.1.2.4", "ip:192.0.2.10", "dom:login.phish.example"],
        ),
        (
            r#"203.0.113.9 - - [01/Jun/2026:12:00:04 +0000] "GET /wp-login.php HTTP/1.1" 404 196 "http://Referrer.Example/page?a=1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)""#,
            &[
                "url:http://Referrer.Example/page?a=1",
                "dom:referrer.example",
                "ip:203.0.113.9",
            ],
        ),
        (
            "blocked https://203.0.113.50:8443/gate.php?id=7, category=malware",
            &[
                "url:https://203.0.113.50:8443/gate.php?id=7",
                "ip:203.0.113.50",
            ],
        ),
        (
            "ti-feed: hxxps://evil[.]example/dl/loader[.]js and hxxp://198.51.100[.]77/x (also evil(.)example[dot]org)",
            &[
                "url:https://evil.example/dl/loader.js",
                "dom:evil.example",
                "url:http://198.51.100.77/x",
                "ip:198.51.100.77",
                "dom:evil.example.org",
            ],
        ),
    ]);
}

#[test]
fn mail_lines() {
    check(&[
        (
            "Jun  1 12:00:05 mx1 postfix/smtpd[2211]: NOQUEUE: reject: RCPT from unknown[198.51.100.66]: 554 5.7.1 <bounce@spam.example>: Sender address rejected; from=<bounce@spam.example> to=<alice@corp.example> proto=ESMTP helo=<mail.spam.example>",
            &[
                "mail:bounce@spam.example",
                "mail:alice@corp.example",
                "ip:198.51.100.66",
                "dom:mail.spam.example",
            ],
        ),
        (
            "Jun  1 12:00:06 mx1 postfix/qmgr[900]: 4Bq1x2: from=<invoice[@]billing-update[.]example>, size=20480, nrcpt=1 (queue active)",
            &["mail:invoice@billing-update.example"],
        ),
        (
            "X-Originating-IP: [203.0.113.201] Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])",
            &[
                "ip:203.0.113.201",
                "ip:209.85.220.41",
                "dom:mail-sor-f41.google.com",
            ],
        ),
        (
            "attachment invoice.docm sha256=0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0 verdict=malicious",
            &["sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"],
        ),
    ]);
}

#[test]
fn sysmon_lines() {
    check(&[
        (
            r"EventID=1 Image=C:\Windows\System32\cmd.exe CommandLine=cmd.exe /c whoami Hashes=MD5=8A2122E8162DBEF04694B9C3E0B6CDEE,SHA256=B99D61D874728EDC0918CA0EB10EAB93D381E7367E377406E65963366C874450,IMPHASH=272245E2988E1E430500B852C4FB5E18",
            &[
                "md5:8a2122e8162dbef04694b9c3e0b6cdee",
                "sha256:b99d61d874728edc0918ca0eb10eab93d381e7367e377406e65963366c874450",
            ],
        ),
        (
            r"EventID=3 Image=C:\Users\bob\AppData\Local\Temp\upd.exe SourceIp=10.0.5.20 SourcePort=49812 DestinationIp=185.220.101.33 DestinationPort=443 DestinationHostname=c2.bad-actor.example",
            &[
                "ip:10.0.5.20",
                "ip:185.220.101.33",
                "dom:c2.bad-actor.example",
            ],
        ),
        (
            r"EventID=22 QueryName=xn--80ak6aa92e.example QueryStatus=0 QueryResults=::ffff:198.51.100.14; Image=C:\Program Files\Mozilla Firefox\firefox.exe",
            &[
                "ip:198.51.100.14",
                "ip6:::ffff:198.51.100.14",
                "dom:xn--80ak6aa92e.example",
            ],
        ),
        (
            "EventID=1 Hashes=SHA1=DA39A3EE5E6B4B0D3255BFEF95601890AFD80709 ParentImage=/usr/bin/bash",
            &["sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"],
        ),
        (
            "sha512 cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e ./dropper",
            &[
                "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            ],
        ),
    ]);
}

#[test]
fn dns_and_other_lines() {
    check(&[
        (
            "01-Jun-2026 12:00:07.001 queries: info: client @0x7f 10.0.0.53#53124 (update.evil.example): query: update.evil.example IN A + (10.0.0.1)",
            &["ip:10.0.0.53", "ip:10.0.0.1", "dom:update.evil.example"],
        ),
        (
            "2026-06-01 12:00:08,120 ERROR [java.lang.Thread] worker-3 version 1.2.3.4.5 loaded config /etc/app/settings.yaml",
            &["dom:java.lang.thread"],
        ),
        ("std::vector<int> at 12:00:09 ok", &[]),
        ("no indicators here, just words.", &[]),
        ("", &[]),
    ]);
}

#[test]
fn refanging() {
    assert_eq!(refang("hXXps[:]//evil[.]example"), "https://evil.example");
    assert_eq!(refang("evil [dot] example"), "evil.example");
    assert_eq!(refang("evil{.}example (at) x"), "evil.example@x");
    assert_eq!(refang("user[at]example(.)com"), "user@example.com");
    assert_eq!(refang("fxp://x[/]y"), "ftp://x/y");
}

#[test]
fn long_lines_are_refused() {
    let line = "a".repeat(MAX_LINE_LEN + 1);
    assert_eq!(
        observables(&line),
        Err(ExtractError::LineTooLong(MAX_LINE_LEN + 1))
    );
    assert!(observables(&"1.2.3.4 ".repeat(MAX_LINE_LEN / 8)).is_ok());
}

proptest! {
    #[test]
    fn never_panics(line in "\\PC{0,400}") {
        let _ = observables(&line);
    }

    #[test]
    fn never_panics_on_indicator_like_noise(
        parts in prop::collection::vec(prop::sample::select(vec![
            "1.2.3.4", "::", ":", "[.]", "(.)", "[@]", "hxxp://", "http://", "@", ".", "/", "\\",
            "ab", "ff", "é", "\u{202e}", "xn--", "=", "SHA256=", "IMPHASH=", "[", "]", "%", " ",
            "0123456789abcdef0123456789abcdef", "{\"type\":", "\"",
        ]), 0..60)
    ) {
        let line: String = parts.concat();
        if let Ok(found) = observables(&line) {
            prop_assert!(found.len() <= tanseeq_matcher::extract::MAX_OBSERVABLES_PER_LINE);
        }
    }
}
