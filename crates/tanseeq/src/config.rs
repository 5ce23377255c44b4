//! The optional configuration file (`--config FILE`, TOML): the same settings as the command
//! line, for deployments that keep them in one place. The command line and the environment
//! win over it.

use crate::CliError;
use crate::node::Location;
use crate::serve::TlsFiles;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Largest configuration file read, in bytes: a configuration is a few lines.
const MAX_CONFIG_LEN: u64 = 1024 * 1024;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A data directory on the embedded database.
    pub data: Option<PathBuf>,
    /// A PostgreSQL connection string.
    pub database: Option<String>,
    pub listen: Option<SocketAddr>,
    pub max_content_length: Option<usize>,
    /// `serve` over HTTPS: PEM certificate chain and private key, and optionally the CAs
    /// whose client certificates are required.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_client_ca: Option<PathBuf>,
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config, CliError> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let unreadable =
            |e: std::io::Error| CliError::Usage(format!("cannot read {}: {e}", path.display()));
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_CONFIG_LEN {
            return Err(CliError::Usage(format!(
                "{} is {size} bytes; a configuration file is at most {MAX_CONFIG_LEN}",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            // toml's message spans several lines (the offending line, a caret): keep one.
            let message = e.message().to_owned();
            // The line, as written, says which setting is wrong.
            let place = e
                .span()
                .map(|span| {
                    let start = span.start.min(text.len());
                    let number = text[..start].matches('\n').count() + 1;
                    let line = text.lines().nth(number - 1).unwrap_or("").trim();
                    format!(" (line {number}: {line})")
                })
                .unwrap_or_default();
            CliError::Usage(format!("{}{place}: {message}", path.display()))
        })?;
        if config.data.is_some() && config.database.is_some() {
            return Err(CliError::Usage(format!(
                "{}: give `data` or `database`, not both",
                path.display()
            )));
        }
        Ok(config)
    }

    /// The TLS files of `serve`: each from the command line or environment if given there,
    /// else from this file; certificate and key both or neither.
    pub fn tls_files(
        &self,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
        client_ca: Option<PathBuf>,
    ) -> Result<Option<TlsFiles>, CliError> {
        let cert = cert.or_else(|| self.tls_cert.clone());
        let key = key.or_else(|| self.tls_key.clone());
        let client_ca = client_ca.or_else(|| self.tls_client_ca.clone());
        match (cert, key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert,
                key,
                client_ca,
            })),
            (None, None) if client_ca.is_none() => Ok(None),
            (None, None) => Err(CliError::Usage(
                "--tls-client-ca needs --tls-cert and --tls-key".into(),
            )),
            (Some(_), None) => Err(CliError::Usage(
                "--tls-cert needs --tls-key (the certificate's private key)".into(),
            )),
            (None, Some(_)) => Err(CliError::Usage(
                "--tls-key needs --tls-cert (the certificate chain)".into(),
            )),
        }
    }

    /// The node's location: from the command line or environment if given there, else from
    /// this file.
    pub fn location(
        &self,
        data: Option<PathBuf>,
        database: Option<String>,
    ) -> Result<Location, CliError> {
        match (data, database) {
            (Some(dir), None) => Ok(Location::Dir(dir)),
            (None, Some(url)) => Ok(Location::Postgres(url)),
            (Some(_), Some(_)) => Err(CliError::Usage(
                "give --data or --database, not both".into(),
            )),
            (None, None) => match (&self.data, &self.database) {
                (Some(dir), _) => Ok(Location::Dir(dir.clone())),
                (None, Some(url)) => Ok(Location::Postgres(url.clone())),
                (None, None) => Err(CliError::Usage(
                    "where is the node? give --data DIR (embedded database) or --database URL \
                     (PostgreSQL), or set `data` or `database` in the configuration file"
                        .into(),
                )),
            },
        }
    }
}
