//! API keys of clusters, kept only in the operating system's keyring (Secret Service, Keychain, Credential
//! Manager), one entry per cluster: service = the app's keyring service name, user = the cluster's id.

use super::Sensitive;

/// The keyring service name when `BRIGHTRUN_KEYRING_SERVICE` is unset: the desktop app's identifier in
/// release builds, and another one in debug builds (like the data folder, see `paths::APP_FOLDER`), so that
/// development never reads or overwrites a user's real keys.
pub const DEFAULT_KEYRING_SERVICE: &str = if cfg!(debug_assertions) {
    "app.brightrun.desktop.dev"
} else {
    "app.brightrun.desktop"
};

/// Environment variable that overrides the keyring service name (tests, dev builds).
pub const KEYRING_SERVICE_ENV: &str = "BRIGHTRUN_KEYRING_SERVICE";

/// What can go wrong with the keyring. Messages say what to do and never contain a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No keyring service answers (no Secret Service on the session bus, no session bus at all, platform failure).
    #[error(
        "the OS keyring is not available ({detail}). BrightRun keeps API keys only in the keyring: on Linux run \
         inside a desktop session with a Secret Service (install gnome-keyring, or enable KeePassXC's Secret \
         Service integration); headless, start one with `dbus-run-session` and `gnome-keyring-daemon --unlock`, \
         or run the command through scripts/with-session.sh"
    )]
    Unavailable {
        /// The platform's own description of the failure.
        detail: String,
    },
    /// The keyring exists but refused access: it is locked, or the unlock prompt was dismissed.
    #[error(
        "the OS keyring is locked or refused access ({detail}); unlock it (log in to your desktop session, or \
         open your keyring app / run `gnome-keyring-daemon --unlock`) and try again"
    )]
    Locked {
        /// The platform's own description of the failure.
        detail: String,
    },
    /// There is no key for this cluster in the keyring.
    #[error(
        "no API key for cluster {cluster_id} in the OS keyring (service {service}); remove the cluster and add \
         it again with its key"
    )]
    NotFound {
        /// The cluster whose key is missing.
        cluster_id: String,
        /// The keyring service name looked in.
        service: String,
    },
    /// The keyring holds something for this cluster that is not a usable key, or refused the entry.
    #[error("the OS keyring entry for cluster {cluster_id} is unusable: {detail}; remove the cluster and add it again")]
    Unusable {
        /// The cluster whose entry is unusable.
        cluster_id: String,
        /// What is wrong with it (never its content).
        detail: String,
    },
}

/// The keyring seen through one service name. Cheap to clone; every call talks to the OS keyring directly
/// and blocks, so async code calls it from `spawn_blocking`.
#[derive(Clone, Debug)]
pub struct Keyring {
    service: String,
}

impl Keyring {
    /// A keyring that files entries under `service`.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name from `BRIGHTRUN_KEYRING_SERVICE`, else [`DEFAULT_KEYRING_SERVICE`].
    pub fn from_env() -> Self {
        match std::env::var(KEYRING_SERVICE_ENV) {
            Ok(service) if !service.trim().is_empty() => Self::new(service),
            _ => Self::new(DEFAULT_KEYRING_SERVICE),
        }
    }

    /// The service name entries are filed under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores (or replaces) the API key of a cluster.
    pub fn set_api_key(&self, cluster_id: &str, key: &Sensitive<String>) -> Result<(), KeyringError> {
        let entry = self.entry(cluster_id)?;
        entry
            .set_password(key.expose())
            .map_err(|err| self.map_error(cluster_id, err))
    }

    /// Reads the API key of a cluster.
    pub fn api_key(&self, cluster_id: &str) -> Result<Sensitive<String>, KeyringError> {
        let entry = self.entry(cluster_id)?;
        entry
            .get_password()
            .map(Sensitive::new)
            .map_err(|err| self.map_error(cluster_id, err))
    }

    /// Deletes the API key of a cluster; `Ok(false)` when there was none.
    pub fn delete_api_key(&self, cluster_id: &str) -> Result<bool, KeyringError> {
        let entry = self.entry(cluster_id)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(self.map_error(cluster_id, err)),
        }
    }

    /// Checks that the keyring answers, without touching any key: looks up an entry that never exists.
    pub fn check(&self) -> Result<(), KeyringError> {
        const PROBE: &str = "brightrun-keyring-probe";
        match self.entry(PROBE)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(self.map_error(PROBE, err)),
        }
    }

    fn entry(&self, cluster_id: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(&self.service, cluster_id).map_err(|err| self.map_error(cluster_id, err))
    }

    fn map_error(&self, cluster_id: &str, err: keyring::Error) -> KeyringError {
        // The platform errors carry D-Bus or OS messages, never the password; `BadEncoding` carries the bytes
        // and `Ambiguous` the matching credentials, so those two are described rather than printed.
        match err {
            keyring::Error::PlatformFailure(source) => KeyringError::Unavailable {
                detail: source.to_string(),
            },
            keyring::Error::NoStorageAccess(source) => KeyringError::Locked {
                detail: source.to_string(),
            },
            keyring::Error::NoEntry => KeyringError::NotFound {
                cluster_id: cluster_id.to_string(),
                service: self.service.clone(),
            },
            keyring::Error::BadEncoding(_) => KeyringError::Unusable {
                cluster_id: cluster_id.to_string(),
                detail: "the stored key is not UTF-8 text".to_string(),
            },
            keyring::Error::Ambiguous(items) => KeyringError::Unusable {
                cluster_id: cluster_id.to_string(),
                detail: format!("{} entries match it", items.len()),
            },
            other => KeyringError::Unusable {
                cluster_id: cluster_id.to_string(),
                detail: other.to_string(),
            },
        }
    }
}
