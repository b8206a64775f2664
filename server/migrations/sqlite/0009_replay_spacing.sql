-- A webhook endpoint is replayed at most once a minute (DESIGN §7, issue 27 #10): when it last was.
ALTER TABLE webhook_endpoints ADD COLUMN replayed_at INTEGER;
