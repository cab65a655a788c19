-- Tracking (issue 7, FUL-5): per-merchant carrier accounts with their sealed webhook secret,
-- the events of each shipment (idempotent by shipment and the carrier's event id), and the
-- time of a shipment's newest event so an older event never moves its status back.
-- docs/adr/0021.

CREATE TABLE carriers (
    id                   UUID    NOT NULL PRIMARY KEY,
    merchant_id          UUID    NOT NULL REFERENCES merchants (id),
    -- Matches shipments.carrier.
    code                 TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    -- Sealed with the instance key (AES-256-GCM, `v1:...`), never plaintext.
    webhook_secret       TEXT,
    webhook_secret_hint  TEXT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE UNIQUE INDEX carriers_code_key ON carriers (merchant_id, code);

-- The newest event's time (microseconds), NULL before the first.
ALTER TABLE shipments ADD COLUMN last_event_at BIGINT;
CREATE INDEX shipments_status_idx ON shipments (merchant_id, status, id);

CREATE TABLE shipment_events (
    id           UUID    NOT NULL PRIMARY KEY,
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    shipment_id  UUID    NOT NULL REFERENCES shipments (id),
    -- The carrier's id for the event (`manual:...` for staff entries).
    event_id     TEXT    NOT NULL,
    -- picked_up, in_transit, out_for_delivery, delivered, exception.
    kind         TEXT    NOT NULL,
    occurred_at  BIGINT  NOT NULL,
    location     TEXT,
    description  TEXT,
    -- webhook, csv, manual.
    source       TEXT    NOT NULL,
    -- Whether it moved the shipment's status (an older or post-delivery event does not).
    applied      BOOLEAN NOT NULL,
    recorded_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX shipment_events_key ON shipment_events (merchant_id, shipment_id, event_id);
CREATE INDEX shipment_events_time_idx ON shipment_events (merchant_id, shipment_id, occurred_at);

-- The shopper's tracking page looks an order up by its number across merchants.
CREATE INDEX orders_number_idx ON orders (number);
