-- The normalized form of each member's name (bot.text.name_key: NFKC, simplified, no spaces),
-- so 陳靜 in the roster binds as 陈静 or 陳靜 with an index lookup; `name` keeps the roster's
-- spelling for display. Rows from before this migration are filled in when a service starts.
ALTER TABLE members ADD COLUMN name_key TEXT;
CREATE INDEX members_name_key ON members (name_key, phone);
