//! Organizations, users and tokens; authentication of callers.
//!
//! Passwords are hashed with argon2id. API tokens are 256-bit random secrets shown once; only
//! their SHA-256 is stored. Because argon2 is deliberately slow, a verified (user, password)
//! pair is remembered for a short time in memory, keyed by a hash of the pair, and re-checked
//! against the stored password hash on every request, so a password change or a removed user
//! takes effect at once.

use crate::{Node, ServiceError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tanseeq_store::{ApiToken, Organization, Role, User};
use uuid::Uuid;

/// How long a verified password is remembered.
const AUTH_CACHE_TTL: Duration = Duration::from_secs(300);
/// Entries kept at most; the cache is emptied when full.
const AUTH_CACHE_CAPACITY: usize = 10_000;
/// Every API token starts with this, so that leaked tokens are easy to recognize.
pub const TOKEN_PREFIX: &str = "tsq_";
/// Names of organizations and users: length bounds.
const MAX_NAME_LEN: usize = 200;
/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Uuid,
    pub user_name: String,
    pub org_id: Uuid,
    pub role: Role,
    /// Set when the request is signed by a peer node (its id): the caller then reads what may
    /// be sent to that node, and posts what that node relays.
    pub peer_node: Option<Uuid>,
}

impl Caller {
    /// Who the caller reads as, for the audience rule.
    pub fn reader(&self) -> crate::access::Reader {
        match self.peer_node {
            Some(node) => crate::access::Reader::Node(node),
            None => crate::access::Reader::Organization(self.org_id),
        }
    }

    /// An operator's tool acting for an organization (`tanseeq match --org`): what that
    /// organization's analysts may see and write, no more.
    pub fn acting_for(org_id: Uuid) -> Self {
        Caller {
            user_id: Uuid::nil(),
            user_name: "operator".into(),
            org_id,
            role: Role::Analyst,
            peer_node: None,
        }
    }

    pub(crate) fn of(user: &User) -> Self {
        Caller {
            user_id: user.id,
            user_name: user.name.clone(),
            org_id: user.org_id,
            role: user.role,
            peer_node: None,
        }
    }
}

#[derive(Default)]
pub(crate) struct AuthCache {
    verified: Mutex<HashMap<[u8; 32], (Uuid, String, Instant)>>,
}

