-- Catalog (CAT-1..4, 7): brands, the category tree, products with their SKUs, the version
-- history and the listing review log (docs/adr/0012).
-- Money is integer minor units plus an ISO 4217 code. Option lists, images, attributes,
-- compliance findings and version snapshots are JSON documents kept as text on both
-- backends: read whole, never queried inside. Every table carries merchant_id and every
-- per-merchant unique key includes it.

CREATE TABLE brands (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    name          TEXT    NOT NULL,
    -- Lower-cased name: "Nike" and "nike" are one brand.
    name_key      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX brands_merchant_name_key ON brands (merchant_id, name_key);

-- path is the materialised path of ids (/<root>/<child>/.../<self>/), so a subtree is one
-- prefix comparison and moving a subtree is one UPDATE of the paths under it.
CREATE TABLE categories (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    parent_id     BLOB    REFERENCES categories (id),
    name          TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    depth         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_merchant_path_key ON categories (merchant_id, path);
CREATE INDEX categories_merchant_parent_idx ON categories (merchant_id, parent_id);

CREATE TABLE products (
    id                BLOB    NOT NULL PRIMARY KEY,
    merchant_id       BLOB    NOT NULL REFERENCES merchants (id),
    name              TEXT    NOT NULL,
    -- Lower-cased name for case-insensitive substring search, the same on both engines.
    name_search       TEXT    NOT NULL,
    brand_id          BLOB    REFERENCES brands (id),
    category_id       BLOB    REFERENCES categories (id),
    description       TEXT    NOT NULL,
    images            TEXT    NOT NULL,
    attributes        TEXT    NOT NULL,
    options           TEXT    NOT NULL,
    allow_below_cost  BOOLEAN NOT NULL,
    -- draft, in_review, approved, rejected, listed, delisted (domain::catalog::state).
    status            TEXT    NOT NULL,
    -- While in review: the level awaiting a decision and the levels this round needs.
    review_level      INTEGER NOT NULL,
    review_levels     INTEGER NOT NULL,
    review_round      INTEGER NOT NULL,
    submitted_by      BLOB,
    submitted_at      INTEGER,
    findings          TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    created_by        BLOB,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX products_merchant_id_idx ON products (merchant_id, id);
CREATE INDEX products_merchant_status_idx ON products (merchant_id, status, id);
CREATE INDEX products_merchant_brand_idx ON products (merchant_id, brand_id, id);
CREATE INDEX products_merchant_category_idx ON products (merchant_id, category_id, id);

CREATE TABLE skus (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    product_id    BLOB    NOT NULL REFERENCES products (id),
    code          TEXT    NOT NULL,
    -- Upper-cased code: uniqueness ignores case (codes are read aloud in warehouses).
    code_key      TEXT    NOT NULL,
    barcode       TEXT,
    options       TEXT    NOT NULL,
    price_minor   INTEGER NOT NULL,
    cost_minor    INTEGER,
    currency      TEXT    NOT NULL,
    weight_grams  INTEGER,
    status        TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX skus_merchant_code_key ON skus (merchant_id, code_key);
-- NULL barcodes never collide (NULLs are distinct in unique indexes on both engines).
CREATE UNIQUE INDEX skus_merchant_barcode_key ON skus (merchant_id, barcode);
CREATE INDEX skus_merchant_product_idx ON skus (merchant_id, product_id);
CREATE INDEX skus_merchant_id_idx ON skus (merchant_id, id);

CREATE TABLE product_versions (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    product_id    BLOB    NOT NULL REFERENCES products (id),
    version       INTEGER NOT NULL,
    snapshot      TEXT    NOT NULL,
    changed       TEXT    NOT NULL,
    actor_type    TEXT    NOT NULL,
    actor_id      BLOB,
    actor_label   TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX product_versions_product_version_key ON product_versions (merchant_id, product_id, version);

CREATE TABLE product_reviews (
    id            BLOB    NOT NULL PRIMARY KEY,
    merchant_id   BLOB    NOT NULL REFERENCES merchants (id),
    product_id    BLOB    NOT NULL REFERENCES products (id),
    round         INTEGER NOT NULL,
    level         INTEGER NOT NULL,
    -- submit, approve, reject, list, delist, resubmit (an edit sent it back to review).
    action        TEXT    NOT NULL,
    actor_id      BLOB,
    actor_label   TEXT    NOT NULL,
    reason        TEXT,
    findings      TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX product_reviews_product_idx ON product_reviews (merchant_id, product_id, round);
CREATE INDEX product_reviews_queue_idx ON product_reviews (merchant_id, action, created_at);
