"""The simulator page in a real browser (Chromium, headless): usable on a phone (390x844),
asks for an identity before anything is sent, and follows a bind in the side panel."""

from __future__ import annotations

import pytest

from tests.web.conftest import LiveServer, PageFactory

pytestmark = pytest.mark.browser


def test_phone_pick_an_identity_and_ask_for_help(
    live_server: LiveServer, page_at: PageFactory
) -> None:
    from playwright.sync_api import expect

    page = page_at(390, 844)
    page.goto(live_server.url + "/")
    picker = page.locator("#who")
    expect(picker).to_be_visible()
    expect(page.locator("#who option")).to_have_count(21)

    # Typing before choosing: the text stays and the page says what to do.
    page.fill("#text", "帮助")
    page.press("#text", "Enter")
    expect(page.locator("li.system").last).to_have_text(
        "请先在上方选择一个身份（演示党员或“新关注者”），再发送消息。"
    )
    expect(page.locator("#text")).to_have_value("帮助")
    assert page.locator("li.me").count() == 0

    picker.select_option(label="张伟 · 党员 · 机关党支部")
    expect(page.locator("li.bot").first).to_contain_text("绑定成功")
    expect(page.locator("#title")).to_have_text("张伟（机关党支部）")
    page.fill("#text", "帮助")
    page.locator("button[type=submit]").click()
    expect(page.locator("li.me").last).to_have_text("帮助")
    expect(page.locator("li.bot").last).to_contain_text("我能帮你做这些（直接发送文字）：")
    expect(page.locator("#text")).to_have_value("")
    for selector in ("#text", "button[type=submit]", "#newFollower", ".quick button >> nth=0"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_side_panel_follows_a_bind(live_server: LiveServer, page_at: PageFactory) -> None:
    from playwright.sync_api import expect

    page = page_at(1280, 800)
    page.goto(live_server.url + "/")
    expect(page.locator("#who option")).to_have_count(21)  # the page has loaded its roster
    page.locator("#newFollower").click()
    expect(page.locator("li.bot").first).to_contain_text("欢迎关注党建学习助手")
    expect(page.locator("#profile")).to_contain_text("新关注者，尚未绑定")
    page.fill("#text", "绑定 刘洋 13800000004")
    page.press("#text", "Enter")
    expect(page.locator("li.bot").last).to_contain_text("绑定成功")
    expect(page.locator("#profile")).to_contain_text("综合党小组")
    expect(page.locator("#profile")).to_contain_text("已绑定")
    expect(page.locator("#title")).to_have_text("刘洋（机关党支部）")
