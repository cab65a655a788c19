-- Idempotency keys (docs/adr/0016): a POST sent with an `Idempotency-Key` header records
-- its response here, in the same transaction as its effect, so a retry with the same key
-- and the same body replays it instead of acting twice. Scoped by merchant AND principal
-- (`user:<id>`, `api_key:<id>`), so two clients can never replay each other's responses.

CREATE TABLE idempotency_keys (
    merchant_id    UUID    NOT NULL REFERENCES merchants (id),
    -- Who sent it: the principal kind and id.
    principal      TEXT    NOT NULL,
    -- 1-255 printable ASCII characters, chosen by the client.
    key            TEXT    NOT NULL,
    -- Method and route template (`POST /api/v1/inventory/receipts`).
    route          TEXT    NOT NULL,
    -- Lower-case hex SHA-256 of the request body.
    request_hash   TEXT    NOT NULL,
    -- NULL only inside the transaction that claimed the key (never visible outside it).
    status_code    BIGINT,
    response_body  TEXT,
    created_at     BIGINT  NOT NULL,
    PRIMARY KEY (merchant_id, principal, key)
);
