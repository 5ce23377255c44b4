//! The operations room over plain HTTP (the browser tests in `tests/browser` drive it in
//! Chromium): sessions and their cookies, CSRF, slowed sign-ins, the content security policy,
//! languages, and that an object a user may not see appears nowhere in the interface.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A browser without a browser: a cookie jar, no redirects followed.
struct Browser {
    base: String,
    http: reqwest::blocking::Client,
    cookies: HashMap<String, String>,
    accept_language: Option<String>,
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The value of a hidden form field (the first of that name).
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} in:\n{}", self.text))
            + marker.len();
        self.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Browser {
    fn new(node: &TestNode) -> Browser {
        install_crypto_provider();
        Browser {
            base: node.base_url(),
            http: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: HashMap::new(),
            accept_language: None,
        }
    }

    fn remember(&mut self, page: &Page) {
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    fn send(&mut self, builder: reqwest::blocking::RequestBuilder) -> Page {
        let mut builder = builder;
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            builder = builder.header("Cookie", jar.join("; "));
        }
        if let Some(lang) = &self.accept_language {
            builder = builder.header("Accept-Language", lang);
        }
        let response = builder.send().expect("HTTP request");
        let page = Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().unwrap_or_default(),
        };
        self.remember(&page);
        page
    }

    fn get(&mut self, path: &str) -> Page {
        let builder = self.http.get(format!("{}{path}", self.base));
        self.send(builder)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_body(form);
        let builder = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &self.base)
            .body(body);
        self.send(builder)
    }

    /// Signs in through the form; returns the final response of the POST.
    fn sign_in(&mut self, user: &str, password: &str) -> Page {
        let login = self.get("/ui/login");
        assert_eq!(login.status, 200);
        let csrf = login.field("csrf");
        self.post(
            "/ui/login",
            &[
                ("csrf", &csrf),
                ("username", user),
                ("password", password),
                ("next", "/ui"),
            ],
        )
    }

    /// The session's CSRF token, from any signed-in page.
    fn csrf(&mut self) -> String {
        let page = self.get("/ui/search");
        assert_eq!(page.status, 200, "{}", page.text);
        page.field("csrf")
    }
}

fn form_body(form: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded_serializer();
    for (k, v) in form {
        s.append_pair(k, v);
    }
    s.finish()
}

fn form_urlencoded_serializer() -> form_urlencoded::Serializer<'static, String> {
    form_urlencoded::Serializer::new(String::new())
}

fn named(kind: &str, name: &str, description: &str, markings: &[&str]) -> Value {
    json!({
        "type": kind,
        "spec_version": "2.1",
        "id": new_id(kind),
        "created": "2026-11-29T08:00:00.000Z",
        "modified": "2026-11-29T08:00:00.000Z",
        "name": name,
        "description": description,
        "is_family": false,
        "object_marking_refs": markings,
    })
}

