-- Jobs: the runner lease, job bookkeeping, broadcasts, 三会一课 meetings, and outbox reasons.

-- One row per lease name ('jobs'): who runs the scheduled jobs, and until when.
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    token TEXT NOT NULL,          -- unique per runner start
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    since TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- The last time each scheduled job ran, so a restart can catch up a missed run (or log it skipped).
CREATE TABLE job_runs (
    job TEXT PRIMARY KEY,
    ran_at TEXT NOT NULL,
    scheduled_for TEXT,
    note TEXT NOT NULL DEFAULT ''
);

-- Why a row was skipped or failed, as a short code (window, unbound, 43004, ...); last_error has the text.
ALTER TABLE outbox ADD COLUMN reason TEXT;

-- Notices from a secretary to a 支部 or one 党小组; the outbox rows carry job 'broadcast:<id>'.
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches(id),
    group_id INTEGER REFERENCES party_groups(id),
    author_id INTEGER REFERENCES members(id),
    text TEXT NOT NULL,
    send_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'queued', 'done', 'cancelled')),
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    queued_at TEXT,
    done_at TEXT
);
CREATE INDEX broadcasts_due ON broadcasts (status, send_at);

-- 三会一课 meetings.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches(id),
    group_id INTEGER REFERENCES party_groups(id),
    type TEXT NOT NULL CHECK (type IN ('支部党员大会', '支委会', '党小组会', '党课', '主题党日')),
    starts_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    created_by INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    reminded_24h_at TEXT,
    reminded_1h_at TEXT
);
CREATE INDEX meetings_branch ON meetings (branch_id, starts_at);
CREATE INDEX meetings_start ON meetings (starts_at);

-- Who a meeting concerns (应到), and what each did: invited, leave (请假) or signed (签到).
CREATE TABLE meeting_members (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    status TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'leave', 'signed')),
    reason TEXT NOT NULL DEFAULT '',
    at TEXT,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_members_member ON meeting_members (member_id, meeting_id);
