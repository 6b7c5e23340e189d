-- Issue 14: a durable feed of the composite-identity access tokens this service creates (by code
-- exchange, directly through the internal API, or by refresh), which instance-service polls to
-- write its `composite_oauth_token_created` audit events. Portable to H2 and PostgreSQL.

-- No foreign key to oauth_applications: an event outlives the deletion of its application.
-- user_id is the id in the token's user:<id> scope (the human), resource_owner_id the token's
-- owner (the service account).
CREATE TABLE oauth_composite_token_events (
    id                BIGINT        NOT NULL PRIMARY KEY,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    resource_owner_id BIGINT        NOT NULL,
    user_id           BIGINT        NOT NULL,
    application_uid   VARCHAR(64)   NOT NULL,
    scopes            VARCHAR(1024) NOT NULL,
    origin            VARCHAR(16)   NOT NULL,
    jti               VARCHAR(36)   NOT NULL,
    CONSTRAINT oauth_composite_token_events_origin CHECK (origin IN ('exchange', 'direct', 'refresh'))
);

CREATE INDEX oauth_composite_token_events_created_at ON oauth_composite_token_events (created_at);

-- Event ids come from this one row, incremented in the transaction that writes the event and
-- locked until it commits: ids are gapless and become visible in id order, so a reader that
-- asks for "after <id>" never skips an event that commits late (an identity column gives no
-- such guarantee).
CREATE TABLE oauth_composite_token_event_ids (
    id      SMALLINT NOT NULL PRIMARY KEY,
    last_id BIGINT   NOT NULL,
    CONSTRAINT oauth_composite_token_event_ids_one_row CHECK (id = 1)
);

INSERT INTO oauth_composite_token_event_ids (id, last_id) VALUES (1, 0);
