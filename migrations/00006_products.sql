-- +goose Up
-- The product catalog: what a brand sells, with its unit cost (minor units
-- of the brand's currency; NULL when unknown) for the commission margin
-- rules. Order lines match a product by sku, else by product id.
CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES brands (id),
    sku         TEXT NOT NULL,
    product_id  TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    unit_cost   BIGINT CHECK (unit_cost >= 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX products_sku ON products (brand_id, sku);
CREATE INDEX products_product_id ON products (brand_id, product_id);

-- The margin (basis points of net) assumed for a line whose unit cost is
-- unknown; NULL is none, and then the margin rules skip that line.
ALTER TABLE brands ADD COLUMN default_margin_bps INTEGER CHECK (default_margin_bps BETWEEN 0 AND 10000);

-- +goose Down
ALTER TABLE brands DROP COLUMN default_margin_bps;
DROP TABLE products;
