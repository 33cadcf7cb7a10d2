-- Installing and pushing under the platforms' current rules (issue 10, issue 8's push timeouts,
-- issue 13's reload).

-- One row (id 1): the content generation. `dangjian reload` (or SIGHUP) raises it; every
-- process compares it with the generation it loaded and reloads content and question banks.
CREATE TABLE content_generation (
    id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL
);

-- One row (id 1) that GET /healthz writes, to show the database takes writes.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);

-- A push's parts (JSON: title, summary, time, branch, place) that fill a template message.
ALTER TABLE outbox ADD COLUMN parts TEXT;
-- When a send of this row first ended with an unknown outcome (a timeout after the request
-- went out): a retry is only safe while the platform still dedupes it.
ALTER TABLE outbox ADD COLUMN unsure_since TEXT;

-- Customer-service messages sent to an Official Account follower since their last message:
-- `window_start` is the follower's last_inbound_at when they were counted (a newer message from the
-- member starts a new count).
CREATE TABLE custom_quota (
    channel TEXT NOT NULL,
    openid TEXT NOT NULL,
    window_start TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, openid)
);
