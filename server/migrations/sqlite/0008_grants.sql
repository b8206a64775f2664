-- What each credential proves (DESIGN §3.2).
-- A customer session covers the records whose verified email is the address it was signed in by;
-- a session from before this column covers none (its holder signs in again).
ALTER TABLE sessions ADD COLUMN email TEXT;
-- An email address typed on the preference page waits here until a link mailed to it is used
-- (DESIGN §4); until then the record keeps its address.
ALTER TABLE contacts ADD COLUMN pending_email TEXT;
-- An undo is spent on use: the change it reversed, once.
CREATE TABLE undone_changes (
    seq        INTEGER PRIMARY KEY,
    undone_at  INTEGER NOT NULL
);
