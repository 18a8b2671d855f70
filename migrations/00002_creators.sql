-- +goose Up
-- Program settings shown on the public application page.
ALTER TABLE brands ADD COLUMN program_intro TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN program_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN terms_version INTEGER NOT NULL DEFAULT 1;
-- Auto-approve applications whose total audience is at least this; 0 turns it off.
ALTER TABLE brands ADD COLUMN auto_approve_min_audience BIGINT NOT NULL DEFAULT 0;

-- A creator account is one person (one email) across brands; it holds the
-- optional portal password.
CREATE TABLE creator_accounts (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX creator_accounts_email ON creator_accounts (email);

-- A creator is one account's membership in one brand's program.
CREATE TABLE creators (
    id                   TEXT PRIMARY KEY,
    brand_id             TEXT NOT NULL REFERENCES brands (id),
    account_id           TEXT NOT NULL REFERENCES creator_accounts (id),
    name                 TEXT NOT NULL,
    email                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('invited', 'applied', 'active', 'paused', 'rejected', 'retired')),
    source               TEXT NOT NULL,
    niche                TEXT NOT NULL DEFAULT '',
    country              TEXT NOT NULL DEFAULT '',
    pitch                TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    payout_email         TEXT NOT NULL DEFAULT '',
    total_audience       BIGINT NOT NULL DEFAULT 0,
    commission_plan_id   TEXT,
    terms_version        INTEGER,
    terms_accepted_at    TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX creators_brand_email ON creators (brand_id, email);
CREATE INDEX creators_account ON creators (account_id);
CREATE INDEX creators_brand_status_created ON creators (brand_id, status, created_at, id);
CREATE INDEX creators_brand_created ON creators (brand_id, created_at, id);
CREATE INDEX creators_brand_name ON creators (brand_id, name, id);
CREATE INDEX creators_brand_audience ON creators (brand_id, total_audience, id);

CREATE TABLE creator_handles (
    creator_id     TEXT NOT NULL REFERENCES creators (id),
    brand_id       TEXT NOT NULL REFERENCES brands (id),
    platform       TEXT NOT NULL CHECK (platform IN ('instagram', 'tiktok', 'youtube', 'twitch', 'x', 'newsletter', 'other')),
    handle         TEXT NOT NULL,
    audience_size  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (creator_id, platform)
);
CREATE INDEX creator_handles_brand_platform ON creator_handles (brand_id, platform, creator_id);

CREATE TABLE creator_tags (
    creator_id  TEXT NOT NULL REFERENCES creators (id),
    brand_id    TEXT NOT NULL REFERENCES brands (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (creator_id, tag)
);
CREATE INDEX creator_tags_brand_tag ON creator_tags (brand_id, tag, creator_id);

-- Every status change, append-only: who, when, why.
CREATE TABLE creator_events (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    creator_id   TEXT NOT NULL REFERENCES creators (id),
    from_status  TEXT NOT NULL DEFAULT '',
    to_status    TEXT NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_label  TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX creator_events_creator ON creator_events (creator_id, created_at);

-- Single-use tokens: creator invites (accepting activates the creator) and
-- portal magic links (each opens one brand's portal).
CREATE TABLE creator_tokens (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    creator_id   TEXT NOT NULL REFERENCES creators (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('invite', 'magic_link')),
    token_hash   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX creator_tokens_hash ON creator_tokens (token_hash);

-- Portal sessions. A magic link opens one creator membership; a password
-- login opens every membership of the account (all = true).
CREATE TABLE portal_sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES creator_accounts (id),
    creator_id   TEXT NOT NULL REFERENCES creators (id),
    all_brands   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX portal_sessions_account ON portal_sessions (account_id);

-- +goose Down
DROP TABLE portal_sessions;
DROP TABLE creator_tokens;
DROP TABLE creator_events;
DROP TABLE creator_tags;
DROP TABLE creator_handles;
DROP TABLE creators;
DROP TABLE creator_accounts;
ALTER TABLE brands DROP COLUMN auto_approve_min_audience;
ALTER TABLE brands DROP COLUMN terms_version;
ALTER TABLE brands DROP COLUMN program_terms;
ALTER TABLE brands DROP COLUMN program_intro;
