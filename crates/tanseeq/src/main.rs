//! `tanseeq`: one binary for a node — set-up, administration, serving, import and export.

mod config;
mod demo;
mod federation;
mod matching;
mod migrate;
mod node;
mod serve;
mod transfer;

use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tanseeq_service::ServiceError;
use tanseeq_store::{Role, StoreError};
use uuid::Uuid;

use config::Config;
use node::Location;

/// Where `serve` listens unless told otherwise.
const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 7070);

/// A federated exchange for cyber-threat intelligence between cooperating agencies:
/// STIX 2.1 over TAXII 2.1, TLP 2.0 as access control.
#[derive(Parser)]
#[command(
    name = "tanseeq",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Environment: TANSEEQ_CONFIG (--config), TANSEEQ_DATA (--data), TANSEEQ_DATABASE \
(--database), TANSEEQ_LISTEN (--listen), TANSEEQ_MAX_CONTENT_LENGTH (--max-content-length), \
TANSEEQ_LOG (log filter, e.g. `debug`). The command line wins over the environment, which wins \
over the configuration file.\n\
Exit status: 0 done; 1 the command failed (one line on stderr, `error: …`); 2 the command line \
is wrong.\n\
Quick start: `tanseeq demo`, then see README.md."
)]
struct Cli {
    /// A TOML configuration file with any of the keys `data`, `database`, `listen`,
    /// `max_content_length`, `tls_cert`, `tls_key`, `tls_client_ca`.
    #[arg(long, global = true, env = "TANSEEQ_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where a node keeps its data: one of the two, on the command line, in the environment or
/// in the configuration file.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// The node's data directory, on the embedded database (SQLite file `tanseeq.db`).
    #[arg(
        long,
        env = "TANSEEQ_DATA",
        value_name = "DIR",
        conflicts_with = "database"
    )]
    data: Option<PathBuf>,
    /// A PostgreSQL database instead of a data directory, for a node served by several
    /// processes: postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME.
    #[arg(long, env = "TANSEEQ_DATABASE", value_name = "URL")]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new node in an empty directory: database, node signing key, API root `api`, a
    /// default collection, the first organization and its admin (whose password is printed once).
    Init {
        #[command(flatten)]
        data: DataArgs,
        /// The first organization, the node operator's own agency.
        #[arg(long, value_name = "NAME")]
        org: String,
        /// Name of the admin account.
        #[arg(long, default_value = "admin", value_name = "NAME")]
        admin: String,
        /// A name for this node, shown in TAXII discovery.
        #[arg(long, value_name = "NAME")]
        node_name: Option<String>,
    },
    /// Run the TAXII 2.1 server.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on [default: 127.0.0.1:7070].
        #[arg(long, env = "TANSEEQ_LISTEN")]
        listen: Option<SocketAddr>,
        /// Largest request body accepted, in bytes (TAXII max_content_length)
        /// [default: 67108864].
        #[arg(long, env = "TANSEEQ_MAX_CONTENT_LENGTH")]
        max_content_length: Option<usize>,
        /// Serve HTTPS with this PEM certificate chain (the server's certificate first);
        /// needs --tls-key.
        #[arg(long, env = "TANSEEQ_TLS_CERT", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// The certificate's PEM private key (PKCS#8, RSA or SEC1); needs --tls-cert.
        #[arg(long, env = "TANSEEQ_TLS_KEY", value_name = "FILE")]
        tls_key: Option<PathBuf>,
        /// Require a client certificate signed by one of these PEM CA certificates (mutual
        /// TLS); needs --tls-cert and --tls-key.
        #[arg(long, env = "TANSEEQ_TLS_CLIENT_CA", value_name = "FILE")]
        tls_client_ca: Option<PathBuf>,
        /// Do not sync with peers from this process (another process serving the same
        /// database does).
        #[arg(long)]
        no_sync: bool,
        /// Objects a peer node may push per second; faster pushes get 429 [default: 100000].
        #[arg(long, env = "TANSEEQ_PEER_OBJECTS_PER_SECOND", value_name = "N")]
        peer_objects_per_second: Option<usize>,
    },
    /// Bring a node's database schema up to date (every command also does it on start) and
    /// print its version; or, with --from and --to, move a whole node to another database
    /// (for example from a data directory to PostgreSQL), verified by counts and checksums.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
        /// The node to move: a data directory or a postgres:// URL.
        #[arg(long, value_name = "DIR|URL", requires = "to", conflicts_with_all = ["data", "database"])]
        from: Option<String>,
        /// Where to move it: a postgres:// URL (an empty database) or a new directory.
        #[arg(long, value_name = "URL|DIR", requires = "from")]
        to: Option<String>,
    },
    /// Organizations (agencies) with accounts on this node.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Peer nodes of the federation.
    #[command(subcommand)]
    Peer(PeerCommand),
    /// Sharing groups: named sets of organizations an object can be marked for.
    #[command(subcommand)]
    Group(GroupCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Bearer API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// TAXII collections and which organizations may read and write them.
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// Import STIX objects from a bundle or JSON lines (a file, or `-` for standard input),
    /// streamed; prints stored, duplicate and invalid counts and each invalid object's reason.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The collection to import into.
        #[arg(long, value_name = "ID")]
        collection: Uuid,
        /// The organization recorded as the objects' originator (default: the node's first).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// A STIX bundle, a JSON array or JSON lines of objects; `-` reads standard input.
        file: String,
    },
    /// Write a collection's objects (latest versions) as a STIX bundle to standard output.
    Export {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, value_name = "ID")]
        collection: Uuid,
        /// Only objects of these types (repeatable or comma-separated).
        #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
        types: Vec<String>,
        /// Only objects added after this time (RFC 3339, UTC, e.g. 2026-01-01T00:00:00Z).
        #[arg(long, value_name = "TIMESTAMP")]
        added_after: Option<String>,
        /// Every version, not only the latest.
        #[arg(long)]
        all_versions: bool,
    },
    /// Run a demonstration node in a temporary directory: two organizations, their users and
    /// collections, and a few hundred sample objects, served until interrupted.
    Demo {
        #[arg(long, default_value = "127.0.0.1:7070")]
        listen: SocketAddr,
        /// Create the demo node in this (new or empty) directory and keep it, instead of a
        /// temporary directory removed at exit.
        #[arg(long, value_name = "DIR", conflicts_with = "database")]
        data: Option<PathBuf>,
        /// Create the demo node in this empty PostgreSQL database instead.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Create the node and its data, print the accounts, and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// About this node.
    #[command(subcommand)]
    Node(NodeCommand),
    /// STIX patterns: check one, or match one against observed-data in a file.
    #[command(subcommand)]
    Pattern(PatternCommand),
    /// Match a stream against every indicator of the node the organization may see: JSON lines
    /// of SCOs, `type:value` lines, or raw log lines (IPs, domains, URLs, e-mail addresses and
    /// hashes are extracted, defanged forms too). One JSON line per hit on standard output.
    Match {
        #[command(flatten)]
        data: DataArgs,
        /// The organization whose view is matched (default: the node's first).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// Store each hit as a STIX sighting of the indicator (with the observed-data), in the
        /// indicator's collection, so that its producer sees it was hit.
        #[arg(long)]
        record_sightings: bool,
        /// The input; `-` (the default) reads standard input.
        #[arg(default_value = "-")]
        file: String,
    },
}

