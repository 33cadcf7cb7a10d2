"""The 通报 workbook read back with openpyxl: every figure checked against the ledger and the
activity tables; Chinese headers, a bold frozen header row, widths that fit, numbers as
numbers, text cells safe from formula injection."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from bot.clock import FixedClock, stamp
from bot.periods import parse_period
from bot.points import ledger, reflections, report
from bot.services import Services
from storage import checkins, claims, commitments, group_scores, meetings, members, pioneers
from storage import quiz as store_quiz

NASTY = "=cmd|' /C calc'!A0"
OFFICE = "机关党支部"


def member_id(services: Services, name: str) -> int:
    return int(services.store.scalar("SELECT id FROM members WHERE name = :n", {"n": name}))


def fill(services: Services) -> None:
    """November and December 2026 activity of the demo roster."""
    store, rules = services.store, services.points
    at = "2026-11-30T01:00:00+00:00"
    office = members.branch_by_name(store, OFFICE)
    assert office is not None
    people = members.all_active(store)
    for n, m in enumerate(people):
        for d in range(1, 1 + (n % 7) * 3):  # 0 to 18 check-in days in November
            day = f"2026-11-{d:02d}"
            checkins.add(store, m.id, day, at, None)
            ledger.earn(store, rules, m.id, "checkin", day, day, at)
        for d in range(1, 1 + n % 4):  # quizzes: n % 4 sets, right = d
            day = f"2026-11-{d:02d}"
            sid = store_quiz.create_session(
                store, m.id, day, "daily", [(f"q{i}", False, "") for i in range(5)], at
            )
            store_quiz.finish_session(store, sid, d, d, at)
            ledger.earn(store, rules, m.id, "quiz_right", f"daily:{day}", day, at, count=d)
    zw, ly, cj = (member_id(services, n) for n in ("张伟", "刘洋", "陈静"))
    meeting = meetings.create(
        store, int(office["id"]), None, "支部党员大会", "2026-11-20T07:00:00+00:00", "三楼",
        "1234", None, at, [zw, ly, cj],
    )  # fmt: skip
    for who in (zw, ly):
        meetings.set_status(store, meeting, who, "signed", "", at)
        ledger.earn(store, rules, who, "meeting", str(meeting), "2026-11-20", at)
    text = "今天学习了三会一课制度，认识到支部党员大会、支委会、党小组会和党课都是党内组织生活的基本形式，要按时参加。"
    rid = reflections.record(store, zw, "2026-11-10", text, at)
    ledger.earn(store, rules, zw, "reflection", f"r{rid}", "2026-11-10", at)
    c1 = claims.create(store, zw, "volunteer", "社区文明劝导", "2026-11-12", at, "党小组长")
    claims.decide(store, c1, "approved", 2, at)
    ledger.earn(store, rules, zw, "claim", f"claim:{c1}", "2026-11-12", at, rule_key="volunteer")
    claims.set_points(store, c1, 3)
    c2 = claims.create(store, ly, "outreach", "入户宣传", "2026-11-13", at, "党小组长")
    claims.decide(store, c2, "rejected", 2, at, "重复")
    commitments.save(store, zw, "2026", "每季度走访所有责任户", at)
    ledger.adjust(store, ly, -2, NASTY, "2026-11-25", at, 1, "cli:test")
    pioneers.add(store, zw, "先锋岗", "+SUM(1,2)", "2026-11-01", at)
    group = members.group_by_name(store, int(office["id"]), "综合党小组")
    assert group is not None
    group_scores.save(
        store, int(group["id"]), "2026-11", {"resolutions": 8, "activities": 9}, 1, at
    )
    # December: outside a November report, inside the quarter.
    ledger.earn(store, rules, zw, "checkin", "2026-12-01", "2026-12-01", at)


def sheet(wb: Any, title: str) -> tuple[list[str], list[dict[str, Any]]]:
    ws = wb[title]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def ledger_sums(services: Services, start: str, end: str) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for r in services.store.query(
        "SELECT member_id, kind, SUM(amount) AS n FROM points WHERE day >= :s AND day <= :e"
        " GROUP BY member_id, kind",
        {"s": start, "e": end},
    ):
        out[int(r["member_id"])][r["kind"]] = int(r["n"])
    return out


@pytest.mark.parametrize("period", ["2026-11", "2026Q4"])
def test_the_workbook_agrees_with_the_ledger(
    services: Services,
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    period: str,
) -> None:
    fill(services)
    monkeypatch.setattr("bot.cli.ratings.SystemClock", lambda tz: clock)
    path = tmp_path / "通报.xlsx"
    result = CliRunner().invoke(
        main,
        ["report", "--period", period, "--xlsx", str(path)],
        env={"DANGJIAN_DB": services.settings.db, "DANGJIAN_HOME": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("支部\t党员数\t活跃党员\t参与率")
    wb = load_workbook(path)
    assert wb.sheetnames == ["党员", "党小组", "支部汇总", "积分调整", "说明"]
    span = parse_period(period)
    want = ledger_sums(services, span.start.isoformat(), span.end.isoformat())
    rules = services.points

    header, people = sheet(wb, "党员")
    assert header[:4] == ["支部", "党小组", "姓名", "积分合计"]
    assert len(people) == 20
    names = {m.name: m.id for m in members.all_active(services.store)}
    for row in people:
        mid = names[row["姓名"]]
        assert row["积分合计"] == sum(want.get(mid, {}).values()), row["姓名"]
        for rule in rules.rules:
            assert row[rule.name] == want.get(mid, {}).get(rule.key, 0), (row["姓名"], rule.key)
        assert row["调整"] == want.get(mid, {}).get("adjust", 0)
        days = services.store.scalar(
            "SELECT COUNT(*) FROM checkins WHERE member_id = :m AND day >= :s AND day <= :e",
            {"m": mid, "s": span.start.isoformat(), "e": span.end.isoformat()},
        )
        assert row["打卡天数"] == days
    zw = next(r for r in people if r["姓名"] == "张伟")
    assert (zw["会议出勤（次）"], zw["心得（篇）"], zw["申报（件）"], zw["申报通过（件）"]) == (
        1,
        1,
        1,
        1,
    )
    assert (zw["申报积分"], zw["年度承诺"], zw["承诺评定"]) == (3, "每季度走访所有责任户", "未评定")
    assert zw["先锋岗/责任区"] == "先锋岗：+SUM(1,2)"
    ly = next(r for r in people if r["姓名"] == "刘洋")
    assert ly["申报（件）"] == 1 and ly["申报通过（件）"] == 0
    sets = {r["姓名"]: (r["完成答题（次）"], r["答题正确率"]) for r in people}
    for m in members.all_active(services.store):
        row = services.store.one(
            "SELECT COUNT(*) AS n, SUM(score) AS r, SUM(size) AS q FROM quiz_sessions"
            " WHERE member_id = :m",
            {"m": m.id},
        )
        assert row is not None
        n, right, asked = int(row["n"]), int(row["r"] or 0), int(row["q"] or 0)
        assert sets[m.name] == (n, right / asked if asked else None)
    if period == "2026Q4":
        assert "星级" in header
        assert all(r["星级"] == rules.stars_for("quarter", r["积分合计"]) for r in people)
    else:
        assert "星级" not in header
    # Places: ties share (1, 2, 2, 4) within the 支部.
    office = sorted((r["积分合计"], r["支部名次"]) for r in people if r["支部"] == OFFICE)
    for total, place in office:
        assert place == 1 + sum(1 for t, _ in office if t > total)

    _, groups = sheet(wb, "党小组")
    for g in groups:
        ids = [
            m.id
            for m in members.all_active(services.store)
            if m.group == g["党小组"] and m.branch == g["支部"]
        ]
        total = sum(sum(want.get(i, {}).values()) for i in ids)
        assert (g["党员数"], g["积分合计"]) == (len(ids), total)
        assert g["人均积分"] == round(total / len(ids), 1)
        active = sum(1 for i in ids if any(k != "adjust" for k in want.get(i, {})))
        assert g["活跃党员"] == active and g["参与率"] == active / len(ids)
    zh = next(g for g in groups if g["党小组"] == "综合党小组")
    assert (zh["落实决议"], zh["特色活动"], zh["工作业绩"], zh["小组评分合计"]) == (8, 9, 0, 17)

    _, branches = sheet(wb, "支部汇总")
    for b in branches:
        rows = [r for r in people if r["支部"] == b["支部"]]
        assert b["积分合计"] == sum(r["积分合计"] for r in rows)
        assert b["打卡（人次）"] == sum(r["打卡天数"] for r in rows)
        assert b["评定"] == "草稿（未确认）"

    _, adjustments = sheet(wb, "积分调整")
    assert [(a["党员"], a["分数"], a["原因"], a["经办人"]) for a in adjustments] == [
        ("刘洋", -2, NASTY, "王建国")
    ]

    # The form: bold frozen headers, numbers as numbers, text that cannot run, widths that fit.
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    ws = wb["党员"]
    total_col = header.index("积分合计") + 1
    assert all(ws.cell(r, total_col).data_type == "n" for r in range(2, ws.max_row + 1))
    nasty = next(c for c in wb["积分调整"][2] if c.value == NASTY)
    assert nasty.data_type == "s" and nasty.quotePrefix
    post = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == "先锋岗：+SUM(1,2)")
    assert post.data_type == "s"
    for n, name in enumerate(header, start=1):
        letter = ws.cell(1, n).column_letter
        assert ws.column_dimensions[letter].width >= report.width(name)


def test_a_confirmed_period_reports_its_frozen_stars(services: Services, clock: FixedClock) -> None:
    fill(services)
    store, rules = services.store, services.points
    office = int(members.branch_by_name(store, OFFICE)["id"])  # type: ignore[index]
    from bot.points import stars

    period = parse_period("2026-11")
    stars.confirm(store, rules, office, period, "2026-12-02", stamp(clock.now()), "test")
    zw = member_id(services, "张伟")
    ledger.adjust(store, zw, 50, "补记", "2026-11-28", "t")
    built = report.build(store, rules, period, "2026-12-02", clock.tz, office)
    summary = next(s for s in built.sheets if s.title == "支部汇总")
    state = summary.rows[0][-1]
    assert state.startswith("已于 2026-12-02 09:00 确认") and "此后1个党小组积分有变动" in state
    groups = next(s for s in built.sheets if s.title == "党小组")
    frozen = {g.name: g.points for g in built.ratings[office].groups}
    assert [r[5] for r in groups.rows] == [frozen[r[1]] for r in groups.rows]
