"""The `dangjian` command line. Each area adds its commands from its own module."""

from __future__ import annotations

import logging

import click

from bot import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dangjian")
@click.option("-v", "--verbose", is_flag=True, help="显示调试日志。Show debug logs.")
def main(verbose: bool) -> None:
    """党建学习助手：支部学习、答题、会议签到和政策问答的微信服务。

    Dangjian bot: a WeChat service for Party branches — study check-in, daily quiz, meeting
    sign-in and policy questions. Settings come from DANGJIAN_* environment variables or .env.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # APScheduler narrates every job it adds and runs
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _register() -> None:
    from bot.cli import core, jobs, knowledge, members, points, quiz, ratings

    for module in (core, members, knowledge, quiz, jobs, points, ratings):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
