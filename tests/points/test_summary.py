"""The monthly summary to secretaries carries the 积分评星 figures of the report and /board:
points per member, participation, 党小组 results and places (and the quarter's and year's at
their ends), in short text."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.jobs import schedule
from bot.jobs.runner import JobContext
from bot.periods import parse_period
from bot.points import report
from bot.services import Services
from tests.web.boardutil import office_id, prepare


def test_the_summary_has_the_reports_figures(services: Services, clock: FixedClock) -> None:
    prepare(services)
    services.store.execute("DELETE FROM rating_confirmations")  # Q3 not confirmed here
    clock.set("2027-01-01T09:00:00+08:00")
    job = schedule.spec("monthly_summary")
    assert job.run(JobContext(services, clock.now())) == 3  # type: ignore[arg-type]
    text = services.store.scalar(
        "SELECT o.text FROM outbox o JOIN members m ON m.id = o.member_id"
        " WHERE o.job = 'monthly_summary' AND m.name = '王建国'"
    )
    lines = text.splitlines()
    assert "积分：人均 2.1 分，5/10 人得分（参与率 50%）。" in lines
    assert "党小组12月月积分：1. 专卖党小组 60.0；2. 综合党小组 24.0。" in lines
    assert "第四季度季考核：1. 专卖党小组 60.0；2. 综合党小组 24.0。" in lines
    assert "第四季度评星可以确认了：dangjian stars --period 2026Q4 --confirm。" in lines
    assert any(
        line.startswith("2026年度总评：1. 综合党小组 60.0；2. 专卖党小组 ") for line in lines
    )
    assert "党员先锋岗 1 个、责任区 0 个。" in lines
    # The same figures as the workbook's 党小组 sheet for December.
    built = report.build(
        services.store, services.points, parse_period("2026-12"), "2027-01-01", clock.tz,
        office_id(services),
    )  # fmt: skip
    sheet = next(s for s in built.sheets if s.title == "党小组")
    assert [(r[-1], r[1], r[-2]) for r in sorted(sheet.rows, key=lambda r: r[-1])] == [
        (1, "专卖党小组", 60.0),
        (2, "综合党小组", 24.0),
    ]
    branch = next(s for s in built.sheets if s.title == "支部汇总").rows[0]
    assert (branch[5], branch[2], branch[3]) == (2.1, 5, 0.5)
