-- Foundation: merchants (tenants), their settings, and staff users.
-- Column types follow docs/adr/0001: ids are uuid, instants are bigint microseconds since
-- the Unix epoch (UTC), booleans are boolean. Setting values are JSON documents kept as
-- text on both backends (small, read whole, never queried inside).

CREATE TABLE merchants (
    id            UUID    NOT NULL PRIMARY KEY,
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    time_zone     TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    CONSTRAINT merchants_code_key UNIQUE (code)
);

CREATE TABLE settings (
    merchant_id   UUID    NOT NULL REFERENCES merchants (id),
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    updated_at    BIGINT  NOT NULL,
    updated_by    UUID,
    PRIMARY KEY (merchant_id, key)
);

CREATE TABLE staff_users (
    id                 UUID    NOT NULL PRIMARY KEY,
    merchant_id        UUID    REFERENCES merchants (id),
    email              TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,
    is_platform_admin  BOOLEAN NOT NULL,
    status             TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    CONSTRAINT staff_users_email_key UNIQUE (email)
);

CREATE INDEX staff_users_merchant_idx ON staff_users (merchant_id);

-- Sign-in sessions: only the SHA-256 of the opaque token is stored, so a leaked table
-- cannot be replayed. Idle and absolute expiry are both enforced.
CREATE TABLE staff_sessions (
    token_hash           BYTEA NOT NULL PRIMARY KEY,
    user_id              UUID NOT NULL REFERENCES staff_users (id),
    created_at           BIGINT NOT NULL,
    last_seen_at         BIGINT NOT NULL,
    idle_expires_at      BIGINT NOT NULL,
    absolute_expires_at  BIGINT NOT NULL,
    revoked_at           BIGINT,
    client_address       TEXT,
    user_agent           TEXT
);

CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
