-- Models can be described, renamed and moved to the trash (and back): `deleted_at` set means in the trash;
-- the adapter files stay on disk until the model is restored or the folder is cleaned by the user.
ALTER TABLE model_artifacts ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE model_artifacts ADD COLUMN deleted_at TEXT;