#[derive(Subcommand)]
enum PatternCommand {
    /// Exit 0 when the pattern is valid; exit 1 with the error (line and column) when not.
    Check {
        /// The patterning grammar: 2.0 or 2.1.
        #[arg(long, default_value = "2.1", value_parser = matching::parse_version)]
        stix_version: tanseeq_pattern::StixVersion,
        pattern: String,
    },
    /// Match a pattern against observations: FILE holds a bundle, a list of bundles, or a
    /// list of observed-data objects (STIX 2.0 or 2.1). Exit 0 and the matching observed-data
    /// ids as JSON when it matches, 1 when it does not, 2 on an error.
    Match {
        #[arg(long, default_value = "2.1", value_parser = matching::parse_version)]
        stix_version: tanseeq_pattern::StixVersion,
        pattern: String,
        /// `-` reads standard input.
        file: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organization.
    Add {
        #[command(flatten)]
        data: DataArgs,
        name: String,
    },
    /// List organizations.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (first line).
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long, value_name = "NAME")]
        name: String,
        /// admin, analyst (read and write) or reader.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List users.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; the token is printed once and stored only as a hash.
    Create {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, value_name = "NAME")]
        user: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List a user's tokens (ids, labels, state; never the secrets).
    List {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, value_name = "NAME")]
        user: String,
    },
    /// Revoke a token by id.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        id: Uuid,
    },
}

#[derive(Subcommand)]
enum CollectionCommand {
    /// Add a collection to API root `api`.
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// The collection's id (default: a new random UUID).
        #[arg(long)]
        id: Option<Uuid>,
        /// Organizations that may read (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
        read: Vec<String>,
        /// Organizations that may write (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
        write: Vec<String>,
    },
    /// List collections with their grants.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Change a collection's settings.
    Set {
        #[command(flatten)]
        data: DataArgs,
        id: Uuid,
        /// The TLP of objects that carry none: clear, green, amber, amber+strict, red, or none.
        #[arg(long, value_name = "TLP")]
        default_tlp: Option<String>,
    },
}

