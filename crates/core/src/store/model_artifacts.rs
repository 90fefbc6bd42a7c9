//! The `model_artifacts` table (migration `20261122050300_model_artifacts`): trained adapters kept in
//! `<data>/models/<job_id>/`, with their lineage (dataset, configuration, job) and quality metrics.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};
use crate::cluster::client::Artifact;

/// How good a trained adapter looks from its losses (see docs/jobs.md for the rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelQuality {
    /// Training loss at the last logged step.
    pub final_train_loss: Option<f64>,
    /// Validation loss at the last evaluation.
    pub final_val_loss: Option<f64>,
    /// exp(final validation loss), or of the final train loss without validation.
    pub perplexity: Option<f64>,
    /// How much lower the final loss is than the first, in percent of the first.
    pub improvement_pct: Option<f64>,
    /// Validation loss exceeds training loss by more than the threshold.
    pub overfitting: bool,
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
}

/// A downloaded, verified adapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelArtifact {
    /// Id (uuid v7).
    pub id: String,
    /// The job that trained it.
    pub job_id: String,
    /// Name (the job's).
    pub name: String,
    /// Folder of the adapter files, relative to the data folder (`models/<job_id>`).
    pub adapter_dir: String,
    /// The base model it adapts.
    pub base_model: String,
    /// The library dataset it was trained on.
    pub dataset_id: String,
    /// SHA-256 of the training file.
    pub dataset_sha256: String,
    /// Hyperparameters, GPUs and cluster of the run.
    pub config: serde_json::Value,
    /// Quality metrics.
    pub quality: ModelQuality,
    /// The files as verified (name, size, SHA-256).
    pub files: Vec<Artifact>,
    /// Total bytes.
    pub bytes: u64,
    /// Every file's SHA-256 matched the cluster's.
    pub verified: bool,
    /// When it was recorded.
    pub created_at: String,
    /// The user's notes about it (empty until written).
    pub description: String,
    /// When it was moved to the trash; `None` while it is in the library.
    pub deleted_at: Option<String>,
}

/// A model to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewModelArtifact {
    /// The job.
    pub job_id: String,
    /// Name.
    pub name: String,
    /// Folder relative to the data folder.
    pub adapter_dir: String,
    /// Base model.
    pub base_model: String,
    /// Library dataset.
    pub dataset_id: String,
    /// Training file hash.
    pub dataset_sha256: String,
    /// Configuration.
    pub config: serde_json::Value,
    /// Quality.
    pub quality: ModelQuality,
    /// Files.
    pub files: Vec<Artifact>,
    /// Verified.
    pub verified: bool,
}

/// The `model_artifacts` table of a store.
pub struct ModelArtifacts<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The trained models.
    pub fn model_artifacts(&self) -> ModelArtifacts<'_> {
        ModelArtifacts {
            conn: self.connection(),
        }
    }
}

const COLUMNS: &str = "id, job_id, name, adapter_dir, base_model, dataset_id, dataset_sha256, config_json, \
    quality_json, files_json, bytes, verified, created_at, description, deleted_at";

