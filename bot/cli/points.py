"""`dangjian points`: points (积分) per 党员, 党小组 or 支部 for a month, quarter or year — what
积分评星 is decided on — on screen or as an Excel file; and the ledger's commands: `adjust`
(a secretary's adjustment with a reason), `adjustments` (listed separately), `rules` (the
rules in force) and `rebuild` (recompute the per-period sums)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import click

from bot import ranking
from bot.clock import SystemClock, stamp
from bot.config import Settings, load_settings
from bot.periods import Period, month_of, parse_period, quarter_of, year_of
from bot.spreadsheet import append_row, tsv_line

LEVELS = {"党员": "member", "党小组": "group", "支部": "branch"}
RELATIVE = {"月": month_of, "季": quarter_of, "年": year_of}


def resolve_period(text: str, day: str) -> Period:
    """月 / 季 / 年 (the one containing `day`), or a period key: 2026-11, 2026Q4, 2026."""
    if text in RELATIVE:
        return RELATIVE[text](day)
    try:
        return parse_period(text)
    except ValueError as exc:
        raise click.ClickException(
            f"周期应为 月、季、年，或 2026-11、2026Q4、2026：{text}。"
            " A period is 月/季/年 or 2026-11, 2026Q4, 2026."
        ) from exc


def today(settings: Settings, day: str | None = None) -> str:
    if day is None:
        return SystemClock(settings.timezone).now().date().isoformat()
    try:
        return dt.date.fromisoformat(day).isoformat()
    except ValueError as exc:
        raise click.ClickException(f"日期格式应为 2026-12-02：{day}") from exc


def operator() -> str:
    """Who runs the command, for the ledger's granted_via ('cli:<login>')."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in this environment
        return "cli"


def branch_id_of(store, branch: str | None) -> int | None:  # type: ignore[no-untyped-def]
    from storage import members

    if not branch:
        return None
    found = members.branch_by_name(store, branch)
    if found is None:
        raise click.ClickException(f"没有名为“{branch}”的支部。No such branch.")
    return int(found["id"])


@click.group(invoke_without_command=True)
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
    default="月",
    show_default=True,
    help="月、季、年（--date 所在的），或 2026-11、2026Q4、2026。Month, quarter, year or a period key.",
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
@click.pass_context
def points(
    ctx: click.Context,
    level: str,
    period: str,
    day: str | None,
    branch: str | None,
    xlsx: Path | None,
) -> None:
    """积分排行：按党员、党小组或支部，统计月、季、年积分（积分评星的依据），可导出 Excel；
    子命令：adjust（调整积分）、adjustments（调整记录）、rules（现行规则）、rebuild（重算汇总）。

    同分同名次（1、2、2、4），与聊天里的「排行」「我的积分」一致；党小组、支部按人均积分排名。

    Points ranking per member, party group or branch for a month, quarter or year (the basis of
    积分评星). Equal scores share a place (1, 2, 2, 4), as in chat; 党小组 and 支部 are ranked
    by points per member (人均), the figure 排行 shows. Optionally written to an Excel file.
    Subcommands: adjust, adjustments, rules, rebuild.
    """
    if ctx.invoked_subcommand is not None:
        return
    from storage import open_store
    from storage import points as ledger

    settings = load_settings()
    store = open_store(settings.db)
    chosen = resolve_period(period, today(settings, day))
    branch_id = branch_id_of(store, branch)
    rows = ledger.ranking(store, LEVELS[level], chosen.key, branch_id=branch_id)
    score = ranking.points if level == "党员" else ranking.per_member
    header = ["名次", level, "积分"] + ([] if level == "党员" else ["人数", "人均"])
    table: list[list[object]] = []
    for p in ranking.rank(rows, score):
        r = p.item
        line: list[object] = [p.place, r["name"], r["points"]]
        if level != "党员":
            line += [r["members"], round(float(ranking.per_member(r)), 1)]
        table.append(line)
    span = f"{chosen.start} 至 {chosen.end}"
    click.echo(f"{span} 积分（{level}）")
    click.echo(tsv_line(header))
    for line in table:
        click.echo(tsv_line(line))
    if xlsx is not None:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = f"{level}积分"
        append_row(ws, [span])
        append_row(ws, header)
        for line in table:
            append_row(ws, line)
        wb.save(xlsx)
        click.echo(f"已保存 saved: {xlsx}")


