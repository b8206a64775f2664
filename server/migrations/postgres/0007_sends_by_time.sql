-- The decisions' read model looks for sends recorded by other processes by time, every 200 ms.
CREATE INDEX sends_by_time ON sends (sent_at);
