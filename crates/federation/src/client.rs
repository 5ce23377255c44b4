//! The HTTP(S) client of one peer: TAXII reads and writes, and the handshake, each request
//! signed by this node.
//!
//! Trust is per peer: an `https://` peer's certificate must chain to the CA (or be the
//! certificate) configured for that peer; the system's roots are never consulted. Plain
//! `http://` is accepted only to a loopback address. Redirects are not followed, so a request
//! never leaves the configured peer.

use crate::FederationError;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tanseeq_provenance::NodeSigner;
use tanseeq_service::federation::{Credentials, Hello, NODE_HEADER, PeerConfig, sign_request};
use uuid::Uuid;

/// TAXII 2.1 media type.
const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// Connecting to a peer gives up after this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole request to a peer gives up after this long (a slow peer never holds a sync task
/// longer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response read from a peer.
pub const MAX_RESPONSE_BYTES: usize = 128 * 1024 * 1024;

/// One page of a peer's collection.
#[derive(Debug, Default)]
pub struct PulledPage {
    pub objects: Vec<String>,
    pub companions: Vec<String>,
    pub more: bool,
    pub next: Option<String>,
    /// `X-TAXII-Date-Added-Last`.
    pub date_added_last: Option<String>,
}

pub struct PeerClient {
    http: reqwest::Client,
    base: url::Url,
    credentials: Credentials,
    signer: Arc<NodeSigner>,
    peer: String,
}

