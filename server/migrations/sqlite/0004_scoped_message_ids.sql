-- A message_id names one send: one sender's message to one contact on one topic and channel
-- (DESIGN §9). The same id for another contact, topic or channel is another question.
DROP INDEX sends_message;
CREATE UNIQUE INDEX sends_message ON sends (sender_id, message_id, contact_id, topic_id, channel)
    WHERE message_id IS NOT NULL;
