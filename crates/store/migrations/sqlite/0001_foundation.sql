-- Foundation: merchants (tenants), their settings, and staff users.
-- Column types follow docs/adr/0001: ids are 16-byte UUID blobs, instants are integer
-- microseconds since the Unix epoch (UTC), booleans are declared BOOLEAN (stored 0/1).

CREATE TABLE merchants (
    id            BLOB    NOT NULL PRIMARY KEY,
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    time_zone     TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT merchants_code_key UNIQUE (code)
);

CREATE TABLE settings (
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    BLOB,
    PRIMARY KEY (merchant_id, key)
);

CREATE TABLE staff_users (
    id                 BLOB    NOT NULL PRIMARY KEY,
    merchant_id        BLOB    REFERENCES merchants (id),
    email              TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,
    is_platform_admin  BOOLEAN NOT NULL,
    status             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CONSTRAINT staff_users_email_key UNIQUE (email)
);

CREATE INDEX staff_users_merchant_idx ON staff_users (merchant_id);

-- Sign-in sessions: only the SHA-256 of the opaque token is stored, so a leaked table
-- cannot be replayed. Idle and absolute expiry are both enforced.
CREATE TABLE staff_sessions (
    token_hash           BLOB NOT NULL PRIMARY KEY,
    user_id              BLOB NOT NULL REFERENCES staff_users (id),
    created_at           INTEGER NOT NULL,
    last_seen_at         INTEGER NOT NULL,
    idle_expires_at      INTEGER NOT NULL,
    absolute_expires_at  INTEGER NOT NULL,
    revoked_at           INTEGER,
    client_address       TEXT,
    user_agent           TEXT
);

CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
