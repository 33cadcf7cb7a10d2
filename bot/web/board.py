"""`GET /board/<token>`: the read-only 公示栏 page of one 支部 (bot/points/board.py), for the
office screen. Large type, refreshes itself every REFRESH seconds (a meta refresh: no script),
styles from the package (/board/static/board.css: no CDN). An unknown or missing token is 404.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, abort, send_from_directory

from bot.points import board
from bot.points.board import Board, Standing
from bot.services import Services

REFRESH = 300
STATIC = __file__.rsplit("/", 1)[0] + "/static"
STARS = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星"}


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("board", __name__)

    @bp.get("/board/static/board.css")
    def css() -> Response:
        response = send_from_directory(STATIC, "board.css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @bp.get("/board/<token>")
    def page(token: str) -> Response:
        branch_id = board.branch_for(services.store, token[:80])
        if branch_id is None:
            abort(404)
        data = board.build(services.store, services.points, branch_id, services.clock.now())
        response = Response(render(data), mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
        )
        return response

    return bp


def _table(caption: str, rows: list[Standing], css_id: str) -> str:
    if not rows:
        return f'<section id="{css_id}"><h2>{escape(caption)}</h2><p class="empty">暂无党小组</p></section>'
    body = "".join(
        f'<tr><td class="place">{r.place}</td><td class="name">{escape(r.name)}</td>'
        f"<td>{r.members}</td><td>{r.per_member}</td><td>{escape(r.items)}</td>"
        f'<td class="score">{r.score}</td></tr>'
        for r in rows
    )
    return (
        f'<section id="{css_id}"><h2>{escape(caption)}</h2><table><thead><tr><th>名次</th>'
        "<th>党小组</th><th>人数</th><th>人均积分</th><th>小组评分</th><th>总分</th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


def render(data: Board) -> str:
    posts = (
        "".join(
            f'<li><span class="kind">{escape(kind)}</span>{escape(title)}'
            f'<span class="who">{escape(name)}</span></li>'
            for kind, title, name in data.posts
        )
        or '<li class="empty">暂无</li>'
    )
    if data.star_period is not None:
        star_caption = f"星级党员（{data.star_period.label}）"
        stars = (
            "".join(
                f'<li><span class="who">{escape(name)}</span><span class="group">{escape(group)}</span>'
                f'<span class="stars">{STARS.get(n, str(n) + "星")}</span></li>'
                for name, group, n in data.star_members
            )
            or '<li class="empty">暂无</li>'
        )
    else:
        star_caption, stars = "星级党员", '<li class="empty">尚无已确认的评星</li>'
    updated = data.updated.strftime("%Y-%m-%d %H:%M") if data.updated else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(data.branch)} 积分评星公示</title>"
        '<link rel="stylesheet" href="/board/static/board.css"></head><body>'
        f"<header><h1>{escape(data.branch)} 积分评星公示</h1>"
        f'<p class="updated">更新于 {updated}，每 {REFRESH // 60} 分钟自动刷新</p></header>'
        "<main>"
        + _table(f"{data.month.label}党小组月积分", data.month_groups, "month")
        + _table(f"{data.quarter.label}党小组季考核", data.quarter_groups, "quarter")
        + f'<section id="posts"><h2>党员先锋岗 · 责任区</h2><ul>{posts}</ul></section>'
        + f'<section id="stars"><h2>{escape(star_caption)}</h2><ul>{stars}</ul></section>'
        + "</main><footer>总分：人均积分（本支部最高者为100）与小组评分加权；同分同名次。</footer>"
        "</body></html>"
    )
