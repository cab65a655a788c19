-- Payments per order (issue 7, PAY-1/PAY-2; docs/adr/0019). Amounts are integer minor units
-- in the order's currency. Card numbers are never stored: the app refuses any text field
-- that carries one.
CREATE TABLE payments (
    id                  UUID    NOT NULL PRIMARY KEY,
    merchant_id         UUID    NOT NULL REFERENCES merchants (id),
    order_id            UUID    NOT NULL REFERENCES orders (id),
    -- card, alipay, wechat_pay, digital_rmb, bank_transfer, cash_on_delivery, marketplace.
    method              TEXT    NOT NULL,
    -- pending, authorized, captured, failed, partially_refunded, refunded.
    state               TEXT    NOT NULL,
    amount_minor        BIGINT  NOT NULL,
    currency            TEXT    NOT NULL,
    refunded_minor      BIGINT  NOT NULL,
    -- `test` or another provider's name; NULL when recorded by hand.
    provider            TEXT,
    provider_reference  TEXT,
    payer               TEXT,
    note                TEXT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    version             BIGINT  NOT NULL
);
CREATE INDEX payments_order_idx ON payments (merchant_id, order_id, id);
CREATE UNIQUE INDEX payments_provider_reference_key
    ON payments (merchant_id, provider, provider_reference);

-- Append-only: every move of a payment, who made it and what it carried.
CREATE TABLE payment_events (
    id           UUID    NOT NULL PRIMARY KEY,
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    payment_id   UUID    NOT NULL REFERENCES payments (id),
    -- recorded, authorized, captured, failed, refunded.
    event        TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    amount_minor BIGINT  NOT NULL,
    actor        TEXT    NOT NULL,
    -- JSON object.
    data         TEXT    NOT NULL,
    at           BIGINT  NOT NULL
);
CREATE INDEX payment_events_payment_idx ON payment_events (merchant_id, payment_id, id);

-- Per merchant and provider: the notification signing secret, sealed with the app's key.
CREATE TABLE payment_provider_secrets (
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    provider     TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (merchant_id, provider)
);
