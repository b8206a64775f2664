-- Mail waits here until it is sent (DESIGN §7, issue 28): queued by what causes it, sent by the
-- mail worker with retries, deleted once sent (its links do not stay behind). A mail given up
-- on keeps its row, without its text, for the operator to see.
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    contact_id       INTEGER,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    lease_token      TEXT,
    last_error       TEXT,
    failed_at        INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
CREATE INDEX mail_outbox_contact ON mail_outbox (contact_id);
