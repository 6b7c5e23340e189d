-- AI usage records (issue 11): one row per AI request forwarded to a gateway (code completions and
-- generations, Duo Chat): who, which feature and model, tokens in and out when the gateway reported
-- them, latency and outcome. Written in batches by UsageRecorder, off the request path; read
-- aggregated by GET /api/v4/admin/ai/usage; rows older than enclave.instance.usage.retention are
-- deleted. Ids come from a sequence (not IDENTITY) so that Hibernate can insert a batch in one
-- round trip. Portable to H2 and PostgreSQL.
CREATE SEQUENCE ai_usage_records_seq START WITH 1 INCREMENT BY 50;
CREATE TABLE ai_usage_records (
    id            BIGINT       NOT NULL PRIMARY KEY,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    user_id       BIGINT       NOT NULL,
    feature       VARCHAR(64)  NOT NULL,
    model         VARCHAR(255) NOT NULL,
    input_tokens  BIGINT,
    output_tokens BIGINT,
    latency_ms    BIGINT       NOT NULL,
    outcome       VARCHAR(32)  NOT NULL,
    CONSTRAINT ai_usage_records_outcome_valid CHECK (outcome IN ('success', 'error', 'unavailable', 'cancelled'))
);
CREATE INDEX ai_usage_records_created_at ON ai_usage_records (created_at);
