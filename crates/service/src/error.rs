use tanseeq_store::StoreError;

/// The outcome classes every protocol maps to its own responses. Client errors carry a message
/// fit to show the caller; internal errors carry the cause for the log only.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No credentials, or credentials that do not identify anyone.
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// A known caller without the right for this action on something it may see.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Does not exist, or the caller may not see it (the two are never told apart).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// A name or id that must be unique is taken.
    #[error("{0}")]
    Conflict(String),
    /// The caller sends more than it may; it should retry after the given seconds.
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// The database is unreachable or busy; the request may be retried.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault of the node. Never shown to callers beyond a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { what } => {
                ServiceError::Conflict(format!("{what} already exists"))
            }
            StoreError::NotFound { what } => {
                ServiceError::NotFound(format!("{what} does not exist"))
            }
            StoreError::Unavailable(cause) => ServiceError::Unavailable(cause),
            e @ (StoreError::Schema(_) | StoreError::Backend(_)) => {
                ServiceError::Internal(e.to_string())
            }
        }
    }
}
