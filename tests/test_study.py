"""The shipped study items: each cites its source and says where to read the original, fits the
check-in reply, copies no seed article and teaches the rule rather than one bureau's story."""

from __future__ import annotations

from pathlib import Path

from bot.config import SHIPPED_CONTENT
from bot.content import ContentError
from bot.study import MAX_MESSAGE, StudyItem, load_items
from tests.prose import STORIES, load_seeds

ROOT = Path(__file__).resolve().parent.parent
ITEMS, ERRORS = load_items(Path(SHIPPED_CONTENT) / "study")
BY_ID = {item.id: item for item in ITEMS}


def test_items_load_with_source_and_where_to_confirm() -> None:
    assert ERRORS == [] and len(ITEMS) >= 38
    missing = [i.id for i in ITEMS if not i.source.strip() or not i.confirm.strip()]
    assert not missing, missing
    assert all(len(i.render()) <= MAX_MESSAGE for i in ITEMS)


def test_render_shows_source_and_where_to_confirm() -> None:
    text = BY_ID["study-014"].render()
    assert text.startswith("【今日学习】离退休、农民和困难党员的党费\n")
    assert text.endswith("（组电明字〔2017〕5号）；原文可查：所在党支部或上级党委组织部门）")


def test_retirees_base_is_the_basic_pension() -> None:
    item = BY_ID["study-014"]
    assert "基本离退休费" in item.body and "不含各类津贴补贴" in item.body
    assert "实际领取的离退休费" not in item.body
    assert "组电明字〔2017〕5号" in item.source


def test_sources_of_corrected_items() -> None:
    assert "第十七条" in BY_ID["study-003"].source  # 组织生活会
    assert "（2023年修订）第十二条" in BY_ID["study-018"].source
    assert "第十三条" in BY_ID["study-027"].source  # 党小组
    assert "第二十三条第二款" in BY_ID["study-033"].source


def test_no_item_tells_one_bureaus_story() -> None:
    found = [i.id for i in ITEMS if STORIES.search(i.title + i.body)]
    assert not found, found


def test_no_item_copies_the_seed_articles() -> None:
    seeds = load_seeds(ROOT)  # the articles beside the checkout, else their fingerprint
    copied = [(i.id, seeds.copied(i.title + "。" + i.body)) for i in ITEMS]
    assert not [c for c in copied if c[1]], [c for c in copied if c[1]]


def write(folder: Path, name: str, front: str, body: str) -> None:
    (folder / name).write_text(f"---\n{front}\n---\n{body}\n", "utf-8")


def test_confirm_is_optional_but_never_empty_and_the_message_has_a_limit(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "id: a\ntitle: 甲\nsource: 《党章》", "正文")
    write(tmp_path, "b.md", "id: b\ntitle: 乙\nsource: 《党章》\nconfirm: ''", "正文")
    write(tmp_path, "c.md", "id: c\ntitle: 丙\nsource: " + "《很长的出处》" * 12, "正" * 200)
    items, errors = load_items(tmp_path)
    assert [i.id for i in items] == ["a"]
    assert items[0].render() == "【今日学习】甲\n正文\n（出处：《党章》）"
    messages = {Path(e.path).name: str(e) for e in errors}
    assert "confirm must say where" in messages["b.md"] and isinstance(errors[0], ContentError)
    assert f"at most {MAX_MESSAGE}" in messages["c.md"]


def test_item_without_confirm_renders_as_before() -> None:
    item = StudyItem("x", "题", "正文", "《党章》第三条", None, ())
    assert item.render() == "【今日学习】题\n正文\n（出处：《党章》第三条）"