@points.command(context_settings={"ignore_unknown_options": True})
@click.argument("phone")
@click.argument("amount")
@click.argument("reason", nargs=-1, required=True)
@click.option(
    "--date",
    "day",
    default=None,
    help="记在哪一天（默认今天），如 2026-11-30。The day it counts on (default today).",
)
@click.option(
    "--by",
    "by",
    default=None,
    help="经办的书记或管理员的手机号（记入台账）。Phone of the secretary making it (recorded).",
)
def adjust(
    phone: str, amount: str, reason: tuple[str, ...], day: str | None, by: str | None
) -> None:
    """调整积分：dangjian points adjust 手机号 ±N 原因（原因必填）。

    调整单独记一行（规则 adjust，附原因、经办人、时间），不改动以前的任何记录；
    `dangjian points adjustments` 单独列出。已确认评星的周期不受影响。

    Adjust a member's points by ±N with a reason: a ledger row of its own (rule `adjust`, with
    the reason, who made it and when); earlier rows never change. Listed separately by
    `dangjian points adjustments`; ratings already confirmed (`dangjian stars --confirm`) keep
    their figures.
    """
    from bot.points import ledger
    from storage import members, open_store, ratings

    settings = load_settings()
    store = open_store(settings.db)
    try:
        n = int(amount.replace("＋", "+").replace("－", "-"))
    except ValueError as exc:
        raise click.ClickException(f"分数应为整数，如 +5 或 -3：{amount}") from exc
    text = " ".join(reason).strip()
    if n == 0 or not text:
        raise click.ClickException(
            "请写明不为 0 的分数和原因，如：dangjian points adjust 13800000003 -2 重复申报"
        )
    member = members.by_phone(store, phone.strip())
    if member is None:
        raise click.ClickException(f"没有手机号为 {phone} 的党员。No member with that phone.")
    granted_by = None
    if by:
        who = members.by_phone(store, by.strip())
        if who is None or who.role not in ("支部书记", "管理员"):
            raise click.ClickException(
                f"{by} 不是支部书记或管理员。--by must be a secretary's phone."
            )
        granted_by = who.id
    now = SystemClock(settings.timezone).now()
    on = today(settings, day)
    ledger.adjust(store, member.id, n, text, on, stamp(now), granted_by, operator())
    click.echo(f"已为 {member.name} 调整 {n:+d} 分（原因：{text}），记在 {on}。")
    frozen = ratings.confirmed_containing(store, member.branch_id, on)
    if frozen:
        click.echo(
            f"注意：{'、'.join(frozen)} 的评定已确认，这次调整不改变已确认的结果。"
            " Confirmed ratings keep their figures."
        )
    if not member.active:
        click.echo("注意：该党员已停用。Note: the member is deactivated.")


@points.command()
@click.option(
    "--period", default="年", show_default=True, help="月、季、年或 2026-11、2026Q4、2026。"
)
@click.option("--date", "day", default=None, help="落在该周期内的任一天（默认今天）。")
@click.option("--branch", default=None, help="只看一个支部。Only one branch.")
def adjustments(period: str, day: str | None, branch: str | None) -> None:
    """列出积分调整记录（日期、党员、分数、原因、经办人）。

    List the adjustments of a period: day, member, amount, reason, who made it and how.
    """
    from storage import open_store
    from storage import points as ledger

    settings = load_settings()
    store = open_store(settings.db)
    chosen = resolve_period(period, today(settings, day))
    rows = ledger.adjustments(
        store, chosen.start.isoformat(), chosen.end.isoformat(), branch_id_of(store, branch)
    )
    click.echo(f"{chosen.label} 积分调整 {len(rows)} 条")
    click.echo(tsv_line(["日期", "支部", "党员", "分数", "原因", "经办人", "方式"]))
    for r in rows:
        click.echo(
            tsv_line(
                [
                    r["day"],
                    r["branch"],
                    r["name"],
                    int(r["amount"]),
                    r["reason"],
                    r["granted_by"] or "",
                    r["granted_via"],
                ]
            )
        )


@points.command()
@click.option(
    "--date", "day", default=None, help="哪一天的规则（默认今天）。Rules in force on a day."
)
def rules(day: str | None) -> None:
    """列出某天生效的积分规则（content/points.yaml）。

    Print the points rules in force on a day (content/points.yaml, the site's over the shipped).
    """
    from bot.points import rules as points_rules

    settings = load_settings()
    loaded = points_rules.load(settings.content_layers())
    on = today(settings, day)
    click.echo(f"积分规则（{loaded.source}），{on} 生效：")
    for line in points_rules.describe(loaded, on):
        click.echo(f"  {line}")


@points.command()
def rebuild() -> None:
    """按积分台账重算各月、季、年的汇总（批量导入台账后使用）。

    Recompute the per-period sums from the ledger (after rows were loaded in bulk without
    storage.points.add). Prints how many sums disagreed before.
    """
    from storage import open_store
    from storage import points as ledger

    settings = load_settings()
    store = open_store(settings.db)
    wrong = ledger.sums_differ(store)
    n = ledger.rebuild_sums(store)
    click.echo(
        f"已重算 {n} 条汇总（之前不一致的年度汇总 {wrong} 条）。Rebuilt {n} sums ({wrong} were off)."
    )


COMMANDS = [points]
