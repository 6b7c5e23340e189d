-- Security review (issue 12), findings 9 and 11. Portable to H2 and PostgreSQL.

-- Finding 9: at most one signing key, at most one key waiting to sign.
-- signing_slot is 1 for the key that signs, 2 for the next key (published, not yet signing) and
-- NULL for retired keys; the unique index (NULLs never collide) makes a second active key, from
-- two replicas starting on an empty database or two concurrent rotations, a constraint violation.
-- signs_from: when the key may start signing (a rotated key waits until verifiers can have fetched it).
ALTER TABLE signing_key ADD COLUMN signs_from TIMESTAMP WITH TIME ZONE;
UPDATE signing_key SET signs_from = created_at;
ALTER TABLE signing_key ALTER COLUMN signs_from SET NOT NULL;

ALTER TABLE signing_key ADD COLUMN signing_slot SMALLINT;
ALTER TABLE signing_key ADD CONSTRAINT signing_key_signing_slot_values CHECK (signing_slot IN (1, 2));
-- Of the keys not retired, the newest signs (what findActive picked until now); any other is retired.
UPDATE signing_key SET signing_slot = 1
 WHERE kid = (SELECT MAX(s.kid) FROM signing_key s
               WHERE s.retired_at IS NULL
                 AND s.created_at = (SELECT MAX(t.created_at) FROM signing_key t WHERE t.retired_at IS NULL));
UPDATE signing_key SET retired_at = CURRENT_TIMESTAMP WHERE retired_at IS NULL AND signing_slot IS NULL;
CREATE UNIQUE INDEX signing_key_one_per_slot ON signing_key (signing_slot);

-- Finding 11: PKCE (RFC 7636, S256 only). The challenge is BASE64URL(SHA-256(verifier)): 43 characters.
ALTER TABLE oauth_grants ADD COLUMN code_challenge VARCHAR(128);
-- Whether the refresh-token family was born from a PKCE grant: public clients refresh only those.
ALTER TABLE oauth_refresh_tokens ADD COLUMN pkce BOOLEAN DEFAULT FALSE NOT NULL;
