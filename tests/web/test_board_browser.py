"""/board in a real browser (Chromium, headless): it renders in large type on an office screen,
shows the right standings, and without the token gives 404."""

from __future__ import annotations

import pytest

from tests.web.boardutil import prepare
from tests.web.conftest import LiveServer, PageFactory

pytestmark = pytest.mark.browser


def test_the_board_on_an_office_screen(live_server: LiveServer, page_at: PageFactory) -> None:
    from playwright.sync_api import expect

    token = prepare(live_server.services)
    page = page_at(1920, 1080)
    response = page.goto(f"{live_server.url}/board/{token}")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("机关党支部 积分评星公示")
    month = page.locator("#month tbody tr")
    expect(month).to_have_count(2)
    expect(month.nth(0).locator("td.place")).to_have_text("1")
    expect(month.nth(0).locator("td.name")).to_have_text("专卖党小组")
    expect(month.nth(1).locator("td.name")).to_have_text("综合党小组")
    expect(page.locator("#month h2")).to_have_text("2026年12月党小组月积分")
    expect(page.locator("#quarter h2")).to_have_text("2026年第四季度党小组季考核")
    expect(page.locator("#posts li")).to_have_count(1)
    expect(page.locator("#posts li")).to_contain_text("营业厅服务岗")
    expect(page.locator("#stars h2")).to_have_text("星级党员（2026年第三季度）")
    expect(page.locator("#stars li .who")).to_have_text(["张伟", "刘洋"])
    expect(page.locator("#stars li .stars")).to_have_text(["五星", "四星"])
    # Large type, styles from the package (a CDN would leave the default 16px).
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('td.name')).fontSize)")
    assert size >= 24
    title = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert title >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    refresh = page.locator('meta[http-equiv="refresh"]').get_attribute("content")
    assert refresh == "300"
    assert "1380000" not in page.content()

    gone = page.goto(f"{live_server.url}/board/not-the-token-of-any-branch")
    assert gone is not None and gone.status == 404
    bare = page.goto(f"{live_server.url}/board")
    assert bare is not None and bare.status == 404
