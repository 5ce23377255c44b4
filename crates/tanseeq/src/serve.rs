//! Serving the TAXII API until interrupted, over HTTP or HTTPS.

use crate::CliError;
use axum::serve::{Listener, ListenerExt};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tanseeq_service::Node;
use tanseeq_taxii::AppState;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Serves until SIGINT or SIGTERM. `banner` is printed once the socket is bound.
pub async fn serve(node: Node, listen: SocketAddr, banner: Option<String>) -> Result<(), CliError> {
    serve_with(node, listen, banner, None).await
}

/// The files of `serve --tls-cert FILE --tls-key FILE [--tls-client-ca FILE]`.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// PEM private key: PKCS#8, RSA (PKCS#1) or SEC1.
    pub key: PathBuf,
    /// PEM CA certificates; when given, every client must present a certificate they signed.
    pub client_ca: Option<PathBuf>,
}

/// The longest a client may take to complete its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads the certificate, key (and client CAs) and builds the TLS configuration: TLS 1.2 and
/// 1.3 on the `ring` provider, ALPN `http/1.1`. Every problem is one line naming the file.
pub fn tls_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, CliError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = read_certificates(&files.cert)?;
    let key_text = read_file(&files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_text).map_err(|e| match e {
        pem::Error::NoItemsFound => CliError::Message(format!(
            "{}: no PEM private key (PKCS#8, RSA or SEC1) in it",
            files.key.display()
        )),
        e => CliError::Message(format!(
            "{}: not a PEM private key: {e}",
            files.key.display()
        )),
    })?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| CliError::Message(format!("TLS: {e}")))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certificates(path)? {
                roots.add(cert).map_err(|e| {
                    CliError::Message(format!("{}: not a CA certificate: {e}", path.display()))
                })?;
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .map_err(|e| CliError::Message(format!("{}: {e}", path.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        let why = match e {
            rustls::Error::InconsistentKeys(_) => "the key does not match the certificate".into(),
            e => e.to_string(),
        };
        CliError::Message(format!(
            "{} and {}: {why}",
            files.cert.display(),
            files.key.display()
        ))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::Message(format!("cannot read {}: {e}", path.display())))
}

/// Every certificate of a PEM file (at least one).
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, CliError> {
    let text = read_file(path)?;
    let chain = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            CliError::Message(format!(
                "{}: not a PEM certificate file: {e}",
                path.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(CliError::Message(format!(
            "{}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(chain)
}

/// Serves until SIGINT or SIGTERM, over HTTPS when `tls` is given. `banner` is printed once
/// the socket is bound.
pub async fn serve_with(
    node: Node,
    listen: SocketAddr,
    banner: Option<String>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<(), CliError> {
    let title = match node.store.node().await? {
        Some(record) => format!("tanseeq node {}", record.name),
        None => "tanseeq node".to_string(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Message(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener.local_addr()?;
    // The first line on stdout is the URL: tests and scripts read it to find an ephemeral port.
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{bound}/taxii2/");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("operations room: {scheme}://{bound}/ui");
    tracing::info!(%bound, backend = node.store.backend_name(), %scheme, "serving TAXII 2.1");
    // Object versions stored before search existed (a node upgraded from an earlier schema)
    // are indexed in the background, a batch at a time.
    let indexing = node.clone();
    tokio::spawn(async move {
        match indexing.index_pending_search().await {
            Ok(0) => {}
            Ok(versions) => tracing::info!(versions, "object versions indexed for search"),
            Err(e) => tracing::warn!(error = %e, "indexing for search stopped"),
        }
    });
    let web = tanseeq_web::WebState {
        node: node.clone(),
        secure_cookies: tls.is_some(),
    };
    let app = tanseeq_web::service(AppState { node, title }, web);
    if let Some(config) = tls {
        // `tap_io` does nothing here but lets axum hand the app the client's address
        // (`ConnectInfo`), which it does for its own and for tapped listeners only.
        let listener = TlsListener::new(listener, config).tap_io(|_| {});
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        return Ok(());
    }
    // Small TAXII responses go out at once, not after the peer's delayed acknowledgement.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// An HTTPS listener for `axum::serve`: a task accepts TCP connections and runs each TLS
/// handshake in a task of its own (a slow or failing client never holds up the others, nor
/// stops the server); finished handshakes are handed to axum, which serves them as it serves
/// plain connections (graceful shutdown, connection info).
struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> TlsListener {
        let local = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (tx, ready) = mpsc::channel(64);
        let tls = TlsAcceptor::from(config);
        let acceptor = tokio::spawn(async move {
            let mut listener = listener;
            loop {
                // axum's TcpListener accept: retries and backs off on errors.
                let (tcp, peer) = Listener::accept(&mut listener).await;
                // Small TAXII responses (and the handshake's flights) go out at once, not
                // after the peer's delayed acknowledgement.
                let _ = tcp.set_nodelay(true);
                let tls = tls.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        TlsListener {
            ready,
            local,
            acceptor,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it does not, short of a panic): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
