"""Quiz commands: import-quizzes, export-quizzes, quiz-stats."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from bot.clock import SystemClock, day_of
from bot.config import load_settings


@click.command("import-quizzes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--name",
    default=None,
    help="题库名称（默认用文件名），写入 quizzes/imported-<名称>.yaml。Set name (default: file name).",
)
def import_quizzes(file: Path, name: str | None) -> None:
    """从 Excel 导入题库（模板：quizzes/template.xlsx）。有错误的行会按行号列出，整份不导入。

    Import questions from an Excel workbook (columns 题型, 题干, 选项A…选项F, 答案, 解析, 出处,
    标签, optional 编号) into the data folder's quizzes/imported-<name>.yaml. Any bad row is
    reported by its row number and nothing is imported. Run `dangjian reload` to load them.
    """
    from bot.quiz.excel import ImportFailed, import_xlsx

    settings = load_settings()
    try:
        target, count = import_xlsx(file, settings.quiz_dir, name)
    except ImportFailed as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"{len(exc.errors)} 处错误，未导入任何题目。{len(exc.errors)} error(s); nothing imported."
        ) from exc
    click.echo(
        f"已导入 {count} 道题 → {target}（运行 dangjian reload 后生效）imported {count} questions;"
        " run `dangjian reload`"
    )


@click.command("export-quizzes")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--template",
    is_flag=True,
    help="只导出带示例和填写说明的空模板。Write the empty template with examples instead.",
)
def export_quizzes(file: Path, template: bool) -> None:
    """把题库导出为 Excel（可修改后再导入），或用 --template 生成导入模板。

    Export the whole question bank (DANGJIAN_QUIZ_DIR) to an Excel workbook in the import
    format, or with --template write the template with example rows and instructions.
    """
    from bot.quiz.bank import QuizBank
    from bot.quiz.excel import export_xlsx

    if template:
        n = export_xlsx(None, file)
        click.echo(f"已生成模板 {file}（{n} 行示例）template written")
        return
    bank = QuizBank.load(load_settings().quiz_dir)
    n = export_xlsx(bank.questions, file)
    click.echo(f"已导出 {n} 道题 → {file} exported {n} questions")


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"日期格式应为 2026-12-01：{value}", param_hint=option) from exc


@click.command("quiz-stats")
@click.option("--branch", default=None, help="只看一个支部（名称）。One branch only (name).")
@click.option("--from", "start", default=None, help="开始日期（默认30天前）。First day.")
@click.option("--to", "end", default=None, help="结束日期（默认今天）。Last day.")
def quiz_stats(branch: str | None, start: str | None, end: str | None) -> None:
    """答题统计：各支部、党小组的参与情况，按标签的正确率（薄弱知识点），错得最多的10道题。

    Quiz statistics between two days: participation per 支部 and 党小组, accuracy per tag
    (weak topics) and the 10 most-missed questions. Tab-separated, for pasting into Excel.
    """
    from bot.quiz.bank import QuizBank
    from bot.quiz.stats import compute, render
    from storage import members, open_store

    settings = load_settings()
    today = day_of(SystemClock(settings.timezone).now())
    last = _day(end, "--to") or today
    first = _day(start, "--from") or (date.fromisoformat(last) - timedelta(days=29)).isoformat()
    if first > last:
        raise click.BadParameter("开始日期晚于结束日期", param_hint="--from")
    store = open_store(settings.db)
    branch_id = None
    if branch:
        row = members.branch_by_name(store, branch.strip())
        if row is None:
            names = "、".join(b["name"] for b in members.branches(store)) or "（无）"
            raise click.ClickException(f"没有名为「{branch}」的支部。现有支部：{names}")
        branch_id = int(row["id"])
    stats = compute(store, QuizBank.load(settings.quiz_dir), first, last, branch_id)
    click.echo(render(stats))


COMMANDS = [import_quizzes, export_quizzes, quiz_stats]
