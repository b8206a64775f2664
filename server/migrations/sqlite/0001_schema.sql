-- Attune's whole domain (DESIGN §1) for SQLite. Times are Unix milliseconds (UTC); flags are
-- 0/1 integers; channel sets are comma-separated names in a fixed order. The Postgres file in
-- ../postgres has the same tables, columns and constraints.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- The global ledger sequence. It is a row, not an autoincrement, so that it is gapless: a rolled
-- back change rolls its number back too, and numbers are handed out in commit order.
INSERT INTO counters (name, value) VALUES ('ledger_seq', 0);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    email           TEXT,
    email_verified  INTEGER NOT NULL DEFAULT 0,
    phone           TEXT,
    phone_verified  INTEGER NOT NULL DEFAULT 0,
    locale          TEXT NOT NULL DEFAULT 'en',
    time_zone       TEXT NOT NULL DEFAULT 'UTC',
    version         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    erased_at       INTEGER
);
CREATE INDEX contacts_email ON contacts (lower(email));
CREATE INDEX contacts_phone ON contacts (phone);

CREATE TABLE topics (
    id                 INTEGER PRIMARY KEY,
    key                TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    kind               TEXT NOT NULL CHECK (kind IN ('required', 'optional')),
    channels           TEXT NOT NULL,
    default_subscribed INTEGER NOT NULL DEFAULT 0,
    default_frequency  TEXT NOT NULL DEFAULT 'immediate'
                       CHECK (default_frequency IN ('immediate', 'daily', 'weekly', 'monthly')),
    position           INTEGER NOT NULL DEFAULT 0,
    archived_at        INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- A row exists only once a contact's choice differs from (or was set over) the topic's defaults.
CREATE TABLE preferences (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    topic_id    INTEGER NOT NULL REFERENCES topics (id),
    subscribed  INTEGER NOT NULL,
    channels    TEXT NOT NULL,
    frequency   TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly', 'monthly')),
    info_only   INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (contact_id, topic_id)
);

CREATE TABLE global_settings (
    contact_id        INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    unsubscribed_all  INTEGER NOT NULL DEFAULT 0,
    channel_opt_outs  TEXT NOT NULL DEFAULT '',
    paused_until      INTEGER,
    quiet_start       TEXT,
    quiet_end         TEXT,
    weekly_cap        INTEGER CHECK (weekly_cap IS NULL OR weekly_cap >= 0),
    updated_at        INTEGER NOT NULL
);

-- "This isn't me": nothing is sent to a disputed address until staff resolve it.
CREATE TABLE disputed_addresses (
    id           INTEGER PRIMARY KEY,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'push')),
    address      TEXT NOT NULL,
    disputed_at  INTEGER NOT NULL,
    resolved_at  INTEGER,
    resolved_by  INTEGER,
    resolution   TEXT
);
CREATE UNIQUE INDEX disputed_open ON disputed_addresses (contact_id, kind) WHERE resolved_at IS NULL;

-- The append-only consent ledger: one row per change, never updated.
CREATE TABLE ledger (
    seq           INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id),
    version       INTEGER NOT NULL,
    event_type    TEXT NOT NULL,
    actor_kind    TEXT NOT NULL CHECK (actor_kind IN ('customer', 'one_click', 'staff', 'sender', 'system')),
    actor_id      INTEGER,
    reason        TEXT,
    changes       TEXT NOT NULL,
    request_meta  TEXT,
    occurred_at   INTEGER NOT NULL,
    UNIQUE (contact_id, version)
);

-- Events to deliver, written in the same transaction as their ledger row (DESIGN §7).
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY REFERENCES ledger (seq),
    contact_id   INTEGER NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE senders (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    disabled_at  INTEGER
);

-- API keys are stored only as SHA-256 hex; `prefix` is the first characters, to tell keys apart.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    sender_id     INTEGER NOT NULL REFERENCES senders (id),
    key_hash      TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);

CREATE TABLE staff_users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    disabled_at    INTEGER
);

-- Server-side sessions; the cookie holds a random id, the table only its SHA-256.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('customer', 'staff')),
    contact_id    INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    staff_id      INTEGER REFERENCES staff_users (id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    CHECK ((kind = 'customer' AND contact_id IS NOT NULL) OR (kind = 'staff' AND staff_id IS NOT NULL))
);

-- Magic-link sign-in tokens (DESIGN §4): only the hash is kept; single use.
CREATE TABLE sign_in_tokens (
    token_hash  TEXT PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL DEFAULT 'sign_in',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- Sends recorded with a decision (`record: true`), for frequency caps.
CREATE TABLE sends (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    topic_id    INTEGER NOT NULL REFERENCES topics (id),
    channel     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    sender_id   INTEGER REFERENCES senders (id),
    message_id  TEXT,
    sent_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX sends_message ON sends (sender_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX sends_window ON sends (contact_id, topic_id, sent_at);

CREATE TABLE webhook_endpoints (
    id                 TEXT PRIMARY KEY,
    sender_id          INTEGER NOT NULL REFERENCES senders (id),
    url                TEXT NOT NULL,
    events             TEXT,
    secret             TEXT NOT NULL,
    previous_secret    TEXT,
    secret_rotated_at  INTEGER,
    failing_since      INTEGER,
    disabled_at        INTEGER,
    disabled_reason    TEXT,
    created_at         INTEGER NOT NULL
);

-- One row per (endpoint, event): its state, retries and the lease of the worker delivering it.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    seq              INTEGER NOT NULL REFERENCES outbox (seq),
    contact_id       INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

CREATE TABLE delivery_attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at  INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
    sender_id        INTEGER NOT NULL REFERENCES senders (id),
    key              TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    response_status  INTEGER,
    response_body    TEXT,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (sender_id, key)
);

-- Erased addresses, hashed, so they are never re-added and mailed.
CREATE TABLE suppressions (
    address_hash  TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Fixed-window rate limit counters; in the database so that every instance shares them.
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL
);

-- Keys that sign links and the like, generated on first start and shared by every instance.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL,
    secret       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER
);
