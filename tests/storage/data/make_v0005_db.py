"""How tests/storage/data/v0005.db was made: run with the code of commit 1a65614 (the last one
with storage/schema/0001..0005 as SQL files, instants stored in the local zone), e.g.
`git archive 1a65614 | tar -x -C OLD && pip install OLD && python make_v0005_db.py OUT.db`.

It plays a morning of the demo organization through the real /wechat callback: bindings, a
check-in, a quiz answer, a policy question and 转人工, a notice, a meeting, a scheduled notice,
and a runner lease, so every table the upgrade converts has rows."""

import sys
from pathlib import Path

from bot.app import create_app
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, load_settings
from bot.demo import load_demo
from bot.jobs.runner import JobRunner
from bot.services import build_services

out = Path(sys.argv[1])
clock = FixedClock("2026-12-02T09:00:00+08:00")
settings = load_settings(
    env={},
    dotenv=None,
    wechat_token="old-token",
    wechat_appid="wx1234567890abcdef",
    db=str(out),
    content_dir=str(SHIPPED_CONTENT),
    quiz_dir=str(SHIPPED_QUIZZES),
    simulator="off",
)
services = build_services(settings, clock=clock)
load_demo(services.store, stamp(clock.now()))
client = create_app(settings, services).test_client()


def send(path, body, headers):
    r = client.post(path, data=body, headers=headers)
    return r.status_code, r.data


peer = WeChatPeer(send, "old-token", "wx1234567890abcdef", now=lambda: clock.now().timestamp())
for openid, text in [
    ("o-zhangwei", "绑定 张伟 13800000003"),
    ("o-zhangwei", "打卡"),
    ("o-zhangwei", "答题"),
    ("o-zhangwei", "A"),
    ("o-zhangwei", "烟证快过期了怎么延期"),
    ("o-zhangwei", "有用"),
    ("o-zhangwei", "我家门口的店卖烟给学生怎么办"),
    ("o-zhangwei", "转人工"),
    ("o-wangjianguo", "绑定 王建国 13800000001"),
    ("o-wangjianguo", "会议 支委会 2026-12-05 15:00 三楼会议室"),
    ("o-wangjianguo", "发布通知 今晚7点学习"),
    ("o-wangjianguo", "确认"),
    ("o-wangjianguo", "定时通知 2026-12-10 09:00 周四上午开会"),
    ("o-wangjianguo", "确认"),
]:
    clock.advance(seconds=7)
    print(openid, text, "->", peer.send(openid, text, msg_id=None).text[:40])
runner = JobRunner(services)
runner.take_lease()
services.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
services.store.close()
