-- +goose Up
-- Commission plans: the plan keeps its current rules; every version ever
-- saved is kept, so entries name the rules that priced them.
CREATE TABLE commission_plans (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES brands (id),
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX commission_plans_brand ON commission_plans (brand_id, created_at);

CREATE TABLE commission_plan_versions (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES commission_plans (id),
    brand_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    rules       TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX commission_plan_versions_plan ON commission_plan_versions (plan_id, version);

ALTER TABLE brands ADD COLUMN default_commission_plan_id TEXT;

-- A creator's month is priced under one plan version: the one in force when
-- the month's first order was priced (an explicit recompute can move it).
CREATE TABLE commission_months (
    brand_id         TEXT NOT NULL REFERENCES brands (id),
    creator_id       TEXT NOT NULL,
    month            TEXT NOT NULL,
    plan_version_id  TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, creator_id, month)
);

-- The ledger, append-only. component names what an entry adjusts
-- ("sale:ord_…", "bonus:ord_…", "true_up:ord_…", "reversal:ord_…", or a
-- manual adjustment's own id): the sum of a component's entries is what the
-- creator earns for it now. Amounts are signed minor units.
CREATE TABLE commission_entries (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL REFERENCES brands (id),
    creator_id       TEXT NOT NULL,
    order_id         TEXT,
    month            TEXT NOT NULL,
    component        TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('sale', 'reversal', 'bonus', 'true_up', 'adjustment')),
    amount           BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    plan_version_id  TEXT,
    explanation      TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    actor            TEXT NOT NULL DEFAULT '',
    payable_at       TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX commission_entries_creator ON commission_entries (brand_id, creator_id, created_at, id);
CREATE INDEX commission_entries_month ON commission_entries (brand_id, creator_id, month);
CREATE INDEX commission_entries_order ON commission_entries (order_id);

-- Orders whose commission may have changed, waiting for the ledger.
CREATE TABLE order_changes (
    order_id   TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE order_changes;
DROP TABLE commission_entries;
DROP TABLE commission_months;
ALTER TABLE brands DROP COLUMN default_commission_plan_id;
DROP TABLE commission_plan_versions;
DROP TABLE commission_plans;
