-- +goose Up
-- payout_entries is written a batch at a time (hundreds of thousands of
-- rows): an index on (batch_id, creator_id) took 60% of building a batch.
-- One on batch_id alone is cheap to fill (its keys are all equal within a
-- batch); an item's entries are found through the creator's entries
-- (commission_entries_creator) and the primary key instead.
DROP INDEX payout_entries_item;
CREATE INDEX payout_entries_batch ON payout_entries (batch_id);

-- +goose Down
DROP INDEX payout_entries_batch;
CREATE INDEX payout_entries_item ON payout_entries (batch_id, creator_id);
