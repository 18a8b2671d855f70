-- +goose Up
-- Payouts: batches of what creators are owed, paid through Stripe Connect
-- transfers or by hand from an export.

-- A creator's Stripe Connect account (Express, or one the brand linked) and
-- whether Stripe lets it receive transfers, as last learned from an
-- account.updated event or a retrieve.
ALTER TABLE creators ADD COLUMN stripe_account_id TEXT;
ALTER TABLE creators ADD COLUMN stripe_payouts_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE creators ADD COLUMN stripe_checked_at TIMESTAMPTZ;
CREATE UNIQUE INDEX creators_stripe_account ON creators (brand_id, stripe_account_id);

-- Approval by someone other than the batch's creator; a schedule that drafts
-- batches; a separate signing secret for Connect events.
ALTER TABLE brands ADD COLUMN two_person_approval BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE brands ADD COLUMN payout_schedule TEXT NOT NULL DEFAULT 'none'
    CHECK (payout_schedule IN ('none', 'weekly', 'twice_monthly', 'monthly'));
ALTER TABLE brands ADD COLUMN payout_scheduled_through TIMESTAMPTZ;
ALTER TABLE brands ADD COLUMN stripe_connect_webhook_secret TEXT NOT NULL DEFAULT '';

CREATE TABLE payout_batches (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL REFERENCES brands (id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'processing', 'completed', 'cancelled')),
    currency      TEXT NOT NULL,
    cutoff        TIMESTAMPTZ NOT NULL,
    total         BIGINT NOT NULL,
    item_count    INTEGER NOT NULL,
    skipped_count INTEGER NOT NULL,
    scheduled     BOOLEAN NOT NULL DEFAULT FALSE,
    -- Actors as "type:id" (compared for two-person approval), with labels
    -- (an email, a key's name) for people to read.
    created_by        TEXT NOT NULL,
    created_by_label  TEXT NOT NULL DEFAULT '',
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_by_label TEXT NOT NULL DEFAULT '',
    approved_at   TIMESTAMPTZ,
    executed_by   TEXT NOT NULL DEFAULT '',
    executed_at   TIMESTAMPTZ,
    cancelled_by  TEXT NOT NULL DEFAULT '',
    completed_at  TIMESTAMPTZ,
    -- The process sending the batch's transfers holds it until then; after,
    -- another may resume it.
    lease_until   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX payout_batches_brand ON payout_batches (brand_id, created_at);

-- One creator's payment in a batch. The idempotency key is stored before
-- the transfer is requested, so a re-run after a crash asks Stripe with the
-- same key and cannot pay twice.
CREATE TABLE payout_items (
    id               TEXT PRIMARY KEY,
    batch_id         TEXT NOT NULL REFERENCES payout_batches (id),
    brand_id         TEXT NOT NULL,
    creator_id       TEXT NOT NULL,
    amount           BIGINT NOT NULL CHECK (amount > 0),
    currency         TEXT NOT NULL,
    entry_count      INTEGER NOT NULL,
    method           TEXT NOT NULL CHECK (method IN ('stripe', 'manual')),
    destination      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'paid', 'cancelled')),
    attempt          INTEGER NOT NULL DEFAULT 0,
    idempotency_key  TEXT NOT NULL DEFAULT '',
    transfer_id      TEXT NOT NULL DEFAULT '',
    failure          TEXT NOT NULL DEFAULT '',
    reference        TEXT NOT NULL DEFAULT '',
    paid_by          TEXT NOT NULL DEFAULT '',
    paid_at          TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payout_items_creator ON payout_items (batch_id, creator_id);
CREATE INDEX payout_items_creator_history ON payout_items (brand_id, creator_id);

-- Which entries a batch pays, and to whom: the item is the batch's item for
-- creator_id. The primary key is the guarantee that an entry is never in two
-- batches; cancelling a batch releases its entries.
CREATE TABLE payout_entries (
    entry_id    TEXT PRIMARY KEY,
    batch_id    TEXT NOT NULL,
    creator_id  TEXT NOT NULL
);
CREATE INDEX payout_entries_item ON payout_entries (batch_id, creator_id);

-- Creators a batch left out, and why; their entries stay payable.
CREATE TABLE payout_skips (
    batch_id    TEXT NOT NULL REFERENCES payout_batches (id),
    creator_id  TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (batch_id, creator_id)
);

-- +goose Down
DROP TABLE payout_skips;
DROP TABLE payout_entries;
DROP TABLE payout_items;
DROP TABLE payout_batches;
ALTER TABLE brands DROP COLUMN stripe_connect_webhook_secret;
ALTER TABLE brands DROP COLUMN payout_scheduled_through;
ALTER TABLE brands DROP COLUMN payout_schedule;
ALTER TABLE brands DROP COLUMN two_person_approval;
DROP INDEX creators_stripe_account;
ALTER TABLE creators DROP COLUMN stripe_checked_at;
ALTER TABLE creators DROP COLUMN stripe_payouts_enabled;
ALTER TABLE creators DROP COLUMN stripe_account_id;
