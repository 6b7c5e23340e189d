-- RSA signing keys. kid is the RFC 7638 thumbprint; the private half is stored only
-- encrypted (AES-256-GCM under the master key).
CREATE TABLE signing_key (
    kid                   VARCHAR(64)   NOT NULL PRIMARY KEY,
    public_jwk            VARCHAR(2048) NOT NULL,
    private_key_encrypted VARCHAR(4096) NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    retired_at            TIMESTAMP WITH TIME ZONE
);

CREATE INDEX signing_key_retired_at ON signing_key (retired_at);
