-- When the contact's email address was last replaced or reported as someone else's (DESIGN §9):
-- links issued before then were mailed to an address that is no longer the contact's, and open
-- nothing personal.
ALTER TABLE contacts ADD COLUMN email_changed_at BIGINT;