fn credential_key(user: &str, password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((user.len() as u64).to_le_bytes());
    hasher.update(user.as_bytes());
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

/// argon2id PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Lowercase hex SHA-256 of a token secret: what the store keeps.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `count` random bytes, URL-safe base64 without padding.
pub fn random_secret(count: usize) -> Result<String, ServiceError> {
    let mut bytes = vec![0u8; count];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Internal(format!("random numbers: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A random password of `len` ASCII letters and digits: easy to pass on a command line (it
/// never starts with `-`) and ~5.95 bits of entropy per character.
pub fn random_password(len: usize) -> Result<String, ServiceError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut password = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while password.len() < len {
        getrandom::fill(&mut bytes)
            .map_err(|e| ServiceError::Internal(format!("random numbers: {e}")))?;
        // Rejection sampling keeps every character equally likely.
        for &b in &bytes {
            if (b as usize) < 248 && password.len() < len {
                password.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(password)
}

pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), ServiceError> {
    if name.trim().is_empty() || name.len() > MAX_NAME_LEN || name.trim() != name {
        return Err(ServiceError::BadRequest(format!(
            "{kind} name must be 1 to {MAX_NAME_LEN} bytes without leading or trailing spaces"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ServiceError::BadRequest(format!(
            "{kind} name must not contain control characters"
        )));
    }
    Ok(())
}

impl Node {
    /// HTTP Basic: a user name and password.
    pub async fn authenticate_password(
        &self,
        user_name: &str,
        password: &str,
    ) -> Result<Caller, ServiceError> {
        let key = credential_key(user_name, password);
        let cached = self
            .auth
            .verified
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned());
        if let Some((user_id, verified_hash, at)) = cached
            && at.elapsed() < AUTH_CACHE_TTL
            && let Some(user) = self.store.user_by_id(user_id).await?
            && user.password_hash == verified_hash
        {
            return Ok(Caller::of(&user));
        }
        let user = self.store.user_by_name(user_name).await?;
        let password = password.to_owned();
        // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let (user, ok) = tokio::task::spawn_blocking(move || match user {
            Some(user) => {
                let ok = verify_password(&password, &user.password_hash);
                (Some(user), ok)
            }
            None => {
                // Same work for unknown names, so that timing does not tell which exist.
                let _ = hash_password(&password);
                (None, false)
            }
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        match user {
            Some(user) if ok => {
                if let Ok(mut map) = self.auth.verified.lock() {
                    if map.len() >= AUTH_CACHE_CAPACITY {
                        map.clear();
                    }
                    map.insert(key, (user.id, user.password_hash.clone(), Instant::now()));
                }
                Ok(Caller::of(&user))
            }
            _ => Err(ServiceError::Unauthenticated(
                "unknown user name or wrong password".into(),
            )),
        }
    }

    /// Bearer: an API token.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Caller, ServiceError> {
        let invalid = || ServiceError::Unauthenticated("invalid or revoked token".into());
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(invalid());
        }
        let token = self
            .store
            .active_token_by_hash(&token_hash(secret))
            .await?
            .ok_or_else(invalid)?;
        let user = self
            .store
            .user_by_id(token.user_id)
            .await?
            .ok_or_else(invalid)?;
        Ok(Caller::of(&user))
    }

    // --- administration (CLI and admin API) ----------------------------------------------

    pub async fn add_organization(&self, name: &str) -> Result<Organization, ServiceError> {
        check_name("organization", name)?;
        let org = Organization {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            identity_id: format!("identity--{}", Uuid::new_v4()),
            home_node: None,
            created: jiff::Timestamp::now(),
        };
        self.store.create_organization(&org).await?;
        Ok(org)
    }

    pub async fn organization_named(&self, name: &str) -> Result<Organization, ServiceError> {
        self.store
            .organization_by_name(name)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("organization `{name}` does not exist")))
    }

    pub async fn add_user(
        &self,
        org_name: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<User, ServiceError> {
        check_name("user", name)?;
        if name.contains(':') {
            return Err(ServiceError::BadRequest(
                "user name must not contain `:` (HTTP Basic separates name and password with it)"
                    .into(),
            ));
        }
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(ServiceError::BadRequest(format!(
                "password must have at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        let org = self.organization_named(org_name).await?;
        let password = password.to_owned();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        let user = User {
            id: Uuid::new_v4(),
            org_id: org.id,
            name: name.to_owned(),
            role,
            password_hash,
            created: jiff::Timestamp::now(),
        };
        self.store.create_user(&user).await?;
        Ok(user)
    }

    /// Creates a token for a user and returns it with its secret, which is never stored.
    pub async fn create_token(
        &self,
        user_name: &str,
        label: &str,
    ) -> Result<(ApiToken, String), ServiceError> {
        let user =
            self.store.user_by_name(user_name).await?.ok_or_else(|| {
                ServiceError::NotFound(format!("user `{user_name}` does not exist"))
            })?;
        let secret = format!("{TOKEN_PREFIX}{}", random_secret(32)?);
        let token = ApiToken {
            id: Uuid::new_v4(),
            user_id: user.id,
            label: label.to_owned(),
            token_hash: token_hash(&secret),
            created: jiff::Timestamp::now(),
            revoked: None,
        };
        self.store.create_token(&token).await?;
        Ok((token, secret))
    }

    pub async fn revoke_token(&self, token_id: Uuid) -> Result<(), ServiceError> {
        if self
            .store
            .revoke_token(token_id, jiff::Timestamp::now())
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!(
                "no active token with id {token_id}"
            )))
        }
    }

    /// A new collection in an API root, readable by `readers` and writable by `writers`
    /// (organization ids; an organization may be in both).
    pub async fn add_collection(
        &self,
        api_root: &str,
        title: &str,
        description: Option<String>,
        id: Option<Uuid>,
        readers: &[Uuid],
        writers: &[Uuid],
    ) -> Result<tanseeq_store::Collection, ServiceError> {
        if title.trim().is_empty() || title.len() > MAX_NAME_LEN {
            return Err(ServiceError::BadRequest(format!(
                "a collection needs a title of 1 to {MAX_NAME_LEN} bytes"
            )));
        }
        let mut grants: Vec<tanseeq_store::Grant> = Vec::new();
        for org_id in readers.iter().chain(writers) {
            if !grants.iter().any(|g| g.org_id == *org_id) {
                grants.push(tanseeq_store::Grant {
                    org_id: *org_id,
                    read: readers.contains(org_id),
                    write: writers.contains(org_id),
                });
            }
        }
        let collection = tanseeq_store::Collection {
            id: id.unwrap_or_else(Uuid::new_v4),
            api_root: api_root.to_owned(),
            title: title.trim().to_owned(),
            description,
            created: jiff::Timestamp::now(),
            grants,
        };
        self.store.create_collection(&collection).await?;
        Ok(collection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_alphanumeric_and_long_enough() {
        for len in [MIN_PASSWORD_LEN, 16, 24, 100] {
            let password = random_password(len).unwrap();
            assert_eq!(password.len(), len);
            assert!(
                password.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{password}"
            );
        }
        assert_ne!(random_password(24).unwrap(), random_password(24).unwrap());
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapler", &hash));
        assert!(!verify_password("anything", "not a PHC string"));
    }

    #[test]
    fn token_hashes_are_sha256_hex() {
        let hash = token_hash("tsq_example");
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
