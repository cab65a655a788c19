-- Orders (issue 6, ORD-1..5): customers matched by e-mail or phone, one order model for
-- every channel with its lines, the stock allocated to each line, and the order's
-- timeline (docs/adr/0017). Instants are bigint microseconds UTC; money is bigint minor
-- units in the order's currency. Every table carries merchant_id and every per-merchant
-- unique key includes it.

CREATE TABLE customers (
    id           UUID    NOT NULL PRIMARY KEY,
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    -- Lower-cased; NULLs never collide in unique indexes on either engine.
    email        TEXT,
    phone        TEXT,
    name         TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX customers_email_key ON customers (merchant_id, email);
CREATE UNIQUE INDEX customers_phone_key ON customers (merchant_id, phone);

-- The next order number per merchant (one row, bumped in the intake transaction so a
-- rolled-back intake leaves no gap).
CREATE TABLE order_sequences (
    merchant_id  UUID    NOT NULL PRIMARY KEY REFERENCES merchants (id),
    last_value   BIGINT  NOT NULL
);

CREATE TABLE orders (
    id                 UUID    NOT NULL PRIMARY KEY,
    merchant_id        UUID    NOT NULL REFERENCES merchants (id),
    channel_id         UUID    NOT NULL REFERENCES channels (id),
    -- Human-readable, unique per merchant (`SO-000123`).
    number             TEXT    NOT NULL,
    -- The channel's order id: intake is idempotent by (channel, external_id). NULL only
    -- for a payload so broken it had none (kept in the exception queue, never dropped).
    external_id        TEXT,
    external_number    TEXT,
    -- api, shopify, woocommerce, csv, manual.
    source             TEXT    NOT NULL,
    -- The three state machines (DESIGN.md "Orders").
    status             TEXT    NOT NULL,
    payment_status     TEXT    NOT NULL,
    fulfilment_status  TEXT    NOT NULL,
    -- review (held for a person to decide), exception (data to fix or stock to wait for),
    -- allocate (confirmed, waiting for stock), or NULL (no queue).
    queue              TEXT,
    -- JSON arrays: hold reason codes; mapping problems ({code, field, message}).
    hold_reasons       TEXT    NOT NULL,
    problems           TEXT    NOT NULL,
    risk_score         BIGINT  NOT NULL,
    -- Staff chose to wait for stock instead of cancelling (insufficient_stock).
    backorder          BOOLEAN NOT NULL,
    customer_id        UUID    REFERENCES customers (id),
    customer_email     TEXT,
    customer_phone     TEXT,
    customer_name      TEXT,
    -- JSON postal addresses.
    shipping_address   TEXT,
    billing_address    TEXT,
    currency           TEXT    NOT NULL,
    items_minor        BIGINT  NOT NULL,
    discounts_minor    BIGINT  NOT NULL,
    shipping_minor     BIGINT  NOT NULL,
    fees_minor         BIGINT  NOT NULL,
    tax_minor          BIGINT  NOT NULL,
    tax_included       BOOLEAN NOT NULL,
    total_minor        BIGINT  NOT NULL,
    cash_on_delivery   BOOLEAN NOT NULL,
    -- JSON array of gateway names.
    payment_gateways   TEXT    NOT NULL,
    -- The channel's own status word, as last reported.
    channel_status     TEXT,
    note               TEXT,
    -- JSON array of tags.
    tags               TEXT    NOT NULL,
    -- The payload as received, so an exception can be mapped again once fixed.
    payload            TEXT,
    placed_at          BIGINT  NOT NULL,
    received_at        BIGINT  NOT NULL,
    -- placed_at + the channel's ship-by hours.
    ship_by            BIGINT  NOT NULL,
    -- Bumped by every change; guards concurrent edits.
    version            BIGINT  NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX orders_number_key ON orders (merchant_id, number);
CREATE UNIQUE INDEX orders_external_key ON orders (merchant_id, channel_id, external_id);
CREATE INDEX orders_received_idx ON orders (merchant_id, received_at, id);
CREATE INDEX orders_queue_idx ON orders (merchant_id, queue, received_at, id);
CREATE INDEX orders_status_idx ON orders (merchant_id, status, received_at, id);
CREATE INDEX orders_customer_idx ON orders (merchant_id, customer_id, placed_at);

CREATE TABLE order_lines (
    id                 UUID    NOT NULL PRIMARY KEY,
    merchant_id        UUID    NOT NULL REFERENCES merchants (id),
    order_id           UUID    NOT NULL REFERENCES orders (id),
    -- 0-based, in the channel's order.
    position           BIGINT  NOT NULL,
    external_line_id   TEXT,
    -- NULL while the line names nothing we sell (unknown_sku exception).
    sku_id             UUID    REFERENCES skus (id),
    listing_id         UUID    REFERENCES channel_listings (id),
    -- What the channel sent to identify the item.
    item_sku           TEXT,
    item_product_id    TEXT,
    item_variant_id    TEXT,
    title              TEXT,
    quantity           BIGINT  NOT NULL,
    cancelled_quantity BIGINT  NOT NULL,
    unit_price_minor   BIGINT  NOT NULL,
    subtotal_minor     BIGINT  NOT NULL,
    discount_minor     BIGINT  NOT NULL,
    tax_minor          BIGINT  NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX order_lines_position_key ON order_lines (merchant_id, order_id, position);

-- Stock reserved for a line at one location. The id is the reservation's reference, so
-- allocating again after a release (re-route) makes new reservations.
CREATE TABLE order_allocations (
    id              UUID    NOT NULL PRIMARY KEY,
    merchant_id     UUID    NOT NULL REFERENCES merchants (id),
    order_id        UUID    NOT NULL REFERENCES orders (id),
    order_line_id   UUID    NOT NULL REFERENCES order_lines (id),
    location_id     UUID    NOT NULL REFERENCES locations (id),
    sku_id          UUID    NOT NULL REFERENCES skus (id),
    quantity        BIGINT  NOT NULL,
    reservation_id  UUID    NOT NULL REFERENCES reservations (id),
    -- open, released, consumed (mirrors the reservation).
    status          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX order_allocations_order_idx ON order_allocations (merchant_id, order_id, status);

-- Append-only: every change to an order, who made it and what it carried.
CREATE TABLE order_timeline (
    id           UUID    NOT NULL PRIMARY KEY,
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    order_id     UUID    NOT NULL REFERENCES orders (id),
    event        TEXT    NOT NULL,
    -- `user:<id>`, `api_key:<id>`, `channel:<id>` or `system`.
    actor        TEXT    NOT NULL,
    -- JSON object.
    data         TEXT    NOT NULL,
    at           BIGINT  NOT NULL
);
CREATE INDEX order_timeline_order_idx ON order_timeline (merchant_id, order_id, id);
