"""积分评星 on the command line: `pioneer` (党员先锋岗 and 责任区), `stars` (drafts and
confirmed ratings)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.clock import SystemClock, day_of, stamp
from bot.config import load_settings
from bot.periods import parse_period
from bot.spreadsheet import tsv_line


def _store_and_now():  # type: ignore[no-untyped-def]
    from storage import open_store

    settings = load_settings()
    return open_store(settings.db), SystemClock(settings.timezone).now()


@click.group()
def pioneer() -> None:
    """党员先锋岗、责任区：设立（add）、列出（list）、撤销（remove）。

    党员先锋岗 and 责任区 designations: add, list, remove. They are shown in 我的积分, in the
    report workbook and on /board.
    """


@pioneer.command("add")
@click.argument("phone")
@click.argument("title", nargs=-1, required=True)
@click.option(
    "--kind",
    type=click.Choice(["先锋岗", "责任区"]),
    default="先锋岗",
    show_default=True,
    help="党员先锋岗或党员责任区。A 先锋岗 (post) or a 责任区 (area of responsibility).",
)
def pioneer_add(phone: str, title: tuple[str, ...], kind: str) -> None:
    """设立：dangjian pioneer add 手机号 岗位名称 [--kind 责任区]。

    Designate a member: dangjian pioneer add PHONE TITLE [--kind 责任区].
    """
    from storage import members, pioneers

    store, now = _store_and_now()
    member = members.by_phone(store, phone.strip())
    if member is None or not member.active:
        raise click.ClickException(
            f"没有手机号为 {phone} 的在册党员。No active member with that phone."
        )
    name = " ".join(title).strip()
    if not name:
        raise click.ClickException("请写上岗位或责任区的名称。A title is needed.")
    pid = pioneers.add(store, member.id, kind, name, day_of(now), stamp(now))
    click.echo(f"已设立（编号 {pid}）：{member.branch} {member.name} 党员{kind}「{name}」。")


@pioneer.command("list")
@click.option("--branch", default=None, help="只看一个支部。Only one branch.")
def pioneer_list(branch: str | None) -> None:
    """列出在设的先锋岗和责任区。List the designations in force."""
    from bot.cli.points import branch_id_of
    from storage import pioneers

    store, _ = _store_and_now()
    rows = pioneers.in_force(store, branch_id_of(store, branch))
    click.echo(tsv_line(["编号", "支部", "党小组", "党员", "类别", "名称", "设立日期"]))
    for r in rows:
        click.echo(
            tsv_line(
                [
                    r["id"],
                    r["branch"],
                    r["party_group"] or "",
                    r["name"],
                    r["kind"],
                    r["title"],
                    r["since"],
                ]
            )
        )


@pioneer.command("remove")
@click.argument("pioneer_id", type=int)
def pioneer_remove(pioneer_id: int) -> None:
    """撤销：dangjian pioneer remove 编号（编号见 pioneer list）。

    End a designation (its number is in `dangjian pioneer list`); history stays.
    """
    from storage import pioneers

    store, now = _store_and_now()
    row = pioneers.remove(store, pioneer_id, day_of(now))
    if row is None:
        raise click.ClickException(f"没有编号为 {pioneer_id} 的在设先锋岗或责任区。")
    click.echo(f"已撤销：{row['name']} 党员{row['kind']}「{row['title']}」。")


@click.command()
@click.option(
    "--period",
    required=True,
    help="评定周期：2026-11（月）、2026Q4（季）或 2026（年）。Month, quarter or year.",
)
@click.option("--branch", default=None, help="只看一个支部（默认全部）。Only one branch.")
@click.option(
    "--confirm",
    is_flag=True,
    help="确认并冻结（周期结束后才能确认；之后账本变动不再改变结果）。Freeze the rating.",
)
def stars(period: str, branch: str | None, confirm: bool) -> None:
    """评星：党员季度、年度星级（1-5 星）和党小组月积分、季考核、年度总评排名。

    不加 --confirm 显示草稿（按现在的账本计算）；--confirm 在周期结束后确认并冻结，
    之后的积分调整、迟到的审核不会改变已确认的结果（会提示有几人积分有变动）。

    Stars of members per quarter or year (thresholds in points.yaml) and the ranking of 党小组
    per month, quarter or year (points per member and the secretary's group scores, weighted
    per points.yaml). Without --confirm: a draft from the ledger as it is. With --confirm
    (only after the period has ended): frozen; later ledger changes don't alter it.
    """
    from bot.cli.points import branch_id_of, operator
    from bot.points import stars as star_ratings
    from bot.points.rules import load as load_rules
    from storage import members

    settings = load_settings()
    store, now = _store_and_now()
    rules = load_rules(settings.content_layers())
    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise click.ClickException(f"周期应为 2026-11、2026Q4 或 2026：{period}") from exc
    only = branch_id_of(store, branch)
    today = day_of(now)
    failed = False
    for b in members.branches(store):
        if only is not None and int(b["id"]) != only:
            continue
        if confirm:
            try:
                rating = star_ratings.confirm(
                    store,
                    rules,
                    int(b["id"]),
                    chosen,
                    today,
                    stamp(now),
                    operator(),
                )
            except star_ratings.NotYet as exc:
                click.echo(f"{b['name']}：{exc}", err=True)
                failed = True
                continue
            click.echo(f"已确认并冻结：{b['name']}{chosen.label}。")
        else:
            rating = star_ratings.rating(store, rules, int(b["id"]), chosen, today)
        _show(rating, settings.timezone)
    if failed:
        raise click.ClickException("有支部没有确认。Some branches were not confirmed.")


def _show(rating, timezone: str) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from bot.clock import show_stamp

    period = rating.period
    if rating.confirmed_at:
        state = f"已于 {show_stamp(rating.confirmed_at, ZoneInfo(timezone))} 确认冻结"
    else:
        state = "草稿"
    click.echo(f"{rating.branch} {period.label} 评星（{state}）")
    what = {"month": "月积分", "quarter": "季考核", "year": "年度总评"}[period.kind]
    click.echo(f"党小组{what}：")
    click.echo(tsv_line(["名次", "党小组", "人数", "积分", "人均积分", "小组评分", "满分", "总分"]))
    for g in rating.groups:
        click.echo(
            tsv_line(
                [
                    g.place,
                    g.name,
                    g.members,
                    g.points,
                    round(g.per_member, 1),
                    g.items_total,
                    g.items_max,
                    round(g.score, 1),
                ]
            )
        )
    if rating.rates_members:
        click.echo("党员星级：")
        click.echo(tsv_line(["名次", "党员", "党小组", "积分", "星级"]))
        for m in rating.members:
            click.echo(tsv_line([m.branch_place, m.name, m.party_group, m.points, m.stars]))
    if rating.confirmed_at:
        moved = f"，其中{rating.moved_text}的积分现在已与确认时不同" if rating.moved else ""
        click.echo(f"注：确认后的积分变动（调整、补记）不改变本次评定结果{moved}。")
    else:
        click.echo(f"注：这是草稿，{period.end} 之后用 --confirm 确认冻结。")


@click.command()
@click.option(
    "--period", required=True, help="周期：2026-11、2026Q4 或 2026。Month, quarter or year."
)
@click.option("--branch", default=None, help="只含一个支部（默认全部）。Only one branch.")
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="写入 Excel 文件（通报用）。Write the workbook to FILE.",
)
def report(period: str, branch: str | None, xlsx: Path | None) -> None:
    """通报报表：党员、党小组、支部汇总、积分调整（Excel 工作簿）。

    党员：各项积分、打卡天数、答题次数和正确率、会议出勤、心得、申报、承诺、星级、名次、先锋岗；
    党小组：人数、活跃人数、参与率、人均积分、小组评分、总分、名次；支部汇总；积分调整单列。
    名次同分同名次；已确认的周期用确认时的星级和名次。不加 --xlsx 只在屏幕上显示支部汇总。

    The workbook for the usual 通报: members (points per rule, check-in days, quizzes and
    accuracy, meetings, 心得, claims, commitment, stars, places, 先锋岗), 党小组 (members, active
    members, participation, points per member, group-item scores, result, place), 支部 summary,
    adjustments listed separately. Without --xlsx the 支部 summary is printed.
    """
    from zoneinfo import ZoneInfo

    from bot.cli.points import branch_id_of
    from bot.points import report as workbook
    from bot.points.rules import load as load_rules

    settings = load_settings()
    store, now = _store_and_now()
    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise click.ClickException(f"周期应为 2026-11、2026Q4 或 2026：{period}") from exc
    built = workbook.build(
        store,
        load_rules(settings.content_layers()),
        chosen,
        day_of(now),
        ZoneInfo(settings.timezone),
        branch_id_of(store, branch),
    )
    summary = next(s for s in built.sheets if s.title == "支部汇总")
    click.echo(f"{chosen.label}（{chosen.start} 至 {chosen.end}）支部汇总")
    click.echo(tsv_line(summary.header))
    for row in summary.rows:
        click.echo(
            tsv_line(
                [
                    f"{v:.1%}" if isinstance(v, float) and v <= 1 and i in summary.percent else v
                    for i, v in enumerate(row)
                ]
            )
        )
    if xlsx is not None:
        workbook.write_xlsx(built, xlsx)
        click.echo(f"已保存 saved: {xlsx}")


@click.command("board-link")
@click.option("--branch", required=True, help="支部名称。The branch.")
@click.option(
    "--revoke", is_flag=True, help="只作废现有链接，不发新链接。Only end the current link."
)
def board_link(branch: str, revoke: bool) -> None:
    """公示栏页面（/board）的链接：每个支部一个，发新链接后旧链接失效。

    页面只读：本月、本季党小组排名，党员先锋岗、责任区，上次确认的星级党员；不显示手机号，
    不点名排在后面的党员。拿到链接的人都能打开，只发给需要的人（如办公室大屏）。

    The link of a branch's read-only 公示栏 page (/board/<token>). A new link ends the old one;
    --revoke ends it without a new one. Anyone with the link can open the page: give it only to
    the screens that show it. Only a hash of the token is stored.
    """
    from bot.cli.points import branch_id_of
    from bot.points import board
    from storage import board as board_store

    settings = load_settings()
    store, now = _store_and_now()
    branch_id = branch_id_of(store, branch)
    assert branch_id is not None
    if revoke:
        gone = board_store.revoke(store, branch_id)
        click.echo(f"{branch}的公示栏链接已作废。" if gone else f"{branch}没有在用的公示栏链接。")
        return
    token = board.new_link(store, branch_id, now)
    base = settings.public_url.rstrip("/")
    click.echo(f"{branch}公示栏链接（旧链接已失效）：")
    if base:
        click.echo(f"  {base}/board/{token}")
    else:
        click.echo(f"  /board/{token}")
        click.echo("  （在前面加上本服务的地址；设置 DANGJIAN_PUBLIC_URL 后会直接给出完整链接）")
    click.echo("拿到链接的人都能打开这个页面，请只发给需要的人。Anyone with the link can open it.")


COMMANDS = [pioneer, stars, report, board_link]
