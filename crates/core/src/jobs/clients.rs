//! Where the poller gets a [`ClusterClient`] for a cluster id: from the clusters table and the OS keyring
//! ([`KeyringClients`], the app and the CLI), or from a fixed map ([`FixedClients`], tests and benches that
//! hold the key themselves). Either way the one shared `reqwest::Client` does the HTTP.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::cluster::{ClusterClient, Keyring};
use crate::store::StoreAccess;

use super::{JobsError, SharedStore};

/// Gives the client of a cluster. Called from the blocking pool (a keyring lookup may block).
pub trait ClientSource: Send + Sync {
    /// The client of cluster `cluster_id`.
    fn client(&self, cluster_id: &str) -> Result<ClusterClient, JobsError>;

    /// Forgets a cached client (its cluster stopped answering; its URL may have changed).
    fn forget(&self, _cluster_id: &str) {}
}

/// Clients from the clusters table (URL) and the OS keyring (key), cached per cluster.
pub struct KeyringClients {
    http: reqwest::Client,
    keyring: Keyring,
    store: SharedStore,
    cache: Mutex<HashMap<String, ClusterClient>>,
}

impl KeyringClients {
    /// Clients over `http` for the clusters of `store`, with keys from `keyring`.
    pub fn new(http: reqwest::Client, keyring: Keyring, store: SharedStore) -> Self {
        Self {
            http,
            keyring,
            store,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

impl ClientSource for KeyringClients {
    fn client(&self, cluster_id: &str) -> Result<ClusterClient, JobsError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = cache.get(cluster_id) {
            return Ok(client.clone());
        }
        let cluster = self.store.with_store(|s| s.clusters().find(cluster_id))?;
        let key = self.keyring.api_key(&cluster.id)?;
        let client = ClusterClient::new(self.http.clone(), &cluster.url, key)?;
        cache.insert(cluster_id.to_string(), client.clone());
        Ok(client)
    }

    fn forget(&self, cluster_id: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(cluster_id);
    }
}

/// A fixed set of clients by cluster id.
#[derive(Clone, Default)]
pub struct FixedClients {
    clients: HashMap<String, ClusterClient>,
}

impl FixedClients {
    /// No clients yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the client of `cluster_id`.
    pub fn with(mut self, cluster_id: impl Into<String>, client: ClusterClient) -> Self {
        self.clients.insert(cluster_id.into(), client);
        self
    }
}

impl ClientSource for FixedClients {
    fn client(&self, cluster_id: &str) -> Result<ClusterClient, JobsError> {
        self.clients
            .get(cluster_id)
            .cloned()
            .ok_or_else(|| JobsError::NotOffered {
                message: format!("no client for cluster {cluster_id}"),
            })
    }
}
