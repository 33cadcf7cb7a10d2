"""/board without a browser: 404 without the 支部's token, the right 支部 and figures with it,
no phone numbers, no bottom-ranked names; board-link makes a new link and ends the old."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from bot.cli import main
from bot.services import Services
from tests.web.boardutil import prepare


def test_without_the_token_there_is_nothing(app: Flask, services: Services) -> None:
    client = app.test_client()
    token = prepare(services)
    assert client.get(f"/board/{token}").status_code == 200
    for path in ("/board", "/board/", "/board/x", "/board/" + "A" * 32, f"/board/{token}x"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/board/{token}").status_code == 405


def test_the_page_shows_standings_posts_and_stars_but_no_phones_or_bottom_names(
    app: Flask, services: Services
) -> None:
    page = app.test_client().get(f"/board/{prepare(services)}")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert '<meta http-equiv="refresh" content="300">' in html
    assert "<title>机关党支部 积分评星公示</title>" in html
    month = html.split('id="month"')[1].split("</section>")[0]
    assert re.findall(r'<td class="name">(\S+?)</td>', month) == ["专卖党小组", "综合党小组"]
    assert "营业厅服务岗" in html and "黄敏" in html
    stars = html.split('id="stars"')[1].split("</section>")[0]
    assert "2026年第三季度" in stars
    assert re.findall(r'<span class="who">(\S+?)</span>', stars) == ["张伟", "刘洋"]
    assert "陈静" not in html  # 2 stars: below board.min_stars
    for name in ("周强", "赵磊", "王建国", "李秀英", "吴芳"):  # never named
        assert name not in html
    assert not re.search(r"1[3-9]\d{9}", html)  # no phone numbers
    assert "营销党支部" not in html and "城区党小组" not in html  # another 支部
    assert "http://" not in html.replace("http-equiv", "") and "https://" not in html  # no CDN
    css = app.test_client().get("/board/static/board.css")
    assert css.status_code == 200 and b"font-size" in css.data


def test_board_link_makes_a_new_link_and_ends_the_old(
    app: Flask, services: Services, tmp_path: Path
) -> None:
    client = app.test_client()
    old = prepare(services)
    env = {"DANGJIAN_DB": services.settings.db, "DANGJIAN_HOME": str(tmp_path)}
    out = CliRunner().invoke(main, ["board-link", "--branch", "机关党支部"], env=env)
    assert out.exit_code == 0, out.output
    new = re.search(r"/board/(\S+)", out.output)
    assert new is not None
    assert client.get(f"/board/{new.group(1)}").status_code == 200
    assert client.get(f"/board/{old}").status_code == 404
    out = CliRunner().invoke(main, ["board-link", "--branch", "机关党支部", "--revoke"], env=env)
    assert "公示栏链接已作废" in out.output
    assert client.get(f"/board/{new.group(1)}").status_code == 404
    stored = services.store.scalar("SELECT COUNT(*) FROM board_tokens")
    assert stored == 0
    bad = CliRunner().invoke(main, ["board-link", "--branch", "没有的支部"], env=env)
    assert bad.exit_code != 0
    with_url = CliRunner().invoke(
        main,
        ["board-link", "--branch", "营销党支部"],
        env={**env, "DANGJIAN_PUBLIC_URL": "https://dj.example.cn/"},
    )
    assert "  https://dj.example.cn/board/" in with_url.output
    token = with_url.output.split("/board/")[1].split()[0]
    assert token not in str(services.store.query("SELECT * FROM board_tokens"))  # a hash only
