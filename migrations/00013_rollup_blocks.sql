-- +goose Up
-- Coarser rollups, so that a dashboard reads a few rows per link or creator
-- whatever its range (internal/report/blocks.go).

-- Daily per brand: the sum of the brand's creator rows of the day. The
-- dashboard's totals and daily series read these.
CREATE TABLE report_brand_daily (
    brand_id             TEXT NOT NULL,
    day                  TEXT NOT NULL,
    clicks               BIGINT NOT NULL DEFAULT 0,
    unique_clicks        BIGINT NOT NULL DEFAULT 0,
    bot_clicks           BIGINT NOT NULL DEFAULT 0,
    orders               BIGINT NOT NULL DEFAULT 0,
    revenue              BIGINT NOT NULL DEFAULT 0,
    refunded             BIGINT NOT NULL DEFAULT 0,
    commission           BIGINT NOT NULL DEFAULT 0,
    gross_margin         BIGINT NOT NULL DEFAULT 0,
    margin_unknown       BIGINT NOT NULL DEFAULT 0,
    new_customers        BIGINT NOT NULL DEFAULT 0,
    returning_customers  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, day)
);

-- Brands with rollups from before this migration.
INSERT INTO report_brand_daily (brand_id, day, clicks, unique_clicks, bot_clicks, orders, revenue, refunded, commission,
    gross_margin, margin_unknown, new_customers, returning_customers)
SELECT brand_id, day, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(orders), SUM(revenue), SUM(refunded), SUM(commission),
    SUM(gross_margin), SUM(margin_unknown), SUM(new_customers), SUM(returning_customers)
FROM report_creator_daily GROUP BY brand_id, day;

-- Blocks per link and per creator: the sums of the daily rows of `span`
-- local days (2, 4, 8, … 128) from `first_day`, aligned on the calendar
-- (first_day's day number since 1970-01-01 is a multiple of span). Any range
-- is a few blocks and days. Only sealed blocks are read (report_seal);
-- rows of blocks not yet sealed may be partial. The refresher seals the
-- blocks of brands that have rollups from before this migration.
CREATE TABLE report_link_blocks (
    brand_id       TEXT NOT NULL,
    span           INTEGER NOT NULL,
    first_day      TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    link_id        TEXT NOT NULL,
    clicks         BIGINT NOT NULL DEFAULT 0,
    unique_clicks  BIGINT NOT NULL DEFAULT 0,
    bot_clicks     BIGINT NOT NULL DEFAULT 0,
    orders         BIGINT NOT NULL DEFAULT 0,
    revenue        BIGINT NOT NULL DEFAULT 0,
    refunded       BIGINT NOT NULL DEFAULT 0,
    commission     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, span, first_day, creator_id, link_id)
);

CREATE TABLE report_creator_blocks (
    brand_id             TEXT NOT NULL,
    span                 INTEGER NOT NULL,
    first_day            TEXT NOT NULL,
    creator_id           TEXT NOT NULL,
    clicks               BIGINT NOT NULL DEFAULT 0,
    unique_clicks        BIGINT NOT NULL DEFAULT 0,
    bot_clicks           BIGINT NOT NULL DEFAULT 0,
    orders               BIGINT NOT NULL DEFAULT 0,
    revenue              BIGINT NOT NULL DEFAULT 0,
    refunded             BIGINT NOT NULL DEFAULT 0,
    commission           BIGINT NOT NULL DEFAULT 0,
    gross_margin         BIGINT NOT NULL DEFAULT 0,
    margin_unknown       BIGINT NOT NULL DEFAULT 0,
    new_customers        BIGINT NOT NULL DEFAULT 0,
    returning_customers  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, span, first_day, creator_id)
);

-- Per brand, the last day up to which every block's rows equal the sums of
-- its days.
CREATE TABLE report_seal (
    brand_id        TEXT PRIMARY KEY,
    sealed_through  TEXT NOT NULL
);

-- +goose Down
DROP TABLE report_seal;
DROP TABLE report_creator_blocks;
DROP TABLE report_link_blocks;
DROP TABLE report_brand_daily;
