-- +goose Up
-- Holds: commission entries a brand keeps out of payouts while it looks into
-- a fraud or quality signal. The ledger stays append-only: a hold is its own
-- row, and releasing it makes its entries payable again.
CREATE TABLE holds (
    id                 TEXT PRIMARY KEY,
    brand_id           TEXT NOT NULL REFERENCES brands (id),
    creator_id         TEXT NOT NULL,
    -- The signal the hold was placed from (internal/fraud kinds) and its
    -- key, with the evidence as it stood then (a JSON list of lines).
    kind               TEXT NOT NULL,
    signal_key         TEXT NOT NULL DEFAULT '',
    subject            TEXT NOT NULL DEFAULT '',
    evidence           TEXT NOT NULL DEFAULT '[]',
    reason             TEXT NOT NULL,
    entry_count        INTEGER NOT NULL,
    amount             BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_by_label   TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    released_at        TIMESTAMPTZ,
    released_by_label  TEXT NOT NULL DEFAULT '',
    release_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX holds_brand ON holds (brand_id, created_at);

-- The entries a hold covers. A row is released with its hold (released_at
-- set), never deleted, so a released hold still lists what it held. The
-- partial unique index makes "is this entry held?" (the payout candidates'
-- NOT EXISTS) one index lookup, and keeps an entry in one active hold.
CREATE TABLE commission_holds (
    hold_id      TEXT NOT NULL REFERENCES holds (id),
    entry_id     TEXT NOT NULL,
    brand_id     TEXT NOT NULL,
    released_at  TIMESTAMPTZ,
    PRIMARY KEY (hold_id, entry_id)
);
CREATE UNIQUE INDEX commission_holds_active ON commission_holds (entry_id) WHERE released_at IS NULL;

-- Coupon leakage: the site a Shopify order's customer came from.
ALTER TABLE orders ADD COLUMN referring_site TEXT NOT NULL DEFAULT '';

-- Click spam: the orders a flagged link's clicks led to.
CREATE INDEX orders_click ON orders (click_id) WHERE click_id <> '';

-- +goose Down
DROP INDEX orders_click;
ALTER TABLE orders DROP COLUMN referring_site;
DROP TABLE commission_holds;
DROP TABLE holds;
