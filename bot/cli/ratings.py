"""积分评星 on the command line: `pioneer` (党员先锋岗 and 责任区)."""

from __future__ import annotations

import click

from bot.clock import SystemClock, day_of, stamp
from bot.config import load_settings
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


COMMANDS = [pioneer]
