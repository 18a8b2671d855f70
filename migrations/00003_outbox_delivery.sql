-- +goose Up
-- SMTP delivery of the outbox (internal/mail.Sender). A failed attempt counts
-- in attempts, keeps the error in last_error and waits until next_attempt_at;
-- a sender also sets next_attempt_at a few minutes ahead as a lease while it
-- sends, so that two instances never send the same message.
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMPTZ;
-- The pending scan: unsent messages, oldest first.
CREATE INDEX outbox_pending ON outbox (created_at, id) WHERE sent_at IS NULL;

-- +goose Down
DROP INDEX outbox_pending;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
ALTER TABLE outbox DROP COLUMN last_error;
ALTER TABLE outbox DROP COLUMN attempts;
