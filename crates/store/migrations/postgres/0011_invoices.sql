-- Invoices (issue 7, PAY-4): invoices and credit notes snapshot from an order, their
-- lines, and the per-merchant, per-year sequence their numbers come from
-- (docs/adr/0020-invoices.md). Instants are bigint microseconds UTC; money is bigint
-- minor units in the invoice's currency. Every table carries merchant_id and every
-- per-merchant unique key includes it.

-- The last number handed out per merchant and year; bumped in the issuing transaction,
-- so a refused or rolled-back issue leaves no gap.
CREATE TABLE invoice_sequences (
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    year         BIGINT  NOT NULL,
    last_value   BIGINT  NOT NULL,
    PRIMARY KEY (merchant_id, year)
);

CREATE TABLE invoices (
    id              UUID    NOT NULL PRIMARY KEY,
    merchant_id     UUID    NOT NULL REFERENCES merchants (id),
    order_id        UUID    NOT NULL REFERENCES orders (id),
    -- invoice, credit_note.
    kind            TEXT    NOT NULL,
    -- `INV-2026-000001`, `CN-2026-000002`: unique per merchant, never reused.
    number          TEXT    NOT NULL,
    -- issued, void.
    status          TEXT    NOT NULL,
    -- Company invoices carry both; a personal one may carry a title only.
    buyer_title     TEXT,
    buyer_tax_id    TEXT,
    buyer_address   TEXT,
    currency        TEXT    NOT NULL,
    items_minor     BIGINT  NOT NULL,
    discount_minor  BIGINT  NOT NULL,
    shipping_minor  BIGINT  NOT NULL,
    tax_minor       BIGINT  NOT NULL,
    total_minor     BIGINT  NOT NULL,
    issued_at       BIGINT  NOT NULL,
    -- The invoice a credit note reverses.
    credit_of       UUID    REFERENCES invoices (id),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX invoices_number_key ON invoices (merchant_id, number);
CREATE INDEX invoices_order_idx ON invoices (merchant_id, order_id, id);

CREATE TABLE invoice_lines (
    id                UUID    NOT NULL PRIMARY KEY,
    merchant_id       UUID    NOT NULL REFERENCES merchants (id),
    invoice_id        UUID    NOT NULL REFERENCES invoices (id),
    position          BIGINT  NOT NULL,
    description       TEXT    NOT NULL,
    sku               TEXT,
    quantity          BIGINT  NOT NULL,
    unit_price_minor  BIGINT  NOT NULL,
    subtotal_minor    BIGINT  NOT NULL,
    discount_minor    BIGINT  NOT NULL,
    tax_minor         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX invoice_lines_position_key ON invoice_lines (merchant_id, invoice_id, position);
