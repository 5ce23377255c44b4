//! Data-driven validation tests: one valid example per STIX 2.1 type (mostly the
//! specification's own examples), then rows that break one rule each and name the property
//! the error must point at.

use serde_json::{Value, json};
use tanseeq_stix::validate_object;

const ID: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
const TS: &str = "2016-04-06T20:03:48.000Z";

/// Valid objects, one or more per type. Keyed by a short name used by the mutation rows.
fn valid() -> Vec<(&'static str, Value)> {
    vec![
        (
            "attack-pattern",
            json!({
                "type": "attack-pattern", "spec_version": "2.1",
                "id": "attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                "name": "Spear Phishing",
                "description": "...",
                "external_references": [{"source_name": "capec", "external_id": "CAPEC-163"}],
                "kill_chain_phases": [{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "delivery"}]
            }),
        ),
        (
            "campaign",
            json!({
                "type": "campaign", "spec_version": "2.1",
                "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z",
                "name": "Green Group Attacks Against Finance",
                "description": "Campaign by Green Group against a series of targets in the financial services sector.",
                "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2016-03-01T00:00:00Z"
            }),
        ),
        (
            "course-of-action",
            json!({
                "type": "course-of-action", "spec_version": "2.1",
                "id": "course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
                "name": "Add TCP port 80 Filter Rule to the existing Block UDP 1434 Filter",
                "description": "This is how to add a filter rule to block inbound access to TCP port 80 to the existing UDP 1434 filter ..."
            }),
        ),
        (
            "grouping",
            json!({
                "type": "grouping", "spec_version": "2.1",
                "id": "grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
                "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
                "created": "2015-12-21T19:59:11.000Z", "modified": "2015-12-21T19:59:11.000Z",
                "name": "The Black Vine Cyberespionage Group",
                "description": "A simple collection of Black Vine Cyberespionage Group attributed intel",
                "context": "suspicious-activity",
                "object_refs": [
                    "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
                    "campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c",
                    "relationship--f82356ae-fe6c-437c-9c24-6b64314ae68a",
                    "file--0203b5c8-f8b6-4ddb-9ad0-527d727f968b"
                ]
            }),
        ),
        (
            "identity",
            json!({
                "type": "identity", "spec_version": "2.1",
                "id": "identity--e5f1b90a-d9b6-40ab-81a9-8a29df4b6b65",
                "created": "2015-04-14T13:07:49.812Z", "modified": "2015-04-14T13:07:49.812Z",
                "name": "John Smith",
                "identity_class": "individual",
                "contact_information": "jsmith@example.com"
            }),
        ),
        (
            "incident",
            json!({
                "type": "incident", "spec_version": "2.1",
                "id": "incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": TS, "modified": TS, "name": "Breach of example.com"
            }),
        ),
        (
            "indicator",
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
                "indicator_types": ["malicious-activity"],
                "name": "Poison Ivy Malware",
                "description": "This file is part of Poison Ivy",
                "pattern": "[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]",
                "pattern_type": "stix",
                "valid_from": "2016-01-01T00:00:00Z",
                "valid_until": "2017-01-01T00:00:00Z",
                "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
            }),
        ),
        (
            "infrastructure",
            json!({
                "type": "infrastructure", "spec_version": "2.1",
                "id": "infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d",
                "created": "2016-05-07T11:22:30.000Z", "modified": "2016-05-07T11:22:30.000Z",
                "name": "Poison Ivy C2",
                "infrastructure_types": ["command-and-control"]
            }),
        ),
        (
            "intrusion-set",
            json!({
                "type": "intrusion-set", "spec_version": "2.1",
                "id": "intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
                "name": "Bobcat Breakin",
                "description": "Incidents usually feature a shared TTP of a bobcat being released within the building containing network access, scaring users to leave their computers without locking them first. Still determining where the threat actors are getting the bobcats.",
                "aliases": ["Zookeeper"],
                "goals": ["acquisition-theft", "harassment", "damage"]
            }),
        ),
        (
            "location",
            json!({
                "type": "location", "spec_version": "2.1",
                "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z",
                "latitude": 48.8566, "longitude": 2.3522
            }),
        ),
        (
            "location-region",
            json!({
                "type": "location", "spec_version": "2.1",
                "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
                "created": TS, "modified": TS, "region": "northern-america"
            }),
        ),
        (
            "malware",
            json!({
                "type": "malware", "spec_version": "2.1",
                "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                "name": "Cryptolocker",
                "description": "...",
                "malware_types": ["ransomware"],
                "is_family": false,
                "sample_refs": ["file--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5"]
            }),
        ),
        (
            "malware-analysis",
            json!({
                "type": "malware-analysis", "spec_version": "2.1",
                "id": "malware-analysis--d25167b7-fed0-4068-9ccd-a73dd2c5b07c",
                "created": "2020-01-16T18:52:24.277Z", "modified": "2020-01-16T18:52:24.277Z",
                "product": "microsoft",
                "analysis_engine_version": "5.1.0",
                "analysis_definition_version": "046db745-cf35-4f0b-a2ac-0d5d1d2bfa16",
                "analysis_started": "2012-02-11T08:36:14Z",
                "analysis_ended": "2012-02-11T08:36:14Z",
                "result": "malicious",
                "analysis_sco_refs": ["file--fb0419a8-f09c-57f8-be64-71a80417591c"]
            }),
        ),
        (
            "note",
            json!({
                "type": "note", "spec_version": "2.1",
                "id": "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                "external_references": [{"source_name": "job-tracker", "external_id": "job-id-1234"}],
                "abstract": "Tracking Team Note#1",
                "content": "This note indicates the various steps taken by the threat analyst team to investigate this specific campaign. Step 1) Do a scan 2) Review scanned results for identified hosts not known by external intel….etc",
                "authors": ["John Doe"],
                "object_refs": ["campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
            }),
        ),
        (
            "observed-data",
            json!({
                "type": "observed-data", "spec_version": "2.1",
                "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T19:58:16.000Z", "modified": "2016-04-06T19:58:16.000Z",
                "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
                "number_observed": 50,
                "object_refs": [
                    "ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8",
                    "domain-name--ecb120bf-2694-4902-a737-62b74539a41b"
                ]
            }),
        ),
        (
            "opinion",
            json!({
                "type": "opinion", "spec_version": "2.1",
                "id": "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                "object_refs": ["relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471"],
                "opinion": "strongly-disagree",
                "explanation": "This doesn't seem like it is feasible. We've seen how PandaCat has attacked Spanish infrastructure over the last 3 years, so this change in targeting seems too great to be viable. The methods used are more commonly associated with the FlameDragonCrew."
            }),
        ),
        (
            "report",
            json!({
                "type": "report", "spec_version": "2.1",
                "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
                "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
                "created": "2015-12-21T19:59:11.000Z", "modified": "2015-12-21T19:59:11.000Z",
                "name": "The Black Vine Cyberespionage Group",
                "description": "A simple report with an indicator and campaign",
                "published": "2016-01-20T17:00:00.000Z",
                "report_types": ["campaign"],
                "object_refs": [
                    "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
                    "campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c",
                    "relationship--f82356ae-fe6c-437c-9c24-6b64314ae68a"
                ]
            }),
        ),
        (
            "threat-actor",
            json!({
                "type": "threat-actor", "spec_version": "2.1",
                "id": "threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
                "threat_actor_types": ["crime-syndicate"],
                "name": "Evil Org",
                "description": "The Evil Org threat actor group",
                "aliases": ["Syndicate 1", "Evil Syndicate 99"],
                "roles": ["director"],
                "goals": ["Steal bank money", "Steal credit cards"],
                "sophistication": "advanced",
                "resource_level": "team",
                "primary_motivation": "organizational-gain"
            }),
        ),
        (
            "tool",
            json!({
                "type": "tool", "spec_version": "2.1",
                "id": "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
                "tool_types": ["remote-access"],
                "name": "VNC"
            }),
        ),
        (
            "vulnerability",
            json!({
                "type": "vulnerability", "spec_version": "2.1",
                "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                "name": "CVE-2016-1234",
                "external_references": [{"source_name": "cve", "external_id": "CVE-2016-1234"}]
            }),
        ),
        (
            "relationship",
            json!({
                "type": "relationship", "spec_version": "2.1",
                "id": "relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e",
                "created": "2016-04-06T20:06:37.000Z", "modified": "2016-04-06T20:06:37.000Z",
                "relationship_type": "indicates",
                "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
                "start_time": "2016-04-06T20:06:37.000Z"
            }),
        ),
        (
            "sighting",
            json!({
                "type": "sighting", "spec_version": "2.1",
                "id": "sighting--ee20065d-2555-424f-ad9e-0f8fd2dcd55e",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2016-04-06T20:08:31.000Z", "modified": "2016-04-06T20:08:31.000Z",
                "first_seen": "2015-12-21T19:00:00Z", "last_seen": "2015-12-21T19:00:00Z",
                "count": 50,
                "sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "observed_data_refs": ["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"],
                "where_sighted_refs": ["identity--b67d30ff-02ac-498a-92f9-32f845f448ff"]
            }),
        ),
        (
            "artifact",
            json!({
                "type": "artifact", "spec_version": "2.1",
                "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641",
                "mime_type": "application/zip",
                "payload_bin": "ZX7HIBWPoA==",
                "encryption_algorithm": "mime-type-indicated",
                "decryption_key": "My voice is my passport"
            }),
        ),
        (
            "artifact-url",
            json!({
                "type": "artifact", "id": "artifact--ca17bcf8-9846-5ab4-8662-75c1bf6e63ee",
                "url": "https://upload.wikimedia.org/wikipedia/commons/b/b4/JPEG_example_JPG_RIP_100.jpg",
                "hashes": {"SHA-256": "35a01331e9ad96f751278b891b6ea09699806faedfa237d40513d92ad1b7100f"}
            }),
        ),
        (
            "autonomous-system",
            json!({
                "type": "autonomous-system", "spec_version": "2.1",
                "id": "autonomous-system--f720c34b-98ae-597f-ade5-27dc241e8c74",
                "number": 15139, "name": "Slime Industries", "rir": "ARIN"
            }),
        ),
        (
            "directory",
            json!({
                "type": "directory", "spec_version": "2.1",
                "id": "directory--93c0a9b0-520d-545d-9094-1a08ddf46b05",
                "path": "C:\\Windows\\System32"
            }),
        ),
        (
            "domain-name",
            json!({
                "type": "domain-name", "spec_version": "2.1",
                "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
                "value": "example.com",
                "resolves_to_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]
            }),
        ),
        (
            "email-addr",
            json!({
                "type": "email-addr", "spec_version": "2.1",
                "id": "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3",
                "value": "john@example.com", "display_name": "John Doe"
            }),
        ),
        (
            "email-message",
            json!({
                "type": "email-message", "spec_version": "2.1",
                "id": "email-message--72b7698f-10c2-565a-a2a6-b4996a2f2265",
                "from_ref": "email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed",
                "to_refs": ["email-addr--d1b3bf0c-f02a-51a1-8102-11aba7959868"],
                "is_multipart": false,
                "date": "1997-11-21T15:55:06.000Z",
                "subject": "Saying Hello",
                "body": "Hi"
            }),
        ),
        (
            "file",
            json!({
                "type": "file", "spec_version": "2.1",
                "id": "file--e277603e-1060-5ad4-9937-c26c97f1ca68",
                "hashes": {"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"},
                "size": 25536,
                "name": "foo.dll"
            }),
        ),
        (
            "ipv4-addr",
            json!({
                "type": "ipv4-addr", "spec_version": "2.1",
                "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                "value": "198.51.100.3"
            }),
        ),
        (
            "ipv6-addr",
            json!({
                "type": "ipv6-addr", "spec_version": "2.1",
                "id": "ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1",
                "value": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
            }),
        ),
        (
            "mac-addr",
            json!({
                "type": "mac-addr", "spec_version": "2.1",
                "id": "mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00",
                "value": "d2:fb:49:24:37:18"
            }),
        ),
        (
            "mutex",
            json!({
                "type": "mutex", "spec_version": "2.1",
                "id": "mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300",
                "name": "__CLEANSWEEP__"
            }),
        ),
        (
            "network-traffic",
            json!({
                "type": "network-traffic", "spec_version": "2.1",
                "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
                "src_ref": "ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53",
                "dst_ref": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                "protocols": ["tcp"],
                "src_port": 2487, "dst_port": 1723
            }),
        ),
        (
            "process",
            json!({
                "type": "process", "spec_version": "2.1",
                "id": "process--f52a906a-0dfc-40bd-92f1-e7778ead38a9",
                "pid": 1221,
                "created_time": "2016-01-20T14:11:25.55Z",
                "command_line": "./gedit-bin --new-window",
                "image_ref": "file--e04f22d1-be2c-59de-add8-10f61d15fe20"
            }),
        ),
        (
            "software",
            json!({
                "type": "software", "spec_version": "2.1",
                "id": "software--a1827f6d-ca53-5605-9e93-4316cd22a00a",
                "name": "Word", "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*",
                "version": "2002", "vendor": "Microsoft"
            }),
        ),
        (
            "url",
            json!({
                "type": "url", "spec_version": "2.1",
                "id": "url--c1477287-23ac-5971-a010-5c287877fa60",
                "value": "https://example.com/research/index.html"
            }),
        ),
        (
            "user-account",
            json!({
                "type": "user-account", "spec_version": "2.1",
                "id": "user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c",
                "user_id": "1001", "account_login": "jdoe", "account_type": "unix",
                "display_name": "John Doe", "is_service_account": false, "is_privileged": false,
                "can_escalate_privs": true,
                "account_created": "2016-01-20T12:31:12Z",
                "credential_last_changed": "2016-01-20T14:27:43Z",
                "account_first_login": "2016-01-20T14:26:07Z",
                "account_last_login": "2016-07-22T16:08:28Z"
            }),
        ),
        (
            "windows-registry-key",
            json!({
                "type": "windows-registry-key", "spec_version": "2.1",
                "id": "windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016",
                "key": "hkey_local_machine\\system\\bar\\foo",
                "values": [{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}]
            }),
        ),
        (
            "x509-certificate",
            json!({
                "type": "x509-certificate", "spec_version": "2.1",
                "id": "x509-certificate--463d7b2a-8516-5a50-a3d7-6f801465d5de",
                "issuer": "C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc, OU=Certification Services Division, CN=Thawte Server CA/emailAddress=server-certs@thawte.com",
                "validity_not_before": "2016-03-12T12:00:00Z",
                "validity_not_after": "2016-08-21T12:00:00Z",
                "subject": "C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft, CN=www.freesoft.org/emailAddress=baccala@freesoft.org",
                "serial_number": "36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"
            }),
        ),
        (
            "tlp1-green",
            json!({
                "type": "marking-definition", "spec_version": "2.1",
                "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                "created": "2017-01-20T00:00:00.000Z",
                "definition_type": "tlp",
                "name": "TLP:GREEN",
                "definition": {"tlp": "green"}
            }),
        ),
        (
            "tlp2-amber-strict",
            json!({
                "type": "marking-definition", "spec_version": "2.1",
                "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
                "created": "2022-10-01T00:00:00.000Z",
                "name": "TLP:AMBER+STRICT",
                "extensions": {
                    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                        "extension_type": "property-extension",
                        "tlp_2_0": "amber+strict"
                    }
                }
            }),
        ),
        (
            "statement",
            json!({
                "type": "marking-definition", "spec_version": "2.1",
                "id": "marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f",
                "created": "2016-08-01T00:00:00.000Z",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "definition_type": "statement",
                "definition": {"statement": "Copyright 2016, Example Corp"}
            }),
        ),
        (
            "language-content",
            json!({
                "type": "language-content", "spec_version": "2.1",
                "id": "language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d",
                "created": "2017-02-08T21:31:22.007Z", "modified": "2017-02-08T21:31:22.007Z",
                "object_ref": "campaign--12a111f0-b824-4baf-a224-83b80237a094",
                "object_modified": "2017-02-08T21:31:22.007Z",
                "contents": {
                    "de": {"name": "Bank Angriff 1", "description": "Weitere Informationen über Banküberfall"},
                    "fr": {"name": "Attaque Bank 1", "description": "Plus d'informations sur la crise bancaire"}
                }
            }),
        ),
        (
            "extension-definition",
            json!({
                "type": "extension-definition", "spec_version": "2.1",
                "id": "extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62",
                "created_by_ref": "identity--11b76a96-5d2b-45e0-8a5a-f6994f370731",
                "created": "2014-02-20T09:16:08.989Z", "modified": "2014-02-20T09:16:08.989Z",
                "name": "New SDO 1",
                "description": "This schema creates a new object type called my-favorite-sdo-1",
                "schema": "https://www.example.com/schema-my-favorite-sdo-1/v1/",
                "version": "1.2.1",
                "extension_types": ["new-sdo"]
            }),
        ),
        (
            "custom-object",
            json!({
                "type": "x-mitre-tactic", "spec_version": "2.1",
                "id": "x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a",
                "created": TS, "modified": TS, "name": "Evasion",
                "x_mitre_shortname": "evasion-ics",
                "x_mitre_domains": ["ics-attack"]
            }),
        ),
        (
            "custom-sco-no-spec-version",
            json!({
                "type": "x-thing", "id": "x-thing--69da72d2-f550-41c5-ab9e-e8255707f28a",
                "value": 1
            }),
        ),
        (
            "sco-no-spec-version",
            json!({
                "type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                "value": "198.51.100.3", "defanged": false,
                "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]
            }),
        ),
        (
            "granular",
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": TS, "modified": TS, "lang": "en",
                "pattern": "[ipv4-addr:value = '198.51.100.3']", "pattern_type": "stix",
                "valid_from": TS, "confidence": 85, "labels": ["a", "b"], "revoked": true,
                "granular_markings": [
                    {"selectors": ["description"], "marking_ref": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
                    {"selectors": ["name", "labels.[1]"], "lang": "pt-BR"}
                ]
            }),
        ),
    ]
}

