-- +goose Up
-- Reporting rollups (internal/report). Days are the brand's local dates
-- ('YYYY-MM-DD'). Dashboards read these, never raw clicks.

-- A link's platform: one of creator.Platforms; '' is unknown (reports then
-- use the creator's main platform).
ALTER TABLE links ADD COLUMN platform TEXT NOT NULL DEFAULT '';

-- Daily per link. link_id '' holds what a creator's day has without a link:
-- orders attributed by code or customer, and manual adjustments.
CREATE TABLE report_link_daily (
    brand_id       TEXT NOT NULL,
    day            TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    link_id        TEXT NOT NULL,
    clicks         BIGINT NOT NULL DEFAULT 0,
    unique_clicks  BIGINT NOT NULL DEFAULT 0,
    bot_clicks     BIGINT NOT NULL DEFAULT 0,
    orders         BIGINT NOT NULL DEFAULT 0,
    revenue        BIGINT NOT NULL DEFAULT 0,
    refunded       BIGINT NOT NULL DEFAULT 0,
    commission     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, day, creator_id, link_id)
);
CREATE INDEX report_link_daily_creator ON report_link_daily (brand_id, creator_id, day);

-- Daily per creator: the sum of its links' rows plus customers and margin.
CREATE TABLE report_creator_daily (
    brand_id             TEXT NOT NULL,
    day                  TEXT NOT NULL,
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
    PRIMARY KEY (brand_id, day, creator_id)
);
CREATE INDEX report_creator_daily_creator ON report_creator_daily (brand_id, creator_id, day);

-- One row per (order or manual adjustment, creator): what the rollups
-- count of it. ref is the order id, or the entry id of an adjustment.
-- counted: the row is the order's current creator and the order is not
-- cancelled (it counts in orders, revenue and so on); other rows carry
-- only commission (a creator who lost the order, a cancelled order).
CREATE TABLE report_facts (
    ref           TEXT NOT NULL,
    creator_id    TEXT NOT NULL,
    brand_id      TEXT NOT NULL,
    day           TEXT NOT NULL,
    link_id       TEXT NOT NULL DEFAULT '',
    counted       BIGINT NOT NULL DEFAULT 0,
    net           BIGINT NOT NULL DEFAULT 0,
    refunded      BIGINT NOT NULL DEFAULT 0,
    margin        BIGINT NOT NULL DEFAULT 0,
    margin_unknown BIGINT NOT NULL DEFAULT 0,
    new_customer  BIGINT NOT NULL DEFAULT 0,
    commission    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ref, creator_id)
);
CREATE INDEX report_facts_day ON report_facts (brand_id, creator_id, day);

-- Orders and adjustments whose facts must be recomputed: written with
-- every order change (internal/order) and every ledger entry
-- (internal/commission), taken by report.Service.Refresh.
CREATE TABLE report_queue (
    ref        TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_queue_time ON report_queue (queued_at);

-- +goose Down
DROP TABLE report_queue;
DROP TABLE report_facts;
DROP TABLE report_creator_daily;
DROP TABLE report_link_daily;
ALTER TABLE links DROP COLUMN platform;
