-- Inventory (INV-1..7): locations, per-SKU stock policy, stock levels, the append-only
-- movement ledger, reservations, adjustments awaiting approval, transfers, stocktakes,
-- alert thresholds and alerts, and the domain events outbox (docs/adr/0013).
-- Quantities are integers; instants are integer microseconds UTC. Every table carries
-- merchant_id and every per-merchant unique key includes it.

CREATE TABLE locations (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    -- Upper-cased; unique per merchant.
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    -- warehouse, store, third_party_warehouse.
    kind          TEXT    NOT NULL,
    country       TEXT    NOT NULL,
    province      TEXT,
    city          TEXT,
    address       TEXT,
    -- Lower numbers are allocated from first.
    priority      INTEGER NOT NULL,
    active        BOOLEAN NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX locations_merchant_code_key ON locations (merchant_id, code);
CREATE INDEX locations_merchant_priority_idx ON locations (merchant_id, priority, code);

-- Per-SKU stock policy; a SKU without a row does not allow backorders.
CREATE TABLE inventory_skus (
    merchant_id      BLOB    NOT NULL REFERENCES merchants (id),
    sku_id           BLOB    NOT NULL REFERENCES skus (id),
    allow_backorder  BOOLEAN NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, sku_id)
);

-- available = on_hand - reserved, never below zero unless the SKU allows backorders.
-- on_hand changes only together with a stock_movements row (checked by omnihub check).
CREATE TABLE stock_levels (
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    sku_id        BLOB    NOT NULL REFERENCES skus (id),
    location_id   BLOB    NOT NULL REFERENCES locations (id),
    on_hand       INTEGER NOT NULL,
    reserved      INTEGER NOT NULL,
    -- In transit towards this location (dispatched transfers not yet received).
    incoming      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, sku_id, location_id)
);
CREATE INDEX stock_levels_location_idx ON stock_levels (merchant_id, location_id, sku_id);

