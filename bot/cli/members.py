"""Roster commands: import-members (with --sync and the new-branch check), members list /
deactivate / activate, unbind."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from bot.clock import SystemClock, stamp
from bot.config import load_settings


def _store_and_now():  # type: ignore[no-untyped-def]
    from storage import open_store

    settings = load_settings()
    return open_store(settings.db), SystemClock(settings.timezone).now()


def _phone(raw: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw))


def _confirm(question: str) -> bool:
    """Ask; no answer (no terminal, end of input) is no."""
    try:
        return bool(click.confirm(question, default=False))
    except click.Abort:
        click.echo()
        return False


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--new-branches",
    is_flag=True,
    help="文件里有新的支部或党小组时直接新建，不再询问。Create new 支部 / 党小组 without asking.",
)
@click.option(
    "--sync",
    is_flag=True,
    help="同步：列出数据库里有、文件里没有的党员，确认后停用他们。"
    " Also deactivate active members who are not in the file (after confirmation).",
)
@click.option(
    "--yes", "-y", is_flag=True, help="--sync 时不再确认，直接停用。Deactivate without asking."
)
def import_members(file: Path, new_branches: bool, sync: bool, yes: bool) -> None:
    """导入花名册（CSV 或 Excel），列：姓名、手机号、支部、党小组、角色、类别、企业微信账号。

    Import a roster (.csv or .xlsx) with columns 姓名, 手机号, 支部, 党小组, 角色 (党员 / 党小组长 /
    支部书记 / 管理员), 类别 (员工 / 零售户), 企业微信账号 (optional). Members are matched by phone:
    re-importing updates them. Any bad row aborts the import and nothing is written. A 支部 or
    党小组 the database does not have yet is listed (a near miss of an existing name as a
    probable typo) and created only after confirmation or with --new-branches; the first
    import into an empty database creates them directly. With --sync, members missing from the
    file are deactivated after confirmation (--yes).
    """
    from bot.membership import deactivate, leavers, new_names
    from bot.roster import RosterError, parse_numbered
    from bot.text import name_key
    from storage import members
    from storage.members import upsert_roster

    try:
        numbered, errors = parse_numbered(file)
    except RosterError as exc:
        raise click.ClickException(str(exc)) from exc
    if errors:
        for e in errors:
            click.echo(str(e), err=True)
        raise click.ClickException(
            f"{len(errors)} 行有错误，未导入任何数据。{len(errors)} bad rows; nothing imported."
        )
    store, now = _store_and_now()
    rows = [row for _, row in numbered]
    nothing = "未导入任何数据。nothing imported."

    first = not members.branches(store)
    fresh = new_names(store, numbered)
    for name in fresh:
        if name.guess:
            click.echo(name.typo_line(), err=True)
    if fresh:
        listing = "\n".join(f"  {n.kind} {n.label}（第{n.row}行起，{n.rows}人）" for n in fresh)
        if first:
            click.echo(
                "首次导入（数据库里还没有支部），直接新建以下支部和党小组。"
                f" First import into an empty database: creating them.\n{listing}"
            )
        else:
            click.echo(
                "文件里有数据库中还没有的支部或党小组，请核对是不是写错了："
                f" New 支部 / 党小组 in the file:\n{listing}"
            )
            if not new_branches and not _confirm("确认新建它们吗？Create them?"):
                raise click.ClickException(
                    "没有新建。请改正文件后重新导入；确认无误请加 --new-branches。" + nothing
                )

    gone = leavers(store, rows) if sync else []
    if sync and gone:
        click.echo(f"文件里没有、将被停用的党员 {len(gone)} 人 Members not in the file:")
        for m in gone:
            click.echo(f"  {m.name}  {m.phone}  {m.branch}{'·' + m.group if m.group else ''}")
        if not yes and not _confirm(f"停用这 {len(gone)} 人吗？Deactivate them?"):
            raise click.ClickException("没有停用任何人。" + nothing)
    elif sync:
        click.echo("在册党员都在文件里，没有人需要停用。Nobody to deactivate.")

    with store.tx():  # all or nothing: the roster and the deactivations
        with click.progressbar(length=len(rows), label="导入 importing") as bar:
            counts = upsert_roster(store, _tick(rows, bar), stamp(now), name_key=name_key)
        stopped = sum(1 for m in gone if deactivate(store, m, now))
    click.echo(f"新增 added {counts['added']}，更新 updated {counts['updated']}")
    if sync:
        click.echo(f"停用 deactivated {stopped}")


def _tick(rows: Iterable[Any], bar: Any) -> Iterator[Any]:
    for row in rows:
        bar.update(1)
        yield row


@click.group("members")
def members_group() -> None:
    """党员名单：列出、停用（离开组织）、恢复。

    Members: list them, deactivate one who left, or activate them again.
    """


@members_group.command("list")
@click.option("--branch", default=None, help="只看一个支部。Only one branch.")
def list_members(branch: str | None) -> None:
    """列出党员（含已停用），制表符分隔，可粘贴到 Excel。

    List members, deactivated ones too, tab-separated (safe to paste into a spreadsheet).
    """
    from bot.spreadsheet import tsv_line
    from storage import members

    store, _ = _store_and_now()
    branch_id = None
    if branch:
        found = members.branch_by_name(store, branch)
        if found is None:
            raise click.ClickException(f"没有名为“{branch}”的支部。No such branch.")
        branch_id = int(found["id"])
    people = members.everyone(store, branch_id)
    click.echo(tsv_line(("姓名", "手机号", "支部", "党小组", "角色", "类别", "状态")))
    for m in people:
        state = "在册" if m.active else "已停用"
        click.echo(tsv_line((m.name, m.phone, m.branch, m.group, m.role, m.category, state)))
    active = sum(1 for m in people if m.active)
    click.echo(f"共 {len(people)} 人，在册 {active} 人，已停用 {len(people) - active} 人。")


def _member(store: Any, phone: str) -> Any:
    from storage import members

    member = members.by_phone(store, _phone(phone))
    if member is None:
        raise click.ClickException(f"没有手机号为 {phone} 的党员。No member with that phone.")
    return member


@members_group.command("deactivate")
@click.argument("phone")
def deactivate_member(phone: str) -> None:
    """停用一名党员（调离、退休等），历史记录保留。

    停用后不能再绑定、打卡、答题、签到，也不再收到推送，不计入排行、未完成和提醒。
    Deactivate one member (by phone): no binding, check-in, quiz, sign-in or pushes, out of
    rankings and 未完成; their history stays. `members activate` undoes it.
    """
    from bot.membership import deactivate

    store, now = _store_and_now()
    member = _member(store, phone)
    if not deactivate(store, member, now):
        click.echo(f"{member.name}（{member.branch}）本来就是停用状态。already inactive.")
        return
    click.echo(
        f"已停用 {member.name}（{member.branch}）：不能再打卡、答题、签到，不再收到推送，"
        f"历史记录保留。恢复：dangjian members activate {member.phone}"
    )


@members_group.command("activate")
@click.argument("phone")
def activate_member(phone: str) -> None:
    """恢复一名已停用的党员。

    Activate a deactivated member again (by phone).
    """
    from bot.membership import activate

    store, now = _store_and_now()
    member = _member(store, phone)
    if not activate(store, member, now):
        click.echo(f"{member.name}（{member.branch}）本来就在册。already active.")
        return
    click.echo(f"已恢复 {member.name}（{member.branch}）。activated.")


@click.command()
@click.argument("phone")
def unbind(phone: str) -> None:
    """解除某位党员的微信绑定（按手机号）。

    Remove a member's WeChat binding (by phone number) so they can bind another account.
    """
    from storage import members

    store, _ = _store_and_now()
    member = _member(store, phone)
    n = members.unbind(store, member.id)
    click.echo(f"{member.name}: 已解绑 {n} 个账号。removed {n} binding(s).")


COMMANDS = [import_members, members_group, unbind]
