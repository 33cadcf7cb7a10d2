"""未完成: who has not studied today — the secretary's 支部, or the 党小组长's own group."""

from __future__ import annotations

from bot.dialog.types import Context, Reply
from bot.jobs.schedule import quiz_finished, spec
from bot.meetings import names
from storage import checkins, members


def unfinished(ctx: Context, args: str) -> Reply | str | None:
    member = ctx.member
    assert member is not None
    if member.role == "党小组长" and member.group_id is not None:
        people = members.all_active(ctx.store, branch_id=member.branch_id, group_id=member.group_id)
        scope = f"{member.branch} · {member.group}"
    else:
        people = members.all_active(ctx.store, branch_id=member.branch_id)
        scope = member.branch
    checked = checkins.members_checked_in(ctx.store, ctx.today)
    quizzed = quiz_finished(ctx.store, ctx.today)
    no_checkin = [m.name for m in people if m.id not in checked]
    no_quiz = [m.name for m in people if m.id not in quizzed]
    neither = [m.name for m in people if m.id not in checked and m.id not in quizzed]
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
