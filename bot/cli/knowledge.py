"""Policy library commands: ask, gaps, handoffs."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from bot.clock import SystemClock, show_stamp, stamp
from bot.config import load_settings


def _hit(hit) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"id": hit.entry.id, "title": hit.entry.title, "score": round(float(hit.score), 4)}


def _as_json(library, question: str) -> str:  # type: ignore[no-untyped-def]
    result = library.search(question)
    doc: dict[str, object] = {
        "answer": _hit(result.answer) if result.answer is not None else None,
        "suggestions": [_hit(h) for h in result.suggestions],
    }
    if result.choices:
        doc["clarify"] = {"question": result.question, "choices": [_hit(h) for h in result.choices]}
    return json.dumps(doc, ensure_ascii=False)


def _as_reply(library, question: str) -> str:  # type: ignore[no-untyped-def]
    from bot.dialog import replies
    from bot.dialog.handlers.ask import render_clarify, render_entry, render_suggestions

    result = library.search(question)
    if result.answer is not None:
        return render_entry(result.answer.entry)
    if result.choices:
        return render_clarify(result.question, [h.entry for h in result.choices])
    if result.suggestions:
        return render_suggestions([h.entry for h in result.suggestions])
    return replies.fallback(question, [])


@click.command()
@click.argument("question")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出 JSON（答案、建议、反问和分数）。Print JSON (answer, suggestions, clarify, scores).",
)
def ask(question: str, as_json: bool) -> None:
    """用政策库回答一个问题，用来检查内容写得好不好。

    QUESTION 为 - 时，从标准输入每行读一个问题，每行输出一个 JSON。

    Answer a question from the policy library, to test the content. With QUESTION = "-", read
    one question per line from standard input and print one JSON object per line (with --json)
    or one reply per question.
    """
    from bot.knowledge import Library

    library = Library.load(load_settings().content_dir)
    render = _as_json if as_json else _as_reply
    if question != "-":
        click.echo(render(library, question))
        return
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        out = _as_json(library, text) if as_json else render(library, text) + "\n"
        click.echo(out)


def _store():  # type: ignore[no-untyped-def]
    from storage import open_store

    settings = load_settings()
    return settings, open_store(settings.db)


@click.command()
@click.option("--days", default=30, show_default=True, type=int, help="统计最近几天。Days back.")
def gaps(days: int) -> None:
    """列出最近没答上的问题和被评为“没用”的答复（按问题归并计数），看看该补写什么。

    List unanswered questions and answers marked 没用 in the last DAYS days, grouped and
    counted, most frequent first: what to write next.
    """
    from storage import knowledge as kb

    settings, store = _store()
    clock = SystemClock(settings.timezone)
    tz = clock.tz
    since = stamp(clock.now() - timedelta(days=days))
    rows = kb.gaps(store, since)
    totals = kb.counts(store, since)
    click.echo(
        f"最近 {days} 天：提问 {sum(totals.get(o, 0) for o in kb.OUTCOMES)} 次，"
        f"直接答复 {totals['answered']}，选了建议 {totals['picked']}，"
        f"只给了建议 {totals['suggested']}，没答上 {totals['none']}；"
        f"有用 {totals.get('useful', 0)}，没用 {totals.get('useless', 0)}。"
    )
    if not rows:
        click.echo("没有需要补写的问题。No gaps.")
        return
    for r in rows:
        kind = "没答上" if r["kind"] == "unanswered" else f"没用（{r['entry_id']}）"
        last = show_stamp(r["last_at"], tz)
        click.echo(f"{int(r['count']):>4}  {kind}  {r['text']}  最近 {last}")


@click.command()
def handoffs() -> None:
    """列出还没答复的转人工问题。答复方式：在微信里发送“回复 编号 内容”。

    List open hand-offs (转人工). Answer one in chat with "回复 <number> <text>".
    """
    from storage import knowledge as kb

    settings, store = _store()
    tz = SystemClock(settings.timezone).tz
    rows = kb.open_handoffs(store)
    if not rows:
        click.echo("没有待答复的转人工问题。No open hand-offs.")
        return
    for r in rows:
        who = f"{r['member_name']}（{r['branch']}）" if r["member_name"] else "未绑定的关注者"
        to = r["assignee_name"] or "-"
        when = show_stamp(r["created_at"], tz)
        click.echo(f"#{r['id']}  {when}  {who} → {to}：{r['question']}")


COMMANDS = [ask, gaps, handoffs]
