"""What the router needs to know about an arriving message, in one statement.

For every message the router asks four things: was it answered before (its inbound-log row,
for a retry), when did the account last write (the 48 h window), who is the member behind
the account, and what is the session. Each is a lookup by key; asked together they are one
statement instead of four, which matters because they run for every message, on the read
path and inside the writer lock alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage import members, sessions
from storage.db import Store
from storage.members import Member

_COLUMNS = f"""
SELECT l.reply AS log_reply, l.intent AS log_intent, l.response AS log_response,
       l.key AS log_key, f.last_inbound_at, s.state AS session_state, {members.MEMBER_COLUMNS}
FROM (SELECT 1 AS here) AS here
LEFT JOIN inbound_log l ON l.key IN (:key, :legacy)
LEFT JOIN followers f ON f.channel = :channel AND f.openid = :openid
LEFT JOIN sessions s ON s.channel = :channel AND s.openid = :openid
"""
_TAIL = """
LEFT JOIN branches b ON b.id = m.branch_id
LEFT JOIN party_groups g ON g.id = m.group_id
"""
# The Official Account binds an openid to a member; WeCom names the member by userid.
_BY_BINDING = (
    _COLUMNS
    + "LEFT JOIN bindings x ON x.channel = :channel AND x.openid = :openid\n"
    + "LEFT JOIN members m ON m.id = x.member_id"
    + _TAIL
)
_BY_WECOM_USERID = _COLUMNS + "LEFT JOIN members m ON m.wecom_userid = :openid" + _TAIL


@dataclass(frozen=True)
class Arrival:
    logged: dict[str, Any] | None  # the inbound-log row (reply, intent, response) of a retry
    last_inbound: str | None  # the account's last message time (a stamp)
    member: Member | None  # active or not (the caller checks `active`)
    state: dict[str, Any]  # the session


def lookup(store: Store, key: str, channel: str, openid: str, legacy: str | None = None) -> Arrival:
    """`legacy`: the message's key as earlier versions wrote it (bot/dialog/types.py), looked
    up as well: a retry right after an upgrade. Such keys sort after the new ones, so once the
    old rows have aged out of the log the extra probe lands on the same last leaves."""
    sql = _BY_WECOM_USERID if channel == "wecom" else _BY_BINDING
    params = {"key": key, "legacy": legacy or key, "channel": channel, "openid": openid}
    row = store.one(sql, params)
    assert row is not None  # (one row always: the LEFT JOINs hang off a single row)
    logged = None
    if row["log_key"] is not None:
        logged = {
            "key": row["log_key"],
            "reply": row["log_reply"],
            "intent": row["log_intent"],
            "response": row["log_response"],
        }
    member = None
    if row["id"] is not None and row["branch"] is not None:
        member = members.member_from({k: row[k] for k in members.MEMBER_FIELDS})
    last = row["last_inbound_at"]
    return Arrival(
        logged,
        str(last) if last is not None else None,
        member,
        sessions.parse(row["session_state"]),
    )
