"""The demo organization loaded by `make run`: 2 支部, 4 党小组, 20 members (phones are fake)."""

from __future__ import annotations

from bot.text import name_key
from storage import Store
from storage.members import RosterRow, upsert_roster

BRANCH_OFFICE = "机关党支部"
BRANCH_MARKET = "营销党支部"

DEMO_ROSTER: tuple[RosterRow, ...] = (
    RosterRow(
        "王建国", "13800000001", BRANCH_OFFICE, "综合党小组", "支部书记", "员工", "wangjianguo"
    ),
    RosterRow(
        "李秀英", "13800000002", BRANCH_OFFICE, "综合党小组", "党小组长", "员工", "lixiuying"
    ),
    RosterRow("张伟", "13800000003", BRANCH_OFFICE, "综合党小组", "党员", "员工", "zhangwei"),
    RosterRow("刘洋", "13800000004", BRANCH_OFFICE, "综合党小组", "党员", "员工", "liuyang"),
    RosterRow("陈静", "13800000005", BRANCH_OFFICE, "综合党小组", "党员", "员工", None),
    RosterRow("杨帆", "13800000006", BRANCH_OFFICE, "专卖党小组", "党小组长", "员工", "yangfan"),
    RosterRow("赵磊", "13800000007", BRANCH_OFFICE, "专卖党小组", "党员", "员工", None),
    RosterRow("黄敏", "13800000008", BRANCH_OFFICE, "专卖党小组", "党员", "员工", None),
    RosterRow("周强", "13800000009", BRANCH_OFFICE, "专卖党小组", "党员", "员工", None),
    RosterRow("吴芳", "13800000010", BRANCH_OFFICE, "专卖党小组", "管理员", "员工", "wufang"),
    RosterRow("徐海", "13800000011", BRANCH_MARKET, "城区党小组", "支部书记", "员工", "xuhai"),
    RosterRow("孙丽", "13800000012", BRANCH_MARKET, "城区党小组", "党小组长", "员工", None),
    RosterRow("马超", "13800000013", BRANCH_MARKET, "城区党小组", "党员", "零售户", None),
    RosterRow("朱红梅", "13800000014", BRANCH_MARKET, "城区党小组", "党员", "零售户", None),
    RosterRow("胡斌", "13800000015", BRANCH_MARKET, "城区党小组", "党员", "员工", None),
    RosterRow("郭华", "13800000016", BRANCH_MARKET, "乡镇党小组", "党小组长", "员工", None),
    RosterRow("何平", "13800000017", BRANCH_MARKET, "乡镇党小组", "党员", "零售户", None),
    RosterRow("高峰", "13800000018", BRANCH_MARKET, "乡镇党小组", "党员", "零售户", None),
    RosterRow("林小燕", "13800000019", BRANCH_MARKET, "乡镇党小组", "党员", "零售户", None),
    RosterRow("罗军", "13800000020", BRANCH_MARKET, "乡镇党小组", "党员", "员工", None),
)


def load_demo(store: Store, now: str) -> dict[str, int]:
    """Load the demo roster (idempotent: re-running updates the same people)."""
    return upsert_roster(store, DEMO_ROSTER, now, name_key=name_key)
