-- Order search (issue 8, B7): a search text that is exactly an order's external id or
-- external number is found through these indexes instead of a scan of the merchant's
-- orders (the channel-scoped unique key cannot serve a look-up without the channel).
CREATE INDEX orders_external_id_idx ON orders (merchant_id, external_id);
CREATE INDEX orders_external_number_idx ON orders (merchant_id, external_number);
