-- Organization, members, bindings, inbound log, dialog sessions, check-ins, points, outbox.
-- Times are ISO-8601 strings in the organization's time zone (Asia/Shanghai), so they sort.

CREATE TABLE branches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE party_groups (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches(id),
    name TEXT NOT NULL,
    UNIQUE (branch_id, name)
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL UNIQUE,
    branch_id INTEGER NOT NULL REFERENCES branches(id),
    group_id INTEGER REFERENCES party_groups(id),
    role TEXT NOT NULL CHECK (role IN ('党员', '党小组长', '支部书记', '管理员')),
    category TEXT NOT NULL CHECK (category IN ('员工', '零售户')),
    wecom_userid TEXT UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX members_branch ON members (branch_id, group_id);

-- One WeChat account per member and one member per account, per channel.
CREATE TABLE bindings (
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id),
    bound_at TEXT NOT NULL,
    PRIMARY KEY (channel, openid),
    UNIQUE (channel, member_id)
);

-- Everyone who ever wrote to or followed the account; last_inbound_at drives the 48 h window.
CREATE TABLE followers (
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    subscribed INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT NOT NULL,
    last_inbound_at TEXT,
    unsubscribed_at TEXT,
    PRIMARY KEY (channel, openid)
);

CREATE TABLE bind_failures (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX bind_failures_who ON bind_failures (channel, openid, at);

-- Every callback once: a retry finds its key and gets the stored response back.
CREATE TABLE inbound_log (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'done')),
    reply TEXT,
    response BLOB,
    intent TEXT
);
CREATE INDEX inbound_log_who ON inbound_log (channel, openid, received_at);

CREATE TABLE sessions (
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, openid)
);

CREATE TABLE checkins (
    member_id INTEGER NOT NULL REFERENCES members(id),
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    study_id TEXT,
    PRIMARY KEY (member_id, day)
);

-- The points ledger: one row per (member, kind, ref), so awarding twice is a no-op.
CREATE TABLE points (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    amount INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    UNIQUE (member_id, kind, ref)
);
CREATE INDEX points_day ON points (day, member_id);

CREATE TABLE reflections (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    day TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);

-- Every push: unique (job, period, member) key; see storage/outbox.py.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    channel TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_job ON outbox (job, period);

-- Pushes delivered by the console channel (no WeChat credentials): the simulator shows them.
CREATE TABLE console_inbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX console_inbox_who ON console_inbox (channel, openid, id);
