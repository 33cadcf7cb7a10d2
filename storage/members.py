"""Organization (支部, 党小组), members, bindings and followers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from storage import retention
from storage.db import Store

ROLES = ("党员", "党小组长", "支部书记", "管理员")
CATEGORIES = ("员工", "零售户")
SECRETARY_ROLES = frozenset({"支部书记", "管理员"})


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    phone: str
    branch_id: int
    branch: str
    group_id: int | None
    group: str | None
    role: str
    category: str
    wecom_userid: str | None
    active: bool = True

    @property
    def is_secretary(self) -> bool:
        return self.role in SECRETARY_ROLES


@dataclass(frozen=True)
class RosterRow:
    name: str
    phone: str
    branch: str
    group: str | None
    role: str
    category: str
    wecom_userid: str | None = None


# The columns of a Member (m: members, b: branches, g: party_groups), also selected by
# storage/arrivals.py.
MEMBER_COLUMNS = (
    'm.id, m.name, m.phone, m.branch_id, b.name AS branch, m.group_id, g.name AS "group",'
    " m.role, m.category, m.wecom_userid, m.active"
)
MEMBER_FIELDS = tuple(c.split()[-1].split(".")[-1].strip('"') for c in MEMBER_COLUMNS.split(","))
_MEMBER_SQL = f"""
SELECT {MEMBER_COLUMNS}
FROM members m JOIN branches b ON b.id = m.branch_id
LEFT JOIN party_groups g ON g.id = m.group_id
"""


def _member(row: dict[str, Any] | None) -> Member | None:
    return member_from(row) if row else None


def member_from(row: dict[str, Any]) -> Member:
    """A Member from a row of the member columns (_MEMBER_SQL's)."""
    return Member(**{**row, "active": bool(row["active"])})


def _members(rows: list[dict[str, Any]]) -> list[Member]:
    return [member_from(r) for r in rows]


def get(store: Store, member_id: int) -> Member | None:
    return _member(store.one(_MEMBER_SQL + " WHERE m.id = :id", {"id": member_id}))


def by_name_phone(store: Store, key: str, phone: str) -> Member | None:
    """The active member with this phone whose name has this key (bot.text.name_key)."""
    return _member(
        store.one(
            _MEMBER_SQL + " WHERE m.name_key = :key AND m.phone = :phone AND m.active = 1",
            {"key": key, "phone": phone},
        )
    )


def by_phone(store: Store, phone: str) -> Member | None:
    return _member(store.one(_MEMBER_SQL + " WHERE m.phone = :phone", {"phone": phone}))


def all_active(
    store: Store, branch_id: int | None = None, group_id: int | None = None
) -> list[Member]:
    sql = _MEMBER_SQL + " WHERE m.active = 1"
    params: dict[str, Any] = {}
    if branch_id is not None:
        sql += " AND m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    if group_id is not None:
        sql += " AND m.group_id = :group_id"
        params["group_id"] = group_id
    return _members(store.query(sql + " ORDER BY m.id", params))


def everyone(store: Store, branch_id: int | None = None) -> list[Member]:
    """All members, deactivated ones too (for `dangjian members list`)."""
    sql = _MEMBER_SQL
    params: dict[str, Any] = {}
    if branch_id is not None:
        sql += " WHERE m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    return _members(store.query(sql + " ORDER BY m.branch_id, m.id", params))


def set_active(store: Store, member_id: int, active: bool, now: str) -> bool:
    """Activate or deactivate a member (history stays); False when nothing changed."""
    cur = store.execute(
        "UPDATE members SET active = :active, updated_at = :now"
        " WHERE id = :id AND active <> :active",
        {"active": 1 if active else 0, "now": now, "id": member_id},
    )
    return cur.rowcount == 1


def fill_name_keys(store: Store, name_key: Callable[[str], str]) -> int:
    """Compute the missing name keys (rows from before the name_key column)."""
    rows = store.query("SELECT id, name FROM members WHERE name_key IS NULL")
    if rows:
        with store.tx():
            for r in rows:
                store.execute(
                    "UPDATE members SET name_key = :key WHERE id = :id",
                    {"key": name_key(r["name"]), "id": r["id"]},
                )
    return len(rows)


def branches(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT id, name FROM branches ORDER BY id")


def groups(store: Store, branch_id: int | None = None) -> list[dict[str, Any]]:
    if branch_id is None:
        return store.query("SELECT id, branch_id, name FROM party_groups ORDER BY id")
    return store.query(
        "SELECT id, branch_id, name FROM party_groups WHERE branch_id = :branch_id ORDER BY id",
        {"branch_id": branch_id},
    )


def branch_by_name(store: Store, name: str) -> dict[str, Any] | None:
    return store.one("SELECT id, name FROM branches WHERE name = :name", {"name": name})


def group_by_name(store: Store, branch_id: int, name: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT id, branch_id, name FROM party_groups WHERE branch_id = :branch_id AND name = :name",
        {"branch_id": branch_id, "name": name},
    )


def secretaries(store: Store, branch_id: int) -> list[Member]:
    rows = store.query(
        _MEMBER_SQL
        + " WHERE m.branch_id = :branch_id AND m.role IN ('支部书记', '管理员') AND m.active = 1"
        + " ORDER BY CASE m.role WHEN '支部书记' THEN 0 ELSE 1 END, m.id",
        {"branch_id": branch_id},
    )
    return _members(rows)


def upsert_roster(
    store: Store, rows: Iterable[RosterRow], now: str, *, name_key: Callable[[str], str]
) -> dict[str, int]:
    """Insert or update members keyed by phone, in one transaction. Returns counts.
    `name_key` (bot.text.name_key) gives the normalized name stored beside the spelling."""
    counts = {"added": 0, "updated": 0}
    with store.tx():
        for r in rows:
            store.execute(
                "INSERT INTO branches (name) VALUES (:name) ON CONFLICT DO NOTHING",
                {"name": r.branch},
            )
            branch_id = store.scalar(
                "SELECT id FROM branches WHERE name = :name", {"name": r.branch}
            )
            group_id = None
            if r.group:
                store.execute(
                    "INSERT INTO party_groups (branch_id, name) VALUES (:branch_id, :name)"
                    " ON CONFLICT DO NOTHING",
                    {"branch_id": branch_id, "name": r.group},
                )
                group_id = store.scalar(
                    "SELECT id FROM party_groups WHERE branch_id = :branch_id AND name = :name",
                    {"branch_id": branch_id, "name": r.group},
                )
            values = {
                "name": r.name,
                "key": name_key(r.name),
                "phone": r.phone,
                "branch_id": branch_id,
                "group_id": group_id,
                "role": r.role,
                "category": r.category,
                "wecom_userid": r.wecom_userid,
                "now": now,
            }
            existing = store.scalar("SELECT id FROM members WHERE phone = :phone", values)
            if existing is None:
                store.execute(
                    "INSERT INTO members (name, name_key, phone, branch_id, group_id, role,"
                    " category, wecom_userid, active, created_at, updated_at) VALUES (:name, :key,"
                    " :phone, :branch_id, :group_id, :role, :category, :wecom_userid, 1, :now,"
                    " :now)",
                    values,
                )
                counts["added"] += 1
            else:
                store.execute(
                    "UPDATE members SET name = :name, name_key = :key, branch_id = :branch_id,"
                    " group_id = :group_id,"
                    " role = :role, category = :category, wecom_userid = :wecom_userid,"
                    " active = 1, updated_at = :now WHERE id = :id",
                    {**values, "id": existing},
                )
                counts["updated"] += 1
    return counts


# -- bindings -----------------------------------------------------------------------------


def bound_member(store: Store, channel: str, openid: str) -> Member | None:
    row = store.one(
        _MEMBER_SQL + " JOIN bindings x ON x.member_id = m.id"
        " WHERE x.channel = :channel AND x.openid = :openid",
        {"channel": channel, "openid": openid},
    )
    return _member(row)


def binding_of(store: Store, channel: str, member_id: int) -> str | None:
    """The openid a member is bound to on a channel, if any."""
    value = store.scalar(
        "SELECT openid FROM bindings WHERE channel = :channel AND member_id = :member_id",
        {"channel": channel, "member_id": member_id},
    )
    return str(value) if value is not None else None


def bind(store: Store, channel: str, openid: str, member_id: int, now: str) -> str:
    """Bind an account to a member. Returns 'bound', 'already' (same pair), 'member_taken' or
    'account_taken' (this account is bound to someone else)."""
    params = {"channel": channel, "openid": openid, "member_id": member_id, "now": now}
    with store.tx():
        mine = store.scalar(
            "SELECT member_id FROM bindings WHERE channel = :channel AND openid = :openid", params
        )
        if mine == member_id:
            return "already"
        if mine is not None:
            return "account_taken"
        other = store.scalar(
            "SELECT openid FROM bindings WHERE channel = :channel AND member_id = :member_id",
            params,
        )
        if other is not None:
            return "member_taken"
        store.execute(
            "INSERT INTO bindings (channel, openid, member_id, bound_at)"
            " VALUES (:channel, :openid, :member_id, :now)",
            params,
        )
        return "bound"


def unbind(store: Store, member_id: int, channel: str | None = None) -> int:
    with store.tx():
        if channel:
            cur = store.execute(
                "DELETE FROM bindings WHERE member_id = :member_id AND channel = :channel",
                {"member_id": member_id, "channel": channel},
            )
        else:
            cur = store.execute(
                "DELETE FROM bindings WHERE member_id = :member_id", {"member_id": member_id}
            )
        return cur.rowcount


def record_bind_failure(store: Store, channel: str, openid: str, now: str) -> None:
    store.execute(
        "INSERT INTO bind_failures (channel, openid, at) VALUES (:channel, :openid, :now)",
        {"channel": channel, "openid": openid, "now": now},
    )


def bind_failures_since(store: Store, channel: str, openid: str, since: str) -> list[str]:
    rows = store.query(
        "SELECT at FROM bind_failures WHERE channel = :channel AND openid = :openid"
        " AND at > :since ORDER BY at",
        {"channel": channel, "openid": openid, "since": since},
    )
    return [r["at"] for r in rows]


def prune_bind_failures(store: Store, before: str) -> int:
    """Forget failed binding attempts from before `before` (by id: see retention)."""
    return retention.delete_before(store, "bind_failures", before)


# -- followers ----------------------------------------------------------------------------


_TOUCH = (
    "INSERT INTO followers (channel, openid, subscribed, first_seen_at, last_inbound_at)"
    " VALUES (:channel, :openid, 1, :now, :last) ON CONFLICT (channel, openid) DO UPDATE SET"
    " last_inbound_at = CASE WHEN :inbound = 1 THEN excluded.last_inbound_at"
    " ELSE followers.last_inbound_at END"
)


def touch_follower(store: Store, channel: str, openid: str, now: str, inbound: bool = True) -> None:
    """Record that someone wrote (refreshes the 48 h customer-service window)."""
    touch_followers(store, [(channel, openid, now)], inbound)


def touch_followers(
    store: Store, touches: list[tuple[str, str, str]], inbound: bool = True
) -> None:
    """`touch_follower` for many (channel, openid, now), in one statement."""
    store.executemany(
        _TOUCH,
        [
            {
                "channel": channel,
                "openid": openid,
                "now": now,
                "last": now if inbound else None,
                "inbound": 1 if inbound else 0,
            }
            for channel, openid, now in touches
        ],
    )


def set_subscribed(store: Store, channel: str, openid: str, subscribed: bool, now: str) -> None:
    store.execute(
        "INSERT INTO followers (channel, openid, subscribed, first_seen_at, last_inbound_at)"
        " VALUES (:channel, :openid, :subscribed, :now, :now) ON CONFLICT (channel, openid)"
        " DO UPDATE SET subscribed = excluded.subscribed,"
        " unsubscribed_at = CASE WHEN excluded.subscribed = 1 THEN NULL ELSE :now END",
        {"channel": channel, "openid": openid, "subscribed": 1 if subscribed else 0, "now": now},
    )
