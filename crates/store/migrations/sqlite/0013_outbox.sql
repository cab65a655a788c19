-- The channel push-back outbox (issue 7, CH-3): fulfilment, tracking and cancellation
-- updates queued for the order's channel in the same transaction as the change, and
-- delivered by the outbox worker with retries. docs/adr/0022.

CREATE TABLE outbox_events (
    id               BLOB    NOT NULL PRIMARY KEY,
    merchant_id      BLOB    NOT NULL REFERENCES merchants (id),
    channel_id       BLOB    NOT NULL REFERENCES channels (id),
    order_id         BLOB    NOT NULL REFERENCES orders (id),
    -- fulfilment, tracking, cancellation.
    kind             TEXT    NOT NULL,
    -- What changed: the shipment, the tracking event, the order or the order line.
    subject_id       BLOB    NOT NULL,
    -- The platform request to send: {"method", "path", "body"} (JSON text).
    payload          TEXT    NOT NULL,
    -- pending, delivered, dead.
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- Due time while pending; also the lease end while a worker holds the event.
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    -- The HTTP status of the last attempt, when there was a response.
    last_status      INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    delivered_at     INTEGER
);
-- One committed change gives exactly one event.
CREATE UNIQUE INDEX outbox_events_subject_key ON outbox_events (merchant_id, kind, subject_id);
-- The worker's claim: due pending events, oldest first, across merchants.
CREATE INDEX outbox_events_due_idx ON outbox_events (status, next_attempt_at, id);
CREATE INDEX outbox_events_merchant_idx ON outbox_events (merchant_id, status, id);
CREATE INDEX outbox_events_order_idx ON outbox_events (merchant_id, order_id);
