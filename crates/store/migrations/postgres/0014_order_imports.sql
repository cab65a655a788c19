-- Bulk import of historical orders (issue 8, docs/adr/0024): one row per import run with
-- the file's identity and the checkpoint committed with each batch, so a rerun of the same
-- file resumes where the last committed batch ended; the first malformed lines of a run;
-- and the historic payment rows' instalment count and position.

CREATE TABLE order_imports (
    id                UUID    NOT NULL PRIMARY KEY,
    merchant_id       UUID    NOT NULL REFERENCES merchants (id),
    channel_id        UUID    NOT NULL REFERENCES channels (id),
    -- The file as named by the importer, its size and the sha256 of its first MiB (hex):
    -- together they recognise a rerun of the same file.
    file_name         TEXT    NOT NULL,
    file_size         BIGINT  NOT NULL,
    file_digest       TEXT    NOT NULL,
    -- running, completed.
    status            TEXT    NOT NULL,
    -- Bytes and lines of the file taken in by committed batches.
    committed_offset  BIGINT  NOT NULL,
    committed_line    BIGINT  NOT NULL,
    imported          BIGINT  NOT NULL,
    duplicates        BIGINT  NOT NULL,
    malformed         BIGINT  NOT NULL,
    -- Sum of the imported orders' payment rows, a decimal in the channel's currency.
    payment_total     TEXT    NOT NULL,
    currency          TEXT    NOT NULL,
    -- `user:<id>`, `api_key:<id>` or `system`.
    actor             TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    finished_at       BIGINT
);
CREATE INDEX order_imports_merchant_idx ON order_imports (merchant_id, id);
CREATE INDEX order_imports_file_idx ON order_imports (merchant_id, channel_id, file_digest, file_size, status);

-- The first malformed lines of a run (the app keeps at most 1,000 per run).
CREATE TABLE order_import_problems (
    merchant_id  UUID    NOT NULL REFERENCES merchants (id),
    import_id    UUID    NOT NULL REFERENCES order_imports (id),
    line         BIGINT  NOT NULL,
    reason       TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, import_id, line)
);

-- A historic payment's instalments (1 when paid at once) and its position among the
-- order's payments (from 1); NULL for payments taken by Omnihub itself.
ALTER TABLE payments ADD COLUMN installments BIGINT;
ALTER TABLE payments ADD COLUMN sequence BIGINT;