#[derive(Subcommand)]
enum PeerCommand {
    /// Add a peer node: how to reach it, its public key, and what to exchange.
    Add(Box<federation::PeerAddArgs>),
    /// List peers with their last sync, lag, counts and last error.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Remove a peer (its node stays known, so signatures it made still verify).
    Remove {
        #[command(flatten)]
        data: DataArgs,
        name: String,
    },
    /// Run one sync round now with a peer (or every peer).
    Sync {
        #[command(flatten)]
        data: DataArgs,
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum GroupCommand {
    /// Define a sharing group owned by one of this node's organizations; it is published as a
    /// marking-definition into a collection and federates from there.
    Create {
        #[command(flatten)]
        data: DataArgs,
        name: String,
        /// The owner organization (on this node).
        #[arg(long, value_name = "ORG")]
        owner: String,
        /// Members besides the owner: organization names or identity ids (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
        member: Vec<String>,
        /// The collection to publish the group in.
        #[arg(long, value_name = "ID")]
        collection: Uuid,
        #[arg(long, default_value = "api", value_name = "ROOT")]
        api_root: String,
    },
    /// Publish a new revision of a group: add or remove members.
    Update {
        #[command(flatten)]
        data: DataArgs,
        /// The group's marking-definition id.
        id: String,
        #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
        add: Vec<String>,
        #[arg(long, value_delimiter = ',', value_name = "ORG,…")]
        remove: Vec<String>,
        #[arg(long, value_name = "ID")]
        collection: Uuid,
        #[arg(long, default_value = "api", value_name = "ROOT")]
        api_root: String,
    },
    /// List sharing groups (current revisions).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Print the node's id, backend and public key.
    Info {
        #[command(flatten)]
        data: DataArgs,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("`{text}` is not a role: use admin, analyst or reader"))
}

/// A command's failure: one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Message(String),
    /// The command line (or configuration) is wrong: exit status 2.
    #[error("{0}")]
    Usage(String),
    /// A command whose exit status is part of its answer (`pattern match`), with a message
    /// for standard error or none.
    #[error("exit status {0}")]
    Exit(u8, Option<String>),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub fn fail<T>(message: impl Into<String>) -> Result<T, CliError> {
    Err(CliError::Message(message.into()))
}

fn read_password_from_stdin() -> Result<String, CliError> {
    let mut input = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut input)?;
    let password = input.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        return fail("no password on standard input (pipe it in: `echo … | tanseeq user add …`)");
    }
    Ok(password)
}