fn base(name: &str) -> Value {
    valid()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no valid example {name}"))
}

fn with(name: &str, edits: &[(&str, Value)]) -> String {
    let mut object = base(name);
    let map = object.as_object_mut().expect("examples are objects");
    for (key, value) in edits {
        if value.is_null() {
            map.remove(*key);
        } else {
            map.insert((*key).to_owned(), value.clone());
        }
    }
    object.to_string()
}

/// Removal marker for `with`.
fn gone() -> Value {
    Value::Null
}

#[test]
fn every_valid_example_validates() {
    for (name, object) in valid() {
        let text = object.to_string();
        if let Err(e) = validate_object(&text) {
            panic!("{name}: {e}");
        }
        // Pretty-printed input gives the same result.
        let pretty = serde_json::to_string_pretty(&object).unwrap();
        assert!(validate_object(&pretty).is_ok(), "{name} pretty");
    }
}

#[test]
fn header_is_filled() {
    let h = validate_object(&base("indicator").to_string()).unwrap();
    assert_eq!(h.object_type, "indicator");
    assert_eq!(h.id, "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    assert_eq!(h.spec_version, "2.1");
    assert_eq!(
        h.created_by_ref.as_deref(),
        Some("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff")
    );
    assert_eq!(
        h.object_marking_refs,
        ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
    );
    assert!(h.valid_from.is_some() && h.valid_until.is_some());
    assert!(!h.revoked);
    assert_eq!(h.created.unwrap().to_string(), "2016-04-06T20:03:48.000Z");
    let h = validate_object(&base("granular").to_string()).unwrap();
    assert!(h.revoked);
    let h = validate_object(&base("sco-no-spec-version").to_string()).unwrap();
    assert_eq!(h.spec_version, "2.1");
    assert!(h.created.is_none() && h.version().is_none());
}

/// `(case, input, Ok(()) or Err(Some(property)) / Err(None) for whole-object errors)`.
type Row = (&'static str, String, Result<(), Option<&'static str>>);

fn rows() -> Vec<Row> {
    let e = |p: &'static str| Err(Some(p));
    vec![
        // --- not an object / malformed ---
        ("empty", String::new(), Err(None)),
        ("array", "[]".into(), Err(None)),
        ("string", "\"indicator\"".into(), Err(None)),
        ("truncated", r#"{"type": "indicator""#.into(), Err(None)),
        ("trailing", format!("{} x", base("url")), Err(None)),
        (
            "duplicate",
            r#"{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"a","value":"b"}"#.into(),
            e("value"),
        ),
        // --- type and id ---
        ("no type", with("url", &[("type", gone())]), e("type")),
        ("type not string", with("url", &[("type", json!(7))]), e("type")),
        ("type upper", with("url", &[("type", json!("URL"))]), e("type")),
        ("type short", r#"{"type":"xx","id":"xx--c1477287-23ac-5971-a010-5c287877fa60"}"#.into(), e("type")),
        ("type double hyphen", with("url", &[("type", json!("x--y"))]), e("type")),
        ("no id", with("url", &[("id", gone())]), e("id")),
        ("id other type", with("url", &[("id", json!("file--c1477287-23ac-5971-a010-5c287877fa60"))]), e("id")),
        ("id bad uuid", with("url", &[("id", json!("url--c1477287-23ac-5971-a010"))]), e("id")),
        ("id upper uuid", with("url", &[("id", json!("url--C1477287-23AC-5971-A010-5C287877FA60"))]), e("id")),
        ("id bad variant", with("url", &[("id", json!("url--c1477287-23ac-5971-7010-5c287877fa60"))]), e("id")),
        ("id v1 ok", with("url", &[("id", json!("url--c1477287-23ac-1971-a010-5c287877fa60"))]), Ok(())),
        // --- spec_version ---
        ("2.0", with("indicator", &[("spec_version", json!("2.0"))]), e("spec_version")),
        ("no spec_version sdo", with("indicator", &[("spec_version", gone())]), e("spec_version")),
        ("no spec_version marking", with("tlp1-green", &[("spec_version", gone())]), e("spec_version")),
        ("no spec_version custom sdo", with("custom-object", &[("spec_version", gone())]), e("spec_version")),
        ("spec_version 2.2", with("indicator", &[("spec_version", json!("2.2"))]), e("spec_version")),
        ("spec_version number", with("url", &[("spec_version", json!(2.1))]), e("spec_version")),
        // --- common properties ---
        ("no created", with("campaign", &[("created", gone())]), e("created")),
        ("no modified", with("relationship", &[("modified", gone())]), e("modified")),
        ("marking no modified ok", with("tlp1-green", &[]), Ok(())),
        ("marking no created", with("tlp1-green", &[("created", gone())]), e("created")),
        ("modified before created", with("campaign", &[("modified", json!("2016-04-06T20:02:00.000Z"))]), e("modified")),
        ("bad timestamp", with("campaign", &[("created", json!("2016-04-06 20:03:00"))]), e("created")),
        ("timestamp offset", with("campaign", &[("modified", json!("2016-04-06T20:03:00+01:00"))]), e("modified")),
        ("created_by_ref not identity", with("campaign", &[("created_by_ref", json!("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"))]), e("created_by_ref")),
        ("created_by_ref not id", with("campaign", &[("created_by_ref", json!("me"))]), e("created_by_ref")),
        ("revoked string", with("campaign", &[("revoked", json!("true"))]), e("revoked")),
        ("labels string", with("campaign", &[("labels", json!("x"))]), e("labels")),
        ("labels empty", with("campaign", &[("labels", json!([]))]), e("labels")),
        ("labels numbers", with("campaign", &[("labels", json!([1]))]), e("labels")),
        ("confidence 150", with("campaign", &[("confidence", json!(150))]), e("confidence")),
        ("confidence -1", with("campaign", &[("confidence", json!(-1))]), e("confidence")),
        ("confidence float", with("campaign", &[("confidence", json!(5.5))]), e("confidence")),
        ("confidence 0 ok", with("campaign", &[("confidence", json!(0))]), Ok(())),
        ("lang bad", with("campaign", &[("lang", json!("english language"))]), e("lang")),
        ("extref no source", with("campaign", &[("external_references", json!([{"url": "https://x"}]))]), e("external_references")),
        ("extref only source", with("campaign", &[("external_references", json!([{"source_name": "x"}]))]), e("external_references")),
        ("extref not list", with("campaign", &[("external_references", json!({"source_name": "x"}))]), e("external_references")),
        ("extref bad hashes", with("campaign", &[("external_references", json!([{"source_name": "x", "url": "u", "hashes": {}}]))]), e("external_references")),
        ("omr not marking", with("campaign", &[("object_marking_refs", json!(["identity--311b2d2d-f010-4473-83ec-1edf84858f4c"]))]), e("object_marking_refs")),
        ("omr string", with("campaign", &[("object_marking_refs", json!("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"))]), e("object_marking_refs")),
        ("granular both", with("campaign", &[("granular_markings", json!([{"selectors": ["name"], "lang": "en", "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}]))]), e("granular_markings")),
        ("granular neither", with("campaign", &[("granular_markings", json!([{"selectors": ["name"]}]))]), e("granular_markings")),
        ("granular empty selectors", with("campaign", &[("granular_markings", json!([{"selectors": [], "lang": "en"}]))]), e("granular_markings")),
        ("extensions not dict", with("campaign", &[("extensions", json!([]))]), e("extensions")),
        ("extensions bad key", with("campaign", &[("extensions", json!({"Bad Key": {}}))]), e("extensions")),
        ("extensions bad def id", with("campaign", &[("extensions", json!({"extension-definition--zz": {}}))]), e("extensions")),
        ("extensions value", with("campaign", &[("extensions", json!({"x-foo-ext": 1}))]), e("extensions")),
        ("extensions ok", with("file", &[("extensions", json!({"ntfs-ext": {"sid": "1"}}))]), Ok(())),
        ("defanged string", with("url", &[("defanged", json!("no"))]), e("defanged")),
        ("custom prop ok", with("campaign", &[("x_acme_score", json!({"any": [1, 2]}))]), Ok(())),
        ("custom prop short", with("campaign", &[("xy", json!(1))]), e("xy")),
        ("custom prop hyphen", with("campaign", &[("x-acme", json!(1))]), e("x-acme")),
        // --- per type ---
        ("attack-pattern no name", with("attack-pattern", &[("name", gone())]), e("name")),
        ("kill chain missing phase", with("attack-pattern", &[("kill_chain_phases", json!([{"kill_chain_name": "k"}]))]), e("kill_chain_phases")),
        ("campaign last before first", with("campaign", &[("last_seen", json!("2015-01-01T00:00:00Z"))]), e("last_seen")),
        ("grouping no context", with("grouping", &[("context", gone())]), e("context")),
        ("grouping no object_refs", with("grouping", &[("object_refs", gone())]), e("object_refs")),
        ("grouping bad ref", with("grouping", &[("object_refs", json!(["nope"]))]), e("object_refs")),
        ("identity no name", with("identity", &[("name", gone())]), e("name")),
        ("indicator no pattern", with("indicator", &[("pattern", gone())]), e("pattern")),
        ("indicator no pattern_type", with("indicator", &[("pattern_type", gone())]), e("pattern_type")),
        ("indicator no valid_from", with("indicator", &[("valid_from", gone())]), e("valid_from")),
        ("indicator until == from", with("indicator", &[("valid_until", json!("2016-01-01T00:00:00Z"))]), e("valid_until")),
        ("indicator until < from", with("indicator", &[("valid_until", json!("2015-01-01T00:00:00Z"))]), e("valid_until")),
        ("location nothing", with("location", &[("latitude", gone()), ("longitude", gone())]), e("region")),
        ("location lat only", with("location", &[("longitude", gone()), ("country", json!("fr"))]), e("longitude")),
        ("location lat 91", with("location", &[("latitude", json!(91))]), e("latitude")),
        ("location long -181", with("location", &[("longitude", json!(-181.5))]), e("longitude")),
        ("malware no is_family", with("malware", &[("is_family", gone())]), e("is_family")),
        ("malware is_family string", with("malware", &[("is_family", json!("false"))]), e("is_family")),
        ("malware family no name", with("malware", &[("is_family", json!(true)), ("name", gone())]), e("name")),
        ("malware sample_refs wrong type", with("malware", &[("sample_refs", json!(["url--c1477287-23ac-5971-a010-5c287877fa60"]))]), e("sample_refs")),
        ("malware-analysis no result", with("malware-analysis", &[("result", gone()), ("analysis_sco_refs", gone())]), e("result")),
        ("malware-analysis no product", with("malware-analysis", &[("product", gone())]), e("product")),
        ("note no content", with("note", &[("content", gone())]), e("content")),
        ("note no object_refs", with("note", &[("object_refs", gone())]), e("object_refs")),
        ("observed no first", with("observed-data", &[("first_observed", gone())]), e("first_observed")),
        ("observed number 0", with("observed-data", &[("number_observed", json!(0))]), e("number_observed")),
        ("observed number huge", with("observed-data", &[("number_observed", json!(1_000_000_000))]), e("number_observed")),
        ("observed no refs", with("observed-data", &[("object_refs", gone())]), e("object_refs")),
        ("observed both", with("observed-data", &[("objects", json!({"0": {"type": "file", "name": "a"}}))]), e("objects")),
        ("observed refs sdo", with("observed-data", &[("object_refs", json!(["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]))]), e("object_refs")),
        ("observed last < first", with("observed-data", &[("last_observed", json!("2015-12-21T18:00:00Z"))]), e("last_observed")),
        ("opinion bad value", with("opinion", &[("opinion", json!("meh"))]), e("opinion")),
        ("opinion missing", with("opinion", &[("opinion", gone())]), e("opinion")),
        ("report no published", with("report", &[("published", gone())]), e("published")),
        ("report no name", with("report", &[("name", gone())]), e("name")),
        ("threat-actor no name", with("threat-actor", &[("name", gone())]), e("name")),
        ("tool no name", with("tool", &[("name", gone())]), e("name")),
        ("vulnerability no name", with("vulnerability", &[("name", gone())]), e("name")),
        ("relationship no type", with("relationship", &[("relationship_type", gone())]), e("relationship_type")),
        ("relationship type spaces", with("relationship", &[("relationship_type", json!("Related To"))]), e("relationship_type")),
        ("relationship no source", with("relationship", &[("source_ref", gone())]), e("source_ref")),
        ("relationship no target", with("relationship", &[("target_ref", gone())]), e("target_ref")),
        ("relationship stop == start", with("relationship", &[("stop_time", json!("2016-04-06T20:06:37.000Z"))]), e("stop_time")),
        ("sighting no of_ref", with("sighting", &[("sighting_of_ref", gone())]), e("sighting_of_ref")),
        ("sighting of sco", with("sighting", &[("sighting_of_ref", json!("file--e277603e-1060-5ad4-9937-c26c97f1ca68"))]), e("sighting_of_ref")),
        ("sighting of custom ok", with("sighting", &[("sighting_of_ref", json!("x-mitre-asset--e277603e-1060-4ad4-9937-c26c97f1ca68"))]), Ok(())),
        ("sighting where malware", with("sighting", &[("where_sighted_refs", json!(["malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]))]), e("where_sighted_refs")),
        ("sighting observed wrong", with("sighting", &[("observed_data_refs", json!(["identity--b67d30ff-02ac-498a-92f9-32f845f448ff"]))]), e("observed_data_refs")),
        ("sighting count", with("sighting", &[("count", json!(1_000_000_000))]), e("count")),
        ("sighting last < first", with("sighting", &[("last_seen", json!("2015-12-21T18:00:00Z"))]), e("last_seen")),
        ("artifact both", with("artifact", &[("url", json!("https://x"))]), e("url")),
        ("artifact neither", with("artifact", &[("payload_bin", gone())]), e("payload_bin")),
        ("artifact url no hashes", with("artifact-url", &[("hashes", gone())]), e("hashes")),
        ("artifact bad base64", with("artifact", &[("payload_bin", json!("not base64!"))]), e("payload_bin")),
        ("as no number", with("autonomous-system", &[("number", gone())]), e("number")),
        ("as number string", with("autonomous-system", &[("number", json!("15139"))]), e("number")),
        ("directory no path", with("directory", &[("path", gone())]), e("path")),
        ("domain no value", with("domain-name", &[("value", gone())]), e("value")),
        ("domain resolves to url", with("domain-name", &[("resolves_to_refs", json!(["url--c1477287-23ac-5971-a010-5c287877fa60"]))]), e("resolves_to_refs")),
        ("email-addr no value", with("email-addr", &[("value", gone())]), e("value")),
        ("email no multipart", with("email-message", &[("is_multipart", gone())]), e("is_multipart")),
        ("email from not addr", with("email-message", &[("from_ref", json!("url--c1477287-23ac-5971-a010-5c287877fa60"))]), e("from_ref")),
        ("email multipart with body", with("email-message", &[("is_multipart", json!(true))]), e("body")),
        ("file nothing", with("file", &[("hashes", gone()), ("name", gone())]), e("hashes")),
        ("file size negative", with("file", &[("size", json!(-1))]), e("size")),
        ("file hashes empty", with("file", &[("hashes", json!({}))]), e("hashes")),
        ("file hash number", with("file", &[("hashes", json!({"MD5": 5}))]), e("hashes")),
        ("file magic not hex", with("file", &[("magic_number_hex", json!("zz"))]), e("magic_number_hex")),
        ("ipv4 no value", with("ipv4-addr", &[("value", gone())]), e("value")),
        ("ipv6 value number", with("ipv6-addr", &[("value", json!(1))]), e("value")),
        ("mac no value", with("mac-addr", &[("value", gone())]), e("value")),
        ("mutex no name", with("mutex", &[("name", gone())]), e("name")),
        ("traffic no protocols", with("network-traffic", &[("protocols", gone())]), e("protocols")),
        ("traffic no ends", with("network-traffic", &[("src_ref", gone()), ("dst_ref", gone())]), e("src_ref")),
        ("traffic port", with("network-traffic", &[("src_port", json!(70000))]), e("src_port")),
        ("traffic active with end", with("network-traffic", &[("is_active", json!(true)), ("end", json!(TS))]), e("end")),
        ("process pid string", with("process", &[("pid", json!("1"))]), e("pid")),
        ("process image not file", with("process", &[("image_ref", json!("url--c1477287-23ac-5971-a010-5c287877fa60"))]), e("image_ref")),
        ("software no name", with("software", &[("name", gone())]), e("name")),
        ("url no value", with("url", &[("value", gone())]), e("value")),
        ("user-account bool", with("user-account", &[("is_privileged", json!(1))]), e("is_privileged")),
        ("registry values not list", with("windows-registry-key", &[("values", json!({}))]), e("values")),
        ("x509 bad time", with("x509-certificate", &[("validity_not_after", json!("soon"))]), e("validity_not_after")),
        ("tlp bad level", with("tlp1-green", &[("definition", json!({"tlp": "purple"}))]), e("definition")),
        ("tlp no definition", with("tlp1-green", &[("definition", gone())]), e("definition")),
        ("statement not string", with("statement", &[("definition", json!({"statement": 1}))]), e("definition")),
        ("tlp2 bad ext key", with("tlp2-amber-strict", &[("extensions", json!({"extension-definition--60a3c5c5-0d10-413e-aab3": {}}))]), e("extensions")),
        ("language-content no contents", with("language-content", &[("contents", gone())]), e("contents")),
        ("language-content no object_ref", with("language-content", &[("object_ref", gone())]), e("object_ref")),
        ("extension-definition bad kind", with("extension-definition", &[("extension_types", json!(["new-thing"]))]), e("extension_types")),
        ("extension-definition no schema", with("extension-definition", &[("schema", gone())]), e("schema")),
        ("extension-definition no created_by_ref", with("extension-definition", &[("created_by_ref", gone())]), e("created_by_ref")),
    ]
}

#[test]
fn table_of_rules() {
    let mut failures = Vec::new();
    let rows = rows();
    assert!(rows.len() > 100);
    for (case, input, expected) in rows {
        let got = validate_object(&input);
        let ok = match (&got, &expected) {
            (Ok(_), Ok(())) => true,
            (Err(e), Err(p)) => e.property.as_deref() == *p && !e.message.is_empty(),
            _ => false,
        };
        if !ok {
            failures.push(format!("{case}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn messages_are_readable() {
    let err = validate_object(&with("campaign", &[("confidence", json!(150))])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "property `confidence`: must be an integer from 0 to 100, got 150"
    );
    let err = validate_object(&with("indicator", &[("spec_version", json!("2.0"))])).unwrap_err();
    assert!(
        err.to_string()
            .contains("STIX 2.0 objects are not accepted here"),
        "{err}"
    );
    let err = validate_object(&with("indicator", &[("spec_version", gone())])).unwrap_err();
    assert!(
        err.to_string()
            .contains("STIX 2.0 objects are not accepted here"),
        "{err}"
    );
    let err = validate_object("[1]").unwrap_err();
    assert_eq!(err.property, None);
    let _ = ID;
}

#[test]
fn mitre_attack_ics_bundle_validates() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ics-attack-18.1.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("note: {path} is absent; skipping the ATT&CK for ICS check");
        return;
    };
    let objects = tanseeq_stix::bundle::envelope_objects(&text).expect("a bundle");
    assert!(objects.len() > 1000);
    let mut failures = Vec::new();
    for object in &objects {
        if let Err(e) = validate_object(object.get()) {
            failures.push(format!(
                "{e}: {}",
                &object.get()[..object.get().len().min(200)]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first: {:?}",
        failures.len(),
        failures.first()
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn mutate(text: &str, at: usize, len: usize, insert: &str) -> String {
        let bytes = text.as_bytes();
        let at = at % (bytes.len() + 1);
        let end = (at + len).min(bytes.len());
        let mut out = Vec::with_capacity(bytes.len() + insert.len());
        out.extend_from_slice(&bytes[..at]);
        out.extend_from_slice(insert.as_bytes());
        out.extend_from_slice(&bytes[end..]);
        String::from_utf8_lossy(&out).into_owned()
    }

    proptest! {
        #[test]
        fn arbitrary_strings(text in ".{0,300}") {
            let _ = validate_object(&text);
        }

        #[test]
        fn mutated_valid_objects(
            which in 0usize..64,
            at in 0usize..4000,
            len in 0usize..12,
            insert in prop::sample::select(vec![
                "", "\"", "{", "}", "[", "]", ",", ":", "0", "-1", "1e999", "null", "true",
                "\"x\"", "\\u0000", "\\ud800", "--", "é", "[[[[", "{\"a\":1}",
            ]),
        ) {
            let examples = valid();
            let (_, object) = &examples[which % examples.len()];
            let text = mutate(&object.to_string(), at, len, insert);
            let _ = validate_object(&text);
        }

        #[test]
        fn property_values_replaced(
            which in 0usize..64,
            key in 0usize..32,
            value in prop_oneof![
                Just(json!(null)), Just(json!([])), Just(json!({})), Just(json!(-1)),
                Just(json!(1.5)), Just(json!("")), Just(json!(["x"])), Just(json!([{}])),
                Just(json!(u64::MAX)), Just(json!({"k": [1, {"z": null}]})),
                ".{0,20}".prop_map(Value::from),
            ],
        ) {
            let examples = valid();
            let (_, object) = &examples[which % examples.len()];
            let mut object = object.clone();
            if let Some(map) = object.as_object_mut() {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = &keys[key % keys.len()];
                map.insert(key.clone(), value);
            }
            let _ = validate_object(&object.to_string());
        }
    }
}
