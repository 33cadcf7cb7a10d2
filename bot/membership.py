"""Members joining and leaving: deactivating and reactivating one member, who a roster sync
would deactivate, and the new 支部 / 党小组 names an import would create (with probable typos
of existing names, so a misspelt 支部 does not silently become a new one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from bot.clock import parse_stamp, stamp
from bot.text import name_key
from storage import meetings, members
from storage.db import Store
from storage.members import Member, RosterRow

# Two names this close (difflib ratio of their normalized forms) are probably one misspelt.
TYPO_RATIO = 0.75
_NUMERALS = set("0123456789一二三四五六七八九十百零〇两")


def deactivate(store: Store, member: Member, now: datetime) -> bool:
    """Deactivate a member: they can no longer bind, check in, answer, sign in or get pushes,
    and leave rankings, 未完成 and reminders; their history stays. They are also taken off the
    应到 of meetings that have not started. False when they were already inactive."""
    with store.tx():
        changed = members.set_active(store, member.id, False, stamp(now))
        if changed:
            for invitation in meetings.open_invitations(store, member.id):
                if parse_stamp(str(invitation["starts_at"])) > now:
                    meetings.uninvite(store, int(invitation["meeting_id"]), member.id)
    return changed


def activate(store: Store, member: Member, now: datetime) -> bool:
    """Undo `deactivate` (meetings they were taken off are not restored)."""
    with store.tx():
        return members.set_active(store, member.id, True, stamp(now))


def leavers(store: Store, rows: Iterable[RosterRow]) -> list[Member]:
    """Active members whose phone number is not in the roster rows."""
    phones = {r.phone for r in rows}
    return [m for m in members.all_active(store) if m.phone not in phones]


@dataclass(frozen=True)
class NewName:
    """A 支部 or 党小组 an import would create."""

    kind: str  # 支部 | 党小组
    name: str
    branch: str | None  # the 支部 of a 党小组
    row: int  # the first row using it
    rows: int  # how many rows use it
    guess: str | None  # the existing (or more used) name it is probably a typo of

    @property
    def label(self) -> str:
        return f"{self.branch}·{self.name}" if self.branch else self.name

    def typo_line(self) -> str:
        where = f"（{self.branch}）" if self.branch else ""
        return f"第{self.row}行：{self.kind}“{self.name}”{where}还没有，是不是“{self.guess}”？"


def new_names(store: Store, numbered: Sequence[tuple[int, RosterRow]]) -> list[NewName]:
    """The 支部 and 党小组 names in the rows that the database does not have yet, in row order,
    each with the name it is probably a misspelling of (an existing one, or a new one that
    more rows use)."""
    branch_rows: Counter[str] = Counter(r.branch for _, r in numbered)
    group_rows: Counter[tuple[str, str]] = Counter(
        (r.branch, r.group) for _, r in numbered if r.group
    )
    existing = {str(b["name"]): int(b["id"]) for b in members.branches(store)}
    groups_of = {
        name: {str(g["name"]) for g in members.groups(store, bid)} for name, bid in existing.items()
    }
    out: list[NewName] = []
    seen: set[tuple[str, str | None]] = set()
    for number, r in numbered:
        if r.branch not in existing and (r.branch, None) not in seen:
            seen.add((r.branch, None))
            rivals = [*existing, *(b for b, n in branch_rows.items() if n > branch_rows[r.branch])]
            guess = probable_typo(r.branch, rivals)
            out.append(NewName("支部", r.branch, None, number, branch_rows[r.branch], guess))
        if (
            r.group
            and r.group not in groups_of.get(r.branch, set())
            and ((r.branch, r.group) not in seen)
        ):
            seen.add((r.branch, r.group))
            count = group_rows[(r.branch, r.group)]
            rivals = [
                *groups_of.get(r.branch, set()),
                *(g for (b, g), n in group_rows.items() if b == r.branch and n > count),
            ]
            guess = probable_typo(r.group, rivals)
            out.append(NewName("党小组", r.group, r.branch, number, count, guess))
    return out


def probable_typo(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` is probably a misspelling of: the same after normalization
    (traditional characters, full width, spaces), or very close (one character off in a
    five-character name) other than in a numeral (第一党支部 and 第二党支部 are two branches)."""
    key = name_key(name)
    best, best_ratio = None, 0.0
    for other in known:
        other_key = name_key(other)
        if other == name:
            continue
        if other_key == key:
            return other
        ratio = SequenceMatcher(None, key, other_key).ratio()
        if ratio >= TYPO_RATIO and ratio > best_ratio and not _differs_in_numerals(key, other_key):
            best, best_ratio = other, ratio
    return best


def _differs_in_numerals(a: str, b: str) -> bool:
    """Whether every difference between a and b is numerals only (第一 vs 第二, 1组 vs 2组)."""
    ops = [op for op in SequenceMatcher(None, a, b).get_opcodes() if op[0] != "equal"]
    return bool(ops) and all(
        set(a[i1:i2]) <= _NUMERALS and set(b[j1:j2]) <= _NUMERALS for _, i1, i2, j1, j2 in ops
    )
