-- Addresses are matched by one folding, Rust's (DESIGN §1, issue 27): the database's own lower()
-- folds only ASCII on SQLite and follows the server's locale on Postgres. `email_key` holds
-- `Email::key()` of `email`; `attune serve` fills it for rows written before this column.
ALTER TABLE contacts ADD COLUMN email_key TEXT;
DROP INDEX contacts_email;
CREATE INDEX contacts_email_key ON contacts (email_key);