impl ModelArtifacts<'_> {
    /// Records the model of a job; recording a job's model again replaces it (a repeated download).
    pub fn upsert(&self, new: &NewModelArtifact) -> Result<ModelArtifact, StoreError> {
        let json = |what: &str, v: &dyn erased::Json| {
            v.to_json().map_err(|e| StoreError::InvalidInput {
                field: what.to_string(),
                message: e.to_string(),
            })
        };
        let bytes: u64 = new.files.iter().map(|f| f.size).sum();
        self.conn.execute(
            "INSERT INTO model_artifacts (id, job_id, name, adapter_dir, base_model, dataset_id, dataset_sha256, \
             config_json, quality_json, files_json, bytes, verified, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
             ON CONFLICT (job_id) DO UPDATE SET adapter_dir = excluded.adapter_dir, \
             config_json = excluded.config_json, quality_json = excluded.quality_json, \
             files_json = excluded.files_json, bytes = excluded.bytes, verified = excluded.verified",
            params![
                uuid::Uuid::now_v7().to_string(),
                new.job_id,
                new.name,
                new.adapter_dir,
                new.base_model,
                new.dataset_id,
                new.dataset_sha256,
                json("config", &new.config)?,
                json("quality", &new.quality)?,
                json("files", &new.files)?,
                bytes as i64,
                new.verified,
                time::now(),
            ],
        )?;
        self.by_job(&new.job_id)?.ok_or_else(|| StoreError::NotFound {
            what: "model of job",
            id: new.job_id.clone(),
        })
    }

    /// The model with this id, or the only one whose id starts with `prefix`, or the model of the job `id`.
    pub fn find(&self, id_or_prefix: &str) -> Result<ModelArtifact, StoreError> {
        if let Some(model) = self.get(id_or_prefix)? {
            return Ok(model);
        }
        if let Some(model) = self.by_job(id_or_prefix)? {
            return Ok(model);
        }
        // The trash too: `restore` finds its model by a prefix like every other command.
        let matches: Vec<ModelArtifact> = self
            .list()?
            .into_iter()
            .chain(self.list_deleted()?)
            .filter(|m| id_or_prefix.len() >= 4 && m.id.starts_with(id_or_prefix))
            .collect();
        match <[ModelArtifact; 1]>::try_from(matches) {
            Ok([model]) => Ok(model),
            Err(_) => Err(StoreError::NotFound {
                what: "model",
                id: id_or_prefix.to_string(),
            }),
        }
    }

    /// The model with this id, if any.
    pub fn get(&self, id: &str) -> Result<Option<ModelArtifact>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM model_artifacts WHERE id = ?1");
        self.conn.query_row(&sql, [id], read_row).optional()?.transpose()
    }

    /// The model trained by `job_id`, if any.
    pub fn by_job(&self, job_id: &str) -> Result<Option<ModelArtifact>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM model_artifacts WHERE job_id = ?1");
        self.conn
            .query_row(&sql, [job_id], read_row)
            .optional()?
            .transpose()
    }

    /// Every model in the library (not in the trash), newest first.
    pub fn list(&self) -> Result<Vec<ModelArtifact>, StoreError> {
        self.list_where(false)
    }

    /// The models in the trash, newest first.
    pub fn list_deleted(&self) -> Result<Vec<ModelArtifact>, StoreError> {
        self.list_where(true)
    }

    fn list_where(&self, deleted: bool) -> Result<Vec<ModelArtifact>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM model_artifacts WHERE (deleted_at IS NOT NULL) = ?1 \
             ORDER BY created_at DESC, id DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([deleted], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Renames a model (its job keeps its own name); a blank name is refused.
    pub fn rename(&self, id: &str, name: &str) -> Result<ModelArtifact, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::InvalidInput {
                field: "name".into(),
                message: "a model needs a name".into(),
            });
        }
        self.update(id, "UPDATE model_artifacts SET name = ?2 WHERE id = ?1", name)
    }

    /// Replaces a model's description.
    pub fn describe(&self, id: &str, description: &str) -> Result<ModelArtifact, StoreError> {
        self.update(
            id,
            "UPDATE model_artifacts SET description = ?2 WHERE id = ?1",
            description.trim(),
        )
    }

    /// Moves a model to the trash (its files stay, so it can be restored); already there is a no-op.
    pub fn soft_delete(&self, id: &str) -> Result<ModelArtifact, StoreError> {
        self.update(
            id,
            "UPDATE model_artifacts SET deleted_at = COALESCE(deleted_at, ?2) WHERE id = ?1",
            &time::now(),
        )
    }

    /// Brings a model back from the trash.
    pub fn restore(&self, id: &str) -> Result<ModelArtifact, StoreError> {
        let model = self.find(id)?;
        self.conn.execute(
            "UPDATE model_artifacts SET deleted_at = NULL WHERE id = ?1",
            [&model.id],
        )?;
        self.get(&model.id)?.ok_or_else(|| StoreError::NotFound {
            what: "model",
            id: id.to_string(),
        })
    }

    fn update(&self, id: &str, sql: &str, value: &str) -> Result<ModelArtifact, StoreError> {
        let model = self.find(id)?;
        self.conn.execute(sql, params![model.id, value])?;
        self.get(&model.id)?.ok_or_else(|| StoreError::NotFound {
            what: "model",
            id: id.to_string(),
        })
    }
}

/// Lets `upsert` serialise its three JSON columns through one closure.
mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<ModelArtifact, StoreError>> {
    let id: String = row.get(0)?;
    let config_raw: String = row.get(7)?;
    let quality_raw: String = row.get(8)?;
    let files_raw: String = row.get(9)?;
    let corrupt = |what: &str, e: serde_json::Error| StoreError::Corrupt {
        what: format!("{what} of model {id}"),
        message: e.to_string(),
    };
    let parsed = (|| {
        Ok::<_, StoreError>((
            serde_json::from_str(&config_raw).map_err(|e| corrupt("config", e))?,
            serde_json::from_str(&quality_raw).map_err(|e| corrupt("quality", e))?,
            serde_json::from_str(&files_raw).map_err(|e| corrupt("files", e))?,
        ))
    })();
    let (config, quality, files) = match parsed {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let bytes: i64 = row.get(10)?;
    Ok(Ok(ModelArtifact {
        job_id: row.get(1)?,
        name: row.get(2)?,
        adapter_dir: row.get(3)?,
        base_model: row.get(4)?,
        dataset_id: row.get(5)?,
        dataset_sha256: row.get(6)?,
        config,
        quality,
        files,
        bytes: bytes.max(0) as u64,
        verified: row.get(11)?,
        created_at: row.get(12)?,
        description: row.get(13)?,
        deleted_at: row.get(14)?,
        id,
    }))
}