/// Makes sure rustls has its process-wide crypto provider (ring), once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl PeerClient {
    pub fn new(peer: &PeerConfig, signer: Arc<NodeSigner>) -> Result<Self, FederationError> {
        install_crypto_provider();
        let bad = |why: String| FederationError::Config(format!("peer `{}`: {why}", peer.name));
        let base = url::Url::parse(&peer.url).map_err(|e| bad(format!("--url: {e}")))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("tanseeq/", env!("CARGO_PKG_VERSION")));
        match base.scheme() {
            "https" => {
                let ca = peer.ca_pem.as_deref().ok_or_else(|| {
                    bad("an https:// peer needs the CA or certificate to trust (--ca FILE)".into())
                })?;
                let roots = reqwest::Certificate::from_pem_bundle(ca.as_bytes())
                    .map_err(|e| bad(format!("--ca: {e}")))?;
                if roots.is_empty() {
                    return Err(bad("--ca holds no certificate".into()));
                }
                builder = builder.tls_certs_only(roots);
                if let (Some(cert), Some(key)) = (&peer.client_cert_pem, &peer.client_key_pem) {
                    let identity = reqwest::Identity::from_pem(format!("{cert}\n{key}").as_bytes())
                        .map_err(|e| bad(format!("--client-cert/--client-key: {e}")))?;
                    builder = builder.identity(identity);
                }
            }
            "http" => {
                let loopback = match base.host() {
                    Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                    Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                    Some(url::Host::Domain(d)) => d == "localhost",
                    None => false,
                };
                if !loopback {
                    return Err(bad(
                        "plain http:// is accepted only to a loopback address; use https://".into(),
                    ));
                }
            }
            other => return Err(bad(format!("unsupported URL scheme `{other}`"))),
        }
        let http = builder
            .build()
            .map_err(|e| bad(format!("HTTP client: {e}")))?;
        Ok(PeerClient {
            http,
            base,
            credentials: peer.credentials.clone(),
            signer,
            peer: peer.name.clone(),
        })
    }

    fn url(&self, path_and_query: &str) -> Result<url::Url, FederationError> {
        self.base
            .join(path_and_query)
            .map_err(|e| FederationError::Config(format!("peer `{}`: URL: {e}", self.peer)))
    }

    fn request(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
    ) -> Result<reqwest::RequestBuilder, FederationError> {
        let url = self.url(path_and_query)?;
        let signed_path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let signature = sign_request(&self.signer, method.as_str(), &signed_path);
        let builder = self
            .http
            .request(method, url)
            .header(NODE_HEADER, signature);
        Ok(match &self.credentials {
            Credentials::Basic { user, password } => builder.basic_auth(user, Some(password)),
            Credentials::Token(token) => builder.bearer_auth(token),
        })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), FederationError> {
        let response = request.send().await.map_err(|e| {
            FederationError::Unreachable(format!("peer `{}`: {}", self.peer, error_chain(&e)))
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            FederationError::Unreachable(format!("peer `{}`: {}", self.peer, error_chain(&e)))
        })? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(FederationError::Protocol(format!(
                    "peer `{}` answered more than {MAX_RESPONSE_BYTES} bytes",
                    self.peer
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            let detail = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("title").and_then(|t| t.as_str()).map(|t| {
                        let d = v.get("description").and_then(|d| d.as_str()).unwrap_or("");
                        format!("{t} {d}").trim().to_owned()
                    })
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
            return Err(FederationError::Refused {
                status: status.as_u16(),
                message: format!("peer `{}` answered {status}: {detail}", self.peer),
            });
        }
        Ok((headers, body))
    }

    /// The handshake: sends what this node knows of the federation, returns the peer's.
    pub async fn hello(&self, hello: &Hello) -> Result<Hello, FederationError> {
        let request = self
            .request(reqwest::Method::POST, "/api/v1/federation/hello")?
            .json(hello);
        let (_, body) = self.send(request).await?;
        let hello: Hello = serde_json::from_slice(&body).map_err(|e| {
            FederationError::Protocol(format!("peer `{}`: handshake answer: {e}", self.peer))
        })?;
        Ok(hello)
    }

    /// One page of the peer's collection: every version added after `added_after`, or the
    /// page `next` names.
    pub async fn get_objects(
        &self,
        api_root: &str,
        collection: Uuid,
        added_after: Option<&str>,
        next: Option<&str>,
        limit: usize,
    ) -> Result<PulledPage, FederationError> {
        let query = {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("limit", &limit.to_string());
            query.append_pair("match[version]", "all");
            match (next, added_after) {
                (Some(next), _) => {
                    query.append_pair("next", next);
                }
                (None, Some(after)) => {
                    query.append_pair("added_after", after);
                }
                (None, None) => {}
            }
            query.finish()
        };
        let path = format!(
            "/{}/collections/{collection}/objects?{query}",
            encode_segment(api_root),
        );
        let request = self
            .request(reqwest::Method::GET, &path)?
            .header(ACCEPT, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        let (headers, body) = self.send(request).await?;
        #[derive(Deserialize)]
        struct Envelope<'a> {
            #[serde(default)]
            more: bool,
            #[serde(default)]
            next: Option<String>,
            #[serde(default, borrow)]
            objects: Vec<&'a serde_json::value::RawValue>,
        }
        let envelope: Envelope = serde_json::from_slice(&body).map_err(|e| {
            FederationError::Protocol(format!("peer `{}`: not a TAXII envelope: {e}", self.peer))
        })?;
        let (companions, objects): (Vec<String>, Vec<String>) = envelope
            .objects
            .iter()
            .map(|o| o.get().to_owned())
            .partition(|o| tanseeq_service::federation::is_companion(o));
        Ok(PulledPage {
            objects,
            companions,
            more: envelope.more,
            next: envelope.next.filter(|_| envelope.more),
            date_added_last: headers
                .get("x-taxii-date-added-last")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }

    /// Posts objects with their companions to the peer's collection; returns the status
    /// resource's failures as (id, version, message).
    pub async fn post_objects(
        &self,
        api_root: &str,
        collection: Uuid,
        objects: &[&str],
    ) -> Result<PostOutcome, FederationError> {
        let mut body = String::from("{\"objects\":[");
        for (i, object) in objects.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(object);
        }
        body.push_str("]}");
        let path = format!(
            "/{}/collections/{collection}/objects",
            encode_segment(api_root)
        );
        let request = self
            .request(reqwest::Method::POST, &path)?
            .header(ACCEPT, HeaderValue::from_static(TAXII_MEDIA_TYPE))
            .header(CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE))
            .body(body);
        let (_, body) = self.send(request).await?;
        let status: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| FederationError::Protocol(format!("peer `{}`: status: {e}", self.peer)))?;
        let count = |k: &str| status.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        let failures = status
            .get("failures")
            .and_then(|f| f.as_array())
            .map(|list| {
                list.iter()
                    .map(|f| {
                        let text =
                            |k: &str| f.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                        (text("id"), text("version"), text("message"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(PostOutcome {
            status_id: status
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            state: status
                .get("status")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            success_count: count("success_count"),
            failures,
        })
    }

    /// A status resource's state (`pending` or `complete`).
    pub async fn status_state(
        &self,
        api_root: &str,
        status_id: &str,
    ) -> Result<String, FederationError> {
        let path = format!(
            "/{}/status/{}",
            encode_segment(api_root),
            encode_segment(status_id)
        );
        let request = self
            .request(reqwest::Method::GET, &path)?
            .header(ACCEPT, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        let (_, body) = self.send(request).await?;
        let status: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| FederationError::Protocol(format!("peer `{}`: status: {e}", self.peer)))?;
        Ok(status
            .get("status")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned())
    }
}

/// What a POST to a peer came to.
#[derive(Debug)]
pub struct PostOutcome {
    pub status_id: String,
    pub state: String,
    pub success_count: u64,
    /// (id, version, message) of every object the peer refused.
    pub failures: Vec<(String, String, String)>,
}

fn encode_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// An error with its causes, on one line (reqwest's own text hides the TLS or socket cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
