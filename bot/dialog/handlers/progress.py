"""未完成: who has not studied today — the secretary's 支部, or the 党小组长's own group."""

from __future__ import annotations

from bot.dialog.types import Context, Reply
from bot.jobs.schedule import spec
from bot.meetings import names
from storage import checkins


def unfinished(ctx: Context, args: str) -> Reply | str | None:
    member = ctx.member
    assert member is not None
    group = member.group_id if member.role == "党小组长" else None
    if group is not None:
        scope = f"{member.branch} · {member.group}"
    else:
        scope = member.branch
    # Only this 支部's (or 党小组's) people, each looked up: never the whole day's check-ins.
    people = checkins.progress(ctx.store, ctx.today, member.branch_id, group)
    no_checkin = [p["name"] for p in people if not p["checked"]]
    no_quiz = [p["name"] for p in people if not p["quizzed"]]
    neither = [p["name"] for p in people if not p["checked"] and not p["quizzed"]]
    day = f"{ctx.now.month}月{ctx.now.day}日"
    if not no_checkin and not no_quiz:
        return f"{day} {scope} {len(people)} 人都已完成打卡和答题，真棒！"
    lines = [f"{day} {scope} 共 {len(people)} 人："]
    lines.append(
        f"未打卡 {len(no_checkin)} 人" + (f"：{names(no_checkin)}" if no_checkin else "。")
    )
    lines.append(f"未答题 {len(no_quiz)} 人" + (f"：{names(no_quiz)}" if no_quiz else "。"))
    if neither:
        at = spec("evening_reminder").value(ctx.settings)
        lines.append(f"两项都没完成 {len(neither)} 人，{at} 会自动提醒他们。")
    return "\n".join(lines)
