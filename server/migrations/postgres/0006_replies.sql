-- Replies are choices too (DESIGN §3.1): a text, a mail or a key-press is a change with actor
-- `reply`.
ALTER TABLE ledger DROP CONSTRAINT ledger_actor_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_actor_kind_check
    CHECK (actor_kind IN ('customer', 'one_click', 'staff', 'sender', 'system', 'reply'));

-- Provider deliveries already handled (`twilio-sms:<MessageSid>`…): a repeat changes nothing.
CREATE TABLE inbound_messages (
    id           TEXT PRIMARY KEY,
    received_at  BIGINT NOT NULL
);
