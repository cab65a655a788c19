-- Identity, access control and audit: MFA, roles and permissions, approval requests for
-- access changes, API keys and OAuth client-credentials tokens, sign-in throttling, the
-- hash-chained audit log and first-run set-up. Types follow docs/adr/0001.

ALTER TABLE staff_users ADD COLUMN mfa_secret TEXT;
ALTER TABLE staff_users ADD COLUMN mfa_enabled_at INTEGER;
ALTER TABLE staff_users ADD COLUMN mfa_last_step INTEGER;
ALTER TABLE staff_users ADD COLUMN password_changed_at INTEGER;

-- 'active', or 'mfa_pending' between the password and the TOTP step; 'api' or 'console'.
ALTER TABLE staff_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'active';
ALTER TABLE staff_sessions ADD COLUMN channel TEXT NOT NULL DEFAULT 'api';

CREATE TABLE mfa_recovery_codes (
    user_id     BLOB NOT NULL REFERENCES staff_users (id),
    code_hash   BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Built-in roles have no merchant and fixed ids; their permissions live in the code
-- (domain::access). Custom roles belong to one merchant; their permissions are rows.
CREATE TABLE roles (
    id            BLOB NOT NULL PRIMARY KEY,
    merchant_id   BLOB REFERENCES merchants (id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    scope         TEXT NOT NULL,
    built_in      BOOLEAN NOT NULL,
    requires_mfa  BOOLEAN NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX roles_merchant_code_key ON roles (merchant_id, code);

CREATE TABLE role_permissions (
    role_id     BLOB NOT NULL REFERENCES roles (id),
    permission  TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    user_id      BLOB NOT NULL REFERENCES staff_users (id),
    role_id      BLOB NOT NULL REFERENCES roles (id),
    granted_at   INTEGER NOT NULL,
    request_id   BLOB,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

-- A change of access that takes effect only once a second person approves it.
CREATE TABLE access_requests (
    id             BLOB NOT NULL PRIMARY KEY,
    merchant_id    BLOB REFERENCES merchants (id),
    kind           TEXT NOT NULL,
    target_user_id BLOB REFERENCES staff_users (id),
    role_id        BLOB REFERENCES roles (id),
    permissions    TEXT,
    reason         TEXT,
    status         TEXT NOT NULL,
    requested_by   BLOB NOT NULL REFERENCES staff_users (id),
    requested_at   INTEGER NOT NULL,
    decided_by     BLOB REFERENCES staff_users (id),
    decided_at     INTEGER,
    decision_note  TEXT
);
CREATE INDEX access_requests_merchant_status_idx ON access_requests (merchant_id, status);

CREATE TABLE api_keys (
    id            BLOB NOT NULL PRIMARY KEY,
    merchant_id   BLOB REFERENCES merchants (id),
    created_by    BLOB NOT NULL REFERENCES staff_users (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    secret_hash   BLOB NOT NULL,
    scopes        TEXT NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER,
    created_at    INTEGER NOT NULL,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_merchant_idx ON api_keys (merchant_id);

-- Access tokens issued by POST /api/v1/oauth/token (client-credentials grant).
CREATE TABLE oauth_tokens (
    token_hash  BLOB NOT NULL PRIMARY KEY,
    api_key_id  BLOB NOT NULL REFERENCES api_keys (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX oauth_tokens_key_idx ON oauth_tokens (api_key_id);

-- Failed sign-ins per account ('account:<email>') and per client ('client:<address>'),
-- in the database so every instance sees the same counts.
CREATE TABLE login_throttle (
    key                TEXT NOT NULL PRIMARY KEY,
    failures           INTEGER NOT NULL,
    window_started_at  INTEGER NOT NULL,
    lockouts           INTEGER NOT NULL,
    locked_until       INTEGER
);

-- One hash chain per merchant, plus 'platform' for platform-level changes. The head row
-- is updated in the same transaction as each append, which serialises appends per chain.
CREATE TABLE audit_chains (
    chain      TEXT NOT NULL PRIMARY KEY,
    last_seq   INTEGER NOT NULL,
    last_hash  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id              BLOB NOT NULL PRIMARY KEY,
    chain           TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    merchant_id     BLOB,
    actor_type      TEXT NOT NULL,
    actor_id        BLOB,
    actor_label     TEXT NOT NULL,
    action          TEXT NOT NULL,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT,
    before_json     TEXT,
    after_json      TEXT,
    client_address  TEXT,
    user_agent      TEXT,
    request_id      TEXT,
    created_at      INTEGER NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    CONSTRAINT audit_log_chain_seq_key UNIQUE (chain, seq)
);
CREATE INDEX audit_log_merchant_time_idx ON audit_log (merchant_id, created_at);

-- Platform-wide state (first-run set-up token hash, ...).
CREATE TABLE platform_state (
    key         TEXT NOT NULL PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The built-in roles (fixed ids; permissions in domain::access::BuiltInRole).
INSERT INTO roles (id, merchant_id, code, name, description, scope, built_in, requires_mfa, created_at, updated_at) VALUES
    (X'00000000000070008000000000000001', NULL, 'platform_admin', 'Platform administrator', 'Runs the platform: merchants, platform staff, every permission.', 'platform', TRUE, TRUE, 0, 0),
    (X'00000000000070008000000000000002', NULL, 'compliance_reviewer', 'Compliance reviewer', 'Reviews listings and promotions for compliance across merchants; reads audit logs.', 'platform', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000003', NULL, 'merchant_owner', 'Merchant owner', 'Every permission within the merchant.', 'merchant', TRUE, TRUE, 0, 0),
    (X'00000000000070008000000000000004', NULL, 'operations', 'Operations', 'Reviews, routes and ships orders; handles exceptions.', 'merchant', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000005', NULL, 'warehouse', 'Warehouse', 'Receives, counts, transfers and ships stock.', 'merchant', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000006', NULL, 'customer_service', 'Customer service', 'Returns, refunds, complaints and customer history.', 'merchant', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000007', NULL, 'merchandiser', 'Merchandiser', 'Catalog, channel listings, prices and promotions.', 'merchant', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000008', NULL, 'buyer', 'Buyer', 'Suppliers, purchase orders and replenishment.', 'merchant', TRUE, FALSE, 0, 0),
    (X'00000000000070008000000000000009', NULL, 'finance', 'Finance', 'Payments, invoices, refunds and reconciliation.', 'merchant', TRUE, FALSE, 0, 0),
    (X'0000000000007000800000000000000a', NULL, 'read_only_auditor', 'Read-only auditor', 'Reads everything, including the audit log; changes nothing.', 'merchant', TRUE, FALSE, 0, 0);
