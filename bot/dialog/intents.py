"""Everything the bot understands, in one ordered table.

Dispatch tiers (bot/dialog/router.py):
  1. STATE_HANDLERS — the member's current dialog state (a quiz in progress, a broadcast waiting
     for 确认, suggestions waiting for 1/2/3). Each returns None when the message is not for it;
     it may add a line to ctx.notes (shown before the reply), as a dropped notice preview does.
  2. INTENTS — exact commands, first match wins. `args=True` commands take text after the word
     (签到 1234); their handler may return None to let a question fall through to the library.
  3. The policy library (handlers/ask.answer_question).
  4. The fallback: close commands and 您是不是想问….
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.dialog.handlers import (
    ask,
    bind,
    broadcast,
    checkin,
    claims,
    commitments,
    greet,
    groups,
    help,
    meeting,
    points,
    progress,
    quiz,
)
from bot.dialog.types import Context, Reply

Handler = Callable[[Context, str], "Reply | str | None"]

MEMBER = "member"  # shown to everyone in 帮助
SECRETARY = "secretary"  # shown to 支部书记 / 管理员 only
LEADER = "leader"  # shown to 党小组长, 支部书记 and 管理员
HIDDEN = "hidden"  # understood but not listed

SECRETARY_ROLES = frozenset({"支部书记", "管理员"})
LEADER_ROLES = SECRETARY_ROLES | {"党小组长"}


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a quick cache key
class Intent:
    name: str
    words: tuple[str, ...]  # command words, matched on the normalized, lower-cased text
    handler: Handler
    usage: str  # one line for 帮助
    audience: str = MEMBER
    args: bool = False  # takes text after the command word
    member: bool = False  # needs a bound member
    roles: frozenset[str] | None = None  # allowed roles (None: everyone)
    # Only reads: answered from a read transaction, without the writer lock; only its log row
    # is written, in a short transaction of its own (see bot/dialog/router.py).
    read_only: bool = False
    # Often changes nothing (a second 打卡 of the day): tried on the read path first; when the
    # handler writes after all, the message goes down the write path (bot/dialog/router.py).
    read_first: bool = False
    # Matches by pattern instead of words: returns the argument text, or None (not this intent).
    matches: Callable[[str], str | None] | None = None


INTENTS: tuple[Intent, ...] = (
    Intent(
        "help",
        ("帮助", "菜单", "help", "?", "功能", "你能做什么"),
        help.show,
        "帮助 — 查看全部功能",
        read_only=True,
    ),
    Intent(
        "greeting",
        (),
        greet.reply,
        "你好 / 谢谢 — 打招呼",
        audience=HIDDEN,
        read_only=True,
        matches=greet.match,
    ),
    Intent("bind", ("绑定",), bind.bind, "绑定 姓名 手机号 — 绑定党员身份", args=True),
    Intent(
        "checkin",
        ("打卡", "学习打卡", "每日打卡", "学习"),
        checkin.checkin,
        "打卡 — 今日学习打卡",
        member=True,
        read_first=True,
    ),
    Intent(
        "quiz",
        ("答题", "每日答题", "开始答题", "继续答题"),
        quiz.start,
        "答题 — 每日答题（5题）",
        member=True,
    ),
    Intent(
        "practice",
        ("再练一组", "练习", "再来一组"),
        quiz.practice,
        "再练一组 — 不计分的练习",
        member=True,
    ),
    Intent(
        "wrong_book",
        ("错题", "错题本", "我的错题"),
        quiz.wrong_book,
        "错题 — 查看还没掌握的题",
        member=True,
        read_only=True,
    ),
    Intent(
        "my_points",
        ("我的积分", "积分", "查积分"),
        points.mine,
        "我的积分 — 今天各项、本月本季本年、党小组名次",
        member=True,
        read_only=True,
    ),
    Intent(
        "ranking",
        ("排行", "排行榜", "积分排行", "排名"),
        points.ranking,
        "排行 — 党小组人均积分排行和你的名次",
        member=True,
        read_only=True,
    ),
    Intent(
        "reflection",
        ("心得",),
        checkin.reflection,
        "心得 内容 — 写学习心得（50字以上，用自己的话）",
        args=True,
        member=True,
    ),
    Intent(
        "claim",
        ("申报",),
        claims.submit,
        "申报 类别 说明 — 申报志愿服务等积分，党小组长审核",
        args=True,
        member=True,
    ),
    Intent(
        "commitment",
        ("承诺",),
        commitments.make,
        "承诺 内容 — 公开本年度服务承诺（亮承诺）",
        args=True,
        member=True,
    ),
    Intent(
        "sign_in",
        ("签到",),
        meeting.sign_in,
        "签到 1234 — 会议签到（签到码问书记）",
        args=True,
        member=True,
    ),
    Intent("leave", ("请假",), meeting.leave, "请假 原因 — 会议请假", args=True, member=True),
    Intent(
        "handoff",
        ("转人工", "人工", "人工客服", "找人工"),
        ask.handoff,
        "转人工 — 把问题转给书记或客户经理",
    ),
    Intent(
        "useful",
        ("有用", "有帮助"),
        ask.feedback_useful,
        "有用 / 没用 — 评价刚才的答复",
        audience=HIDDEN,
    ),
    Intent(
        "useless",
        ("没用", "没有用", "无用", "没帮助"),
        ask.feedback_useless,
        "没用",
        audience=HIDDEN,
    ),
    Intent(
        "notice",
        ("发布通知",),
        broadcast.compose,
        "发布通知 [党小组] 内容 — 向支部发通知",
        audience=SECRETARY,
        args=True,
        member=True,
        roles=SECRETARY_ROLES,
    ),
    Intent(
        "scheduled_notice",
        ("定时通知",),
        broadcast.schedule,
        "定时通知 明天 09:00 内容 — 定时发通知",
        audience=SECRETARY,
        args=True,
        member=True,
        roles=SECRETARY_ROLES,
    ),
    Intent(
        "confirm_nothing",
        ("确认", "确定", "确认发送"),
        broadcast.nothing_pending,
        "确认 — 确认发送刚才预览的通知",
        audience=HIDDEN,
    ),
    Intent(
        "cancel_notice",
        ("撤回通知", "取消通知"),
        broadcast.cancel,
        "撤回通知 [编号] — 撤回还没发出的定时通知",
        audience=SECRETARY,
        args=True,
        member=True,
        roles=SECRETARY_ROLES,
    ),
    Intent(
        "meeting",
        ("会议",),
        meeting.create,
        "会议 支部党员大会 周五 15:00 地点 — 安排三会一课",
        audience=SECRETARY,
        args=True,
        member=True,
        roles=SECRETARY_ROLES,
    ),
    Intent(
        "attendance",
        ("出勤", "考勤"),
        meeting.attendance,
        "出勤 — 最近一次会议的出勤",
        audience=SECRETARY,
        member=True,
        roles=SECRETARY_ROLES,
        read_only=True,
    ),
    Intent(
        "unfinished",
        ("未完成", "没学习", "谁没学习"),
        progress.unfinished,
        "未完成 — 今天还没学习的党员",
        audience=LEADER,
        member=True,
        roles=LEADER_ROLES,
        read_only=True,
    ),
    Intent(
        "judge_commitment",
        ("践诺",),
        commitments.judge,
        "践诺 手机号 已兑现|未兑现 — 年终评定党员承诺",
        audience=LEADER,
        args=True,
        member=True,
        roles=LEADER_ROLES,
    ),
    Intent(
        "claims_pending",
        ("待审", "待审核", "审核申报"),
        claims.pending,
        "待审 — 待审核的积分申报",
        audience=LEADER,
        member=True,
        roles=LEADER_ROLES,
        read_only=True,
    ),
    Intent(
        "approve_claim",
        ("同意",),
        claims.approve,
        "同意 编号 — 同意积分申报",
        audience=LEADER,
        args=True,
        member=True,
        roles=LEADER_ROLES,
    ),
    Intent(
        "reject_claim",
        ("驳回",),
        claims.reject,
        "驳回 编号 原因 — 驳回积分申报",
        audience=LEADER,
        args=True,
        member=True,
        roles=LEADER_ROLES,
    ),
    Intent(
        "group_score",
        ("小组评分",),
        groups.score,
        "小组评分 党小组 落实决议 8 特色活动 9 工作业绩 7 — 给党小组月度评分",
        audience=SECRETARY,
        args=True,
        member=True,
        roles=SECRETARY_ROLES,
    ),
    Intent(
        "answer_handoff",
        ("回复",),
        ask.answer_handoff,
        "回复 编号 内容 — 答复转人工的问题",
        audience=SECRETARY,
        args=True,
        member=True,
    ),
)

# Tier 1, in order: each looks at its own part of the session state and returns None if the
# message is not for it.
STATE_HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("broadcast", broadcast.on_state),
    ("quiz", quiz.on_state),
    ("suggest", ask.on_state),
)

# WeChat menu CLICK keys an administrator can configure, mapped to the command they run.
MENU_KEYS: dict[str, str] = {
    "MENU_CHECKIN": "打卡",
    "MENU_QUIZ": "答题",
    "MENU_PRACTICE": "再练一组",
    "MENU_WRONG": "错题",
    "MENU_POINTS": "我的积分",
    "MENU_RANKING": "排行",
    "MENU_HANDOFF": "转人工",
    "MENU_HELP": "帮助",
}


def all_words() -> list[str]:
    return [w for intent in INTENTS for w in intent.words]
