-- Bulk import of historical orders (issue 8, docs/adr/0024): one row per import run with
-- the file's identity and the checkpoint committed with each batch, so a rerun of the same
-- file resumes where the last committed batch ended; the first malformed lines of a run;
-- and the historic payment rows' instalment count and position.

CREATE TABLE order_imports (
    id                BLOB    NOT NULL PRIMARY KEY,
    merchant_id       BLOB    NOT NULL REFERENCES merchants (id),
    channel_id        BLOB    NOT NULL REFERENCES channels (id),
    -- The file as named by the importer, its size and the sha256 of its first MiB (hex):
    -- together they recognise a rerun of the same file.
    file_name         TEXT    NOT NULL,
    file_size         INTEGER  NOT NULL,
    file_digest       TEXT    NOT NULL,
    -- running, completed.
    status            TEXT    NOT NULL,
    -- Bytes and lines of the file taken in by committed batches.
    committed_offset  INTEGER  NOT NULL,
    committed_line    INTEGER  NOT NULL,
    imported          INTEGER  NOT NULL,
    duplicates        INTEGER  NOT NULL,
    malformed         INTEGER  NOT NULL,
    -- Sum of the imported orders' payment rows, a decimal in the channel's currency.
    payment_total     TEXT    NOT NULL,
    currency          TEXT    NOT NULL,
    -- `user:<id>`, `api_key:<id>` or `system`.
    actor             TEXT    NOT NULL,
    created_at        INTEGER  NOT NULL,
    updated_at        INTEGER  NOT NULL,
    finished_at       INTEGER
);
CREATE INDEX order_imports_merchant_idx ON order_imports (merchant_id, id);
CREATE INDEX order_imports_file_idx ON order_imports (merchant_id, channel_id, file_digest, file_size, status);

-- The first malformed lines of a run (the app keeps at most 1,000 per run).
CREATE TABLE order_import_problems (
    merchant_id  BLOB    NOT NULL REFERENCES merchants (id),
    import_id    BLOB    NOT NULL REFERENCES order_imports (id),
    line         INTEGER  NOT NULL,
    reason       TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, import_id, line)
);

-- A historic payment's instalments (1 when paid at once) and its position among the
-- order's payments (from 1); NULL for payments taken by Omnihub itself.
ALTER TABLE payments ADD COLUMN installments INTEGER;
ALTER TABLE payments ADD COLUMN sequence INTEGER;
