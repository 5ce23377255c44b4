//! Sign-in sessions of the operations room (the web interface) and each user's settings.
//!
//! A session is a random secret handed to the browser in a cookie; the node keeps only its
//! SHA-256, with the user, a CSRF token and the expiry, as a store document (kind
//! `ui-session`), so every process serving the node knows every session and a stolen
//! database does not hold usable cookies. The user is read again on every request, so a user
//! removed or whose role changed is seen at once.
//!
//! Failed sign-ins are slowed down: after [`FREE_FAILURES`] failures for one user name, or from
//! one client address, within [`FAILURE_WINDOW`], each further attempt must wait a delay that
//! doubles per failure up to [`MAX_SIGN_IN_DELAY`]; attempts during the delay are refused
//! without looking at the password (so guessing cannot go faster by trying more). The counts
//! are kept per process.

use crate::accounts::{Caller, token_hash};
use crate::{Node, ServiceError};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tanseeq_store::{Document, Replace};
use uuid::Uuid;

/// Store document kind of sessions.
const KIND_SESSION: &str = "ui-session";
/// Store document kind of a user's interface settings (key: the user id).
const KIND_USER_SETTINGS: &str = "ui-settings";
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Failures allowed before sign-ins are slowed down.
pub const FREE_FAILURES: u32 = 3;
/// Failures older than this are forgotten.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest wait imposed between attempts.
pub const MAX_SIGN_IN_DELAY: Duration = Duration::from_secs(60);
/// Entries kept in the failure table at most (oldest dropped first).
const MAX_TRACKED_FAILURES: usize = 10_000;
/// Languages of the interface.
pub const LANGUAGES: [&str; 2] = ["en", "ar"];

/// A signed-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    /// Every form of the session carries this; a POST without it is refused.
    pub csrf: String,
    pub expires: jiff::Timestamp,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSession {
    user_id: Uuid,
    csrf: String,
    /// Unix seconds.
    created: i64,
    expires: i64,
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct UserSettings {
    #[serde(default)]
    language: Option<String>,
}

/// Failures per user name and per client address.
#[derive(Default)]
pub(crate) struct SignInFailures {
    entries: HashMap<String, Failures>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long an attempt must still wait, if at all.
    fn wait(&self, now: Instant) -> Option<Duration> {
        if self.count < FREE_FAILURES {
            return None;
        }
        let exponent = (self.count - FREE_FAILURES).min(16);
        let delay = Duration::from_secs(1u64 << exponent).min(MAX_SIGN_IN_DELAY);
        let ready = self.last + delay;
        (ready > now).then(|| ready - now)
    }
}

impl SignInFailures {
    fn keys(user_name: &str, client: &str) -> [String; 2] {
        [
            format!("user:{}", user_name.to_lowercase()),
            format!("client:{client}"),
        ]
    }

    fn wait(&mut self, user_name: &str, client: &str, now: Instant) -> Option<Duration> {
        self.entries
            .retain(|_, f| now.duration_since(f.last) < FAILURE_WINDOW);
        Self::keys(user_name, client)
            .iter()
            .filter_map(|k| self.entries.get(k).and_then(|f| f.wait(now)))
            .max()
    }

    fn failed(&mut self, user_name: &str, client: &str, now: Instant) {
        if self.entries.len() >= MAX_TRACKED_FAILURES
            && let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, f)| f.last)
                .map(|(k, _)| k.clone())
        {
            self.entries.remove(&oldest);
        }
        for key in Self::keys(user_name, client) {
            let entry = self.entries.entry(key).or_insert(Failures {
                count: 0,
                last: now,
            });
            entry.count += 1;
            entry.last = now;
        }
    }

    fn succeeded(&mut self, user_name: &str) {
        self.entries
            .remove(&format!("user:{}", user_name.to_lowercase()));
    }
}

fn session_key(secret: &str) -> String {
    token_hash(secret)
}

