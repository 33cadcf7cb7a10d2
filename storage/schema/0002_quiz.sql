-- 每日答题: sets per member per day (daily or practice), each question's attempt, what each member
-- has seen in the current cycle of the bank, and the wrong-answer review schedule.

CREATE TABLE quiz_sessions (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    day TEXT NOT NULL,                 -- the day the set was started (it belongs to that day)
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'practice')),
    seq INTEGER NOT NULL DEFAULT 0,    -- 0 for the daily set, 1, 2, ... for practice sets
    size INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    score INTEGER,                     -- right answers, set when finished
    points INTEGER NOT NULL DEFAULT 0, -- points earned by this set
    UNIQUE (member_id, day, kind, seq)
);
CREATE INDEX quiz_sessions_day ON quiz_sessions (day, kind, finished_at);

CREATE TABLE quiz_attempts (
    session_id INTEGER NOT NULL REFERENCES quiz_sessions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,         -- 1-based order in the set
    question_id TEXT NOT NULL,
    review INTEGER NOT NULL DEFAULT 0, -- a wrong answer brought back for review
    shown TEXT NOT NULL DEFAULT '',    -- bank letters in the order shown ('CADB': shown A = bank C)
    sent_at TEXT,
    answered_at TEXT,
    answer TEXT,                       -- as the member saw it: shown letters, 对/错, or text
    correct INTEGER,                   -- 1 / 0; NULL until answered
    skipped INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX quiz_attempts_question ON quiz_attempts (question_id, correct);

CREATE TABLE quiz_seen (
    member_id INTEGER NOT NULL REFERENCES members(id),
    question_id TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (member_id, question_id)
);

-- Wrong answers: due again 1, 3 and 7 days after the miss (step 0, 1, 2); answered right at the
-- 7-day step closes the review; answered wrong again restarts it from that day.
CREATE TABLE quiz_reviews (
    member_id INTEGER NOT NULL REFERENCES members(id),
    question_id TEXT NOT NULL,
    missed_day TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    due_day TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1,
    closed_day TEXT,
    PRIMARY KEY (member_id, question_id)
);
CREATE INDEX quiz_reviews_due ON quiz_reviews (member_id, open, due_day);
