-- +goose Up
-- Coarser rollups, so that a dashboard reads a few rows per link or creator
-- whatever its range (internal/report/weeks.go).

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

-- Weekly per link and per creator: the sums of the daily rows of a local
-- week (week = its Monday, 'YYYY-MM-DD'). Only sealed weeks are read
-- (report_seal); rows of weeks not yet sealed may be partial.
CREATE TABLE report_link_weekly (
    brand_id       TEXT NOT NULL,
    week           TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    link_id        TEXT NOT NULL,
    clicks         BIGINT NOT NULL DEFAULT 0,
    unique_clicks  BIGINT NOT NULL DEFAULT 0,
    bot_clicks     BIGINT NOT NULL DEFAULT 0,
    orders         BIGINT NOT NULL DEFAULT 0,
    revenue        BIGINT NOT NULL DEFAULT 0,
    refunded       BIGINT NOT NULL DEFAULT 0,
    commission     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, week, creator_id, link_id)
);

CREATE TABLE report_creator_weekly (
    brand_id             TEXT NOT NULL,
    week                 TEXT NOT NULL,
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
    PRIMARY KEY (brand_id, week, creator_id)
);

-- Per brand, the last Sunday up to which every week's rows equal the sums
-- of its days.
CREATE TABLE report_seal (
    brand_id        TEXT PRIMARY KEY,
    sealed_through  TEXT NOT NULL
);

-- +goose Down
DROP TABLE report_seal;
DROP TABLE report_creator_weekly;
DROP TABLE report_link_weekly;
DROP TABLE report_brand_daily;
