-- +goose Up
-- Brand settings of the redirect: the utm_campaign it adds and the name of
-- the query parameter that carries the click id to the store.
ALTER TABLE brands ADD COLUMN utm_campaign TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN click_param TEXT NOT NULL DEFAULT 'clout_click';

-- Short links. Slugs are global (every brand's links live under one base
-- URL) and case-insensitive: slug_key is the lower-cased slug.
CREATE TABLE links (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL REFERENCES brands (id),
    creator_id    TEXT NOT NULL REFERENCES creators (id),
    slug          TEXT NOT NULL,
    slug_key      TEXT NOT NULL,
    destination   TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    utm_source    TEXT,
    utm_medium    TEXT,
    utm_campaign  TEXT,
    utm_content   TEXT,
    status        TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX links_slug_key ON links (slug_key);
CREATE INDEX links_creator ON links (brand_id, creator_id, created_at);

-- Clicks, append-only. Raw IPs are never stored: visitor_hash is a keyed hash
-- of IP and user agent whose key changes every day.
CREATE TABLE clicks (
    id             TEXT PRIMARY KEY,
    clicked_at     TIMESTAMPTZ NOT NULL,
    brand_id       TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    link_id        TEXT NOT NULL,
    visitor_hash   TEXT NOT NULL,
    referrer_host  TEXT NOT NULL DEFAULT '',
    device         TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    is_bot         BOOLEAN NOT NULL,
    is_unique      BOOLEAN NOT NULL
);
CREATE INDEX clicks_link_time ON clicks (link_id, clicked_at);
CREATE INDEX clicks_brand_time ON clicks (brand_id, clicked_at);

-- Discount codes: unique per brand ignoring case (code_key is lower-cased).
-- percent values are basis points (1500 = 15%); amount values are minor units.
CREATE TABLE codes (
    id                         TEXT PRIMARY KEY,
    brand_id                   TEXT NOT NULL REFERENCES brands (id),
    creator_id                 TEXT NOT NULL REFERENCES creators (id),
    code                       TEXT NOT NULL,
    code_key                   TEXT NOT NULL,
    discount_type              TEXT NOT NULL CHECK (discount_type IN ('percent', 'amount')),
    discount_value             BIGINT NOT NULL,
    currency                   TEXT NOT NULL DEFAULT '',
    active                     BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at                 TIMESTAMPTZ,
    stripe_coupon_id           TEXT NOT NULL DEFAULT '',
    stripe_promotion_code_id   TEXT NOT NULL DEFAULT '',
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX codes_brand_key ON codes (brand_id, code_key);
CREATE INDEX codes_creator ON codes (brand_id, creator_id);

-- +goose Down
DROP TABLE codes;
DROP TABLE clicks;
DROP TABLE links;
ALTER TABLE brands DROP COLUMN click_param;
ALTER TABLE brands DROP COLUMN utm_campaign;
