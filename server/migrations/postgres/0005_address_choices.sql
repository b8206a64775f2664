-- What a person said at an address follows the address, not the record (DESIGN §1.1): every
-- live contact holding it obeys (rule 6a), and a contact given it later inherits it.
CREATE TABLE address_choices (
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    -- Normalised: an email lower-cased, a phone in E.164.
    address     TEXT NOT NULL,
    -- 'all' (every optional topic), 'topic' (topic_id), 'channel' (a channel-wide opt-out).
    scope       TEXT NOT NULL CHECK (scope IN ('all', 'topic', 'channel')),
    topic_id    BIGINT NOT NULL DEFAULT 0,
    channel     TEXT NOT NULL DEFAULT '',
    made_at     BIGINT NOT NULL,
    -- The record it was made through, and who made it (customer, one_click, reply).
    contact_id  BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    PRIMARY KEY (kind, address, scope, topic_id, channel)
);
