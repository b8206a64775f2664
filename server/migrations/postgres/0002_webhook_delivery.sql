-- Webhook delivery (DESIGN §7): the lease a worker holds on a claimed delivery, and the indexes the
-- worker's claim (per-contact order), replays and receipts use.
ALTER TABLE webhook_deliveries ADD COLUMN lease_token TEXT;
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, contact_id, seq);
CREATE INDEX webhook_deliveries_seq ON webhook_deliveries (seq);
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries (lease_token);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
