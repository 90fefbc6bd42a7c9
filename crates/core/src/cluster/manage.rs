//! Adding, testing and removing clusters: the store row and the keyring entry kept together, so a cluster
//! never exists without its key nor a key without its cluster.

use serde::Serialize;

use super::client::{parse_base_url, Capabilities, Health};
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

/// Adds a remote cluster: checks the URL, stores the row, and the key in the keyring. If the keyring
/// refuses, the row is removed again.
pub async fn add_cluster<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    name: &str,
    url: &str,
    key: Sensitive<String>,
) -> Result<Cluster, ClusterError> {
    let url = parse_base_url(url)?;
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
