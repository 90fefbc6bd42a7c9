//! Model versions (migration `20261130130000_model_versions`): which model a run was trained again from, and
//! the version that gives its model (the parent's plus one; v1 for a model trained from scratch).
//! Kept beside `model_artifacts` so the artifact row itself stays as the download recorded it.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// Where a model stands in its line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    /// 1 for a model trained from scratch, the parent's plus one for one trained again.
    pub version: u32,
    /// The model it was trained again from.
    pub parent_model_id: Option<String>,
}

/// One step of a model's lineage, oldest first in `history`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// The model.
    pub model_id: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// When it was recorded.
    pub created_at: String,
}

/// The version columns of a store.
pub struct ModelVersions<'a> {
    store: &'a Store,
}

impl Store {
    /// Model versions and parents.
    pub fn model_versions(&self) -> ModelVersions<'_> {
        ModelVersions { store: self }
    }
}

impl ModelVersions<'_> {
    /// Records that job `job_id` trains model `parent_model_id` again ("Train again").
    pub fn set_job_parent(&self, job_id: &str, parent_model_id: &str) -> Result<(), StoreError> {
        // The parent must exist: a typo would otherwise give a v2 of nothing.
        let parent = self.store.model_artifacts().find(parent_model_id)?;
        let changed = self.store.connection().execute(
            "UPDATE training_jobs SET parent_model_id = ?1 WHERE id = ?2",
            params![parent.id, job_id],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "job",
                id: job_id.to_string(),
            });
        }
        Ok(())
    }

    /// Gives the model of job `job_id` the parent its job was launched with and the next version.
    pub fn assign_from_job(&self, job_id: &str) -> Result<ModelVersion, StoreError> {
        let conn = self.store.connection();
        let parent: Option<String> = conn
            .query_row(
                "SELECT parent_model_id FROM training_jobs WHERE id = ?1",
                [job_id],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        let version = match &parent {
            Some(parent_id) => self.of(parent_id)?.version + 1,
            None => 1,
        };
        conn.execute(
            "UPDATE model_artifacts SET version = ?1, parent_model_id = ?2 WHERE job_id = ?3",
            params![version, parent, job_id],
        )?;
        Ok(ModelVersion {
            version,
            parent_model_id: parent,
        })
    }

    /// The version and parent of model `model_id`.
    pub fn of(&self, model_id: &str) -> Result<ModelVersion, StoreError> {
        self.store
            .connection()
            .query_row(
                "SELECT version, parent_model_id FROM model_artifacts WHERE id = ?1",
                [model_id],
                |row| {
                    Ok(ModelVersion {
                        version: row.get(0)?,
                        parent_model_id: row.get(1)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "model",
                id: model_id.to_string(),
            })
    }

    /// The line of model `model_id`: its ancestors oldest first, then itself, then every model trained again
    /// from it (children, grandchildren…) by version.
    pub fn history(&self, model_id: &str) -> Result<Vec<VersionEntry>, StoreError> {
        let conn = self.store.connection();
        let mut stmt = conn.prepare(
            "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT m.parent_model_id FROM model_artifacts m \
                 JOIN up ON m.id = up.id WHERE m.parent_model_id IS NOT NULL), \
             down(id) AS (SELECT ?1 UNION SELECT m.id FROM model_artifacts m JOIN down ON m.parent_model_id = down.id) \
             SELECT id, name, version, created_at FROM model_artifacts \
             WHERE id IN (SELECT id FROM up UNION SELECT id FROM down) ORDER BY version, created_at",
        )?;
        let rows = stmt.query_map([model_id], |row| {
            Ok(VersionEntry {
                model_id: row.get(0)?,
                name: row.get(1)?,
                version: row.get(2)?,
                created_at: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
