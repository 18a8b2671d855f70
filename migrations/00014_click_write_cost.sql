-- +goose Up
-- The click writer's cost per click (issue 4: the redirect's throughput).

-- Clicks are read by brand and time (clicks_brand_time), by id (attribution)
-- and through the daily link rollups; nothing reads them by link alone. The
-- (link_id, clicked_at) index took a third of PostgreSQL's work per click:
-- random inserts all over a large B-tree.
DROP INDEX clicks_link_time;

-- Click counts are added to the daily rollups once per batch; room on each
-- page lets those updates stay on the page (heap-only tuples: no index
-- entry per update). PostgreSQL only: SQLite has no fill factor.
-- postgres only {
ALTER TABLE report_link_daily SET (fillfactor = 70);
ALTER TABLE report_creator_daily SET (fillfactor = 70);
ALTER TABLE report_brand_daily SET (fillfactor = 70);
-- }

-- +goose Down
-- postgres only {
ALTER TABLE report_brand_daily RESET (fillfactor);
ALTER TABLE report_creator_daily RESET (fillfactor);
ALTER TABLE report_link_daily RESET (fillfactor);
-- }
CREATE INDEX clicks_link_time ON clicks (link_id, clicked_at);
