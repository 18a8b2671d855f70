-- +goose Up
-- A creator's orders of a month in placed order (the ledger reprices
-- creator-months): the index covers the ORDER BY, so SQLite, which keeps no
-- statistics, no longer walks the brand's whole month through the
-- (brand_id, placed_at) index instead.
DROP INDEX orders_brand_creator;
CREATE INDEX orders_brand_creator ON orders (brand_id, creator_id, placed_at, id);

-- +goose Down
DROP INDEX orders_brand_creator;
CREATE INDEX orders_brand_creator ON orders (brand_id, creator_id, placed_at);
