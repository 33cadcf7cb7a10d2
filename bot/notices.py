"""Secretary notices: who receives them, queueing them in the outbox, and the delivery summary.

Used by the chat (发布通知 / 定时通知), the command line (`dangjian broadcast`) and the jobs
(scheduled notices when due, summaries once every row is final).
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from typing import Any

from bot.clock import day_of, parse_stamp, stamp
from bot.services import Services
from bot.text import shorten
from bot.when import show
from storage import broadcasts, members, outbox
from storage.members import Member

log = logging.getLogger(__name__)

MAX_TEXT = 500
REASONS = {
    "window": "超过48小时未互动（未配置模板消息）",
    "quota": "48小时内客服消息已达上限（未配置模板消息）",
    "unbound": "未绑定微信",
    "unsubscribed": "已取消关注",
    "inactive": "已不在花名册",
    "quiet_hours": "夜间免打扰",
    "expired": "已过期",
}


def recipients(store: Any, branch_id: int, group_id: int | None) -> list[Member]:
    return members.all_active(store, branch_id=branch_id, group_id=group_id)


def audience(branch: str, group: str | None) -> str:
    return f"{branch} · {group}" if group else f"{branch}全体"


def render(branch: str, group: str | None, text: str, author: str | None) -> str:
    head = f"【{branch}{' · ' + group if group else ''}通知】"
    tail = f"\n——{author}" if author else ""
    return f"{head}\n{text}{tail}"


def queue(services: Services, broadcast_id: int, now: datetime) -> int:
    """Put one outbox row per recipient for a notice and mark it queued. Idempotent."""
    store = services.store
    with store.tx():
        row = broadcasts.get(store, broadcast_id)
        if row is None or row["status"] not in ("scheduled", "queued"):
            return 0
        author = members.get(store, row["author_id"]) if row["author_id"] else None
        text = render(row["branch"], row["group"], row["text"], author.name if author else None)
        people = recipients(store, row["branch_id"], row["group_id"])
        job = broadcasts.job_name(broadcast_id)
        day = day_of(now)
        parts = {"title": f"{row['group'] or row['branch']}通知", "summary": row["text"]}
        parts.update(branch=row["branch"], time=stamp(now))
        outbox.enqueue(
            store,
            [outbox.Push(job, day, m.id, "notice", text, parts) for m in people],
            stamp(now),
        )
        broadcasts.mark_queued(store, broadcast_id, len(people), stamp(now))
        return len(people)


def send_now(
    services: Services,
    branch_id: int,
    group_id: int | None,
    author_id: int | None,
    text: str,
    now: datetime,
) -> tuple[int, int]:
    """Create a notice and queue it at once. Returns (broadcast id, recipients)."""
    store = services.store
    with store.tx():
        bid = broadcasts.create(
            store, branch_id, group_id, author_id, text, stamp(now), stamp(now), "scheduled"
        )
        return bid, queue(services, bid, now)


def schedule(
    services: Services,
    branch_id: int,
    group_id: int | None,
    author_id: int | None,
    text: str,
    at: datetime,
    now: datetime,
) -> int:
    return broadcasts.create(
        services.store, branch_id, group_id, author_id, text, stamp(at), stamp(now), "scheduled"
    )


def queue_due(services: Services, now: datetime) -> int:
    """Job: queue every scheduled notice whose time has come. Returns how many notices."""
    due = broadcasts.due(services.store, stamp(now))
    for row in due:
        n = queue(services, int(row["id"]), now)
        log.info("scheduled notice %s queued for %d members", row["id"], n)
    return len(due)


def summary_text(store: Any, row: dict[str, Any], tz: tzinfo | None = None) -> str:
    """The delivery summary of a notice; its time is shown in `tz` (the organization's zone)."""
    counts = outbox.reasons(store, broadcasts.job_name(int(row["id"])))
    sent = sum(n for (status, _), n in counts.items() if status == "sent")
    skipped = {reason: n for (status, reason), n in counts.items() if status == "skipped"}
    failed = {reason: n for (status, reason), n in counts.items() if status == "failed"}
    unknown = sum(n for (status, _), n in counts.items() if status == outbox.UNKNOWN)
    when = show(parse_stamp(row["send_at"]), tz)
    lines = [
        f"【通知送达情况】{when} 的通知「{shorten(row['text'], 20)}」"
        f"（{audience(row['branch'], row['group'])} {row['recipients']} 人）：",
        f"已送达 {sent} 人。",
    ]
    if skipped:
        parts = [f"{REASONS.get(r, r or '其他')} {n} 人" for r, n in sorted(skipped.items())]
        lines.append(f"未发送 {sum(skipped.values())} 人：" + "，".join(parts) + "。")
    if unknown:
        lines.append(f"结果未知 {unknown} 人：平台超时未答复，可能已收到，为免重复未再发送。")
    if failed:
        parts = [f"{r or '未知错误'} {n} 人" for r, n in sorted(failed.items())]
        lines.append(f"发送失败 {sum(failed.values())} 人：" + "，".join(parts) + "。")
    if "unbound" in skipped:
        lines.append("请提醒未绑定的党员关注公众号，发送「绑定 姓名 手机号」。")
    if failed:
        lines.append("失败明细可请管理员用 dangjian outbox --status failed 查看。")
    return "\n".join(lines)


def summarize_finished(services: Services, now: datetime) -> int:
    """Job: for each queued notice whose rows are all final, queue the delivery summary for
    its author and mark it done. Returns how many summaries."""
    store = services.store
    done = 0
    for row in broadcasts.queued(store):
        bid = int(row["id"])
        job = broadcasts.job_name(bid)
        if outbox.unfinished(store, job):
            continue
        full = broadcasts.get(store, bid)
        if full is None:
            continue
        with store.tx():
            if row["author_id"]:
                outbox.enqueue(
                    store,
                    [
                        outbox.Push(
                            f"{job}:summary",
                            day_of(now),
                            int(row["author_id"]),
                            "summary",
                            summary_text(store, full, services.clock.tz),
                        )
                    ],
                    stamp(now),
                )
            broadcasts.mark_done(store, bid, stamp(now))
        done += 1
    return done