impl Node {
    /// Signs a user in with a password (from `client`, its network address): a new session
    /// and its secret (for the cookie). Slowed down after repeated failures.
    pub async fn open_session(
        &self,
        user_name: &str,
        password: &str,
        client: &str,
    ) -> Result<(String, Session), ServiceError> {
        let wait = self
            .sign_in_failures
            .lock()
            .ok()
            .and_then(|mut f| f.wait(user_name, client, Instant::now()));
        if let Some(wait) = wait {
            return Err(ServiceError::TooManyRequests(format!(
                "too many failed sign-ins; try again in {} s",
                wait.as_secs().max(1)
            )));
        }
        let caller = match self.authenticate_password(user_name, password).await {
            Ok(caller) => caller,
            Err(e @ ServiceError::Unauthenticated(_)) => {
                if let Ok(mut f) = self.sign_in_failures.lock() {
                    f.failed(user_name, client, Instant::now());
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if let Ok(mut f) = self.sign_in_failures.lock() {
            f.succeeded(user_name);
        }
        self.forget_expired_sessions().await?;
        let secret = crate::accounts::random_secret(32)?;
        let now = jiff::Timestamp::now();
        let expires = now
            .checked_add(jiff::SignedDuration::try_from(SESSION_LIFETIME).unwrap_or_default())
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let stored = StoredSession {
            user_id: caller.user_id,
            csrf: crate::accounts::random_secret(24)?,
            created: now.as_second(),
            expires: expires.as_second(),
        };
        self.store
            .put_document(
                &Document {
                    kind: KIND_SESSION.into(),
                    key: session_key(&secret),
                    rank: 0,
                    body: serde_json::to_string(&stored)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                },
                Replace::Always,
            )
            .await?;
        Ok((
            secret,
            Session {
                caller,
                csrf: stored.csrf,
                expires,
            },
        ))
    }

    /// The live session with this secret, if any (expired ones are removed).
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, ServiceError> {
        if secret.is_empty() || secret.len() > 128 {
            return Ok(None);
        }
        let key = session_key(secret);
        let Some(doc) = self.store.document(KIND_SESSION, &key).await? else {
            return Ok(None);
        };
        let Ok(stored) = serde_json::from_str::<StoredSession>(&doc.body) else {
            return Ok(None);
        };
        let expires = jiff::Timestamp::from_second(stored.expires)
            .map_err(|e| ServiceError::Internal(format!("a session's expiry: {e}")))?;
        if expires <= jiff::Timestamp::now() {
            self.store.delete_document(KIND_SESSION, &key).await?;
            return Ok(None);
        }
        let Some(user) = self.store.user_by_id(stored.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(Session {
            caller: Caller::of(&user),
            csrf: stored.csrf,
            expires,
        }))
    }

    /// Signs out: the session is gone on every process.
    pub async fn close_session(&self, secret: &str) -> Result<(), ServiceError> {
        self.store
            .delete_document(KIND_SESSION, &session_key(secret))
            .await?;
        Ok(())
    }

    async fn forget_expired_sessions(&self) -> Result<(), ServiceError> {
        let now = jiff::Timestamp::now().as_second();
        for doc in self.store.documents(KIND_SESSION).await? {
            let expired = serde_json::from_str::<StoredSession>(&doc.body)
                .map(|s| s.expires <= now)
                .unwrap_or(true);
            if expired {
                self.store.delete_document(KIND_SESSION, &doc.key).await?;
            }
        }
        Ok(())
    }

    /// The interface language a user chose, if any.
    pub async fn user_language(&self, user_id: Uuid) -> Result<Option<String>, ServiceError> {
        Ok(self
            .store
            .document(KIND_USER_SETTINGS, &user_id.to_string())
            .await?
            .and_then(|d| serde_json::from_str::<UserSettings>(&d.body).ok())
            .and_then(|s| s.language))
    }

    /// Remembers a user's interface language (one of [`LANGUAGES`]).
    pub async fn set_user_language(
        &self,
        user_id: Uuid,
        language: &str,
    ) -> Result<(), ServiceError> {
        if !LANGUAGES.contains(&language) {
            return Err(ServiceError::BadRequest(format!(
                "unknown language `{language}` (en or ar)"
            )));
        }
        let settings = UserSettings {
            language: Some(language.to_owned()),
        };
        self.store
            .put_document(
                &Document {
                    kind: KIND_USER_SETTINGS.into(),
                    key: user_id.to_string(),
                    rank: 0,
                    body: serde_json::to_string(&settings)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                },
                Replace::Always,
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_free_then_doubling_then_capped() {
        let mut f = SignInFailures::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            f.failed("amal", "10.0.0.1", t0);
        }
        assert_eq!(f.wait("amal", "10.0.0.1", t0), None);
        f.failed("amal", "10.0.0.1", t0);
        assert_eq!(f.wait("AMAL", "10.0.0.9", t0), Some(Duration::from_secs(1)));
        // The client address is slowed down for other names too.
        assert_eq!(
            f.wait("other", "10.0.0.1", t0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(f.wait("other", "10.0.0.2", t0), None);
        for _ in 0..3 {
            f.failed("amal", "10.0.0.1", t0);
        }
        assert_eq!(f.wait("amal", "x", t0), Some(Duration::from_secs(8)));
        for _ in 0..20 {
            f.failed("amal", "10.0.0.1", t0);
        }
        assert_eq!(f.wait("amal", "x", t0), Some(MAX_SIGN_IN_DELAY));
        // After the delay, one more attempt is allowed.
        assert_eq!(f.wait("amal", "x", t0 + MAX_SIGN_IN_DELAY), None);
        f.succeeded("amal");
        assert_eq!(f.wait("amal", "x", t0), None);
    }
}
