-- Replies are choices too (DESIGN §3.1): a text, a mail or a key-press is a change with actor
-- `reply`. SQLite can't alter a CHECK, so the ledger is rebuilt under its own name. The outbox
-- refers to it: dropping it leaves those references dangling for a moment, which a deferred check
-- counts, and putting each row back in the new table settles the count before the commit.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE ledger_copy AS SELECT * FROM ledger;
DROP TABLE ledger;
CREATE TABLE ledger (
    seq           INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id),
    version       INTEGER NOT NULL,
    event_type    TEXT NOT NULL,
    actor_kind    TEXT NOT NULL CHECK (actor_kind IN ('customer', 'one_click', 'staff', 'sender', 'system', 'reply')),
    actor_id      INTEGER,
    reason        TEXT,
    changes       TEXT NOT NULL,
    request_meta  TEXT,
    occurred_at   INTEGER NOT NULL,
    UNIQUE (contact_id, version)
);
INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind, actor_id, reason, changes,
                    request_meta, occurred_at)
    SELECT seq, contact_id, version, event_type, actor_kind, actor_id, reason, changes,
           request_meta, occurred_at
    FROM ledger_copy;
DROP TABLE ledger_copy;

-- Provider deliveries already handled (`twilio-sms:<MessageSid>`…): a repeat changes nothing.
CREATE TABLE inbound_messages (
    id           TEXT PRIMARY KEY,
    received_at  INTEGER NOT NULL
);
