"""`dangjian pioneer add/list/remove`: 党员先锋岗 and 责任区, shown in 我的积分."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from tests.conftest import Member


def test_pioneer_add_list_remove_and_my_points(
    wechat: WeChatPeer, zhangwei: Member, tmp_path: Path
) -> None:
    env = {
        "DANGJIAN_DB": wechat.services.settings.db,  # type: ignore[attr-defined]
        "DANGJIAN_HOME": str(tmp_path),
    }
    run = CliRunner()
    out = run.invoke(main, ["pioneer", "add", "13800000003", "营业厅服务先锋岗"], env=env)
    assert out.exit_code == 0, out.output
    assert out.output.startswith(
        "已设立（编号 1）：机关党支部 张伟 党员先锋岗「营业厅服务先锋岗」。"
    )
    out = run.invoke(
        main, ["pioneer", "add", "13800000003", "城区", "东片", "--kind", "责任区"], env=env
    )
    assert out.exit_code == 0, out.output
    mine = zhangwei.say("我的积分")
    assert mine.endswith("党员先锋岗：营业厅服务先锋岗\n党员责任区：城区 东片")
    listed = run.invoke(main, ["pioneer", "list", "--branch", "机关党支部"], env=env).output
    assert listed.splitlines()[1].split("\t")[:6] == [
        "1",
        "机关党支部",
        "综合党小组",
        "张伟",
        "先锋岗",
        "营业厅服务先锋岗",
    ]
    assert "13800000003" not in listed  # no phone numbers in the list
    out = run.invoke(main, ["pioneer", "remove", "1"], env=env)
    assert out.exit_code == 0 and "已撤销：张伟 党员先锋岗「营业厅服务先锋岗」。" in out.output
    assert "先锋岗" not in zhangwei.say("我的积分")
    assert run.invoke(main, ["pioneer", "remove", "1"], env=env).exit_code != 0
    bad = run.invoke(main, ["pioneer", "add", "13999999999", "岗"], env=env)
    assert bad.exit_code != 0 and "没有手机号为 13999999999 的在册党员" in bad.output
