-- Instance-wide AI settings (one row). Null URLs and CIDRs mean "the configured default".
CREATE TABLE ai_settings (
    id                      INTEGER NOT NULL PRIMARY KEY,
    ai_gateway_url          VARCHAR(2048),
    cloud_gateway_url       VARCHAR(2048),
    gateway_timeout_seconds INTEGER NOT NULL,
    verbose_ai_logs         BOOLEAN NOT NULL,
    direct_access_enabled   BOOLEAN NOT NULL,
    offline_mode            BOOLEAN NOT NULL,
    egress_allowed_cidrs    VARCHAR(4000),
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_settings_single_row CHECK (id = 1),
    CONSTRAINT ai_settings_timeout_range CHECK (gateway_timeout_seconds BETWEEN 60 AND 600)
);
INSERT INTO ai_settings (id, gateway_timeout_seconds, verbose_ai_logs, direct_access_enabled, offline_mode, updated_at)
VALUES (1, 60, FALSE, TRUE, FALSE, CURRENT_TIMESTAMP);

-- Providers are named for what model-adapter calls; GitLab's generic "api" is an OpenAI-compatible server.
UPDATE ai_self_hosted_models SET provider = 'openai_compatible' WHERE provider = 'api';
