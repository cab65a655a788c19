-- Channels (issue 6, CH-1) and channel listings (CAT-5): the merchant's sales channels
-- with their sealed credentials, the locations each channel ships from, and which SKUs
-- sell on which channel under which channel-side ids (docs/adr/0015).
-- Instants are bigint microseconds UTC; money is bigint minor units plus a currency.
-- Every table carries merchant_id and every per-merchant unique key includes it.

CREATE TABLE channels (
    id                   UUID    NOT NULL PRIMARY KEY,
    merchant_id          UUID    NOT NULL REFERENCES merchants (id),
    -- Upper-cased; unique per merchant.
    code                 TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    -- own_store, app, marketplace, social, physical_store, dealer.
    kind                 TEXT    NOT NULL,
    -- api, shopify, woocommerce, csv, manual.
    platform             TEXT    NOT NULL,
    -- active, paused, archived.
    status               TEXT    NOT NULL,
    currency             TEXT    NOT NULL,
    -- IANA name.
    time_zone            TEXT    NOT NULL,
    ship_by_hours        BIGINT  NOT NULL,
    -- Shopify: the shop's myshopify domain.
    shop_domain          TEXT,
    -- WooCommerce and others: the shop's base URL.
    base_url             TEXT,
    -- Credentials sealed with the instance key (AES-256-GCM, `v1:...`), never plaintext,
    -- and the last four characters of each as a hint.
    webhook_secret       TEXT,
    webhook_secret_hint  TEXT,
    api_token            TEXT,
    api_token_hint       TEXT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE UNIQUE INDEX channels_merchant_code_key ON channels (merchant_id, code);
CREATE INDEX channels_merchant_id_idx ON channels (merchant_id, id);

-- The locations a channel's orders may be allocated from; lower priority first.
CREATE TABLE channel_locations (
    merchant_id   UUID    NOT NULL REFERENCES merchants (id),
    channel_id    UUID    NOT NULL REFERENCES channels (id),
    location_id   UUID    NOT NULL REFERENCES locations (id),
    priority      BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (merchant_id, channel_id, location_id)
);

-- One SKU as sold on one channel. NULL channel-side ids never collide (NULLs are distinct
-- in unique indexes on both engines).
CREATE TABLE channel_listings (
    id                    UUID    NOT NULL PRIMARY KEY,
    merchant_id           UUID    NOT NULL REFERENCES merchants (id),
    channel_id            UUID    NOT NULL REFERENCES channels (id),
    sku_id                UUID    NOT NULL REFERENCES skus (id),
    external_sku          TEXT,
    -- external_sku upper-cased: channels differ in case.
    external_sku_key      TEXT,
    external_product_id   TEXT,
    external_variant_id   TEXT,
    -- In the channel's currency at the time it was set.
    price_override_minor  BIGINT,
    price_override_currency TEXT,
    active                BOOLEAN NOT NULL,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
);
CREATE UNIQUE INDEX channel_listings_sku_key ON channel_listings (merchant_id, channel_id, sku_id);
CREATE UNIQUE INDEX channel_listings_external_sku_key ON channel_listings (merchant_id, channel_id, external_sku_key);
CREATE UNIQUE INDEX channel_listings_variant_key ON channel_listings (merchant_id, channel_id, external_variant_id);
CREATE INDEX channel_listings_product_idx ON channel_listings (merchant_id, channel_id, external_product_id);
CREATE INDEX channel_listings_merchant_id_idx ON channel_listings (merchant_id, channel_id, id);
