-- Policy questions: every question asked with its outcome, feedback on answers, and 转人工.

-- outcome: answered (confident answer shown), suggested (only 您是不是想问…),
-- picked (a suggestion was chosen afterwards), none (nothing matched).
CREATE TABLE kb_questions (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    text TEXT NOT NULL,
    norm TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'suggested', 'picked', 'none')),
    entry_id TEXT,
    score REAL,
    asked_at TEXT NOT NULL
);
CREATE INDEX kb_questions_when ON kb_questions (asked_at, outcome);
CREATE INDEX kb_questions_who ON kb_questions (channel, openid, asked_at);

-- One verdict per question answered (the last one counts).
CREATE TABLE kb_feedback (
    question_id INTEGER PRIMARY KEY REFERENCES kb_questions(id),
    entry_id TEXT NOT NULL,
    useful INTEGER NOT NULL CHECK (useful IN (0, 1)),
    at TEXT NOT NULL
);
CREATE INDEX kb_feedback_when ON kb_feedback (at, useful);

-- 转人工: the number members and secretaries see is the id.
CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    question_id INTEGER REFERENCES kb_questions(id),
    question TEXT NOT NULL,
    assignee_id INTEGER REFERENCES members(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    created_at TEXT NOT NULL,
    answer TEXT,
    answered_by INTEGER REFERENCES members(id),
    answered_at TEXT,
    delivered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX handoffs_open ON handoffs (status, created_at);
CREATE INDEX handoffs_who ON handoffs (channel, openid, status);
