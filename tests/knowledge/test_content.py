"""The policy library's content: corrected facts, coverage of common questions, own words.

Each corrected fact is asked the way a member would ask it, and the answer must carry the key
phrase of the corrected text (and, where the old text was wrong, not the wrong one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import SHIPPED_CONTENT
from bot.knowledge import Library
from bot.knowledge.entries import Entry, load_entries, parse_entry, policies_dir
from tests import dbs
from tests.prose import load_seeds

# Units and people of the seed articles: cited in `source`, never told as a story (a wider net
# than tests.prose.STORIES).
STORY_NAMES = re.compile("积石山|崇左|驮卢|刘士玉|开滦|东欢坨|贵定|平房区")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(SHIPPED_CONTENT)


def answer(library: Library, question: str) -> Entry:
    result = library.search(question)
    assert result.answer is not None, (question, [h.entry.id for h in result.suggestions])
    return result.answer.entry


# -- corrected facts ----------------------------------------------------------------------

# (question, entry, phrases the answer must contain, phrases it must not contain)
FACTS = [
    (
        "支部选举得多少票才能当选",
        "zhibu-election",
        ["超过应到会有选举权党员人数的一半", "不是按实到会人数算", "报上级党组织批准"],
        ["实到会有选举权"],
    ),
    (
        "支委会任期几年",
        "zhibu-election",
        ["村、社区党支部委员会每届任期5年", "其他基层单位的一般每届3年", "补选"],
        [],
    ),
    (
        "来查的人不亮证我能不让查吗",
        "tobacco-inspection",
        ["不出示执法证件的，你有权拒绝接受调查或检查", "一般不少于两人"],
        [],
    ),
    (
        "12313晚上打有人接不",
        "hotline",
        ["7×24", "省设分中心"],
        ["工作时间有工作人员接听", "非工作时间可以留言"],
    ),
    (
        "退休党员的补贴要算进党费基数吗",
        "party-dues-retired",
        ["以基本离退休费或基本养老金为计算基数", "津贴、补贴不算在内"],
        ["实际领取的离退休费总额"],
    ),
    (
        "党费能不能提前预交一年的",
        "party-dues",
        ["每季度交1次", "委托亲属或其他党员代交", "补交一般不超过6个月", "没有“预交”"],
        ["按季度交或预交"],
    ),
    (
        "组织生活会一年开几次",
        "org-life",
        ["每年至少召开1次组织生活会", "一般安排在第四季度"],
        [],
    ),
    (
        "党课多久上一次",
        "sanhui-yike",
        ["没有规定统一的次数", "按期上党课"],
        ["每季度至少1次"],
    ),
    (
        "三会一课是哪三会",
        "sanhui-yike",
        ["支部党员大会、支部委员会会议、党小组会", "“一课”是党课"],
        [],
    ),
]


@pytest.mark.parametrize(("question", "entry_id", "present", "absent"), FACTS)
def test_corrected_fact_is_in_the_answer(
    library: Library, question: str, entry_id: str, present: list[str], absent: list[str]
) -> None:
    entry = answer(library, question)
    assert entry.id == entry_id
    for phrase in present:
        assert phrase in entry.body, phrase
    for phrase in absent:
        assert phrase not in entry.body, phrase


SOURCES = {
    "zhibu-election": [
        "支部工作条例（试行）》（2018年）第二十一条",
        "基层组织选举工作条例》（2020年）",
    ],
    "tobacco-inspection": ["第五十五条", "第四十九条"],
    "hotline": ["12313烟草市场监管服务热线整合建设实施方案", "7×24"],
    "party-dues-retired": ["组电明字〔2017〕5号", "不含津补贴"],
    "party-dues": ["补交（一般不超过6个月）"],
    "org-life": ["一般安排在第四季度"],
    "sanhui-yike": ["第十六条"],
}


@pytest.mark.parametrize(("entry_id", "phrases"), SOURCES.items())
def test_each_changed_fact_names_its_source(
    library: Library, entry_id: str, phrases: list[str]
) -> None:
    entry = library.get(entry_id)
    assert entry is not None
    for phrase in phrases:
        assert phrase in entry.source, phrase


def test_a_corrected_fact_through_dangjian_ask_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    env = {
        "DANGJIAN_DB": dbs.db_for(tmp_path, "bot.db"),
        "DANGJIAN_CONTENT_DIR": str(SHIPPED_CONTENT),
    }
    lines = "来查的人不亮证我能不让查吗\n退休党员的补贴要算进党费基数吗\n"
    result = CliRunner().invoke(main, ["ask", "-", "--json"], input=lines, env=env)
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["answer"]["id"] for line in result.output.splitlines()]
    assert ids == ["tobacco-inspection", "party-dues-retired"]


# -- coverage -----------------------------------------------------------------------------

# The common questions of issue 13 that had no entry, and the entry that answers each.
COMMON_QUESTIONS = [
    ("许可证被吊销后多久能再申请", "license-revoked-reapply"),
    ("烟草证还要年检吗", "license-annual-check"),
    ("能在外卖平台、直播、微信群卖烟吗", "online-sales"),
    ("异地携带卷烟限多少", "carry-limit"),
    ("客户档位怎么定", "customer-grade"),
    ("一人开两家店能办两个证吗", "two-shops"),
    ("持证人去世家人能接着经营吗", "holder-death"),
    ("许可证要不要悬挂", "license-display"),
    ("不服处罚多少天内复议或起诉", "penalty-appeal"),
    ("罚款能分期吗", "fine-installment"),
    ("先行登记保存的卷烟多久处理", "evidence-hold"),
    ("能卖雪茄、进口烟吗", "cigars-imports"),
    ("零售点合理布局和间距", "retail-layout"),
    ("加热卷烟能卖吗", "heated-tobacco"),
    ("假烟送检怎么鉴定", "counterfeit-testing"),
    ("网上订烟的时间", "ordering"),
    ("组织关系网上转接", "transfer"),
    ("积极分子多久交思想汇报", "activist-report"),
    ("党员每年学习培训学时", "study-hours"),
    ("谈心谈话多久一次", "heart-talk"),
    ("党费用在哪些方面", "dues-use"),
    ("受处分后多久不能评先进或提拔", "discipline-effects"),
    ("对处分不服怎么申诉", "discipline-appeal"),
    ("党员出国或失联的组织关系", "member-abroad-lost"),
    ("三会一课是哪三会", "sanhui-yike"),
]


@pytest.mark.parametrize(("question", "entry_id"), COMMON_QUESTIONS)
def test_common_question_reaches_its_entry(library: Library, question: str, entry_id: str) -> None:
    assert answer(library, question).id == entry_id


def test_library_size_and_shape(library: Library) -> None:
    assert len(library.entries) >= 80
    for entry in library.entries:
        assert len(entry.questions) >= 10, entry.id
        assert len(entry.body) <= 520, entry.id
        assert entry.source and entry.updated and entry.keywords, entry.id
        last = entry.body.splitlines()[-1]
        assert any(w in last for w in ("为准", "咨询", "联系", "问", "查看")), (entry.id, last)


# -- own words ----------------------------------------------------------------------------


def entries_on_disk() -> list[Entry]:
    entries, errors = load_entries(SHIPPED_CONTENT)
    assert errors == []
    return entries


def test_no_entry_copies_prose_from_the_seed_articles() -> None:
    seeds = load_seeds(ROOT)  # the articles beside the checkout, else their fingerprint
    copied = {}
    for entry in entries_on_disk():
        # Field by field and line by line: list items and keywords are separate passages.
        lines = [entry.title, *entry.questions, *entry.keywords, *entry.body.splitlines()]
        if runs := [run for line in lines for run in seeds.copied(line)]:
            copied[entry.id] = runs
    assert copied == {}


def test_bureau_stories_appear_only_in_sources() -> None:
    told = []
    for path in sorted(policies_dir(SHIPPED_CONTENT).glob("*.md")):
        entry, _ = parse_entry(path)
        assert entry is not None
        for text in (entry.title, *entry.questions, *entry.keywords, entry.body):
            if STORY_NAMES.search(text):
                told.append((entry.id, text))
    assert told == []