impl DataArgs {
    fn location(self, config: &Config) -> Result<Location, CliError> {
        config.location(self.data, self.database)
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Init {
            data,
            org,
            admin,
            node_name,
        } => node::init(&data.location(&config)?, &org, &admin, node_name.as_deref()).await,
        Command::Serve {
            data,
            listen,
            max_content_length,
            tls_cert,
            tls_key,
            tls_client_ca,
            no_sync,
            peer_objects_per_second,
        } => {
            let tls = config
                .tls_files(tls_cert, tls_key, tls_client_ca)?
                .map(|files| serve::tls_config(&files))
                .transpose()?;
            let limits = tanseeq_service::Limits {
                max_content_length: max_content_length
                    .or(config.max_content_length)
                    .unwrap_or(tanseeq_service::DEFAULT_MAX_CONTENT_LENGTH),
                peer_objects_per_second: peer_objects_per_second
                    .unwrap_or(tanseeq_service::DEFAULT_PEER_OBJECTS_PER_SECOND),
                ..Default::default()
            };
            let listen = listen.or(config.listen).unwrap_or(DEFAULT_LISTEN);
            let node = node::open(&data.location(&config)?, limits).await?;
            let sync = (!no_sync).then(|| tanseeq_federation::spawn(node.clone()));
            let served = serve::serve_with(node, listen, None, tls).await;
            if let Some(task) = sync {
                task.abort();
            }
            served
        }
        Command::Migrate { data, from, to } => match (from, to) {
            (Some(from), Some(to)) => {
                migrate::copy(&node::Location::parse(&from), &node::Location::parse(&to)).await
            }
            _ => migrate::upgrade(&data.location(&config)?).await,
        },
        Command::Org(OrgCommand::Add { data, name }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let org = node.add_organization(&name).await?;
            println!(
                "organization `{}` added (identity {})",
                org.name, org.identity_id
            );
            Ok(())
        }
        Command::Org(OrgCommand::List { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            for org in node.store.organizations().await? {
                let home = org
                    .home_node
                    .map_or_else(|| "this node".to_owned(), |n| format!("node {n}"));
                println!("{}\t{}\t{}\t{home}", org.name, org.identity_id, org.created);
            }
            Ok(())
        }
        Command::User(UserCommand::Add {
            data,
            org,
            name,
            role,
        }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let password = read_password_from_stdin()?;
            let user = node.add_user(&org, &name, role, &password).await?;
            println!("user `{}` added to `{org}` as {}", user.name, user.role);
            Ok(())
        }
        Command::User(UserCommand::List { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let orgs = node.store.organizations().await?;
            for user in node.store.users().await? {
                let org = orgs
                    .iter()
                    .find(|o| o.id == user.org_id)
                    .map_or("?", |o| o.name.as_str());
                println!("{}\t{}\t{}", user.name, user.role, org);
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { data, user, label }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let (token, secret) = node.create_token(&user, &label).await?;
            eprintln!(
                "token {} created for `{user}`; it is shown only now:",
                token.id
            );
            println!("{secret}");
            Ok(())
        }
        Command::Token(TokenCommand::List { data, user }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let user = node
                .store
                .user_by_name(&user)
                .await?
                .ok_or_else(|| CliError::Message(format!("user `{user}` does not exist")))?;
            for token in node.store.tokens_of_user(user.id).await? {
                let state = token
                    .revoked
                    .map_or("active".to_string(), |t| format!("revoked {t}"));
                println!(
                    "{}\t{}\t{}\t{}",
                    token.id, token.label, token.created, state
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { data, id }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            node.revoke_token(id).await?;
            println!("token {id} revoked");
            Ok(())
        }
        Command::Collection(CollectionCommand::Add {
            data,
            title,
            description,
            id,
            read,
            write,
        }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            let collection =
                node::add_collection(&node, &title, description, id, &read, &write).await?;
            println!("{}", collection.id);
            Ok(())
        }
        Command::Collection(CollectionCommand::List { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            node::list_collections(&node).await
        }
        Command::Collection(CollectionCommand::Set {
            data,
            id,
            default_tlp,
        }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            node::find_collection(&node, id).await?;
            federation::set_collection(&node, id, default_tlp).await
        }
        Command::Peer(PeerCommand::Add(args)) => {
            let location = args.data.clone().location(&config)?;
            let node = node::open(&location, Default::default()).await?;
            federation::add_peer(&node, *args).await
        }
        Command::Peer(PeerCommand::List { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::list_peers(&node).await
        }
        Command::Peer(PeerCommand::Remove { data, name }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::remove_peer(&node, &name).await
        }
        Command::Peer(PeerCommand::Sync { data, name }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::sync(&node, name.as_deref()).await
        }
        Command::Group(GroupCommand::Create {
            data,
            name,
            owner,
            member,
            collection,
            api_root,
        }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::create_group(&node, &owner, &name, &member, &api_root, collection).await
        }
        Command::Group(GroupCommand::Update {
            data,
            id,
            add,
            remove,
            collection,
            api_root,
        }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::update_group(&node, &id, &add, &remove, &api_root, collection).await
        }
        Command::Group(GroupCommand::List { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            federation::list_groups(&node).await
        }
        Command::Import {
            data,
            collection,
            org,
            file,
        } => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            transfer::import(&node, collection, org.as_deref(), &file).await
        }
        Command::Export {
            data,
            collection,
            types,
            added_after,
            all_versions,
        } => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            transfer::export(
                &node,
                collection,
                types,
                added_after.as_deref(),
                all_versions,
            )
            .await
        }
        Command::Demo {
            listen,
            data,
            database,
            no_serve,
        } => {
            let location = match (data, database) {
                (_, Some(url)) => Some(Location::Postgres(url)),
                (Some(dir), None) => Some(Location::Dir(dir)),
                (None, None) => None,
            };
            demo::run(listen, location, no_serve).await
        }
        Command::Pattern(PatternCommand::Check {
            stix_version,
            pattern,
        }) => matching::check(&pattern, stix_version),
        Command::Pattern(PatternCommand::Match {
            stix_version,
            pattern,
            file,
        }) => matching::match_file(&pattern, stix_version, &file),
        Command::Match {
            data,
            org,
            record_sightings,
            file,
        } => {
            matching::stream(matching::StreamOptions {
                location: data.location(&config)?,
                org,
                record_sightings,
                file,
            })
            .await
        }
        Command::Node(NodeCommand::Info { data }) => {
            let node = node::open(&data.location(&config)?, Default::default()).await?;
            node::info(&node).await
        }
    }
}

/// A command whose output is piped into `head` ends quietly when the pipe closes, as Unix
/// tools do, instead of failing on a write. (Rust ignores SIGPIPE; servers keep it ignored, so
/// that a client that goes away is an error on one socket, not the end of the process.)
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called before any other thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One line: what clap says is wrong, without its usage and hint lines.
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("{line}");
            return ExitCode::from(2);
        }
    };
    if !matches!(cli.command, Command::Serve { .. } | Command::Demo { .. }) {
        restore_default_sigpipe();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TANSEEQ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Exit(code, message)) => {
            if let Some(message) = message {
                eprintln!("error: {message}");
            }
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
