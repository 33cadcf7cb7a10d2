"""`dangjian points`: points (积分) per 党员, 党小组 or 支部 for a month, quarter or year —
what 积分评星 is decided on — on screen or as an Excel file."""

from __future__ import annotations

from pathlib import Path

import click

from bot import ranking
from bot.clock import SystemClock
from bot.config import load_settings
from bot.periods import periods
from bot.spreadsheet import append_row, tsv_line

LEVELS = {"党员": "member", "党小组": "group", "支部": "branch"}
PERIODS = {"月": "本月", "季": "本季", "年": "本年"}


@click.command()
@click.option(
    "--level",
    "level",
    type=click.Choice(list(LEVELS)),
    default="党员",
    show_default=True,
    help="按党员、党小组或支部汇总。Sum per member, party group or branch.",
)
@click.option(
    "--period",
    type=click.Choice(list(PERIODS)),
    default="月",
    show_default=True,
    help="统计月、季或年。Month, quarter or year.",
)
@click.option(
    "--date",
    "day",
    default=None,
    help="落在该周期内的任一天（默认今天），如 2026-12-02。Any day in the period (default today).",
)
@click.option("--branch", default=None, help="只看一个支部。Only one branch.")
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="另存为 Excel 文件。Also write an Excel file.",
)
def points(level: str, period: str, day: str | None, branch: str | None, xlsx: Path | None) -> None:
    """积分排行：按党员、党小组或支部，统计月、季、年积分（积分评星的依据），可导出 Excel。

    同分同名次（1、2、2、4），与聊天里的「排行」「我的积分」一致；党小组、支部按人均积分排名。

    Points ranking per member, party group or branch for a month, quarter or year (the basis of
    积分评星). Equal scores share a place (1, 2, 2, 4), as in chat; 党小组 and 支部 are ranked
    by points per member (人均), the figure 排行 shows. Optionally written to an Excel file.
    """
    from storage import members, open_store
    from storage import points as ledger

    settings = load_settings()
    store = open_store(settings.db)
    today = day or SystemClock(settings.timezone).now().date().isoformat()
    try:
        start, end = periods(today)[PERIODS[period]]
    except ValueError as exc:
        raise click.ClickException(f"日期格式应为 2026-12-02：{day}") from exc
    branch_id = None
    if branch:
        found = members.branch_by_name(store, branch)
        if found is None:
            raise click.ClickException(f"没有名为“{branch}”的支部。")
        branch_id = int(found["id"])
    rows = ledger.ranking(store, LEVELS[level], start, end, branch_id=branch_id)
    score = ranking.points if level == "党员" else ranking.per_member
    header = ["名次", level, "积分"] + ([] if level == "党员" else ["人数", "人均"])
    table: list[list[object]] = []
    for p in ranking.rank(rows, score):
        r = p.item
        line: list[object] = [p.place, r["name"], r["points"]]
        if level != "党员":
            line += [r["members"], round(float(ranking.per_member(r)), 1)]
        table.append(line)
    click.echo(f"{start} 至 {end} 积分（{level}）")
    click.echo(tsv_line(header))
    for line in table:
        click.echo(tsv_line(line))
    if xlsx is not None:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = f"{level}积分"
        append_row(ws, [f"{start} 至 {end}"])
        append_row(ws, header)
        for line in table:
            append_row(ws, line)
        wb.save(xlsx)
        click.echo(f"已保存 saved: {xlsx}")


COMMANDS = [points]
