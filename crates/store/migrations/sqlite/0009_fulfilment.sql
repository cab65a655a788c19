-- Fulfilment (issue 7, FUL-1..3): pick waves grouping a location's allocated orders, the
-- units packed against each allocation, and shipments whose lines consume the allocations'
-- reservations (one shipment movement per line and location). docs/adr/0018.

-- Units confirmed at the packing bench, never more than the allocation's quantity.
ALTER TABLE order_allocations ADD COLUMN packed_quantity INTEGER NOT NULL DEFAULT 0;

CREATE TABLE pick_waves (
    id           BLOB    NOT NULL PRIMARY KEY,
    merchant_id  BLOB    NOT NULL REFERENCES merchants (id),
    location_id  BLOB    NOT NULL REFERENCES locations (id),
    -- open (being picked), closed (every order shipped or taken out).
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX pick_waves_merchant_idx ON pick_waves (merchant_id, status, id);

-- An order is in at most one open wave per location.
CREATE TABLE pick_wave_orders (
    merchant_id  BLOB    NOT NULL REFERENCES merchants (id),
    wave_id      BLOB    NOT NULL REFERENCES pick_waves (id),
    order_id     BLOB    NOT NULL REFERENCES orders (id),
    location_id  BLOB    NOT NULL REFERENCES locations (id),
    -- 1 while the wave is open, NULL after: the unique index below holds for open waves.
    open_marker  INTEGER,
    position     INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, wave_id, order_id)
);
CREATE UNIQUE INDEX pick_wave_orders_open_key ON pick_wave_orders (merchant_id, order_id, location_id, open_marker);

CREATE TABLE shipments (
    id               BLOB    NOT NULL PRIMARY KEY,
    merchant_id      BLOB    NOT NULL REFERENCES merchants (id),
    order_id         BLOB    NOT NULL REFERENCES orders (id),
    location_id      BLOB    NOT NULL REFERENCES locations (id),
    carrier          TEXT    NOT NULL,
    service          TEXT,
    tracking_number  TEXT,
    packages         INTEGER NOT NULL,
    -- shipped, in_transit, out_for_delivery, delivered, exception.
    status           TEXT    NOT NULL,
    shipped_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX shipments_order_idx ON shipments (merchant_id, order_id, id);
CREATE UNIQUE INDEX shipments_tracking_key ON shipments (merchant_id, carrier, tracking_number);

CREATE TABLE shipment_lines (
    merchant_id    BLOB    NOT NULL REFERENCES merchants (id),
    shipment_id    BLOB    NOT NULL REFERENCES shipments (id),
    allocation_id  BLOB    NOT NULL REFERENCES order_allocations (id),
    order_line_id  BLOB    NOT NULL REFERENCES order_lines (id),
    sku_id         BLOB    NOT NULL REFERENCES skus (id),
    quantity       INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, shipment_id, allocation_id)
);
-- An allocation ships once.
CREATE UNIQUE INDEX shipment_lines_allocation_key ON shipment_lines (merchant_id, allocation_id);
