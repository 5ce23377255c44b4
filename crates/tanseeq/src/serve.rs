//! Serving the TAXII API until interrupted.

use crate::CliError;
use axum::serve::ListenerExt;
use std::net::SocketAddr;
use tanseeq_service::Node;
use tanseeq_taxii::AppState;

/// Serves until SIGINT or SIGTERM. `banner` is printed once the socket is bound.
pub async fn serve(node: Node, listen: SocketAddr, banner: Option<String>) -> Result<(), CliError> {
    let title = match node.store.node().await? {
        Some(record) => format!("tanseeq node {}", record.name),
        None => "tanseeq node".to_string(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Message(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener.local_addr()?;
    // The first line on stdout is the URL: tests and scripts read it to find an ephemeral port.
    println!("listening on http://{bound}/taxii2/");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    tracing::info!(%bound, backend = node.store.backend_name(), "serving TAXII 2.1");
    // The indicator index is built in the background, so the first match request does not
    // wait for every indicator of the node to be read and parsed.
    let warming = node.clone();
    tokio::spawn(async move {
        match warming.refresh_indicators().await {
            Ok(()) => {
                let (indexed, skipped) = warming.indicator_index_size().await;
                tracing::info!(indexed, skipped, "indicator index ready");
            }
            Err(e) => {
                tracing::warn!(error = %e, "indicator index not built yet; retried on the first match")
            }
        }
    });
    let app = tanseeq_taxii::service(AppState { node, title });
    // Small TAXII responses go out at once, not after the peer's delayed acknowledgement.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
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
