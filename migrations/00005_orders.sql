-- +goose Up
-- Attribution settings: which evidence wins when an order has both a code
-- and a click, and how many days a customer stays with the creator of their
-- first attributed order (0 is off).
ALTER TABLE brands ADD COLUMN attribution_priority TEXT NOT NULL DEFAULT 'code_first';
ALTER TABLE brands ADD COLUMN customer_lock_days INTEGER NOT NULL DEFAULT 0;

-- Every delivery received (webhook or API call), with its raw payload for
-- admins. The unique key drops repeated deliveries of the same event.
CREATE TABLE order_events (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    source       TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    topic        TEXT NOT NULL DEFAULT '',
    order_ref    TEXT NOT NULL DEFAULT '',
    payload      TEXT NOT NULL DEFAULT '',
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX order_events_delivery ON order_events (brand_id, source, delivery_id);
CREATE INDEX order_events_order ON order_events (brand_id, source, order_ref, received_at);

-- Orders: the newest version each source sent, with the status its
-- adjustments give it and the attribution receipt. Amounts are minor units.
CREATE TABLE orders (
    id                    TEXT PRIMARY KEY,
    brand_id              TEXT NOT NULL REFERENCES brands (id),
    source                TEXT NOT NULL CHECK (source IN ('shopify', 'stripe', 'api', 'csv')),
    external_id           TEXT NOT NULL,
    placed_at             TIMESTAMPTZ NOT NULL,
    currency              TEXT NOT NULL,
    subtotal              BIGINT NOT NULL,
    discount              BIGINT NOT NULL,
    net                   BIGINT NOT NULL,
    shipping              BIGINT NOT NULL DEFAULT 0,
    tax                   BIGINT NOT NULL DEFAULT 0,
    refunded              BIGINT NOT NULL DEFAULT 0,
    discount_codes        TEXT NOT NULL DEFAULT '[]',
    click_id              TEXT NOT NULL DEFAULT '',
    customer_hash         TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('open', 'cancelled', 'refunded', 'partially_refunded')),
    creator_id            TEXT REFERENCES creators (id),
    attribution_method    TEXT NOT NULL CHECK (attribution_method IN ('code', 'click', 'customer', 'manual', 'none')),
    attribution_evidence  TEXT NOT NULL DEFAULT '{}',
    attribution_rule      TEXT NOT NULL DEFAULT '',
    version               TEXT NOT NULL DEFAULT '',
    event_id              TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX orders_external ON orders (brand_id, source, external_id);
CREATE INDEX orders_brand_placed ON orders (brand_id, placed_at, id);
CREATE INDEX orders_brand_creator ON orders (brand_id, creator_id, placed_at);
CREATE INDEX orders_brand_customer ON orders (brand_id, customer_hash, placed_at);

CREATE TABLE order_lines (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    brand_id     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    sku          TEXT NOT NULL DEFAULT '',
    product_id   TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    unit_price   BIGINT NOT NULL CHECK (unit_price >= 0),
    discount     BIGINT NOT NULL CHECK (discount >= 0),
    net          BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id, position);

-- Refunds and cancellations, append-only, each with its source's id. A row
-- whose order has not arrived yet has no order_id; it is linked when the
-- order comes.
CREATE TABLE order_adjustments (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    source       TEXT NOT NULL,
    order_ref    TEXT NOT NULL,
    order_id     TEXT REFERENCES orders (id),
    kind         TEXT NOT NULL CHECK (kind IN ('refund', 'cancel')),
    external_id  TEXT NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    amount       BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
    cumulative   BOOLEAN NOT NULL DEFAULT FALSE,
    group_ref    TEXT NOT NULL DEFAULT '',
    basis        BIGINT NOT NULL DEFAULT 0,
    lines        TEXT NOT NULL DEFAULT '[]',
    reason       TEXT NOT NULL DEFAULT '',
    event_id     TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX order_adjustments_external ON order_adjustments (brand_id, source, kind, external_id);
CREATE INDEX order_adjustments_ref ON order_adjustments (brand_id, source, order_ref);
CREATE INDEX order_adjustments_order ON order_adjustments (order_id);

-- CSV imports: the file, its column mapping and progress.
CREATE TABLE order_imports (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL REFERENCES brands (id),
    filename      TEXT NOT NULL,
    content       TEXT NOT NULL,
    mapping       TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL CHECK (status IN ('mapping', 'importing', 'done', 'failed')),
    total_orders  INTEGER NOT NULL DEFAULT 0,
    processed     INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL DEFAULT 0,
    existing      INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    report        TEXT NOT NULL DEFAULT '[]',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_imports_brand ON order_imports (brand_id, created_at);

-- +goose Down
DROP TABLE order_imports;
DROP TABLE order_adjustments;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE order_events;
ALTER TABLE brands DROP COLUMN customer_lock_days;
ALTER TABLE brands DROP COLUMN attribution_priority;
