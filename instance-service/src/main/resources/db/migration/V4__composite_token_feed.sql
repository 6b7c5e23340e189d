-- Issue 14: how far this instance has read token-service's feed of composite token creations
-- (GET /internal/v1/composite-token-events?after=), which it turns into
-- composite_oauth_token_created audit events. One row; every replica polls, and the row lock
-- taken when recording a page makes each event recorded once.
CREATE TABLE composite_token_feed (
    id            INTEGER NOT NULL PRIMARY KEY,
    last_event_id BIGINT  NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT composite_token_feed_single_row CHECK (id = 1)
);
INSERT INTO composite_token_feed (id, last_event_id, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP);