#[test]
fn sessions_cookies_csrf_and_slowed_sign_ins() {
    let mut node = TestNode::init("BH CERT");
    node.add_user("BH CERT", "amal", "analyst");
    node.start();
    let mut browser = Browser::new(&node);

    // Every page carries the policy; no inline script is allowed.
    let login = browser.get("/ui/login");
    let csp = login.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!login.text.contains("<script>"), "no inline script");

    // Pages need a session; they send you to sign in and back.
    let dashboard = browser.get("/ui");
    assert_eq!(dashboard.status, 303);
    assert_eq!(dashboard.location(), "/ui/login?next=%2Fui");
    assert_eq!(browser.get("/").location(), "/ui");
    // Unknown pages are the interface's own 404 page; the icon needs no session.
    let unknown = browser.get("/ui/no-such-page");
    assert_eq!(unknown.status, 404);
    assert!(unknown.text.contains("<html"), "{}", unknown.text);
    assert_eq!(browser.get("/favicon.ico").status, 200);

    // The sign-in form needs its CSRF token.
    let refused = browser.post(
        "/ui/login",
        &[
            ("csrf", "forged-token-forged"),
            ("username", "amal"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(refused.status, 403);

    let signed_in = browser.sign_in("amal", PASSWORD);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text);
    assert_eq!(signed_in.location(), "/ui");
    let cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("tanseeq_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: not Secure ({cookie})"
    );
    assert_eq!(browser.get("/ui").status, 200);

    // Forms without the session's token are refused, even from a signed-in browser.
    let forged = browser.post(
        "/ui/lang",
        &[("lang", "ar"), ("next", "/ui"), ("csrf", "x")],
    );
    assert_eq!(forged.status, 403);
    let csrf = browser.csrf();
    let cross_site = browser.send(
        browser
            .http
            .post(format!("{}/ui/logout", browser.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "http://evil.example")
            .body(form_body(&[("csrf", &csrf)])),
    );
    assert_eq!(cross_site.status, 403, "another origin is refused");

    // Signing out ends the session everywhere.
    let session = browser.cookies["tanseeq_session"].clone();
    assert_eq!(browser.post("/ui/logout", &[("csrf", &csrf)]).status, 303);
    browser.cookies.insert("tanseeq_session".into(), session);
    assert_eq!(browser.get("/ui").status, 303, "the old cookie is dead");

    // Failed sign-ins are slowed down: after three, even the right password must wait.
    let mut guesser = Browser::new(&node);
    for _ in 0..3 {
        assert_eq!(guesser.sign_in("amal", "wrong-password-123").status, 401);
    }
    let slowed = guesser.sign_in("amal", PASSWORD);
    assert_eq!(slowed.status, 429, "{}", slowed.text);
    assert!(slowed.text.contains("try again"), "{}", slowed.text);

    // A form posted after the session ended goes to sign-in, then back to its page.
    let mut late = Browser::new(&node);
    late.cookies
        .insert("tanseeq_session".into(), "expired".into());
    let back = late.send(
        late.http
            .post(format!("{}/ui/submit", late.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Referer", format!("{}/ui/submit", late.base))
            .body("name=x"),
    );
    assert_eq!(back.status, 303);
    assert_eq!(back.location(), "/ui/login?next=%2Fui%2Fsubmit&expired=1");
}

#[test]
fn languages_follow_the_browser_then_the_user() {
    let mut node = TestNode::init("AE Police");
    node.start();
    let mut browser = Browser::new(&node);
    browser.accept_language = Some("ar-AE,ar;q=0.9,en;q=0.5".into());
    let login = browser.get("/ui/login");
    assert!(
        login.text.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        login.text
    );
    assert!(login.text.contains("تسجيل الدخول"));

    browser.accept_language = Some("en-GB".into());
    let signed_in = browser.sign_in(&node.admin, &node.admin_password);
    assert_eq!(signed_in.status, 303);
    let page = browser.get("/ui/search");
    assert!(page.text.contains("<html lang=\"en\" dir=\"ltr\">"));

    // Choosing Arabic is remembered for the user, on any browser.
    let csrf = page.field("csrf");
    let switched = browser.post(
        "/ui/lang",
        &[("lang", "ar"), ("next", "/ui/search"), ("csrf", &csrf)],
    );
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location(), "/ui/search");
    let mut elsewhere = Browser::new(&node);
    elsewhere.accept_language = Some("en-US".into());
    elsewhere.sign_in(&node.admin, &node.admin_password);
    let page = elsewhere.get("/ui/search");
    assert!(
        page.text.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains("بحث"));
    // An unsafe return path is not followed.
    let csrf = page.field("csrf");
    let off_site = elsewhere.post(
        "/ui/lang",
        &[("lang", "en"), ("next", "//evil.example/"), ("csrf", &csrf)],
    );
    assert_eq!(off_site.location(), "/ui");
}

#[test]
fn what_a_user_may_not_see_is_nowhere_and_script_is_text() {
    let mut node = TestNode::init("BH CERT");
    node.add_org("AE Police");
    node.add_user("BH CERT", "bh", "analyst");
    node.add_user("AE Police", "ae", "analyst");
    let shared = node.add_collection("shared", "BH CERT,AE Police", "BH CERT,AE Police");
    node.start();
    let bh = node.user_client("bh");

    let red = named("malware", "Qamar red secret", "حملة سرية", &[TLP_RED]);
    let green = named(
        "malware",
        "<script>window.__pwned=1</script><img src=x onerror=alert(1)>",
        "حَمْلَةُ التَّصَيُّدِ عبر http://bad.example/login و 198.51.100.7",
        &[TLP_GREEN],
    );
    bh.post_ok(&shared, &[red.clone(), green.clone()]);

    let mut ae = Browser::new(&node);
    assert_eq!(ae.sign_in("ae", PASSWORD).status, 303);
    let mut own = Browser::new(&node);
    assert_eq!(own.sign_in("bh", PASSWORD).status, 303);

    let red_id = red["id"].as_str().unwrap();
    let red_page = format!("/ui/object/api/{shared}/{red_id}");
    let green_page = format!("/ui/object/api/{shared}/{}", green["id"].as_str().unwrap());

    // The originator sees its TLP:RED object everywhere.
    assert!(own.get("/ui").text.contains("Qamar red secret"));
    assert!(own.get("/ui/search?q=qamar").text.contains(red_id));
    assert_eq!(own.get(&red_page).status, 200);

    // The other organization: not on the dashboard, not in search, the page is a 404 like an
    // object that does not exist.
    let dashboard = ae.get("/ui");
    assert_eq!(dashboard.status, 200);
    assert!(!dashboard.text.contains("Qamar"), "{}", dashboard.text);
    assert!(!dashboard.text.contains(red_id));
    let search = ae.get("/ui/search?q=qamar");
    assert!(search.text.contains("no-results"), "{}", search.text);
    let hidden = ae.get(&red_page);
    let absent = ae.get(&format!(
        "/ui/object/api/{shared}/malware--00000000-0000-4000-8000-000000000000"
    ));
    assert_eq!((hidden.status, absent.status), (404, 404));
    assert_eq!(hidden.text, absent.text, "hidden and absent look the same");

    // Arabic search without diacritics finds the object stored with them.
    let found = ae.get(&format!("/ui/search?q={}", "حملة%20التصيد"));
    assert!(
        found.text.contains(green["id"].as_str().unwrap()),
        "{}",
        found.text
    );
    // An observable inside the description is isolated for bidi and found exactly.
    let page = ae.get(&green_page);
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("<bdi class=\"value\" dir=\"ltr\">http://bad.example/login</bdi>")
    );
    // Script in a name is text, never markup.
    for text in [&dashboard.text, &page.text] {
        assert!(
            !text.contains("<script>window"),
            "script rendered as markup"
        );
        assert!(!text.contains("<img src=x"), "markup rendered");
    }
    assert!(
        page.text
            .contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;")
    );

    // Relationships both ways and sightings, each only as far as the user may see them.
    let actor = named("threat-actor", "Qamar group", "", &[TLP_GREEN]);
    let uses = json!({
        "type": "relationship", "spec_version": "2.1", "id": new_id("relationship"),
        "created": "2026-11-29T08:00:00.000Z", "modified": "2026-11-29T08:00:00.000Z",
        "relationship_type": "uses", "source_ref": actor["id"], "target_ref": green["id"],
        "object_marking_refs": [TLP_GREEN],
    });
    let hidden_link = json!({
        "type": "relationship", "spec_version": "2.1", "id": new_id("relationship"),
        "created": "2026-11-29T08:00:00.000Z", "modified": "2026-11-29T08:00:00.000Z",
        "relationship_type": "attributed-to", "source_ref": green["id"], "target_ref": red["id"],
        "object_marking_refs": [TLP_RED],
    });
    let sighting = json!({
        "type": "sighting", "spec_version": "2.1", "id": new_id("sighting"),
        "created": "2026-11-29T08:00:00.000Z", "modified": "2026-11-29T08:00:00.000Z",
        "sighting_of_ref": green["id"], "count": 3, "object_marking_refs": [TLP_GREEN],
    });
    bh.post_ok(
        &shared,
        &[
            actor.clone(),
            uses.clone(),
            hidden_link.clone(),
            sighting.clone(),
        ],
    );
    let page = ae.get(&green_page);
    let section = |id: &str| {
        let start = page.text.find(&format!("id=\"{id}\"")).expect("section");
        let end = page.text[start..]
            .find("</section>")
            .map(|e| start + e)
            .unwrap();
        page.text[start..end].to_owned()
    };
    let relationships = section("relationships");
    assert!(relationships.contains("Qamar group"), "{relationships}");
    assert!(relationships.contains(uses["id"].as_str().unwrap()));
    assert!(relationships.contains("class=\"incoming\""));
    assert!(
        !relationships.contains(hidden_link["id"].as_str().unwrap()),
        "a RED link stays hidden"
    );
    assert!(section("sightings").contains(sighting["id"].as_str().unwrap()));
    let own_page = own.get(&green_page);
    assert!(
        own_page.text.contains(hidden_link["id"].as_str().unwrap()),
        "its originator sees it"
    );

    // Administration does not exist for analysts.
    assert_eq!(ae.get("/ui/admin").status, 404);
}

#[test]
fn submitting_an_indicator_and_a_bundle() {
    let mut node = TestNode::init("BH CERT");
    node.start();
    let mut browser = Browser::new(&node);
    browser.sign_in(&node.admin, &node.admin_password);
    let csrf = browser.csrf();
    let collection = format!("api/{}", node.default_collection);

    // Live validation answers for the pattern as it is typed.
    let check = |browser: &mut Browser, pattern: &str| -> Value {
        let page = browser.send(
            browser
                .http
                .post(format!("{}/ui/pattern-check", browser.base))
                .header("x-csrf-token", &csrf)
                .body(pattern.to_owned()),
        );
        assert_eq!(page.status, 200, "{}", page.text);
        serde_json::from_str(&page.text).unwrap()
    };
    assert_eq!(
        check(&mut browser, "[ipv4-addr:value = '198.51.100.7']")["ok"],
        true
    );
    let bad = check(&mut browser, "[ipv4-addr:value = ");
    assert_eq!(bad["ok"], false);
    assert!(bad["column"].as_u64().is_some());

    let stored = browser.post(
        "/ui/submit",
        &[
            ("csrf", &csrf),
            ("name", "خادم تحكم"),
            ("description", "C2 على 198.51.100.7"),
            ("pattern", "[ipv4-addr:value = '198.51.100.7']"),
            ("tlp", "green"),
            ("collection", &collection),
        ],
    );
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert!(stored.text.contains("class=\"notice\""), "{}", stored.text);
    let found = browser.get("/ui/search?q=198.51.100.0%2F24");
    assert!(found.text.contains("خادم تحكم"), "{}", found.text);

    let refused = browser.post(
        "/ui/submit",
        &[
            ("csrf", &csrf),
            ("name", "bad"),
            ("pattern", "[ipv4-addr:value = "),
            ("tlp", "green"),
            ("collection", &collection),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(refused.text.contains("pattern"), "{}", refused.text);
    assert!(
        refused.text.contains("[ipv4-addr:value = "),
        "the form keeps what was typed"
    );

    let bundle = json!({
        "type": "bundle",
        "id": new_id("bundle"),
        "objects": [named("malware", "Bundle one", "", &[TLP_GREEN]), named("malware", "Bundle two", "", &[TLP_GREEN])],
    });
    let sent = browser.post(
        "/ui/submit/bundle",
        &[
            ("csrf", &csrf),
            ("bundle", &bundle.to_string()),
            ("collection", &collection),
        ],
    );
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert!(sent.text.contains("Bundle") || sent.text.contains("malware--"));
    let malformed = browser.post(
        "/ui/submit/bundle",
        &[
            ("csrf", &csrf),
            ("bundle", "{not json"),
            ("collection", &collection),
        ],
    );
    assert_eq!(malformed.status, 400);
    assert_eq!(
        node.admin_client()
            .get(&format!(
                "/api/collections/{}/objects",
                node.default_collection
            ))
            .json()["objects"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}
