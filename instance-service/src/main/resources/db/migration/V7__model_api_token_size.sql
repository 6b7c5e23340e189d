-- A vertex_ai model's api_token is a Google service account's JSON key file (about 2.4 KB): the
-- ciphertext column grows from 2048 to 8192 characters (FieldLimits.MODEL_API_TOKEN is 4096).
-- SET DATA TYPE is standard SQL, read alike by H2 and PostgreSQL.
ALTER TABLE ai_self_hosted_models ALTER COLUMN api_token_encrypted SET DATA TYPE VARCHAR(8192);
