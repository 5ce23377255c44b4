/// What can go wrong in a backend. Conflicts of the caller's making (a name already taken) are
/// kept apart from faults of the database itself, which callers report as internal errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique name or id is already taken: `what` says which.
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    /// A referenced row (organization, user, …) does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// The database is unreachable or busy beyond its timeout; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The stored data or schema is not what this version of tanseeq expects.
    #[error("database schema: {0}")]
    Schema(String),
    /// Any other database failure. The cause is for logs, not for callers.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// The same error again, for each of several callers that one failure affects (a group
    /// commit); the boxed cause of [`StoreError::Backend`] is carried as its text.
    pub fn replicate(&self) -> StoreError {
        match self {
            StoreError::AlreadyExists { what } => StoreError::AlreadyExists { what: what.clone() },
            StoreError::NotFound { what } => StoreError::NotFound { what: what.clone() },
            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
            StoreError::Schema(m) => StoreError::Schema(m.clone()),
            StoreError::Backend(cause) => StoreError::Backend(cause.to_string().into()),
        }
    }
}
