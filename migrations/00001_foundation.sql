-- +goose Up
-- Brands are the tenants. Secrets are stored encrypted (internal/secret).
CREATE TABLE brands (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL,
    slug                     TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    time_zone                TEXT NOT NULL DEFAULT 'UTC',
    allowed_domains          TEXT NOT NULL DEFAULT '[]',
    attribution_window_days  INTEGER NOT NULL DEFAULT 30,
    hold_days                INTEGER NOT NULL DEFAULT 30,
    payout_minimum           BIGINT NOT NULL DEFAULT 0,
    shopify_webhook_secret   TEXT NOT NULL DEFAULT '',
    stripe_webhook_secret    TEXT NOT NULL DEFAULT '',
    stripe_secret_key        TEXT NOT NULL DEFAULT '',
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX brands_slug ON brands (slug);

-- Users are people on brand teams; email is stored lower-cased.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE memberships (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES brands (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst')),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX memberships_brand_user ON memberships (brand_id, user_id);
CREATE INDEX memberships_user ON memberships (user_id);

-- Invites are single-use and expire; only a hash of the token is kept.
CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst')),
    token_hash   TEXT NOT NULL,
    invited_by   TEXT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX invites_token ON invites (token_hash);
CREATE INDEX invites_brand ON invites (brand_id);

-- API keys: shown once, stored as a SHA-256 hash, scoped to one brand.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL REFERENCES brands (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL,
    created_by    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
CREATE INDEX api_keys_brand ON api_keys (brand_id);

-- Server-side sessions behind the JWT cookie, so that logout revokes.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    brand_id      TEXT NOT NULL REFERENCES brands (id),
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX password_resets_token ON password_resets (token_hash);

-- Append-only record of who changed what; details never hold secret values.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    brand_id     TEXT NOT NULL REFERENCES brands (id),
    actor_type   TEXT NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_label  TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    details      TEXT NOT NULL DEFAULT '{}',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_brand_created ON audit_log (brand_id, created_at);

-- Outgoing mail. The mail issue adds SMTP delivery; until then owners read it at /admin/outbox.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT REFERENCES brands (id),
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX outbox_brand_created ON outbox (brand_id, created_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE password_resets;
DROP TABLE sessions;
DROP TABLE api_keys;
DROP TABLE invites;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE brands;
