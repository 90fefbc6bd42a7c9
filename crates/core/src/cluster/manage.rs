//! Adding, testing and removing clusters: the store row and the keyring entry kept together, so a cluster
//! never exists without its key nor a key without its cluster.

use serde::Serialize;

use super::client::{check_transport, parse_base_url, Capabilities, Health};
use super::{blocking, ClientError, ClusterClient, ClusterError, Keyring, Sensitive};
use crate::store::{Cluster, ClusterKind, ClusterStatus, ClusterTest, NewCluster, StoreAccess, StoreError};

/// What a connection test found.
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// The cluster, with the test recorded.
    pub cluster: Cluster,
    /// Ok, unreachable, unauthorized or failed.
    pub status: ClusterStatus,
    /// `GET /v1/health`, when it answered.
    pub health: Option<Health>,
    /// `GET /v1/capabilities`, when it answered with the key.
    pub capabilities: Option<Capabilities>,
    /// Why it failed (never contains the key).
    pub error: Option<String>,
}

/// Adds a remote cluster: checks the URL (plain http to another computer only with `allow_insecure`),
/// stores the row, and the key in the keyring. If the keyring refuses, the row is removed again.
pub async fn add_cluster<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    name: &str,
    url: &str,
    key: Sensitive<String>,
    allow_insecure: bool,
) -> Result<Cluster, ClusterError> {
    let url = parse_base_url(url)?;
    check_transport(&url, allow_insecure)?;
    if key.expose().trim().is_empty() {
        return Err(ClusterError::Store(crate::store::StoreError::InvalidInput {
            field: "api key".to_string(),
            message: "the API key is empty".to_string(),
        }));
    }
    let key = Sensitive::new(key.expose().trim().to_string());
    let cluster = store.with_store(|s| {
        s.clusters().insert(&NewCluster {
            name: name.to_string(),
            url: url.as_str().trim_end_matches('/').to_string(),
            kind: ClusterKind::Remote,
        })
    })?;
    let (k, id) = (keyring.clone(), cluster.id.clone());
    if let Err(err) = blocking(move || k.set_api_key(&id, &key)).await {
        store.with_store(|s| s.clusters().delete(&cluster.id))?;
        return Err(err.into());
    }
    Ok(cluster)
}

/// Changes a cluster's URL and/or key. A URL to another host or port needs the key again (the stored key
/// must never be sent to a server the user did not give it to), and is checked like on add.
pub async fn update_cluster<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    name_or_id: &str,
    url: Option<&str>,
    key: Option<Sensitive<String>>,
    allow_insecure: bool,
) -> Result<Cluster, ClusterError> {
    let found = store.with_store(|s| s.clusters().find(name_or_id))?;
    let key = match key {
        Some(key) if key.expose().trim().is_empty() => return Err(empty_key()),
        Some(key) => Some(Sensitive::new(key.expose().trim().to_string())),
        None => None,
    };
    let new_url = match url {
        Some(url) => {
            let parsed = parse_base_url(url)?;
            check_transport(&parsed, allow_insecure)?;
            let old = parse_base_url(&found.url).ok();
            let same_server = old.is_some_and(|old| {
                old.host_str() == parsed.host_str()
                    && old.port_or_known_default() == parsed.port_or_known_default()
            });
            if !same_server && key.is_none() {
                return Err(ClusterError::Store(StoreError::InvalidInput {
                    field: "api key".to_string(),
                    message: "the new URL points to another server: enter its API key again".to_string(),
                }));
            }
            Some(parsed.as_str().trim_end_matches('/').to_string())
        }
        None => None,
    };
    // The key first: if the keyring refuses, the URL still points where the old key belongs.
    if let Some(key) = key {
        let (k, id) = (keyring.clone(), found.id.clone());
        blocking(move || k.set_api_key(&id, &key)).await?;
    }
    if let Some(url) = new_url {
        store.with_store(|s| s.clusters().set_url(&found.id, &url))?;
    }
    Ok(store.with_store(|s| s.clusters().find(&found.id))?)
}

fn empty_key() -> ClusterError {
    ClusterError::Store(StoreError::InvalidInput {
        field: "api key".to_string(),
        message: "the API key is empty".to_string(),
    })
}

/// Removes a cluster and its keyring entry. The key goes first: if the keyring is unavailable nothing is
/// removed, so the user can retry once it is unlocked.
pub async fn remove_cluster<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    name_or_id: &str,
) -> Result<Cluster, ClusterError> {
    let cluster = store.with_store(|s| s.clusters().find(name_or_id))?;
    let (k, id) = (keyring.clone(), cluster.id.clone());
    blocking(move || k.delete_api_key(&id).map(|_| ())).await?;
    store.with_store(|s| s.clusters().delete(&cluster.id))?;
    Ok(cluster)
}

/// A client of a stored cluster, with its key from the keyring.
pub async fn client_for<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    http: &reqwest::Client,
    name_or_id: &str,
) -> Result<(Cluster, ClusterClient), ClusterError> {
    let cluster = store.with_store(|s| s.clusters().find(name_or_id))?;
    let (k, id) = (keyring.clone(), cluster.id.clone());
    let key = blocking(move || k.api_key(&id)).await?;
    let client = ClusterClient::new(http.clone(), &cluster.url, key)?;
    Ok((cluster, client))
}

/// Tests a stored cluster (health, then capabilities with its key) and records the outcome on it. A cluster
/// that answers badly is a report, not an error; errors are the store's and the keyring's.
pub async fn test_cluster<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    http: &reqwest::Client,
    name_or_id: &str,
) -> Result<TestReport, ClusterError> {
    let (cluster, client) = client_for(store, keyring, http, name_or_id).await?;
    let mut health = None;
    let mut capabilities = None;
    let outcome: Result<(), ClientError> = async {
        health = Some(client.health().await?);
        capabilities = Some(client.capabilities().await?);
        Ok(())
    }
    .await;
    let (status, error) = match &outcome {
        Ok(()) => (ClusterStatus::Ok, None),
        Err(err @ ClientError::Unreachable { .. }) => (ClusterStatus::Unreachable, Some(err.to_string())),
        Err(err @ ClientError::Unauthorized { .. }) => (ClusterStatus::Unauthorized, Some(err.to_string())),
        Err(err) => (ClusterStatus::Failed, Some(err.to_string())),
    };
    let cached = capabilities.as_ref().and_then(|c| serde_json::to_value(c).ok());
    let cluster = store.with_store(|s| -> Result<Cluster, StoreError> {
        s.clusters().record_test(
            &cluster.id,
            &ClusterTest {
                status,
                error: error.as_deref(),
                capabilities: cached.as_ref(),
            },
        )?;
        s.clusters().find(&cluster.id)
    })?;
    Ok(TestReport {
        cluster,
        status,
        health,
        capabilities,
        error,
    })
}