-- Append-only: never updated or deleted.
CREATE TABLE stock_movements (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    sku_id        BLOB    NOT NULL REFERENCES skus (id),
    location_id   BLOB    NOT NULL REFERENCES locations (id),
    -- receipt, shipment, return_restock, adjustment, count, transfer_out, transfer_in, scrap.
    reason        TEXT    NOT NULL,
    -- Signed change of on_hand.
    quantity      INTEGER NOT NULL,
    -- What caused it: an order line, a PO, a transfer, a stocktake, an adjustment.
    reference     TEXT    NOT NULL,
    actor_type    TEXT    NOT NULL,
    actor_id      BLOB,
    actor_label   TEXT    NOT NULL,
    note          TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX stock_movements_merchant_idx ON stock_movements (merchant_id, id);
CREATE INDEX stock_movements_level_idx ON stock_movements (merchant_id, sku_id, location_id, id);
CREATE INDEX stock_movements_location_idx ON stock_movements (merchant_id, location_id, id);
CREATE INDEX stock_movements_reference_idx ON stock_movements (merchant_id, reference);

-- One reservation per reference (order line): reserving it again returns this row.
CREATE TABLE reservations (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    reference     TEXT    NOT NULL,
    sku_id        BLOB    NOT NULL REFERENCES skus (id),
    location_id   BLOB    NOT NULL REFERENCES locations (id),
    quantity      INTEGER NOT NULL,
    -- open, released, consumed.
    status        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX reservations_merchant_reference_key ON reservations (merchant_id, reference);
CREATE INDEX reservations_level_idx ON reservations (merchant_id, sku_id, location_id, status);

CREATE TABLE adjustments (
    id               BLOB    NOT NULL PRIMARY KEY,
    merchant_id      BLOB    NOT NULL REFERENCES merchants (id),
    sku_id           BLOB    NOT NULL REFERENCES skus (id),
    location_id      BLOB    NOT NULL REFERENCES locations (id),
    -- Signed change requested.
    delta            INTEGER NOT NULL,
    -- damaged, lost, theft, found, expired, correction, scrap.
    reason           TEXT    NOT NULL,
    note             TEXT,
    unit_cost_minor  INTEGER,
    -- applied (at once or after approval), pending, rejected.
    status           TEXT    NOT NULL,
    requested_by     BLOB,
    requested_label  TEXT    NOT NULL,
    decided_by       BLOB,
    decided_label    TEXT,
    decision_note    TEXT,
    decided_at       INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX adjustments_merchant_status_idx ON adjustments (merchant_id, status, id);

CREATE TABLE transfers (
    id                BLOB    NOT NULL PRIMARY KEY,
    merchant_id       BLOB    NOT NULL REFERENCES merchants (id),
    from_location_id  BLOB    NOT NULL REFERENCES locations (id),
    to_location_id    BLOB    NOT NULL REFERENCES locations (id),
    -- draft, in_transit, partially_received, received, cancelled.
    status            TEXT    NOT NULL,
    note              TEXT,
    created_label     TEXT    NOT NULL,
    dispatched_at     INTEGER,
    received_at       INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX transfers_merchant_status_idx ON transfers (merchant_id, status, id);

CREATE TABLE transfer_lines (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    transfer_id   BLOB    NOT NULL REFERENCES transfers (id),
    position      INTEGER NOT NULL,
    sku_id        BLOB    NOT NULL REFERENCES skus (id),
    quantity      INTEGER NOT NULL,
    received      INTEGER NOT NULL,
    -- Shipped but never arrived, recorded when the transfer was closed short.
    discrepancy   INTEGER NOT NULL
);
CREATE UNIQUE INDEX transfer_lines_transfer_sku_key ON transfer_lines (merchant_id, transfer_id, sku_id);

CREATE TABLE stocktakes (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    location_id   BLOB    NOT NULL REFERENCES locations (id),
    -- open, posted, cancelled.
    status        TEXT    NOT NULL,
    note          TEXT,
    opened_label  TEXT    NOT NULL,
    posted_at     INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX stocktakes_merchant_status_idx ON stocktakes (merchant_id, status, id);

CREATE TABLE stocktake_lines (
    id                BLOB    NOT NULL PRIMARY KEY,
    merchant_id       BLOB    NOT NULL REFERENCES merchants (id),
    stocktake_id      BLOB    NOT NULL REFERENCES stocktakes (id),
    sku_id            BLOB    NOT NULL REFERENCES skus (id),
    -- On hand when the stocktake opened.
    snapshot_on_hand  INTEGER NOT NULL,
    counted           INTEGER,
    -- On hand when the count was entered (snapshot plus movements since).
    on_hand_at_count  INTEGER,
    counted_at        INTEGER,
    -- Booked when posted: counted - on_hand_at_count.
    variance          INTEGER,
    unit_cost_minor   INTEGER
);
CREATE UNIQUE INDEX stocktake_lines_stocktake_sku_key ON stocktake_lines (merchant_id, stocktake_id, sku_id);

-- Alert thresholds of one SKU at one location; alerts are evaluated only where a rule exists.
CREATE TABLE stock_alert_rules (
    merchant_id    BLOB    NOT NULL REFERENCES merchants (id),
    sku_id         BLOB    NOT NULL REFERENCES skus (id),
    location_id    BLOB    NOT NULL REFERENCES locations (id),
    low_stock      INTEGER,
    reorder_point  INTEGER,
    overstock      INTEGER,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, sku_id, location_id)
);

CREATE TABLE stock_alerts (
    id                  BLOB    NOT NULL PRIMARY KEY,
    merchant_id         BLOB    NOT NULL REFERENCES merchants (id),
    sku_id              BLOB    NOT NULL REFERENCES skus (id),
    location_id         BLOB    NOT NULL REFERENCES locations (id),
    -- low_stock, out_of_stock, overstock.
    kind                TEXT    NOT NULL,
    -- active, cleared.
    status              TEXT    NOT NULL,
    on_hand             INTEGER NOT NULL,
    available           INTEGER NOT NULL,
    raised_at           INTEGER NOT NULL,
    cleared_at          INTEGER,
    acknowledged_by     BLOB,
    acknowledged_label  TEXT,
    acknowledged_at     INTEGER
);
CREATE INDEX stock_alerts_merchant_status_idx ON stock_alerts (merchant_id, status, id);
CREATE INDEX stock_alerts_level_idx ON stock_alerts (merchant_id, sku_id, location_id, status);

-- Domain events, written in the same transaction as the change: a transactional outbox
-- that the webhook relay reads in id order.
CREATE TABLE events (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    -- e.g. inventory.alert.raised, inventory.alert.cleared.
    kind          TEXT    NOT NULL,
    -- JSON document.
    payload       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX events_merchant_idx ON events (merchant_id, id);
CREATE INDEX events_kind_idx ON events (merchant_id, kind, id);
