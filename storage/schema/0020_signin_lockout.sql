-- Wrong sign-in codes per member and meeting: after 5 the member is locked out of that
-- meeting's sign-in (bot/meetings.py) until the secretary signs them in.
ALTER TABLE meeting_members ADD COLUMN wrong_codes INTEGER NOT NULL DEFAULT 0;
